asan/rel/obj/src/common/config_table.o: src/common/config_table.c \
 src/common/config_table.h src/common/buf.h src/common/str.h
src/common/config_table.h:
src/common/buf.h:
src/common/str.h:
