asan/rel/obj/src/mail/charset.o: src/mail/charset.c src/mail/encwords.h \
 src/common/buf.h src/common/xmalloc.h
src/mail/encwords.h:
src/common/buf.h:
src/common/xmalloc.h:
