asan/rel/obj/src/common/ipc_codec.o: src/common/ipc_codec.c \
 src/common/ipc.h src/common/buf.h
src/common/ipc.h:
src/common/buf.h:
