# shellcheck shell=bash
# TAP helpers for selftests/host/run.
#
#   pass NAME / fail NAME [DIAG...] / skip NAME WHY  (also ok, notok)
#   expect NAME WANT GOT             pass when GOT is WANT
#   t_done                           print the plan; exit status 1 on failures
#   check_err NAME RC REGEX CMD...   CMD exits RC and prints exactly one
#                                    "cse-run: ..." line matching REGEX,
#                                    optionally followed by "hint: ..." lines
#   compare NAME DIR_A DIR_B MODE    compare captured runs (MODE: all|stdout)
#   capture DIR CMD...               run CMD, store out/err/rc in DIR

T_N=0
T_FAIL=0

pass() {
	T_N=$((T_N + 1))
	echo "ok $T_N $1"
}

fail() {
	local name=$1
	shift
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N $name"
	for l in "$@"; do
		printf '%s\n' "$l" | head -n 20 | sed 's/^/#   /'
	done
}

skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N $1 # SKIP $2"
}

ok() { pass "$@"; }
notok() { fail "$@"; }

expect() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "want: $2" "got:  $3"
	fi
}

t_done() {
	echo "1..$T_N"
	[ "$T_FAIL" = 0 ]
}

# The run's time limit per command: a hang is a failure, not a stuck suite.
T_TIMEOUT=${T_TIMEOUT:-60}

capture() {
	local dir=$1
	shift
	mkdir -p "$dir"
	timeout -k 5 "$T_TIMEOUT" "$@" >"$dir/out" 2>"$dir/err" </dev/null
	echo $? >"$dir/rc"
}

check_err() {
	local name=$1 rc=$2 re=$3 d
	shift 3
	d=$(mktemp -d "$HT/tmp.XXXXXX")
	capture "$d" "$@"
	local got nl first rest
	got=$(cat "$d/rc")
	nl=$(wc -l <"$d/err")
	first=$(head -n 1 "$d/err")
	rest=$(tail -n +2 "$d/err" | grep -cv '^hint: ')
	if [ "$got" != "$rc" ]; then
		fail "$name" "expected exit $rc, got $got: $*" "$(cat "$d/err")"
	elif ! printf '%s\n' "$first" | grep -Eq "^cse-run: .*$re"; then
		fail "$name" "stderr does not match /^cse-run: .*$re/: $*" "$(cat "$d/err")"
	elif [ "$rest" -ne 0 ] || [ "$nl" -gt 2 ]; then
		fail "$name" "expected one error line and at most one hint line: $*" "$(cat "$d/err")"
	elif [ -s "$d/out" ]; then
		fail "$name" "unexpected stdout: $*" "$(cat "$d/out")"
	else
		pass "$name"
	fi
	rm -rf "$d"
}

compare() {
	local name=$1 a=$2 b=$3 mode=$4 why=()
	if ! cmp -s "$a/rc" "$b/rc"; then
		why+=("exit status: native $(cat "$a/rc"), cse $(cat "$b/rc")")
	fi
	if ! cmp -s "$a/out" "$b/out"; then
		why+=("stdout differs:" "$(diff "$a/out" "$b/out" | head -n 15)")
	fi
	if [ "$mode" = all ] && ! cmp -s "$a/err" "$b/err"; then
		why+=("stderr differs:" "$(diff "$a/err" "$b/err" | head -n 15)")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "${why[@]}"
	fi
}

# "Every element on" for transparency matrices: each element is loaded with
# settings that leave a program's output as native (same hostname, ids and
# clock), so only the interposition itself is under test.
CSE_ALL_ELEMENTS=(--hostname="$(hostname)" --uid="$(id -u)" --gid="$(id -g)"
	--time-offset=0s --trace-log=/dev/null)
