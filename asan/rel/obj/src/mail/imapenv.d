asan/rel/obj/src/mail/imapenv.o: src/mail/imapenv.c src/mail/imapenv.h \
 src/mail/addrlist.h src/common/buf.h src/common/xmalloc.h \
 src/mail/header.h
src/mail/imapenv.h:
src/mail/addrlist.h:
src/common/buf.h:
src/common/xmalloc.h:
src/mail/header.h:
