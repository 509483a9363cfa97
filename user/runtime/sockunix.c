// SPDX-License-Identifier: GPL-2.0
/*
 * AF_UNIX socket paths through the path stage (sockstage.c calls these).
 *
 * A named socket's sun_path is a guest path: going to the kernel (bind,
 * connect, sendto, sendmsg names) it is resolved like any path argument,
 * and coming back (getsockname, getpeername, accept, recvfrom, recvmsg)
 * the reverse maps turn the host path into the guest's. Abstract and
 * unnamed addresses pass unchanged.
 *
 * sun_path holds 108 bytes; a host path that does not fit is reached
 * through its directory: an O_PATH descriptor of the directory opened
 * for the call and "/proc/self/fd/N/NAME" in sun_path, which the kernel
 * follows to the same place. The caller closes the descriptor after the
 * call. The kernel keeps the text a socket was bound with, so the
 * process remembers the last few such texts of its own binds and shows
 * their guest paths for them (getsockname); another process's socket
 * bound that way shows the /proc text (getpeername, recvfrom).
 */
#include "runtime.h"

#define K_AT_FDCWD		-100
#define K_AF_UNIX		1
#define K_SUN_PATH		108
#define K_O_PATH_DIR_CLOEXEC	(010000000 | 0200000 | 02000000)
#define K_EINVAL		22
#define K_ENAMETOOLONG		36

#define LONG_BINDS	16

/* Texts of this process's long-path binds and their guest paths. */
static struct {
	char text[K_SUN_PATH + 1];
	char guest[K_SUN_PATH + 1];
} long_binds[LONG_BINDS] RT_LARGE;
static unsigned int long_next;

struct k_sockaddr_un {
	uint16_t family;
	char path[K_SUN_PATH];
};

/* The path of a named AF_UNIX address into p (NUL-terminated): its
 * length, or 0 when the address is something else. */
static size_t sun_path_of(const void *addr, uint32_t len, char *p)
{
	const struct k_sockaddr_un *u = addr;
	size_t n = 0;

	if (len <= 2 || len > sizeof(*u) || u->family != K_AF_UNIX || !u->path[0])
		return 0;
	while (n < len - 2 && u->path[n])
		n++;
	memcpy(p, u->path, n);
	p[n] = 0;
	return n;
}

static uint32_t put(void *out, const char *p, size_t n)
{
	struct k_sockaddr_un *u = out;

	u->family = K_AF_UNIX;
	memcpy(u->path, p, n);
	if (n < K_SUN_PATH)
		u->path[n++] = 0;
	return (uint32_t)(2 + n);
}

int sockunix_to_host(struct cse_call *c, const void *addr, uint32_t len, void *out,
		     uint32_t *out_len, int *pfd)
{
	char guest[K_SUN_PATH + 1], buf[2 * PATHSTAGE_MAX], dir[PATHSTAGE_MAX], name[K_SUN_PATH + 32];
	const char *host, *last;
	int dirfd = K_AT_FDCWD;
	uint32_t intent = CSE_PATH_SOCKET;
	size_t n;
	long r, fd;

	if (!pathstage_on || !sun_path_of(addr, len, guest))
		return 0;
	if (c->nr == __NR_bind)
		intent |= CSE_PATH_CREATE | CSE_PATH_NOFOLLOW;
	else
		intent |= CSE_PATH_READ;
	r = pathstage_resolve(c, c->nr, -1, &dirfd, guest, &intent, buf, &host, &n);
	if (r <= 0)
		return (int)r;
	if (dirfd != K_AT_FDCWD && host[0] != '/')
		return -K_EINVAL;	/* nothing to carry the dirfd */
	if (n < K_SUN_PATH) {
		*out_len = put(out, host, n);
		return 1;
	}
	last = rt_strrchr(host, '/');
	if (!pfd || !last || last == host || strlen(last + 1) + 30 >= K_SUN_PATH)
		return -K_ENAMETOOLONG;
	memcpy(dir, host, (size_t)(last - host));
	dir[last - host] = 0;
	fd = rt_sys4(__NR_openat, K_AT_FDCWD, dir, K_O_PATH_DIR_CLOEXEC, 0);
	if (fd < 0)
		return (int)fd;
	*pfd = (int)fd;
	n = (size_t)rt_format(name, sizeof(name), "/proc/self/fd/%ld/%s", fd, last + 1);
	*out_len = put(out, name, n);
	if (c->nr == __NR_bind) {
		unsigned int k = __atomic_fetch_add(&long_next, 1, __ATOMIC_RELAXED) % LONG_BINDS;

		memcpy(long_binds[k].text, name, n + 1);
		memcpy(long_binds[k].guest, guest, strlen(guest) + 1);
	}
	return 1;
}

int sockunix_to_guest(const void *addr, uint32_t len, void *out, uint32_t *out_len)
{
	char host[K_SUN_PATH + 1], buf[2 * PATHSTAGE_MAX];
	const char *guest;
	size_t n;
	long r;

	if (!pathstage_reversing || !sun_path_of(addr, len, host))
		return 0;
	for (int k = 0; k < LONG_BINDS; k++)
		if (long_binds[k].text[0] && !rt_strcmp(long_binds[k].text, host)) {
			*out_len = put(out, long_binds[k].guest, strlen(long_binds[k].guest));
			return 1;
		}
	r = pathstage_reverse(host, buf, &guest);
	if (r <= 0)
		return (int)r;
	n = strlen(guest);
	if (n > K_SUN_PATH)
		n = K_SUN_PATH;	/* what fits, as the kernel would truncate */
	*out_len = put(out, guest, n);
	return 1;
}
