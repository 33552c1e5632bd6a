asan/rel/obj/src/smtp/envelope.o: src/smtp/envelope.c src/smtp/envelope.h \
 src/common/buf.h src/smtp/queue_id.h src/common/xmalloc.h
src/smtp/envelope.h:
src/common/buf.h:
src/smtp/queue_id.h:
src/common/xmalloc.h:
