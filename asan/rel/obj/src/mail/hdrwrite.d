asan/rel/obj/src/mail/hdrwrite.o: src/mail/hdrwrite.c src/mail/header.h \
 src/common/buf.h
src/mail/header.h:
src/common/buf.h:
