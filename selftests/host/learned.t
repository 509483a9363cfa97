#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# learned.t: syscall sites learned by one process of an application are
# patched by the loader in the next process that maps the same file
# (runtime/rewrite_learn.c), and never in a file that changed since. One
# shell runs a program whose 64 sites trap once each (learn_sites.c),
# again (its sites now patched at load), then a decoy build with the same
# size and layout, whose bytes at those addresses are the same 7 bytes
# inside movabs immediates, written over the same file (same inode, the
# mtime put back), copied over it and renamed onto its name. Output and
# status must equal native, under pass-through and every element.
# Env: TOP, CSE_RUN, HT (from selftests/host/run).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/cse-learned-t.XXXXXX")
trap 'rm -rf "$W"' EXIT
cflags=(-std=gnu11 -O2 -g -Wall -Wextra -Werror)
if gcc "${cflags[@]}" -o "$W/plain" "$TOP/selftests/host/progs/learn_sites.c" 2>"$W/build.log" &&
	gcc "${cflags[@]}" -DDECOY -o "$W/decoy" "$TOP/selftests/host/progs/learn_sites.c" 2>>"$W/build.log"; then
	pass "build learn_sites (plain and decoy)"
else
	fail "build learn_sites (plain and decoy)" "$(cat "$W/build.log")"
	t_done
	exit
fi
if [ "$(stat -c %s "$W/plain")" != "$(stat -c %s "$W/decoy")" ]; then
	skip "learned sites" "the two builds differ in size with this compiler"
	t_done
	exit
fi

# shellcheck disable=SC2016
script='
set -e
d=$1
cp "$d/plain" "$d/prog"
"$d/prog"; "$d/prog"; "$d/prog"
# same inode, same size, mtime put back: only the ctime tells
cat "$d/decoy" >"$d/prog"; touch -r "$d/plain" "$d/prog"
"$d/prog"; "$d/prog"
cp "$d/plain" "$d/prog"; "$d/prog"; "$d/prog"
# a new file renamed onto the name
cp "$d/decoy" "$d/new"; mv "$d/new" "$d/prog"
"$d/prog"
cp "$d/plain" "$d/prog2"; "$d/prog2"; "$d/prog2"
cp "$d/decoy" "$d/prog2"; "$d/prog2"
'
run_case() { # NAME ARGS...
	local name=$1
	shift
	mkdir -p "$W/n" "$W/c"
	capture "$W/n/$name" sh -c "$script" sh "$W"
	capture "$W/c/$name" "$CSE_RUN" "$@" sh -c "$script" sh "$W"
	compare "learned sites, file replaced between execs ($name)" "$W/n/$name" "$W/c/$name" all
}
run_case pass --
run_case all "${CSE_ALL_ELEMENTS[@]}" --
t_done
