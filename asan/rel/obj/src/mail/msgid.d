asan/rel/obj/src/mail/msgid.o: src/mail/msgid.c src/mail/msgid.h \
 src/common/buf.h src/mail/rfc822tok.h
src/mail/msgid.h:
src/common/buf.h:
src/mail/rfc822tok.h:
