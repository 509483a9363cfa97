#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Signals arriving while the runtime runs (TAP). Each case runs natively
# and under cse-run (rewritten sites, --no-rewrite, and with the
# test-only testblock element whose handler blocks) and compares output
# and exit status:
#  - sigctx: SIGUSR1 from another thread during raw-syscall and libc
#    calls; the handler's ucontext rip/rsp lie in the program, libc or
#    vDSO and the main stack, rax is the call's result; then the same
#    with siglongjmp out of the handler, after which threads, fork and
#    the signal mask still work. Several runs each: racy by design.
#  - sigblock: a signal during a blocking pipe read (in the core or in
#    testblock's handler) runs the handler before the data arrives; the
#    read returns EINTR without SA_RESTART and is restarted with it, the
#    handler seeing the syscall as the kernel shows it.
#  - sigact: sigaction read-back, SA_RESETHAND, SA_NODEFER, sa_mask.
#  - plainpath: the fast path's plain calls (made from entry.S with the
#    application's registers): every register and the flags kept under a
#    storm of signals with and without SA_RESTART, handlers only ever
#    interrupting the program's code; a raw FUTEX_WAIT restarted or
#    ended with EINTR; seccomp RET_TRAP and RET_ERRNO on rewritten sites
#    (the SIGSYS handler sees the site's own address).
#  - lightpath: the same for path calls on the light path under the
#    testroot path stage (the handler sees the application's own path
#    pointer, not the translated copy).
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
TREE_RUN=${TREE_RUN:-$HT/tree/bin/cse-run}
RUNS=${SIG_RUNS:-4}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

W=$(mktemp -d "$HT/tmp.signals.XXXXXX")
trap 'rm -rf "$W"' EXIT

# same NAME RUNS CSE_RUN_ARGS -- PROG ARGS: native vs cse, RUNS times
same() {
	local name=$1 runs=$2 i bad=
	shift 2
	local -a cse=()
	while [ "$1" != "--" ]; do cse+=("$1"); shift; done
	shift
	capture "$W/nat" "$@"
	for ((i = 0; i < runs; i++)); do
		capture "$W/cse" "${cse[@]}" -- "$@"
		if ! cmp -s "$W/nat/out" "$W/cse/out" || [ "$(cat "$W/nat/rc")" != "$(cat "$W/cse/rc")" ]; then
			bad="run $((i + 1)) of $runs differs (rc $(cat "$W/nat/rc") vs $(cat "$W/cse/rc"))"
			break
		fi
	done
	if [ -z "$bad" ]; then
		pass "$name"
	else
		fail "$name" "$bad" "native:" "$(cat "$W/nat/out")" "cse:" "$(cat "$W/cse/out")" \
			"$(tail -n 5 "$W/cse/err")"
	fi
}

for p in sigctx sigblock sigact plainpath; do
	if [ ! -x "$HT/$p" ]; then
		fail "build $p" "missing $HT/$p (built by selftests/host/run)"
		exit 1
	fi
done

same "handler context during trapped and fast-path calls" "$RUNS" "$CSE_RUN" -- "$HT/sigctx" ctx 30000
same "handler context, SUD traps only" 2 "$CSE_RUN" --no-rewrite -- "$HT/sigctx" ctx 10000
same "siglongjmp out of handlers interrupting calls" "$RUNS" "$CSE_RUN" -- "$HT/sigctx" jmp 600
same "siglongjmp out of handlers, SUD traps only" 2 "$CSE_RUN" --no-rewrite -- "$HT/sigctx" jmp 300
for mode in norestart restart; do
	same "blocking read interrupted ($mode)" 1 "$CSE_RUN" -- "$HT/sigblock" $mode
	same "blocking read interrupted ($mode), SUD traps only" 1 "$CSE_RUN" --no-rewrite -- \
		"$HT/sigblock" $mode
	if [ -x "$TREE_RUN" ] && [ -e "$(dirname "$TREE_RUN")/../lib/cse/cse-testblock.so" ]; then
		same "blocking element handler interrupted ($mode)" 2 "$TREE_RUN" -e testblock -- \
			"$HT/sigblock" $mode
		same "blocking element handler interrupted ($mode), SUD traps only" 1 "$TREE_RUN" \
			--no-rewrite -e testblock -- "$HT/sigblock" $mode
	else
		skip "blocking element handler interrupted ($mode)" "no test tree with cse-testblock.so"
	fi
done
same "plain fast-path calls keep registers and flags under a signal storm" "$RUNS" \
	"$CSE_RUN" -- "$HT/plainpath" regs 20000
for mode in restart norestart; do
	same "raw FUTEX_WAIT on the plain path interrupted ($mode)" 2 "$CSE_RUN" -- \
		"$HT/plainpath" futex $mode
done
same "seccomp RET_TRAP and RET_ERRNO on rewritten sites" 2 "$CSE_RUN" -- "$HT/plainpath" seccomp 20
# The same on the light path (dispatch.c) of path calls, with a path stage:
# the handler sees the application's own site, number and path pointer.
LP=$W/lightpath
mkdir -p "$W/root" && printf 'hello\n' >"$W/root/file"
if gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$LP" "$TOP/selftests/host/progs/lightpath.c" \
	2>"$W/lp-build.log"; then
	capture "$W/nat" "$LP" seccomp 20 "$W/root"
	for mode in "" --no-rewrite; do
		name="seccomp RET_TRAP and RET_ERRNO of path calls under a path stage (testroot)${mode:+ ($mode)}"
		if [ ! -x "$TREE_RUN" ] || [ ! -e "$(dirname "$TREE_RUN")/../lib/cse/cse-testroot.so" ]; then
			skip "$name" "no test tree with cse-testroot.so"
			continue
		fi
		capture "$W/cse" "$TREE_RUN" $mode -e "testroot=$W/root" -- "$LP" seccomp 20 /cse-guest
		if cmp -s "$W/nat/out" "$W/cse/out" && [ "$(cat "$W/nat/rc")" = "$(cat "$W/cse/rc")" ] &&
			grep -q "trapped 20;.*bad 0" "$W/nat/out"; then
			pass "$name"
		else
			fail "$name" "native:" "$(cat "$W/nat/out")" "cse:" "$(cat "$W/cse/out")" \
				"$(tail -n 5 "$W/cse/err")"
		fi
	done
else
	fail "build lightpath" "$(cat "$W/lp-build.log")"
fi
same "sigaction read-back, SA_RESETHAND, SA_NODEFER, sa_mask" 1 "$CSE_RUN" -- "$HT/sigact"
same "sigaction semantics, SUD traps only" 1 "$CSE_RUN" --no-rewrite -- "$HT/sigact"
[ "$T_FAIL" -eq 0 ]
