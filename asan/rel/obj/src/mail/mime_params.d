asan/rel/obj/src/mail/mime_params.o: src/mail/mime_params.c \
 src/mail/mime_params.h src/mail/mime.h src/common/buf.h \
 src/mail/decode.h src/common/xmalloc.h src/mail/encwords.h
src/mail/mime_params.h:
src/mail/mime.h:
src/common/buf.h:
src/mail/decode.h:
src/common/xmalloc.h:
src/mail/encwords.h:
