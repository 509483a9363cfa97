#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# fds.t: the runtime's own descriptors are free numbers to the program, and
# pidfds work as natively. Each case runs natively once, then under cse-run
# pass-through, --no-rewrite, every element on, and --trace-log=FILE;
# stdout, stderr and exit status must equal native, and files the program
# wrote must hold the same bytes (a trace line in them is a failure).
#
#   fds        /proc/self/fd, fdinfo, thread-self, /proc/PID[/task/TID]
#              listings and links, /dev/fd; EBADF on every call naming a
#              runtime fd; F_DUPFD near the limit; close_range; dup2/dup3
#              onto every number; closing every listed fd; lowering
#              RLIMIT_NOFILE; exec after all that
#   pidfd      pidfd_open, poll, waitid(P_PIDFD), pidfd_send_signal,
#              pidfd_getfd (also of another process of the application),
#              clone/clone3 with CLONE_PIDFD (fork, vfork-style, thread),
#              PIDFD_THREAD, from the main thread and from another thread
#   fd_race    threads dup2/dup3 onto the runtime's numbers while others
#              make calls (trace lines), FD_RACE_RUNS times per variant
#   fd_low     opens one by one up to 1100, closes, reopens, dup2 and
#              F_DUPFD around 1000 (where the runtime's fds sit until the
#              program comes within 64), /proc/self/fd listings, execs
#              before and after, dup2 onto 1000 in a fresh image
#   fd_spawn   posix_spawn (CLONE_VM|CLONE_VFORK) whose file actions dup2
#              onto the runtime's numbers; the parent goes on as natively
#   python3    subprocess close_fds/pass_fds, closing listed fds, closerange
#   bash       exec {fd}>&- loops, redirections onto every high number
#   ls -l      ls -l /proc/self/fd
#
#   ls -l (sh) the same, ls started by an exec inside the application
#   ulimit     an exec with three free descriptors left
#
# Variants: pass-through, --no-rewrite, every element, --trace-log, and
# fs (--overlay with the work directory bound: a path stage and an
# element tracking descriptors).
#
# Env: TOP, CSE_RUN, HT (from selftests/host/run); FD_RACE_RUNS (20).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
RUNS=${FD_RACE_RUNS:-20}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

# Not under $HT: a concurrent selftests/host/run clears $HT/tmp.* there.
W=$(mktemp -d "${TMPDIR:-/tmp}/cse-fds-t.XXXXXX")
trap 'rm -rf "$W"' EXIT
B=$W/bin
mkdir -p "$B"
cflags=(-std=gnu11 -O2 -g -Wall -Wextra -Werror)
built=1
for p in fds pidfd fd_race fd_spawn fd_low; do
	gcc "${cflags[@]}" -o "$B/$p" "$TOP/selftests/host/progs/$p.c" -lpthread >>"$W/build.log" 2>&1 ||
		built=0
done
if [ $built = 1 ]; then
	pass "build fd and pidfd test programs"
else
	fail "build fd and pidfd test programs" "$(cat "$W/build.log")"
	exit 0
fi

VARIANTS=(pass norw all tracelog fs)
variant_args() { # VARIANT: cse-run arguments
	case $1 in
	pass) echo "--" ;;
	norw) echo "--no-rewrite --" ;;
	all) echo "${CSE_ALL_ELEMENTS[*]} --" ;;
	tracelog) echo "--trace-log=$W/trace.log --" ;;
	# the path stage and the fs element's descriptor table (its light
	# paths for fstat and close); the program's file in a bind
	fs) mkdir -p "$W/upper" && echo "--overlay $W/upper --bind $W:$W --" ;;
	esac
}

# run DIR PREFIX SNIPPET: the snippet with $R the prefix ("" natively) and
# $F a fresh file for the program; a soft fd limit of 1024, as a login
# shell's, puts the runtime's fds at known numbers (992 and up).
run() {
	local dir=$1 prefix=$2 snip=$3
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$W" && R="$prefix" F="$dir/file" TOP="$TOP" B="$B" \
		capture "$dir" bash -c "ulimit -S -n 1024; $snip")
	[ -e "$dir/file" ] || : >"$dir/file"
}

same() { # A B: why runs A and B differ, if they do
	cmp -s "$1/rc" "$2/rc" || echo "exit status: native $(cat "$1/rc"), cse $(cat "$2/rc")"
	cmp -s "$1/out" "$2/out" || { echo "stdout differs:"; diff "$1/out" "$2/out" | head -n 12; }
	cmp -s "$1/err" "$2/err" || { echo "stderr differs:"; diff "$1/err" "$2/err" | head -n 12; }
	cmp -s "$1/file" "$2/file" || echo "the program's file differs ($(wc -c <"$1/file") vs $(wc -c <"$2/file") bytes)"
}

# case NAME TIMES SNIPPET: native once, then TIMES runs per variant.
case_() {
	local name=$1 times=$2 snip=$3 v i why
	run "$W/native" "" "$snip"
	if [ "$(cat "$W/native/rc")" != 0 ]; then
		fail "fds: $name: native run" "rc $(cat "$W/native/rc")" "$(head -n 5 "$W/native/err")"
		return
	fi
	for v in "${VARIANTS[@]}"; do
		why=()
		for ((i = 0; i < times; i++)); do
			rm -f "$W/trace.log"
			# shellcheck disable=SC2046
			run "$W/cse" "$CSE_RUN $(variant_args "$v")" "$snip"
			mapfile -t why < <(same "$W/native" "$W/cse")
			if [ "$v" = tracelog ] && ! [ -s "$W/trace.log" ]; then
				why+=("--trace-log wrote nothing")
			fi
			[ ${#why[@]} -eq 0 ] || { why=("run $((i + 1)) of $times:" "${why[@]}"); break; }
		done
		if [ ${#why[@]} -eq 0 ]; then
			pass "fds: $name [$v]$([ "$times" -gt 1 ] && echo " ($times runs)")"
		else
			fail "fds: $name [$v]" "${why[@]}"
		fi
	done
}

case_ "descriptor table, /proc views, dup2 onto every number" 1 '$R "$B/fds" "$F"'
case_ "opens, dups, execs around the runtime's low range" 1 '$R "$B/fd_low"'
case_ "pidfd calls from the main thread and a thread" 3 '$R "$B/pidfd"'
case_ "threads dup2 onto the runtime's numbers during calls" "$RUNS" '$R "$B/fd_race" "$F"'
case_ "posix_spawn with dup2 onto the runtime's numbers" 10 '$R "$B/fd_spawn" "$F"'
case_ "python3 subprocess close_fds and closing listed fds" 1 \
	'$R /usr/bin/python3 "$TOP/selftests/host/data/fds.py"'
case_ "bash exec {fd}>&- loops and high redirections" 1 \
	'$R /bin/bash "$TOP/selftests/host/data/fds.sh" "$F"'
# Link targets name this run's files and pids: keep modes, numbers, kinds.
case_ "ls -l /proc/self/fd" 1 \
	'$R ls -l /proc/self/fd </dev/null 2>/dev/null | awk "{print \$1, \$9, \$10, \$11}" |
	sed -E "s/[0-9]+\]/N]/; s|/proc/[0-9]+/|/proc/N/|"'
# Near the open files limit: the program and its interpreter, opened for
# the loader, take the numbers the boot block would use (exec.t has the
# tighter case, the interpreter on the agreed number): the exec still
# runs, with every element, and nothing is left open.
case_ "exec with 3 free descriptors (ulimit -n 9)" 1 \
	'$R /bin/bash -c "for ((i = 3; i < 300; i++)); do eval \"exec \$i>&-\"; done
	ulimit -n 9; exec 3</dev/null 4</dev/null 5</dev/null; /bin/echo hi; ls /proc/self/fd"'
# Started by an exec inside the application (the runtime hands the loader
# the program and its interpreter open): nothing of that left open.
case_ "ls -l /proc/self/fd exec'd by sh" 1 \
	'$R sh -c "ls -l /proc/self/fd; :" </dev/null 2>/dev/null |
	awk "{print \$1, \$9, \$10, \$11}" | sed -E "s/[0-9]+\]/N]/; s|/proc/[0-9]+/|/proc/N/|"'
