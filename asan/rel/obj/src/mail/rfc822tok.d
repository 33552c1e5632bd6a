asan/rel/obj/src/mail/rfc822tok.o: src/mail/rfc822tok.c \
 src/mail/rfc822tok.h src/common/buf.h
src/mail/rfc822tok.h:
src/common/buf.h:
