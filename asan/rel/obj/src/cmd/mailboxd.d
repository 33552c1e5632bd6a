asan/rel/obj/src/cmd/mailboxd.o: src/cmd/mailboxd.c src/common/config.h \
 src/common/buf.h src/common/log.h src/daemon/master.h src/daemon/roles.h \
 src/daemon/child.h src/common/ipc.h src/daemon/proc.h src/common/runas.h
src/common/config.h:
src/common/buf.h:
src/common/log.h:
src/daemon/master.h:
src/daemon/roles.h:
src/daemon/child.h:
src/common/ipc.h:
src/daemon/proc.h:
src/common/runas.h:
