// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: the reverse map (svc->path_stage), host path -> guest path,
 * for what the kernel answers with host paths: getcwd, readlink of
 * /proc/self/{exe,cwd,root,fd/N}, /proc/self/maps and mountinfo, AF_UNIX
 * addresses. The mount whose host directory is the longest prefix of the
 * host path names it; a path under --overlay's UPPER is the root layer's.
 * A process that called chroot() sees paths below its view root, as the
 * kernel shows them; paths no mount holds are shown as they are (the
 * kernel, too, shows a path outside a chroot from the real root).
 */
#include "fs.h"

/*
 * UPPER stores a user name starting with ".wh." as ".wh..wh..u" + name
 * (fs_layer.c): every component carrying that prefix loses it.
 */
static long unescape(char *p, size_t n)
{
	static const char esc[] = "/.wh..wh..u";
	size_t el = sizeof(esc) - 1, o = 0;

	for (size_t i = 0; i < n; ) {
		if (n - i > el && !cse_strncmp(p + i, esc, el)) {
			p[o++] = '/';
			i += el;
			continue;
		}
		p[o++] = p[i++];
	}
	p[o] = 0;
	return (long)o;
}

long fs_reverse_phys(const char *host, char *out, size_t size)
{
	size_t n = cse_strlen(host), un = cse_strlen(fs_upper);
	const struct fs_mount *best = NULL;
	const char *tail;
	size_t tn, bh;

	for (int i = 0; i < fs_nmounts; i++) {
		const struct fs_mount *m = &fs_mounts[i];

		if (fs_under(host, n, m->host, m->hlen) && (!best || m->hlen >= best->hlen))
			best = m;
	}
	bh = best ? best->hlen : 0;
	if (un && fs_under(host, n, fs_upper, un) && un >= bh) {
		best = &fs_mounts[0];
		bh = un;
	}
	if (!best)
		return FS_NOT_IN_VIEW;
	tail = host + bh;
	tn = n - bh;
	if (tn == 1 && tail[0] == '/')
		tn = 0;		/* "DIR/" is DIR */
	if (best->glen + tn + 1 > size)
		return -K_ENAMETOOLONG;
	fs_copy(out, best->guest, best->glen);
	fs_copy(out + best->glen, tail, tn);
	out[best->glen + tn] = 0;
	if (bh == un && un)
		return unescape(out, best->glen + tn);
	return (long)(best->glen + tn);
}

long fs_reverse(const char *host, char *out, size_t size)
{
	long n = fs_reverse_phys(host, out, size);

	if (n == FS_NOT_IN_VIEW)
		return 0;
	if (n < 0)
		return n;
	if (fs_vroot_len && fs_under(out, (size_t)n, fs_vroot, fs_vroot_len)) {
		n -= fs_vroot_len;
		for (long i = 0; i <= n; i++)
			out[i] = out[i + fs_vroot_len];
	}
	if (n == 0) {
		if (size < 2)
			return -K_ENAMETOOLONG;
		out[0] = '/';
		out[1] = 0;
		n = 1;
	}
	if (!cse_strcmp(out, host))
		return 0;
	return n;
}
