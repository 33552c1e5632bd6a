asan/rel/obj/src/imap/cmd_parse.o: src/imap/cmd_parse.c src/common/str.h \
 src/common/xmalloc.h src/imap/parse_int.h src/imap/lexer.h \
 src/imap/command.h src/imap/seqset.h src/common/buf.h
src/common/str.h:
src/common/xmalloc.h:
src/imap/parse_int.h:
src/imap/lexer.h:
src/imap/command.h:
src/imap/seqset.h:
src/common/buf.h:
