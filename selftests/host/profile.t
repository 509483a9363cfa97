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

# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
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
if cmp -s "$W/p1.ini" "$W/p2.ini" && grep -qx 'mode = summary' "$W/p1.ini" && grep -qx 'at = 2030-01-02T03:04:05+01:00' "$W/p1.ini"; then
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
	local f=$W/bad.$T_N.ini err rc
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
badp "bad date" '[time]\nat = 2030-02-30\n' "2: at: bad value '2030-02-30': no such day"
badp "two wall-clock bases in one profile" '[time]\noffset = +1d\nfreeze = @0\n' "2: offset and .*:3: freeze exclude each other"
badp "raw args with an empty item" '[trace]\nargs = summary,,x\n' "2: args: empty item"
if [ "${ID_ROWS:-0}" = 1 ]; then
	badp "a flag without a value takes true or false" '[id]\nroot-id = maybe\n' "2: root-id: want true or false"
	badp "an INT key takes a number" '[id]\nuid = zero\n' "2: uid: bad uid 'zero' \\(not a decimal integer\\)"
fi
badp "a key given twice" '[uts]\nhostname = a\nhostname = b\n' "3: hostname: given twice"
badp "raw args with an unknown key" '[uts]\nargs = colour=blue\n' "2: args: bad argument 'colour=blue'"
err=$("$CSE_RUN" --profile "$W/no-such.ini" -- true 2>&1); rc=$?
if [ $rc = 2 ] && [[ $err == "cse-run: --profile $W/no-such.ini: No such file or directory" ]]; then ok "missing profile file"
else notok "missing profile file" "rc $rc" "$err"; fi

# ---- settings are bytes: ',' and '=' in values reach the element intact
expect "a hostname with ',' and '=' (flag)" "a,b=c" "$(run --hostname 'a,b=c' -- uname -n)"
printf '[uts]\nhostname = a,b=c\n' >"$W/comma.ini"
expect "a hostname with ',' and '=' (profile)" "a,b=c" "$(run --profile "$W/comma.ini" -- uname -n)"
rm -f "$W"/log,a=b.txt
out=$(cd "$W" && run --trace-log 'log,a=b.txt' -- true)
if [ -z "$out" ] && grep -q 'exit_group' "$W/log,a=b.txt" 2>/dev/null; then ok "a relative --trace-log path with ',' and '='"
else notok "a relative --trace-log path with ',' and '='" "$out" "$(ls "$W")"; fi
expect "--print-profile shows a relative path made absolute" "$(printf '[trace]\nlog = %s' "$W/log,a=b.txt")" \
	"$(cd "$W" && run --trace-log 'log,a=b.txt' --print-profile)"

# ---- flags, -e and profiles give the same settings, hence the same run
flags=(--hostname f1 --uname release=1.2 --uname machine=z80 --time-freeze 2030-01-02T03:04:05Z)
printf '[uts]\nhostname = f1\nuname = release=1.2\nuname = machine=z80\n[time]\nfreeze = 2030-01-02T03:04:05Z\n' >"$W/same.ini"
a=$(run "${flags[@]}" -- sh -c 'uname -nrm; date +%s')
b=$(run --profile "$W/same.ini" -- sh -c 'uname -nrm; date +%s')
c=$(run -e uts=hostname=f1,uname=release=1.2,uname=machine=z80 -e time=freeze=2030-01-02T03:04:05Z -- sh -c 'uname -nrm; date +%s')
expect "flags and profile: same run" "$a" "$b"
expect "flags and -e NAME=KEY=VALUE: same run" "$a" "$c"
expect "flags and profile: same printed profile" "$(run "${flags[@]}" --print-profile)" \
	"$(run --profile "$W/same.ini" --print-profile)"
expect "the frozen clock and names are applied" "f1 1.2 z80 $(date -d 2030-01-02T03:04:05Z +%s)" "$(printf '%s' "$a" | tr '\n' ' ')"

# ---- flag errors: one line naming the flag, exit 2, nothing runs
check_err "unknown flag" 2 "unknown option '--colour'" "$CSE_RUN" --colour blue -- true
check_err "INT flag given a word" 2 "--uid: bad uid 'x' \\(not a decimal integer\\)" "$CSE_RUN" --uid x -- true
check_err "flag that is not repeatable, twice" 2 "--hostname: given twice" "$CSE_RUN" --hostname a --hostname b -- true
check_err "bool flag with a value" 2 "option '--root-id' takes no value" "$CSE_RUN" --root-id=1 -- true
check_err "missing value" 2 "option '--hostname' needs an argument" "$CSE_RUN" --hostname
check_err "bad value, refused by the element's setup" 2 "--uname: bad value 'kernel=1'" "$CSE_RUN" --uname kernel=1 -- true
check_err "-e with an unknown key" 2 "-e uts=colour=blue': bad argument 'colour=blue'" "$CSE_RUN" -e uts=colour=blue -- true
check_err "-e of an unknown element with arguments" 2 "no element 'nope'" "$CSE_RUN" -e nope=a=b -- true

# ---- every declared flag is in --help and in cse-run(1): the tables are
# read here with ctypes (the .so's own relocations), not with cse-run's reader
LIB=$(dirname "$CSE_RUN")/../lib/cse
MAN=$TOP/user/man/cse-run.1
flags=$(python3 - "$LIB" <<'PY'
import ctypes, glob, os, sys
class Opt(ctypes.Structure):
    _fields_ = [("flag", ctypes.c_char_p), ("key", ctypes.c_char_p), ("arg_name", ctypes.c_char_p),
                ("help", ctypes.c_char_p), ("kind", ctypes.c_uint16), ("flags", ctypes.c_uint16)]
class Elem(ctypes.Structure):
    _fields_ = [("abi", ctypes.c_uint32), ("state_size", ctypes.c_uint32), ("name", ctypes.c_char_p),
                ("description", ctypes.c_char_p), ("options", ctypes.POINTER(Opt))]
for so in sorted(glob.glob(os.path.join(sys.argv[1], "cse-*.so"))):
    e = Elem.in_dll(ctypes.CDLL(so), "cse_element_v2")
    i = 0
    while e.options and e.options[i].flag:
        print(e.name.decode(), e.options[i].flag.decode(), e.options[i].key.decode(), e.options[i].kind)
        i += 1
PY
)
help=$("$CSE_RUN" --help)
missing=()
while read -r el flag key kind; do
	grep -q -- "--$flag\b" <<<"$help" || missing+=("--$flag not in --help")
	sed 's/\\-/-/g' "$MAN" | grep -q -- "^\.BI\? *--$flag\b" || missing+=("--$flag not in cse-run(1)")
	grep -q -- "^\.SS *Element $el\b" "$MAN" || missing+=("no section 'Element $el' in cse-run(1)")
	printf '[%s]\n%s = %s\n' "$el" "$key" "$([ "$kind" = 1 ] && echo true || echo 1)" >"$W/key.ini"
	"$CSE_RUN" --profile "$W/key.ini" --print-profile >/dev/null 2>&1 || missing+=("[$el] $key not a profile key")
done <<<"$flags"
if [ -n "$flags" ] && [ ${#missing[@]} = 0 ]; then ok "every declared flag ($(wc -l <<<"$flags")) is in --help, cse-run(1) and profiles"
else notok "every declared flag is in --help, cse-run(1) and profiles" "${missing[@]}" "$flags"; fi

t_done
