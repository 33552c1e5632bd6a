asan/rel/obj/src/ctl/common.o: src/ctl/common.c src/ctl/ctl.h \
 src/common/buf.h src/common/config.h
src/ctl/ctl.h:
src/common/buf.h:
src/common/config.h:
