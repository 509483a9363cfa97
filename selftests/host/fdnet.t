#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# fdnet.t: the descriptor table service and the socket-address stage,
# through the test-only elements of selftests/host/elements run by the
# second install tree ($TREE_RUN, built by selftests/host/run):
#
#   fdtable   progs/fdtable.c under -e testfd=LOG: dup, dup2 over a
#             tracked fd, dup3, F_DUPFD[_CLOEXEC], close, close_range with
#             and without CLOSE_RANGE_CLOEXEC, dup2 onto the runtime's
#             hidden numbers, fork, SCM_RIGHTS, pidfd_getfd, exec with and
#             without close-on-exec, posix_spawn (a vfork child) with file
#             actions; clone(CLONE_VM) without CLONE_FILES refused (EINVAL)
#             only while descriptors are tracked; quiet descriptors
#             (fd_quiet): fchmod skips the element on a marked one.
#             stdout must equal native; the element's log must equal the
#             expected one below (with and without --no-rewrite)
#   netstage  progs/netstage.c under -e testnet=OFFSET, against a native
#             peer: TCP and UDP, IPv4 and IPv6, bind/listen/getsockname,
#             connect, accept, getpeername, recvfrom, sendmsg/recvmsg,
#             sendmmsg/recvmmsg, truncated address buffers, EFAULT; the
#             host's view (/proc/net) shows host ports. stdout must equal
#             the native run's (where OFFSET is 0); without the element
#             the same checks must fail (the test can tell)
#
# Env: TOP, CSE_RUN, HT, TREE_RUN (from selftests/host/run).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HT=${HT:-$TOP/build/host-tests}
TREE_RUN=${TREE_RUN:-$HT/tree/bin/cse-run}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/cse-fdnet-t.XXXXXX")
peer_pid=
cleanup() {
	[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
B=$W/bin
mkdir -p "$B"
built=1
for p in fdtable netstage; do
	gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$B/$p" "$TOP/selftests/host/progs/$p.c" \
		>>"$W/build.log" 2>&1 || built=0
done
if [ $built = 1 ]; then
	pass "build fdtable and netstage"
else
	fail "build fdtable and netstage" "$(cat "$W/build.log")"
	exit 0
fi
if ! [ -x "$TREE_RUN" ] || ! [ -e "$(dirname "$TREE_RUN")/../lib/cse/cse-testfd.so" ]; then
	skip "descriptor table and socket-address stage" "no test tree at $TREE_RUN (run selftests/host/run)"
	exit 0
fi

# ---------------------------------------------------------------- fdtable
cat >"$W/fdtable.expected" <<'END'
mark start
open 3 tfd-a
open 4 tfd-b
open 5 tfd-c
mark dup
dup 3 6 tfd-a
get 6 tfd-a
mark dup2-over
closed 4 tfd-b
dup 3 4 tfd-a
get 4 tfd-a
mark dup2-same
mark dup3
dup 5 10 tfd-c
mark dupfd
dup 4 20 tfd-a
dup 3 7 tfd-a
mark close
closed 6 tfd-a
get 6 -
closed 7 tfd-a
mark close-range
open 6 tfd-x
open 7 tfd-y
open 8 tfd-z
closed 6 tfd-x
closed 7 tfd-y
get 8 tfd-z
mark close-range-cloexec
get 8 tfd-z
mark hidden
dup 3 992 tfd-a
dup 3 993 tfd-a
dup 3 994 tfd-a
dup 3 995 tfd-a
get 992 tfd-a
get 993 tfd-a
get 994 tfd-a
get 995 tfd-a
closed 992 tfd-a
closed 993 tfd-a
closed 994 tfd-a
closed 995 tfd-a
mark fork
mark child
get 3 tfd-a
dup 3 9 tfd-a
closed 4 tfd-a
get 9 tfd-a
get 4 -
mark parent
get 4 tfd-a
get 9 -
mark scm
received 9
get 9 rcvd
mark scm-mmsg
received 11
get 11 rcvd
closed 11 rcvd
mark pidfd-getfd
received 7
get 7 rcvd
closed 7 rcvd
mark exec
closed 5 tfd-c
closed 8 tfd-z
closed 10 tfd-c
closed 20 tfd-a
mark after-exec
get 3 tfd-a
get 4 tfd-a
get 5 -
get 9 rcvd
get 10 -
mark spawn
mark spawned
get 3 tfd-a
get 4 -
get 9 rcvd
get 11 -
mark spawn-parent
get 4 tfd-a
get 11 -
END

same_run() { # A B: why runs A and B differ, if they do
	cmp -s "$1/rc" "$2/rc" || echo "exit status: native $(cat "$1/rc"), cse $(cat "$2/rc")"
	cmp -s "$1/out" "$2/out" || { echo "stdout differs:"; diff "$1/out" "$2/out" | head -n 12; }
	cmp -s "$1/err" "$2/err" || { echo "stderr differs:"; diff "$1/err" "$2/err" | head -n 12; }
}

# A soft limit of 1024 puts the runtime's fds at 992 and up (fds.t).
fdrun() { # DIR PREFIX...
	local d=$1
	shift
	rm -rf "$d"
	mkdir -p "$d/files"
	# The expected log names fd numbers: start with only 0-2 open, whatever
	# the caller inherited (a flock(1) around the suite holds fd 3).
	capture "$d" bash -c 'ulimit -S -n 1024
		for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done
		exec "$@"' - "$@" "$B/fdtable" "$d/files" $fdmode
}
fdmode=""
fdrun "$W/native"
if [ "$(cat "$W/native/rc")" != 0 ]; then
	fail "fdtable: native run" "rc $(cat "$W/native/rc")" "$(cat "$W/native/err")"
else
	for v in "" --no-rewrite; do
		why=()
		for i in 1 2 3; do
			fdrun "$W/cse" "$TREE_RUN" $v -e "testfd=$W/cse/log" --
			mapfile -t why < <(same_run "$W/native" "$W/cse")
			if ! cmp -s "$W/fdtable.expected" "$W/cse/log"; then
				why+=("the element's log differs from the expected one:"
				      "$(diff "$W/fdtable.expected" "$W/cse/log" | head -n 20)")
			fi
			[ ${#why[@]} -eq 0 ] || { why=("run $i of 3:" "${why[@]}"); break; }
		done
		if [ ${#why[@]} -eq 0 ]; then
			pass "fdtable: dup, dup2 over a tracked fd, close_range, fork, SCM_RIGHTS, exec, spawn${v:+ [$v]}"
		else
			fail "fdtable: dup, dup2 over a tracked fd, close_range, fork, SCM_RIGHTS, exec, spawn${v:+ [$v]}" "${why[@]}"
		fi
	done
fi

# Quiet descriptors (services.h fd_quiet): fchmod of a marked one, of its
# dup and in a forked child reaches no handler; of an unmarked file on
# the reused number, of an untracked descriptor and of -1 it does.
cat >"$W/quiet.expected" <<'END'
mark quiet
open 3 tfq-a
dup 3 4 tfq-a
closed 3 tfq-a
open 3 tfd-b
fchmod 3
closed 3 tfd-b
fchmod 3
fchmod -1
mark done
END
fdmode=quiet
fdrun "$W/qnative"
for v in "" --no-rewrite; do
	fdrun "$W/cse" "$TREE_RUN" $v -e "testfd=$W/cse/log" --
	mapfile -t why < <(same_run "$W/qnative" "$W/cse")
	cmp -s "$W/quiet.expected" "$W/cse/log" ||
		why+=("the element's log differs from the expected one:"
		      "$(diff "$W/quiet.expected" "$W/cse/log" | head -n 20)")
	if [ ${#why[@]} -eq 0 ] && [ "$(cat "$W/qnative/rc")" = 0 ]; then
		pass "fdtable: quiet descriptors: dup, fork, close, reuse${v:+ [$v]}"
	else
		fail "fdtable: quiet descriptors: dup, fork, close, reuse${v:+ [$v]}" \
			"native rc $(cat "$W/qnative/rc")" "${why[@]}"
	fi
done
fdmode=

# clone(CLONE_VM) without CLONE_FILES: refused while descriptors are
# tracked (the table is memory the child would share, fdtable.c), made
# as natively otherwise.
expect "fdtable: clone(CLONE_VM) without CLONE_FILES, descriptors tracked: EINVAL" \
	"clone(CLONE_VM): EINVAL" \
	"$(timeout -k 5 60 "$TREE_RUN" -e "testfd=$W/clonevm.log" -- "$B/fdtable" "$W" clonevm 2>&1)"
expect "fdtable: clone(CLONE_VM) without CLONE_FILES, nothing tracked: as natively" \
	"$("$B/fdtable" "$W" clonevm 2>&1)" \
	"$(timeout -k 5 60 "$TREE_RUN" -- "$B/fdtable" "$W" clonevm 2>&1)"

# ---------------------------------------------------------------- netstage
Q=1000
# start_peer PORT: a native peer listening on 127.0.0.1:PORT.
start_peer() {
	: >"$W/peer.out"
	"$B/netstage" peer "$1" >"$W/peer.out" 2>&1 &
	peer_pid=$!
	for _ in $(seq 50); do
		grep -q ready "$W/peer.out" && return 0
		kill -0 "$peer_pid" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
stop_peer() {
	[ -n "$peer_pid" ] && { kill "$peer_pid" 2>/dev/null; wait "$peer_pid" 2>/dev/null; }
	peer_pid=
}
# netrun DIR OFFSET PEERPORT PREFIX...: main against a native peer.
netrun() {
	local d=$1 off=$2 pp=$3
	shift 3
	rm -rf "$d"
	mkdir -p "$d"
	if ! start_peer "$pp"; then
		echo 99 >"$d/rc"
		echo "peer did not start on port $pp: $(cat "$W/peer.out")" >"$d/err"
		: >"$d/out"
		return
	fi
	capture "$d" "$@" "$B/netstage" main "$base" "$peer" "$off"
	stop_peer
}
ok=0
for attempt in 1 2 3; do
	base=$((20000 + RANDOM % 10000))	# below the ephemeral ports, with +Q too
	peer=$((base + 10))
	netrun "$W/nnative" 0 "$peer"
	[ "$(cat "$W/nnative/rc")" = 0 ] && { ok=1; break; }
done
if [ $ok = 0 ]; then
	fail "netstage: native run" "rc $(cat "$W/nnative/rc")" "$(cat "$W/nnative/err")" \
		"$(cat "$W/nnative/out")"
	exit 0
fi
if grep -q NO "$W/nnative/out"; then
	fail "netstage: native run checks itself" "$(grep NO "$W/nnative/out")"
fi
for v in "" --no-rewrite; do
	netrun "$W/ncse" "$Q" $((peer + Q)) "$TREE_RUN" $v -e "testnet=$Q" --
	mapfile -t why < <(same_run "$W/nnative" "$W/ncse")
	name="netstage: TCP/UDP, IPv4/IPv6 addresses translated both ways, truncation, mmsg, native peer${v:+ [$v]}"
	if [ ${#why[@]} -eq 0 ]; then pass "$name"; else fail "$name" "${why[@]}"; fi
done
# Without the element, a program expecting the offset must see it missing.
netrun "$W/nnone" "$Q" $((peer + Q)) "$TREE_RUN" --
if grep -q "host lists base+0+offset: NO" "$W/nnone/out" &&
	grep -q "peer saw our port + offset: NO" "$W/nnone/out"; then
	pass "netstage: without testnet the offset checks fail"
else
	fail "netstage: without testnet the offset checks fail" "$(head -n 20 "$W/nnone/out")"
fi
