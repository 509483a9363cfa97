#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# time element host test (TAP): --time-offset, --time-at, --time-freeze,
# --time-scale seen by date, static busybox, python3 and our time_probe
# (static and dynamic, reading the clocks through the vDSO directly too);
# waits with absolute deadlines (clock_nanosleep, pthread_cond_timedwait,
# timerfd, threading.Event.wait) neither hang nor spin under +-1 year; two
# applications side by side; bad values; the host clock untouched; the
# parsers under libFuzzer (~20 s, when clang is available).
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
export LC_ALL=C TZ=UTC
PY=/usr/bin/python3
BB=/bin/busybox
YEAR=31536000

# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
run() { timeout -k 5 30 "$CSE_RUN" "$@" 2>&1; }
# near NAME WANT GOT TOLERANCE: numbers within TOLERANCE of each other
near() {
	if awk -v a="$2" -v b="$3" -v t="$4" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b != "" && d <= t) }'; then
		ok "$1"
	else
		notok "$1" "want: $2 (+-$4)" "got:  $3"
	fi
}
# between NAME LOW HIGH GOT
between() {
	if awk -v l="$2" -v h="$3" -v g="$4" 'BEGIN { exit !(g != "" && g + 0 >= l && g + 0 <= h) }'; then
		ok "$1"
	else
		notok "$1" "want: $2 .. $3" "got:  $4"
	fi
}
now() { date +%s.%N; }

W=$HT/time
rm -rf "$W"
mkdir -p "$W"
P=$W/time_probe
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$P" "$TOP/selftests/host/progs/time_probe.c" -lpthread &&
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$P-static" "$TOP/selftests/host/progs/time_probe.c" -lpthread; then
	ok "build time_probe (dynamic and static)"
else
	notok "build time_probe (dynamic and static)"
fi

# ---- offsets: every way of reading the wall clock agrees
for off in +1y -1y; do
	sign=${off%1y}1
	want=$(($(date +%s) + sign * YEAR))
	near "date +%s with --time-offset $off" "$want" "$(run --time-offset $off -- date +%s)" 5
	near "busybox (static) date +%s with $off" "$want" "$(run --time-offset $off -- $BB date +%s)" 5
	near "python3 time.time() with $off" "$want" "$(run --time-offset $off -- $PY -c 'import time; print(int(time.time()))')" 5
	expect "python3 datetime.now().year with $off" "$(date -d "@$want" +%Y)" \
		"$(run --time-offset $off -- $PY -c 'import datetime; print(datetime.datetime.now().year)')"
	for bin in "$P-static" "$P"; do
		kind=$([ "$bin" = "$P" ] && echo dynamic || echo static)
		out=$(run --time-offset $off -- "$bin" clocks)
		bad=$(printf '%s\n' "$out" | awk -v w="$want" '
			{ t = $1 == "tai" ? 40 : 5; d = $2 - w; if (d < 0) d = -d; if (d > t) print }
			END { if (NR != 9) print "expected 9 lines, got " NR }')
		if [ -z "$bad" ]; then ok "$kind C program, vDSO and syscalls, with $off"
		else notok "$kind C program, vDSO and syscalls, with $off" "$bad" "$out"; fi
	done
done
expect "date shows the year after next with +1y" "$(($(date +%Y) + 1))" "$(run --time-offset +1y -- date +%Y)"
near "--time-offset -2h30m" "$(($(date +%s) - 9000))" "$(run --time-offset -2h30m -- date +%s)" 5
near "CLOCK_BOOTTIME is not offset (vs /proc/uptime)" "$(awk '{print $1}' /proc/uptime)" \
	"$(run --time-offset +1y -- $PY -c 'import time; print(time.clock_gettime(time.CLOCK_BOOTTIME))')" 5

# ---- waits with deadlines: neither hang nor return at once
for off in +1y -1y; do
	t0=$(now)
	out=$(run --time-offset $off -- $PY -c '
import threading, time
t = time.monotonic(); threading.Event().wait(0.2); print("%.3f" % (time.monotonic() - t))')
	t1=$(now)
	between "python3 Event().wait(0.2) with $off: 0.2 s seen" 0.19 0.6 "$out"
	between "python3 Event().wait(0.2) with $off: real time" 0.19 3 "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
	for m in abs-sleep condwait timerfd; do
		t0=$(now)
		out=$(timeout 10 "$CSE_RUN" --time-offset $off -- "$P" $m 0.3 2>&1)
		t1=$(now)
		between "$m until now+0.3 s with $off (real seconds)" 0.28 3 \
			"$(awk -v a="$t0" -v b="$t1" -v o="$out" 'BEGIN { if (o !~ /^slept/) print "x"; else print b - a }')"
	done
done

# ---- --time-at and --time-freeze
at=$(date -d 2030-01-02T03:04:05Z +%s)
out=$(run --time-at 2030-01-02T03:04:05Z -- sh -c 'date +%s; sleep 1.2; date +%s')
near "--time-at starts at DATE" "$at" "$(echo "$out" | head -n 1)" 3
between "--time-at then ticks" 1 3 "$(echo "$out" | awk 'NR == 1 { a = $1 } NR == 2 { print $1 - a }')"
near "--time-at with a zone offset" "$((at - 3600))" "$(run --time-at 2030-01-02T03:04:05+01:00 -- date +%s)" 3
out=$(run --time-freeze 2030-01-02T03:04:05Z -- sh -c 'date +%s.%N; sleep 0.2; date +%s.%N')
expect "--time-freeze: exact same value twice" "$(printf '%s.000000000\n%s.000000000' "$at" "$at")" "$out"
out=$(run --time-freeze @1234567890.5 -- $P-static clocks | awk '$1 != "tai" { print $2 }' | sort -u)
expect "--time-freeze @UNIXTIME through the vDSO (static)" 1234567890 "$out"
out=$(run --time-freeze @1234567890 -- $PY -c '
import time, threading
a = time.time(); threading.Event().wait(0.2); time.sleep(0.1); print(a, time.time())')
expect "--time-freeze: python3 time.time() twice, waits still end" "1234567890.0 1234567890.0" "$out"

# ---- the vDSO's clocks are served in user space: no system call per read
# (the time element's replacements; a read that the vDSO cannot serve in
# user space on this clock source would show here as system calls)
for bin in "$P" "$P-static"; do
	kind=$([ "$bin" = "$P" ] && echo dynamic || echo static)
	out=$(run --time-offset -1d --trace=summary -- "$bin" reads 20000)
	calls=$(printf '%s\n' "$out" | awk '$3 ~ /^(clock_gettime|gettimeofday|time)$/ { n += $1 } END { print n + 0 }')
	if printf '%s\n' "$out" | grep -qx 'reads 20000' && [ "$calls" -lt 100 ]; then
		ok "$kind: 80000 vDSO clock reads with --time-offset make $calls system calls"
	else
		notok "$kind: 80000 vDSO clock reads with --time-offset make no system calls" "clock system calls: $calls" "$out"
	fi
done
if command -v go >/dev/null; then
	mkdir -p "$W/go"
	cat >"$W/go/main.go" <<'EOF'
package main

import (
	"fmt"
	"time"
)

func main() {
	for i := 0; i < 20000; i++ {
		_ = time.Now()
	}
	fmt.Println(time.Now().Unix())
}
EOF
	if (cd "$W/go" && GOCACHE=$TOP/build/gocache GO111MODULE=off CGO_ENABLED=0 go build -o clk main.go) >"$W/go/build.log" 2>&1; then
		out=$(run --time-offset -1y --trace=summary -- "$W/go/clk")
		calls=$(printf '%s\n' "$out" | awk '$3 ~ /^(clock_gettime|gettimeofday|time)$/ { n += $1 } END { print n + 0 }')
		near "Go (static) time.Now() with -1y" "$(($(date +%s) - YEAR))" "$(printf '%s\n' "$out" | head -n 1)" 5
		if [ "$calls" -lt 100 ]; then ok "Go: 20000 time.Now() make $calls system calls"
		else notok "Go: 20000 time.Now() make no system calls" "clock system calls: $calls" "$out"; fi
	else
		notok "Go clock program builds" "$(cat "$W/go/build.log")"
	fi
else
	skip "Go time.Now() with --time-offset" "no Go toolchain"
fi

# ---- --time-scale
t0=$(now)
out=$(run --time-scale 2 -- $PY -c '
import time, select
t = time.monotonic(); w = time.time()
select.select([], [], [], 1.0)   # a real 1 s wait: poll timeouts are not scaled
print("%.2f %.2f" % (time.monotonic() - t, time.time() - w))')
read -r mono wall <<<"$out"
between "--time-scale 2: 1 s real reads ~2 s (monotonic)" 1.9 2.4 "$mono"
between "--time-scale 2: 1 s real reads ~2 s (wall)" 1.9 2.4 "$wall"
# The real time of the sleep itself from /proc/uptime, which the element
# leaves real: the program's start-up time is not part of it.
out=$(run --time-scale 2 -- $PY -c '
import time
up = lambda: float(open("/proc/uptime").read().split()[0])
t = time.monotonic(); u = up(); time.sleep(1)
print("%.2f %.2f" % (time.monotonic() - t, up() - u))')
read -r scaled real <<<"$out"
between "--time-scale 2: sleep(1) reads 1 s" 0.99 1.3 "$scaled"
between "--time-scale 2: sleep(1) takes ~0.5 s real" 0.45 1.2 "$real"
out=$(run --time-scale 0.5 -- "$P" timerfd 0.2)
between "--time-scale 0.5: timerfd 0.2 s reads 0.2 s" 0.19 0.5 "${out#slept }"

# ---- children and exec see the same clock
near "child (exec) inherits the offset" "$(($(date +%s) + YEAR))" \
	"$(run --time-offset +1y -- $PY -c 'import subprocess; print(subprocess.check_output(["date", "+%s"]).decode().strip())')" 5
near "clock_settime in the app moves only its clock" "$at" \
	"$(run -e time -- $PY -c '
import time, subprocess
time.clock_settime(time.CLOCK_REALTIME, '"$at"')
print(subprocess.check_output(["date", "+%s"]).decode().strip())')" 5

# ---- side by side: +1y and -1y at the same time; the host clock stays
run --time-offset +1y -- sh -c 'sleep 0.5; date +%s' >"$W/a" &
pa=$!
run --time-offset -1y -- sh -c 'sleep 0.5; date +%s' >"$W/b" &
pb=$!
sleep 0.2
host_mid=$(date +%s)
wait $pa $pb
near "side by side: A sees +1y" "$((host_mid + YEAR))" "$(cat "$W/a")" 5
near "side by side: B sees -1y" "$((host_mid - YEAR))" "$(cat "$W/b")" 5
near "host clock unchanged (vs python3 outside)" "$(date +%s)" "$($PY -c 'import time; print(int(time.time()))')" 2

# ---- bad values: one line naming the flag, exit 2, nothing runs
bad() { # NAME REGEX ARGS...
	local name=$1 re=$2 err rc
	shift 2
	err=$("$CSE_RUN" "$@" -- sh -c 'echo RAN' 2>&1)
	rc=$?
	if [ $rc = 2 ] && [ "$(printf '%s\n' "$err" | grep -vc '^hint: ')" = 1 ] && [[ $err =~ ^cse-run:\ $re ]]; then
		ok "$name"
	else
		notok "$name" "rc $rc" "$err"
	fi
}
bad "--time-offset without unit" "--time-offset: bad value '5': missing unit" --time-offset 5
bad "--time-offset unknown unit" "--time-offset: .*unknown unit" --time-offset +3q
bad "--time-offset out of range" "--time-offset: .*out of range" --time-offset +999999y
bad "--time-at no such day" "--time-at: .*no such day" --time-at 2030-02-30
bad "--time-at bad zone" "--time-at: .*zone" --time-at 2030-01-01T00:00:00+25:00
bad "--time-freeze garbage" "--time-freeze: " --time-freeze tomorrow
bad "--time-scale 0" "--time-scale: .*greater than 0" --time-scale 0
bad "--time-scale too large" "--time-scale: .*out of range" --time-scale 5000
bad "--time-at with --time-offset" "--time-at and --time-offset exclude each other" --time-at @0 --time-offset 1s
bad "--time-freeze with --time-scale" "--time-freeze and --time-scale exclude each other" --time-freeze @0 --time-scale 2

# ---- the parsers under libFuzzer
if command -v clang >/dev/null 2>&1 &&
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I"$TOP/user/elements" -I"$TOP/include" -o "$W/fuzz" "$TOP/selftests/host/fuzz/time_parse_fuzz.c" \
		"$TOP/user/elements/time_parse.c" >"$W/fuzz.build" 2>&1; then
	mkdir -p "$W/corpus"
	for s in +365d -2h30m 90s 1500ms 2030-01-02T03:04:05Z 2030-01-02T03:04:05+01:00 @1234567890.5 0.5 2; do
		printf '%s' "$s" >"$W/corpus/$(printf '%s' "$s" | md5sum | cut -c1-12)"
	done
	if timeout 120 "$W/fuzz" -max_total_time=20 -max_len=64 "$W/corpus" >"$W/fuzz.log" 2>&1; then
		ok "libFuzzer: time parsers, 20 s ($(grep -o 'Done [0-9]* runs' "$W/fuzz.log"))"
	else
		notok "libFuzzer: time parsers, 20 s" "$(tail -n 20 "$W/fuzz.log")"
	fi
else
	skip "libFuzzer: time parsers" "clang with -fsanitize=fuzzer not available"
fi

t_done
