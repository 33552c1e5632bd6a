asan/rel/obj/src/store/msgstore.o: src/store/msgstore.c \
 src/store/msgstore.h src/common/buf.h src/store/compress.h \
 src/store/trees.h src/common/fileutil.h src/store/maildir.h \
 src/store/stream.h
src/store/msgstore.h:
src/common/buf.h:
src/store/compress.h:
src/store/trees.h:
src/common/fileutil.h:
src/store/maildir.h:
src/store/stream.h:
