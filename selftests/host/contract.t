#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The element call contract (include/cse/element.h), with the test-only
# elements testcontract and testcontract2 (selftests/host/elements):
# exit() hooks run last first and may change ret and output buffers (real
# uname), only for elements whose handle() ran, and for clone, clone3,
# fork and vfork on both sides (contract_clone: libc and raw calls,
# threads, posix_spawn, compared with native); call->priv is NULL before
# each handle() and comes back to the same element's exit(); svc->scratch
# blocks are distinct, aligned, valid until exit() and released after the
# call; svc->lock holds under threads and processes, in process memory
# and in the instance state, survives a signal handler re-entering the
# element and a holder killed with it held. Path calls no element wants
# (the light path) give native results with and without a path stage. Each case also runs with
# --no-rewrite (every call trapped) where the path differs; racy ones
# several times.
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HT=${HT:-$TOP/build/host-tests}
TREE_RUN=${TREE_RUN:-$HT/tree/bin/cse-run}
export LC_ALL=C
. "$TOP/selftests/host/lib.sh"

P=$HT/contract_probe
if ! gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$P" "$TOP/selftests/host/progs/contract_probe.c" -lpthread 2>"$HT/contract-build.log"; then
	fail "build contract_probe" "$(cat "$HT/contract-build.log")"
	echo "1..$T_N"
	exit 1
fi
PC=$HT/contract_clone
if ! gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$PC" "$TOP/selftests/host/progs/contract_clone.c" -lpthread 2>"$HT/contract-build.log"; then
	fail "build contract_clone" "$(cat "$HT/contract-build.log")"
	echo "1..$T_N"
	exit 1
fi
if ! [ -e "$HT/tree/lib/cse/cse-testcontract.so" ] || ! [ -e "$HT/tree/lib/cse/cse-testcontract2.so" ]; then
	fail "test elements present" "run selftests/host/run: it builds $HT/tree"
	echo "1..$T_N"
	exit 1
fi

expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want: $2" "got:  $3"; fi; }
run() { timeout -k 5 60 "$TREE_RUN" "$@" 2>&1; }
E2=(-e testcontract -e testcontract2)

# ---- exit hooks: order, mutable ret and buffers, only where handle ran
host=$(uname -n)
for mode in "" --no-rewrite; do
	tag=${mode:+ ($mode)}
	expect "uname -n: exits last first change the buffer$tag" "$host-testcontract2-testcontract" \
		"$(run $mode "${E2[@]}" -- uname -n)"
	expect "exit order, ret changed by each exit, priv per element$tag" "ret 2 log 211 111" \
		"$(run $mode "${E2[@]}" -- "$P" order 0)"
	expect "CSE_DONE by the last: both exits run$tag" "ret 2 log 211 111" \
		"$(run $mode "${E2[@]}" -- "$P" order 2)"
	expect "CSE_DONE by the first: later handle and exit skipped$tag" "ret 1 log 111" \
		"$(run $mode "${E2[@]}" -- "$P" order 1)"
	expect "reversed command line, reversed exits$tag" "ret 2 log 111 211" \
		"$(run $mode -e testcontract2 -e testcontract -- "$P" order 0)"
done
expect "python3 os.uname() through both exits" "$host-testcontract2-testcontract" \
	"$(run "${E2[@]}" -- python3 -c 'import os; print(os.uname().nodename)')"

# ---- exit hooks of clone, clone3, fork, vfork: both sides, against native
native=$("$PC")
for mode in "" --no-rewrite; do
	tag=${mode:+ ($mode)}
	for i in 1 2 3; do
		expect "clone family: exit() in parent (child's id) and child (0)$tag (run $i)" \
			"$native" "$(run $mode -e testcontract -- "$PC" hooked)"
	done
	expect "clone family: two elements, exits on both sides$tag" \
		"$native" "$(run $mode "${E2[@]}" -- "$PC" hooked)"
done
expect "clone failing in the kernel: the parent's exit() sees -EINVAL as natively" \
	"$("$PC" einval)" "$(run -e testcontract -- "$PC" einval)"
expect "clone failing in the kernel: the parent's exit() changes the errno" \
	"clone(CLONE_SIGHAND): $(python3 -c 'import os; print(os.strerror(1))')" \
	"$(run -e testcontract -- "$PC" einval mutate)"
got=$(run -e testcontract -- sh -c 'echo a | cat; (true) && /bin/true && echo b')
expect "sh pipelines and subshells with clone exits" "a
b" "$got"

# ---- scratch
expect "scratch: 8 x 4 KiB per call, 100000 calls, released each time" "scratch ok" \
	"$(run -e testcontract -- "$P" scratch 100000 8 4096)"
expect "scratch: 8 x 4 KiB, --no-rewrite, 20000 calls" "scratch ok" \
	"$(run --no-rewrite -e testcontract -- "$P" scratch 20000 8 4096)"
expect "scratch: odd sizes stay distinct and aligned" "scratch ok" \
	"$(run -e testcontract -- "$P" scratch 1000 40 13)"
expect "scratch: more than the arena is NULL" "call 0: $(python3 -c 'import os; print(os.strerror(12))')" \
	"$(run -e testcontract -- "$P" scratch 1 1 70000)"

# ---- the lock
for i in 1 2 3; do
	expect "lock: 8 threads x 3000 increments in the instance state (run $i)" "grew 24000" \
		"$(run -e testcontract -- "$P" inc 1 8 3000 200)"
	expect "lock: 4 processes x 4 threads x 1000 increments (run $i)" "grew 16000" \
		"$(run -e testcontract -- "$P" inc 4 4 1000 200)"
	expect "lock: process memory, 8 threads x 3000 (run $i)" "local 24000" \
		"$(run -e testcontract -- "$P" local 8 3000 200)"
done
expect "lock: 3 processes x 4 threads x 500, --no-rewrite" "grew 6000" \
	"$(run --no-rewrite -e testcontract -- "$P" inc 3 4 500 200)"
for mode in "" --no-rewrite; do
	tag=${mode:+ ($mode)}
	expect "lock: SIGUSR1 raised while held, handler re-enters: no deadlock$tag" \
		"grew 400 handled 200" "$(run $mode -e testcontract -- "$P" signal 200)"
	for i in 1 2 3; do
		got=$(run $mode -e testcontract -- "$P" alarm 20000 300)
		if [[ $got =~ ^exact\ [1-9][0-9]*$ ]]; then
			pass "lock: 100 us timer handler re-enters during locked calls$tag (run $i)"
		else
			fail "lock: 100 us timer handler re-enters during locked calls$tag (run $i)" "$got"
		fi
	done
done
expect "lock: a holder SIGKILLed (zombie) is taken over" "taken over" \
	"$(run -e testcontract -- "$P" dead)"

# ---- elements read application memory only through the copy services
got=$(run --trace-log="$HT/contract-trace.log" -- "$P" badpath)
if [ "$got" = "$("$P" badpath)" ] && grep -q 'openat([0-9]*, 0x8, ' "$HT/contract-trace.log"; then
	pass "trace: a bad path pointer is EFAULT as natively, logged as its address"
else
	fail "trace: a bad path pointer is EFAULT as natively, logged as its address" "$got" \
		"$(grep openat "$HT/contract-trace.log" 2>&1 | tail -n 3)"
fi

# ---- the light path (dispatch.c): path calls no element wants, with and
# without a path stage, against the full path (trace wants every number)
# and native: results and errnos identical, read both ways
LP=$HT/lightpath
LD=$HT/lightpath.d
rm -rf "$LD" && mkdir -p "$LD/dir" && printf 'hello\n' >"$LD/file" && ln -s file "$LD/link" &&
	ln -s loop "$LD/loop"
if gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$LP" "$TOP/selftests/host/progs/lightpath.c" \
	2>"$HT/contract-build.log"; then
	native=$("$LP" calls "$LD" 2>&1)
	for mode in "" --no-rewrite; do
		tag=${mode:+ ($mode)}
		expect "light path: path calls, no element$tag" "$native" "$(run $mode -- "$LP" calls "$LD")"
		expect "light path: path calls through a path stage (testroot)$tag" "$native" \
			"$(run $mode -e "testroot=$LD" -- "$LP" calls /cse-guest)"
	done
	expect "light path: the same calls on the full path (trace wants every number)" "$native" \
		"$(run --trace-log="$HT/contract-trace2.log" -e "testroot=$LD" -- "$LP" calls /cse-guest)"
else
	fail "build lightpath" "$(cat "$HT/contract-build.log")"
fi

# ---- the lock's cost, for the guide (user/elements/README.md)
echo "# $(run -e testcontract -- "$P" bench 200000)"

echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
