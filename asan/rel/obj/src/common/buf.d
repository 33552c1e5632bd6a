asan/rel/obj/src/common/buf.o: src/common/buf.c src/common/buf.h \
 src/common/xmalloc.h
src/common/buf.h:
src/common/xmalloc.h:
