#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# exec.t: execve/execveat/fexecve of everything the kernel refuses to run
# (FIFO, socket, directory, device, no execute permission, noexec mount,
# empty and non-program files, bad "#!" lines, "#!" chains past the
# kernel's limit, foreign ELFs, bad PT_INTERP, ETXTBSY, long names, huge
# argv) and of what it runs in unusual ways, natively and under cse-run
# (pass-through, --no-rewrite, every element on). Each case must end the
# same way: same errno, same output, never a hang (progs/exec_errno.c).
# Prints TAP; env: TOP, CSE_RUN, HT (from selftests/host/run).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
T_TIMEOUT=120	# a case that blocks is killed by its own 5 s alarm first

# Not under $HT: a concurrent selftests/host/run clears $HT/tmp.* there.
W=$(mktemp -d "${TMPDIR:-/tmp}/cse-exec-t.XXXXXX")
NX=$W/noexec
cleanup() {
	mountpoint -q "$NX" 2>/dev/null && umount "$NX"
	rm -rf "$W"
}
trap cleanup EXIT
D=$W/d		# the cases' directory, made afresh for every run
F=$W/fix	# ELF fixtures copied into $D

cflags=(-std=gnu11 -O2 -Wall -Wextra -Werror)
mkdir -p "$F" "$NX"
if ! gcc "${cflags[@]}" -o "$W/exec_errno" "$TOP/selftests/host/progs/exec_errno.c" 2>"$W/cc.log"; then
	fail "exec: build exec_errno" "$(cat "$W/cc.log")"
	echo "1..$T_N"
	exit 1
fi
hello=$TOP/selftests/host/progs/hello.c
built=1
for v in "badinterp:missing" "interp-text:text" "interp-empty:empty" \
	"interp-noperm:noperm" "interp-dir:subdir"; do
	gcc "${cflags[@]}" -o "$F/elf-${v%%:*}" -Wl,--dynamic-linker="$D/${v#*:}" "$hello" \
		2>>"$W/cc.log" || built=0
done
# PT_INTERP whose last byte is not NUL: overwrite the NUL in the file.
gcc "${cflags[@]}" -o "$F/elf-nointerp-field" -Wl,--dynamic-linker=/lib64/ld-cse-test.so.X \
	"$hello" 2>>"$W/cc.log" || built=0
off=$(grep -boa 'ld-cse-test.so.X' "$F/elf-nointerp-field" | head -n 1 | cut -d: -f1)
if [ -n "$off" ]; then
	printf 'Y' | dd of="$F/elf-nointerp-field" bs=1 seek=$((off + 16)) conv=notrunc 2>/dev/null
else
	built=0
fi
cp /bin/true "$F/true" && cp /bin/echo "$F/echo" || built=0
if [ $built = 1 ]; then pass "exec: build ELF fixtures"; else fail "exec: build ELF fixtures" "$(cat "$W/cc.log")"; fi

# A noexec mount: a tmpfs of our own when we may mount, else none.
nx_arg=()
if mount -t tmpfs -o noexec,size=16m cse-exec-t "$NX" 2>/dev/null; then
	cp /bin/true "$NX/true"
	printf '#!/bin/sh\necho ran\n' >"$NX/script"
	chmod 755 "$NX/script"
	nx_arg=("$NX")
else
	skip "exec: noexec mount cases" "cannot mount a noexec tmpfs here (not root?)"
fi

fresh_dir() {
	rm -rf "$D"
	mkdir -p "$D"
	cp -a "$F"/. "$D"/
	if [ ${#nx_arg[@]} -gt 0 ]; then
		printf '#!%s/true\n' "$NX" >"$D/via-noexec"
		chmod 755 "$D/via-noexec"
	fi
}

# run_cases OUTDIR PREFIX...: the whole list once, output kept.
run_cases() {
	local out=$1
	shift
	fresh_dir
	capture "$out" "$@" "$W/exec_errno" "$D" "${nx_arg[@]}"
}

run_cases "$W/native"
if [ "$(cat "$W/native/rc")" != 0 ] || grep -q ': blocked$' "$W/native/out"; then
	fail "exec: native run" "rc $(cat "$W/native/rc")" "$(cat "$W/native/err")"
fi
printf '%s\n' "$(sed 's/^/native: /' "$W/native/out")" | sed 's/^/# /'

variant() {
	local tag=$1 got
	shift
	run_cases "$W/$tag" "$@"
	if [ "$(cat "$W/$tag/rc")" != 0 ]; then
		fail "exec[$tag]: the run ended with status $(cat "$W/$tag/rc")" "$(tail -n 5 "$W/$tag/err")"
	fi
	while IFS= read -r line; do
		name=${line%%: *}
		got=$(awk -v n="$name: " 'index($0, n) == 1 { print; exit }' "$W/$tag/out")
		if [ "$got" = "$line" ]; then
			pass "exec[$tag]: $line"
		else
			fail "exec[$tag]: $name" "native: $line" "cse:    ${got:-(no line)}"
		fi
	done <"$W/native/out"
}

variant cse "$CSE_RUN" --
variant norw "$CSE_RUN" --no-rewrite --
variant all "$CSE_RUN" "${CSE_ALL_ELEMENTS[@]}" --

# Two free descriptors: the program and its interpreter, opened for the
# loader, take them, the interpreter the boot block's agreed number
# (the limit minus one). The exec runs as natively, nothing left open.
# No element: the trace one needs a descriptor of its own there.
tight='for ((i = 3; i < 300; i++)); do eval "exec $i>&-"; done
ulimit -n 8; exec 3</dev/null 4</dev/null 5</dev/null; /bin/echo hi; ls /proc/self/fd'
capture "$W/t1" bash -c 'ulimit -S -n 1024; "$@"' _ /bin/bash -c "$tight"
capture "$W/t2" bash -c 'ulimit -S -n 1024; "$@"' _ "$CSE_RUN" -- /bin/bash -c "$tight"
if cmp -s "$W/t1/out" "$W/t2/out" && cmp -s "$W/t1/rc" "$W/t2/rc" && grep -q '^hi$' "$W/t1/out"; then
	pass "exec: the program's files on the last free descriptors (ulimit -n 8)"
else
	fail "exec: the program's files on the last free descriptors (ulimit -n 8)" \
		"native: $(tr '\n' ' ' <"$W/t1/out")" "cse:    $(tr '\n' ' ' <"$W/t2/out") $(cat "$W/t2/err")"
fi

# cse-loader given a FIFO (or a script naming one) straight, as cse-run
# or exec re-entry could after a race: refused at once, never blocking.
LOADER=$(dirname "$CSE_RUN")/../lib/cse/cse-loader
capture "$W/l1" "$LOADER" -- "$D/fifo" fifo
if [ "$(cat "$W/l1/rc")" = 127 ] && grep -q 'not a regular file' "$W/l1/err"; then
	pass "exec: cse-loader -- FIFO fails at once"
else
	fail "exec: cse-loader -- FIFO fails at once" "rc $(cat "$W/l1/rc")" "$(cat "$W/l1/err")"
fi
capture "$W/l2" "$LOADER" -- "$D/sb-fifo" sb-fifo
if [ "$(cat "$W/l2/rc")" = 126 ] && grep -q 'Permission denied' "$W/l2/err"; then
	pass "exec: cse-loader -- script whose #! names a FIFO fails at once"
else
	fail "exec: cse-loader -- script whose #! names a FIFO fails at once" \
		"rc $(cat "$W/l2/rc")" "$(cat "$W/l2/err")"
fi

# Placement of every exec's program and ld.so: the loader reads the ASLR
# sysctls once per instance (kept in the state), yet each process still
# gets its own random addresses; `setarch -R` still fixes them as natively.
maps3='for i in 1 2 3; do grep -m1 "" /proc/self/maps; grep -m1 ld-linux /proc/self/maps; done | cut -d- -f1'
got=$(timeout 60 "$CSE_RUN" -- sh -c "$maps3" 2>&1)
if [ "$(printf '%s\n' "$got" | grep -c .)" = 6 ] &&
   [ "$(printf '%s\n' "$got" | sort -u | grep -c .)" = 6 ]; then
	pass "exec: program and ld.so addresses differ in each process of an instance"
else
	fail "exec: program and ld.so addresses differ in each process of an instance" "$got"
fi
want=$(setarch -R sh -c "$maps3" 2>&1 | sed -n '1p;3p;5p')
got=$(timeout 60 setarch -R "$CSE_RUN" -- sh -c "$maps3" 2>&1 | sed -n '1p;3p;5p')
if [ "$got" = "$want" ] && [ "$(printf '%s\n' "$got" | sort -u)" = 555555554000 ]; then
	pass "exec: setarch -R places every exec's program as natively"
else
	fail "exec: setarch -R places every exec's program as natively" "want: $want" "got:  $got"
fi

# Failing execs from one site of libc's execve, then a working one: the
# site traps, is rewritten after its second trap (or at load, once the
# site cache of a first run knows it), and the later calls take the
# fast path; every errno, the descriptors left open and the final exec
# must be the native ones (progs/exec_site.c).
S=$W/site
mkdir -p "$S/dir"
: >"$S/noperm" && chmod 644 "$S/noperm"
: >"$S/empty" && chmod 755 "$S/empty"
if gcc "${cflags[@]}" -o "$W/exec_site" "$TOP/selftests/host/progs/exec_site.c" 2>"$W/cc.log"; then
	capture "$W/s0" "$W/exec_site" "$S"
	for run in cold warm; do
		capture "$W/s-$run" env XDG_CACHE_HOME="$W/site-cache" "$CSE_RUN" -- "$W/exec_site" "$S"
		if [ "$(cat "$W/s-$run/out")" = "$(cat "$W/s0/out")" ] &&
		   [ "$(cat "$W/s-$run/rc")" = "$(cat "$W/s0/rc")" ] && [ "$(cat "$W/s0/rc")" = 0 ]; then
			pass "exec: failing execs from a rewritten execve site, then a working one ($run site cache)"
		else
			fail "exec: failing execs from a rewritten execve site, then a working one ($run site cache)" \
				"native (rc $(cat "$W/s0/rc")): $(cat "$W/s0/out")" \
				"cse (rc $(cat "$W/s-$run/rc")): $(cat "$W/s-$run/out")" "$(cat "$W/s-$run/err")"
		fi
	done
	if ! grep -qx 'site: syscall' "$W/s0/err"; then
		skip "exec: the execve site is rewritten" "libc's execve is not 'mov \$59,%eax; syscall' here"
	elif grep -qx 'site: patched' "$W/s-cold/err" && grep -qx 'site: patched' "$W/s-warm/err"; then
		pass "exec: the execve site is rewritten"
	else
		fail "exec: the execve site is rewritten" "$(cat "$W/s-cold/err")" "$(cat "$W/s-warm/err")"
	fi
else
	fail "exec: build exec_site" "$(cat "$W/cc.log")"
fi

echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
