asan/rel/obj/src/ctl/init_db.o: src/ctl/init_db.c src/ctl/init.h \
 src/common/buf.h src/common/config.h src/store/userdb.h \
 src/store/trees.h
src/ctl/init.h:
src/common/buf.h:
src/common/config.h:
src/store/userdb.h:
src/store/trees.h:
