# Real build rules; the top-level Makefile calls this after the packages
# are installed, so pkg-config can be asked here.
BUILD   ?= build
VARIANT ?= rel
OUT     := $(BUILD)/$(VARIANT)

PKGS := libsodium sqlite3 liblzma libzstd libevent libevent_openssl openssl \
        libidn2 libunbound libcurl jansson libpsl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lunistring -lm -pthread

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes
BASE    := -std=c17 -D_GNU_SOURCE -pthread -Isrc -g $(WARN) $(PKG_CFLAGS)
ifeq ($(VARIANT),asan)
  CC     := gcc
  VFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=all
else
  CC     ?= cc
  VFLAGS := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
  LDV    := -pie -Wl,-z,relro,-z,now
endif

LAYERS   := common mail mailauth filter store smtp imap acme daemon ctl
LIB_SRCS := $(foreach d,$(LAYERS),$(wildcard src/$(d)/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/obj/%.o)
LIB      := $(OUT)/libarchmailbox.a
CMDS     := mailboxd mailboxctl treesutil mailboxd-renew
# One executable per process role (src/cmd/mailboxd_role.c), named
# mailboxd-<role> as proc_name() spells it; its role_ops symbol drops the
# hyphen. --as-needed keeps out the libraries the role never calls.
ROLES    := lookup queue deliver smtp imap-login imap signer relay acme
BINS     := $(CMDS:%=$(OUT)/bin/%) $(ROLES:%=$(OUT)/bin/mailboxd-%)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(OUT)/obj/%.o)

.PHONY: bins unit fuzzers
bins: $(BINS)
unit: $(OUT)/bin/unit-tests

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $(VARIANT) $<"
	@$(CC) $(BASE) $(VFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	@ar rcs $@ $^

$(OUT)/bin/%: $(OUT)/obj/src/cmd/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(VFLAGS) $(LDV) -Wl,--as-needed -o $@ $< $(LIB) $(PKG_LIBS)

$(OUT)/obj/roles/%.o: src/cmd/mailboxd_role.c
	@mkdir -p $(dir $@)
	@echo "  CC $(VARIANT) $< ($*)"
	@$(CC) $(BASE) $(VFLAGS) -DROLE_OPS=$(subst -,,$*)_role -MMD -MP -MT $@ \
	    -c $< -o $@

# A static pattern: mailboxd-renew is a command, not a role.
$(ROLES:%=$(OUT)/bin/mailboxd-%): $(OUT)/bin/mailboxd-%: $(OUT)/obj/roles/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(VFLAGS) $(LDV) -Wl,--as-needed -o $@ $< $(LIB) $(PKG_LIBS)

$(OUT)/bin/unit-tests: $(UNIT_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(VFLAGS) -o $@ $(UNIT_OBJS) $(LIB) $(PKG_LIBS)

# Fuzz targets: clang with libFuzzer, the library rebuilt with coverage.
FUZZ_OUT   := $(BUILD)/fuzz
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined
FUZZ_SRCS  := $(wildcard tests/fuzz/*.c)
FUZZ_BINS  := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_OUT)/bin/%)
FUZZ_OBJS  := $(LIB_SRCS:%.c=$(FUZZ_OUT)/obj/%.o)
fuzzers: $(FUZZ_BINS)

$(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@clang $(BASE) -Wno-unknown-warning-option $(FUZZ_FLAGS) -MMD -MP -c $< -o $@

$(FUZZ_OUT)/lib.a: $(FUZZ_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_OUT)/bin/%: tests/fuzz/%.c $(FUZZ_OUT)/lib.a
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@clang $(BASE) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_OUT)/lib.a $(PKG_LIBS)

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) \
    $(wildcard $(OUT)/obj/roles/*.d)
