// SPDX-License-Identifier: GPL-2.0
/*
 * The element chain: which elements see which syscall numbers, in the
 * order they were named on the command line, and the services table
 * handed to them.
 */
#include "runtime.h"

#define MAX_ELEMENTS CHAIN_MAX_ELEMENTS

RT_HOT_DATA static const struct cse_element *elements[MAX_ELEMENTS];
RT_HOT_DATA static int nelements;
/* Bit i of wants[nr]: element i handles nr. Index SYSCALL_TABLE_SIZE:
 * numbers beyond the table (only elements asking for everything). */
RT_HOT_DATA static uint16_t wants[SYSCALL_TABLE_SIZE + 1];
/* Bit i of quiet[nr]: element i registered nr with fd_quiet (services.h). */
static uint16_t quiet[SYSCALL_TABLE_SIZE];
RT_HOT_DATA static uint16_t quiet_registered;

static long svc_syscall(long nr, long a0, long a1, long a2, long a3, long a4,
			long a5)
{
	return app_syscall6(nr, a0, a1, a2, a3, a4, a5);	/* for the application */
}

static int svc_getpid(void)
{
	return (int)rt_sys0(__NR_getpid);
}

static int svc_gettid(void)
{
	return (int)rt_sys0(__NR_gettid);
}

static int svc_instance_fd(void)
{
	return cse_cfg.instance_fd;
}

static long svc_copy_str_from_app(char *dst, const char *src, size_t size)
{
	return rt_copy_str_from_app(dst, src, size);
}

/* A bump allocation in the thread's arena; dispatch_call releases the
 * call's allocations when it returns. */
RT_HOT void *rt_scratch(size_t size)
{
	struct cse_thread *t = cse_self();
	size_t at = ((size_t)t->scratch_used + 15) & ~(size_t)15;

	if (size > TA_SCRATCH_SIZE || at > TA_SCRATCH_SIZE - size)
		return NULL;
	t->scratch_used = (uint32_t)(at + size);
	return ta_scratch(t) + at;
}

RT_HOT static void *svc_scratch(struct cse_call *c, size_t size)
{
	(void)c;
	return rt_scratch(size);
}

/*
 * fd_quiet: the numbers element e may be spared on a quiet descriptor.
 * Checked here; read by chain_quiet once the element joined the chain
 * (setup runs before chain_add).
 */
static int svc_fd_quiet(int e, const long *nrs)
{
	const long *p;

	if (e < 0 || e >= CHAIN_MAX_ELEMENTS || !nrs || !fdtable_is_tracking(e))
		return -K_EINVAL;
	if (quiet_registered & (1u << e))
		return -K_EBUSY;
	for (p = nrs; *p != CSE_SYSCALLS_END; p++)
		if (!dispatch_quiet_ok(*p))
			return -K_EINVAL;
	for (p = nrs; *p != CSE_SYSCALLS_END; p++)
		quiet[*p] |= (uint16_t)(1u << e);
	quiet_registered |= (uint16_t)(1u << e);
	return 0;
}

/* The elements that registered quiet numbers (a bit each). */
unsigned int chain_quiet_elements(void)
{
	return quiet_registered;
}

const struct cse_services cse_svc = {
	.version = CSE_SERVICES_VERSION,
	.size = sizeof(struct cse_services),
	.syscall = svc_syscall,
	.format = rt_vformat,
	.write_all = fdguard_write_all,	/* hidden fds are handles */
	.syscall_name = syscall_name,
	.syscall_args = syscall_args,
	.hide_fd = fdguard_hide,
	.getpid = svc_getpid,
	.gettid = svc_gettid,
	.instance_fd = svc_instance_fd,
	.copy_from_app = rt_copy_from_app,
	.copy_to_app = rt_copy_to_app,
	.copy_str_from_app = svc_copy_str_from_app,
	.scratch = svc_scratch,
	.lock = rt_lock,
	.unlock = rt_unlock,
	.path_stage = pathstage_register,
	.sockaddr_stage = sockstage_register,
	.fd_track = fdtable_track,
	.fd_set = fdtable_set,
	.fd_get = fdtable_value,
	.fd_quiet = svc_fd_quiet,
};

int chain_add(const struct cse_element *e)
{
	int bit = nelements;

	if (nelements == MAX_ELEMENTS)
		return -1;
	for (const long *p = e->syscalls; p && *p != CSE_SYSCALLS_END; p++) {
		if (*p == CSE_ALL_SYSCALLS) {
			for (int i = 0; i <= SYSCALL_TABLE_SIZE; i++)
				wants[i] |= (uint16_t)(1u << bit);
		} else if (*p >= 0 && *p < SYSCALL_TABLE_SIZE) {
			wants[*p] |= (uint16_t)(1u << bit);
		}
	}
	elements[nelements++] = e;
	return 0;
}

static unsigned int wanted_by(long nr)
{
	if (nr >= 0 && nr < SYSCALL_TABLE_SIZE)
		return wants[nr];
	return wants[SYSCALL_TABLE_SIZE];
}

/* Whether any element's handle() wants nr (dispatch.c's plain calls). */
RT_HOT int chain_wants(long nr)
{
	return wanted_by(nr) != 0;
}

/*
 * The elements that want nr when each registered nr as quiet
 * (services.h fd_quiet), else 0: a call of nr on a descriptor all of
 * them marked skips the chain (dispatch.c).
 */
RT_HOT unsigned int chain_quiet(long nr)
{
	unsigned int m;

	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE || !quiet_registered)
		return 0;
	m = wants[nr];
	return m & ~(unsigned int)quiet[nr] ? 0 : m;
}

/*
 * The handle() of every element that wants c->nr, in order, until one
 * answers. f records which ran and the priv word each left, for
 * chain_exit. Each handle() starts with c->priv NULL.
 */
RT_HOT enum cse_verdict chain_run(struct cse_call *c, struct chain_frame *f)
{
	unsigned int mask = wanted_by(c->nr);

	for (int i = 0; mask && i < nelements; i++) {
		enum cse_verdict v;

		if (!(mask & (1u << i)))
			continue;
		report_count(i);
		if (__builtin_expect(!lock_live, 0))
			__atomic_store_n(&lock_live, 1, __ATOMIC_RELAXED);
		c->priv = NULL;
		f->ran |= 1u << i;
		v = elements[i]->handle(c);
		f->priv[i] = c->priv;
		if (v == CSE_DONE)
			return CSE_DONE;
		mask = wanted_by(c->nr);	/* nr may have been changed */
	}
	return CSE_PASS;
}

/* exit() of the elements whose handle() ran, last first, each with its priv. */
RT_HOT void chain_exit_slow(struct cse_call *c, struct chain_frame *f)
{
	for (int i = nelements - 1; i >= 0; i--) {
		if (!(f->ran & (1u << i)) || !elements[i]->exit)
			continue;
		c->priv = f->priv[i];
		elements[i]->exit(c);
	}
	c->priv = NULL;
}

int chain_count(void)
{
	return nelements;
}

const char *chain_element_name(int i)
{
	return elements[i]->name;
}

void chain_fork_child(int shares_memory)
{
	report_fork_child(shares_memory);
	__atomic_store_n(&lock_live, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nelements; i++)
		if (elements[i]->fork_child)
			elements[i]->fork_child();
}

void chain_before_exec(const char *path)
{
	report_flush();	/* the counters die with this image */
	__atomic_store_n(&lock_live, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nelements; i++)
		if (elements[i]->before_exec)
			elements[i]->before_exec(path);
}
