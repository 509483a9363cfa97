// SPDX-License-Identifier: GPL-2.0
/*
 * fs element, the layers (fs_layer.h): where a path of the root layer
 * lives. Without --overlay there is one layer, LOWER, and REL lives at
 * LOWER/REL; every call passes on to the view and the kernel.
 */
#include <asm/unistd.h>
#include "fs_layer.h"

static const struct cse_services *lay_svc;
static char lay_lower[FS_PATH_MAX];
static size_t lay_lower_len;

const long fs_layer_syscalls[] = { CSE_SYSCALLS_END };

/* LOWER + "/" + REL into out; -ENAMETOOLONG when it does not fit. */
static int join(const char *base, size_t blen, const char *rel, char *out,
		size_t size)
{
	size_t rlen = cse_strlen(rel);
	size_t n = blen;

	if (blen == 1 && base[0] == '/')
		n = 0;	/* "/" + "/etc" would give "//etc" */
	if (n + 1 + rlen + 1 > size || n + 1 + rlen + 1 > FS_PATH_MAX)
		return -K_ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		out[i] = base[i];
	if (!rlen && n) {
		out[n] = 0;	/* the root itself */
		return 0;
	}
	out[n] = '/';
	for (size_t i = 0; i <= rlen; i++)
		out[n + 1 + i] = rel[i];
	return 0;
}

int fs_layer_setup(const struct cse_setup *s, const char *lower,
		   const char *upper)
{
	size_t n = cse_strlen(lower);

	lay_svc = s->svc;
	if (!n || lower[0] != '/' || n >= sizeof(lay_lower)) {
		cse_snprintf(s->svc, s->err, s->err_size,
			     "fs: bad root layer '%s'", lower);
		return -K_EINVAL;
	}
	if (upper) {
		cse_snprintf(s->svc, s->err, s->err_size,
			     "--overlay: not available in this build");
		return -K_EINVAL;
	}
	for (size_t i = 0; i <= n; i++)
		lay_lower[i] = lower[i];
	while (n > 1 && lay_lower[n - 1] == '/')
		lay_lower[--n] = 0;
	lay_lower_len = n;
	return 0;
}

int fs_layer_overlay(void)
{
	return 0;
}

int fs_layer_find(const char *rel, char *host, size_t size,
		  struct cse_kstat *st)
{
	struct cse_kstat tmp;
	long r;

	r = join(lay_lower, lay_lower_len, rel, host, size);
	if (r)
		return (int)r;
	r = lay_svc->syscall(__NR_newfstatat, K_AT_FDCWD, (long)host,
			     (long)(st ? st : &tmp), K_AT_SYMLINK_NOFOLLOW, 0, 0);
	return r < 0 ? (int)r : 0;
}

int fs_layer_prepare(struct cse_call *call, const char *rel, uint32_t intent,
		     char *host, size_t size)
{
	int r;

	(void)call;
	r = fs_layer_find(rel, host, size, NULL);
	/* A creation uses the path an absent name would have. */
	if (r == -K_ENOENT && (intent & (CSE_PATH_CREATE | CSE_PATH_REMOVE)))
		return 0;
	return r;
}

enum cse_verdict fs_layer_handle(struct cse_call *call)
{
	(void)call;
	return CSE_PASS;
}

void fs_layer_exit(struct cse_call *call)
{
	(void)call;
}

void fs_layer_note(struct cse_call *call, int arg, int in_root,
		   const char *rel)
{
	(void)call;
	(void)arg;
	(void)in_root;
	(void)rel;
}
