asan/rel/obj/src/daemon/child.o: src/daemon/child.c src/daemon/child.h \
 src/common/buf.h src/common/ipc.h src/daemon/proc.h src/common/runas.h \
 src/common/config.h src/common/log.h src/daemon/privdrop.h
src/daemon/child.h:
src/common/buf.h:
src/common/ipc.h:
src/daemon/proc.h:
src/common/runas.h:
src/common/config.h:
src/common/log.h:
src/daemon/privdrop.h:
