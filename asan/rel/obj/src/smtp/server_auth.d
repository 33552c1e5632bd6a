asan/rel/obj/src/smtp/server_auth.o: src/smtp/server_auth.c \
 src/common/xmalloc.h src/smtp/server_int.h src/smtp/server.h \
 src/common/buf.h src/smtp/smtp_parse.h
src/common/xmalloc.h:
src/smtp/server_int.h:
src/smtp/server.h:
src/common/buf.h:
src/smtp/smtp_parse.h:
