# archmailbox top-level Makefile.
#   make            build mailboxd, mailboxctl, treesutil into build/rel/bin
#   make test       install missing packages, build with sanitizers, run every test
#   make run        install, build and start a demo instance in ./var
#   make fuzz       run each fuzz target longer (FUZZ_SECONDS, default 60)
#   make bench      build release binaries, run every executable in bench/
# BUILD=dir puts all output elsewhere (lets several builds share a tree).
BUILD ?= build
export BUILD
SUBMAKE = $(MAKE) --no-print-directory -f mk/build.mk

.PHONY: all deps test run fuzz bench clean install

all: deps
	@$(SUBMAKE) VARIANT=rel bins

deps:
	@scripts/install-deps.sh

test: deps
	@$(SUBMAKE) VARIANT=rel bins
	@$(SUBMAKE) VARIANT=asan bins unit
	@$(SUBMAKE) fuzzers
	@/usr/bin/python3 tests/run.py --build $(BUILD)

fuzz: deps
	@$(SUBMAKE) fuzzers
	@/usr/bin/python3 tests/run.py --build $(BUILD) --only fuzz --fuzz-seconds $${FUZZ_SECONDS:-60}

# Every benchmark runs even if one fails; the status says if any did.
bench: all
	@failed=""; for b in bench/*; do \
		[ -f "$$b" ] && [ -x "$$b" ] || continue; \
		echo "== $$b"; \
		BENCH_BIN="$${BENCH_BIN:-$(BUILD)/rel/bin}" "$$b" || failed="$$failed $$b"; \
	done; \
	if [ -n "$$failed" ]; then echo "bench failed:$$failed"; exit 1; fi

run: all
	@scripts/demo.sh $(BUILD)/rel/bin

clean:
	rm -rf $(BUILD)
