asan/rel/obj/src/smtp/server_body.o: src/smtp/server_body.c \
 src/smtp/server_int.h src/smtp/server.h src/common/buf.h \
 src/smtp/smtp_parse.h
src/smtp/server_int.h:
src/smtp/server.h:
src/common/buf.h:
src/smtp/smtp_parse.h:
