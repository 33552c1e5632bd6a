asan/rel/obj/src/daemon/privdrop.o: src/daemon/privdrop.c \
 src/daemon/privdrop.h src/common/buf.h src/common/log.h
src/daemon/privdrop.h:
src/common/buf.h:
src/common/log.h:
