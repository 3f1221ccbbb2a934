# SPDX-License-Identifier: GPL-2.0
#
# vhost-9p: build the module for Debian's kernels, the tools and the tests,
# and run them.  `make help` lists the targets.

KERNELS := $(shell awk '!/^\#/ && NF { print $$1 }' scripts/kernels.list)
KVER ?= $(firstword $(KERNELS))
KDIR ?= /lib/modules/$(KVER)/build
BUILD := $(CURDIR)/build
KMOD := $(BUILD)/kmod/$(KVER)
KSRC := $(BUILD)/ksrc/$(KVER)
# The kselftest harness and checkpatch come from the newest kernel's source.
KSRC_NEWEST := $(BUILD)/ksrc/$(lastword $(KERNELS))

CC ?= cc
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude/uapi
# The kselftest harness is written for -Wall only, as in the kernel tree.
SELFTEST_CFLAGS := -O2 -g -Wall -Werror -D_GNU_SOURCE -Iinclude/uapi

KBUILD_ARGS := -C $(KDIR) M=$(KMOD) CONFIG_VHOST_9P=m W=1

.PHONY: all modules modules-all crashme harness-selftest selftests tools sparse checkpatch unit \
	fuzz qemu check check-vm demo deps clean help ksrc

all: modules tools selftests

help:
	@echo 'make [KVER=release]   module for one kernel (default $(firstword $(KERNELS))), tools, selftests'
	@echo 'make modules-all      the module for every kernel in scripts/kernels.list'
	@echo 'make deps             install what the build and the tests need (Debian 12, root)'
	@echo 'make check            every test: builds, sparse, checkpatch, unit tests, VM suite'
	@echo 'make check-vm         only the VM suite, for KVER'
	@echo 'make harness-selftest prove the VM harness reports planted failures'
	@echo 'make unit             host unit tests (and 30 seconds of fuzzing)'
	@echo 'make fuzz             fuzz the protocol decoder for FUZZ_SECONDS (default $(FUZZ_SECONDS))'
	@echo 'make demo             boot a guest, load the module, share demo/share through it'
	@echo 'make qemu             Debian'"'"'s QEMU with -device vhost-9p-pci, in build/qemu'
	@echo 'make sparse           sparse (C=2) on the module for KVER'
	@echo 'make checkpatch       checkpatch.pl --strict on the C sources'

deps:
	scripts/setup.sh

ksrc:
	scripts/ksrc.sh $(KVER)

modules: ksrc
	scripts/kbuild-tree.sh $(KVER)
	$(MAKE) $(KBUILD_ARGS) modules

modules-all:
	@set -e; for k in $(KERNELS); do $(MAKE) --no-print-directory KVER=$$k modules; done

sparse: ksrc
	scripts/kbuild-tree.sh $(KVER)
	$(MAKE) $(KBUILD_ARGS) C=2 CF='-D__CHECK_ENDIAN__' modules

checkpatch:
	@scripts/ksrc.sh $(lastword $(KERNELS))
	scripts/checkpatch.sh $(KSRC_NEWEST)

SELFTEST_BINS := $(BUILD)/selftests/vhost_9p_test $(BUILD)/selftests/server_test \
	$(BUILD)/selftests/export_test \
	$(BUILD)/selftests/async_test $(BUILD)/selftests/ops_test $(BUILD)/selftests/mapped_test \
	$(BUILD)/selftests/e2e_client $(BUILD)/selftests/fdbridge
# The test client encodes with the module's own protocol code.
SELFTEST_LIB := selftests/vhost_9p/virtq.c selftests/vhost_9p/p9client.c \
	drivers/vhost/9p/protocol.c
TOOL_BINS := $(BUILD)/tools/vhost9p-ctl

selftests: $(SELFTEST_BINS)
tools: $(TOOL_BINS)

$(BUILD)/selftests/%: selftests/vhost_9p/%.c $(SELFTEST_LIB) $(wildcard selftests/vhost_9p/*.h) \
		drivers/vhost/9p/protocol.h include/uapi/linux/vhost_9p.h
	@scripts/ksrc.sh $(lastword $(KERNELS))
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -I$(KSRC_NEWEST)/tools/testing/selftests -o $@ $< \
		$(SELFTEST_LIB) -lpthread

# The end-to-end guest has busybox and nothing else: link it statically.
$(BUILD)/selftests/e2e_client: selftests/vhost_9p/e2e_client.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -static -o $@ $<

$(BUILD)/tools/vhost9p-ctl: $(wildcard tools/vhost9p-ctl/*.c) include/uapi/linux/vhost_9p.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ tools/vhost9p-ctl/*.c

# The harness's self-test module (selftests/vm/crashme), built like the
# real one in a per-kernel shadow directory.
crashme:
	@mkdir -p $(BUILD)/crashme/$(KVER)
	@ln -sfn $(CURDIR)/selftests/vm/crashme/Kbuild $(BUILD)/crashme/$(KVER)/Kbuild
	@ln -sfn $(CURDIR)/selftests/vm/crashme/crashme.c $(BUILD)/crashme/$(KVER)/crashme.c
	$(MAKE) -C $(KDIR) M=$(BUILD)/crashme/$(KVER) W=1 modules

harness-selftest: modules selftests tools crashme
	selftests/vm/harness-selftest.sh $(KVER)

# Debian's QEMU with -device vhost-9p-pci (qemu/), for the end-to-end tests.
qemu:
	qemu/build.sh

unit:
	selftests/unit/run.sh

FUZZ_SECONDS ?= 300

fuzz:
	selftests/fuzz/run.sh $(FUZZ_SECONDS)

check:
	@scripts/check.sh

check-vm: modules selftests tools qemu
	selftests/vm/run-suite.sh $(KVER)


demo: deps
	@$(MAKE) --no-print-directory modules tools selftests qemu
	selftests/vm/demo.sh $(KVER)

clean:
	rm -rf $(BUILD)
