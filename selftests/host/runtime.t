#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# runtime.t: behaviour of the in-process runtime and cse-loader that the
# matrix (native vs cse output comparison) does not pin down by itself:
# the /proc/self/exe link, "#!" programs given straight to the loader,
# nested cse-run with a trace on both levels, a seccomp filter the
# application installs for itself, gdb (lib/cse/cse-loader-gdb.py) and
# strace on programs under cse-run, and the rewriter's golden
# bytes. Prints TAP; env: TOP, CSE_RUN, HT (from selftests/host/run).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
LOADER=$(dirname "$CSE_RUN")/../lib/cse/cse-loader
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
# Not under $HT: a concurrent selftests/host/run clears $HT/tmp.* there.
W=$(mktemp -d "${TMPDIR:-/tmp}/cse-runtime-t.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

# expect NAME WANT CMD...: CMD's stdout+stderr equals WANT and it exits 0.
expect() {
	local name=$1 want=$2 got rc
	shift 2
	got=$(timeout -k 5 60 "$@" 2>&1 </dev/null)
	rc=$?
	if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
		ok "$name"
	else
		notok "$name" "rc $rc" "want: $want" "got:  $got"
	fi
}
# expect_rc NAME RC REGEX CMD...: CMD exits RC, stderr matches REGEX.
expect_rc() {
	local name=$1 want=$2 re=$3 err rc
	shift 3
	err=$(timeout -k 5 60 "$@" 2>&1 >/dev/null </dev/null)
	rc=$?
	if [ $rc -eq "$want" ] && printf '%s\n' "$err" | grep -Eq "$re"; then
		ok "$name"
	else
		notok "$name" "rc $rc (want $want)" "stderr: $err"
	fi
}

# ------------------------------------------------------------ /proc/self/exe
py=$(readlink -f /usr/bin/python3)
expect "exe: readlink of /proc/self/exe names the program" "$(readlink -f /usr/bin/readlink)" \
	"$CSE_RUN" -- /usr/bin/readlink /proc/self/exe
expect "exe: /proc/thread-self, /proc/PID, /proc/PID/task/TID forms" "$py $py $py" \
	"$CSE_RUN" -- /usr/bin/python3 -c 'import os
p = os.getpid()
print(os.readlink("/proc/thread-self/exe"), os.readlink("/proc/%d/exe" % p),
      os.readlink("//proc/./%d/task/%d/exe" % (p, p)))'
expect "exe: readlink truncates to the buffer without a NUL" "b'/usr' 4" \
	"$CSE_RUN" -- /usr/bin/python3 -c 'import ctypes
b = ctypes.create_string_buffer(b"\xff" * 8)
n = ctypes.CDLL(None).readlink(b"/proc/self/exe", b, 4)
print(b.raw[:n], n) if b.raw[4:8] == b"\xff" * 4 else print("overwritten", b.raw)'
expect "exe: readlink of a bad buffer is EFAULT" "14" \
	"$CSE_RUN" -- /usr/bin/python3 -c 'import ctypes
c = ctypes.CDLL(None, use_errno=True)
print(ctypes.get_errno() if c.readlink(b"/proc/self/exe", ctypes.c_void_p(8), 64) < 0 else "no error")'
expect "exe: open and stat of /proc/self/exe reach the program" "same $(stat -L -c %s /usr/bin/stat)" \
	"$CSE_RUN" -- /bin/sh -c 'cat /proc/self/exe | cmp -s - /usr/bin/cat && printf "same "; stat -L -c %s /proc/self/exe'
expect "exe: busybox applets re-exec through /proc/self/exe" "A" \
	"$CSE_RUN" -- /bin/busybox sh -c "busybox echo a | busybox tr a-z A-Z"
expect "exe: lstat still sees the link" "symbolic link" \
	"$CSE_RUN" -- /usr/bin/stat -c %F /proc/self/exe

# ------------------------------------------------------------ "#!" in the loader
printf '#!/bin/sh\necho "$0 $*"\n' >s1
for i in 2 3 4 5 6; do printf '#!%s/s%d\n' "$W" $((i - 1)) >s$i; done
printf '#!/usr/bin/env -S echo  one  two  \n' >args
printf '#!/nonexistent/interp\n' >badinterp
printf 'text\n' >noexec-file
printf '#!%s/noexec-file\n' "$W" >notexec
printf 'plain text\n' >textinterp
printf '#!%s/textinterp\n' "$W" >badformat
chmod 755 s? args badinterp notexec textinterp badformat
expect "loader: #! script as PROGRAM" "$W/s1 x y" "$LOADER" -- "$W/s1" s1 x y
expect "loader: #! optional argument, trailing blanks dropped" "one two $W/args x" \
	"$LOADER" -- "$W/args" args x
expect "loader: five levels of #! like the kernel" "$W/s1 $W/s2 $W/s3 $W/s4 $W/s5 x" \
	"$LOADER" -- "$W/s5" s5 x
expect_rc "loader: six levels -> 126" 126 "too many levels" "$LOADER" -- "$W/s6" s6
expect_rc "loader: missing interpreter -> 127" 127 "bad interpreter /nonexistent/interp: No such file" \
	"$LOADER" -- "$W/badinterp" badinterp
expect_rc "loader: interpreter not executable -> 126" 126 "Permission denied" \
	"$LOADER" -- "$W/notexec" notexec
expect_rc "loader: interpreter not a program -> 126" 126 "Exec format error" \
	"$LOADER" -- "$W/badformat" badformat
if command -v python3 >/dev/null && head -c 2 "$(command -v python3)" | grep -q '#!'; then
	expect "loader: python3 in PATH is a #! shim" "1" "$CSE_RUN" -- python3 -c 'print(1)'
else
	ok "loader: python3 in PATH is a #! shim # SKIP python3 in PATH is not a script here"
fi

# ------------------------------------------------------------ nested cse-run
out=$(timeout -k 5 60 "$CSE_RUN" --trace=summary -- "$CSE_RUN" --trace=summary -- \
	sh -c 'echo nested $0' 2>&1 </dev/null)
tables=$(printf '%s\n' "$out" | grep -c ' total$')
if printf '%s\n' "$out" | grep -qx 'nested sh' && [ "$tables" = 2 ]; then
	ok "nested: cse-run in cse-run, --trace=summary on both levels"
else
	notok "nested: cse-run in cse-run, --trace=summary on both levels" "$out"
fi
expect "nested: inner program sees its own exe" "$(readlink -f /usr/bin/readlink)" \
	"$CSE_RUN" -- "$CSE_RUN" -- /usr/bin/readlink /proc/self/exe

# ------------------------------------------------------------ register-number sites
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$W/dyn_site" "$TOP/selftests/host/progs/dyn_site.c" \
	2>"$W/cc.log"; then
	expect "rewrite: native dyn_site" "dyn_site ok" "$W/dyn_site" plain
	expect "rewrite: mov %reg,%rax; syscall site rewritten, fork via its trap tail" \
		"dyn_site ok" "$CSE_RUN" -- "$W/dyn_site" patched
	expect "rewrite: --no-rewrite leaves the site alone" "dyn_site ok" \
		"$CSE_RUN" --no-rewrite -- "$W/dyn_site" plain
else
	notok "rewrite: build dyn_site" "$(cat "$W/cc.log")"
fi

# A `xor $imm8,%sil; syscall` site (glibc's futex calls): the replayed
# xor must still take effect (fcntl's command), fork must reach the trap
# tail, and with "patched" the site must hold `nop; jmp` ending in 0f 05.
cat >"$W/reg_shapes.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* long xor_site(nr, a0, a1): a1 ^ 0x80 is the second argument */
static __attribute__((noinline)) long xor_site(long nr, long a0, long a1)
{
	register long rdi __asm__("rdi") = a0;
	register long rsi __asm__("rsi") = a1;
	long ret;

	/* 40 80 f6 80 0f 05: xor $0x80,%sil; syscall */
	__asm__ volatile(".byte 0x40, 0x80, 0xf6, 0x80, 0x0f, 0x05"
			 : "=a"(ret), "+r"(rdi), "+r"(rsi) : "a"(nr)
			 : "rcx", "r11", "rdx", "r10", "memory");
	return ret;
}

/* 1 if the bytes after p hold <pad> e9 xx xx 0f 05, 0 if orig, -1 if neither */
static int state(const void *fn, const char *orig, size_t olen, const char *pad, size_t plen)
{
	const unsigned char *p = fn;

	for (int i = 0; i < 64; i++) {
		if (!memcmp(p + i, orig, olen))
			return 0;
		if (!memcmp(p + i, pad, plen) && p[i + plen] == 0xe9 &&
		    p[i + plen + 3] == 0x0f && p[i + plen + 4] == 0x05)
			return 1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), want = argc > 1 && strcmp(argv[1], "plain");
	long pid = getpid(), st;

	for (int i = 0; i < 1000; i++) {
		/* fcntl(fd, 0x81 ^ 0x80 = F_GETFD); 0x81 itself is EINVAL */
		if (xor_site(SYS_fcntl, fd, F_GETFD ^ 0x80) != FD_CLOEXEC ||
		    xor_site(SYS_getpid, 0, 0) != pid) {
			fprintf(stderr, "reg_shapes: xor site wrong at call %d\n", i);
			return 1;
		}
	}
	for (int i = 0; i < 2; i++) {
		long c = xor_site(SYS_fork, 0, 0);
		int s = 0;

		if (c == 0)
			_exit(getppid() == pid ? 7 : 8);
		st = waitpid((pid_t)c, &s, 0);
		if (c < 0 || st != c || !WIFEXITED(s) || WEXITSTATUS(s) != 7) {
			fprintf(stderr, "reg_shapes: fork %d through the site failed\n", i);
			return 1;
		}
	}
	if (state((void *)xor_site, "\x40\x80\xf6\x80\x0f\x05", 6, "\x90", 1) != want) {
		fprintf(stderr, "reg_shapes: sites not %s\n", want ? "patched" : "plain");
		return 1;
	}
	puts("reg_shapes ok");
	return 0;
}
EOF
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$W/reg_shapes" "$W/reg_shapes.c" 2>"$W/cc.log"; then
	expect "rewrite: native reg_shapes" "reg_shapes ok" "$W/reg_shapes" plain
	expect "rewrite: xor \$imm8,%sil; syscall site rewritten, fork via its trap tail" \
		"reg_shapes ok" "$CSE_RUN" -- "$W/reg_shapes" patched
	expect "rewrite: --no-rewrite leaves the xor site alone" "reg_shapes ok" \
		"$CSE_RUN" --no-rewrite -- "$W/reg_shapes" plain
else
	notok "rewrite: build reg_shapes" "$(cat "$W/cc.log")"
fi

# ------------------------------------------------------------ moves between mov $nr and syscall
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$W/gap_site" "$TOP/selftests/host/progs/gap_site.c" \
	2>"$W/cc.log"; then
	expect "rewrite: native gap_site" "gap_site ok" "$W/gap_site" plain
	for i in 1 2 3 4 5; do
		out=$("$CSE_RUN" -- "$W/gap_site" patched 2>&1) || break
	done
	expect "rewrite: glibc 2.41's open64 and cancellable-call shapes rewritten, fork via the trap tail, signals see no stub (5 runs)" \
		"gap_site ok" printf '%s\n' "$out"
	expect "rewrite: --no-rewrite leaves those sites alone" "gap_site ok" \
		"$CSE_RUN" --no-rewrite -- "$W/gap_site" plain
else
	notok "rewrite: build gap_site" "$(cat "$W/cc.log")"
fi
# stores (through rbx, of an xmm register) between mov $nr and syscall
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$W/gap_store_site" \
	"$TOP/selftests/host/progs/gap_store_site.c" 2>"$W/cc.log"; then
	expect "rewrite: native gap_store_site" "gap_store_site ok" "$W/gap_store_site" plain
	for i in 1 2 3; do
		out=$("$CSE_RUN" -- "$W/gap_store_site" patched 2>&1) || break
	done
	expect "rewrite: ld.so's set_robust_list and arch_prctl shapes (stores replayed) rewritten, signals see no stub (3 runs)" \
		"gap_store_site ok" printf '%s\n' "$out"
	expect "rewrite: --no-rewrite leaves the store shapes alone" "gap_store_site ok" \
		"$CSE_RUN" --no-rewrite -- "$W/gap_store_site" plain
else
	notok "rewrite: build gap_store_site" "$(cat "$W/cc.log")"
fi

# ------------------------------------------------------------ the application's seccomp filter
# Native output is the reference: uname EPERM, prctl EACCES, getppid by
# RET_TRAP with the kernel's siginfo at the call site (fixed-number and
# syscall(2) sites, trapped and rewritten), a thread whose runtime setup
# needs prctl and arch_prctl (EACCES and KILL for the application), the
# filter kept across execve, nested cse-run.
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -pthread -o "$W/seccomp_app" \
	"$TOP/selftests/host/progs/seccomp_app.c" 2>"$W/cc.log"; then
	for args in "prctl" "seccomp" "seccomp exec"; do
		want=$(timeout -k 5 60 "$W/seccomp_app" $args 2>&1 </dev/null; echo "rc=$?")
		case $want in
		*"traps 7, bad 0"*) ;;
		*) notok "seccomp: native reference ($args)" "$want"; continue ;;
		esac
		expect "seccomp: filter by $args behaves as natively" "$want" \
			sh -c '"$@" 2>&1; echo "rc=$?"' sh "$CSE_RUN" -- "$W/seccomp_app" $args
	done
	want=$("$W/seccomp_app" prctl exec 2>&1; echo "rc=$?")
	expect "seccomp: nested cse-run, filter kept across execve" "$want" \
		sh -c '"$@" 2>&1; echo "rc=$?"' sh "$CSE_RUN" -- "$CSE_RUN" -- "$W/seccomp_app" prctl exec
	expect "seccomp: --no-rewrite (every call by trap)" "$("$W/seccomp_app" seccomp 2>&1)" \
		"$CSE_RUN" --no-rewrite -- "$W/seccomp_app" seccomp
	out=$(timeout -k 5 60 "$CSE_RUN" --trace=summary -- "$W/seccomp_app" seccomp loop 500 2>&1 </dev/null)
	if printf '%s\n' "$out" | grep -qx 'getpid calls 500' &&
		printf '%s\n' "$out" | grep -Eq '^ +500 +0 getpid$' &&
		printf '%s\n' "$out" | grep -Eq '^ +2 +2 uname$'; then
		ok "seccomp: --trace=summary still counts calls after the filter"
	else
		notok "seccomp: --trace=summary still counts calls after the filter" "$out"
	fi
else
	notok "seccomp: build seccomp_app" "$(cat "$W/cc.log")"
fi

# ------------------------------------------------------------ gdb
# With lib/cse/cse-loader-gdb.py: SUD's SIGSYS passed silently, the
# program's symbols found after the loader mapped it, breakpoints hit on
# every pass through a function whose syscall site gets rewritten.
GDB_PY=$(dirname "$LOADER")/cse-loader-gdb.py
cat >"$W/gdb_prog.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
static int __attribute__((noinline)) work(int x) { return x + (getppid() > 0); }
int main(void) { int v = 0; for (int i = 0; i < 3; i++) v += work(i); printf("v=%d\n", v); return 0; }
EOF
cat >"$W/gdb_wait.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
static volatile int spin = 1;
int main(void) { puts("ready"); fflush(stdout); while (spin) usleep(1000); puts("released"); return 0; }
EOF
if ! command -v gdb >/dev/null; then
	ok "gdb: break, bt, continue under cse-run # SKIP gdb not installed"
	ok "gdb: attach (-p) to a program under cse-run # SKIP gdb not installed"
elif gcc -g -O0 -o "$W/gdb_prog" "$W/gdb_prog.c" 2>"$W/cc.log" &&
	gcc -g -O0 -o "$W/gdb_wait" "$W/gdb_wait.c" 2>>"$W/cc.log"; then
	out=$(timeout -k 5 120 gdb -batch -nx -x "$GDB_PY" -ex 'break work' -ex run -ex bt \
		-ex continue -ex continue -ex continue \
		--args "$CSE_RUN" -- "$W/gdb_prog" 2>&1 </dev/null)
	hits=$(printf '%s\n' "$out" | grep -c '^Breakpoint 1, work (x=[012])')
	if [ "$hits" = 3 ] && printf '%s\n' "$out" | grep -q '^#1 .* in main () at .*gdb_prog.c:4' &&
		printf '%s\n' "$out" | grep -qx 'v=6' &&
		printf '%s\n' "$out" | grep -q 'exited normally' &&
		! printf '%s\n' "$out" | grep -q 'SIGSYS'; then
		ok "gdb: break, bt, continue through a rewritten site under cse-run"
	else
		notok "gdb: break, bt, continue through a rewritten site under cse-run" "$out"
	fi
	# Attach to a program already running under cse-run, then release it.
	"$CSE_RUN" -- "$W/gdb_wait" >"$W/wait.out" 2>&1 </dev/null &
	wpid=$!
	for _ in $(seq 100); do grep -q ready "$W/wait.out" && break; sleep 0.1; done
	out=$(timeout -k 5 60 gdb -batch -nx -p "$wpid" -x "$GDB_PY" -ex 'print spin' \
		-ex 'set var spin = 0' -ex detach 2>&1 </dev/null)
	for _ in $(seq 100); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
	kill "$wpid" 2>/dev/null
	wait "$wpid"
	if printf '%s\n' "$out" | grep -q '^\$1 = 1' && grep -qx released "$W/wait.out"; then
		ok "gdb: attach (-p) to a program under cse-run sees its symbols"
	else
		notok "gdb: attach (-p) to a program under cse-run sees its symbols" "$out" "$(cat "$W/wait.out")"
	fi
else
	notok "gdb: build the test programs" "$(cat "$W/cc.log")"
fi
if command -v strace >/dev/null; then
	out=$(timeout -k 5 60 "$CSE_RUN" -- strace -f -e trace=execve -o "$W/strace.log" \
		sh -c 'echo traced; /bin/true' 2>&1 </dev/null)
	if [ "$out" = traced ] && grep -q 'execve(.*"/bin/true"' "$W/strace.log"; then
		ok "strace -f inside cse-run"
	else
		notok "strace -f inside cse-run" "$out" "$(cat "$W/strace.log")"
	fi
else
	ok "strace -f inside cse-run # SKIP strace not installed"
fi

# ------------------------------------------------------------ xor %eax,%eax; syscall (read)
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$W/pad_site" "$TOP/selftests/host/progs/pad_site.c" \
	2>"$W/cc.log"; then
	expect "rewrite: native pad_site" "pad_site ok" "$W/pad_site" plain
	# 20 runs: the stubs land at random addresses, and a jmp's rel32
	# once read as a site's code (mov $imm32,%ecx) patched it twice
	for i in $(seq 20); do
		out=$("$CSE_RUN" -- "$W/pad_site" patched 2>&1) || break
	done
	expect "rewrite: glibc 2.36's read() shape rewritten through its padding, __read_nocancel's through the padding before its entry, branch to the syscall (never patched twice), signals see no stub (20 runs)" \
		"pad_site ok" printf '%s\n' "$out"
	expect "rewrite: --no-rewrite leaves it alone" "pad_site ok" \
		"$CSE_RUN" --no-rewrite -- "$W/pad_site" plain
else
	notok "rewrite: build pad_site" "$(cat "$W/cc.log")"
fi
if command -v strace >/dev/null; then
	# libc's own read(): after its first two calls no read traps again.
	timeout -k 5 60 strace -f -qq -e trace=none -e signal=SIGSYS -o "$W/sigsys.log" \
		"$CSE_RUN" -- dd if=/dev/zero of=/dev/null bs=1 count=3000 2>/dev/null
	n=$(grep -c 'si_syscall=__NR_read,' "$W/sigsys.log")
	if [ "$n" -lt 20 ]; then
		ok "rewrite: 3000 libc read() calls of dd trap $n times (< 20)"
	else
		notok "rewrite: 3000 libc read() calls of dd trap $n times (< 20)" "$(grep -m3 __NR_read "$W/sigsys.log")"
	fi
fi

# ------------------------------------------------------------ rewriter golden bytes
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I"$TOP/user/runtime" -o "$W/rewrite_golden" \
	"$TOP/selftests/host/progs/rewrite_golden.c" "$TOP/user/runtime/rewrite_emit.c" \
	"$TOP/user/runtime/rewrite_pad.c" 2>"$W/cc.log"; then
	"$W/rewrite_golden" >"$W/golden.tap"
	grc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "rewrite: ${line#ok * }" ;;
		"not ok "*) notok "rewrite: ${line#not ok * }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$W/golden.tap"
	[ $grc -eq 0 ] || grep -q '^not ok' "$W/golden.tap" || notok "rewrite: golden program exited $grc"
else
	notok "rewrite: build the golden test" "$(cat "$W/cc.log")"
fi

t_done
