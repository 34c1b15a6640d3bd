# seam: one plain, non-recursive GNU Makefile (see README "Building").
#
#   make                 build everything into build/
#   make check           install missing Debian packages, build, run the unit
#                        tests, the integration tests, then the unit tests
#                        again under ASan+UBSan (what .ci/run calls)
#   make SAN=1 unit      unit tests under ASan+UBSan, in build-san/
#   make fuzz            libFuzzer targets with clang, in build-fuzz/
#   make bench           benchmarks that print figures beside the peers'
#   V=1                  show the full command lines

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
SAN ?= 0
PKGS := jansson libevent libevent_openssl openssl libmnl

ifeq ($(SAN),1)
BUILD ?= build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1
else
BUILD ?= build
SAN_FLAGS :=
OPT := -O2
endif

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wpointer-arith \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE $(OPT) -g $(WARN) $(SAN_FLAGS) \
              -Isrc -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LDLIBS_ALL := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread $(LDLIBS)
LDFLAGS_ALL := $(SAN_FLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Components: each builds as a static library.
lib_src   := $(wildcard src/lib/*.c)
ovsdb_src := $(wildcard src/ovsdb/*.c)
vtep_src  := $(filter-out src/vtep/main.c,$(wildcard src/vtep/*.c))
# seamd's library: the REST API and NB (core) and the reconciler (sb);
# seamd, the tests and the fuzzers link it.
controller_src := $(filter-out src/controller/main.c,$(wildcard src/controller/*.c))
controller_obj := $(controller_src:%.c=$(BUILD)/%.o)
lib_obj   := $(lib_src:%.c=$(BUILD)/%.o)
ovsdb_obj := $(ovsdb_src:%.c=$(BUILD)/%.o)
vtep_obj  := $(vtep_src:%.c=$(BUILD)/%.o)
LIBS      := $(if $(controller_src),$(BUILD)/libseam-controller.a) \
             $(if $(vtep_src),$(BUILD)/libseam-vtep.a) $(BUILD)/libseam-ovsdb.a \
             $(BUILD)/libseam-lib.a

PROGRAMS  := $(BUILD)/seam-ovsdb
ifneq ($(wildcard src/controller/main.c),)
PROGRAMS  += $(BUILD)/seamd
endif
ifneq ($(wildcard src/vtep/main.c),)
PROGRAMS  += $(BUILD)/seam-vtep
endif
ifneq ($(wildcard src/tools/seam-ovsdb-client.c),)
ifneq ($(wildcard src/ovsdb/client.c),)
PROGRAMS  += $(BUILD)/seam-ovsdb-client
endif
endif
ifneq ($(controller_src),)
PROGRAMS  += $(BUILD)/tests/rcdriver
endif
unit_src  := $(wildcard tests/unit/test_*.c)
UNIT      := $(unit_src:tests/unit/%.c=$(BUILD)/tests/%)
# Helpers shared by the unit tests (tests/unit/lib/*.c), linked into each.
testlib_obj := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/lib/*.c))
fuzz_src  := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all unit check integration fuzz fuzz-run bench clean deps
all: $(PROGRAMS) $(UNIT)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests/unit -c $< -o $@

$(BUILD)/libseam-lib.a: $(lib_obj)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libseam-vtep.a: $(vtep_obj)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libseam-controller.a: $(controller_obj)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libseam-ovsdb.a: $(ovsdb_obj)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/seam-ovsdb: $(BUILD)/src/tools/seam-ovsdb.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# Where seamd finds its NB schema unless told (--nb-schema).
$(BUILD)/src/controller/config.o: CFLAGS_ALL += -DSEAM_NB_SCHEMA='"$(CURDIR)/schemas/seam_nb.ovsschema"'
# The live page's files are embedded into ui.o (.incbin, see ui.c).
$(BUILD)/src/controller/ui.o: $(wildcard src/controller/ui/*)
ifneq ($(wildcard src/controller/reconcile.c),)
$(BUILD)/src/controller/main.o: CFLAGS_ALL += -DSEAMD_HAVE_RECONCILE
endif
$(BUILD)/seamd: $(BUILD)/src/controller/main.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/seam-vtep: $(BUILD)/src/vtep/main.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/seam-ovsdb-client: $(BUILD)/src/tools/seam-ovsdb-client.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# The reconciler's test harness (tests/controller/rcdriver.c).
$(BUILD)/tests/rcdriver: $(BUILD)/tests/controller/rcdriver.o $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(testlib_obj) $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

# Unit tests: each cmocka binary prints its own summary line; run all, then
# fail if any failed.  Tests find their data relative to the tree.
unit: $(UNIT)
	@fail=0; for t in $(UNIT); do echo "== $$t"; \
	  SEAM_SRCDIR=$(CURDIR) ./$$t || fail=1; done; exit $$fail

# One pytest run per suite: each suite has its own conftest.py, and tests
# import helpers from it by that name, which one process cannot hold twice.
SUITES := tests/interop $(wildcard tests/vtep tests/controller tests/cli tests/ui \
          tests/nic tests/lldp tests/lab)
integration: all
	@fail=0; for d in $(SUITES); do echo "== pytest $$d"; \
	  SEAM_BUILD=$(CURDIR)/$(BUILD) /usr/bin/python3 -m pytest -q $$d || fail=1; \
	done; exit $$fail

deps:
	@sh scripts/install-deps

# The whole run, as the README and .ci/run say (see scripts/check).
check:
	@sh scripts/check

FUZZ_BUILD := build-fuzz
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
FUZZ_LIBS := $(if $(controller_src),$(FUZZ_BUILD)/libseam-controller.a) \
             $(if $(vtep_src),$(FUZZ_BUILD)/libseam-vtep.a) \
             $(FUZZ_BUILD)/libseam-ovsdb.a $(FUZZ_BUILD)/libseam-lib.a
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang-14 CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
	  LDFLAGS="-fsanitize=address,undefined" $(FUZZ_LIBS)
	@for f in $(fuzz_src); do n=$$(basename $$f .c); echo "  FUZZ    $$n"; \
	  clang-14 -std=gnu11 -D_GNU_SOURCE -g -O1 -Isrc $(FUZZ_FLAGS) $$f \
	    $(FUZZ_LIBS) $(LDLIBS_ALL) -o $(FUZZ_BUILD)/$$n || exit 1; done

# Runs each fuzz target for FUZZ_SECONDS on a copy of its seed corpus (so
# the tree does not fill with generated inputs); prints "fuzz: N passed,
# M failed" counting targets.
FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	@pass=0; fail=0; for f in $(fuzz_src); do n=$$(basename $$f .c); \
	  c=tests/fuzz/corpus/$${n#fuzz_}; t=$$(mktemp -d); \
	  [ -d $$c ] && cp -r $$c/. $$t/; \
	  echo "  RUN     $$n for $(FUZZ_SECONDS) s"; \
	  if ./$(FUZZ_BUILD)/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	       -artifact_prefix=$(FUZZ_BUILD)/$$n- $$t > $(FUZZ_BUILD)/$$n.log 2>&1; then \
	    pass=$$((pass+1)); tail -1 $(FUZZ_BUILD)/$$n.log; \
	  else fail=$$((fail+1)); tail -30 $(FUZZ_BUILD)/$$n.log; fi; rm -rf $$t; done; \
	echo "fuzz: $$pass passed, $$fail failed"; [ $$fail = 0 ]

bench: all
	bash bench/ovsdb-bench.sh

clean:
	rm -rf build build-san build-fuzz build-clang

-include $(lib_obj:.o=.d) $(ovsdb_obj:.o=.d) $(vtep_obj:.o=.d) $(controller_obj:.o=.d) \
         $(wildcard $(BUILD)/src/controller/main.d) $(wildcard $(BUILD)/tests/controller/*.d) \
         $(wildcard $(BUILD)/tests/unit/*.d) \
         $(wildcard $(BUILD)/tests/unit/lib/*.d) $(wildcard $(BUILD)/src/tools/*.d) \
         $(wildcard $(BUILD)/src/vtep/main.d)

# seamctl (src/cli): the command-line client of seamd's REST API, a static
# library plus its main (seamctl.c); links only src/lib (it talks HTTP, not
# OVSDB).  tests/unit/test_cli.c links the library too.
cli_src := $(filter-out src/cli/seamctl.c,$(wildcard src/cli/*.c))
cli_obj := $(cli_src:%.c=$(BUILD)/%.o)
ifneq ($(cli_src),)
all: $(BUILD)/seamctl
endif
$(BUILD)/libseam-cli.a: $(cli_obj)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/seamctl: $(BUILD)/src/cli/seamctl.o $(BUILD)/libseam-cli.a $(BUILD)/libseam-lib.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/tests/test_cli: $(BUILD)/libseam-cli.a
$(BUILD)/tests/test_cli: LDLIBS_ALL += $(BUILD)/libseam-lib.a
-include $(cli_obj:.o=.d) $(wildcard $(BUILD)/src/cli/seamctl.d)

# ---- seam-sriov-nic: the SR-IOV NIC emulator (src/nic, tests/nic, docs/sriov-nic.md) ----
# A static library (everything but main.c) for the daemon, its unit tests
# (tests/unit/test_sriov_*.c) and its fuzz target (tests/fuzz/fuzz_sriov_*.c).
#   make nic-check     its unit tests, then its namespace tests (root)
#   make nic-bench     bench/sriov-nic-bench.sh (root)
nic_src := $(filter-out src/nic/main.c,$(wildcard src/nic/*.c))
nic_obj := $(nic_src:%.c=$(BUILD)/%.o)
ifneq ($(nic_src),)
all: $(BUILD)/seam-sriov-nic
FUZZ_LIBS := $(FUZZ_BUILD)/libseam-nic.a $(FUZZ_LIBS)
endif

$(BUILD)/libseam-nic.a: $(nic_obj)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/seam-sriov-nic: $(BUILD)/src/nic/main.o $(BUILD)/libseam-nic.a $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/test_sriov_%: $(BUILD)/tests/unit/test_sriov_%.o $(testlib_obj) \
                             $(BUILD)/libseam-nic.a $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

nic_unit := $(filter $(BUILD)/tests/test_sriov_%,$(UNIT))
.PHONY: nic-check nic-bench
nic-check: $(BUILD)/seam-sriov-nic $(nic_unit)
	@fail=0; for t in $(nic_unit); do echo "== $$t"; ./$$t || fail=1; done; \
	SEAM_BUILD=$(CURDIR)/$(BUILD) /usr/bin/python3 -m pytest -q tests/nic || fail=1; \
	exit $$fail
nic-bench: $(BUILD)/seam-sriov-nic
	SEAM_BUILD=$(CURDIR)/$(BUILD) bash bench/sriov-nic-bench.sh

-include $(nic_obj:.o=.d) $(wildcard $(BUILD)/src/nic/main.d)

# ---- make demo: the original design's lab (lab/, scripts/demo, docs/lab.md) ----
#   make demo            install missing packages, build, bring the lab up,
#                        create the intent with seamctl, check, report, tear down
#   make demo KEEP=1     leave the lab up and print how to explore it
#   make demo TOPOLOGY=extended   another lab/topologies/NAME.toml (or a file)
#   make lab-check       tests/lab (root)
.PHONY: demo lab-check
demo:
	@KEEP=$(KEEP) TOPOLOGY=$(TOPOLOGY) scripts/demo
lab-check: all
	SEAM_BUILD=$(CURDIR)/$(BUILD) /usr/bin/python3 -m pytest -q tests/lab
