asan/rel/obj/src/store/userdb_user.o: src/store/userdb_user.c \
 src/store/userdb_priv.h src/common/buf.h src/store/userdb.h \
 src/store/trees.h src/common/xmalloc.h src/mail/address.h
src/store/userdb_priv.h:
src/common/buf.h:
src/store/userdb.h:
src/store/trees.h:
src/common/xmalloc.h:
src/mail/address.h:
