asan/rel/obj/src/imap/parse_mailbox.o: src/imap/parse_mailbox.c \
 src/imap/parse_int.h src/imap/lexer.h src/imap/command.h \
 src/imap/seqset.h src/common/buf.h
src/imap/parse_int.h:
src/imap/lexer.h:
src/imap/command.h:
src/imap/seqset.h:
src/common/buf.h:
