# archmailbox top-level Makefile.
#   make            build mailboxd, mailboxctl, treesutil into build/rel/bin
#   make test       install missing packages, build with sanitizers, run every test
#   make run        install, build and start a demo instance in ./var
#   make fuzz       run each fuzz target longer (FUZZ_SECONDS, default 60)
#   make bench      build release binaries, run every executable in bench/
#   make install    build, then install under PREFIX (/usr/local) in DESTDIR
# BUILD=dir puts all output elsewhere (lets several builds share a tree).
BUILD ?= build
export BUILD
SUBMAKE = $(MAKE) --no-print-directory -f mk/build.mk

.PHONY: all deps test run fuzz bench clean install install-files

# Installation layout (make install PREFIX=/usr DESTDIR=...).
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/archmailbox
DATADIR ?= $(PREFIX)/share/archmailbox
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install

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

install: deps install-files

# The release binaries (built if needed), man pages, the systemd unit with
# its paths filled in, and the nftables ruleset. No package installation.
install-files:
	@$(SUBMAKE) VARIANT=rel bins
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(DATADIR) $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 0755 $(BUILD)/rel/bin/mailboxctl $(BUILD)/rel/bin/treesutil \
		$(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0755 $(BUILD)/rel/bin/mailboxd $(BUILD)/rel/bin/mailboxd-* \
		$(DESTDIR)$(SBINDIR)/
	for page in man/*.[1-8]; do \
		sect=$${page##*.}; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$sect && \
		$(INSTALL) -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$sect/ || exit 1; \
	done
	sed 's|@SBINDIR@|$(SBINDIR)|g' packaging/systemd/archmailbox.service.in \
		> $(DESTDIR)$(UNITDIR)/archmailbox.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/archmailbox.service
	$(INSTALL) -m 0644 packaging/nftables/archmailbox.nft $(DESTDIR)$(DATADIR)/
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/

clean:
	rm -rf $(BUILD)
