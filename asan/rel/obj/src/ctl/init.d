asan/rel/obj/src/ctl/init.o: src/ctl/init.c src/ctl/ctl.h \
 src/common/config.h src/common/buf.h src/common/config_table.h \
 src/common/fileutil.h src/common/selfsigned.h src/common/str.h \
 src/common/xmalloc.h src/ctl/init.h
src/ctl/ctl.h:
src/common/config.h:
src/common/buf.h:
src/common/config_table.h:
src/common/fileutil.h:
src/common/selfsigned.h:
src/common/str.h:
src/common/xmalloc.h:
src/ctl/init.h:
