#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# procview.t: what /proc shows of a program run under cse-run, compared
# byte for byte with the same program run natively in the same test.
#
#  self    progs/procself.c prints its argv, /proc/self/{cmdline,comm,
#          environ,stat,status}, each thread's comm and AT_EXECFN: dynamic,
#          static and static-pie programs, argv[0] different from the
#          path, "#!" scripts and a chain of them, exec inside the
#          application (execv, bash's exec -a, execveat relative to a
#          directory, fexecve of a program and of a script, re-exec
#          through /proc/self/exe), a name longer than comm's 15 bytes,
#          python3 reading sys.argv and /proc/self/cmdline
#  others  a sleeping program under a private name, found from outside
#          by ps -o comm=,args=, pgrep NAME, pgrep -f, pidof, top -b -n1,
#          /proc/PID/*, then killed with killall NAME
#
# Variants: cse-run -- (cse), --no-rewrite (norw), every element on (all).
# Prints TAP; env: TOP, CSE_RUN, HT (from selftests/host/run).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
# Not under $HT: a concurrent selftests/host/run clears $HT/tmp.* there.
W=$(mktemp -d "${TMPDIR:-/tmp}/cse-procview-t.XXXXXX")
BG=()
cleanup() {
	for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1

VARIANTS=(cse norw all)
prefix() {
	case $1 in
	native) P=() ;;
	cse) P=("$CSE_RUN" --) ;;
	norw) P=("$CSE_RUN" --no-rewrite --) ;;
	all) P=("$CSE_RUN" "${CSE_ALL_ELEMENTS[@]}" --) ;;
	esac
}
# A small fixed environment, so `_` and friends are the same both ways.
ENV=(env -i "PATH=$W:/usr/bin:/bin" "HOME=$W" "LC_ALL=C" "PV_VAR=a b=c" "PV_EMPTY=")

cflags=(-std=gnu11 -O2 -Wall -Wextra -Werror)
src=$TOP/selftests/host/progs/procself.c
if ! { gcc "${cflags[@]}" -o procself "$src" -lpthread &&
	gcc "${cflags[@]}" -static -o procself-static "$src" -lpthread &&
	gcc "${cflags[@]}" -static-pie -o procself-spie "$src" -lpthread; } >cc.log 2>&1; then
	fail "procview: build procself" "$(cat cc.log)"
	echo "1..$T_N"
	exit 1
fi
cp procself procself-with-a-long-name
printf '#!%s/procself -o\n' "$W" >pv-script.sh
printf '#!%s/pv-script.sh\n' "$W" >pv-chain.sh
chmod 755 pv-script.sh pv-chain.sh

# self NAME CMD...: CMD run natively and in each variant, outputs compared.
self() {
	local name=$1 v
	shift
	capture "$W/n" "${ENV[@]}" "$@"
	for v in "${VARIANTS[@]}"; do
		prefix "$v"
		capture "$W/c" "${ENV[@]}" "${P[@]}" "$@"
		compare "self[$v]: $name" "$W/n" "$W/c" all
	done
}

self "dynamic program found in PATH (argv[0] as typed)" procself a "b c" ''
self "static program" "$W/procself-static" x
self "static-pie program" "$W/procself-spie" x
self "relative path ./procself" ./procself r
self "name longer than 15 bytes" procself-with-a-long-name l
self "exec inside the application, argv[0] not the path" procself --exec "$W/procself" custom0 x
self "bash exec -a" bash -c 'exec -a "my name" "$0" y' "$W/procself"
self "exec of a static program inside the application" procself --exec "$W/procself-static" s
self "'#!' script" pv-script.sh s1 "s 2"
self "'#!' script by absolute path" "$W/pv-script.sh" s1
self "'#!' chain of two scripts" pv-chain.sh c1
self "'#!' script exec'd inside the application" sh -c 'exec pv-script.sh e1'
self "'#!' chain exec'd inside the application" procself --exec "$W/pv-chain.sh" ignored c2
self "execveat relative to a directory fd" procself --execat "$W" procself z
self "execveat of a script relative to a directory fd" procself --execat "$W" pv-script.sh z
self "execveat relative to a close-on-exec directory fd" procself --execat-cloexec "$W" procself z
self "execveat of a script relative to a close-on-exec fd (ENOENT)" \
	procself --execat-cloexec "$W" pv-script.sh z
self "fexecve of a program" procself --fexec "$W/procself" f
self "fexecve of a script" procself --fexec "$W/pv-script.sh" f
self "re-exec through /proc/self/exe" procself --exec /proc/self/exe selfexe q
if command -v python3 >/dev/null; then
	self "python3 reads sys.argv and /proc/self" python3 -c '
import os, sys
print(sys.argv)
print(open("/proc/self/cmdline", "rb").read())
print(open("/proc/self/comm").read().strip(), open("/proc/%d/stat" % os.getpid()).read().split(" ")[1])
print(open("/proc/self/environ", "rb").read() == b"".join(
    k + b"=" + v + b"\0" for k, v in os.environb.items()))' p1 "p 2"
else
	skip "self: python3 reads sys.argv and /proc/self" "python3 missing"
fi

# The boot block's agreed fd (the open files limit - 1, at most 1023):
# an application fd already there stays, at start and across exec; a
# close-on-exec one is gone after exec as natively.
fdat() {
	local name=$1 lim=$2 fd=$3 v
	local setup='ulimit -n "$1"; eval "exec $2</etc/hostname"; shift 2; exec "$@"'
	local prog=(sh -c "readlink /proc/\$\$/fd/$fd; exec readlink /proc/self/fd/$fd")
	capture "$W/n" bash -c "$setup" bash "$lim" "$fd" "${ENV[@]}" "${prog[@]}"
	for v in "${VARIANTS[@]}"; do
		prefix "$v"
		capture "$W/c" bash -c "$setup" bash "$lim" "$fd" "${ENV[@]}" "${P[@]}" "${prog[@]}"
		compare "self[$v]: $name" "$W/n" "$W/c" all
	done
}
fdat "an inherited fd at 1023 stays at start and across exec" 4096 1023
fdat "an inherited fd at 63 stays (open files limit 64)" 64 63
if command -v python3 >/dev/null; then
	self "a close-on-exec fd at 1023 is closed by exec" python3 -c '
import os
fd = os.open("/etc/hostname", os.O_RDONLY | os.O_CLOEXEC)
os.dup2(fd, 1023, inheritable=False)
os.execvp("sh", ["sh", "-c", "readlink /proc/self/fd/1023 || echo gone"])'
fi

# ---------------------------------------------------------------- others
# What other processes see, the pid replaced by PID: ps, pgrep, pidof,
# top, /proc/PID, then killall. $1: the name to look for; $2: the pid.
look() {
	local name=$1 pid=$2 comm=${1:0:15}
	{
		echo "ps: $(ps -o comm=,args= -p "$pid")"
		echo "pgrep: $(pgrep -x "$comm")"
		echo "pgrep -f: $(pgrep -f "$name 3[0-9]")"
		echo "pidof: $(pidof "$name")"
		echo "pidof -x: $(pidof -x "$name")"
		echo "top: $(top -b -n1 -w 512 -p "$pid" | awk -v p="$pid" '$1 == p { print $NF }')"
		echo "top -c: $(top -b -c -n1 -w 512 -p "$pid" | awk -v p="$pid" '$1 == p { $1 = ""; for (i = 2; i < 12; i++) $i = ""; print }')"
		echo "comm: $(cat "/proc/$pid/comm")"
		echo "stat: $(sed -E 's/^[0-9]+ \((.*)\) .*/\1/' "/proc/$pid/stat")"
		echo "tasks: $(cat /proc/"$pid"/task/*/comm | sort | uniq -c)"
		echo "cmdline: $(od -An -c "/proc/$pid/cmdline" | tr -s ' ')"
		echo "environ: $(od -An -c "/proc/$pid/environ" | tr -s ' ')"
	} 2>&1 | sed "s/\b$pid\b/PID/g"
}

# others NAME KIND: start $W/NAME (a copy of sleep, or for KIND script a
# "#!/bin/sh" script running sleep) natively and in each variant, look at
# it, killall it.
# Extra words run both ways in front (setpriv: another user).
others() {
	local label=$1 name=$2 how=$3 v pid st out
	shift 3
	for v in native "${VARIANTS[@]}"; do
		prefix "$v"
		case $how in
		direct) "$@" "${ENV[@]}" "${P[@]}" "$name" 31 </dev/null >/dev/null 2>&1 & ;;
		exec)   "$@" "${ENV[@]}" "${P[@]}" sh -c "exec $name 32" </dev/null >/dev/null 2>&1 & ;;
		esac
		pid=$!
		BG+=("$pid")
		# Under cse the process is cse-run, then the loader, then NAME.
		for _ in $(seq 600); do
			[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${name:0:15}" ] && break
			sleep 0.05
		done
		sleep 0.2	# the script's shell starts its sleep child
		look "$name" "$pid" >"$W/look.$v"
		killall -q "$name"
		wait "$pid" 2>/dev/null
		st=$?
		echo "killall: status $st" >>"$W/look.$v"
		if [ "$v" = native ]; then
			continue
		fi
		if out=$(diff "$W/look.native" "$W/look.$v"); then
			pass "others[$v]: $label"
		else
			fail "others[$v]: $label" "$out"
		fi
	done
}

if ! command -v ps >/dev/null || ! command -v pgrep >/dev/null || ! command -v pidof >/dev/null ||
	! command -v top >/dev/null || ! command -v killall >/dev/null; then
	skip "others: ps, pgrep, pidof, top, killall" "procps or psmisc missing (scripts/install-deps)"
else
	sl=cse-pv-$$
	cp "$(command -v sleep)" "$W/$sl"
	others "ps, pgrep, pidof, top, /proc/PID, killall find the program" "$sl" direct
	others "after exec inside the application" "$sl" exec
	long=cse-pv-long-name-$$
	cp "$(command -v sleep)" "$W/$long"
	others "a name longer than 15 bytes" "$long" direct
	scr=cse-pv-sh-$$
	printf '#!/bin/sh\nsleep "$1"\n' >"$W/$scr"
	chmod 755 "$W/$scr"
	others "a '#!' script (pidof -x)" "$scr" direct
	# Without CAP_SYS_RESOURCE /proc/PID/exe keeps naming the loader;
	# the tools must find the program all the same.
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		chmod 755 "$W"
		others "run by another user (nobody)" "$sl" direct \
			setpriv --reuid=65534 --regid=65534 --clear-groups
	else
		skip "others: run by another user (nobody)" "needs root and setpriv"
	fi
fi

echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
