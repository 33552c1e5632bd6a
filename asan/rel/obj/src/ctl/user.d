asan/rel/obj/src/ctl/user.o: src/ctl/user.c src/ctl/ctl.h \
 src/common/config.h src/common/buf.h src/common/str.h \
 src/ctl/ctl_userdb.h src/store/userdb.h src/store/trees.h \
 src/ctl/password.h
src/ctl/ctl.h:
src/common/config.h:
src/common/buf.h:
src/common/str.h:
src/ctl/ctl_userdb.h:
src/store/userdb.h:
src/store/trees.h:
src/ctl/password.h:
