// SPDX-License-Identifier: GPL-2.0
/*
 * testroot: a test-only path stage. The guest directory /cse-guest (or
 * the setting "guest") is the host directory given as the element's
 * argument (-e testroot=/host/dir, or the setting "host"); every other
 * path is the host's own. Used by selftests/host/paths.t to drive the
 * runtime's path stage through every path-carrying system call.
 *
 * Symlink targets are stored text and stay as written; relative paths
 * are left to the kernel (the cwd is a host directory already).
 *
 * openat2's RESOLVE_* restrictions (CSE_PATH_RESOLVE_MASK) are honoured
 * by leaving them to the kernel, which the path given is made for:
 *   - BENEATH and IN_ROOT make every path relative to the dirfd (a host
 *     directory already): such a path is never a guest path here;
 *   - NO_SYMLINKS, NO_MAGICLINKS, NO_XDEV apply to the host path, whose
 *     prefix is the host directory made canonical at setup (a symlink
 *     in the host directory's name is not a symlink of the guest's).
 */
#include <asm/unistd.h>
#include <cse/element.h>

#define PATH_MAX_ 4096

static char guest[256] = "/cse-guest";
static char host[PATH_MAX_];
static size_t guest_len, host_len;

/* s starts with the directory d (length n): "d" or "d/...". */
static int under(const char *s, const char *d, size_t n)
{
	return !cse_strncmp(s, d, n) && (s[n] == '/' || !s[n]);
}

/* prefix + rest into out; 1, or -ENAMETOOLONG. */
static long join(char *out, size_t size, const char *prefix, size_t plen, const char *rest)
{
	size_t rlen = cse_strlen(rest);

	if (plen + rlen + 1 > size)
		return -36;
	for (size_t i = 0; i < plen; i++)
		out[i] = prefix[i];
	for (size_t i = 0; i <= rlen; i++)
		out[plen + i] = rest[i];
	return 1;
}

static int resolve(struct cse_path_req *req)
{
	if (req->intent & (CSE_PATH_SYMLINK_TARGET | CSE_PATH_BENEATH | CSE_PATH_IN_ROOT))
		return 0;
	if (!under(req->path, guest, guest_len))
		return 0;
	return (int)join(req->out, req->out_size, host, host_len, req->path + guest_len);
}

static long reverse(const char *path, char *out, size_t size)
{
	long r;

	if (!under(path, host, host_len))
		return 0;
	r = join(out, size, guest, guest_len, path + host_len);
	return r < 0 ? r : (long)cse_strlen(out);
}

static const struct cse_path_ops ops = {
	.resolve = resolve,
	.reverse = reverse,
};

static int set(char *dst, size_t size, const char *v, const struct cse_setup *s, const char *what)
{
	size_t n = cse_strlen(v);

	while (n > 1 && v[n - 1] == '/')
		n--;
	if (v[0] != '/' || n < 2 || n >= size) {
		cse_snprintf(s->svc, s->err, s->err_size, "%s must be an absolute directory, not '%s'",
			     what, v);
		return -22;
	}
	for (size_t i = 0; i < n; i++)
		dst[i] = v[i];
	dst[n] = 0;
	return 0;
}

/* dir's canonical name (the kernel's, through an O_PATH descriptor). */
static int canonical(const struct cse_services *svc, char *dir, size_t size)
{
	char link[32], buf[PATH_MAX_];
	long fd, n;

	/* O_PATH | O_DIRECTORY | O_CLOEXEC */
	fd = svc->syscall(__NR_open, (long)dir, 010000000 | 0200000 | 02000000, 0, 0, 0, 0);
	if (fd < 0)
		return (int)fd;
	cse_snprintf(svc, link, sizeof(link), "/proc/self/fd/%ld", fd);
	n = svc->syscall(__NR_readlink, (long)link, (long)buf, sizeof(buf) - 1, 0, 0, 0);
	svc->syscall(__NR_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0 || (size_t)n >= size || buf[0] != '/')
		return n < 0 ? (int)n : -36;
	for (long i = 0; i < n; i++)
		dir[i] = buf[i];
	dir[n] = 0;
	return 0;
}

static const struct cse_option options[] = {
	{ .flag = "testroot", .key = "host", .arg_name = "DIR", .kind = CSE_OPT_PATH,
	  .help = "The host directory shown at the guest directory." },
	{ .flag = "testroot-guest", .key = "guest", .arg_name = "DIR", .kind = CSE_OPT_STRING,
	  .help = "The guest directory (default /cse-guest)." },
	{ 0 },
};

static int setup(const struct cse_setup *s)
{
	const char *h = NULL;
	int r;

	for (uint32_t i = 0; i < s->nsettings; i++) {
		if (!cse_strcmp(s->settings[i].key, "host"))
			h = s->settings[i].value;
		else if (!cse_strcmp(s->settings[i].key, "guest") &&
			 (r = set(guest, sizeof(guest), s->settings[i].value, s, "guest")))
			return r;
	}
	if (!h) {
		cse_snprintf(s->svc, s->err, s->err_size, "needs the host directory: -e testroot=DIR");
		return -22;
	}
	r = set(host, sizeof(host), h, s, "the host directory");
	if (r)
		return r;
	r = canonical(s->svc, host, sizeof(host));
	if (r) {
		cse_snprintf(s->svc, s->err, s->err_size, "%s: cannot open: errno %d", h, -r);
		return r;
	}
	guest_len = cse_strlen(guest);
	host_len = cse_strlen(host);
	return s->svc->path_stage(s->id, &ops);
}

static enum cse_verdict handle(struct cse_call *c)
{
	(void)c;
	return CSE_PASS;	/* asks for no system call: the stage does its work */
}

static const long syscalls[] = { CSE_SYSCALLS_END };

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.options = options,
	.abi = CSE_ELEMENT_ABI,
	.name = "testroot",
	.description = "test only: /cse-guest is a host directory",
	.setup = setup,
	.syscalls = syscalls,
	.handle = handle,
};
