asan/rel/obj/src/store/maildir.o: src/store/maildir.c src/store/maildir.h \
 src/common/buf.h src/common/fileutil.h src/common/xmalloc.h
src/store/maildir.h:
src/common/buf.h:
src/common/fileutil.h:
src/common/xmalloc.h:
