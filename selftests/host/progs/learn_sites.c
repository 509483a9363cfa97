// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * learn_sites: two programs with the same layout (learned.t). Built
 * plain, slots() runs 64 sites `mov $39,%eax; syscall` (getpid), each
 * once, so a runtime learns them. Built with -DDECOY, the same 64
 * addresses hold those 7 bytes inside the immediate of a movabs, never
 * executed as instructions: a runtime that patched them because it
 * remembered the plain build's sites would change the sum printed.
 */
#include <stdint.h>
#include <stdio.h>

#define SLOTS 64

/* slots() starts 16 bytes before a page; the 64 slots of 16 bytes fill
 * the first 1 KiB of that page in both builds. */
#ifndef DECOY
/* Each slot: the site, then nops. */
__asm__(".text\n.p2align 12\n.skip 4080, 0x90\n.globl slots\nslots:\n"
	"xor %ecx, %ecx\n jmp 1f\n"
	".skip 12, 0x90\n1:\n"
	".rept 64\n"
	"mov $39, %eax\n syscall\n"
	".byte 0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90\n"
	".endr\n"
	".byte 0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90\n"
	"xor %eax, %eax\n nop\n ret\n");
#else
/* The same 7 bytes at the same addresses, inside movabs immediates that
 * start 2 bytes before each slot. */
__asm__(".text\n.p2align 12\n.skip 4080, 0x90\n.globl slots\nslots:\n"
	"xor %ecx, %ecx\n"
	".skip 12, 0x90\n"
	".byte 0x48,0xb8\n"
	".rept 64\n"
	".byte 0xb8,0x27,0x00,0x00,0x00,0x0f,0x05,0x90\n"	/* the immediate */
	"add %rax, %rcx\n"				/* 3 bytes */
	".byte 0x90,0x90,0x90\n"
	".byte 0x48,0xb8\n"				/* the next movabs */
	".endr\n"
	".byte 0,0,0,0,0,0,0,0\n"			/* its immediate */
	"mov %rcx, %rax\n ret\n");
#endif

long slots(void);

int main(void)
{
	unsigned long sum = (unsigned long)slots();

	printf("%s %lx\n",
#ifdef DECOY
	       "decoy",
#else
	       "plain",
#endif
	       sum);
	return 0;
}
