#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# launch.t: cse-run starts cse-loader in its own process, without a
# second execve (user/launcher/userexec.c); nothing of cse-run may be
# left for the program to see. Each program runs natively and under
# cse-run and the outputs must be equal:
#
#  view    progs/launchview.c (PIE, non-PIE at 0x400000, static,
#          static-pie; also under setarch -R): the class of its image
#          address and brk, mappings of cse-run, its fds and their
#          targets; progs/auxv_probe.c's addresses under setarch -R
#  fs      progs/launchfs.c (no libc): %fs is 0 at _start
#  outside a sleeping program seen from another process: no cse-run or
#          cse-loader mapping at 0x400000-, no cse-run, cse-boot or
#          loader fd; its exe link, cmdline and environ
#  fallback a '#!' script still starts (through the kernel's exec)
#
# Prints TAP; env: TOP, CSE_RUN.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/cse-launch-t.XXXXXX")
BG=()
cleanup() {
	for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1

P=$TOP/selftests/host/progs
CFLAGS=(-std=gnu11 -O2 -Wall -Wextra -Werror)
built=1
for v in pie no-pie static static-pie; do
	case $v in
	pie) f=() ;;
	*) f=("-$v") ;;
	esac
	gcc "${CFLAGS[@]}" "${f[@]}" -o "$W/view-$v" "$P/launchview.c" 2>>"$W/cc.log" || built=0
	gcc "${CFLAGS[@]}" "${f[@]}" -o "$W/auxv-$v" "$P/auxv_probe.c" 2>>"$W/cc.log" || built=0
done
gcc "${CFLAGS[@]}" -static -nostdlib -no-pie -fno-stack-protector -o "$W/launchfs" \
	"$P/launchfs.c" 2>>"$W/cc.log" || built=0
if [ $built = 0 ]; then
	notok "build the test programs" "$(cat "$W/cc.log")"
	t_done
	exit
fi

# ------------------------------------------------------------ view
for v in pie no-pie static static-pie; do
	for r in "" "setarch -R"; do
		# the same file for stdout and stderr in both runs: fd targets
		# shellcheck disable=SC2086  # r: a command prefix or nothing
		timeout -k 5 60 $r "$W/view-$v" >"$W/out" 2>&1 </dev/null
		echo "exit $?" >>"$W/out"
		n=$(cat "$W/out")
		# shellcheck disable=SC2086
		timeout -k 5 60 $r "$CSE_RUN" -- "$W/view-$v" >"$W/out" 2>&1 </dev/null
		echo "exit $?" >>"$W/out"
		expect "view: $v${r:+ ($r)}: image, brk, cse-run mappings, fds as native" \
			"$n" "$(cat "$W/out")"
	done
done
# Not randomizing: the same addresses (the loader tells from the stack's
# top, which AT_EXECFN locates, and from personality). A static-pie
# program lies below the loader, not at the top of the mmap area.
for v in pie no-pie static; do
	expect "view: $v (setarch -R): program, auxv and heap addresses as native" \
		"$(setarch -R "$W/auxv-$v" addr 2>&1 </dev/null)" \
		"$(setarch -R "$CSE_RUN" -- "$W/auxv-$v" addr 2>&1 </dev/null)"
done
out=$(timeout -k 5 60 "$CSE_RUN" -- "$W/view-no-pie" </dev/null 2>&1 | head -n 1)
expect "view: a non-PIE program runs at 0x400000" "image at 0x400000" "$out"

# ------------------------------------------------------------ fs
timeout -k 5 60 "$W/launchfs"
n=$?
timeout -k 5 60 "$CSE_RUN" -- "$W/launchfs"
expect "fs: %fs is 0 at _start, as native ($n)" "$n" "$?"

# ------------------------------------------------------------ outside
cp /bin/sleep "$W/sleeper"
env -i A=1 B=two "$CSE_RUN" -- "$W/sleeper" 30 </dev/null >/dev/null 2>&1 &
pid=$!
BG+=("$pid")
for _ in $(seq 100); do
	grep -q sleeper "/proc/$pid/maps" 2>/dev/null && break
	sleep 0.05
done
maps=$(cat "/proc/$pid/maps" 2>&1)
bad=$(printf '%s\n' "$maps" | grep -E '/cse-run$|^0*4[0-9a-f]{5}-' || true)
expect "outside: no cse-run mapping, nothing at 0x400000 (PIE program)" "" "$bad"
fds=$(for f in /proc/"$pid"/fd/*; do readlink "$f"; done 2>&1)
bad=$(printf '%s\n' "$fds" | grep -E 'cse-run|cse-loader|cse-boot|/proc/' || true)
expect "outside: no fd of cse-run's, the loader's file or the boot block" "" "$bad"
expect "outside: cmdline" "$W/sleeper 30 " "$(tr '\0' ' ' <"/proc/$pid/cmdline")"
expect "outside: environ" "A=1 B=two " "$(tr '\0' ' ' <"/proc/$pid/environ")"
expect "outside: comm" "sleeper" "$(cat "/proc/$pid/comm")"
{ kill -9 "$pid" && wait "$pid"; } 2>/dev/null

# ------------------------------------------------------------ fallback
printf '#!/bin/sh\necho "script $0 $*"\n' >"$W/script"
chmod +x "$W/script"
expect "fallback: a '#!' script runs" "script $W/script a b" \
	"$(timeout -k 5 60 "$CSE_RUN" -- "$W/script" a b </dev/null 2>&1)"
expect "fallback: nested cse-run" "nested" \
	"$(timeout -k 5 60 "$CSE_RUN" -- "$CSE_RUN" -- /bin/echo nested </dev/null 2>&1)"

t_done
