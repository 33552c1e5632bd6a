asan/rel/obj/src/store/compress.o: src/store/compress.c \
 src/store/compress.h src/common/xmalloc.h src/store/compress_int.h \
 src/store/stream.h src/common/buf.h
src/store/compress.h:
src/common/xmalloc.h:
src/store/compress_int.h:
src/store/stream.h:
src/common/buf.h:
