# ARMMS - plain GNU make. `make` builds bin/, `make check` runs every test,
# `make demo` runs the sample tenant, `make bench` prints the figures.
# SAN=1 builds with AddressSanitizer and UBSan. -Werror is part of WARN and
# stays on wherever the tree is built, CI included; CFLAGS adds to it.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CC      ?= cc

VERSION = 0.1.0
WARN    = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation
OPT     = -O2 -g
ifeq ($(SAN),1)
OPT     = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SANLD   = -fsanitize=address,undefined
endif
# libjq and libcsv ship no pkg-config file on Debian 12.
DEPCFLAGS != $(PKG_CONFIG) --cflags sqlite3 libcrypto zlib libarchive 2>/dev/null
DEPLIBS   != $(PKG_CONFIG) --libs sqlite3 libcrypto zlib libarchive 2>/dev/null
ALL_CFLAGS  = -std=gnu11 $(WARN) $(OPT) -Ilib -DARMMS_VERSION='"$(VERSION)"' $(DEPCFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANLD) $(LDFLAGS)
LIBS        = $(DEPLIBS) -ljq -lonig -lcsv -lm

TOOLS = armms armms-init armms-import armms-ingest armms-journal armms-sample \
        armms-timelog armms-dtr armms-timesheet armms-approve armms-pay
BINS  = $(addprefix bin/,$(TOOLS))
LAYERS = core store iam md tk pay cli
LIBSRC = $(foreach l,$(LAYERS),$(wildcard lib/$(l)/*.c))
LIBOBJ = $(LIBSRC:.c=.o)
UNITSRC = $(wildcard tests/unit/test_*.c)
UNITBIN = $(UNITSRC:.c=.t)
FMTSRC = $(wildcard lib/*/*.c lib/*/*.h src/*.c tests/unit/*.c tests/unit/*.h)
MAN1 = $(wildcard man/*.1)
MAN7 = $(wildcard man/*.7)

# Debian packages the build, the tests and the demo need.
DEB_PKGS = build-essential pkg-config libsqlite3-dev libjq-dev libonig-dev libcsv-dev \
           zlib1g-dev libarchive-dev libssl-dev bats bats-assert bats-support bats-file \
           sqlite3 jq tzdata time clang-format

.PHONY: all deps check unit bats demo bench install uninstall clean fmt fmt-check layers
.SECONDARY: $(LIBOBJ) $(patsubst %,src/%.o,$(TOOLS))

all: $(BINS)

bin/%: src/%.o lib/libarmms.a
	@mkdir -p bin
	$(CC) $(ALL_LDFLAGS) -o $@ $< lib/libarmms.a $(LIBS)

lib/libarmms.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

%.o: %.c
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The fault-injection shim of the crash tests (tests/fault/README), loaded
# with LD_PRELOAD; never linked into bin/.
FAULTSO = tests/fault/fault.so
$(FAULTSO): tests/fault/fault.c
	$(CC) -std=gnu11 $(WARN) -O2 -g -shared -fPIC -o $@ $< -ldl

tests/unit/%.t: tests/unit/%.o lib/libarmms.a
	$(CC) $(ALL_LDFLAGS) -o $@ $< lib/libarmms.a $(LIBS)

-include $(LIBSRC:.c=.d) $(patsubst %,src/%.d,$(TOOLS)) $(UNITSRC:.c=.d)

# $(call install_missing,PKGS): apt-get install those of PKGS that are not
# installed; nothing at all (no apt-get update) when every one is.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

# Install whatever Debian packages are missing (we run as root on Debian).
deps:
	$(call install_missing,$(DEB_PKGS))

# The shape of lib/ (tests/layers): includes point down the layers, tk and
# pay never include each other, only src/ and lib/cli print.
layers:
	@tests/layers && echo "layers: dependencies point down"

check: deps
	$(MAKE) all $(UNITBIN) $(FAULTSO)
	@$(MAKE) -s layers fmt-check
	@tests/run

unit: all $(UNITBIN)
	@tests/run --unit-only

demo: deps
	$(MAKE) all
	@samples/demo.sh

bench: deps
	$(MAKE) all
	@tests/bench.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(TOOLS))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))

fmt:
	clang-format -i $(FMTSRC)

# Fails, naming the files, when any source drifts from .clang-format.
fmt-check:
	@command -v clang-format >/dev/null || { echo "fmt-check: clang-format is missing (make deps)"; exit 1; }
	@bad=0; for f in $(FMTSRC); do \
	  clang-format --dry-run -Werror "$$f" >/dev/null 2>&1 || \
	    { echo "$$f: drifts from .clang-format (make fmt)"; bad=1; }; \
	done; [ $$bad = 0 ] && echo "fmt-check: every source follows .clang-format"

clean:
	rm -rf bin lib/*/*.o lib/*/*.d lib/libarmms.a src/*.o src/*.d tests/unit/*.o tests/unit/*.d tests/unit/*.t $(FAULTSO)

# ---- fuzzing (tests/fuzz/README) --------------------------------------
# One source per harness builds two ways: a replay binary (the normal
# compiler, SAN=1 for ASan/UBSan) that runs every file of a corpus, and an
# afl++ binary (afl-clang-fast, persistent mode) over an instrumented copy
# of the library. `make check` replays every corpus; `make fuzz` fuzzes.
FUZZ_NAMES   ?= ndjson csv zk import
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 500
FUZZ_OUT     ?= fuzz-out
FUZZ_SAN     ?= 1
AFL_CC       ?= afl-clang-fast
FUZZ_PKGS     = afl++
FUZZ_COMMON   = tests/fuzz/fuzz_main.c tests/fuzz/fuzz_tenant.c
FUZZ_REPLAY   = $(patsubst %,build/fuzz/replay/fuzz_%,$(FUZZ_NAMES))
FUZZ_AFL      = $(patsubst %,build/fuzz/afl/fuzz_%,$(FUZZ_NAMES))
FUZZ_AFL_LIB  = $(patsubst %.c,build/fuzz/afl/%.o,$(LIBSRC))
FMTSRC       += $(wildcard tests/fuzz/*.c tests/fuzz/*.h)
# clang knows no -Wno-format-truncation; AFL_USE_ASAN/UBSAN make afl-cc
# add the sanitizers, so memory errors crash instead of passing quietly.
AFL_CFLAGS    = -std=gnu11 $(WARN) -Wno-unknown-warning-option -O2 -g -Ilib \
                -DARMMS_VERSION='"$(VERSION)"' $(DEPCFLAGS) $(CFLAGS)
AFL_ENV       = $(if $(filter 1,$(FUZZ_SAN)),AFL_USE_ASAN=1 AFL_USE_UBSAN=1) AFL_QUIET=1

.PHONY: fuzz fuzz-replay fuzz-build fuzz-deps fuzz-clean
.SECONDARY: $(patsubst %.c,%.o,$(FUZZ_COMMON))

check: fuzz-replay
clean: fuzz-clean

$(FUZZ_REPLAY): build/fuzz/replay/fuzz_%: tests/fuzz/fuzz_%.o \
                $(patsubst %.c,%.o,$(FUZZ_COMMON)) lib/libarmms.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) lib/libarmms.a $(LIBS)

# Replays every seed (and every saved crash) through its harness: fast.
fuzz-replay: $(FUZZ_REPLAY)
	@for n in $(FUZZ_NAMES); do \
	  FUZZ_QUIET=1 build/fuzz/replay/fuzz_$$n tests/fuzz/corpus/$$n || \
	    { echo "fuzz-replay: $$n failed on its corpus (FUZZ_VERBOSE=1 names each input)"; exit 1; }; \
	done; \
	echo "fuzz-replay: $$(find tests/fuzz/corpus -type f ! -name '.*' | wc -l) inputs replayed through $(words $(FUZZ_NAMES)) harnesses$(if $(filter 1,$(SAN)), under ASan/UBSan)"

build/fuzz/afl/%.o: %.c
	@mkdir -p $(@D)
	$(AFL_ENV) $(AFL_CC) $(AFL_CFLAGS) -MMD -MP -c -o $@ $<

build/fuzz/afl/libarmms.a: $(FUZZ_AFL_LIB)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_AFL): build/fuzz/afl/fuzz_%: build/fuzz/afl/tests/fuzz/fuzz_%.o \
             $(patsubst %.c,build/fuzz/afl/%.o,$(FUZZ_COMMON)) build/fuzz/afl/libarmms.a
	$(AFL_ENV) $(AFL_CC) -o $@ $(filter %.o,$^) build/fuzz/afl/libarmms.a $(LIBS)

-include $(wildcard tests/fuzz/*.d) $(shell find build/fuzz/afl -name '*.d' 2>/dev/null)

# afl++ is needed by `make fuzz` alone, so it is not in DEB_PKGS.
fuzz-deps: deps
	$(call install_missing,$(FUZZ_PKGS))

fuzz-build: fuzz-deps
	$(MAKE) $(FUZZ_AFL)

# Each harness for FUZZ_SECONDS from its seed corpus (resuming what an
# earlier run left in FUZZ_OUT/NAME), then what crashed or hung. An input
# running longer than FUZZ_TIMEOUT ms is a hang (afl's own guess, 20 ms,
# mistakes a slow fsync for one).
fuzz: fuzz-build
	@mkdir -p $(FUZZ_OUT); \
	shm=/dev/shm; [ -d $$shm ] && [ -w $$shm ] || shm=$${TMPDIR:-/tmp}; \
	tmp=$$(mktemp -d $$shm/armms-fuzz.XXXXXX) || exit 1; \
	trap 'rm -rf "$$tmp"' EXIT INT TERM; \
	for n in $(FUZZ_NAMES); do \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s -> $(FUZZ_OUT)/$$n"; \
	  ARMMS_FUZZ_TMP=$$tmp AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_AUTORESUME=1 \
	  AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
	    afl-fuzz -V $(FUZZ_SECONDS) -t $(FUZZ_TIMEOUT) -i tests/fuzz/corpus/$$n -o $(FUZZ_OUT)/$$n \
	      -- build/fuzz/afl/fuzz_$$n >$(FUZZ_OUT)/$$n.log 2>&1 || \
	    { echo "fuzz: afl-fuzz failed for $$n (see $(FUZZ_OUT)/$$n.log)"; exit 1; }; \
	  rm -rf "$$tmp"/armms-fuzz-*; \
	done; \
	found=0; for n in $(FUZZ_NAMES); do \
	  s=$(FUZZ_OUT)/$$n/default/fuzzer_stats; \
	  execs=$$(sed -n 's/^execs_done *: *//p' $$s 2>/dev/null); \
	  paths=$$(sed -n 's/^corpus_count *: *//p' $$s 2>/dev/null); \
	  c=$$(ls $(FUZZ_OUT)/$$n/default/crashes 2>/dev/null | grep -c '^id:'); \
	  h=$$(ls $(FUZZ_OUT)/$$n/default/hangs 2>/dev/null | grep -c '^id:'); \
	  echo "fuzz: $$n: $${execs:-0} execs, $${paths:-0} in queue, $$c crashes, $$h hangs"; \
	  for f in $(FUZZ_OUT)/$$n/default/crashes/id:* $(FUZZ_OUT)/$$n/default/hangs/id:*; do \
	    [ -e "$$f" ] && echo "  $$f" && found=1; \
	  done; \
	done; \
	[ $$found = 0 ] || echo "fuzz: replay one with build/fuzz/replay/fuzz_NAME FILE (SAN=1 for a trace); see tests/fuzz/README"

fuzz-clean:
	rm -rf build/fuzz tests/fuzz/*.o tests/fuzz/*.d
