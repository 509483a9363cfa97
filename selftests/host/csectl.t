#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# csectl host test (TAP): builds csectl and its unit test with ASan/UBSan
# through user/csectl.mk, runs the unit test (hand-built netlink messages
# through the decoders and formatters; see csectl-unit.c), checks every
# JSON document it produces with a real JSON parser, then runs csectl's
# command line: usage errors, help, and "cse.ko is not loaded" (skipped
# when the family is present, as inside the test VM).
#
# Environment: CC (default cc), KEEP=1 keeps the build directory.

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
b=$(mktemp -d "${TMPDIR:-/tmp}/csectl-t.XXXXXX") || exit 1
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$b"' EXIT

# shellcheck source=lib.sh
. "$top/selftests/host/lib.sh"
diag() { sed 's/^/# /'; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98

build() {
	make -s -C "$top/user" -f Makefile -f csectl.mk SANITIZE=1 B="$b" "$1" \
		>"$b/build.log" 2>&1
}

if build "$b/bin/csectl"; then ok "build csectl (ASan/UBSan)"
else diag <"$b/build.log"; notok "build csectl (ASan/UBSan)"; fi
if build "$b/tests/csectl-unit"; then ok "build csectl-unit (ASan/UBSan)"
else diag <"$b/build.log"; notok "build csectl-unit (ASan/UBSan)"; fi

# Unit test: each PASS/FAIL line becomes one TAP line.
if [ -x "$b/tests/csectl-unit" ]; then
	"$b/tests/csectl-unit" >"$b/unit.out" 2>"$b/unit.err"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "unit: ${line#PASS }" ;;
		"FAIL "*) notok "unit: ${line#FAIL }" ;;
		*) echo "$line" | diag ;;
		esac
	done <"$b/unit.out"
	if [ $rc -eq 0 ] && [ ! -s "$b/unit.err" ]; then ok "unit: exit 0, clean stderr"
	else diag <"$b/unit.err"; notok "unit: exit $rc, clean stderr"; fi

	if command -v python3 >/dev/null 2>&1; then
		if "$b/tests/csectl-unit" --json-samples >"$b/samples" 2>&1 &&
		   [ -s "$b/samples" ] &&
		   python3 -c 'import json,sys
for l in open(sys.argv[1]): json.loads(l)' "$b/samples" 2>"$b/py.err"; then
			ok "unit: every JSON document parses"
		else
			diag <"$b/py.err"; notok "unit: every JSON document parses"
		fi
	else
		skip "unit: every JSON document parses" "no python3"
	fi
fi

C=$b/bin/csectl
# expect NAME STATUS STDERR-PATTERN STDOUT-PATTERN -- ARGS...
expect() {
	name=$1 want=$2 errpat=$3 outpat=$4
	shift 5
	"$C" "$@" >"$b/out" 2>"$b/err"
	rc=$?
	if [ $rc -eq "$want" ] &&
	   { [ -z "$errpat" ] || grep -q -- "$errpat" "$b/err"; } &&
	   { [ -z "$outpat" ] || grep -q -- "$outpat" "$b/out"; } &&
	   ! grep -q 'runtime error\|AddressSanitizer\|LeakSanitizer' "$b/err"; then
		ok "cli: $name"
	else
		{ echo "exit $rc (want $want)"; cat "$b/out" "$b/err"; } | diag
		notok "cli: $name"
	fi
}

if [ -x "$C" ]; then
	expect "--help" 0 "" "^Usage: csectl COMMAND" -- --help
	expect "-h" 0 "" "monitor \[-j\]" -- -h
	expect "--version" 0 "" "^csectl [0-9]" -- --version
	expect "help top" 0 "" "^Usage: csectl top" -- help top
	expect "top --help" 0 "" "--iterations" -- top --help
	expect "no command" 2 "^hint: " "" -- 
	expect "unknown command" 2 "^csectl: unknown command 'frob'" "" -- frob
	expect "help unknown" 2 "^csectl: help: unknown command" "" -- help frob
	expect "unknown option" 2 "^csectl: list: unknown option '-x'" "" -- list -x
	expect "unknown long option" 2 "unknown option '--nope'" "" -- show --nope 1
	expect "reset takes no -j" 2 "unknown option '-j'" "" -- reset 1 -j
	expect "show needs an instance" 2 "^csectl: show: which instance" "" -- show
	expect "show extra argument" 2 "unexpected argument 'b'" "" -- show a b
	expect "show id overflow" 2 "out of range" "" -- show 18446744073709551616
	expect "show bad name" 2 "neither an instance id nor a name" "" -- show 12ab
	expect "top -d missing" 2 "needs an argument" "" -- top -d
	expect "top -d 0" 2 "^csectl: top: bad interval" "" -- top -d 0
	expect "top -d junk" 2 "^hint: -d takes seconds" "" -- top -d 1e3
	expect "top -n 0" 2 "bad iteration count" "" -- top -n 0
	expect "top -n junk" 2 "bad iteration count" "" -- top -n -3

	if "$C" list >/dev/null 2>&1; then
		skip "cli: cse.ko is not loaded" "the cse family is present"
	else
		for cmd in "list" "list -j" "show 1" "show web1 -j" "reset 1" \
			   "monitor" "monitor -j" "top -n 1 -d 0.1" "top -j -n 1"; do
			# shellcheck disable=SC2086
			"$C" $cmd >"$b/out" 2>"$b/err"
			rc=$?
			if [ $rc -eq 1 ] && [ ! -s "$b/out" ] &&
			   [ "$(sed -n 1p "$b/err")" = "csectl: cse.ko is not loaded" ] &&
			   [ "$(sed -n 2p "$b/err")" = "hint: insmod kmod/cse.ko (or modprobe cse)" ] &&
			   [ "$(wc -l <"$b/err")" -eq 2 ]; then
				ok "cli: $cmd: cse.ko is not loaded"
			else
				{ echo "exit $rc"; cat "$b/out" "$b/err"; } | diag
				notok "cli: $cmd: cse.ko is not loaded"
			fi
		done
	fi
fi

t_done
