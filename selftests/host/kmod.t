#!/bin/bash
# Host checks of the kernel module build (the module itself is exercised in
# the VM by selftests/cse):
#   - a clean build against the test kernel headers has zero warnings
#   - modinfo shows license, version, description, author, max_instances
#   - "dkms build" of the tree succeeds against the test kernel, in a
#     private DKMS tree (the system's /var/lib/dkms is not touched)
#   - checkpatch --strict is clean on kmod/ and the uapi header
# TAP on stdout. Env: TOP (repo root), HT (scratch dir).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HT=${HT:-$TOP/build/host-tests}
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

KDIR=$(make -s -C "$TOP" -f - <<<'include Makefile
print-kdir: ; @echo $(KDIR)' print-kdir 2>/dev/null)
KVER=$(basename "$(dirname "$KDIR")" 2>/dev/null)
case $KDIR in /usr/src/linux-headers-*) KVER=${KDIR#/usr/src/linux-headers-} ;; esac

work=$(mktemp -d "$HT/kmod.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
(cd "$TOP" && git ls-files -z --cached --others --exclude-standard -- Kbuild kmod include dkms.conf Makefile | xargs -0 cp --parents -t "$work/src")

if [ -z "$KDIR" ] || [ ! -d "$KDIR" ]; then
	skip "module builds without warnings" "no kernel headers (KDIR)"
	skip "modinfo fields" "no kernel headers"
	skip "dkms build" "no kernel headers"
else
	if make -C "$KDIR" M="$work/src" modules >"$work/build.log" 2>&1; then
		if grep -E 'warning:|error:' "$work/build.log" >/dev/null; then
			notok "module builds without warnings" "$(grep -E 'warning:|error:' "$work/build.log")"
		else
			ok "module builds without warnings ($KVER)"
		fi
		mi() { /sbin/modinfo -F "$1" "$work/src/kmod/cse.ko"; }
		if [ "$(mi license)" = GPL ] && [ -n "$(mi version)" ] && [ -n "$(mi description)" ] &&
			[ -n "$(mi author)" ] && mi parm | grep -q '^max_instances:'; then
			ok "modinfo: license GPL, version $(mi version), description, author, max_instances"
		else
			notok "modinfo fields" "$(/sbin/modinfo "$work/src/kmod/cse.ko")"
		fi
	else
		notok "module builds without warnings" "$(tail -n 30 "$work/build.log")"
		notok "modinfo fields" "module did not build"
	fi

	if ! command -v dkms >/dev/null; then
		skip "dkms build" "dkms not installed"
	else
		ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
		mkdir -p "$work/dkms-src" "$work/dkms-tree"
		cp -a "$work/src/." "$work/dkms-src/cse-$ver"
		(cd "$work/dkms-src/cse-$ver" && make -C "$KDIR" M="$PWD" clean >/dev/null 2>&1)
		if dkms add -m cse -v "$ver" --sourcetree "$work/dkms-src" --dkmstree "$work/dkms-tree" \
			>"$work/dkms.log" 2>&1 &&
			dkms build -m cse -v "$ver" -k "$KVER" --sourcetree "$work/dkms-src" \
				--dkmstree "$work/dkms-tree" >>"$work/dkms.log" 2>&1 &&
			ls "$work/dkms-tree/cse/$ver/$KVER/x86_64/module/"cse.ko* >/dev/null 2>&1; then
			ok "dkms build cse/$ver against $KVER"
		else
			notok "dkms build" "$(tail -n 30 "$work/dkms.log")"
		fi
	fi
fi

if out=$(make -s -C "$TOP" checkpatch 2>&1); then
	ok "checkpatch --strict clean (kmod/, uapi header)"
else
	notok "checkpatch --strict clean" "$out"
fi

t_done
