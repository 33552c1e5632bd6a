asan/rel/obj/src/daemon/queue.o: src/daemon/queue.c src/daemon/roles.h \
 src/daemon/child.h src/common/buf.h src/common/ipc.h src/daemon/proc.h \
 src/common/runas.h src/common/config.h src/common/log.h \
 src/common/xmalloc.h src/smtp/queue_sched.h src/smtp/envelope.h \
 src/smtp/queue_id.h src/smtp/queue_store.h
src/daemon/roles.h:
src/daemon/child.h:
src/common/buf.h:
src/common/ipc.h:
src/daemon/proc.h:
src/common/runas.h:
src/common/config.h:
src/common/log.h:
src/common/xmalloc.h:
src/smtp/queue_sched.h:
src/smtp/envelope.h:
src/smtp/queue_id.h:
src/smtp/queue_store.h:
