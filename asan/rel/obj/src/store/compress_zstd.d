asan/rel/obj/src/store/compress_zstd.o: src/store/compress_zstd.c \
 src/common/xmalloc.h src/store/compress_int.h src/store/compress.h \
 src/store/stream.h src/common/buf.h
src/common/xmalloc.h:
src/store/compress_int.h:
src/store/compress.h:
src/store/stream.h:
src/common/buf.h:
