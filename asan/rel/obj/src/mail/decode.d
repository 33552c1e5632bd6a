asan/rel/obj/src/mail/decode.o: src/mail/decode.c src/mail/decode.h \
 src/common/buf.h src/mail/rfc822tok.h
src/mail/decode.h:
src/common/buf.h:
src/mail/rfc822tok.h:
