asan/rel/obj/src/store/userdb_domain.o: src/store/userdb_domain.c \
 src/store/userdb_priv.h src/common/buf.h src/store/userdb.h \
 src/store/trees.h
src/store/userdb_priv.h:
src/common/buf.h:
src/store/userdb.h:
src/store/trees.h:
