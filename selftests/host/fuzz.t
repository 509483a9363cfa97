#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# libFuzzer targets for the input parsers not fuzzed by their element's
# own test (time.t and id.t fuzz the time and id-state parsers), TAP:
#   csectl_args   csectl's numbers, top -d durations, ID|NAME
#   csectl_nl     csectl's netlink reply decoders (instances, events,
#                 extack), with a libnl re-encoding round trip
#   device_args   cse-run's --device spec, -e NAME=ARGS, flag values
#   profile       cse-run's --profile parser (libinih), with a round trip
# Each target is built with clang -fsanitize=fuzzer,address,undefined and
# run for FUZZ_SECONDS (default 10) from a small seed corpus; a crash
# leaves its input in $HT/fuzz/<target>-crash-*. Skipped without clang.
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT; FUZZ_SECONDS.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HT=${HT:-$TOP/build/host-tests}
SECS=${FUZZ_SECONDS:-10}
export LC_ALL=C

# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

W=$HT/fuzz
rm -rf "$W"
mkdir -p "$W"
F=$TOP/selftests/host/fuzz
CFLAGS=(-std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=all -I"$TOP/include" -I"$TOP/include/uapi")
NL_CFLAGS=$(pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS=$(pkg-config --libs libnl-genl-3.0 2>/dev/null || echo "-lnl-genl-3 -lnl-3")
CSECTL=("$TOP/user/csectl/instance.c" "$TOP/user/csectl/util.c" "$TOP/user/csectl/nl.c"
	"$TOP/user/common/diag.c")
LAUNCHER=("$TOP/user/launcher/profile.c" "$TOP/user/launcher/options.c"
	"$TOP/user/launcher/devices.c" "$TOP/user/launcher/status.c"
	"$TOP/user/launcher/eltables.c" "$TOP/user/common/diag.c")

if ! command -v clang >/dev/null 2>&1 ||
	! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return (int)(d && n < 0); }' |
	clang -fsanitize=fuzzer -x c -o "$W/probe" - >/dev/null 2>&1; then
	for t in csectl_args csectl_nl device_args profile; do
		skip "fuzz $t" "clang with -fsanitize=fuzzer not available"
	done
	echo "1..$T_N"
	exit 0
fi

# seed NAME FILE CONTENT (printf format)
seed() { mkdir -p "$W/$1.corpus"; printf "$3" >"$W/$1.corpus/$2"; }

seed csectl_args id '42'
seed csectl_args max '18446744073709551615'
seed csectl_args dur '0.25'
seed csectl_args ms '250ms'
seed csectl_args s '3s'
seed csectl_args name 'web1'
seed csectl_args forced 'name=123'

seed device_args null '/dev/null:rw\0trace=summary\0log=/tmp/x'
seed device_args ro '/dev/sda:r\0id\0uid=0,gid=0'
seed device_args odd '/dev/odd:name/x\0+365d\0@1234567890.5'
seed device_args uname 'release=7.0\0uts\0hostname=web1'

seed profile web '; a web server\n[uts]\nhostname = web1\nuname = release=7.0.0\nuname = machine=m68k\n\n[time]\noffset = +365d\n'
seed profile trace '[trace]\nargs = summary\nlog = /tmp/t\n[id]\nroot-id = true\nstate = ids\n'
seed profile time '[time]\nat = 2030-01-02T03:04:05Z\nscale = 2\n# comment\n[dev]\n'
seed profile bad '[Bad]\nx = 1\n'

# Netlink messages in the shape cse.ko sends (include/uapi/linux/cse.h).
if command -v python3 >/dev/null 2>&1; then
	mkdir -p "$W/csectl_nl.corpus"
	python3 - "$W/csectl_nl.corpus" <<'PY'
import struct, sys
d = sys.argv[1]
def attr(t, payload):
    a = struct.pack("=HH", 4 + len(payload), t) + payload
    return a + b"\0" * ((4 - len(a) % 4) % 4)
def nest(t, *parts): return attr(t | 0x8000, b"".join(parts))
u32 = lambda t, v: attr(t, struct.pack("=I", v))
u64 = lambda t, v: attr(t, struct.pack("=Q", v))
s = lambda t, v: attr(t, v.encode() + b"\0")
def msg(cmd, *attrs, typ=0x1c):
    body = struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), typ, 2, 7, 1) + body
inst = msg(1, u64(2, 3), s(3, "web1"), u32(4, 1000), u64(5, 1699999808000000000),
           nest(6, u32(7, 1234), u32(7, 1240)),
           nest(8, nest(9, u32(10, 1), u32(11, 1), u32(12, 3), u32(13, 3)),
                   nest(9, u32(10, 2), u32(11, 8), u32(12, 0), u32(13, 1))),
           nest(14, u64(15, 5), u64(16, 1), u64(17, 1234), u64(18, 56),
                nest(19, nest(20, s(21, "uts"), u64(22, 1000)), nest(20, s(21, "fs"), u64(22, 500)))))
ev = msg(8, u64(2, 3), s(3, "web1"), u32(23, 1234), u32(10, 1), u32(11, 1), u32(12, 3), u32(13, 3),
         s(24, "/dev/null"))
err = struct.pack("=IHHII", 16 + 20 + 16, 2, 0x100 | 0x200, 7, 1) + struct.pack("=i", -2) + \
      struct.pack("=IHHII", 16, 0x1c, 5, 7, 1) + s(1, "no such instance")
err = struct.pack("=I", len(err)) + err[4:]
done = struct.pack("=IHHII", 16 + 4, 3, 2 | 0x200, 7, 1) + struct.pack("=i", -5) + s(1, "dump failed")
done = struct.pack("=I", len(done)) + done[4:]
for name, data in (("inst", inst), ("event", ev), ("dump", inst + inst + done), ("error", err)):
    open("%s/%s" % (d, name), "wb").write(data)
PY
fi

# fuzz NAME SOURCES... -- EXTRA CFLAGS AND LIBS
fuzz() {
	local t=$1 srcs=() extra=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do srcs+=("$1"); shift; done
	shift
	extra=("$@")
	# shellcheck disable=SC2086
	if ! clang "${CFLAGS[@]}" -o "$W/$t" "$F/${t}_fuzz.c" "${srcs[@]}" "${extra[@]}" \
		>"$W/$t.build" 2>&1; then
		notok "fuzz $t: build" "$(cat "$W/$t.build")"
		return
	fi
	mkdir -p "$W/$t.corpus"
	if (cd "$W" && timeout -k 5 $((SECS * 3 + 60)) "$W/$t" -max_total_time="$SECS" -max_len=4096 \
		-timeout=10 -artifact_prefix="$W/$t-" "$W/$t.corpus" >"$W/$t.log" 2>&1); then
		ok "fuzz $t, ${SECS} s ($(grep -o 'Done [0-9]* runs' "$W/$t.log"))"
	else
		notok "fuzz $t, ${SECS} s" "$(grep -A 25 -m 1 'ERROR\|==[0-9]*==' "$W/$t.log")" \
			"$(ls "$W/$t"-* 2>/dev/null)"
	fi
}

# shellcheck disable=SC2086
fuzz csectl_args "${CSECTL[@]}" -- -I"$TOP/user/csectl" $NL_CFLAGS $NL_LIBS -lm
# shellcheck disable=SC2086
fuzz csectl_nl "${CSECTL[@]}" -- -I"$TOP/user/csectl" $NL_CFLAGS $NL_LIBS
fuzz device_args "${LAUNCHER[@]}" -- -I"$TOP/user/launcher" -linih
fuzz profile "${LAUNCHER[@]}" -- -I"$TOP/user/launcher" -linih

t_done
