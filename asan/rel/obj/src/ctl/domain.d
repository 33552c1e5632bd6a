asan/rel/obj/src/ctl/domain.o: src/ctl/domain.c src/ctl/ctl.h \
 src/ctl/ctl_userdb.h src/store/userdb.h src/common/buf.h \
 src/store/trees.h
src/ctl/ctl.h:
src/ctl/ctl_userdb.h:
src/store/userdb.h:
src/common/buf.h:
src/store/trees.h:
