asan/rel/obj/src/daemon/listen.o: src/daemon/listen.c src/daemon/listen.h \
 src/common/buf.h src/common/config.h src/common/str.h \
 src/common/xmalloc.h
src/daemon/listen.h:
src/common/buf.h:
src/common/config.h:
src/common/str.h:
src/common/xmalloc.h:
