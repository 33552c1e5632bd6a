asan/rel/obj/src/mail/encwords.o: src/mail/encwords.c src/mail/encwords.h \
 src/common/buf.h src/mail/decode.h
src/mail/encwords.h:
src/common/buf.h:
src/mail/decode.h:
