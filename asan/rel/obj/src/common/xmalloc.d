asan/rel/obj/src/common/xmalloc.o: src/common/xmalloc.c \
 src/common/xmalloc.h
src/common/xmalloc.h:
