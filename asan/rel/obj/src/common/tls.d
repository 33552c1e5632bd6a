asan/rel/obj/src/common/tls.o: src/common/tls.c src/common/tls.h \
 src/common/buf.h
src/common/tls.h:
src/common/buf.h:
