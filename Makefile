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
# The debug module, with fault injection (CONFIG_VHOST_9P_FAULT_INJECTION),
# for fault_test only: never installed.
KMOD_DEBUG := $(BUILD)/kmod-debug/$(KVER)
KBUILD_DEBUG_ARGS := -C $(KDIR) M=$(KMOD_DEBUG) CONFIG_VHOST_9P=m \
	CONFIG_VHOST_9P_FAULT_INJECTION=y W=1

.PHONY: all modules modules-debug modules-all crashme harness-selftest selftests tools sparse checkpatch unit \
	fuzz corpus qemu opbench check check-vm check-debug debug-kernel bench demo deps host-deps clean help ksrc \
	client

all: modules modules-debug tools selftests

help:
	@echo 'make [KVER=release]   module for one kernel (default $(firstword $(KERNELS))), tools, selftests'
	@echo 'make modules-all      the module for every kernel in scripts/kernels.list'
	@echo 'make modules-debug    the module with fault injection, in build/kmod-debug/KVER (make does it)'
	@echo 'make deps             install what the build and the tests need (Debian 12, root)'
	@echo 'make host-deps        install only what building and running it on a host needs, for KVER'
	@echo '                      (default: the running kernel; root); no kernel image, nothing of the tests'
	@echo 'make check            every test: builds, sparse, checkpatch, unit tests, VM suite'
	@echo 'make check-vm         only the VM suite, for KVER'
	@echo 'make check-debug      the VM suite on a KASAN/lockdep/kmemleak/UBSAN kernel (about an hour)'
	@echo 'make debug-kernel     build that kernel once, in build/debug-kernel'
	@echo 'make harness-selftest prove the VM harness reports planted failures'
	@echo 'make unit             host unit tests (and 30 seconds of fuzzing)'
	@echo 'make fuzz             fuzz the protocol decoder for FUZZ_SECONDS (default $(FUZZ_SECONDS))'
	@echo 'make corpus           record the real 9p client'"'"'s requests as the fuzzer'"'"'s corpus'
	@echo 'make bench            vhost-9p against QEMU'"'"'s 9p, virtiofs and native (a long run)'
	@echo 'make opbench          the server'"'"'s cost per operation against the system call'
	@echo 'make demo             boot a guest, load the module, share demo/share through it'
	@echo 'make qemu             Debian 13'"'"'s QEMU 10.0 with -device vhost-9p-pci, in build/qemu'
	@echo 'make client           the 9p client'"'"'s 9pnet_virtio.ko for KVER with client/patches (6.8+)'
	@echo 'make sparse           sparse (C=2) on the module for KVER'
	@echo 'make checkpatch       checkpatch.pl --strict on the C sources'
	@echo 'make install          install-module and install-tools (DESTDIR, PREFIX=$(PREFIX))'
	@echo 'make install-module   vhost_9p.ko in lib/modules/KVER/updates (INSTALL_MOD_PATH), depmod'
	@echo 'make install-tools    vhost9p-ctl in PREFIX/sbin, its man page in PREFIX/share/man/man8'
	@echo 'make uninstall        remove them (also uninstall-module, uninstall-tools)'
	@echo 'make dkms-source      the sources DKMS builds from, in /usr/src/vhost-9p-$(VERSION)'

deps:
	scripts/setup.sh

# For the running kernel unless KVER is given (not the default KVER above).
host-deps:
	scripts/host-deps.sh $(if $(filter command line environment,$(origin KVER)),$(KVER))

ksrc:
	KDIR=$(KDIR) scripts/ksrc.sh $(KVER)

modules: ksrc
	scripts/kbuild-tree.sh $(KVER)
	$(MAKE) $(KBUILD_ARGS) modules

modules-debug: ksrc
	scripts/kbuild-tree.sh $(KVER) $(KMOD_DEBUG)
	$(MAKE) $(KBUILD_DEBUG_ARGS) modules

# The guest side: the 9p client's transport with client/patches, for KVER.
client:
	KDIR=$(KDIR) scripts/client.sh $(KVER)

modules-all:
	@set -e; for k in $(KERNELS); do $(MAKE) --no-print-directory KVER=$$k modules; done

# Both variants: the debug one has fault.c.
sparse: ksrc
	scripts/kbuild-tree.sh $(KVER)
	$(MAKE) $(KBUILD_ARGS) C=2 CF='-D__CHECK_ENDIAN__' modules
	scripts/kbuild-tree.sh $(KVER) $(KMOD_DEBUG)
	$(MAKE) $(KBUILD_DEBUG_ARGS) C=2 CF='-D__CHECK_ENDIAN__' modules

checkpatch:
	@scripts/ksrc.sh $(lastword $(KERNELS))
	scripts/checkpatch.sh $(KSRC_NEWEST)

SELFTEST_BINS := $(BUILD)/selftests/vhost_9p_test $(BUILD)/selftests/server_test \
	$(BUILD)/selftests/export_test \
	$(BUILD)/selftests/async_test $(BUILD)/selftests/ops_test $(BUILD)/selftests/mapped_test \
	$(BUILD)/selftests/fault_test \
	$(BUILD)/selftests/limits_test $(BUILD)/selftests/ring_fuzz $(BUILD)/selftests/seq_fuzz \
	$(BUILD)/selftests/e2e_client $(BUILD)/selftests/fdbridge
# vhost9p-ctl attach serving a KVM guest of our own.
SELFTEST_BINS += $(BUILD)/selftests/minivmm
# vhost9p-ctl attach --socket, driven by a vhost-user frontend of our own.
SELFTEST_BINS += $(BUILD)/selftests/vhost_user_test
# The VM harness: keeps KVM's static keys still (selftests/vm/kvm-hold.c).
SELFTEST_BINS += $(BUILD)/selftests/kvm-hold
# The test client encodes with the module's own protocol code.
SELFTEST_LIB := selftests/vhost_9p/virtq.c selftests/vhost_9p/p9client.c \
	selftests/vhost_9p/hostutil.c selftests/vhost_9p/minifuse.c \
	drivers/vhost/9p/protocol.c
TOOL_BINS := $(BUILD)/tools/vhost9p-ctl
BENCH_BINS := $(BUILD)/bench/fsbench $(BUILD)/bench/opbench

selftests: $(SELFTEST_BINS) $(BENCH_BINS)
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

$(BUILD)/selftests/kvm-hold: selftests/vm/kvm-hold.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $<

$(BUILD)/bench/fsbench: selftests/bench/fsbench.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< -lpthread

# The server's cost per operation against the system call (make opbench).
$(BUILD)/bench/opbench: selftests/bench/opbench.c $(SELFTEST_LIB) $(wildcard selftests/vhost_9p/*.h) \
		drivers/vhost/9p/protocol.h include/uapi/linux/vhost_9p.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(SELFTEST_LIB) -lpthread

# stats names the messages with the module's own table.
$(BUILD)/tools/vhost9p-ctl: $(wildcard tools/vhost9p-ctl/*.[ch]) include/uapi/linux/vhost_9p.h \
		drivers/vhost/9p/protocol.c drivers/vhost/9p/protocol.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Idrivers/vhost/9p -o $@ tools/vhost9p-ctl/*.c drivers/vhost/9p/protocol.c

# The harness's self-test module (selftests/vm/crashme), built like the
# real one in a per-kernel shadow directory.
crashme:
	@mkdir -p $(BUILD)/crashme/$(KVER)
	@ln -sfn $(CURDIR)/selftests/vm/crashme/Kbuild $(BUILD)/crashme/$(KVER)/Kbuild
	@ln -sfn $(CURDIR)/selftests/vm/crashme/crashme.c $(BUILD)/crashme/$(KVER)/crashme.c
	$(MAKE) -C $(KDIR) M=$(BUILD)/crashme/$(KVER) W=1 modules

harness-selftest: modules selftests tools crashme
	selftests/vm/harness-selftest.sh $(KVER)

# Debian 13's QEMU 10.0 with -device vhost-9p-pci (qemu/), for the
# end-to-end tests: also its virtio-9p and vhost-user-device-pci.
qemu:
	qemu/build.sh

unit:
	selftests/unit/run.sh

FUZZ_SECONDS ?= 300

fuzz:
	selftests/fuzz/run.sh $(FUZZ_SECONDS)

# The real Linux 9p client's requests, recorded by the debug module, as
# the fuzzer's corpus (selftests/fuzz/recorded, committed).
corpus: modules modules-debug selftests qemu
	selftests/fuzz/record.sh $(KVER)

check:
	@scripts/check.sh

check-vm: modules modules-debug selftests tools qemu client
	selftests/vm/run-suite.sh $(KVER)

debug-kernel:
	scripts/debug-kernel.sh

check-debug:
	@scripts/check-debug.sh


# vhost-9p beside QEMU's virtio-9p, virtiofs and native (Documentation/performance.rst).
bench: modules selftests qemu client
	selftests/bench/run-bench.sh $(KVER)

# The server's cost per operation against the system calls, in the first level.
opbench: modules selftests
	selftests/bench/run-opbench.sh $(KVER)

demo: deps
	@$(MAKE) --no-print-directory modules tools selftests qemu
	selftests/vm/demo.sh $(KVER)

# ----------------------------------------------------------------------
# Installing: make install (by hand) and make dkms-source (for DKMS).

.PHONY: install install-module install-tools uninstall uninstall-module uninstall-tools \
	dkms-source

# The version is named in one place, dkms.conf.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)

# make install: the module goes to $(DESTDIR)$(INSTALL_MOD_PATH)/lib/modules/
# $(KVER)/updates, the tool and its man page under $(DESTDIR)$(PREFIX).
PREFIX ?= /usr/local
MODDIR = $(DESTDIR)$(INSTALL_MOD_PATH)/lib/modules/$(KVER)/updates
SBINDIR = $(DESTDIR)$(PREFIX)/sbin
MAN8DIR = $(DESTDIR)$(PREFIX)/share/man/man8
# depmod indexes the real module tree, so it runs only without DESTDIR (a
# staging root is indexed on the machine it is installed to).
DEPMOD ?= depmod
DEPMOD_CMD = $(if $(DESTDIR),@echo 'DESTDIR is set: not running depmod; run "depmod -a $(KVER)" where this is installed', \
	$(DEPMOD)$(if $(INSTALL_MOD_PATH), -b $(INSTALL_MOD_PATH)) -a $(KVER))
# make dkms-source: what the DKMS build needs, and nothing else.
DKMS_SRC = $(DESTDIR)/usr/src/vhost-9p-$(VERSION)
DKMS_FILES := dkms.conf Makefile Kbuild include/uapi/linux/vhost_9p.h \
	$(wildcard drivers/vhost/9p/*.[ch]) drivers/vhost/9p/Makefile drivers/vhost/9p/Kconfig \
	scripts/lib.sh scripts/kernels.list
DKMS_SCRIPTS := scripts/ksrc.sh scripts/vhost-abi.sh scripts/kbuild-tree.sh

# After `make`, install builds nothing and changes nothing in build/ (run
# it as root, the build as yourself); it builds what is missing or older
# than its sources.
KO := $(KMOD)/drivers/vhost/9p/vhost_9p.ko
$(KO): $(wildcard drivers/vhost/9p/*.[ch]) drivers/vhost/9p/Makefile Kbuild include/uapi/linux/vhost_9p.h
	$(MAKE) --no-print-directory KVER=$(KVER) modules

install: install-module install-tools

install-module: $(KO)
	install -d $(MODDIR)
	install -m 0644 $(KO) $(MODDIR)/
	$(DEPMOD_CMD)

install-tools: $(BUILD)/tools/vhost9p-ctl
	install -d $(SBINDIR) $(MAN8DIR)
	install -m 0755 $(BUILD)/tools/vhost9p-ctl $(SBINDIR)/
	install -m 0644 tools/vhost9p-ctl/vhost9p-ctl.8 $(MAN8DIR)/

uninstall: uninstall-module uninstall-tools

uninstall-module:
	rm -f $(MODDIR)/vhost_9p.ko
	$(DEPMOD_CMD)

uninstall-tools:
	rm -f $(SBINDIR)/vhost9p-ctl $(MAN8DIR)/vhost9p-ctl.8

dkms-source:
	@test -n "$(VERSION)" || { echo 'dkms-source: no PACKAGE_VERSION="..." line in dkms.conf' >&2; exit 1; }
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)
	for f in $(DKMS_FILES); do install -D -m 0644 $$f $(DKMS_SRC)/$$f || exit 1; done
	for f in $(DKMS_SCRIPTS); do install -D -m 0755 $$f $(DKMS_SRC)/$$f || exit 1; done

clean:
	rm -rf $(BUILD)
