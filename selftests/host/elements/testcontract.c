// SPDX-License-Identifier: GPL-2.0
/*
 * testcontract: a test-only element for the call contract (contract.t).
 *
 * Built twice: as testcontract (TC_ID 1) and, through testcontract2.c,
 * as testcontract2 (TC_ID 2), so two instances can be chained.
 *
 * uname: exit() appends "-NAME" to the nodename the kernel wrote (an
 * output buffer changed after the call; the later element's exit runs
 * first). prctl(TC_OP_BASE + op, ...) are probes, everything else passes:
 *
 *   OP_ORDER (args[1]: which TC_ID answers CSE_DONE, 0 none; args[2]: a
 *     struct tc_log in the application): handle() checks priv is NULL and
 *     leaves a value of its own; exit() logs ID*100 + (priv was NULL)*10 +
 *     (priv came back)*1 and sets ret to 1 + (the ret it saw if >= 0).
 *   OP_SCRATCH (args[1] blocks of args[3] bytes): distinct, 16-byte
 *     aligned, still intact at exit(); ret 0, -ENOMEM or -EIO.
 *   OP_INC (args[1]: spin), OP_LOCAL_INC, OP_NOLOCK, OP_GET: a counter in
 *     the instance state (process memory for LOCAL) under svc->lock,
 *     read and written non-atomically with a spin in between.
 *   OP_SIGNAL_IN_LOCK: tgkill(self, SIGUSR1) while holding the lock.
 *   OP_HOLD: take the lock and sleep args[1] seconds holding it.
 *   OP_CLONE_GET (args[1]: index into struct tc_clone), OP_CLONE_MUTATE
 *     (args[1]: 1: the parent's exit() turns -EINVAL into -EPERM).
 *
 * clone, clone3, fork, vfork: handle() leaves a priv of its own; exit()
 * records, per side (CSE_CALL_CHILD), the ret it saw, a count, the
 * number and whether priv came back (struct tc_clone, process memory:
 * shared with a CLONE_VM child).
 */
#include <asm/unistd.h>
#include <cse/element.h>
#include <cse/kabi.h>

#ifndef TC_ID
#define TC_ID	1
#define TC_NAME	"testcontract"
#endif

#define TC_OP_BASE	0x43534500L
enum { OP_ORDER = 1, OP_SCRATCH, OP_INC, OP_LOCAL_INC, OP_NOLOCK, OP_GET,
       OP_SIGNAL_IN_LOCK, OP_HOLD, OP_CLONE_GET, OP_CLONE_MUTATE, OP_LAST };

/* What exit() of the clone family saw: [0] the parent side, [1] the child. */
struct tc_clone_side {
	long ret, count, nr, priv_bad;
};
static struct tc_clone_side clone_seen[2];
static long clone_mutate;

struct tc_log {
	long n;
	long ent[8];
};

struct tc_state {
	struct cse_lock lock;
	uint64_t counter;
};

static const struct cse_services *svc;
static struct tc_state *st;
static struct cse_lock local_lock;
static uint64_t local_counter;

static int tc_setup(const struct cse_setup *s)
{
	svc = s->svc;
	st = s->state;
	return 0;
}

static void spin(long n)
{
	for (volatile long i = 0; i < n; i++)
		;
}

static uint64_t bump(struct cse_lock *l, uint64_t *counter, long n)
{
	uint64_t v;

	if (l)
		svc->lock(l);
	v = __atomic_load_n(counter, __ATOMIC_RELAXED);
	spin(n);
	__atomic_store_n(counter, v + 1, __ATOMIC_RELAXED);
	if (l)
		svc->unlock(l);
	return v + 1;
}

/* The pattern of block i, byte j. */
static char pat(long i, long j)
{
	return (char)(i * 31 + j * 7 + 1);
}

static long check_blocks(char *const *p, long n, long size)
{
	for (long i = 0; i < n; i++)
		for (long j = 0; j < size; j++)
			if (p[i][j] != pat(i, j))
				return -K_EIO;
	return 0;
}

static enum cse_verdict scratch(struct cse_call *c)
{
	long n = c->args[1], size = c->args[3];
	char **p;

	c->ret = -K_ENOMEM;
	if (n < 1 || n > 64 || size < 1)
		return CSE_DONE;
	p = svc->scratch(c, (size_t)n * sizeof(*p));
	if (!p)
		return CSE_DONE;
	for (long i = 0; i < n; i++) {
		p[i] = svc->scratch(c, (size_t)size);
		if (!p[i])
			return CSE_DONE;
		if ((uintptr_t)p[i] & 15) {
			c->ret = -K_EINVAL;
			return CSE_DONE;
		}
		for (long j = 0; j < size; j++)
			p[i][j] = pat(i, j);
	}
	c->ret = check_blocks(p, n, size);	/* an overlap broke a pattern */
	c->priv = p;
	return CSE_DONE;
}

static int is_clone(long nr)
{
	return nr == __NR_clone || nr == __NR_clone3 || nr == __NR_fork || nr == __NR_vfork;
}

static void clone_exit(struct cse_call *c)
{
	struct tc_clone_side *s = &clone_seen[!!(c->flags & CSE_CALL_CHILD)];

	if ((uintptr_t)c->priv != 0x7c100000 + (uintptr_t)c->nr)
		__atomic_fetch_add(&s->priv_bad, 1, __ATOMIC_RELAXED);
	s->ret = c->ret;
	s->nr = c->nr;
	__atomic_fetch_add(&s->count, 1, __ATOMIC_RELAXED);
	if (clone_mutate && !(c->flags & CSE_CALL_CHILD) && c->ret == -K_EINVAL)
		c->ret = -K_EPERM;
}

static enum cse_verdict tc_handle(struct cse_call *c)
{
	long op = c->args[0] - TC_OP_BASE;

	if (is_clone(c->nr)) {
		if (TC_ID == 1)
			c->priv = (void *)(0x7c100000 + (uintptr_t)c->nr);
		return CSE_PASS;
	}
	if (c->nr == __NR_uname)
		return CSE_PASS;
	if (op <= 0 || op >= OP_LAST)
		return CSE_PASS;
	if (op == OP_ORDER) {
		/* priv NULL on entry is remembered in the value left there. */
		c->priv = (void *)(uintptr_t)(0x7c000000 + TC_ID * 2 + (c->priv == NULL));
		return c->args[1] == TC_ID ? (c->ret = -K_EPERM, CSE_DONE) : CSE_PASS;
	}
	if (TC_ID != 1)
		return CSE_PASS;	/* the other probes are the first instance's */
	switch (op) {
	case OP_SCRATCH:
		return scratch(c);
	case OP_INC:
		c->ret = (long)bump(&st->lock, &st->counter, c->args[1]);
		return CSE_DONE;
	case OP_LOCAL_INC:
		c->ret = (long)bump(&local_lock, &local_counter, c->args[1]);
		return CSE_DONE;
	case OP_NOLOCK:
		c->ret = (long)bump(NULL, &local_counter, c->args[1]);
		return CSE_DONE;
	case OP_GET:
		c->ret = (long)__atomic_load_n(&st->counter, __ATOMIC_RELAXED);
		return CSE_DONE;
	case OP_SIGNAL_IN_LOCK:
		svc->lock(&st->lock);
		svc->syscall(__NR_tgkill, svc->getpid(), svc->gettid(), 10 /* SIGUSR1 */, 0, 0, 0);
		spin(c->args[1]);
		st->counter++;
		svc->unlock(&st->lock);
		c->ret = 0;
		return CSE_DONE;
	case OP_CLONE_GET: {
		long i = c->args[1];

		c->ret = i >= 0 && i < 8 ? ((const long *)clone_seen)[i] : -K_EINVAL;
		return CSE_DONE;
	}
	case OP_CLONE_MUTATE:
		clone_mutate = c->args[1];
		c->ret = 0;
		return CSE_DONE;
	case OP_HOLD: {
		long ts[2] = { c->args[1], 0 };

		svc->lock(&st->lock);
		c->ret = svc->syscall(__NR_nanosleep, (long)ts, 0, 0, 0, 0, 0);
		svc->unlock(&st->lock);
		return CSE_DONE;
	}
	default:
		return CSE_PASS;
	}
}

static void exit_uname(struct cse_call *c)
{
	char node[65];
	size_t n;

	if (c->ret || svc->copy_from_app(node, (const char *)c->args[0] + 65, sizeof(node)))
		return;
	node[64] = 0;
	n = cse_strlen(node);
	cse_snprintf(svc, node + n, sizeof(node) - n, "-%s", TC_NAME);
	svc->copy_to_app((char *)c->args[0] + 65, node, sizeof(node));
}

static void tc_exit(struct cse_call *c)
{
	long op = c->args[0] - TC_OP_BASE;
	uintptr_t mine = 0x7c000000 + TC_ID * 2;
	uintptr_t got = (uintptr_t)c->priv;
	struct tc_log log;

	if (is_clone(c->nr)) {
		if (TC_ID == 1)
			clone_exit(c);
		return;
	}
	if (c->nr == __NR_uname) {
		exit_uname(c);
		return;
	}
	if (TC_ID == 1 && op == OP_SCRATCH && c->ret == 0)
		c->ret = check_blocks(c->priv, c->args[1], c->args[3]);
	if (op != OP_ORDER)
		return;
	if (svc->copy_from_app(&log, (const void *)c->args[2], sizeof(log)) ||
	    log.n < 0 || log.n >= 8)
		return;
	log.ent[log.n++] = TC_ID * 100 + (long)(got & 1) * 10 + ((got & ~(uintptr_t)1) == mine);
	svc->copy_to_app((void *)c->args[2], &log, sizeof(log));
	c->ret = 1 + (c->ret >= 0 ? c->ret : 0);
}

static const long tc_syscalls[] = { __NR_prctl, __NR_uname, __NR_clone, __NR_clone3,
				    __NR_fork, __NR_vfork, CSE_SYSCALLS_END };

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.state_size = sizeof(struct tc_state),
	.name = TC_NAME,
	.description = "test-only: the call contract (exit order, priv, scratch, locks)",
	.setup = tc_setup,
	.syscalls = tc_syscalls,
	.handle = tc_handle,
	.exit = tc_exit,
};
