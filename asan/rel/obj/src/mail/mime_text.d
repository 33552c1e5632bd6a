asan/rel/obj/src/mail/mime_text.o: src/mail/mime_text.c src/mail/mime.h \
 src/common/buf.h src/mail/decode.h src/mail/encwords.h src/mail/header.h
src/mail/mime.h:
src/common/buf.h:
src/mail/decode.h:
src/mail/encwords.h:
src/mail/header.h:
