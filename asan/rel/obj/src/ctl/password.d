asan/rel/obj/src/ctl/password.o: src/ctl/password.c src/ctl/password.h \
 src/common/buf.h src/common/xmalloc.h
src/ctl/password.h:
src/common/buf.h:
src/common/xmalloc.h:
