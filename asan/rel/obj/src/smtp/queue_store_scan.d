asan/rel/obj/src/smtp/queue_store_scan.o: src/smtp/queue_store_scan.c \
 src/smtp/queue_store_int.h src/common/buf.h src/smtp/queue_store.h \
 src/smtp/envelope.h src/smtp/queue_id.h src/common/log.h \
 src/common/xmalloc.h
src/smtp/queue_store_int.h:
src/common/buf.h:
src/smtp/queue_store.h:
src/smtp/envelope.h:
src/smtp/queue_id.h:
src/common/log.h:
src/common/xmalloc.h:
