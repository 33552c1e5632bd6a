asan/rel/obj/src/ctl/config.o: src/ctl/config.c src/ctl/ctl.h \
 src/common/config.h src/common/buf.h src/common/config_table.h
src/ctl/ctl.h:
src/common/config.h:
src/common/buf.h:
src/common/config_table.h:
