# cse top-level Makefile.
#
#   make               build the user tools (build/) and kmod/cse.ko
#   make check         host tests + VM kselftests, closing "N passed, N failed"
#                      (VM tests on the debug kernel when it has been built)
#   make debug-kernel  build (once, cached in /var/cache/cse/debug-kernel) a
#                      KASAN/lockdep/kmemleak/UBSAN kernel, and cse.ko for it
#   make debug-kmod    cse.ko for the debug kernel: build/debug-kmod/cse.ko
#   make demo          the main job: two applications side by side in the VM
#   make bench         benchmark table (ratios against native)
#   make KDIR=...      build the module against another kernel tree
#   make install       user tools, loader, elements and man pages into
#                      $(DESTDIR)$(PREFIX) (PREFIX=/usr/local)
#   make uninstall     remove what make install put there
#   make modules_install  cse.ko into /lib/modules/<KDIR's release>/updates
#   make checkpatch    kernel coding-style check of kmod/ and the uapi header
#   make sparse        sparse (C=2) over kmod/
#   make clean

# KDIR: the running kernel's build tree when it exists, else the newest
# installed Debian cloud (test) kernel headers.
KVER_RUNNING := $(shell uname -r)
KDIR_TEST := $(lastword $(sort $(wildcard /usr/src/linux-headers-*-cloud-amd64)))
KDIR ?= $(if $(wildcard /lib/modules/$(KVER_RUNNING)/build),/lib/modules/$(KVER_RUNNING)/build,$(KDIR_TEST))
export KDIR

# The debug kernel (scripts/debug-kernel) and cse.ko built against it, from
# a copy of the module's sources so kmod/cse.ko stays the cloud kernel's.
DEBUG_KERNEL_DIR := $(shell scripts/debug-kernel --path)
DEBUG_KDIR := $(DEBUG_KERNEL_DIR)/linux-source-6.1
DEBUG_KMOD := build/debug-kmod
DEBUG_BUILT := $(wildcard $(DEBUG_KERNEL_DIR)/stamp)

.PHONY: all user kmod selftests check host-check vm-check demo bench clean checkpatch sparse \
	install uninstall modules_install debug-kernel debug-kmod

PREFIX ?= /usr/local
BINDIR := $(DESTDIR)$(PREFIX)/bin
LIBDIR := $(DESTDIR)$(PREFIX)/lib/cse
MANDIR := $(DESTDIR)$(PREFIX)/share/man/man1

all: user kmod

user:
	$(MAKE) -C user

kmod:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "make: no kernel headers found (KDIR='$(KDIR)')" >&2; \
		echo "hint: run scripts/install-deps, or pass KDIR=/path/to/kernel/build" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

selftests:
	$(MAKE) -C selftests/cse

debug-kernel:
	scripts/debug-kernel
	$(MAKE) debug-kmod

debug-kmod:
	@test -f $(DEBUG_KERNEL_DIR)/stamp || { echo "make: the debug kernel is not built" >&2; \
		echo "hint: run 'make debug-kernel'" >&2; exit 1; }
	@mkdir -p $(DEBUG_KMOD)/src/kmod $(DEBUG_KMOD)/src/include/uapi/linux
	@cp -p Kbuild $(DEBUG_KMOD)/src/
	@cp -p kmod/Kbuild $(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h) $(DEBUG_KMOD)/src/kmod/
	@cp -p include/uapi/linux/cse.h $(DEBUG_KMOD)/src/include/uapi/linux/
	$(MAKE) -C $(DEBUG_KDIR) M=$(CURDIR)/$(DEBUG_KMOD)/src modules
	cp -p $(DEBUG_KMOD)/src/kmod/cse.ko $(DEBUG_KMOD)/cse.ko

check: all selftests $(if $(DEBUG_BUILT),debug-kmod)
	scripts/run-checks

host-check: all
	scripts/run-checks host

vm-check: all selftests $(if $(DEBUG_BUILT),debug-kmod)
	scripts/run-checks vm

demo: all
	scripts/demo

bench: all
	scripts/bench

# checkpatch.pl is not in the headers package: take it from the kernel source
# tarball (linux-source-6.1) or from $(KSRC) when set.
CHECKPATCH_DIR := build/kscripts
checkpatch:
	@if [ -n "$(KSRC)" ]; then cp_pl="$(KSRC)/scripts/checkpatch.pl"; else \
		cp_pl=$(CHECKPATCH_DIR)/linux-source-6.1/scripts/checkpatch.pl; \
		[ -f $$cp_pl ] || { mkdir -p $(CHECKPATCH_DIR) && tar -xJf /usr/src/linux-source-6.1.tar.xz -C $(CHECKPATCH_DIR) \
			linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch; }; fi; \
	perl $$cp_pl --no-tree --strict --terse -f $(filter-out %.mod.c,$(wildcard kmod/*.c kmod/*.h)) include/uapi/linux/cse.h

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules

# cse-run finds its loader and elements in ../lib/cse next to its own
# directory, so bin/ and lib/cse/ are installed side by side.
install: user
	install -d $(BINDIR) $(LIBDIR) $(MANDIR)
	install -m 0755 build/bin/cse-run build/bin/csectl build/bin/cse-oci $(BINDIR)/
	install -m 0755 build/lib/cse/cse-loader $(LIBDIR)/
	install -m 0644 build/lib/cse/cse-*.so build/lib/cse/cse-loader-gdb.py $(LIBDIR)/
	install -m 0644 user/man/cse-run.1 user/man/csectl.1 user/man/cse-oci.1 $(MANDIR)/

uninstall:
	rm -f $(BINDIR)/cse-run $(BINDIR)/csectl $(MANDIR)/cse-run.1 $(MANDIR)/csectl.1
	rm -f $(BINDIR)/cse-oci $(MANDIR)/cse-oci.1
	rm -rf $(LIBDIR)

modules_install: kmod
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C user clean
	-$(MAKE) -C selftests/cse clean
	rm -rf build
