asan/rel/obj/src/store/trees_stream.o: src/store/trees_stream.c \
 src/store/trees.h src/common/xmalloc.h src/store/stream.h \
 src/common/buf.h
src/store/trees.h:
src/common/xmalloc.h:
src/store/stream.h:
src/common/buf.h:
