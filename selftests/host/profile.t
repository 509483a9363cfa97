#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# cse-run --profile / --print-profile host test (TAP): profiles set
# elements and their settings; flags override them key by key; the printed
# profile loads back to the same profile; bad profiles stop cse-run with
# "cse-run: FILE:LINE: message" before anything runs.
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
export LC_ALL=C TZ=UTC

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; shift; for l in "$@"; do printf '%s\n' "$l" | head -n 20 | sed 's/^/#   /'; done; }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "want: $2" "got:  $3"; fi; }
run() { timeout -k 5 30 "$CSE_RUN" "$@" 2>&1; }

W=$HT/profile
rm -rf "$W"
mkdir -p "$W"

cat >"$W/web.ini" <<'INI'
; a web server's view of the world
[uts]
hostname = web1
uname = release=7.0.0
uname = machine=m68k

[time]
offset = +365d
INI

expect "profile sets hostname and uname" "web1 7.0.0 m68k" "$(run --profile "$W/web.ini" -- uname -nrm)"
want=$(($(date +%s) + 31536000))
got=$(run --profile "$W/web.ini" -- date +%s)
if [ -n "$got" ] && [ $((got - want)) -le 5 ] && [ $((want - got)) -le 5 ]; then ok "profile sets the clock offset"
else notok "profile sets the clock offset" "want ~$want" "got $got"; fi

# Flags beat the profile key by key, whatever their order.
expect "--hostname overrides the profile (after)" "web2 7.0.0 m68k" \
	"$(run --profile "$W/web.ini" --hostname web2 -- uname -nrm)"
expect "--hostname overrides the profile (before)" "web2 7.0.0 m68k" \
	"$(run --hostname web2 --profile "$W/web.ini" -- uname -nrm)"
expect "--uname overrides one field only" "web1 8.1 m68k" \
	"$(run --profile "$W/web.ini" --uname release=8.1 -- uname -nrm)"
at=$(date -d 2030-01-02T03:04:05Z +%s)
got=$(run --profile "$W/web.ini" --time-freeze 2030-01-02T03:04:05Z -- date +%s)
expect "--time-freeze replaces the profile's offset" "$at" "$got"

# --print-profile: the effective profile, in the same format; exits 0, runs nothing.
out=$(run --profile "$W/web.ini" --hostname web2 --time-scale 2 --print-profile -- sh -c 'echo RAN')
rc=$?
expect "--print-profile prints the effective settings" "$(printf '%s\n' '[uts]' 'uname = release=7.0.0' \
	'uname = machine=m68k' 'hostname = web2' '' '[time]' 'offset = +365d' 'scale = 2')" "$out"
expect "--print-profile exits 0 without running PROGRAM" "0 no" "$rc $(printf '%s\n' "$out" | grep -q RAN && echo yes || echo no)"
printf '%s\n' "$out" >"$W/printed.ini"
expect "--print-profile output loads back to the same profile" "$out" \
	"$(run --profile "$W/printed.ini" --print-profile)"
expect "the printed profile runs the same" "web2 7.0.0 m68k" "$(run --profile "$W/printed.ini" -- uname -nrm)"

"$CSE_RUN" --print-profile -e trace=summary --hostname h --time-at 2030-01-02T03:04:05+01:00 >"$W/p1.ini" 2>&1
"$CSE_RUN" --profile "$W/p1.ini" --print-profile >"$W/p2.ini" 2>&1
if cmp -s "$W/p1.ini" "$W/p2.ini" && grep -qx 'args = summary' "$W/p1.ini" && grep -qx 'at = 2030-01-02T03:04:05+01:00' "$W/p1.ini"; then
	ok "round trip with -e raw arguments and --time-at"
else
	notok "round trip with -e raw arguments and --time-at" "$(diff "$W/p1.ini" "$W/p2.ini")" "$(cat "$W/p1.ini")"
fi
expect "an empty section loads the element" "$(printf '[trace]')" \
	"$(printf '[trace]\n' >"$W/empty.ini"; run --profile "$W/empty.ini" --print-profile)"
if "$CSE_RUN" --print-profile --uid 0 >/dev/null 2>&1; then
	printf '[id]\nuid = 0\n' >"$W/id.ini"
	expect "[id] keys come from the option table" "$(printf '[id]\nuid = 0')" "$(run --profile "$W/id.ini" --print-profile)"
	ID_ROWS=1
fi

# Bad profiles: one line "cse-run: FILE:LINE: message", exit 2, nothing runs.
badp() { # NAME CONTENT REGEX
	local f=$W/bad.$n.ini err rc
	printf '%b' "$2" >"$f"
	err=$("$CSE_RUN" --profile "$f" -- sh -c 'echo RAN' 2>&1)
	rc=$?
	if [ $rc = 2 ] && [ "$(printf '%s\n' "$err" | grep -vc '^hint: ')" = 1 ] &&
		[[ $err =~ ^cse-run:\ ${f//./\\.}:$3 ]]; then
		ok "$1"
	else
		notok "$1" "rc $rc, want /cse-run: $f:$3/" "$err"
	fi
}
badp "bad duration names file, line and key" '[uts]\nhostname = a\n[time]\noffset = +5q\n' "4: offset: bad value '\\+5q': unknown unit"
badp "unknown key" '[uts]\n; comment\ncolour = blue\n' "3: unknown key 'colour' in \\[uts\\]"
badp "line without =" '[uts]\nhostname\n' "2: syntax error"
badp "key outside a section" 'hostname = a\n' "1: key 'hostname' outside a \\[section\\]"
badp "bad section name" '[uts]\n[Not/An/Element]\n' "2: bad section \\[Not/An/Element\\]"
badp "hostname too long" "[uts]\nhostname = $(printf 'h%.0s' {1..65})\n" "2: hostname: bad value .*longer than 64 bytes"
badp "bad uname field" '[uts]\nuname = kernel=1\n' "2: uname: bad value 'kernel=1'"
badp "value with a comma" '[uts]\nhostname = a,b\n' "2: hostname: the value 'a,b' must not contain ','"
badp "bad date" '[time]\nat = 2030-02-30\n' "2: at: bad value '2030-02-30': no such day"
badp "two wall-clock bases in one profile" '[time]\noffset = +1d\nfreeze = @0\n' "2: offset and .*:3: freeze exclude each other"
badp "bad raw args" '[trace]\nargs = summary,,x\n' "2: args: empty item"
if [ "${ID_ROWS:-0}" = 1 ]; then
	badp "a flag without a value takes true or false" '[id]\nroot-id = maybe\n' "2: root-id: want true or false"
fi
err=$("$CSE_RUN" --profile "$W/no-such.ini" -- true 2>&1); rc=$?
if [ $rc = 2 ] && [[ $err == "cse-run: --profile $W/no-such.ini: No such file or directory" ]]; then ok "missing profile file"
else notok "missing profile file" "rc $rc" "$err"; fi

echo "1..$n"
[ $failed = 0 ]
