# SPDX-License-Identifier: GPL-2.0
#
# tunx top-level build.  `make` builds the module for KDIR, the library and
# the tools; `make check` runs every suite (host, then VMs on Debian's 6.1 and
# 6.12 and on the debug kernel) and ends with "N passed, N failed".

# The running kernel's build tree when there is one, else the newest
# installed Debian headers.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build/Makefile) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64/Makefile))))
override KDIR := $(patsubst %/Makefile,%,$(KDIR))

MAKEFLAGS += --no-print-directory

# The version lives in dkms.conf only; everything else reads it from there.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SRC := /usr/src/tunx-$(VERSION)

.PHONY: all demo deps module lib tools selftests check check-host check-quick \
	check-vm-6.1 check-vm-6.12 check-vm-debug vm-shell clean help \
	dkms-install dkms-uninstall

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
	@if [ -e lib/Makefile ]; then $(MAKE) -C lib; fi

## tools         build the command-line tools
tools:
	@if [ -e tools/Makefile ]; then $(MAKE) -C tools; fi

## selftests     build the kselftest programs
selftests:
	@if [ -e selftests/Makefile ]; then $(MAKE) -C selftests; fi

# Library tests that run in the VM are built on the host: the VM sees the
# checkout read-only.
lib-tests:
	@if [ -e lib/Makefile ] && grep -q '^tests:' lib/Makefile; then $(MAKE) -C lib tests; fi

## demo          ping through tunx and through tun side by side (in the VM here)
demo: deps all
	@tools/demo

## check         every suite; last line "N passed, N failed"
check: deps all lib-tests
	@tools/check host vm-6.1 vm-6.12 vm-debug

## check-quick   host tests and the 6.1 VM, for iteration
check-quick: deps all lib-tests
	@tools/check host vm-6.1

## check-host    everything that needs no module
check-host: deps all
	@tools/check host

## check-vm-6.1, check-vm-6.12, check-vm-debug   one VM suite
check-vm-6.1 check-vm-6.12 check-vm-debug: deps all lib-tests
	@tools/check $(patsubst check-%,%,$@)

## vm-shell      a root shell in the 6.1 VM with tunx.ko loaded (KERNEL=6.12|debug)
vm-shell: deps module
	@tools/vm/run --kernel $(or $(KERNEL),6.1)

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

## clean         remove build/ (the debug kernel cache stays in /var/cache/tunx)
clean:
	rm -rf build
	@if [ -e lib/Makefile ]; then $(MAKE) -C lib clean; fi
	@if [ -e selftests/Makefile ]; then $(MAKE) -C selftests clean; fi
