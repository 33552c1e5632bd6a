asan/rel/obj/src/store/stream.o: src/store/stream.c src/store/stream.h \
 src/common/buf.h src/common/str.h src/common/xmalloc.h
src/store/stream.h:
src/common/buf.h:
src/common/str.h:
src/common/xmalloc.h:
