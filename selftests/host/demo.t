#!/bin/bash
# The main job (scripts/demo) as a test: in the VM with cse.ko loaded, two
# applications run side by side with private uts/id/time instances and
# different device grants; csectl must show both instances and the events.
# TAP on stdout. Env: TOP (repo root), HT (scratch dir).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HT=${HT:-$TOP/build/host-tests}
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
check() {	# NAME REGEX: the demo output has a line matching REGEX
	if grep -Eq -- "$2" "$out"; then ok "$1"; else notok "$1"; echo "#   no line matches /$2/"; fi
}

mkdir -p "$HT"
out=$HT/demo.out
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "ok 1 demo # SKIP qemu not installed"
	exit 0
fi
"$TOP/scripts/demo" >"$out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "scripts/demo exits 0"; else notok "scripts/demo exits 0 (got $rc)"; fi
sed 's/^/#   /' "$out"

today=$(sed -n 's/^hostname: \(.*\)   id: 0:0   date: \([0-9-]*\)$/\2/p' "$out" | head -n 1)
vmhost=$(sed -n 's/^hostname: \([^ ]*\) .*/\1/p' "$out" | head -n 1)
if [ -n "$today" ]; then
	plus=$(date -u -d "$today +365 days" +%Y-%m-%d)
	minus=$(date -u -d "$today -365 days" +%Y-%m-%d)
else
	plus=unknown minus=unknown
fi
check "web1 sees its own hostname, fake root and +365d" \
	"^\[web1\] hostname=web1  uname -n=web1  id=0:0  date=$plus$"
check "db1 sees its own hostname, uid 1000 and -365d" \
	"^\[db1\] hostname=db1  uname -n=db1  id=1000:1000  date=$minus$"
check "web1: granted /dev/zero opens" '^\[web1\] open /dev/zero: granted$'
check "web1: non-granted /dev/full is denied" '^\[web1\] open /dev/full: denied \(Permission denied\)$'
check "db1: granted /dev/full opens" '^\[db1\] open /dev/full: granted$'
check "db1: non-granted /dev/zero is denied" '^\[db1\] open /dev/zero: denied \(Permission denied\)$'
check "csectl list shows web1" '^ *[0-9]+ +web1 +0 '
check "csectl list shows db1" '^ *[0-9]+ +db1 +0 '
check "csectl show web1: /dev/null rw grant" '^    c 1:3 rw$'
check "csectl show web1: /dev/zero r grant" '^    c 1:5 r$'
check "csectl show web1: one denied open" '^  device opens: [0-9]+ granted, 1 denied$'
check "runtime reports syscalls handled per element" '^  syscalls handled: [1-9][0-9]*$'
check "per-element counters include uts" '^    uts [1-9][0-9]*$'
check "children of an application join its instance" '^  members: [2-9]$'
check "monitor: instance-new web1" '^instance-new id [0-9]+ name web1$'
check "monitor: instance-new db1" '^instance-new id [0-9]+ name db1$'
check "monitor: web1 denied /dev/full" '^dev-denied id [0-9]+ pid [0-9]+ c 1:7 r /dev/full$'
check "monitor: db1 denied /dev/zero" '^dev-denied id [0-9]+ pid [0-9]+ c 1:5 r /dev/zero$'
check "monitor: instances deleted at the end" '^instance-del id [0-9]+ name (web1|db1)$'
if [ -n "$vmhost" ] && [ "$(grep -c "^hostname: $vmhost   id: 0:0   date: $today\$" "$out")" -eq 2 ]; then
	ok "host view unchanged afterwards"
else
	notok "host view unchanged afterwards"
fi
t_done
