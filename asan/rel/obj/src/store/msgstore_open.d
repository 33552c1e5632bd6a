asan/rel/obj/src/store/msgstore_open.o: src/store/msgstore_open.c \
 src/store/msgstore.h src/common/buf.h src/store/compress.h \
 src/store/trees.h src/store/stream.h
src/store/msgstore.h:
src/common/buf.h:
src/store/compress.h:
src/store/trees.h:
src/store/stream.h:
