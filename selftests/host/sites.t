#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# sites.t: system call sites learned by one process are patched before
# they trap in the next ones (runtime/rewrite_learn.c), also in a library
# ld.so maps with mmap, and across instances through the user's site
# cache (runtime/sitecache.c, --no-site-cache). Traps are counted with
# strace (SIGSYS, si_syscall=__NR_getpid) at the 16 getpid sites of
# libsites.so (progs/lib_sites.c); outputs must equal native. A cache
# file that is corrupt, truncated, oversized, or well formed but naming
# non-sites, a binary changed under the same name, and a HOME where no
# cache can be made must all leave the program running as natively.
# Env: TOP, CSE_RUN, HT (from selftests/host/run).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

if ! command -v strace >/dev/null; then
	skip "learned sites" "no strace to count traps"
	t_done
	exit
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/cse-sites-t.XXXXXX")
trap 'rm -rf "$W"' EXIT
cflags=(-std=gnu11 -O2 -g -Wall -Wextra -Werror)
src=$TOP/selftests/host/progs
if gcc "${cflags[@]}" -DLIB -shared -fPIC -o "$W/libsites.so" "$src/lib_sites.c" 2>"$W/build.log" &&
	gcc "${cflags[@]}" -o "$W/libmain" "$src/lib_sites.c" -L"$W" -lsites -Wl,-rpath,"$W" \
		2>>"$W/build.log" &&
	gcc "${cflags[@]}" -o "$W/plain" "$src/learn_sites.c" 2>>"$W/build.log" &&
	gcc "${cflags[@]}" -DDECOY -o "$W/decoy" "$src/learn_sites.c" 2>>"$W/build.log"; then
	pass "build lib_sites and learn_sites"
else
	fail "build lib_sites and learn_sites" "$(cat "$W/build.log")"
	t_done
	exit
fi
native=$("$W/libmain")
export XDG_CACHE_HOME=$W/cache
cache=$XDG_CACHE_HOME/cse/sites

# traps NR LOG: SIGSYS for system call NR in an strace log
traps() { grep -c "si_syscall=$1," "$2"; }
# run_traced NAME CSE_ARGS... -- PROG...: output in $W/NAME.out, getpid traps echoed
run_traced() {
	local name=$1
	shift
	timeout -k 5 60 strace -f -qq -e trace=none -e signal=SIGSYS -o "$W/$name.log" \
		"$CSE_RUN" "$@" >"$W/$name.out" 2>"$W/$name.err" </dev/null
	traps __NR_getpid "$W/$name.log"
}
# check NAME: the run's output is the native one
check() {
	if [ "$(cat "$W/$1.out")" = "$native" ] && [ ! -s "$W/$1.err" ]; then
		return 0
	fi
	fail "$2" "output: $(cat "$W/$1.out")" "native: $native" "$(head -5 "$W/$1.err")"
	return 1
}

# ---------------------------------------------------------------- one instance
# Four processes of one instance, no cache: the library's 16 sites trap
# in the first only (learned at the mmap that maps its text, patched
# there); sh's own getpid() once more.
n=$(run_traced inst --no-site-cache -- sh -c "$W/libmain v; $W/libmain; $W/libmain; $W/libmain")
if [ "$(grep -c 'slots ok' "$W/inst.out")" = 4 ] && [ "$n" -eq 17 ]; then
	pass "learned: a library's sites trap in the first of 4 processes only (17 traps)"
else
	fail "learned: a library's sites trap in the first of 4 processes only (17 traps)" \
		"getpid traps: $n" "$(cat "$W/inst.out" "$W/inst.err")"
fi
[ -e "$cache" ] && fail "--no-site-cache makes no cache" "$(ls -la "$cache")" ||
	pass "--no-site-cache makes no cache"

# ---------------------------------------------------------------- across instances
n1=$(run_traced cold1 -- "$W/libmain")
n2=$(run_traced cold2 -- "$W/libmain")
if check cold1 "site cache: first cold run" && check cold2 "site cache: second cold run"; then
	if [ "$n1" -eq 16 ] && [ "$n2" -eq 0 ]; then
		pass "site cache: a second cold run takes no trap at the 16 sites (first: $n1)"
	else
		fail "site cache: a second cold run takes no trap at the 16 sites" "first $n1, second $n2"
	fi
fi
mode=$(stat -c %a "$cache" 2>/dev/null)
files=$(find "$cache" -type f 2>/dev/null | wc -l)
expect "site cache: directory mode 0700, no temporary left" "700 0" \
	"$mode $(find "$cache" -name '*.tmp' 2>/dev/null | wc -l)"
[ "$files" -ge 1 ] && pass "site cache: one file per program ($files)" ||
	fail "site cache: one file per program" "$(ls -la "$cache" 2>&1)"
n=$(run_traced nocache --no-site-cache -- "$W/libmain")
if check nocache "--no-site-cache: runs"; then
	expect "--no-site-cache: the 16 sites trap" 16 "$n"
fi

# A site alone on its page is patched at load only once it trapped twice
# in one process: patching is a private copy of the page (a page fault),
# dearer than the one trap of a site a process reaches once.
run_traced once1 -- "$W/libmain" - 1 >/dev/null
n=$(run_traced once2 -- "$W/libmain" - 1 >/dev/null; traps __NR_getppid "$W/once2.log")
expect "site cache: a lone site reached once per process still traps once" 1 "$n"
run_traced twice1 -- "$W/libmain" - 2 >/dev/null
n=$(run_traced twice2 -- "$W/libmain" - 2 >/dev/null; traps __NR_getppid "$W/twice2.log")
check twice2 "site cache: lone site" &&
	expect "site cache: a lone site that trapped twice in a process is patched at load" 0 "$n"

# The program's own file: the one whose name is libmain's device-inode.
prog_file=$cache/$(printf '%x-%x' "$(stat -c %d "$W/libmain")" "$(stat -c %i "$W/libmain")")
if [ ! -s "$prog_file" ]; then
	fail "site cache: libmain's file" "$(ls -la "$cache")"
	t_done
	exit
fi
cp "$prog_file" "$W/good"

# corrupt NAME: after "$prog_file" was damaged, the program runs and traps
# at its 16 sites (the file ignored); the good file is put back after.
corrupt() {
	local n
	n=$(run_traced "$1" -- "$W/libmain")
	if check "$1" "site cache: $2"; then
		expect "site cache: $2, ignored (16 traps)" 16 "$n"
	fi
	cp "$W/good" "$prog_file"
}
head -c "$(stat -c %s "$W/good")" /dev/urandom >"$prog_file"
corrupt garbage "random bytes"
head -c -5 "$W/good" >"$prog_file"
corrupt truncated "truncated by 5 bytes"
{ cat "$W/good"; head -c 9000 /dev/zero; } >"$prog_file"
corrupt oversized "9000 bytes longer"
: >"$prog_file"
corrupt empty "empty"
# A bit flipped in a site: the checksum no longer matches.
/usr/bin/python3 - "$W/good" "$prog_file" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[-8] ^= 1
open(sys.argv[2], 'wb').write(b)
EOF
corrupt flipped "a site's bit flipped"

# Well formed, checksum right, but naming non-sites: each offset moved by
# one byte, or far outside the text, or numbers swapped. The rewriter's
# own checks (bounds, instruction shape) must leave them alone.
forge() { # HOW
	/usr/bin/python3 - "$W/good" "$prog_file" "$1" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
how = sys.argv[3]
nfiles = struct.unpack_from('<I', b, 64)[0]
at = 72
for _ in range(nfiles):
    n = struct.unpack_from('<I', b, at + 56)[0]
    at += 64
    for k in range(n):
        v = struct.unpack_from('<Q', b, at)[0]
        off, nr = v & 0xffffffff, v >> 32
        if how == 'shift':
            off += 1
        elif how == 'far':
            off = 0xfffff000 - k
        elif how == 'nr':
            nr = 60	# exit: the bytes say 39
        struct.pack_into('<Q', b, at, off | nr << 32)
        at += 8
h = 2166136261
for c in b[72:]:
    h = ((h ^ c) * 16777619) & 0xffffffff
struct.pack_into('<I', b, 68, h)
open(sys.argv[2], 'wb').write(b)
EOF
}
for how in shift far nr; do
	forge "$how"
	corrupt "forged-$how" "well formed, offsets or numbers forged ($how)"
done

# ---------------------------------------------------------------- a changed binary
# learn_sites: 64 sites in the program's own text; the decoy build has
# the same size and layout, the same bytes at those offsets inside movabs
# immediates. Its sum is wrong if the plain build's sites were patched.
want_plain=$("$W/plain")
want_decoy=$("$W/decoy")
cp "$W/plain" "$W/prog"
"$CSE_RUN" -- "$W/prog" >/dev/null
timeout -k 5 60 strace -f -qq -e trace=none -e signal=SIGSYS -o "$W/p2.log" \
	"$CSE_RUN" -- "$W/prog" >"$W/p2.out" 2>&1
expect "site cache: learn_sites, second cold run" "$want_plain" "$(cat "$W/p2.out")"
expect "site cache: learn_sites' 64 sites patched from the cache" 0 "$(traps __NR_getpid "$W/p2.log")"
# same inode, same size, mtime put back: only the ctime tells
cat "$W/decoy" >"$W/prog"
touch -r "$W/plain" "$W/prog"
expect "site cache: rebuilt in place (same inode, mtime put back) is not patched" \
	"$want_decoy" "$("$CSE_RUN" -- "$W/prog" 2>&1)"
cp "$W/plain" "$W/prog"
"$CSE_RUN" -- "$W/prog" >/dev/null
cp "$W/decoy" "$W/new"
mv "$W/new" "$W/prog"
expect "site cache: another file renamed onto the name is not patched" \
	"$want_decoy" "$("$CSE_RUN" -- "$W/prog" 2>&1)"

# ---------------------------------------------------------------- where no cache can be
# rw: a cache directory another user may write is not used.
chmod 0777 "$cache"
cp "$W/good" "$prog_file"
n=$(run_traced open777 -- "$W/libmain")
check open777 "site cache: a 0777 directory" &&
	expect "site cache: a 0777 directory is not used (16 traps)" 16 "$n"
chmod 0700 "$cache"
for home in /proc/self/fdinfo /dev/null/x relative ""; do
	out=$(env -u XDG_CACHE_HOME HOME="$home" "$CSE_RUN" -- "$W/libmain" 2>&1)
	expect "site cache: HOME='$home' (no cache can be made): runs natively" "$native" "$out"
done
out=$(env -u XDG_CACHE_HOME -u HOME "$CSE_RUN" -- "$W/libmain" 2>&1)
expect "site cache: no HOME: runs natively" "$native" "$out"
mkdir "$W/home"
out=$(XDG_CACHE_HOME=relative HOME="$W/home" "$CSE_RUN" -- "$W/libmain" 2>&1)
expect "site cache: a relative XDG_CACHE_HOME is ignored for HOME/.cache" "$native 1" \
	"$out $(find "$W/home/.cache/cse/sites" -type f | wc -l)"
t_done
