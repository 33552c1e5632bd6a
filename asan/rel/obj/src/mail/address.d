asan/rel/obj/src/mail/address.o: src/mail/address.c src/mail/address.h \
 src/common/buf.h src/common/xmalloc.h
src/mail/address.h:
src/common/buf.h:
src/common/xmalloc.h:
