asan/rel/obj/src/smtp/queue_sched.o: src/smtp/queue_sched.c \
 src/smtp/queue_sched.h src/smtp/envelope.h src/common/buf.h \
 src/smtp/queue_id.h
src/smtp/queue_sched.h:
src/smtp/envelope.h:
src/common/buf.h:
src/smtp/queue_id.h:
