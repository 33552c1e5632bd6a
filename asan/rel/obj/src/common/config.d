asan/rel/obj/src/common/config.o: src/common/config.c src/common/config.h \
 src/common/buf.h src/common/config_table.h src/common/fileutil.h \
 src/common/str.h src/common/xmalloc.h
src/common/config.h:
src/common/buf.h:
src/common/config_table.h:
src/common/fileutil.h:
src/common/str.h:
src/common/xmalloc.h:
