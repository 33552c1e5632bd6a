asan/rel/obj/src/store/userdb_alias.o: src/store/userdb_alias.c \
 src/store/userdb_priv.h src/common/buf.h src/store/userdb.h \
 src/store/trees.h src/mail/address.h
src/store/userdb_priv.h:
src/common/buf.h:
src/store/userdb.h:
src/store/trees.h:
src/mail/address.h:
