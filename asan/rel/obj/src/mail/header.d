asan/rel/obj/src/mail/header.o: src/mail/header.c src/mail/header.h \
 src/common/buf.h
src/mail/header.h:
src/common/buf.h:
