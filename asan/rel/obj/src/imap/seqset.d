asan/rel/obj/src/imap/seqset.o: src/imap/seqset.c src/imap/seqset.h \
 src/common/buf.h src/common/xmalloc.h
src/imap/seqset.h:
src/common/buf.h:
src/common/xmalloc.h:
