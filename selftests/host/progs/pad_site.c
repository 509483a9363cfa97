// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
/*
 * The shape of glibc 2.36's read(): the number 0 loaded by `xor
 * %eax,%eax`, then `syscall; cmp $-4096,%rax; ja; ret` and the
 * assembler's alignment nops. The runtime reaches such a site through a
 * jmp rel8 into the padding (rewrite_emit.h), so every call must still
 * read the right bytes into the right buffer, a signal handler must only
 * ever see the program's own addresses, and a branch to the syscall
 * itself must still work. Exit 0 when all of it holds.
 *
 * glibc's __read_nocancel has the same body at a 16-byte aligned entry
 * but only 3 bytes of nops after its ret: it is reached through the
 * padding before its entry instead (padb_read, after a function's ret).
 *
 * With argument "patched" (or "plain") it also checks that each xor now
 * is (or still is not) the rewriter's jmp rel8.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>
#include "rip_samples.h"

/* long pad_read(fd, buf, n): read(2) in glibc 2.36's shape. pad_read_raw
 * enters at the syscall itself with rax already 0 (a branch past the xor). */
long pad_read(long fd, void *buf, long n);
long pad_read_raw(long fd, void *buf, long n);
extern const unsigned char pad_read_xor[];
/* __read_nocancel's shape, and the same entered at its syscall */
long padb_read(long fd, void *buf, long n);
long padb_read_raw(long fd, void *buf, long n);
extern const unsigned char padb_read_xor[];
__asm__(".text\n"
	".p2align 4\n"
	".globl pad_read\n"
	".type pad_read,@function\n"
	"pad_read:\n\t"
	"mov %rdx,%rdx\n\t"		/* 9 bytes of context, no prefix last */
	"mov %rsi,%rsi\n\t"
	"mov %rdi,%rdi\n"
	"pad_read_xor:\n\t"
	"xor %eax,%eax\n"
	"pad_read_sys:\n\t"
	"syscall\n\t"
	"cmp $-4096,%rax\n\t"
	"ja 1f\n\t"
	"ret\n\t"
	".p2align 4\n"
	"1:\tret\n"
	".size pad_read, .-pad_read\n"
	".globl pad_read_raw\n"
	".type pad_read_raw,@function\n"
	"pad_read_raw:\n\t"
	"xor %eax,%eax\n\t"
	"jmp pad_read_sys\n"
	".size pad_read_raw, .-pad_read_raw\n"
	/* the entry 48 bytes into a 64-byte block: its padding and the
	 * ret before are on its page */
	".p2align 6\n\t"
	".skip 32, 0xcc\n"
	"padb_prev:\n\t"
	"ret\n\t"
	".p2align 4\n"
	".globl padb_read\n"
	".type padb_read,@function\n"
	"padb_read:\n"
	"padb_read_xor:\n\t"
	"xor %eax,%eax\n"
	"padb_read_sys:\n\t"
	"syscall\n\t"
	"cmp $-4096,%rax\n\t"
	"ja 2f\n\t"
	"ret\n\t"
	".p2align 4\n"
	"2:\tret\n"
	".size padb_read, .-padb_read\n"
	".globl padb_read_raw\n"
	".type padb_read_raw,@function\n"
	"padb_read_raw:\n\t"
	"xor %eax,%eax\n\t"
	"jmp padb_read_sys\n"
	".size padb_read_raw, .-padb_read_raw\n");

static long (*const reads[4])(long, void *, long) = {
	pad_read, pad_read_raw, padb_read, padb_read_raw,
};

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : "";
	struct sigaction sa = { .sa_sigaction = on_alarm, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	char buf[16];
	int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return 1;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 40000; i++) {
		memset(buf, 0, sizeof(buf));
		r = reads[i & 3](fd, buf, 3);
		if (r != 3 || memcmp(buf, "pad", 3) || lseek(fd, 0, SEEK_SET) != 0) {
			fprintf(stderr, "pad_site: call %d: read %ld '%.3s'\n", i, r, buf);
			return 1;
		}
	}
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	if (strays()) {
		fprintf(stderr, "pad_site: %lu of %lu signals saw a rip outside program and libc\n",
			strays(), ticks);
		return 1;
	}
	for (int k = 0; k < 4; k++) {
		r = reads[k](-1, buf, 1);
		if (r != -9) {
			fprintf(stderr, "pad_site: read %d of fd -1 gave %ld, not -EBADF\n", k, r);
			return 1;
		}
	}
	if (!strcmp(want, "patched") && (pad_read_xor[0] != 0xeb || padb_read_xor[0] != 0xeb)) {
		fprintf(stderr, "pad_site: a read-shaped site was not rewritten (%02x %02x)\n",
			pad_read_xor[0], padb_read_xor[0]);
		return 1;
	}
	if (!strcmp(want, "plain") && (pad_read_xor[0] != 0x31 || padb_read_xor[0] != 0x31)) {
		fprintf(stderr, "pad_site: a read-shaped site changed without the rewriter\n");
		return 1;
	}
	printf("pad_site ok\n");
	return 0;
}
