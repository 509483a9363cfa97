// SPDX-License-Identifier: GPL-2.0
/*
 * fs element, the layers (fs_layer.h): where a path of the root layer
 * lives. Without --overlay there is one layer, LOWER, and REL lives at
 * LOWER/REL. With --overlay UPPER, REL lives in UPPER when UPPER holds
 * it (an upper entry wins over a whiteout of the same name), else in
 * LOWER unless a whiteout or an opaque directory on the way hides it.
 * The upper format is described in fs_cow.h; the index of UPPER that
 * spares the disk walk in fs_layer_index.c.
 */
#include <asm/unistd.h>
#include "fs_cow.h"

const struct cse_services *lay_svc;
char lay_lower[FS_PATH_MAX], lay_upper[FS_PATH_MAX], lay_work[FS_PATH_MAX];
size_t lay_lower_len, lay_upper_len;
char lay_lower_real[FS_PATH_MAX];
size_t lay_lower_real_len;
static int lay_on;

static long lstat_path(const char *p, struct cse_kstat *st)
{
	return lay_sys(__NR_newfstatat, K_AT_FDCWD, p, st, K_AT_SYMLINK_NOFOLLOW, 0, 0);
}

/* Flags of the prefix rel[0..n) read from the disk. */
static int disk_flags(const char *rel, size_t n)
{
	LAY_BUF(pre);
	LAY_BUF(p);
	struct cse_kstat st;
	size_t at;
	int fl = 0;
	if (!pre || !p)
		return -1;	/* where() gives ENOMEM */

	for (size_t i = 0; i < n; i++)
		pre[i] = rel[i];
	pre[n] = 0;
	if (lay_whiteout_path(pre, p, FS_PATH_MAX) == 0 && lstat_path(p, &st) == 0)
		fl |= IX_WHITEOUT;
	if (lay_upper_path(pre, p, FS_PATH_MAX) || lstat_path(p, &st))
		return fl;
	fl |= IX_UPPER;
	if ((st.mode & K_S_IFMT) != K_S_IFDIR)
		return fl;
	fl |= IX_DIR;
	at = cse_strlen(p);
	if (!lay_put(p, FS_PATH_MAX, &at, "/" WH_OPAQUE, cse_strlen(WH_OPAQUE) + 1) &&
	    lstat_path(p, &st) == 0)
		fl |= IX_OPAQUE;
	return fl;
}

/* The upper directory of rel[0..n) (n > 0: rel[n - 1] == '/') exists. */
static int parent_there(const char *rel, size_t n)
{
	LAY_BUF(pre);
	LAY_BUF(p);
	struct cse_kstat st;

	if (!n)
		return 1;	/* UPPER itself */
	if (!pre || !p)
		return 0;
	for (size_t i = 0; i + 1 < n; i++)
		pre[i] = rel[i];
	pre[n - 1] = 0;
	return !lay_upper_path(pre, p, FS_PATH_MAX) && !lstat_path(p, &st) && is_dir(&st);
}

/*
 * The last chain of directories where() found all in UPPER by the index
 * (every component IX_UPPER | IX_DIR, none IX_PENDING), per process:
 * len bytes of a REL up to a '/' (raw: their hash state), whether LOWER
 * still shows below it, under index generation gen (ix_dir_gen). A tool
 * that works in one directory (tar, cp -r, a compiler's output
 * directory) asks the index once per name instead of once per
 * component, and not at all below a new directory. check guards
 * against two threads' halves.
 */
static struct {
	uint64_t raw, len, low, gen, check;
} chain;

static uint64_t chain_check(uint64_t raw, uint64_t len, uint64_t low, uint64_t gen)
{
	return (raw ^ (len * 0x9e3779b97f4a7c15ull) ^ (low << 63) ^ (gen * 0xff51afd7ed558ccdull)) | 1;
}

/* The cached chain is a prefix of rel followed by '/' (exactly its
 * first len bytes when len is not 0): its length and hash state, and
 * whether LOWER shows below it (*low); 0 when not. */
static size_t chain_known(const char *rel, size_t len, uint64_t gen, uint64_t *raw, int *low)
{
	uint64_t r = __atomic_load_n(&chain.raw, __ATOMIC_RELAXED);
	uint64_t n = __atomic_load_n(&chain.len, __ATOMIC_RELAXED);
	uint64_t l = __atomic_load_n(&chain.low, __ATOMIC_RELAXED);
	uint64_t g = __atomic_load_n(&chain.gen, __ATOMIC_RELAXED);

	if (!gen || g != gen || !n || (len && n != len) ||
	    __atomic_load_n(&chain.check, __ATOMIC_RELAXED) != chain_check(r, n, l, g))
		return 0;
	for (size_t k = 0; k < n; k++)
		if (!rel[k])
			return 0;
	if (rel[n] != '/' || ix_hash_more(IX_HASH_START, rel, n) != r)
		return 0;
	*raw = r;
	*low = (int)l;
	return n;
}

static void chain_learn(uint64_t raw, size_t len, uint64_t gen, int low)
{
	__atomic_store_n(&chain.check, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&chain.raw, raw, __ATOMIC_RELAXED);
	__atomic_store_n(&chain.len, len, __ATOMIC_RELAXED);
	__atomic_store_n(&chain.low, (uint64_t)low, __ATOMIC_RELAXED);
	__atomic_store_n(&chain.gen, gen, __ATOMIC_RELAXED);
	__atomic_store_n(&chain.check, chain_check(raw, len, (uint64_t)low, gen), __ATOMIC_RELAXED);
}

/*
 * REL lies below a chain of upper directories under which LOWER shows
 * nothing (a new or opaque directory, or one below a whiteout): only
 * UPPER can hold it, so the index is not asked for the rest. fast 4
 * takes the upper path unchecked (the kernel's call finds the name or
 * not); the others look at it.
 */
static int upper_only(const char *rel, struct lay_where *w, int fast, char *p)
{
	long r;

	w->upper_only = 1;
	if (fast >= 4)
		return 2;
	if (lay_upper_path(rel, p, FS_PATH_MAX))
		return -K_ENAMETOOLONG;
	r = lstat_path(p, &w->st);
	if (r)
		return r == -K_ENOTDIR ? (int)r : -K_ENOENT;
	w->upper = 1;
	return 0;
}

/*
 * The walk: an upper chain continues while every prefix is in UPPER;
 * the lower one while no prefix is whited out or opaque (where both
 * end, upper_only). The index answers each prefix from memory; fast ==
 * 0 asks the disk. fast 2 and
 * 3 only want where REL is: an upper entry is not compared with the
 * lower one (merged, lower_any unset), and with 2 a lower-only answer of
 * the index is returned as 1, unchecked; 4 also returns an upper answer
 * as 2, unchecked (an IX_UPPER flag whose change failed is taken back
 * by the failing code, see fs_layer_index.c), unless a component on the
 * way is IX_PENDING: a copy-up in flight in another process, whose upper
 * entry may not be in place yet, so the disk is asked. 5 only tells an
 * upper-only REL (2) from any other (0).
 */
static int where(const char *rel, struct lay_where *w, int fast)
{
	LAY_BUF(p);
	int up = 1, low = 1, fl = 0, sure = 1, lown = 1;
	size_t i = 0, last = 0, hn = 0, pe = 0;
	uint64_t raw = IX_HASH_START;	/* of rel[0..hn) */
	uint64_t gen = fast ? ix_dir_gen() : 0;
	if (!p)
		return -K_ENOMEM;

	w->upper = w->lower = w->merged = w->lower_any = w->parent_low = 0;
	w->upper_only = 0;
	for (size_t k = 0; rel[k]; k++)
		if (rel[k] == '/')
			pe = k;	/* the parent chain is rel[0..pe) */
	if (gen && pe && (hn = chain_known(rel, 0, gen, &raw, &low))) {
		i = hn + 1;
		goto walk;
	}
	fl = fast ? ix_get("", 0) : -1;
	if (fl < 0)
		fl = disk_flags("", 0);
	if (fl < 0)
		return -K_ENOMEM;
	if (fl & IX_OPAQUE)
		low = 0;
walk:
	while (rel[i] && (up || low)) {
		size_t e = i;

		if (fast && up && !low && sure) {
			if (gen && i)
				chain_learn(raw, hn, gen, 0);
			return upper_only(rel, w, fast, p);
		}

		while (rel[e] && rel[e] != '/')
			e++;
		if (!rel[e]) {
			w->parent_low = low;
			if (gen && pe && hn == pe && up && sure)
				chain_learn(raw, pe, gen, low);
		}
		if (up) {
			uint64_t praw = raw;

			raw = ix_hash_more(raw, rel + hn, e - hn);
			hn = e;
			fl = fast ? ix_get_raw(praw, raw) : -1;
			if (fl < 0)
				fl = disk_flags(rel, e);
			if (fl < 0)
				return -K_ENOMEM;
			if (fl & IX_WHITEOUT)
				low = 0;
			lown = low;	/* the name itself (its opaque flag is for below) */
			last = i;
			if (fl & IX_PENDING)
				sure = 0;
			if (!(fl & IX_UPPER))
				up = 0;
			else if (fl & IX_OPAQUE)
				low = 0;
			else if (rel[e] && !(fl & IX_DIR))
				return fast ? where(rel, w, 0) : -K_ENOTDIR;
		}
		i = rel[e] ? e + 1 : e;
	}
	/* REL itself ends such a chain (a new or opaque directory): LOWER
	 * shows nothing below it either (its descriptor's listing, the
	 * names below it: fs_fd_upper_only). */
	if (fast && up && !low && sure && *rel)
		w->upper_only = 1;
	if (fast == 5)
		return 0;	/* not below an upper-only chain */
	if (up && fast == 4 && sure)
		return 2;	/* in UPPER, by the index: not looked at */
	if (up) {
		if (lay_upper_path(rel, p, FS_PATH_MAX))
			return -K_ENAMETOOLONG;
		if (lstat_path(p, &w->st)) {
			if (!fast)
				return -K_ENOENT;
			/* A name announced before its creation (or whose creation
			 * failed): when its upper parent is there, every flag above
			 * it holds and only the name is missing from UPPER. */
			if (!sure || !*rel || !parent_there(rel, last))
				return where(rel, w, 0);
			up = 0;
			low = lown;
		}
	}
	if (up) {
		w->upper = 1;
		if (fast >= 2)
			return 0;	/* found, and where the lower one is is not asked */
	}
	if (!up && low && (fast == 2 || fast == 4))
		return 1;	/* lower only, by the index: not looked at */
	if (low) {
		if (lay_lower_path(rel, p, FS_PATH_MAX))
			return -K_ENAMETOOLONG;
		if (lstat_path(p, &w->lst) == 0) {
			w->lower_any = 1;
			if (!up)
				w->st = w->lst;
			w->lower = !up || (((w->st.mode & K_S_IFMT) == K_S_IFDIR) &&
					   ((w->lst.mode & K_S_IFMT) == K_S_IFDIR));
			w->merged = up && w->lower;
		}
	}
	return (w->upper || w->lower) ? 0 : -K_ENOENT;
}

int lay_where(const char *rel, struct lay_where *w)
{
	return where(rel, w, 1);
}

int lay_upper_only(const char *rel)
{
	struct lay_where w;

	return where(rel, &w, 5) == 2;
}

int lay_lower_may_show(const char *rel)
{
	int fl = ix_get("", 0), low = 1;
	size_t i = 0, hn = 0;
	uint64_t raw = IX_HASH_START;

	if (fl < 0)
		return 1;	/* the index cannot say */
	if (fl & IX_OPAQUE)
		low = 0;
	while (rel[i] && low) {
		size_t e = i;

		while (rel[e] && rel[e] != '/')
			e++;
		uint64_t praw = raw;

		raw = ix_hash_more(raw, rel + hn, e - hn);
		hn = e;
		fl = ix_get_raw(praw, raw);
		if (fl < 0 || !(fl & IX_UPPER) || (fl & IX_PENDING))
			return 1;	/* not an upper chain the index knows */
		if (fl & (IX_WHITEOUT | IX_OPAQUE))
			low = 0;
		i = rel[e] ? e + 1 : e;
	}
	return low;
}

int fs_layer_setup(const struct cse_setup *s, const char *lower,
		   const char *upper)
{
	size_t n = cse_strlen(lower), at = 0;
	struct cse_kstat st;
	long r;

	lay_svc = s->svc;
	if (!n || lower[0] != '/' || n >= sizeof(lay_lower)) {
		cse_snprintf(s->svc, s->err, s->err_size, "fs: bad root layer '%s'", lower);
		return -K_EINVAL;
	}
	for (size_t i = 0; i <= n; i++)
		lay_lower[i] = lower[i];
	while (n > 1 && lay_lower[n - 1] == '/')
		lay_lower[--n] = 0;
	lay_lower_len = n;
	if (!upper)
		return 0;
	n = cse_strlen(upper);
	if (upper[0] != '/' || n + 64 >= sizeof(lay_upper)) {
		cse_snprintf(s->svc, s->err, s->err_size,
			     "--overlay: '%s' is not an absolute path", upper);
		return -K_EINVAL;
	}
	lay_put(lay_upper, sizeof(lay_upper), &at, upper, n);
	while (at > 1 && lay_upper[at - 1] == '/')
		lay_upper[--at] = 0;
	lay_upper_len = at;
	r = lstat_path(lay_upper, &st);
	if (r == 0 && (st.mode & K_S_IFMT) != K_S_IFDIR)
		r = -K_ENOTDIR;
	if (r) {
		cse_snprintf(s->svc, s->err, s->err_size,
			     "--overlay: '%s' is not a directory (errno %ld)", upper, -r);
		return (int)r;
	}
	at = 0;
	lay_put(lay_work, sizeof(lay_work), &at, lay_upper, lay_upper_len);
	lay_put(lay_work, sizeof(lay_work), &at, "/" WH_WORK, cse_strlen(WH_WORK) + 1);
	r = lay_sys(__NR_mkdir, lay_work, 0700, 0, 0, 0, 0);
	if (r && r != -K_EEXIST) {
		cse_snprintf(s->svc, s->err, s->err_size,
			     "--overlay: cannot make '%s' (errno %ld)", lay_work, -r);
		return (int)r;
	}
	r = lay_sys(__NR_open, lay_lower, K_O_PATH | K_O_DIRECTORY | K_O_CLOEXEC, 0, 0, 0, 0);
	if (r >= 0) {
		char fdp[32];
		long t;

		cse_snprintf(s->svc, fdp, sizeof(fdp), "/proc/self/fd/%ld", r);
		t = lay_sys(__NR_readlink, fdp, lay_lower_real, sizeof(lay_lower_real) - 1, 0, 0, 0);
		lay_sys(__NR_close, r, 0, 0, 0, 0, 0);
		lay_lower_real[t > 0 ? t : 0] = 0;
		lay_lower_real_len = t > 0 ? (size_t)t : 0;
	}
	r = ix_open(s->state_fresh, s->err, s->err_size);
	if (r)
		return (int)r;
	lay_on = 1;
	return 0;
}

int fs_layer_overlay(void)
{
	return lay_on;
}

int fs_layer_upper_path(const char *p)
{
	return lay_on && !cse_strncmp(p, lay_upper, lay_upper_len) && p[lay_upper_len] == '/';
}

int fs_layer_find(const char *rel, char *host, size_t size,
		  struct cse_kstat *st, int *only)
{
	struct lay_where w;
	int r;

	if (only)
		*only = 0;
	if (!lay_on) {
		struct cse_kstat tmp;

		r = lay_lower_path(rel, host, size);
		if (r)
			return r;
		return (int)lstat_path(host, st ? st : &tmp);
	}
	/*
	 * Without st, a path the index places in the lower layer alone is
	 * handed on unlooked-at: the kernel's call on it answers ENOENT
	 * itself when it is absent (the view treats 0 and ENOENT alike).
	 */
	r = where(rel, &w, st ? 3 : 4);
	if (only)
		*only = w.upper_only;
	if (r == 1)
		return lay_lower_path(rel, host, size);
	if (r == 2)
		return lay_upper_path(rel, host, size);
	if (r == 0 && !w.upper)
		r = lay_lower_path(rel, host, size);
	else if (r == 0 || r == -K_ENOENT) {
		int e = lay_upper_path(rel, host, size);

		r = e ? e : r;
	}
	if (r == 0 && st)
		*st = w.st;
	return r;
}

/*
 * Under the copy-up lock: lower REL (lstat st), not in UPPER, copied up.
 * The index announces it (IX_PENDING) before the copy is renamed into
 * place and drops the mark after: meanwhile a lookup in another process
 * asks the disk, which shows the lower entry until the rename and the
 * whole upper one from then on, never a missing name.
 */
int lay_copy_in(const char *rel, const struct cse_kstat *st)
{
	LAY_BUF(up);
	LAY_BUF(low);
	size_t n = cse_strlen(rel);
	uint32_t fl = IX_UPPER | IX_PENDING | (is_dir(st) ? IX_DIR : 0);
	int r;
	if (!up || !low)
		return -K_ENOMEM;

	if (lay_upper_path(rel, up, FS_PATH_MAX) || lay_lower_path(rel, low, FS_PATH_MAX))
		return -K_ENAMETOOLONG;
	ix_set(rel, n, fl, 0);
	if (is_dir(st))
		r = cow_mkdir(low, st, up, 0, 0);
	else
		r = cow_copy(low, st, up);
	if (r) {	/* no copy: the lower one shows again */
		ix_set(rel, n, 0, fl);
		return r;
	}
	ix_set(rel, n, 0, IX_PENDING);
	if ((st->mode & K_S_IFMT) == K_S_IFREG)
		cow_move_fds(low, up);
	return 0;
}

/* Under the copy-up lock: the directories above REL exist in UPPER. */
static int parents_locked(const char *rel)
{
	LAY_BUF(pre);
	size_t i = 0;
	int r;
	if (!pre)
		return -K_ENOMEM;

	while (rel[i]) {
		struct lay_where w;
		size_t e = i;

		while (rel[e] && rel[e] != '/')
			e++;
		if (!rel[e])
			break;	/* the last component is not a parent */
		for (size_t k = 0; k < e; k++)
			pre[k] = rel[k];
		pre[e] = 0;
		r = lay_where(pre, &w);
		if (r)
			return r;
		if (!w.upper) {
			if ((w.st.mode & K_S_IFMT) != K_S_IFDIR)
				return -K_ENOTDIR;
			r = lay_copy_in(pre, &w.st);
			if (r)
				return r;
		}
		i = e + 1;
	}
	return 0;
}

/* The upper parent of REL is a directory: then so are all above it. */
static int parent_up(const char *rel)
{
	LAY_BUF(p);
	LAY_BUF(up);
	struct cse_kstat st;
	size_t n = 0;
	int fl;

	if (!p || !up)
		return 0;	/* then the locked walk answers */

	for (size_t i = 0; rel[i]; i++)
		if (rel[i] == '/')
			n = i;
	if (!n)
		return 1;	/* UPPER itself */
	/* The index's word is enough: a directory flag whose mkdir failed is
	 * taken back, or names a directory the view could not reach anyway;
	 * but a copy-up in flight (IX_PENDING) may not be in place yet. */
	{
		uint64_t gen = ix_dir_gen(), raw;
		int low;

		if (gen && chain_known(rel, n, gen, &raw, &low))
			return 1;	/* where() just found it */
	}
	fl = ix_get(rel, n);
	if (fl >= 0 && (fl & (IX_UPPER | IX_DIR | IX_PENDING)) == (IX_UPPER | IX_DIR))
		return 1;
	for (size_t i = 0; i < n; i++)
		p[i] = rel[i];
	p[n] = 0;
	return !lay_upper_path(p, up, FS_PATH_MAX) && !lstat_path(up, &st) &&
	       (st.mode & K_S_IFMT) == K_S_IFDIR;
}

int lay_copy_up_parents(const char *rel)
{
	int r;

	if (parent_up(rel))
		return 0;	/* the common case, without the lock */
	lay_lock();
	r = parents_locked(rel);
	lay_unlock();
	return r;
}

int lay_copy_up(const char *rel, int whole)
{
	struct lay_where w;
	int r;

	lay_lock();
	r = parents_locked(rel);
	/* Asked again under the lock: a loser of a race to copy REL up
	 * finds the winner's copy and uses it. */
	if (!r && whole)
		r = lay_where(rel, &w);
	if (!r && whole && !w.upper)
		r = lay_copy_in(rel, &w.st);
	lay_unlock();
	return r;
}

int fs_layer_prepare(struct cse_call *call, const char *rel, uint32_t intent,
		     char *host, size_t size)
{
	struct lay_where w;
	int r, e;

	if (!lay_on) {
		r = fs_layer_find(rel, host, size, NULL, NULL);
		/* A creation uses the path an absent name would have. */
		if (r == -K_ENOENT && (intent & CSE_PATH_CREATE))
			return 0;
		return r;
	}
	if (!*rel)	/* the root itself: UPPER is its upper copy */
		return lay_upper_path("", host, size);
	/* In UPPER by the index's word (as fs_layer_find takes it), or by
	 * the disk's: changed in UPPER already, nothing to copy. */
	r = where(rel, &w, 4);
	if (r == 2 || (r == 0 && w.upper))
		return lay_upper_path(rel, host, size);
	if (r == 1 || r == 0)
		r = lay_where(rel, &w);
	if (r && r != -K_ENOENT)
		return r;
	/* A device, fifo or socket is never copied up: a writer opens the
	 * real one (a copy would be another fifo, or a device node a plain
	 * user may not make). */
	if (r == 0 && !w.upper && (intent & CSE_PATH_WRITE) && !is_dir(&w.st) &&
	    (w.st.mode & K_S_IFMT) != K_S_IFREG && (w.st.mode & K_S_IFMT) != K_S_IFLNK)
		return lay_lower_path(rel, host, size);
	if (r == 0 && !w.upper && (intent & CSE_PATH_WRITE))
		r = lay_copy_up(rel, 1);
	else if (r == 0 && !w.upper && !(intent & CSE_PATH_REMOVE))
		/* A creation of a name the lower layer shows: the kernel's
		 * EEXIST (mkdir, symlink, link, mknod, bind) changes nothing. */
		return lay_lower_path(rel, host, size);
	else
		r = lay_copy_up_parents(rel);
	if (r && r != -K_ENOENT)
		return r;
	/* Before it exists; mkdir sets its own flags (fs_layer_ops.c). */
	if (!w.upper && !w.lower && (intent & CSE_PATH_CREATE) &&
	    !(call && (call->nr == __NR_mkdir || call->nr == __NR_mkdirat)))
		ix_set(rel, cse_strlen(rel), IX_UPPER, 0);
	e = lay_upper_path(rel, host, size);
	if (e)
		return e;
	if (!w.upper && !w.lower)
		return (intent & CSE_PATH_CREATE) ? 0 : -K_ENOENT;
	return 0;
}
