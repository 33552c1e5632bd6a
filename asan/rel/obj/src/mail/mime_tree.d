asan/rel/obj/src/mail/mime_tree.o: src/mail/mime_tree.c src/mail/mime.h \
 src/common/buf.h src/mail/decode.h src/common/xmalloc.h \
 src/mail/header.h
src/mail/mime.h:
src/common/buf.h:
src/mail/decode.h:
src/common/xmalloc.h:
src/mail/header.h:
