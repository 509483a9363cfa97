// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: getdents64 of a directory of UPPER (an opened directory
 * that UPPER holds is always the upper one, fs_layer_find). Two phases
 * per open directory:
 *
 *   upper  the kernel lists the upper directory; markers (whiteouts,
 *          ".wh..wh..opq", the work directory) are left out and escaped
 *          user names shown as the user wrote them;
 *   lower  at the upper end, when the directory is merged, the lower
 *          directory's names follow, but for those UPPER holds (already
 *          listed) or whites out. Its position is kept per descriptor
 *          and the lower directory reopened at it each call.
 *
 * A descriptor whose upper listing yields entries again (rewinddir, or
 * a new directory under the same number) starts over. A directory
 * below upper directories under which LOWER shows nothing (a new or
 * opaque one) has no lower phase (upper_listing). Limits: d_off of
 * a lower entry is the lower directory's own (seekdir to it lands in the
 * upper phase); a dup()ed descriptor keeps its own lower position; a
 * directory opened while only the lower one existed lists the lower one
 * alone, as when it was opened.
 */
#include <asm/unistd.h>
#include "fs_cow.h"

#define CHUNK	8192
#define SLOTS	32

struct dir_state {
	int32_t fd;		/* -1: free */
	uint32_t owner;		/* non-zero while a call uses the slot */
	uint64_t dev, ino;
	int64_t lower_off;
	int phase;		/* 0 upper, 1 lower, 2 done */
	uint32_t age;
};

static struct dir_state dirs[SLOTS];

/* n bytes from src to dst (no libc). */
static void fs_bytes(void *dst, const void *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((char *)dst)[i] = ((const char *)src)[i];
}
static uint32_t dir_clock;

static struct dir_state *claim(int fd, const struct cse_kstat *st, const void *call)
{
	/* The owner token only needs to be non-zero. */
	uint32_t tid = (uint32_t)((uintptr_t)call >> 4) | 1, oldest = 0xffffffffu;
	struct dir_state *pick = NULL;

	for (int i = 0; i < SLOTS; i++) {
		struct dir_state *d = &dirs[i];
		uint32_t zero = 0;

		if (__atomic_load_n(&d->owner, __ATOMIC_ACQUIRE))
			continue;
		if (d->age && d->fd == fd && d->dev == st->dev && d->ino == st->ino) {
			if (__atomic_compare_exchange_n(&d->owner, &zero, tid, 0,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return d;
			continue;
		}
		if (d->age < oldest) {
			oldest = d->age;
			pick = d;
		}
	}
	if (pick) {
		uint32_t zero = 0;

		if (!__atomic_compare_exchange_n(&pick->owner, &zero, tid, 0,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return NULL;
		pick->fd = fd;
		pick->dev = st->dev;
		pick->ino = st->ino;
		pick->phase = 0;
		pick->lower_off = 0;
	}
	return pick;
}

/* REL of an upper host path (already known to start with UPPER). */
static int rel_of_upper(const char *host, char *rel, size_t size)
{
	size_t at = 0;

	host += lay_upper_len;
	rel[0] = 0;
	while (*host) {
		char name[256];
		size_t k = 0;

		while (*host == '/')
			host++;
		while (host[k] && host[k] != '/') {
			if (k + 1 >= sizeof(name))
				return -K_ENAMETOOLONG;
			name[k] = host[k];
			k++;
		}
		if (!k)
			break;
		name[k] = 0;
		if (!at && !cse_strcmp(name, WH_WORK))
			return -K_EPERM;
		host += k;
		if (at + k + 2 > size)
			return -K_ENAMETOOLONG;
		if (at)
			rel[at++] = '/';
		lay_name_unescape(name, rel + at, size - at);
		at = cse_strlen(rel);
	}
	return 0;
}

/* Upper entries of tmp[0..n) into out: markers out, names unescaped. */
static size_t filter_upper(const char *tmp, long n, char *out)
{
	size_t used = 0;

	for (long off = 0; off < n;) {
		const struct dent *d = (const struct dent *)(tmp + off);
		struct dent *o = (struct dent *)(out + used);
		size_t len;

		off += d->reclen;
		if (lay_name_hidden(d->name))
			continue;
		lay_name_unescape(d->name, o->name, 256);
		len = cse_strlen(o->name);
		o->ino = d->ino;
		o->off = d->off;
		o->type = d->type;
		o->reclen = (uint16_t)((__builtin_offsetof(struct dent, name) + len + 1 + 7) & ~7u);
		for (size_t i = len + 1; i < o->reclen - __builtin_offsetof(struct dent, name); i++)
			o->name[i] = 0;
		used += o->reclen;
	}
	return used;
}

/* A lower name of merged directory REL that the upper phase did not show. */
static int lower_shows(const char *rel, const char *name)
{
	LAY_BUF(sub);
	LAY_BUF(p);
	struct cse_kstat st;
	int fl;
	if (!sub || !p)
		return -K_ENOMEM;

	if (cse_snprintf(lay_svc, sub, FS_PATH_MAX, rel[0] ? "%s/%s" : "%s%s", rel,
			 name) >= (int)FS_PATH_MAX)
		return 0;
	fl = ix_get(sub, cse_strlen(sub));
	if (fl >= 0 && !(fl & IX_UPPER) && !(fl & IX_WHITEOUT))
		return 1;	/* the index has it: no upper name, no whiteout */
	if (!lay_upper_path(sub, p, FS_PATH_MAX) &&
	    !lay_sys(__NR_newfstatat, K_AT_FDCWD, p, &st, K_AT_SYMLINK_NOFOLLOW, 0, 0))
		return 0;
	return lay_whiteout_path(sub, p, FS_PATH_MAX) ||
	       lay_sys(__NR_newfstatat, K_AT_FDCWD, p, &st, K_AT_SYMLINK_NOFOLLOW, 0, 0) != 0;
}

static long lower_phase(struct dir_state *s, const char *rel, char *tmp, char *out,
			size_t room)
{
	LAY_BUF(low);
	size_t used = 0;
	long fd, n = 1;
	if (!low)
		return -K_ENOMEM;

	if (lay_lower_path(rel, low, FS_PATH_MAX))
		return -K_ENAMETOOLONG;
	fd = lay_sys(__NR_open, low, K_O_RDONLY | K_O_DIRECTORY | K_O_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0) {
		s->phase = 2;	/* gone meanwhile: nothing more to show */
		return 0;
	}
	if (s->lower_off)
		lay_sys(__NR_lseek, fd, s->lower_off, 0, 0, 0, 0);
	while (!used && n > 0) {
		n = lay_sys(__NR_getdents64, fd, tmp, room, 0, 0, 0);
		if (n == 0)
			s->phase = 2;
		for (long off = 0; off < n;) {
			const struct dent *d = (const struct dent *)(tmp + off);

			off += d->reclen;
			s->lower_off = d->off;
			if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
				continue;
			if (!lower_shows(rel, d->name))
				continue;
			for (size_t i = 0; i < d->reclen; i++)
				out[used + i] = ((const char *)d)[i];
			used += d->reclen;
		}
	}
	lay_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	return n < 0 ? n : (long)used;
}

/* REL of the upper directory fd is open on (link: a work buffer, left
 * holding its host path), or -ENOSYS when it is not one (the kernel
 * answers). */
static long upper_rel(int fd, char *link, char *rel)
{
	long n, r;

	cse_snprintf(lay_svc, link, FS_PATH_MAX, "/proc/self/fd/%d", fd);
	n = lay_sys(__NR_readlink, link, rel, FS_PATH_MAX - 1, 0, 0, 0);
	if (n <= 0)
		return -K_ENOSYS;	/* not ours to say: the kernel answers */
	rel[n] = 0;
	if (cse_strncmp(rel, lay_upper, lay_upper_len) ||
	    (rel[lay_upper_len] && rel[lay_upper_len] != '/'))
		return -K_ENOSYS;
	for (long i = 0; i <= n; i++)
		link[i] = rel[i];
	r = rel_of_upper(link, rel, FS_PATH_MAX);
	return r == -K_EPERM ? -K_ENOSYS : r;
}

/*
 * A directory opened below upper directories under which LOWER shows
 * nothing (fs_layer_fd_upper_only): no lower phase, so no state. The
 * kernel lists it into the application's buffer, which it has just
 * written (so it is there and writable), and the entries are filtered
 * in place: an entry never grows, so each is written at or before
 * where it was read.
 */
static long upper_listing(struct cse_call *call)
{
	int fd = (int)call->args[0];
	char *buf = (char *)call->args[1];
	int listed = 0;
	long n;

	for (;;) {
		size_t used = 0;

		n = lay_sys(__NR_getdents64, fd, buf, call->args[2], 0, 0, 0);
		/* Its paths, for the view: fd is open (the kernel just listed
		 * it), which spares the descriptor table's check. */
		if (n >= 0 && !listed && fs_layer_fd_listing) {
			fs_layer_fd_listing(call, fd);
			listed = 1;
		}
		if (n <= 0)
			return n;
		for (long off = 0; off < n;) {
			struct dent d;
			char name[256];
			size_t len, head = __builtin_offsetof(struct dent, name), i;
			uint16_t reclen;

			fs_bytes(&d, buf + off, head);
			if (d.reclen <= head || (long)d.reclen > n - off)
				return -K_EIO;	/* not what the kernel writes */
			off += d.reclen;
			if (lay_name_hidden(buf + off - d.reclen + head))
				continue;
			lay_name_unescape(buf + off - d.reclen + head, name, sizeof(name));
			len = cse_strlen(name);
			reclen = (uint16_t)((head + len + 1 + 7) & ~7u);
			d.reclen = reclen;
			fs_bytes(buf + used, &d, head);
			for (i = 0; i <= len; i++)
				buf[used + head + i] = name[i];
			for (i += head; i < reclen; i++)
				buf[used + i] = 0;
			used += reclen;
		}
		if (used)
			return (long)used;
	}
}

static long merged_listing(struct cse_call *call, int fd, size_t count);

long dir_getdents(struct cse_call *call)
{
	int fd = (int)call->args[0];
	size_t count = (size_t)call->args[2];

	/* Not the layers' (/proc/self/fd: the core hides the runtime's fds). */
	if (fs_layer_fd_outside && fs_layer_fd_outside(fd))
		return -K_ENOSYS;
	if (fs_layer_fd_upper_only && fs_layer_fd_upper_only(fd))
		return upper_listing(call);
	return merged_listing(call, fd, count);
}

/* Any other descriptor: the two phases (see the top). */
static long merged_listing(struct cse_call *call, int fd, size_t count)
{
	LAY_BUF(link);
	LAY_BUF(rel);
	char *tmp, *out;
	struct dir_state *s;
	struct lay_where w;
	struct cse_kstat st;
	size_t room;
	long n, r;
	int known;

	if (!link || !rel)
		return -K_ENOSYS;
	/* A descriptor the view opened on an upper path (never the work
	 * directory): REL is read when the lower phase needs it. */
	known = fs_layer_fd_not_lower && fs_layer_fd_not_lower(fd);
	if (!known && (r = upper_rel(fd, link, rel)))
		return r;
	room = count < CHUNK ? count : CHUNK;
	tmp = lay_svc->scratch(call, CHUNK);
	out = lay_svc->scratch(call, CHUNK);
	if (!tmp || !out)
		return -K_ENOMEM;
	if (lay_sys(__NR_fstat, fd, &st, 0, 0, 0, 0))
		return -K_ENOSYS;
	s = claim(fd, &st, call);
	for (;;) {
		size_t used;

		n = lay_sys(__NR_getdents64, fd, tmp, room, 0, 0, 0);
		if (n <= 0)
			break;
		if (s && s->phase) {
			s->phase = 0;	/* rewound, or a new directory: start over */
			s->lower_off = 0;
		}
		used = filter_upper(tmp, n, out);
		if (used) {
			n = lay_svc->copy_to_app((void *)call->args[1], out, used);
			n = n ? n : (long)used;
			goto done;
		}
	}
	if (n < 0 || !s)
		goto done;
	if (s->phase == 0 && known) {
		if (upper_rel(fd, link, rel))
			s->phase = 2;	/* no longer named in UPPER: nothing below */
		else if (fs_layer_fd_named)
			fs_layer_fd_named(fd, rel, link);	/* its paths, for the view */
	}
	if (s->phase == 0) {
		s->phase = (lay_lower_may_show(rel) && lay_where(rel, &w) == 0 && w.merged) ? 1 : 2;
		s->lower_off = 0;
	}
	n = 0;
	if (s->phase == 1) {
		n = lower_phase(s, rel, tmp, out, room);
		if (n > 0) {
			r = lay_svc->copy_to_app((void *)call->args[1], out, (size_t)n);
			n = r ? r : n;
		}
	}
done:
	if (s) {
		s->age = ++dir_clock;
		__atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
	}
	return n;
}
