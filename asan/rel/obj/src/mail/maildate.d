asan/rel/obj/src/mail/maildate.o: src/mail/maildate.c src/mail/maildate.h \
 src/mail/rfc822tok.h src/common/buf.h
src/mail/maildate.h:
src/mail/rfc822tok.h:
src/common/buf.h:
