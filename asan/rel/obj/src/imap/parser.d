asan/rel/obj/src/imap/parser.o: src/imap/parser.c src/imap/parser.h \
 src/imap/command.h src/imap/seqset.h src/common/buf.h \
 src/common/xmalloc.h src/imap/parse_int.h src/imap/lexer.h
src/imap/parser.h:
src/imap/command.h:
src/imap/seqset.h:
src/common/buf.h:
src/common/xmalloc.h:
src/imap/parse_int.h:
src/imap/lexer.h:
