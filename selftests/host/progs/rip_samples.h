/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the rewriter's site tests (gap_site.c, pad_site.c): a
 * SIGALRM handler that samples the interrupted rip, and a count of the
 * samples that fall in no file-backed mapping (or the vDSO): the tests'
 * loops run only the program's and libc's code, so a stub's address
 * there would show the runtime through.
 */
#ifndef RIP_SAMPLES_H
#define RIP_SAMPLES_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#define SAMPLES 4096
static uintptr_t rips[SAMPLES];
static volatile unsigned long ticks;

static void on_alarm(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	if (ticks < SAMPLES)
		rips[ticks] = (uintptr_t)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
	ticks++;
}

/* Sampled rips that are in no file-backed mapping (or the vDSO): the
 * loop runs only the program's and libc's code, so a stub address would
 * show the runtime through. */
static unsigned long strays(void)
{
	unsigned long n = ticks < SAMPLES ? ticks : SAMPLES, bad = 0;
	char line[512];

	for (unsigned long i = 0; i < n; i++) {
		FILE *f = fopen("/proc/self/maps", "r");
		int found = 0;

		while (f && fgets(line, sizeof(line), f)) {
			unsigned long lo, hi;
			int path = 0;

			if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &path) < 2)
				continue;
			if (rips[i] >= lo && rips[i] < hi) {
				found = path && (line[path] == '/' || !strncmp(line + path, "[vdso]", 6));
				break;
			}
		}
		if (f)
			fclose(f);
		bad += !found;
	}
	return bad;
}

#endif /* RIP_SAMPLES_H */
