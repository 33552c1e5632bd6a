asan/rel/obj/src/store/userdb_resolve.o: src/store/userdb_resolve.c \
 src/store/userdb_priv.h src/common/buf.h src/store/userdb.h \
 src/store/trees.h src/common/xmalloc.h src/mail/address.h
src/store/userdb_priv.h:
src/common/buf.h:
src/store/userdb.h:
src/store/trees.h:
src/common/xmalloc.h:
src/mail/address.h:
