asan/rel/obj/src/common/fileutil.o: src/common/fileutil.c \
 src/common/fileutil.h src/common/buf.h src/common/xmalloc.h
src/common/fileutil.h:
src/common/buf.h:
src/common/xmalloc.h:
