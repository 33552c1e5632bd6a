asan/rel/obj/src/mail/hdrscan.o: src/mail/hdrscan.c src/mail/header.h \
 src/common/buf.h
src/mail/header.h:
src/common/buf.h:
