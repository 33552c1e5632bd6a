asan/rel/obj/src/smtp/queue_id.o: src/smtp/queue_id.c src/smtp/queue_id.h
src/smtp/queue_id.h:
