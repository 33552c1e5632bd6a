asan/rel/obj/src/common/selfsigned.o: src/common/selfsigned.c \
 src/common/selfsigned.h src/common/buf.h src/common/fileutil.h
src/common/selfsigned.h:
src/common/buf.h:
src/common/fileutil.h:
