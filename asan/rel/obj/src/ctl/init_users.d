asan/rel/obj/src/ctl/init_users.o: src/ctl/init_users.c src/ctl/init.h \
 src/common/buf.h src/common/runas.h
src/ctl/init.h:
src/common/buf.h:
src/common/runas.h:
