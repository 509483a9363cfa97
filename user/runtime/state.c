// SPDX-License-Identifier: GPL-2.0
/*
 * The per-application instance state (include/cse/state.h): mapped
 * MAP_SHARED from the state memfd in every process of the application,
 * carved into named regions for the elements.
 */
#include <cse/state.h>
#include "runtime.h"

struct cse_state_header *cse_state;

/*
 * Each page of the shared state a process touches would cost it a page
 * fault (about 5 us on a PVM guest); one populate call per page it is
 * sure to write is cheaper. Best effort: before Linux 5.14 it faults.
 */
static void state_populate(const void *page)
{
	rt_sys3(__NR_madvise, (uintptr_t)page & ~4095ul, 4096, 23 /* MADV_POPULATE_WRITE */);
}

static void state_lock(void)
{
	while (__atomic_exchange_n(&cse_state->lock, 1, __ATOMIC_ACQUIRE))
		rt_sys0(__NR_sched_yield);
}

static void state_unlock(void)
{
	__atomic_store_n(&cse_state->lock, 0, __ATOMIC_RELEASE);
}

int state_attach(int fd, const char **err)
{
	struct cse_state_header *h;
	long r = rt_sys6(__NR_mmap, 0, CSE_STATE_SIZE, 3 /* RW */,
			 1 /* MAP_SHARED */, fd, 0);

	if (IS_ERR_RET(r)) {
		*err = "cannot map the instance state";
		return (int)r;
	}
	h = (struct cse_state_header *)r;
	cse_state = h;
	state_populate(h);	/* the lock, written just below */
	state_lock();
	if (h->magic != CSE_STATE_MAGIC) {
		h->version = CSE_STATE_VERSION;
		h->size = CSE_STATE_SIZE;
		h->initial_pid = (int)rt_sys0(__NR_getpid);
		h->next_free = CSE_STATE_DATA_START;
		__atomic_store_n(&h->magic, CSE_STATE_MAGIC, __ATOMIC_RELEASE);
	} else if (h->version != CSE_STATE_VERSION) {
		state_unlock();
		*err = "instance state has another layout version";
		return -22;
	}
	h->processes++;
	state_unlock();
	return 0;
}

int state_is_initial_process(void)
{
	return cse_state && cse_state->initial_pid == (int)rt_sys0(__NR_getpid);
}

void *state_region(const char *name, uint32_t size, int *fresh)
{
	struct cse_state_header *h = cse_state;
	void *p = NULL;

	*fresh = 0;
	if (!size)
		return NULL;
	state_lock();
	for (uint32_t i = 0; i < h->nregions; i++) {
		if (!rt_strcmp(h->regions[i].name, name)) {
			if (h->regions[i].size >= size) {
				/* its first page: an element's header, the
				 * pids of fdshare, the keys of the learn region */
				p = (char *)h + h->regions[i].offset;
				state_populate(p);
			}
			goto out;
		}
	}
	size = (size + 4095u) & ~4095u;
	if (h->nregions == CSE_STATE_MAX_REGIONS ||
	    strlen(name) >= sizeof(h->regions[0].name) ||
	    size > CSE_STATE_SIZE - h->next_free)
		goto out;
	memcpy(h->regions[h->nregions].name, name, strlen(name) + 1);
	h->regions[h->nregions].offset = h->next_free;
	h->regions[h->nregions].size = size;
	p = (char *)h + h->next_free;
	h->next_free += size;
	h->nregions++;
	*fresh = 1;
out:
	state_unlock();
	return p;
}
