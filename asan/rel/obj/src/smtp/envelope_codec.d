asan/rel/obj/src/smtp/envelope_codec.o: src/smtp/envelope_codec.c \
 src/smtp/envelope.h src/common/buf.h src/smtp/queue_id.h \
 src/common/ipc.h
src/smtp/envelope.h:
src/common/buf.h:
src/smtp/queue_id.h:
src/common/ipc.h:
