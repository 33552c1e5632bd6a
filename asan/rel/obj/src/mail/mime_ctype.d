asan/rel/obj/src/mail/mime_ctype.o: src/mail/mime_ctype.c src/mail/mime.h \
 src/common/buf.h src/mail/decode.h src/common/str.h src/common/xmalloc.h \
 src/mail/mime_params.h src/mail/rfc822tok.h
src/mail/mime.h:
src/common/buf.h:
src/mail/decode.h:
src/common/str.h:
src/common/xmalloc.h:
src/mail/mime_params.h:
src/mail/rfc822tok.h:
