// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only element: its handler blocks. It makes every read(2) of the
 * application itself, through svc->syscall, and answers with the result,
 * so a read of an empty pipe blocks inside the element's handler. The
 * signals test (selftests/host/signals.t) checks that a signal arriving
 * meanwhile reaches the application's handler promptly and that the read
 * then returns EINTR or is restarted exactly as the kernel's own read
 * would be, with and without SA_RESTART.
 */
#include <asm/unistd.h>
#include <cse/element.h>

static const struct cse_services *svc;

static int testblock_setup(const struct cse_setup *s)
{
	svc = s->svc;
	return 0;
}

static enum cse_verdict testblock_handle(struct cse_call *c)
{
	/* Whatever the call returns, -ERESTARTSYS included, goes back as is:
	 * the runtime finishes an interrupted call as the kernel would. */
	c->ret = svc->syscall(__NR_read, c->args[0], c->args[1], c->args[2], 0, 0, 0);
	return CSE_DONE;
}

static const long testblock_syscalls[] = { __NR_read, CSE_SYSCALLS_END };

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.name = "testblock",
	.description = "test only: makes read(2) itself, blocking in its handler",
	.setup = testblock_setup,
	.syscalls = testblock_syscalls,
	.handle = testblock_handle,
};
