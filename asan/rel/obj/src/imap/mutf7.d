asan/rel/obj/src/imap/mutf7.o: src/imap/mutf7.c src/imap/mutf7.h \
 src/common/buf.h
src/imap/mutf7.h:
src/common/buf.h:
