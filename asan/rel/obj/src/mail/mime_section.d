asan/rel/obj/src/mail/mime_section.o: src/mail/mime_section.c \
 src/mail/mime.h src/common/buf.h src/mail/decode.h
src/mail/mime.h:
src/common/buf.h:
src/mail/decode.h:
