// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: its settings into the mount table (fs.h). fs_mounts[0] is
 * the root layer ("" in the guest: --root DIR, or the host's "/"); then,
 * with --root, the host's /proc, /sys, /dev, /etc/resolv.conf and
 * /etc/hosts unless turned off; then every --bind and --tmpfs in the
 * order given (a later one at the same guest path wins). Also the
 * table's two questions: which mount a guest path is in, and its host
 * path.
 */
#include "fs.h"

struct fs_mount fs_mounts[FS_MOUNTS_MAX];
int fs_nmounts;
uint32_t fs_mglen[FS_MOUNTS_MAX];
char fs_upper[FS_PATH_MAX];

static const struct cse_setup *cur;

static int fail(const struct cse_setting *st, const char *why)
{
	cse_snprintf(cur->svc, cur->err, cur->err_size, "%s: bad value '%s': %s",
		     st->origin, st->value, why);
	return -K_EINVAL;
}

/*
 * Absolute path p (n bytes) into out without "//", "/." or a trailing
 * '/' ("/" becomes ""); "..": -EINVAL (a path outside its tree).
 */
static int clean(const char *p, size_t n, char *out, size_t size)
{
	size_t o = 0, i = 0;

	if (!n || p[0] != '/')
		return -K_EINVAL;
	while (i < n) {
		size_t s;

		while (i < n && p[i] == '/')
			i++;
		s = i;
		while (i < n && p[i] != '/')
			i++;
		if (i == s || (i - s == 1 && p[s] == '.'))
			continue;
		if (i - s == 2 && p[s] == '.' && p[s + 1] == '.')
			return -K_EINVAL;
		if (o + 1 + (i - s) + 1 > size)
			return -K_ENAMETOOLONG;
		out[o++] = '/';
		fs_copy(out + o, p + s, i - s);
		o += i - s;
	}
	out[o] = 0;
	return (int)o;
}

static long stat_mode(const char *host, uint32_t *mode)
{
	struct cse_kstat st;
	long r = fs_sys(__NR_newfstatat, K_AT_FDCWD, (long)(host[0] ? host : "/"),
			(long)&st, 0);

	if (r == 0)
		*mode = st.mode & K_S_IFMT;
	return r;
}

static struct fs_mount *add(const struct cse_setting *st, const char *guest, size_t glen,
			    const char *host, size_t hlen, int kind, int ro, int *err)
{
	struct fs_mount *m;
	int n;

	if (fs_nmounts == FS_MOUNTS_MAX) {
		*err = fail(st, "too many binds and tmpfs directories");
		return NULL;
	}
	m = &fs_mounts[fs_nmounts];
	n = clean(guest, glen, m->guest, sizeof(m->guest));
	if (n < 0) {
		*err = fail(st, n == -K_EINVAL ? "the guest path must be absolute and stay inside the root (no '..')"
				: "the guest path is too long");
		return NULL;
	}
	if (n == 0 && kind != FS_ROOT) {
		*err = fail(st, "the guest path cannot be '/': use --root for that");
		return NULL;
	}
	m->glen = (uint32_t)n;
	fs_mglen[fs_nmounts] = m->glen;
	if (host) {
		n = clean(host, hlen, m->host, sizeof(m->host));
		if (n < 0) {
			*err = fail(st, n == -K_EINVAL ? "the host path must be absolute, without '..'"
					: "the host path is too long");
			return NULL;
		}
		m->hlen = (uint32_t)n;
	}
	m->kind = (uint8_t)kind;
	m->ro = (uint8_t)ro;
	fs_nmounts++;
	return m;
}

/* HOST:GUEST[:ro] or HOST:GUEST:rw. */
static int bind(const struct cse_setting *st)
{
	const char *v = st->value;
	size_t n = cse_strlen(v), c1, c2;
	struct fs_mount *m;
	uint32_t mode;
	int ro = 0, err = 0;

	for (c1 = 0; c1 < n && v[c1] != ':'; c1++)
		;
	if (c1 == n)
		return fail(st, "expected HOST:GUEST[:ro]");
	for (c2 = c1 + 1; c2 < n && v[c2] != ':'; c2++)
		;
	if (c2 < n) {
		if (!cse_strcmp(v + c2 + 1, "ro"))
			ro = 1;
		else if (cse_strcmp(v + c2 + 1, "rw"))
			return fail(st, "the mode after GUEST must be ro or rw");
	}
	if (!c1 || v[0] != '/')
		return fail(st, "HOST must be an absolute path");
	if (c2 == c1 + 1 || v[c1 + 1] != '/')
		return fail(st, "GUEST must be an absolute path");
	m = add(st, v + c1 + 1, c2 - c1 - 1, v, c1, FS_BIND, ro, &err);
	if (!m)
		return err;
	if (stat_mode(m->host, &mode) < 0)
		return fail(st, "HOST does not exist");
	if (m->glen == 5 && !cse_strncmp(m->guest, "/proc", 5))
		m->kind = FS_PROC;
	return 0;
}

static int tmpfs(const struct cse_setting *st)
{
	int err = 0;

	if (st->value[0] != '/')
		return fail(st, "GUEST must be an absolute path");
	if (!add(st, st->value, cse_strlen(st->value), NULL, 0, FS_TMPFS, 0, &err))
		return err;
	return 0;
}

/* The host's object at the same guest path (a --root default). */
static void host_default(const char *path, int kind)
{
	static const struct cse_setting dflt = { "", "", "default" };
	uint32_t mode;
	int err;

	if (stat_mode(path, &mode) < 0)
		return;		/* the host has none: the root's own shows */
	add(&dflt, path, cse_strlen(path), path, cse_strlen(path), kind, 0, &err);
}

static int is(const struct cse_setting *st, const char *key)
{
	return !cse_strcmp(st->key, key);
}

int fs_opts_read(const struct cse_setup *s, const char **workdir)
{
	const struct cse_setting *root = NULL, *overlay = NULL;
	int no_proc = 0, no_sys = 0, no_dev = 0, no_resolv = 0, no_hosts = 0, err = 0;
	struct fs_mount *m;
	uint32_t mode;
	int r;

	cur = s;
	*workdir = NULL;
	for (uint32_t i = 0; i < s->nsettings; i++) {
		const struct cse_setting *st = &s->settings[i];

		if (is(st, "root"))
			root = st;
		else if (is(st, "overlay"))
			overlay = st;
		else if (is(st, "workdir")) {
			if (st->value[0] != '/')
				return fail(st, "the working directory must be an absolute guest path");
			*workdir = st->value;
		} else if (is(st, "no-host-proc"))
			no_proc = !!cse_strcmp(st->value, "0");
		else if (is(st, "no-host-sys"))
			no_sys = !!cse_strcmp(st->value, "0");
		else if (is(st, "no-host-dev"))
			no_dev = !!cse_strcmp(st->value, "0");
		else if (is(st, "no-host-resolv-conf"))
			no_resolv = !!cse_strcmp(st->value, "0");
		else if (is(st, "no-host-hosts"))
			no_hosts = !!cse_strcmp(st->value, "0");
	}

	fs_nmounts = 0;
	if (root) {
		m = add(root, "/", 1, root->value, cse_strlen(root->value), FS_ROOT, 0, &err);
		if (!m)
			return fail(root, "the root must be an absolute path, without '..'");
		r = (int)stat_mode(m->host, &mode);
		if (r < 0 || mode != K_S_IFDIR)
			return fail(root, r < 0 ? "no such directory" : "not a directory");
		if (!no_proc)
			host_default("/proc", FS_PROC);
		if (!no_sys)
			host_default("/sys", FS_BIND);
		if (!no_dev)
			host_default("/dev", FS_BIND);
		if (!no_resolv)
			host_default("/etc/resolv.conf", FS_BIND);
		if (!no_hosts)
			host_default("/etc/hosts", FS_BIND);
	} else {
		add(s->settings, "/", 1, "/", 1, FS_ROOT, 0, &err);
		/* The host's own /proc, /sys and /dev are never part of a
		 * copy-on-write layer: writes reach the real files. */
		if (overlay) {
			host_default("/proc", FS_PROC);
			host_default("/sys", FS_BIND);
			host_default("/dev", FS_BIND);
		}
	}
	for (uint32_t i = 0; i < s->nsettings; i++) {
		const struct cse_setting *st = &s->settings[i];

		if (is(st, "bind"))
			r = bind(st);
		else if (is(st, "tmpfs"))
			r = tmpfs(st);
		else
			continue;
		if (r)
			return r;
	}

	fs_upper[0] = 0;
	if (overlay) {
		const struct fs_mount *lo = &fs_mounts[0];

		r = clean(overlay->value, cse_strlen(overlay->value), fs_upper, sizeof(fs_upper));
		if (r < 0)
			return fail(overlay, "UPPER must be an absolute path, without '..'");
		if (root && fs_under(fs_upper, (size_t)r, lo->host, lo->hlen))
			return fail(overlay, "UPPER must not be inside the lower tree (the root)");
		if (root && fs_under(lo->host, lo->hlen, fs_upper, (size_t)r))
			return fail(overlay, "the root must not be inside UPPER");
	}
	return 0;
}

/* The deepest mount above physical guest path g (len n). */
const struct fs_mount *fs_mount_of(const char *g, size_t n)
{
	const struct fs_mount *best = &fs_mounts[0];

	for (int i = 1; i < fs_nmounts; i++) {
		const struct fs_mount *m = &fs_mounts[i];
		uint32_t gl = fs_mglen[i];

		if (gl <= n && gl >= best->glen && fs_under(g, n, m->guest, gl))
			best = m;
	}
	return best;
}

/* a + b[0..bn) into out, "/" for an empty result. */
static int join(char *out, size_t size, const char *a, size_t an, const char *b, size_t bn)
{
	if (an + bn + 2 > size)
		return -K_ENAMETOOLONG;
	fs_copy(out, a, an);
	fs_copy(out + an, b, bn);
	if (!an && !bn)
		out[bn++] = '/';
	out[an + bn] = 0;
	return 0;
}

int fs_host_of(const char *g, size_t n, char *out, size_t size)
{
	const struct fs_mount *m = fs_mount_of(g, n);

	if (m->kind == FS_ROOT && fs_upper[0]) {
		/* g is NUL-terminated at n: REL is what follows its '/' */
		int r = fs_layer_find(n ? g + 1 : "", out, size, NULL, NULL);

		return r == -K_ENOENT ? 0 : r;
	}
	return join(out, size, m->host, m->hlen, g + m->glen, n - m->glen);
}
