asan/rel/obj/src/ctl/alias.o: src/ctl/alias.c src/ctl/ctl.h \
 src/ctl/ctl_userdb.h src/store/userdb.h src/common/buf.h \
 src/store/trees.h
src/ctl/ctl.h:
src/ctl/ctl_userdb.h:
src/store/userdb.h:
src/common/buf.h:
src/store/trees.h:
