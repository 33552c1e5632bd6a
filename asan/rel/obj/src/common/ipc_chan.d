asan/rel/obj/src/common/ipc_chan.o: src/common/ipc_chan.c \
 src/common/ipc.h src/common/buf.h src/common/log.h src/common/xmalloc.h
src/common/ipc.h:
src/common/buf.h:
src/common/log.h:
src/common/xmalloc.h:
