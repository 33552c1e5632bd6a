asan/rel/obj/src/daemon/smtp.o: src/daemon/smtp.c src/daemon/roles.h \
 src/daemon/child.h src/common/buf.h src/common/ipc.h src/daemon/proc.h \
 src/common/runas.h
src/daemon/roles.h:
src/daemon/child.h:
src/common/buf.h:
src/common/ipc.h:
src/daemon/proc.h:
src/common/runas.h:
