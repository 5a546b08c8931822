# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab: one non-recursive Makefile.  `make` builds ./mmab, `make check` runs
# every test, `make bench` the benchmarks, `make quick` the README's main job.
# Every source file in runner/, workloads/, collectors/, analysis/, history/
# and boot/ is part of the build; adding a workload or collector never touches
# this file.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/mmab
MANDIR  ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=

PKGS := gsl inih jansson libtracefs yaml-0.1 sqlite3 libpq liblzma

MMAB_CFLAGS := -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wwrite-strings -Wvla -Wundef \
	-D_GNU_SOURCE -I. -MMD -MP
ifeq ($(CI),true)
MMAB_CFLAGS += -Werror
endif
ifdef SANITIZE
MMAB_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS = $(PKG_LIBS) -lpthread -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

B := build

LIB_SRC := $(filter-out runner/main.c,$(wildcard lib/*.c collectors/*.c workloads/*.c analysis/*.c history/*.c boot/*.c runner/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(B)/embed.o $(B)/embed-table.o
EMBED   := $(sort $(wildcard runner/suites/*.ini analysis/plots/*.gp analysis/report/* history/plots/*.gp history/*.css workloads/fio/*.fio boot/*.sh))

UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
BENCH_SRC := $(wildcard tests/bench/bench-*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)

.PHONY: all deps deps-check deps-kexec check unit e2e bench quick install uninstall clean
all: deps mmab

# Missing Debian packages are installed when root, otherwise the exact
# command is printed.
deps:
	$(Q)sh runner/deps.sh build run vm
deps-check:
	$(Q)sh runner/deps.sh build run check vm kernels guest
# what `mmab run --kexec` needs on a bare-metal machine
deps-kexec:
	$(Q)sh runner/deps.sh kexec

mmab: $(B)/runner/main.o $(B)/libmmab.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/libmmab.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(MMAB_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Built-in suites, gnuplot templates and report assets are linked into the
# binary so ./mmab works from any directory and after `make install`.
$(B)/embed.S $(B)/embed-table.c: lib/embed.sh $(EMBED) Makefile
	@mkdir -p $(B)
	$(Q)sh lib/embed.sh $(B)/embed $(EMBED)
$(B)/embed.o: $(B)/embed.S
	$(Q)$(CC) -c -o $@ $<
$(B)/embed-table.o: $(B)/embed-table.c
	$(Q)$(CC) $(MMAB_CFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(B)/libmmab.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(MMAB_CFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libmmab.a $(LIBS) -lcmocka

$(B)/bench/%: tests/bench/%.c $(B)/libmmab.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(MMAB_CFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libmmab.a $(LIBS)

# The build goes on every CPU, then the tests or the run alone: prerequisites
# as such would run side by side under -j (the packages with the compiler,
# the unit tests with the end-to-end ones on one machine).
NPROC := $(shell nproc 2>/dev/null || echo 1)

check: deps-check
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) mmab $(UNIT_BIN)
	$(Q)sh tests/run-tests.sh $(UNIT_BIN)

unit: mmab $(UNIT_BIN)
	$(Q)MMAB_SKIP_E2E=1 sh tests/run-tests.sh $(UNIT_BIN)

bench: deps mmab $(BENCH_BIN)
	$(Q)sh tests/bench/run-bench.sh $(BENCH_BIN)

# The README's main job: a quick A/B on the running kernel, ending in a report.
quick: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) mmab
	$(Q)sh runner/quick.sh

# The systemd units: the kexec runs' resume, the nightly job (its settings unless already there).
install: mmab
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/suites $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(UNITDIR)
	install -m 0755 mmab $(DESTDIR)$(BINDIR)/mmab
	install -m 0644 runner/suites/*.ini $(DESTDIR)$(DATADIR)/suites/
	install -m 0644 runner/mmab.1 $(DESTDIR)$(MANDIR)/man1/mmab.1
	sed 's|@BINDIR@|$(BINDIR)|g' boot/mmab-resume.service.in > $(DESTDIR)$(UNITDIR)/mmab-resume.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/mmab-resume.service
	install -d $(DESTDIR)$(SYSCONFDIR)/mmab
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		history/systemd/mmab-nightly.service > $(DESTDIR)$(UNITDIR)/mmab-nightly.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/mmab-nightly.service
	install -m 0644 history/systemd/mmab-nightly.timer $(DESTDIR)$(UNITDIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/mmab/nightly.env || \
		install -m 0644 history/systemd/nightly.env $(DESTDIR)$(SYSCONFDIR)/mmab/nightly.env

# (the nightly settings in SYSCONFDIR/mmab stay: they are yours)
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mmab $(DESTDIR)$(MANDIR)/man1/mmab.1
	rm -f $(DESTDIR)$(UNITDIR)/mmab-nightly.service $(DESTDIR)$(UNITDIR)/mmab-nightly.timer \
		$(DESTDIR)$(UNITDIR)/mmab-resume.service
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(B) mmab

-include $(shell find $(B) -name '*.d' 2>/dev/null)
