asan/rel/obj/src/cmd/treesutil.o: src/cmd/treesutil.c src/common/buf.h \
 src/store/compress.h src/store/stream.h src/store/trees.h
src/common/buf.h:
src/store/compress.h:
src/store/stream.h:
src/store/trees.h:
