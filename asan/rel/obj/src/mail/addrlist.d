asan/rel/obj/src/mail/addrlist.o: src/mail/addrlist.c src/mail/addrlist.h \
 src/common/buf.h src/common/xmalloc.h src/mail/rfc822tok.h
src/mail/addrlist.h:
src/common/buf.h:
src/common/xmalloc.h:
src/mail/rfc822tok.h:
