#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# fs + id elements, real programs of another distribution (TAP): in the
# trixie-dev root (scripts/fs-roots: Debian trixie with gcc, git and
# python3-venv, cached in /var/cache/cse/roots), as a plain user (nobody)
# with --root-id --overlay UPPER, data/fsreal-trixie.sh runs
#   copy-up of root:shadow, root:utmp and root:mail (set-gid) files,
#   apt-get update + install of a package from Debian's registry (its
#   _apt download methods drop privileges and fchmod their files),
#   dpkg -i of a local .deb with a setuid file and a daemon-owned dir,
#   python3 -m venv and the venv's python and pip, git init/commit/gc/
#   fsck, gcc compile/link/run, tar xpf/cpf of an archive with owners.
# The native reference is the same script run by root in a chroot over a
# kernel overlayfs mount of the same root (what a real root sees), case
# by case. The whole lower root (checksums and stat) must be unchanged.
# Needs root (for the reference and to build the root), about 30 s.
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

W=$HT/fsreal
ROOT=/var/cache/cse/roots/trixie-dev
CASES="copy-up keeps owner, mode and times|files made after dropping to _apt, in lower and new directories|apt-get update and install from Debian's registry|dpkg -i of a local .deb with owners and a setuid file|python3 -m venv and the venv's python|python3 -m venv with pip (ensurepip in a subprocess)|git init, commit, gc, fsck|gcc compile, link and run|tar xpf and cpf keep owners"

skip_all() {
	local IFS='|'
	for c in $CASES; do
		skip "trixie: $c" "$1"
	done
	t_done
	exit
}

[ "$(id -u)" = 0 ] || skip_all "not root (the native reference mounts an overlayfs)"
if [ ! -e "$ROOT.stamp" ] && ! "$TOP/scripts/fs-roots" trixie-dev >/dev/null 2>"$HT/fsreal-roots.err"; then
	skip_all "no trixie-dev root: $(tail -1 "$HT/fsreal-roots.err")"
fi
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || skip_all "no overlayfs for the native reference"

rm -rf "$W"
mkdir -p "$W/nat/u" "$W/nat/w" "$W/nat/m" "$W/up"
chown 65534:65534 "$W/up"
cp "$TOP/selftests/host/data/fsreal-trixie.sh" "$W/fsreal.sh"
chmod 644 "$W/fsreal.sh"

# (cd ROOT; every entry's type, mode, owner, size, mtime, link; checksums)
tlist() { (cd "$ROOT" && find . -printf '%p %M %U %G %s %T@ %l\n' | sort &&
	find . -type f -exec md5sum {} + | sort) | md5sum; }
before=$(tlist)

# Native: root in a chroot over overlayfs (lower = the same root).
M=$W/nat/m
cleanup() {
	for d in "$M/proc" "$M/dev" "$M"; do
		mountpoint -q "$d" && umount -l "$d"
	done
}
trap cleanup EXIT
if mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$W/nat/u,workdir=$W/nat/w" "$M" &&
	mount --bind /dev "$M/dev" && mount -t proc proc "$M/proc"; then
	cp /etc/resolv.conf "$M/etc/resolv.conf" 2>/dev/null
	cp "$W/fsreal.sh" "$M/fsreal.sh"
	t0=$(date +%s.%N)
	timeout -k 5 300 chroot "$M" sh /fsreal.sh >"$W/nat.out" 2>&1
	t1=$(date +%s.%N)
else
	echo "overlay mount failed" >"$W/nat.out"
	t0=0 t1=0
fi
cleanup
trap - EXIT

# cse: nobody, --root-id, the host's /proc, /dev, /sys and resolv.conf.
t2=$(date +%s.%N)
timeout -k 5 300 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$CSE_RUN" --root "$ROOT" --root-id --overlay "$W/up" --bind "$W/fsreal.sh:/fsreal.sh" -- \
	sh /fsreal.sh 2>&1 |
	# root's 0700 /root cannot be searched by nobody: dpkg's optional
	# /root/.dpkg.cfg gives EACCES, not ENOENT (dpkg -i's output is kept).
	# git's optional ~/.config files likewise give a warning.
	grep -v -e "^dpkg: warning: failed to open configuration file '/root/.dpkg.cfg' for reading: Permission denied$" \
		-e "^warning: unable to access '/root/.config/git/[a-z]*': Permission denied$" \
	>"$W/cse.out"
t3=$(date +%s.%N)
echo "# native $(echo "$t1 - $t0" | bc) s, cse-run $(echo "$t3 - $t2" | bc) s"

# Case NAME's lines of an output file.
section() { awk -v want="== $2" '/^== /{on = ($0 == want); next} on' "$1"; }

# A runtime bug (notes for the runtime): the child that glibc 2.41's
# posix_spawn makes dies of SIGSYS. gcc spawns cc1 so, and ensurepip runs
# pip in such a child: those cases wait for the fix.
spawn=$(timeout -k 5 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$CSE_RUN" --root "$ROOT" -- python3 -c \
	'import os; print(os.waitpid(os.posix_spawn("/bin/true", ["true"], os.environ), 0)[1])' 2>&1)

IFS='|'
for c in $CASES; do
	case $c in
	gcc*|*ensurepip*)
		if [ "$spawn" != 0 ]; then
			skip "trixie: $c" "runtime: a glibc 2.41 posix_spawn child dies of SIGSYS (status $spawn)"
			continue
		fi ;;
	esac
	want=$(section "$W/nat.out" "$c")
	got=$(section "$W/cse.out" "$c")
	if [ "${c#apt-get}" != "$c" ] && printf '%s\n' "$want" | grep -q '^\(update\|install\) failed$'; then
		skip "trixie: $c" "apt-get fails natively too (no network?): $(printf '%s' "$want" | tail -1)"
	elif [ -z "$want" ]; then
		fail "trixie: $c" "no native output" "$(tail -5 "$W/nat.out")"
	else
		expect "trixie: $c (as in a chroot over overlayfs)" "$want" "$got"
	fi
done
unset IFS
expect "trixie-dev: the lower root is unchanged (checksums and stat)" "$before" "$(tlist)"
t_done
