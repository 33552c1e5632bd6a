asan/rel/obj/src/ctl/resolve.o: src/ctl/resolve.c src/ctl/ctl.h \
 src/ctl/ctl_userdb.h src/store/userdb.h src/common/buf.h \
 src/store/trees.h
src/ctl/ctl.h:
src/ctl/ctl_userdb.h:
src/store/userdb.h:
src/common/buf.h:
src/store/trees.h:
