asan/rel/obj/src/smtp/server_reply.o: src/smtp/server_reply.c \
 src/smtp/server_int.h src/smtp/server.h src/common/buf.h \
 src/smtp/smtp_parse.h
src/smtp/server_int.h:
src/smtp/server.h:
src/common/buf.h:
src/smtp/smtp_parse.h:
