asan/rel/obj/src/imap/respond.o: src/imap/respond.c src/imap/respond.h \
 src/common/buf.h src/imap/command.h src/imap/seqset.h src/imap/lexer.h \
 src/imap/mutf7.h
src/imap/respond.h:
src/common/buf.h:
src/imap/command.h:
src/imap/seqset.h:
src/imap/lexer.h:
src/imap/mutf7.h:
