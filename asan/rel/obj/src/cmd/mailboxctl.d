asan/rel/obj/src/cmd/mailboxctl.o: src/cmd/mailboxctl.c src/ctl/ctl.h
src/ctl/ctl.h:
