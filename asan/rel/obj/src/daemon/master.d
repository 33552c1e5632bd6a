asan/rel/obj/src/daemon/master.o: src/daemon/master.c src/daemon/master.h \
 src/common/config.h src/common/buf.h src/common/fileutil.h \
 src/common/ipc.h src/common/log.h src/daemon/listen.h src/daemon/proc.h \
 src/common/runas.h
src/daemon/master.h:
src/common/config.h:
src/common/buf.h:
src/common/fileutil.h:
src/common/ipc.h:
src/common/log.h:
src/daemon/listen.h:
src/daemon/proc.h:
src/common/runas.h:
