asan/rel/obj/src/common/runas.o: src/common/runas.c src/common/runas.h \
 src/common/config.h src/common/buf.h
src/common/runas.h:
src/common/config.h:
src/common/buf.h:
