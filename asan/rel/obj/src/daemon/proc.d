asan/rel/obj/src/daemon/proc.o: src/daemon/proc.c src/daemon/proc.h \
 src/common/runas.h
src/daemon/proc.h:
src/common/runas.h:
