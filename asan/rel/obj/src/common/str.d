asan/rel/obj/src/common/str.o: src/common/str.c src/common/str.h
src/common/str.h:
