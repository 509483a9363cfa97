// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path: after a site trapped twice, patch it so later calls reach
 * the runtime through a call instead of a SIGSYS.
 *
 * Mode "jump": the site must be `mov $nr,%eax; syscall` (7 bytes, the
 * shape glibc, musl and busybox use for fixed-number calls). The 5-byte
 * mov becomes a jmp to a per-site stub; the syscall instruction itself is
 * left in place, so a branch that targets it still works (it traps).
 * The stub steps over the red zone before it calls into the runtime, so
 * the interrupted code's red zone is never written.
 *
 * Sites whose number is already in rax, where the syscall follows
 * `mov %reg,%rax` (syscall(2)-style wrappers, inline asm with a variable
 * number) or `xor $imm8,%sil` (glibc's futex calls), have both
 * instructions replaced by 0 or 1 byte of nop and one jmp whose rel32 ends
 * in 0f 05: the old syscall address still holds a syscall, so a branch
 * to it traps as before, and the first instruction's address still
 * starts an instruction (nop or jmp) that reaches the stub, which replays
 * the first instruction. The stub lives in a "landing pool" at the one
 * distance that encodes (rewrite_emit.h). Calls that need the signal
 * frame reach the stub's own trapping syscall (dispatch_fast).
 *
 * Only these shapes: the patched bytes hold exactly two instruction
 * boundaries before the patch, the first instruction's and the
 * syscall's, and both still start an instruction with the same effect
 * after it. Anything else (a patch over an instruction that may be a
 * branch target) stays on SUD.
 *
 * Page 0 (zpoline style `call *%rax`) is deliberately not used: the call
 * pushes its return address at rsp-8, inside the red zone of the
 * interrupted code, which leaf functions may be using across an inline
 * syscall.
 *
 * Thread safety: the 5 or 6 bytes are replaced by one locked cmpxchg of the
 * aligned 8- or 16-byte block that contains them, so a thread executing
 * the site sees either the old or the new instruction, never a mix.
 * Sites whose bytes straddle such a block stay on SUD once the process
 * has ever had a second thread sharing its memory; before that, nothing
 * else can execute the bytes and a plain copy is safe.
 */
#include "runtime.h"
#include "rewrite_emit.h"
#include "rewrite_int.h"

#define POOL_SIZE	(64 * 1024)
#define LANDING_SIZE	(16 * 1024)
#define MAX_POOLS	64
#define TWO_GB		0x7fff0000L
#define K_MADV_POPULATE_WRITE	23

struct stub_pool {
	uintptr_t base;
	size_t used;
};

static struct stub_pool pools[MAX_POOLS];
static int npools;
static struct stub_pool landing[MAX_POOLS];	/* for register-number sites */
static int nlanding;
static struct stub_pool gpools[MAX_POOLS];	/* gap stubs (GAP_STUB_SIZE) */
static int ngpools;
static int rewrite_lock;
int rewrite_enabled;
volatile int shared_memory_threads;	/* set once, never cleared */

/* A CLONE_VM sibling may now execute code we patch (vfork parents sleep). */
void rewrite_note_threads(void)
{
	shared_memory_threads = 1;
}
static const char *off_reason = "off (--no-rewrite)";

/*
 * Sites seen trapping once, with their number + 1 (0: not stored yet). A
 * site is patched on its second trap: most sites of a short process
 * (loader, libc start-up, exit) trap exactly once, and patching one costs
 * an mprotect pair, far more than a trap. Sites seen once on the page(s)
 * of a site being patched are patched with it, under the same pair.
 * Open addressing, insert only; a lost race only delays a patch. One
 * page, site and number side by side: a start that traps at a dozen
 * sites touches it once (each page touched is a page fault); a crowded
 * table patches at the first trap. trapped_before: 0 first trap, 1 seen
 * before, 2 crowded (not known: learned as a first trap, and patched).
 */
#define SEEN_BITS	8
#define SEEN_SLOTS	(1 << SEEN_BITS)
#define SEEN_PROBES	8
static struct {
	uintptr_t site;
	long nr;
} seen[SEEN_SLOTS] RT_LARGE __attribute__((aligned(4096)));

void rewrite_init(int enabled)
{
	rewrite_enabled = enabled;
	/* Every start traps (exit_group at least) and so writes the table
	 * of sites seen: one call now rather than a page fault then. */
	if (enabled)
		rt_sys3(__NR_madvise, seen, sizeof(seen), K_MADV_POPULATE_WRITE);
}

/* The application switched on its own SUD: keep exact trap semantics. */
void rewrite_stop(const char *why)
{
	rewrite_enabled = 0;
	off_reason = why;
}

const char *rewrite_mode(void)
{
	return rewrite_enabled ? "jump (5-byte jmp to a per-site stub for mov $nr,%eax; "
				 "syscall; jmp ending in 0f 05 for mov %reg,%rax; syscall "
				 "and xor $imm8,%sil; syscall; "
				 "page0 not used: "
				 "call *%rax writes the red zone)"
			       : off_reason;
}

static int near(uintptr_t from, uintptr_t to)
{
	long d = (long)(to - from);

	return d > -TWO_GB && d < TWO_GB;
}

/* Pool header: the absolute addresses the stubs call through. */
static void pool_header(uintptr_t base)
{
	*(uintptr_t *)(base + POOL_HDR_FAST) = (uintptr_t)cse_fast_entry;
	*(uintptr_t *)(base + POOL_HDR_DYN) = (uintptr_t)cse_fast_entry_dyn;
}

static int pool_at(uintptr_t hint)
{
	for (int i = 0; i < npools; i++)
		if (pools[i].base == hint)
			return 1;
	for (int i = 0; i < ngpools; i++)
		if (gpools[i].base == hint)
			return 1;
	return 0;
}

/*
 * A pool of set (size-byte stubs) within rel32 reach of site, created
 * near it if needed: 16 MiB steps below the site, and at each step the
 * first of a few 64 KiB slots free, so a library's stub and gap-stub
 * pools share a page table (each new 2 MiB region a process touches
 * costs a page table, its first fault there about 20 us on a PVM guest).
 */
#define POOL_SLOTS	4

/*
 * Pool slots in the loader's own image, among the pages every start
 * touches: the libraries' sites within reach of it (those mapped in the
 * mmap area, ld.so's and libc's first) get their pools here, all made
 * executable by one mprotect at the first, without a 2 MiB region of
 * their own.
 */
static uint8_t pool_arena[POOL_SLOTS * POOL_SIZE] RT_LARGE
	__attribute__((aligned(POOL_SIZE)));
static int arena_used;

static long pool_map(uintptr_t hint)
{
	uintptr_t a = (uintptr_t)pool_arena + (uintptr_t)arena_used * POOL_SIZE;
	long r;

	if (!hint) {
		if (arena_used == POOL_SLOTS ||
		    (!arena_used && rt_sys3(__NR_mprotect, pool_arena, sizeof(pool_arena),
					    7 /* RWX */) != 0))
			return -12;	/* ENOMEM */
		arena_used++;
		return (long)a;
	}
	r = rt_sys6(__NR_mmap, hint, POOL_SIZE, 7 /* RWX */,
		    0x22 | 0x100000 /* MAP_FIXED_NOREPLACE */, -1, 0);
	if (IS_ERR_RET(r))
		return r;
	if ((uintptr_t)r != hint) {	/* old kernel ignoring NOREPLACE */
		rt_sys2(__NR_munmap, r, POOL_SIZE);
		return -17;	/* EEXIST */
	}
	return r;
}
static struct stub_pool *pool_near(struct stub_pool *set, int *nset, size_t size,
				   uintptr_t site)
{
	int n = *nset;

	for (int i = 0; i < n; i++)
		if (near(site, set[i].base) && near(site, set[i].base + POOL_SIZE) &&
		    set[i].used + size <= POOL_SIZE)
			return &set[i];
	if (n == MAX_POOLS)
		return NULL;
	for (long k = POOL_SLOTS - 1; k < 64 * POOL_SLOTS; k++) {
		uintptr_t a = (uintptr_t)pool_arena + (uintptr_t)arena_used * POOL_SIZE;
		uintptr_t hint = (site & ~0xfffful) - (uintptr_t)(k / POOL_SLOTS) * 0x100000ul * 16 +
				 (uintptr_t)(k % POOL_SLOTS) * POOL_SIZE;
		long r;

		if (k == POOL_SLOTS - 1) {	/* first, the arena when in reach */
			if (arena_used == POOL_SLOTS || !near(site, a) ||
			    !near(site, a + POOL_SIZE))
				continue;
			hint = 0;
		} else if (hint < 0x10000 || hint > site) {
			break;
		} else if (pool_at(hint)) {
			continue;	/* ours: no mmap to hear EEXIST */
		}
		r = pool_map(hint);
		if (IS_ERR_RET(r))
			continue;
		set[n].base = (uintptr_t)r;
		/* header and first stubs: one call, not a fault */
		rt_sys3(__NR_madvise, r, 4096, K_MADV_POPULATE_WRITE);
		pool_header((uintptr_t)r);
		set[n].used = 16;
		__atomic_store_n(nset, n + 1, __ATOMIC_RELEASE);
		return &set[n];
	}
	return NULL;
}

/*
 * A stub slot for a register-number site: at site + DYN_REL32_BASE +
 * [0, 64K), see rewrite_emit.h. Landing pools are small and bump
 * allocated; a site whose window no pool covers gets a new pool at the
 * window's first page, or stays on SUD when that address is taken.
 */
static uintptr_t landing_slot(uintptr_t site, uintptr_t *base)
{
	uintptr_t hint = (site + DYN_REL32_BASE + 4095) & ~4095ul;
	long r;

	for (int i = 0; i < nlanding; i++) {
		uintptr_t s = landing[i].base + landing[i].used;

		if (landing[i].used + DYN_STUB_SIZE <= LANDING_SIZE &&
		    rewrite_dyn_reach(site, s)) {
			landing[i].used += DYN_STUB_SIZE;
			*base = landing[i].base;
			return s;
		}
	}
	if (nlanding == MAX_POOLS || hint < site)
		return 0;
	r = rt_sys6(__NR_mmap, hint, LANDING_SIZE, 7 /* RWX */,
		    0x22 | 0x100000 /* MAP_FIXED_NOREPLACE */, -1, 0);
	if (IS_ERR_RET(r))
		return 0;
	if ((uintptr_t)r != hint) {
		rt_sys2(__NR_munmap, r, LANDING_SIZE);
		return 0;
	}
	rt_sys3(__NR_madvise, hint, 4096, K_MADV_POPULATE_WRITE);
	pool_header(hint);
	landing[nlanding].base = hint;
	landing[nlanding].used = 16 + DYN_STUB_SIZE;
	nlanding++;
	*base = hint;
	return hint + 16;
}

/*
 * The stub whose bytes hold rip, for a signal interrupting it
 * (sigdefer.c): 0 for a `mov $nr,%eax` stub, 1 for a register-number
 * stub, 2 for a gap stub, -1 when rip is in no pool.
 */
int rewrite_stub_of(uintptr_t rip, uintptr_t *stub)
{
	int n = __atomic_load_n(&npools, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if (rip - pools[i].base - 16 < POOL_SIZE - 16) {
			*stub = rip - (rip - pools[i].base - 16) % STUB_SIZE;
			return 0;
		}
	n = __atomic_load_n(&nlanding, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (rip - landing[i].base - 16 < LANDING_SIZE - 16) {
			*stub = rip - (rip - landing[i].base - 16) % DYN_STUB_SIZE;
			return 1;
		}
	n = __atomic_load_n(&ngpools, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (rip - gpools[i].base - 16 < POOL_SIZE - 16) {
			*stub = rip - (rip - gpools[i].base - 16) % GAP_STUB_SIZE;
			return 2;
		}
	return -1;
}

/* The next stub slot of pool, filled for `mov $nr,%eax; syscall` ending at site. */
/* A gap site's window: up to GAP_MAX + 8 bytes ending at site, never
 * reaching below site - 2's page (which may be the mapping's first). */
static int gap_window(uintptr_t site, const uint8_t **w)
{
	uintptr_t start = site - (GAP_MAX + 8), page = (site - 2) & ~4095ul;

	if (start < page)
		start = page;
	*w = (const uint8_t *)start;
	return (int)(site - start);
}

static uintptr_t emit_stub(struct stub_pool *pool, uintptr_t site, uint32_t nr)
{
	uintptr_t stub = pool->base + pool->used;

	rewrite_emit_stub((uint8_t *)stub, stub, pool->base, site, nr);
	pool->used += STUB_SIZE;
	return stub;
}


static int trapped_before(uintptr_t site, long nr)
{
	unsigned int h = (unsigned int)((site * 0x9e3779b97f4a7c15ull) >> (64 - SEEN_BITS));

	for (unsigned int i = 0; i < SEEN_PROBES; i++) {
		unsigned int at = (h + i) % SEEN_SLOTS;
		uintptr_t *slot = &seen[at].site, empty = 0;
		uintptr_t v = __atomic_load_n(slot, __ATOMIC_RELAXED);

		if (v == site)
			return 1;
		if (v == 0) {
			if (__atomic_compare_exchange_n(slot, &empty, site, 0, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				__atomic_store_n(&seen[at].nr, nr + 1, __ATOMIC_RELEASE);
				return 0;
			}
			return empty == site;
		}
	}
	return 2;	/* crowded: patch now rather than never */
}

/*
 * 1 when site (nr 0) has the pad shape (rewrite_emit.h) and its bytes up
 * to site + PAD_AFTER are known r-x: in [lo, hi) for a batch, else on
 * site's page or a checked next page.
 */
static int pad_site(uintptr_t site, uintptr_t lo, uintptr_t hi)
{
	uintptr_t last = site + PAD_AFTER - 1;
	int prot;

	if (lo ? last >= hi : ((last ^ (site - 2)) >> 12 &&
			       (rewrite_mapping_prot(last, &prot) || prot != 5)))
		return 0;
	return rewrite_match_pad((const uint8_t *)site - PAD_BEFORE, site) != 0;
}

/* The pad site's stub (in a gap pool) and its two jmps. */
static int prepare_pad(uintptr_t site, uintptr_t lo, uintptr_t hi, struct site_patch *p)
{
	uint8_t *at = (uint8_t *)site - 4;
	uintptr_t pad = site + 9, stub;
	struct stub_pool *pool;
	int prot;

	if (lo && ((uintptr_t)at < lo || pad + SITE_PATCH_LEN > hi))
		return -1;
	if (((uintptr_t)at & 15) > 14 && shared_memory_threads)
		return -1;	/* straddles a 16-byte block: stay on SUD */
	if (!lo && (rewrite_mapping_prot((uintptr_t)at, &prot) || prot != 5))
		return -1;
	pool = pool_near(gpools, &ngpools, GAP_STUB_SIZE, site);
	if (!pool)
		return -1;
	stub = pool->base + pool->used;
	rewrite_emit_pad_stub((uint8_t *)stub, stub, pool->base, site);
	pool->used += GAP_STUB_SIZE;
	rewrite_emit_pad_jmps(p->jmp, p->jmp2, site, pad, stub);
	p->at = at;
	p->n = 2;
	p->at2 = (uint8_t *)pad;
	p->n2 = SITE_PATCH_LEN;
	return 0;
}

/* Set while patch_learned prepares sites of text mapped just now,
 * which nothing has run yet (rewrite lock held). */
static int fresh_text;

int prepare_fresh_site(uintptr_t site, long nr, uintptr_t lo, uintptr_t hi, struct site_patch *p)
{
	int r;

	fresh_text = 1;
	r = prepare_site(site, nr, lo, hi, p);
	fresh_text = 0;
	return r;
}

/*
 * The same through the padding before the entry (__read_nocancel's
 * shape, rewrite_emit.h): every byte read on the xor's page (r-x, the
 * syscall trapped there) or in [lo, hi). Its padding is written with a
 * plain copy, ahead of the xor's jmp: only while no other thread can
 * run this text (at load, or a process that never shared its memory).
 */
static int prepare_pad_before(uintptr_t site, uintptr_t lo, uintptr_t hi, struct site_patch *p)
{
	uintptr_t entry = site - 4, stub;
	struct stub_pool *pool;
	uint8_t jmp_pad[SITE_PATCH_LEN];
	int len;

	if (shared_memory_threads && !fresh_text)
		return -1;
	if (lo ? site - PADB_BEFORE < lo || site + PADB_AFTER > hi
	       : (entry & 4095) < PADB_BEFORE)
		return -1;
	len = rewrite_match_pad_before((const uint8_t *)site - PADB_BEFORE, site);
	if (!len)
		return -1;
	pool = pool_near(gpools, &ngpools, GAP_STUB_SIZE, site);
	if (!pool)
		return -1;
	stub = pool->base + pool->used;
	rewrite_emit_pad_stub((uint8_t *)stub, stub, pool->base, site);
	pool->used += GAP_STUB_SIZE;
	rewrite_emit_pad_jmps(p->jmp, jmp_pad, site, entry - SITE_PATCH_LEN, stub);
	rewrite_emit_pad_before(p->jmp2, len, site, stub);
	p->at = (uint8_t *)entry;
	p->n = 2;
	p->at2 = (uint8_t *)entry - len;
	p->n2 = (size_t)len;
	return 0;
}

/* The destination of the jmp (e9 rel32 or eb rel8) at a, or 0. */
static uintptr_t jmp_dest(const uint8_t *a)
{
	int32_t rel;

	if (a[0] == 0xeb)
		return (uintptr_t)a + 2 + (uintptr_t)(long)(int8_t)a[1];
	if (a[0] != 0xe9)
		return 0;
	memcpy(&rel, a + 1, 4);
	return (uintptr_t)a + 5 + (uintptr_t)(long)rel;
}

/* 1 when the code before the syscall is one of our patches: a jmp into
 * a pool at site - 7 (a plain or dyn5 patch) or ending at site (a
 * register-number one), or the pad shapes' jmp rel8 at site - 4 to a jmp
 * into a pool. A trap there comes from a branch to the syscall itself;
 * the jmp's bytes, the padding's before the entry most of all, must not
 * be read as the site's code (a rel32 can look like mov $imm32,%ecx).
 * Only bytes in [lo, hi), or on site - 2's page, are read. */
static int patched_already(uintptr_t site, uintptr_t lo, uintptr_t hi)
{
	uintptr_t stub, from = lo ? lo : (site - 2) & ~4095ul, d;
	uintptr_t to = lo ? hi : from + 4096;

	if (site - 9 < from)
		return 0;
	if (rewrite_stub_of(jmp_dest((const uint8_t *)site - 7), &stub) >= 0 ||
	    rewrite_stub_of(jmp_dest((const uint8_t *)site - 5), &stub) >= 0)
		return 1;
	d = jmp_dest((const uint8_t *)site - 4);
	if (((const uint8_t *)site)[-4] != 0xeb || d < from || d + 5 > to)
		return 0;
	return rewrite_stub_of(jmp_dest((const uint8_t *)d), &stub) >= 0;
}

/*
 * The stub for the syscall ending at site and the jmp that reaches it,
 * when the site has a shape we patch. A site of a batch (lo != 0) must
 * lie in [lo + 8, hi] with its patch inside [lo, hi): the pages already
 * known to be r-x. 0 on success; called with rewrite_lock held.
 */
int prepare_site(uintptr_t site, long nr, uintptr_t lo, uintptr_t hi, struct site_patch *p)
{
	struct stub_pool *pool;
	uintptr_t stub, base;
	const uint8_t *w;
	uint8_t *at;
	size_t n;
	int prot, insn_len = 0, gap = 0, dyn5 = 0;	/* insn_len: a register shape's */

	if (lo && (site < lo + 8 || site > hi))
		return -1;	/* the shapes below read from site - 8 on */
	if (patched_already(site, lo, hi))
		return -1;
	p->at2 = NULL;
	if (nr == 0 && pad_site(site, lo, hi))
		return prepare_pad(site, lo, hi, p);
	if (nr == 0 && !prepare_pad_before(site, lo, hi, p))
		return 0;
	if (rewrite_match((const uint8_t *)site - SITE_SPAN - 1, nr))
		;
	else if (rewrite_match_dyn5((const uint8_t *)site - 8))
		dyn5 = 1;
	else if (!(insn_len = rewrite_match_reg((const uint8_t *)site - 8))) {
		int wn = gap_window(site, &w);

		gap = rewrite_match_gap(w, wn, nr);
		if (!gap)
			return -1;
	}
	/* a jmp over the 5-byte instruction before the syscall (mov $nr,
	 * dyn5) or before the moves (gap); a register-number shape's
	 * instruction and syscall together */
	n = insn_len ? (size_t)insn_len + 2 : SITE_PATCH_LEN;
	at = (uint8_t *)(insn_len ? site - n : site - SITE_SPAN - (size_t)gap);
	if (lo && ((uintptr_t)at < lo || (uintptr_t)at + n > hi))
		return -1;
	if (((uintptr_t)at & 15) > 16 - n && shared_memory_threads)
		return -1;	/* straddles a 16-byte block: stay on SUD */
	if (!lo && (rewrite_mapping_prot((uintptr_t)at, &prot) || prot != 5 /* r-x */))
		return -1;
	if (insn_len) {
		stub = landing_slot(site, &base);
		if (!stub)
			return -1;
		rewrite_emit_dyn_stub((uint8_t *)stub, stub, base, site, at, insn_len);
		rewrite_emit_dyn_jmp(p->jmp, insn_len, site, stub);
	} else if (gap || dyn5) {
		pool = pool_near(gpools, &ngpools, GAP_STUB_SIZE, site);
		if (!pool)
			return -1;
		stub = pool->base + pool->used;
		if (gap) {
			rewrite_emit_gap_stub((uint8_t *)stub, stub, pool->base, site,
					      (uint32_t)nr, at + SITE_PATCH_LEN, gap);
		} else {
			rewrite_emit_dyn_stub((uint8_t *)stub, stub, pool->base, site, at,
					      SITE_PATCH_LEN);
			for (int i = DYN_STUB_SIZE; i < GAP_STUB_SIZE; i++)
				((uint8_t *)stub)[i] = 0xcc;
			((uint8_t *)stub)[GAP_KIND_BYTE] = 1;
		}
		pool->used += GAP_STUB_SIZE;
		rewrite_emit_jmp(p->jmp, (uintptr_t)at, stub);
	} else {
		pool = pool_near(pools, &npools, STUB_SIZE, site);
		if (!pool)
			return -1;
		stub = emit_stub(pool, site, (uint32_t)nr);
		rewrite_emit_jmp(p->jmp, (uintptr_t)at, stub);
	}
	p->at = at;
	p->n = n;
	return 0;
}

/* Sites seen once whose patches lie in [lo, hi), prepared into ps. */
static int gather_seen(uintptr_t lo, uintptr_t hi, uintptr_t skip, struct site_patch *ps,
		       int room)
{
	int k = 0;

	for (int i = 0; i < SEEN_SLOTS && k < room; i++) {
		uintptr_t s = __atomic_load_n(&seen[i].site, __ATOMIC_RELAXED);
		long nr = __atomic_load_n(&seen[i].nr, __ATOMIC_ACQUIRE) - 1;

		if (s == skip || nr < 0 || s < lo || s > hi)
			continue;
		if (prepare_site(s, nr, lo, hi, &ps[k]) == 0)
			k++;
	}
	return k;
}

void rewrite_site(uintptr_t site, long nr)
{
	struct site_patch ps[BATCH_MAX];
	uintptr_t page, end;
	int k, seen_before;

	if (!rewrite_enabled || site < 4096 + 8)
		return;
	if (site >= cse_cfg.text_start && site < cse_cfg.text_end)
		return;		/* our own code never traps; be safe anyway */
	seen_before = trapped_before(site, nr);
	/* The next processes of this program will know the site, and that
	 * it is hot when it trapped twice here (crowded: not known). */
	learn_site(site, nr, seen_before == 1);
	if (!seen_before)
		return;
	if (__atomic_exchange_n(&rewrite_lock, 1, __ATOMIC_ACQUIRE))
		return;		/* busy (another thread, or we interrupted it) */
	if (prepare_site(site, nr, 0, 0, &ps[0]))
		goto out;
	page = (uintptr_t)ps[0].at & ~4095ul;
	end = (patch_end(&ps[0]) + 4095) & ~4095ul;
	k = 1 + gather_seen(page, end, site, ps + 1, BATCH_MAX - 1);
	patch_sites(ps, k, page, end - page);
out:
	__atomic_store_n(&rewrite_lock, 0, __ATOMIC_RELEASE);
}

/* The lock of prepare_site and patch_sites: 1 when taken. */
int rewrite_try_lock(void)
{
	return !__atomic_exchange_n(&rewrite_lock, 1, __ATOMIC_ACQUIRE);
}

void rewrite_unlock(void)
{
	__atomic_store_n(&rewrite_lock, 0, __ATOMIC_RELEASE);
}
