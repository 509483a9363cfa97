#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# uts element host test (TAP): --hostname, --domainname, --uname seen by
# real programs (hostname, uname, cat /proc/sys/kernel/*, python3, static
# busybox); sethostname and writes to /proc/sys/kernel/hostname reach the
# application's other processes and nothing else; two applications side by
# side, even the same binary from the same path; kernel-like errors; the
# host's names unchanged at the end.
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
export LC_ALL=C
PY=/usr/bin/python3
BB=/bin/busybox

# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
run() { timeout -k 5 60 "$CSE_RUN" "$@" 2>&1; }

W=$HT/uts
rm -rf "$W"
mkdir -p "$W"
host_n=$(uname -n)
host_all=$(uname -srvm)
host_dom=$(cat /proc/sys/kernel/domainname)

expect "hostname" "web1" "$(run --hostname web1 -- hostname)"
expect "uname -n" "web1" "$(run --hostname web1 -- uname -n)"
expect "uname -a: set fields, others from the host" \
	"Linux web1 7.0.0-cse #42 cse-build x86_64" \
	"$(run --hostname web1 --uname release=7.0.0-cse --uname 'version=#42 cse-build' -- uname -snrvm)"
expect "uname -a keeps unset fields" "$(uname -s) web1 $(uname -r) $(uname -v) $(uname -m)" \
	"$(run --hostname web1 -- uname -snrvm)"
expect "uname sysname and machine" "Plan9 riscv64" \
	"$(run --uname sysname=Plan9 --uname machine=riscv64 -- uname -sm)"
expect "python3 socket.gethostname()" "web1" \
	"$(run --hostname web1 -- $PY -c 'import socket; print(socket.gethostname())')"
expect "python3 os.uname()" "web1 9.9 dom.example" \
	"$(run --hostname web1 --uname release=9.9 --domainname dom.example -- \
		$PY -c 'import os; u = os.uname(); print(u.nodename, u.release, open("/proc/sys/kernel/domainname").read().strip())')"
expect "cat /proc/sys/kernel/hostname" "web1" \
	"$(run --hostname web1 -- cat /proc/sys/kernel/hostname)"
expect "cat /proc/sys/kernel/{osrelease,ostype,version,domainname}" \
	"$(printf '7.1\nPlan9\n#7 test\nexample.org')" \
	"$(run --uname release=7.1 --uname sysname=Plan9 --uname 'version=#7 test' --domainname example.org -- \
		cat /proc/sys/kernel/osrelease /proc/sys/kernel/ostype /proc/sys/kernel/version /proc/sys/kernel/domainname)"
expect "busybox (static) hostname and uname" "$(printf 'bb1\nbb1 6.6.6')" \
	"$(run --hostname bb1 --uname release=6.6.6 -- $BB sh -c 'busybox hostname; busybox uname -nr')"
expect "busybox (static) cat /proc/sys/kernel/hostname" "bb1" \
	"$(run --hostname bb1 -- $BB cat /proc/sys/kernel/hostname)"
expect "no flags: the host's names" "$host_n $host_all" \
	"$(run -e uts -- sh -c 'echo "$(uname -n) $(uname -srvm)"')"

# sethostname in the application: seen by its children and later execs.
expect "child sees parent's sethostname (python3 + hostname)" "b'x\\n' x" \
	"$(run --hostname web1 -- $PY -c 'import socket, subprocess; socket.sethostname("x"); print(subprocess.check_output(["hostname"]), socket.gethostname())')"
expect "hostname NAME (sethostname) then exec: same application" "renamed" \
	"$(run --hostname web1 -- sh -c 'hostname renamed && hostname')"
expect "write /proc/sys/kernel/hostname sets it" "$(printf 'viaproc\nviaproc')" \
	"$(run --hostname web1 -- sh -c 'echo viaproc > /proc/sys/kernel/hostname; hostname; cat /proc/sys/kernel/hostname')"
expect "setdomainname, seen by a child" "0 d2" \
	"$(run --domainname d1 -- $PY -c 'import ctypes, subprocess
r = ctypes.CDLL(None).setdomainname(b"d2", 2)
print(r, subprocess.check_output(["cat", "/proc/sys/kernel/domainname"]).decode().strip())')"
expect "sethostname 65 bytes: EINVAL; 64 bytes fine" "22 64" \
	"$(run --hostname web1 -- $PY -c '
import socket
try:
    socket.sethostname("a" * 65)
except OSError as e:
    print(e.errno, end=" ")
socket.sethostname("b" * 64); print(len(socket.gethostname()))')"
expect "writing osrelease is refused" "refused" \
	"$(run --uname release=1 -- sh -c '{ echo 2 > /proc/sys/kernel/osrelease; } 2>/dev/null && echo written || echo refused')"

# Two applications side by side: each sees only its own, the host neither.
run --hostname side-a -- sh -c 'sleep 0.5; hostname; hostname a-renamed; sleep 0.5; hostname' >"$W/a" &
pa=$!
run --hostname side-b -- sh -c 'sleep 0.7; hostname; sleep 0.6; hostname' >"$W/b" &
pb=$!
sleep 0.2
mid=$(hostname)
wait $pa $pb
expect "side by side: A sees only A" "$(printf 'side-a\na-renamed')" "$(cat "$W/a")"
expect "side by side: B sees only B" "$(printf 'side-b\nside-b')" "$(cat "$W/b")"
expect "side by side: host unchanged meanwhile" "$host_n" "$mid"

# The same binary from the same path: the state is per application.
cp "$PY" "$W/py"
"$CSE_RUN" --hostname same-1 -- "$W/py" -c '
import socket, time; time.sleep(0.3); socket.sethostname("one"); time.sleep(0.6); print(socket.gethostname())' >"$W/s1" 2>&1 &
p1=$!
"$CSE_RUN" --hostname same-2 -- "$W/py" -c '
import socket, time; time.sleep(0.6); print(socket.gethostname())' >"$W/s2" 2>&1 &
p2=$!
wait $p1 $p2
expect "same binary, same path: private state (1)" "one" "$(cat "$W/s1")"
expect "same binary, same path: private state (2)" "same-2" "$(cat "$W/s2")"

# Bad input: one line, before the program starts.
err=$("$CSE_RUN" --hostname "$(printf 'h%.0s' {1..65})" -- true 2>&1); rc=$?
if [ $rc = 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ $err == "cse-run: --hostname: "*"longer than 64 bytes" ]]; then
	ok "--hostname of 65 bytes refused"
else
	notok "--hostname of 65 bytes refused" "rc $rc" "$err"
fi
err=$("$CSE_RUN" --uname kernel=1 -- true 2>&1); rc=$?
if [ $rc = 2 ] && [[ $err == "cse-run: --uname: "*"FIELD"* ]]; then ok "--uname unknown field refused"
else notok "--uname unknown field refused" "rc $rc" "$err"; fi
err=$("$CSE_RUN" -e uts=color=blue -- true 2>&1); rc=$?
if [ $rc != 0 ] && [[ $err == *"uts"*"bad argument 'color=blue'"* ]]; then ok "-e uts bad argument refused by the element"
else notok "-e uts bad argument refused by the element" "rc $rc" "$err"; fi

expect "host hostname unchanged afterwards" "$host_n" "$(uname -n)"
expect "host domainname unchanged afterwards" "$host_dom" "$(cat /proc/sys/kernel/domainname)"

t_done
