#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# fs.t: the fs element's view and confinement.
#  - confinement: the same path calls (progs/fs_calls.c, raw syscalls) in
#    a tree natively under chroot(8) and under cse-run --root on a copy
#    of it must answer the same: "..", absolute and relative symlinks,
#    dangling links with O_CREAT, ELOOP at 40 links, /proc/self links,
#    openat2 RESOLVE_*, dirfd-relative calls, a nested chroot(), AF_UNIX
#    paths (also longer than sun_path once translated), exec, and the
#    calls of both directions (statx, faccessat2, fchmodat2, renameat2,
#    linkat, symlinkat/readlinkat, getcwd, inotify, xattrs);
#  - openat2 RESOLVE_NO_XDEV across /proc and a bind, against a chroot
#    with the same mounts;
#  - binds (:ro gives EROFS), --tmpfs, --workdir, the host's /proc and
#    /etc files and their off flags, /tmp kept the root's own, errors;
#  - another distribution: Debian trixie's ls, bash, python3 and ldd run
#    with trixie's glibc, and musl programs whose loader exists only in
#    the root run, where natively they cannot (scripts/fs-roots, cached).
# Prints TAP; env: TOP, CSE_RUN, HT (from selftests/host/run).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HT=${HT:-$TOP/build/host-tests}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/cse-fs-t.XXXXXX")
W=$(cd "$W" && pwd -P)
cleanup() {
	mountpoint -q "$W/A/proc" 2>/dev/null && umount "$W/A/proc"
	rm -rf "$W"
}
trap cleanup EXIT

run() { timeout -k 5 60 "$CSE_RUN" "$@"; }

if ! gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$W/fs_calls" \
	"$TOP/selftests/host/progs/fs_calls.c" 2>"$W/cc.log"; then
	fail "build fs_calls" "$(cat "$W/cc.log")"
	t_done
	exit 1
fi

# ------------------------------------------------------------ the tree
LONG=$(printf 'l%.0s' $(seq 1 90))
mk_tree() {
	local r=$1
	mkdir -p "$r"/{bin,etc,d/e,d/bin,tmp,proc,"$LONG"}
	cp "$W/fs_calls" "$r/d/bin/"
	chmod 1777 "$r/tmp"
	cp "$W/fs_calls" "$r/bin/"
	echo inside >"$r/etc/secret"
	echo deep >"$r/d/e/f"
	echo root-resolv >"$r/etc/resolv.conf"
	ln -s ../../../../../../.. "$r/up"
	ln -s / "$r/abs"
	ln -s /d/e "$r/lnkdir"
	ln -s d/e/f "$r/rel"
	ln -s /tmp/created "$r/dang"
	ln -s loop2 "$r/loop1"
	ln -s loop1 "$r/loop2"
	ln -s /bin/fs_calls "$r/lnkbin"
	# a1 -> a2 -> ... -> a40 -> /d/e/f: 40 links; b1..b41: 41
	for i in $(seq 1 39); do ln -s "a$((i + 1))" "$r/a$i"; done
	ln -s /d/e/f "$r/a40"
	for i in $(seq 1 40); do ln -s "b$((i + 1))" "$r/b$i"; done
	ln -s /d/e/f "$r/b41"
}
mk_tree "$W/A"
mk_tree "$W/B"
echo OUTSIDE >"$W/secret-outside"

OPS=(
	read,/etc/secret
	read,/../../../../secret-outside
	read,/up/etc/secret
	read,/abs/etc/secret
	read,/abs/../../secret-outside
	stat,/up/../secret-outside
	read,/rel
	readlink,/rel
	readlink,/abs
	lstat,/dang
	stat,/dang
	creat,/dang
	read,/tmp/created
	stat,/loop1
	stat,/a1
	stat,/b1
	lstat,/b1
	chdir,/lnkdir
	getcwd
	read,../../etc/secret
	read,../../../../../../secret-outside
	stat,../../up/secret-outside
	readlink,/proc/self/cwd
	readlink,/proc/self/root
	readlink,/proc/self/exe
	read,/proc/self/root/etc/secret
	read,/proc/self/cwd/../../etc/secret
	read,/proc/self/root/../secret-outside
	relat,/d,../../../secret-outside
	relat,/d,e/f
	relat,/lnkdir,../../etc/secret
	openat2,/d,/e/f,0x10
	openat2,/d,../../etc/secret,0x10
	openat2,/d,../etc/secret,0x8
	openat2,/,abs/etc/secret,0x4
	openat2,/,up/etc/secret,0x10
	openat2,/,proc/self/root/etc/secret,0x0
	openat2,/,proc/self/root/etc/secret,0x2
	openat2,/,proc/self/cwd/f,0x2
	statx,/d/e/f
	statx,/up/d/e/f
	access,/etc/secret,4
	faccessat2,/etc/secret,2
	faccessat2,/up/secret-outside,0
	fchmodat2,/d/e/f,600
	stat,/d/e/f
	symlink,/abs/target/x,/tmp/sl
	readlink,/tmp/sl
	symlink,../../no/such,/tmp/sl2
	readlink,/tmp/sl2
	link,/d/e/f,/tmp/hard
	nlink,/d/e/f
	nlink,/tmp/hard
	creat,/tmp/r1
	creat,/tmp/r2
	rename2,/tmp/r1,/tmp/r2,1
	rename2,/tmp/r1,/tmp/r2,2
	rename2,/tmp/r1,/tmp/r3,0
	stat,/tmp/r1
	mkdir,/tmp/dd
	rmdir,/tmp/dd
	unlink,/tmp/r2
	unix,/tmp/sock
	"unix,/$LONG/s"
	inotify,/tmp
	inotify,/up
	xattr,/tmp/created
	exec,/lnkbin,getcwd
	exec,/up/bin/fs_calls,getcwd
	exec,/../../secret-outside,getcwd
	chroot,/d
	chdir,/
	getcwd
	read,/e/f
	read,/../../etc/secret
	read,/../../../secret-outside
	chdir,..
	getcwd
	exec,/../../bin/fs_calls,getcwd
	exec,/bin/fs_calls,read,/../e/f
	exec,/bin/fs_calls,readlink,/../../abs
)
# (before the chroot above: exec through a symlink, fchdir, whiteouts)
OPS=("${OPS[@]:0:66}" exec,/lnkbin,readlink,/proc/self/exe fchdir,/lnkdir getcwd readlink,/proc/self/cwd
	chdir,/ creat,/tmp/w1 rename2,/tmp/w1,/tmp/w2,4 lstat,/tmp/w1 lstat,/tmp/w2
	# a name looked up, then made a symlink (here, by rename, by another process)
	mkdir,/tmp/c mkdir,/tmp/c/x stat,/tmp/c/x rmdir,/tmp/c/x symlink,/etc,/tmp/c/x read,/tmp/c/x/secret
	creat,/tmp/c/y stat,/tmp/c/y symlink,/etc/secret,/tmp/c/z rename2,/tmp/c/z,/tmp/c/y,0 read,/tmp/c/y
	creat,/tmp/c/w read,/tmp/c/w exec,/bin/fs_calls,unlink,/tmp/c/w
	exec,/bin/fs_calls,symlink,/etc/secret,/tmp/c/w read,/tmp/c/w
	# a whole path looked up, then a directory on its way made a symlink by
	# other processes (after rmdir; after rename), then the same path again
	mkdir,/tmp/s mkdir,/tmp/s/a mkdir,/tmp/s/a/e creat,/tmp/s/a/e/f stat,/tmp/s/a/e/f
	read,/tmp/s/a/e/f exec,/bin/fs_calls,unlink,/tmp/s/a/e/f exec,/bin/fs_calls,rmdir,/tmp/s/a/e
	exec,/bin/fs_calls,rmdir,/tmp/s/a stat,/tmp/s/a/e/f exec,/bin/fs_calls,symlink,/d,/tmp/s/a
	stat,/tmp/s/a/e/f read,/tmp/s/a/e/f
	mkdir,/tmp/s/b mkdir,/tmp/s/b/e creat,/tmp/s/b/e/f read,/tmp/s/b/e/f
	exec,/bin/fs_calls,rename2,/tmp/s/b,/tmp/s/old,0 exec,/bin/fs_calls,symlink,/d,/tmp/s/b
	read,/tmp/s/b/e/f stat,/tmp/s/old/e/f "${OPS[@]:66}")

# Natively: chroot(8) into A with the host's /proc; under cse: B.
mount --bind /proc "$W/A/proc"
chroot "$W/A" /bin/fs_calls "${OPS[@]}" >"$W/native.out" 2>&1
umount "$W/A/proc"
run --root "$W/B" --no-host-sys --no-host-dev --no-host-resolv-conf --no-host-hosts \
	-- /bin/fs_calls "${OPS[@]}" >"$W/cse.out" 2>&1
expect "confinement: as many answers as natively" "$(wc -l <"$W/native.out")" "$(wc -l <"$W/cse.out")"
i=0
while IFS= read -r want; do
	i=$((i + 1))
	got=$(sed -n "${i}p" "$W/cse.out")
	expect "confinement: ${want%% = *}" "$want" "$got"
done <"$W/native.out"
# The answers say what they must, not only the same as natively.
grep -q '^read,/abs/../../secret-outside = EENOENT$' "$W/cse.out" &&
	grep -q '^stat,/b1 = EELOOP$' "$W/cse.out" && grep -q '^stat,/a1 = file' "$W/cse.out" &&
	grep -q '^readlink,/tmp/sl = "/abs/target/x"$' "$W/cse.out" &&
	grep -q '^nlink,/tmp/hard = nlink=2$' "$W/cse.out" &&
	! grep -q OUTSIDE "$W/cse.out"
expect "confinement: nothing outside the root was reached, ELOOP at 41 links" 0 $?
expect "confinement: dangling link with O_CREAT created inside the root" "new" \
	"$(cat "$W/B/tmp/created" 2>&1)"
expect "confinement: the file outside is untouched" "OUTSIDE" "$(cat "$W/secret-outside")"

# Directories made symlinks (by rename; by rmdir and symlink) in another
# process of the application, while a thread keeps looking the paths up:
# once a change is done, no lookup may miss it (a stale cache) and let
# the kernel follow the new symlink on the host (progs/fs_swap.c). The
# symlinks lead to $W/out, OUT on the host and nothing in the view.
mkdir -p "$W/out" && echo OUT >"$W/out/f"
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread -o "$W/A/bin/fs_swap" \
	"$TOP/selftests/host/progs/fs_swap.c" 2>"$W/cc.log"; then
	cp "$W/A/bin/fs_swap" "$W/B/bin/"
	expect "swaps: natively, every lookup sees the change" "reads ok" \
		"$(chroot "$W/A" /bin/fs_swap /tmp/swap0 "$W/out" 200 2>&1)"
	got=""
	for i in 1 2 3 4 5 6; do
		got+="$(run --root "$W/B" -- /bin/fs_swap "/tmp/swap$i" "$W/out" 300 2>&1)|"
	done
	expect "swaps: under cse, every lookup sees the change (6 x 300 swaps)" \
		"reads ok|reads ok|reads ok|reads ok|reads ok|reads ok|" "$got"
else
	fail "swaps: build fs_swap" "$(cat "$W/cc.log")"
fi

# ------------------------------------------------------------ binds, tmpfs, workdir
mkdir -p "$W/hb" "$W/ro"
echo host-file >"$W/hfile"
echo ro-data >"$W/ro/x"
got=$(run --root "$W/B" --bind "$W/hb:/mnt/hb" -- /bin/fs_calls creat,/mnt/hb/new chdir,/mnt/hb \
	getcwd readlink,/proc/self/cwd 2>&1)
expect "bind: a file made in a bound directory" "new" "$(cat "$W/hb/new" 2>&1)"
expect "bind: getcwd and /proc/self/cwd in a bound directory" \
	'creat,/mnt/hb/new = ok|chdir,/mnt/hb = ok|getcwd = "/mnt/hb"|readlink,/proc/self/cwd = "/mnt/hb"' \
	"$(printf '%s' "$got" | tr '\n' '|')"
got=$(run --root "$W/B" --bind "$W/hb:/lnkdir/hb" -- /bin/fs_calls creat,/d/e/hb/via-link getcwd 2>&1)
expect "bind: a GUEST through a symlink is placed where it leads" "new" "$(cat "$W/hb/via-link" 2>&1)"
got=$(run --root "$W/B" --bind "$W/ro:/mnt/ro:ro" -- /bin/fs_calls read,/mnt/ro/x creat,/mnt/ro/y \
	unlink,/mnt/ro/x mkdir,/mnt/ro/d fchmodat2,/mnt/ro/x,600 2>&1)
expect "bind :ro: reads, and every writing call gets EROFS" \
	'read,/mnt/ro/x = "ro-data"|creat,/mnt/ro/y = EEROFS|unlink,/mnt/ro/x = EEROFS|mkdir,/mnt/ro/d = EEROFS|fchmodat2,/mnt/ro/x,600 = EEROFS' \
	"$(printf '%s' "$got" | tr '\n' '|')"
expect "bind :ro: the host directory is unchanged" "x" "$(ls "$W/ro")"
# openat2 RESOLVE_NO_XDEV (0x1) judged by the view's mounts: natively a
# chroot with /proc and the same directory bind-mounted at /mnt/hb.
# shellcheck disable=SC2054  # fs_calls operations are comma-separated words
XOPS=(openat2,/,d/e/f,0x1 openat2,/d,e/f,0x1 openat2,/,proc/self/status,0x1
	openat2,/proc,self/status,0x1 openat2,/,mnt/hb/new,0x1 openat2,/mnt/hb,new,0x1
	openat2,/mnt/hb,../../d/e/f,0x1 openat2,/mnt/hb,/d/e/f,0x1 openat2,/d,/mnt/hb/new,0x1
	openat2,/d,../proc/self/status,0x1)
mkdir -p "$W/A/mnt/hb"
if mount --bind /proc "$W/A/proc" && mount --bind "$W/hb" "$W/A/mnt/hb"; then
	chroot "$W/A" /bin/fs_calls "${XOPS[@]}" >"$W/xdev-native.out" 2>&1
else
	echo "mount failed" >"$W/xdev-native.out"
fi
umount "$W/A/mnt/hb" 2>/dev/null
umount "$W/A/proc" 2>/dev/null
run --root "$W/B" --bind "$W/hb:/mnt/hb" --no-host-sys --no-host-dev -- /bin/fs_calls "${XOPS[@]}" \
	>"$W/xdev.out" 2>&1
expect "openat2 RESOLVE_NO_XDEV across /proc and a bind: as in a chroot with those mounts" \
	"$(tr '\n' '|' <"$W/xdev-native.out")" "$(tr '\n' '|' <"$W/xdev.out")"
grep -q '^openat2,/mnt/hb,new,0x1 = file' "$W/xdev.out" && grep -q '^openat2,/,mnt/hb/new,0x1 = EEXDEV$' "$W/xdev.out"
expect "openat2 RESOLVE_NO_XDEV: inside a bind allowed, into it EXDEV" 0 $?
got=$(run --root "$W/B" --bind "$W/hfile:/etc/secret" -- /bin/fs_calls read,/etc/secret read,/up/etc/secret 2>&1)
expect "bind: a single file over the root's" 'read,/etc/secret = "host-file"|read,/up/etc/secret = "host-file"' \
	"$(printf '%s' "$got" | tr '\n' '|')"
got=$(run --root "$W/B" --tmpfs /scratch -- /bin/fs_calls stat,/scratch creat,/scratch/a read,/scratch/a pid 2>&1)
pid=$(printf '%s\n' "$got" | sed -n 's/^pid = //p')
expect "tmpfs: empty, 1777, writable" 'stat,/scratch = dir size=0 mode=1777|creat,/scratch/a = ok|read,/scratch/a = "new"' \
	"$(printf '%s' "$got" | grep -v '^pid' | tr '\n' '|' | sed 's/|$//')"
expect "tmpfs: its host directory is removed when the application ends" "gone" \
	"$([ -z "$pid" ] && echo "no pid" || { [ -e "/tmp/cse-fs.$pid" ] && echo there || echo gone; })"
expect "tmpfs: not in the root" "no" "$([ -e "$W/B/scratch" ] && echo yes || echo no)"
got=$(run --root "$W/B" --workdir /lnkdir -- /bin/fs_calls getcwd read,f 2>&1)
expect "workdir: starts there (through a symlink)" 'getcwd = "/d/e"|read,f = "deep"' "$(printf '%s' "$got" | tr '\n' '|')"
got=$(run --root "$W/B" -- /bin/fs_calls getcwd creat,/tmp/mine 2>&1)
expect "root: starts at its /" 'getcwd = "/"|creat,/tmp/mine = ok' "$(printf '%s' "$got" | tr '\n' '|')"
expect "root: /tmp is the root's own" "new|no" \
	"$(cat "$W/B/tmp/mine")|$([ -e /tmp/mine ] && echo yes || echo no)"
got=$(run --root "$W/B" -- /bin/fs_calls read,/etc/resolv.conf readlink,/proc/self/exe stat,/dev/null 2>&1)
expect "root: the host's /etc/resolv.conf, /proc and /dev" \
	"read,/etc/resolv.conf = \"$(head -n 1 /etc/resolv.conf)\"|readlink,/proc/self/exe = \"/bin/fs_calls\"|stat,/dev/null = chr size=0 mode=666" \
	"$(printf '%s' "$got" | tr '\n' '|')"
got=$(run --root "$W/B" --no-host-proc --no-host-resolv-conf --no-host-dev -- /bin/fs_calls \
	read,/etc/resolv.conf stat,/proc/self stat,/dev/null 2>&1)
expect "root: --no-host-* show the root's own" \
	'read,/etc/resolv.conf = "root-resolv"|stat,/proc/self = EENOENT|stat,/dev/null = EENOENT' \
	"$(printf '%s' "$got" | tr '\n' '|')"

run --root "$W/B" -- /bin/fs_calls raw,500,/etc/secret raw,500,/etc/secret >"$W/raw.out" 2>"$W/raw.err"
expect "fail closed: an unknown system call gets ENOSYS" "raw,500,/etc/secret = EENOSYS|raw,500,/etc/secret = EENOSYS" \
	"$(tr '\n' '|' <"$W/raw.out" | sed 's/|$//')"
expect "fail closed: said once" "1" "$(grep -c 'system call 500 refused (ENOSYS)' "$W/raw.err")"

# ------------------------------------------------------------ errors
check_err "error: missing root" 2 "--root: .*no such directory" "$CSE_RUN" --root "$W/nonexist" -- /bin/true
check_err "error: relative bind HOST" 2 "--bind: .*HOST must be an absolute path" "$CSE_RUN" --bind rel:/x -- /bin/true
check_err "error: GUEST outside the root" 2 "--bind: .*stay inside the root" "$CSE_RUN" --root "$W/B" \
	--bind "$W/hb:/../x" -- /bin/true
check_err "error: UPPER inside the lower tree" 2 "--overlay: .*inside the lower tree" "$CSE_RUN" \
	--root "$W/B" --overlay "$W/B/upper" -- /bin/true
check_err "error: relative workdir" 2 "--workdir: .*absolute" "$CSE_RUN" --root "$W/B" --workdir d -- /bin/true
check_err "error: program not in the root" 127 "nosuch: command not found" "$CSE_RUN" --root "$W/B" -- nosuch

# ------------------------------------------------------------ another distribution
roots=$("$TOP/scripts/fs-roots" trixie musl 2>"$W/roots.log")
if [ $? -ne 0 ]; then
	fail "roots: scripts/fs-roots" "$(tail -5 "$W/roots.log")"
	t_done
	exit
fi
TRIXIE=$(printf '%s\n' "$roots" | sed -n 1p)
MUSL=$(printf '%s\n' "$roots" | sed -n 2p)
pass "roots: trixie and musl (cached in $(dirname "$TRIXIE"))"

host_glibc=$(ldd --version | head -n 1 | awk '{print $NF}')
got=$(run --root "$TRIXIE" -- ldd --version 2>&1 | head -n 1 | awk '{print $NF}')
want=$(chroot "$TRIXIE" ldd --version | head -n 1 | awk '{print $NF}')
expect "trixie: ldd --version shows trixie's glibc ($want, host $host_glibc)" "$want" "$got"
[ "$want" != "$host_glibc" ]
expect "trixie: its glibc differs from the host's" 0 $?
expect "trixie: /bin/ls /" "$(chroot "$TRIXIE" /bin/ls /)" "$(run --root "$TRIXIE" -- /bin/ls /)"
expect "trixie: bash, by PATH, in a symlinked /bin" "$(chroot "$TRIXIE" bash -c 'echo $BASH_VERSION; cd /usr/lib; pwd; cat /etc/debian_version')" \
	"$(run --root "$TRIXIE" -- bash -c 'echo $BASH_VERSION; cd /usr/lib; pwd; cat /etc/debian_version')"
got=$(run --root "$TRIXIE" -- sh -c 'grep -c "$1" /proc/self/maps /proc/self/mountinfo; grep -c " /usr/lib/x86_64-linux-gnu/libc.so.6$" /proc/self/maps' sh "$TRIXIE")
expect "trixie: maps and mountinfo name guest paths" "/proc/self/maps:0|/proc/self/mountinfo:0|5" \
	"$(printf '%s' "$got" | tr '\n' '|' | sed 's/|[1-9][0-9]*$/|5/')"
mkdir -p "$W/tw"
cat >"$W/tw/u.py" <<'EOF'
import socket, sys
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(p); s.listen(1)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(p)
    a, _ = s.accept(); c.send(b"hi")
    d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind(p + "d")
    e = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); e.bind(p + "e")
    e.sendto(b"yo", p + "d")
    print(s.getsockname(), c.getpeername(), a.recv(2).decode(), d.recvfrom(9))
EOF
mkdir -p "$W/tw/$LONG"
got=$(run --root "$TRIXIE" --bind "$W/tw:/work" -- python3 /work/u.py /work/s "/work/$LONG/s" 2>&1)
expect "trixie: AF_UNIX bind, connect, sendto, names back (short and long host paths)" \
	"/work/s /work/s hi (b'yo', '/work/se')|/work/$LONG/s /work/$LONG/s hi (b'yo', '/work/$LONG/se')" \
	"$(printf '%s' "$got" | tr '\n' '|')"
expect "trixie: the sockets are in the bound directory" "s sd se" "$(cd "$W/tw/$LONG" && echo *)"
py2='import os
os.makedirs("/work/d1/s"); open("/work/d1/s/f", "w").write("x")
fd = os.open("/work/d1", os.O_RDONLY | os.O_DIRECTORY)
print(os.stat("s/f", dir_fd=fd).st_size, end=" ")
os.rename("/work/d1", "/work/d2")
print(os.stat("s/f", dir_fd=fd).st_size, os.readlink("/proc/self/fd/%d" % fd), end=" ")
fd2 = os.dup(fd); os.close(fd)
print(os.stat("s/../s/f", dir_fd=fd2).st_size, sorted(os.listdir(fd2)))'
got=$(run --root "$TRIXIE" --bind "$W/tw:/work" -- python3 -c "$py2" 2>&1)
expect "trixie: dirfd-relative calls after the directory was renamed and its fd dup'ed" "1 1 /work/d2 1 ['s']" "$got"
# Relative paths are remembered whole once walked (followed or not at
# the end); a symlink or a rename at a component below the dirfd is seen.
py3='import os
os.makedirs("/w/a/b"); open("/w/a/b/f", "w").write("one")
os.makedirs("/w/c/b"); open("/w/c/b/f", "w").write("three")
fd = os.open("/w", os.O_RDONLY | os.O_DIRECTORY)
r = [os.stat("a/b/f", dir_fd=fd).st_size, os.lstat("a/b/f", dir_fd=fd).st_size]
os.unlink("/w/a/b/f"); os.rmdir("/w/a/b"); os.rmdir("/w/a"); os.symlink("c", "/w/a")
f = os.open("a/b/f", os.O_RDONLY, dir_fd=fd)
r += [os.read(f, 9).decode(), os.lstat("a/b/f", dir_fd=fd).st_size]
os.unlink("/w/a"); os.symlink("/etc", "/w/a")
r += [os.stat("a/debian_version", dir_fd=fd).st_size == os.stat("/etc/debian_version").st_size]
os.unlink("/w/a"); os.rename("/w/c", "/w/a")
r += [os.lstat("a/b/f", dir_fd=fd).st_size, os.path.exists("/w/c/b/f")]
print(*r)'
mkdir -p "$W/up-rel"
got=$(run --root "$TRIXIE" --overlay "$W/up-rel" -- python3 -c "$py3" 2>&1)
expect "trixie --overlay: dirfd-relative paths after a symlink or a rename below the dirfd" \
	"3 3 three 5 True 5 False" "$got"
got=$(run --root "$TRIXIE" --bind "$W/tw:/work" --workdir /work -- sh -c 'find d2 | sort | tr "\n" " "; rm -r d2 && [ ! -e d2 ] && echo gone' 2>&1)
expect "trixie: find and rm -r" "d2 d2/s d2/s/f gone" "$got"
# A Rust program on an 8 KiB sigaltstack: the view's work is not on the stack.
L=/var/lib/apt/lists/deb.debian.org_debian_dists_trixie
sqv=(sqv --keyring /usr/share/keyrings/debian-archive-keyring.pgp "${L}_Release.gpg" "${L}_Release")
expect "trixie: sqv verifies apt's Release (Rust, sigaltstack)" "$(chroot "$TRIXIE" "${sqv[@]}" 2>&1; echo "rc=$?")" \
	"$(run --root "$TRIXIE" -- "${sqv[@]}" 2>&1; echo "rc=$?")"
py='import os, sys; print(sys.version.split()[0], os.path.realpath("/bin/sh"), os.getcwd(), os.path.exists("/usr/lib/python3"))'
expect "trixie: python3 (realpath, getcwd)" "$(chroot "$TRIXIE" python3 -c "$py")" \
	"$(run --root "$TRIXIE" -- python3 -c "$py")"
expect "trixie: python3's /proc/self/exe" "/usr/bin/$(readlink "$TRIXIE/usr/bin/python3")" \
	"$(run --root "$TRIXIE" -- python3 -c 'import os; print(os.readlink("/proc/self/exe"))')"
# Natively the root's python3 meets the host's older glibc.
"$TRIXIE/usr/bin/python3" -c 'print(1)' >/dev/null 2>"$W/py.err"
expect "trixie: natively its python3 cannot run on the host's glibc" "1" \
	"$(grep -c 'GLIBC_2\.[0-9]*. not found' "$W/py.err" | head -c 1 | sed 's/[1-9]/1/')"
printf 'a\nb\n' >"$W/tw/in"
got=$(run --root "$TRIXIE" --bind "$W/tw:/work" --workdir /work -- bash -c \
	'mkdir -p t/s && cp in t/s/ && ln -s s/in t/ln && tar cf x.tar t && rm -r t && tar xf x.tar && readlink t/ln && realpath t/ln && cat t/ln | wc -l' 2>&1)
expect "trixie: coreutils and tar in a bound directory" "s/in|/work/t/s/in|2" "$(printf '%s' "$got" | tr '\n' '|')"

# gcc and the program it made, in a bound directory of the host's own root.
mkdir -p "$W/gsrc"
cp "$TOP/selftests/host/progs/fs_musl.c" "$W/gsrc/p.c"
got=$(run --bind "$W/gsrc:/gsrc" --workdir /gsrc -- sh -c 'gcc -O2 -o p p.c && ./p /gsrc/p.c' 2>&1)
expect "gcc: compiles and runs in a bound directory" \
	"musl: cwd=/gsrc exe=/gsrc/p read=// SPDX-License-Identifier: GPL-2.0 OR MIT" "$got"

# musl: programs linked here against the root's musl, run by its loader.
cp -a "$MUSL" "$W/musl"
sed "s#/usr/#$W/musl/usr/#g" "$W/musl/usr/lib/x86_64-linux-musl/musl-gcc.specs" >"$W/musl.specs"
if gcc -specs="$W/musl.specs" -L"$W/musl/lib/x86_64-linux-musl" -O2 -o "$W/musl/bin/fs_musl" \
	"$TOP/selftests/host/progs/fs_musl.c" 2>"$W/musl-cc.log"; then
	expect "musl: PT_INTERP names the root's loader" "/lib/ld-musl-x86_64.so.1" \
		"$(readelf -l "$W/musl/bin/fs_musl" | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
	got=$(run --root "$W/musl" -- fs_musl /etc/issue 2>&1)
	expect "musl: runs in the root" "musl: cwd=/ exe=/bin/fs_musl read=musl root for cse's fs tests" "$got"
	got=$(run --root "$W/musl" --workdir /tmp -- /bin/fs_musl ../etc/issue 2>&1)
	expect "musl: relative paths from --workdir" "musl: cwd=/tmp exe=/bin/fs_musl read=musl root for cse's fs tests" "$got"
	# The loader the kernel mapped is the root's copy, never the host's
	# (the host may have musl's loader too: musl-tools).
	root_ld=$(stat -L -c %i "$W/musl/lib/ld-musl-x86_64.so.1")
	got=$(run --root "$W/musl" -- fs_musl /etc/issue libc.so 2>&1)
	expect "musl: the root's loader is the one mapped (inode $root_ld)" "musl: loader inode=$root_ld" "$got"
	if [ -e /lib/ld-musl-x86_64.so.1 ]; then
		host_ld=$(stat -L -c %i /lib/ld-musl-x86_64.so.1)
		[ "$host_ld" != "$root_ld" ]
		expect "musl: the host's own musl loader (inode $host_ld) is another file" 0 $?
	else
		"$W/musl/bin/fs_musl" /etc/issue >/dev/null 2>&1
		expect "musl: natively it cannot run (no loader on the host)" 127 $?
	fi
else
	fail "musl: build fs_musl" "$(cat "$W/musl-cc.log")"
fi

t_done
