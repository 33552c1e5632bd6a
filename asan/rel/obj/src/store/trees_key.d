asan/rel/obj/src/store/trees_key.o: src/store/trees_key.c \
 src/store/trees.h
src/store/trees.h:
