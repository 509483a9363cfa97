#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# paths.t: the runtime's path stage, driven by the test-only testroot
# element (selftests/host/elements/testroot.c), which makes /cse-guest a
# host directory. Every path-carrying system call of the syscall table,
# by raw `syscall` instructions and through libc (progs/paths.c), must
# give natively on DIR what it gives under cse-run on /cse-guest (paths
# in, files changed on the host, and paths out: getcwd, /proc links),
# on rewritten sites and by trap, openat2's RESOLVE_* restrictions
# included; real programs (coreutils, python3, a
# "#!" script, ELF programs with the guest's PT_INTERP) run by their
# guest paths; /proc/self/exe, /proc/self/maps and mountinfo name guest
# paths.
# Prints TAP; env: TOP, CSE_RUN, HT (from selftests/host/run).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HT=${HT:-$TOP/build/host-tests}
TREE_RUN=${TREE_RUN:-$HT/tree/bin/cse-run}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

# Not under $HT: a concurrent selftests/host/run clears $HT/tmp.* there.
W=$(mktemp -d "${TMPDIR:-/tmp}/cse-paths-t.XXXXXX")
W=$(cd "$W" && pwd -P)	# the kernel answers with canonical paths
cleanup() {
	mountpoint -q "$W/h/mnt" 2>/dev/null && umount "$W/h/mnt"
	rm -rf "$W"
}
trap cleanup EXIT
G=/cse-guest

if ! [ -x "$TREE_RUN" ] || ! [ -e "$HT/tree/lib/cse/cse-testroot.so" ]; then
	skip "all" "no test tree with cse-testroot.so (run selftests/host/run)"
	echo "1..$T_N"
	exit 0
fi
cflags=(-std=gnu11 -O2 -g -Wall -Wextra -Werror)
if ! gcc "${cflags[@]}" -o "$W/paths" "$TOP/selftests/host/progs/paths.c" 2>"$W/cc.log" ||
	! gcc "${cflags[@]}" -o "$W/procmaps" "$TOP/selftests/host/progs/procmaps.c" -lpthread 2>>"$W/cc.log" ||
	! gcc "${cflags[@]}" -o "$W/hello" "$TOP/selftests/host/progs/hello.c" 2>>"$W/cc.log" ||
	! gcc "${cflags[@]}" -static -o "$W/hello-static" "$TOP/selftests/host/progs/hello.c" 2>>"$W/cc.log" ||
	! gcc "${cflags[@]}" -Wl,--dynamic-linker=$G/lib/ld.so -o "$W/hello-guest-interp" \
		"$TOP/selftests/host/progs/hello.c" 2>>"$W/cc.log"; then
	fail "build test programs" "$(cat "$W/cc.log")"
	echo "1..$T_N"
	exit 1
fi

# Under the element with $1 as /cse-guest; the rest is the command.
inroot() {
	local dir=$1
	shift
	timeout -k 5 60 "$TREE_RUN" -e "testroot=$dir" -- "$@"
}

# --------------------------------------------------------- every call
# symlinked-host: the element is given the host directory through a
# symlink (its prefix is no symlink of the guest's: RESOLVE_NO_SYMLINKS).
for mode in default no-rewrite symlinked-host; do
	rm -rf "$W/n" "$W/g" "$W/g-link"
	mkdir "$W/n" "$W/g"
	ln -s g "$W/g-link"
	opt=()
	[ $mode = no-rewrite ] && opt=(--no-rewrite)
	hostarg=$W/g
	[ $mode = symlinked-host ] && hostarg=$W/g-link
	"$W/paths" "$W/n" "$W/n" >"$W/native.out" 2>&1
	nrc=$?
	timeout -k 5 60 "$TREE_RUN" "${opt[@]}" -e "testroot=$hostarg" -- "$W/paths" $G "$W/g" \
		>"$W/cse.out" 2>&1
	crc=$?
	if [ $nrc = 0 ] && [ $crc = 0 ] && cmp -s "$W/native.out" "$W/cse.out"; then
		pass "every path call, raw and libc, same as native ($mode)"
	else
		fail "every path call, raw and libc, same as native ($mode)" \
			"status native $nrc, cse $crc" "$(diff "$W/native.out" "$W/cse.out" | head -n 20)"
	fi
done
# The comparison above is only worth something if the calls reached files.
if grep -q '^mkdir: 0$' "$W/native.out" && grep -q '^getcwd length: 3$' "$W/native.out" &&
	grep -q '^readlink /proc/self/fd/N: <ROOT>/d/e$' "$W/cse.out" &&
	grep -q '^  host mkdir d: dir mode 750' "$W/cse.out" &&
	grep -q '^openat2 a symlink, RESOLVE_NO_SYMLINKS: ELOOP$' "$W/cse.out" &&
	grep -q '^openat2 dirfd RESOLVE_BENEATH ..: EXDEV$' "$W/cse.out" &&
	grep -q '^openat2 dirfd RESOLVE_IN_ROOT /e: 0$' "$W/cse.out"; then
	pass "the calls changed the host directory and paths came back as the guest's"
else
	fail "the calls changed the host directory and paths came back as the guest's" \
		"$(head -n 20 "$W/cse.out")"
fi
# A path outside /cse-guest is the host's own: no such directory either way.
"$W/paths" /cse-nothing-here "$W/g" >"$W/outside.native" 2>&1
inroot "$W/g" "$W/paths" /cse-nothing-here "$W/g" >"$W/outside.out" 2>&1
if grep -q '^mkdir: ENOENT$' "$W/outside.out" && cmp -s "$W/outside.native" "$W/outside.out"; then
	pass "outside the guest directory nothing is mapped"
else
	fail "outside the guest directory nothing is mapped" \
		"$(diff "$W/outside.native" "$W/outside.out" | head -n 10)"
fi

# --------------------------------------------------------- real programs
H=$W/h
rm -rf "$H"
mkdir -p "$H/lib" "$H/bin"
printf 'one\ntwo\n' >"$H/data.txt"
cp "$W/hello" "$W/hello-static" "$W/hello-guest-interp" "$H/bin/"
cp "$W/paths" "$H/bin/"
cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$H/lib/ld.so"
printf '#!/bin/sh\necho "script $0: $*"; cd "$(dirname "$0")" && pwd\n' >"$H/bin/script.sh"
printf '#!%s/bin/script.sh from-line\n' $G >"$H/bin/nested.sh"
chmod 755 "$H/bin/script.sh" "$H/bin/nested.sh"

expect() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "want: $2" "got:  $3"
	fi
}

expect "cat a guest file" "$(printf 'one\ntwo')" "$(inroot "$H" cat $G/data.txt 2>&1)"
expect "ls -l of the guest directory" "$(cd "$H" && ls -ln --time-style=+%s . bin)" \
	"$(inroot "$H" sh -c "cd $G && ls -ln --time-style=+%s . bin" 2>&1)"
expect "cp, mkdir -p, mv, ln -s, rm in the guest land on the host" \
	"$(printf 'one\ntwo\nlink -> ../data.txt\nhost: one')" \
	"$(inroot "$H" sh -c "mkdir -p $G/x/y && cp $G/data.txt $G/x/ && mv $G/x/y $G/x/z &&
		ln -s ../data.txt $G/x/z/link && cat $G/x/z/link && echo link '->' \$(readlink $G/x/z/link) &&
		rm -r $G/x/z" 2>&1; printf 'host: '; head -n 1 "$H/x/data.txt"; [ -e "$H/x/z" ] && echo still there)"
expect "pwd, pwd -P, readlink -f, realpath inside the guest" \
	"$(printf '%s\n' $G/bin $G/bin $G/bin/script.sh $G/data.txt)" \
	"$(inroot "$H" sh -c "cd $G/bin && pwd && /bin/pwd -P && readlink -f script.sh && realpath ../data.txt" 2>&1)"
expect "python3 os calls" \
	"$G/bin $G/bin ['ld.so'] True $G/data.txt 8 $G/lib/ld.so" \
	"$(inroot "$H" python3 -c "
import os
os.chdir('$G/bin')
print(os.getcwd(), os.readlink('/proc/self/cwd'), sorted(os.listdir('$G/lib')),
      os.path.isdir('$G/lib'), os.path.realpath('../data.txt'), os.stat('$G/data.txt').st_size,
      os.path.realpath('/proc/self/fd/%d' % os.open('$G/lib/ld.so', os.O_RDONLY)))" 2>&1)"
expect "a #! script run by its guest path" \
	"$(printf 'script %s/bin/script.sh: a b\n%s/bin' $G $G)" \
	"$(inroot "$H" sh -c "$G/bin/script.sh a b" 2>&1)"
expect "a #! script whose interpreter is a guest path" \
	"$(printf 'script %s/bin/script.sh: from-line %s/bin/nested.sh c\n%s/bin' $G $G $G)" \
	"$(inroot "$H" sh -c "$G/bin/nested.sh c" 2>&1)"
expect "ELF programs run by their guest paths (dynamic, static, guest PT_INTERP)" \
	"$(cd "$H" && { bin/hello; bin/hello-static; (exec -a hello-guest-interp bin/hello); } 2>&1)" \
	"$(inroot "$H" sh -c "$G/bin/hello; $G/bin/hello-static; $G/bin/hello-guest-interp" 2>&1)"
expect "exec by a relative path inside the guest" "$(cd "$H" && ./bin/hello 2>&1)" \
	"$(inroot "$H" sh -c "cd $G && exec ./bin/hello" 2>&1)"
expect "/proc/self/exe names the guest path" \
	"readlink /proc/self/exe: <ROOT>/bin/paths" \
	"$(inroot "$H" sh -c "exec $G/bin/paths $G $H exe" 2>&1)"
expect "python3 sys.executable and os.readlink of /proc/self/exe by a guest path" \
	"$G/bin/python3 $G/bin/python3" \
	"$(cp "$(readlink -f /usr/bin/python3)" "$H/bin/python3"; inroot "$H" sh -c "exec $G/bin/python3 -c '
import os, sys; print(sys.executable, os.readlink(\"/proc/self/exe\"))'" 2>&1)"
expect "exec of a missing guest path fails like a missing file" \
	"$( { sh -c "$H/bin/missing" 2>&1; echo "rc=$?"; } | sed "s|$H|$G|g")" \
	"$(inroot "$H" sh -c "$G/bin/missing" 2>&1; echo "rc=$?")"

# Threads resolving paths while others map and unmap memory (the stage's
# cache of readable pages is dropped under them); run several times.
stress_ok=1
for i in 1 2 3; do
	out=$(inroot "$H" python3 -c "
import os, threading, mmap
errs = []
def walk(k):
    for j in range(1500):
        p = '$G/data.txt' if j % 2 else '$G/bin/../data.txt'
        try:
            if os.stat(p).st_size != 8 or os.readlink('/proc/self/cwd') != '$G':
                errs.append(p)
        except OSError as e:
            errs.append(str(e))
def churn():
    for j in range(1500):
        m = mmap.mmap(-1, 4096 * (1 + j % 7)); m[0] = 1; m.close()
os.chdir('$G')
ts = [threading.Thread(target=walk, args=(k,)) for k in range(4)] + [threading.Thread(target=churn) for k in range(2)]
[t.start() for t in ts]; [t.join() for t in ts]
print('errors', len(errs), errs[:3])" 2>&1)
	[ "$out" = "errors 0 []" ] || { stress_ok=0; break; }
done
if [ $stress_ok = 1 ]; then
	pass "threads resolving guest paths while others map and unmap memory (3 runs)"
else
	fail "threads resolving guest paths while others map and unmap memory (3 runs)" "$out"
fi

cp /bin/cat "$H/bin/cat"
maps=$(inroot "$H" sh -c "$G/bin/cat /proc/self/maps; cat /proc/\$\$/maps" 2>&1)
if printf '%s\n' "$maps" | grep -q " $G/bin/cat\$" && ! printf '%s\n' "$maps" | grep -q "$H"; then
	pass "/proc/self/maps names the program's mappings by guest paths"
else
	fail "/proc/self/maps names the program's mappings by guest paths" "$(printf '%s\n' "$maps" | head -n 5)"
fi
# Every way of opening maps, smaps and mountinfo (with a mount below the
# host directory when one can be made, so mountinfo names it).
cp "$W/procmaps" "$H/bin/procmaps"
mkdir -p "$H/mnt"
mounted=0
[ "$(id -u)" = 0 ] && mount -t tmpfs cse-paths-t "$H/mnt" 2>/dev/null && mounted=1
for mode in default no-rewrite; do
	opt=()
	[ $mode = no-rewrite ] && opt=(--no-rewrite)
	"$H/bin/procmaps" "$H" "$H" >"$W/procmaps.native" 2>&1
	timeout -k 5 60 "$TREE_RUN" "${opt[@]}" -e "testroot=$H" -- sh -c "exec $G/bin/procmaps $G $H" \
		>"$W/procmaps.cse" 2>&1
	if cmp -s "$W/procmaps.native" "$W/procmaps.cse" && [ "$(grep -c ': ok$' "$W/procmaps.cse")" -ge 20 ]; then
		pass "maps, smaps, mountinfo by every name (dirfds, thread-self, PID, TIDs, openat2, /dev/fd/N/) ($mode)"
	else
		fail "maps, smaps, mountinfo by every name (dirfds, thread-self, PID, TIDs, openat2, /dev/fd/N/) ($mode)" \
			"$(diff "$W/procmaps.native" "$W/procmaps.cse" | head -n 20)"
	fi
done
[ $mounted = 1 ] && umount "$H/mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs cse-paths-t "$H/mnt" 2>/dev/null; then
	mi=$(inroot "$H" cat /proc/self/mountinfo 2>&1)
	umount "$H/mnt"
	if printf '%s\n' "$mi" | grep -q " $G/mnt rw.* - tmpfs cse-paths-t " &&
		! printf '%s\n' "$mi" | grep -q "$H"; then
		pass "/proc/self/mountinfo names mount points by guest paths"
	else
		fail "/proc/self/mountinfo names mount points by guest paths" \
			"$(printf '%s\n' "$mi" | grep cse-paths-t)"
	fi
else
	skip "/proc/self/mountinfo names mount points by guest paths" "cannot mount a tmpfs"
fi

# --------------------------------------------------------- errors
d=$W/err
capture "$d" "$TREE_RUN" -e testroot -- true
if [ "$(cat "$d/rc")" = 2 ] && grep -q "testroot.*needs the host directory" "$d/err"; then
	pass "testroot without a directory is refused"
else
	fail "testroot without a directory is refused" "rc $(cat "$d/rc")" "$(cat "$d/err")"
fi

echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
