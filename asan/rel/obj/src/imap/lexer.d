asan/rel/obj/src/imap/lexer.o: src/imap/lexer.c src/imap/lexer.h \
 src/imap/command.h src/imap/seqset.h src/common/buf.h \
 src/common/xmalloc.h src/imap/mutf7.h
src/imap/lexer.h:
src/imap/command.h:
src/imap/seqset.h:
src/common/buf.h:
src/common/xmalloc.h:
src/imap/mutf7.h:
