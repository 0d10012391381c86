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
        armms-timelog armms-dtr armms-timesheet armms-approve
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

# Install whatever Debian packages are missing (we run as root on Debian).
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

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
