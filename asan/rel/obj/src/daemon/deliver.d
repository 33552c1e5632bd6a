asan/rel/obj/src/daemon/deliver.o: src/daemon/deliver.c \
 src/daemon/roles.h src/daemon/child.h src/common/buf.h src/common/ipc.h \
 src/daemon/proc.h src/common/runas.h
src/daemon/roles.h:
src/daemon/child.h:
src/common/buf.h:
src/common/ipc.h:
src/daemon/proc.h:
src/common/runas.h:
