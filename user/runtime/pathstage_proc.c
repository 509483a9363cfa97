// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/self/maps and /proc/self/mountinfo through the reverse maps:
 * the file names of mappings and the mount points are host paths, so
 * an open of either (for this process, by any of its names) is answered
 * with a snapshot whose paths are the guest's: the kernel's text is read
 * whole at open, rewritten line by line and served from a memfd at the
 * descriptor number the open returned, at offset 0.
 *
 * Served for read-only open, openat and openat2 of a name ending in
 * maps, smaps or mountinfo, however reached (absolute, relative to a
 * /proc or /proc/PID dirfd, /proc/thread-self, /proc/PID or a TID of
 * this process, /proc/self/task/TID, /dev/fd/N/maps of a /proc/self
 * descriptor): the kernel's name of the opened file
 * (/proc/self/fd/N) says whether it is this process's. smaps shares
 * maps's line format (its other lines name no path).
 *
 * Known differences: the snapshot does not follow later changes (a
 * reader opens the file again, as ps and libraries do); /proc/self/fd/N
 * of it names the memfd; mountinfo's octal escapes (\040 for a space)
 * are matched as written; another process's maps keep host paths.
 */
#include "runtime.h"

#define K_SEEK_SET	0
#define CHUNK		65536

/* Next component of p (after one or more '/'), its length in *n. */
static const char *part(const char **p, size_t *n)
{
	const char *s = *p, *e;

	while (*s == '/')
		s++;
	for (e = s; *e && *e != '/'; e++)
		;
	*n = (size_t)(e - s);
	*p = e;
	return s;
}

static int is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

static int is_id(const char *s, size_t n, long want)
{
	long v = 0;

	if (!n || n > 9)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v == want;
}

/* s (n bytes) is a number: a thread of this process? */
static int our_thread(const char *s, size_t n)
{
	char path[40] = "/proc/self/task/";
	struct kstat_k st;

	if (!n || n > 9)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (is_id(s, n, rt_sys0(__NR_getpid)))
		return 1;
	memcpy(path + 16, s, n);
	path[16 + n] = 0;
	return rt_sys4(__NR_newfstatat, K_AT_FDCWD, path, &st, 0) == 0;
}

/* The kernel's name of an open file: /proc/PID[/task/TID]/NAME. */
static int proc_kind(const char *path)
{
	const char *p = path, *c;
	size_t n;

	c = part(&p, &n);
	if (path[0] != '/' || !is(c, n, "proc"))
		return PROC_NONE;
	c = part(&p, &n);
	if (!our_thread(c, n))
		return PROC_NONE;
	c = part(&p, &n);
	if (is(c, n, "task")) {
		c = part(&p, &n);
		if (!our_thread(c, n))
			return PROC_NONE;
		c = part(&p, &n);
	}
	if (*p)
		return PROC_NONE;
	if (is(c, n, "maps") || is(c, n, "smaps"))
		return PROC_MAPS;
	return is(c, n, "mountinfo") ? PROC_MOUNTINFO : PROC_NONE;
}

/* What fd (just opened for the application) is: PROC_MAPS, PROC_MOUNTINFO
 * or PROC_NONE. One readlink, only for opens named like these files. */
int pathstage_proc_fd_kind(long fd)
{
	char link[40], name[64];
	long n;

	rt_format(link, sizeof(link), "/proc/self/fd/%ld", fd);
	n = rt_sys3(__NR_readlink, link, name, sizeof(name) - 1);
	if (n <= 0 || n >= (long)sizeof(name) - 1)
		return PROC_NONE;
	name[n] = 0;
	return proc_kind(name);
}

/* Start of the path field of one line, or NULL. */
static const char *path_field(const char *line, const char *end, int kind)
{
	int want = kind == PROC_MAPS ? 5 : 4;	/* fields before it */
	const char *p = line;

	for (int f = 0; f < want; f++) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	return p < end && *p == '/' ? p : NULL;
}

/* The mmap'd buffer *buf of *cap bytes, at least need bytes. */
static long grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : CHUNK;
	long r;

	while (ncap < need)
		ncap *= 2;
	if (ncap == *cap)
		return 0;
	r = *buf ? rt_sys4(__NR_mremap, *buf, *cap, ncap, 1 /* MREMAP_MAYMOVE */)
		 : rt_sys6(__NR_mmap, 0, ncap, 3, 0x22, -1, 0);
	if (IS_ERR_RET(r))
		return r;
	*buf = (char *)r;
	*cap = ncap;
	return 0;
}

/* One line's path reversed into out at *o. */
static long put_line(const char *l, const char *e, int kind, char **out, size_t *ocap,
		     size_t *o, char *work)
{
	const char *f = path_field(l, e, kind), *guest, *tail;
	char host[PATHSTAGE_MAX];
	size_t flen, glen;
	long r;

	if (f) {
		/* maps: the name runs to the end of the line; mountinfo: to a blank */
		tail = f;
		while (tail < e && *tail != '\n' && (kind == PROC_MAPS || *tail != ' '))
			tail++;
		flen = (size_t)(tail - f);
		if (flen < sizeof(host)) {
			memcpy(host, f, flen);
			host[flen] = 0;
			r = pathstage_reverse(host, work, &guest);
			if (r > 0) {
				glen = strlen(guest);
				r = grow(out, ocap, *o + (size_t)(e - l) + glen);
				if (r < 0)
					return r;
				memcpy(*out + *o, l, (size_t)(f - l));
				*o += (size_t)(f - l);
				memcpy(*out + *o, guest, glen);
				*o += glen;
				memcpy(*out + *o, tail, (size_t)(e - tail));
				*o += (size_t)(e - tail);
				return 0;
			}
		}
	}
	r = grow(out, ocap, *o + (size_t)(e - l));
	if (r < 0)
		return r;
	memcpy(*out + *o, l, (size_t)(e - l));
	*o += (size_t)(e - l);
	return 0;
}

/* fd: what the open returned. Returns fd, now the snapshot, or -errno
 * (fd closed). work: 2 * PATHSTAGE_MAX bytes. */
long pathstage_proc_serve(long fd, int kind, long open_flags, char *work)
{
	char *in = NULL, *out = NULL;
	size_t icap = 0, ocap = 0, len = 0, o = 0;
	long r, mfd = -1;

	for (;;) {
		r = grow(&in, &icap, len + CHUNK);
		if (r < 0)
			goto out;
		r = rt_sys3(__NR_read, fd, in + len, CHUNK);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	for (size_t s = 0; s < len;) {
		size_t e = s;

		while (e < len && in[e] != '\n')
			e++;
		if (e < len)
			e++;	/* the newline goes with its line */
		r = put_line(in + s, in + e, kind, &out, &ocap, &o, work);
		if (r < 0)
			goto out;
		s = e;
	}
	mfd = rt_sys2(__NR_memfd_create, kind == PROC_MAPS ? "maps" : "mountinfo",
		      K_MFD_CLOEXEC);
	r = mfd;
	if (mfd < 0)
		goto out;
	for (size_t w = 0; w < o; w += (size_t)r) {
		r = rt_sys3(__NR_write, mfd, out + w, o - w);
		if (r == 0)
			r = -5;	/* EIO */
		if (r < 0)
			goto out;
	}
	r = rt_sys3(__NR_lseek, mfd, 0, K_SEEK_SET);
	if (r == 0)
		r = rt_sys3(__NR_dup3, mfd, fd, open_flags & K_O_CLOEXEC);
out:
	if (mfd >= 0)
		rt_sys1(__NR_close, mfd);
	if (in)
		rt_sys2(__NR_munmap, in, icap);
	if (out)
		rt_sys2(__NR_munmap, out, ocap);
	if (r < 0) {
		/* half read: the open fails rather than show host paths */
		rt_sys1(__NR_close, fd);
		return r;
	}
	return fd;
}
