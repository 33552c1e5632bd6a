asan/rel/obj/src/daemon/lookup.o: src/daemon/lookup.c src/daemon/roles.h \
 src/daemon/child.h src/common/buf.h src/common/ipc.h src/daemon/proc.h \
 src/common/runas.h src/common/config.h src/common/log.h \
 src/mail/address.h src/store/userdb.h src/store/trees.h
src/daemon/roles.h:
src/daemon/child.h:
src/common/buf.h:
src/common/ipc.h:
src/daemon/proc.h:
src/common/runas.h:
src/common/config.h:
src/common/log.h:
src/mail/address.h:
src/store/userdb.h:
src/store/trees.h:
