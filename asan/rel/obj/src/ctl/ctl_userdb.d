asan/rel/obj/src/ctl/ctl_userdb.o: src/ctl/ctl_userdb.c \
 src/ctl/ctl_userdb.h src/ctl/ctl.h src/store/userdb.h src/common/buf.h \
 src/store/trees.h src/common/config.h
src/ctl/ctl_userdb.h:
src/ctl/ctl.h:
src/store/userdb.h:
src/common/buf.h:
src/store/trees.h:
src/common/config.h:
