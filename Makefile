# SPDX-License-Identifier: GPL-2.0
#
# tunx top-level build.  `make` builds the module for KDIR, the library and
# the tools; `make check` runs every suite (host, then VMs on Debian's 6.1,
# 6.12 and 6.12-rt and on the debug and kcsan kernels) and ends with "N passed, N failed".

# The running kernel's build tree when there is one, else the newest
# installed Debian headers.  Recursive (=), never computed while the Makefile
# is read: on a fresh machine the headers appear only once `make deps` has
# run, so every target that needs them runs deps and then a sub-make, which
# reads this file anew (see `after-deps`).
KDIR ?= $(patsubst %/Makefile,%,$(firstword \
	$(wildcard /lib/modules/$(shell uname -r)/build/Makefile) \
	$(lastword $(sort $(filter-out %-rt-amd64/Makefile, \
	$(wildcard /usr/src/linux-headers-*-amd64/Makefile))))))

MAKEFLAGS += --no-print-directory

# The VM suites of `make check`: Debian's 6.1, 6.12 and 6.12 PREEMPT_RT
# kernels, the debug kernel (KASAN, lockdep, kmemleak, KUnit) and the kcsan
# kernel (the same config with KCSAN, which excludes KASAN).
VM_SUITES := vm-6.1 vm-6.12 vm-6.12-rt vm-debug vm-kcsan

# The version lives in dkms.conf only; everything else reads it from there.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SRC := /usr/src/tunx-$(VERSION)

.PHONY: all demo demo-run deps module lib go tools selftests lib-tests check \
	check-host check-quick check-run check-fresh check-fresh-run \
	$(addprefix check-,$(VM_SUITES)) vm-shell vm-shell-run clean help \
	dkms-install dkms-uninstall deb deb-run

all: module lib tools selftests

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## deps          install every Debian package the project needs (idempotent)
deps:
	@tools/deps

## module        build tunx.ko for KDIR into build/module/<release>/
module:
	@test -n "$(KDIR)" || { echo "no kernel headers; run 'make deps'" >&2; exit 1; }
	@tools/build-module $(KDIR) >/dev/null

## lib           build libtunx (shared and static) into build/lib/
lib:
	@$(MAKE) -C lib

## tools         build the command-line tools
tools:
	@$(MAKE) -C tools

## selftests     build the kselftest programs
selftests:
	@$(MAKE) -C selftests

## go            build tunx-wireguard (wireguard-go on libtunx) into build/lib/
go: lib
	@$(MAKE) -C lib go

# Library tests that run in the VM are built on the host: the VM sees the
# checkout read-only.  go: tunx-wireguard, for the VM's WireGuard test.
lib-tests:
	@$(MAKE) -C lib tests asan-tests tsan-tests go

# after-deps TARGET...: install the packages, then build TARGET in a new
# make, which sees what deps installed (this make read the disk before it).
after-deps = @tools/deps && $(MAKE) $(1)

## demo          ping through tunx and through tun side by side (in the VM here)
demo:
	$(call after-deps,all go demo-run)

demo-run:
	@tools/demo

## check         every suite; last line "N passed, N failed" (CHECK_EXTRA=fresh adds check-fresh)
check:
	$(call after-deps,all lib-tests check-run SUITES="host $(VM_SUITES) $(CHECK_EXTRA)")

## check-quick   host tests and the 6.1 VM, for iteration
check-quick:
	$(call after-deps,all lib-tests check-run SUITES="host vm-6.1")

## check-host    everything that needs no module
check-host:
	$(call after-deps,all lib-tests check-run SUITES=host)

## check-vm-6.1, check-vm-6.12, check-vm-6.12-rt, check-vm-debug, check-vm-kcsan   one VM suite
$(addprefix check-,$(VM_SUITES)):
	$(call after-deps,all lib-tests check-run SUITES=$(patsubst check-%,%,$@))

check-run:
	@tools/check $(SUITES)

## check-fresh   the two README commands, then the .debs, in a bare Debian 12 root (mmdebstrap)
check-fresh:
	$(call after-deps,check-run SUITES=fresh)

check-fresh-run:
	@tools/check-fresh

## vm-shell      a root shell in the 6.1 VM with tunx.ko loaded (KERNEL=6.12|6.12-rt|debug|kcsan)
vm-shell:
	$(call after-deps,module vm-shell-run)

vm-shell-run:
	@tools/vm/run --kernel $(or $(KERNEL),6.1)

## deb           Debian packages tunx-dkms, libtunx0, libtunx-dev, tunx-tools into build/deb/
deb:
	$(call after-deps,deb-run)

deb-run:
	@tools/deb

## dkms-install  register the module with DKMS and build it for every installed kernel
dkms-install:
	rm -rf $(DKMS_SRC)
	tools/dkms-source $(DKMS_SRC)
	dkms add -m tunx -v $(VERSION)
	for k in $$(ls /lib/modules); do \
		[ -e /lib/modules/$$k/build/Makefile ] || continue; \
		dkms install -m tunx -v $(VERSION) -k $$k || exit 1; \
	done

## dkms-uninstall remove the module from DKMS and from every kernel
dkms-uninstall:
	-dkms remove -m tunx -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

# Install layout.  The library goes to LIBDIR: a Debian-style multiarch
# install needs PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu (the triplet is
# `dpkg-architecture -qDEB_HOST_MULTIARCH`; `make deb` sets both).  udev
# rules and modules-load.d belong to the system whatever PREFIX is
# (override UDEVRULESDIR/MODULESLOADDIR if need be);
# every path is under DESTDIR.  The tools go to BINDIR together (as wg(8)
# does): tunx-bench finds tunx-tunnel next to itself.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= /usr/lib/udev/rules.d
MODULESLOADDIR ?= /usr/lib/modules-load.d
INSTALL_TOOLS := tunxctl tunx-tunnel tunx-bench
INSTALL_MAN := man1/tunx-bench.1 man4/tunx.4 man8/tunxctl.8 man8/tunx-tunnel.8
INSTALL_SYS := $(UDEVRULESDIR)/60-tunx.rules $(MODULESLOADDIR)/tunx.conf
has_target = $(shell grep -qs '^$(2):' $(1)/Makefile && echo yes)

.PHONY: install uninstall modules_install

## install       library, headers, libtunx.pc, tools, udev rule, modules-load.d, man pages (PREFIX, DESTDIR, LIBDIR: multiarch is LIBDIR=/usr/lib/x86_64-linux-gnu)
install: lib tools
	$(MAKE) -C lib install PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) MANDIR=$(MANDIR)
ifeq ($(call has_target,tools,install),yes)
	$(MAKE) -C tools install PREFIX=$(PREFIX) BINDIR=$(BINDIR) MANDIR=$(MANDIR)
else
	install -d $(DESTDIR)$(BINDIR)
	for t in $(INSTALL_TOOLS); do \
		if [ -x build/tools/$$t ]; then install -m 0755 build/tools/$$t $(DESTDIR)$(BINDIR)/ || exit 1; fi; \
	done
endif
	for m in $(INSTALL_MAN); do \
		install -D -m 0644 tools/man/$${m#*/} $(DESTDIR)$(MANDIR)/$$m || exit 1; \
	done
	install -D -m 0644 tools/packaging/60-tunx.rules $(DESTDIR)$(UDEVRULESDIR)/60-tunx.rules
	install -D -m 0644 tools/packaging/tunx.conf $(DESTDIR)$(MODULESLOADDIR)/tunx.conf
	@if [ -z "$(DESTDIR)" ]; then ldconfig; udevadm control --reload 2>/dev/null || true; fi

## uninstall     remove what install put there (same PREFIX, LIBDIR, DESTDIR)
uninstall:
	$(MAKE) -C lib uninstall PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) MANDIR=$(MANDIR)
ifeq ($(call has_target,tools,uninstall),yes)
	$(MAKE) -C tools uninstall PREFIX=$(PREFIX) BINDIR=$(BINDIR) MANDIR=$(MANDIR)
endif
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(INSTALL_TOOLS))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/,$(INSTALL_MAN))
	rm -f $(addprefix $(DESTDIR),$(INSTALL_SYS))
	@if [ -z "$(DESTDIR)" ]; then ldconfig; udevadm control --reload 2>/dev/null || true; fi

# Kbuild signs with the kernel's own key when it has one (distribution
# headers do not: then signing is skipped instead of failing noisily).
# SIGN_KEY/SIGN_CERT sign with another key, e.g. a MOK enrolled with
# mokutil: the module is then installed uncompressed and signed in place.
INSTALL_MOD_PATH ?= $(DESTDIR)
SIGN_KEY ?=
SIGN_CERT ?=
MODINST_FLAGS := INSTALL_MOD_DIR=updates INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) \
	$(if $(SIGN_KEY)$(wildcard $(KDIR)/certs/signing_key.x509),,CONFIG_MODULE_SIG_ALL=) \
	$(if $(SIGN_KEY),CONFIG_MODULE_SIG_ALL= CONFIG_MODULE_COMPRESS_ALL= \
		CONFIG_MODULE_COMPRESS_GZIP= CONFIG_MODULE_COMPRESS_XZ= \
		CONFIG_MODULE_COMPRESS_ZSTD=)

## modules_install  tunx.ko for KDIR into /lib/modules/<release>/updates/ (INSTALL_MOD_PATH, SIGN_KEY, SIGN_CERT)
modules_install:
	@test -n "$(KDIR)" || { echo "no kernel headers; run 'make deps'" >&2; exit 1; }
	@test -z "$(SIGN_KEY)" -o -n "$(SIGN_CERT)" || { echo "SIGN_KEY needs SIGN_CERT" >&2; exit 1; }
	+dir=$$(tools/build-module $(KDIR)) && \
	kver=$$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h) && \
	$(MAKE) -C $(KDIR) M=$$dir $(MODINST_FLAGS) modules_install && \
	if [ -n "$(SIGN_KEY)" ]; then \
		$(KDIR)/scripts/sign-file sha256 $(SIGN_KEY) $(SIGN_CERT) \
			$(INSTALL_MOD_PATH)/lib/modules/$$kver/updates/tunx.ko || exit 1; \
	fi && \
	if [ -z "$(INSTALL_MOD_PATH)" ]; then depmod -a $$kver; fi

## clean         remove build/ (the debug kernel cache stays in /var/cache/tunx)
clean:
	rm -rf build
	@$(MAKE) -C lib clean
	@$(MAKE) -C selftests clean

## bench         tunx-bench's full matrix (in the VM here); results in build/bench/
.PHONY: bench
bench:
	$(call after-deps,all bench-run)

.PHONY: bench-run
bench-run:
	@tools/bench/run
