// SPDX-License-Identifier: GPL-2.0
/*
 * The socket-address stage for message calls (sockstage.c has the
 * rules): sendmsg and sendmmsg names go to the kernel translated in
 * scratch copies of the headers; recvmsg and recvmmsg get scratch copies
 * whose names the kernel fills, and what the kernel would write to the
 * application's headers (msg_namelen, the name, msg_controllen,
 * msg_flags, msg_len) is written there afterwards. Iovecs and control
 * buffers stay the application's own.
 *
 * An mmsg vector is rewritten for at most MMSG_MAX entries: the call
 * then moves fewer messages than asked, which the kernel may do too.
 *
 * Also here: the descriptors a recvmsg/recvmmsg brought by SCM_RIGHTS,
 * for the descriptor table (fdtable_received).
 */
#include "runtime.h"

#define K_EFAULT	14
#define K_SOCKADDR_MAX	128
#define K_SOL_SOCKET	1
#define K_SCM_RIGHTS	1
#define MMSG_MAX	64
#define UIO_MAXIOV	1024

enum { KIND_MSG_IN = 2, KIND_MMSG_IN, KIND_MSG_OUT, KIND_MMSG_OUT };

struct kmsghdr {
	void *name;
	uint32_t namelen;
	uint32_t pad0;
	void *iov;
	size_t iovlen;
	void *control;
	size_t controllen;
	uint32_t flags;
	uint32_t pad1;
};

struct kmmsghdr {
	struct kmsghdr hdr;
	uint32_t len;
	uint32_t pad;
};

_Static_assert(sizeof(struct kmsghdr) == 56, "struct msghdr");
_Static_assert(sizeof(struct kmmsghdr) == 64, "struct mmsghdr");

struct kcmsghdr {
	size_t len;
	int level;
	int type;
};

/*
 * A message's name going in: m->name replaced by a scratch copy of its
 * translation. 1: changed; 0: as it was; -errno.
 */
static int name_in(struct cse_call *c, struct kmsghdr *m)
{
	char in[K_SOCKADDR_MAX];
	uint32_t out_len;
	void *out;
	int r;

	if (!m->name || !m->namelen || m->namelen > K_SOCKADDR_MAX)
		return 0;	/* the kernel's own answer for these */
	if (rt_copy_from_app(in, m->name, m->namelen))
		return -K_EFAULT;
	out = rt_scratch(K_SOCKADDR_MAX);
	if (!out)
		return 0;
	r = sockstage_translate_in(c, in, m->namelen, out, K_SOCKADDR_MAX, &out_len, NULL);
	if (r <= 0)
		return r;
	m->name = out;
	m->namelen = out_len;
	return 1;
}

/* A message's name coming out: the kernel writes into scratch. */
static int name_out(struct kmsghdr *m)
{
	void *k;

	if (!m->name)
		return 0;
	k = rt_scratch(K_SOCKADDR_MAX);
	if (!k)
		return -1;
	m->name = k;
	m->namelen = K_SOCKADDR_MAX;
	return 0;
}

static long msg_pre(struct cse_call *c, struct sockstage_call *sc, int out)
{
	struct kmsghdr *k = rt_scratch(sizeof(*k));
	long r;

	if (!k || rt_copy_from_app(k, (const void *)c->args[1], sizeof(*k)))
		return 0;	/* the kernel answers EFAULT itself */
	if (out) {
		if (!k->name || name_out(k))
			return 0;
	} else {
		r = name_in(c, k);
		if (r <= 0)
			return r;
	}
	sc->kind = out ? KIND_MSG_OUT : KIND_MSG_IN;
	sc->app_addr = c->args[1];
	sc->k = k;
	c->args[1] = (long)k;
	return 0;
}

static long mmsg_pre(struct cse_call *c, struct sockstage_call *sc, int out)
{
	unsigned int vlen = (unsigned int)c->args[2], n, changed = 0;
	struct kmmsghdr *k;

	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	n = vlen < MMSG_MAX ? vlen : MMSG_MAX;
	if (!n)
		return 0;
	k = rt_scratch(n * sizeof(*k));
	if (!k || rt_copy_from_app(k, (const void *)c->args[1], n * sizeof(*k)))
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		long r;

		if (out) {
			if (k[i].hdr.name && name_out(&k[i].hdr))
				return 0;
			changed |= !!k[i].hdr.name;
			continue;
		}
		r = name_in(c, &k[i].hdr);
		if (r < 0 && i == 0)
			return r;
		if (r < 0) {
			n = i;	/* the kernel stops at a bad message too */
			break;
		}
		changed |= (unsigned int)r;
	}
	if (!changed)
		return 0;
	sc->kind = out ? KIND_MMSG_OUT : KIND_MMSG_IN;
	sc->app_addr = c->args[1];
	sc->app_vlen = n;
	sc->app_len = c->args[2];
	sc->k = k;
	c->args[1] = (long)k;
	c->args[2] = n;
	return 0;
}

long sockmsg_pre(struct cse_call *c, struct sockstage_call *sc)
{
	switch (c->nr) {
	case __NR_sendmsg:
		return msg_pre(c, sc, 0);
	case __NR_recvmsg:
		return msg_pre(c, sc, 1);
	case __NR_sendmmsg:
		return mmsg_pre(c, sc, 0);
	case __NR_recvmmsg:
		return mmsg_pre(c, sc, 1);
	default:
		return 0;
	}
}

/* What recvmsg writes to the application's header app from the kernel's k. */
static long msg_back(long nr, int fd, const struct kmsghdr *k, struct kmsghdr *app)
{
	struct kmsghdr a;
	long r;

	if (rt_copy_from_app(&a, app, sizeof(a)))
		return -K_EFAULT;
	if (a.name) {
		r = sockstage_copy_out(nr, fd, k->name, k->namelen, (long)a.name,
				       (long)&app->namelen);
		if (r < 0)
			return r;
	}
	if (rt_copy_to_app(&app->flags, &k->flags, sizeof(k->flags)) ||
	    rt_copy_to_app(&app->controllen, &k->controllen, sizeof(k->controllen)))
		return -K_EFAULT;
	return 0;
}

long sockmsg_post(struct cse_call *c, struct sockstage_call *sc)
{
	int fd = (int)c->args[0];
	long r = c->ret, e;

	c->args[1] = sc->app_addr;
	if (sc->kind == KIND_MMSG_IN || sc->kind == KIND_MMSG_OUT)
		c->args[2] = sc->app_len;
	if (r < 0)
		return r;
	switch (sc->kind) {
	case KIND_MSG_OUT:
		e = msg_back(c->nr, fd, sc->k, (struct kmsghdr *)sc->app_addr);
		return e < 0 ? e : r;
	case KIND_MMSG_IN:
	case KIND_MMSG_OUT:
		for (long i = 0; i < r; i++) {
			const struct kmmsghdr *k = (const struct kmmsghdr *)sc->k + i;
			struct kmmsghdr *app = (struct kmmsghdr *)sc->app_addr + i;

			e = 0;
			if (sc->kind == KIND_MMSG_OUT)
				e = msg_back(c->nr, fd, &k->hdr, &app->hdr);
			if (!e && rt_copy_to_app(&app->len, &k->len, sizeof(k->len)))
				e = -K_EFAULT;
			if (e < 0)
				return i ? i : e;
		}
		return r;
	default:
		return r;
	}
}

/* The SCM_RIGHTS descriptors in one received header's control data. */
static void scan_control(const struct kmsghdr *m)
{
	size_t off = 0;

	if (!m->control)
		return;
	while (m->controllen >= sizeof(struct kcmsghdr) &&
	       off <= m->controllen - sizeof(struct kcmsghdr)) {
		struct kcmsghdr h;
		const char *data;

		if (rt_copy_from_app(&h, (const char *)m->control + off, sizeof(h)) ||
		    h.len < sizeof(h) || h.len > m->controllen - off)
			return;
		data = (const char *)m->control + off + sizeof(h);
		if (h.level == K_SOL_SOCKET && h.type == K_SCM_RIGHTS) {
			size_t nfd = (h.len - sizeof(h)) / sizeof(int);

			for (size_t i = 0; i < nfd; i++) {
				int fd;

				if (rt_copy_from_app(&fd, data + i * sizeof(int), sizeof(fd)))
					return;
				fdtable_received(fd);
			}
		}
		off += (h.len + 7) & ~(size_t)7;
	}
}

/* After a successful recvmsg/recvmmsg, with the application's pointers. */
void sockmsg_scan_rights(const struct cse_call *c)
{
	long n = c->nr == __NR_recvmsg ? 1 : c->ret;
	size_t stride = c->nr == __NR_recvmsg ? sizeof(struct kmsghdr)
					      : sizeof(struct kmmsghdr);

	for (long i = 0; i < n; i++) {
		struct kmsghdr m;

		if (rt_copy_from_app(&m, (const char *)c->args[1] + i * stride, sizeof(m)))
			return;
		scan_control(&m);
	}
}
