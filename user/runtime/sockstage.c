// SPDX-License-Identifier: GPL-2.0
/*
 * The socket-address stage (services.h: sockaddr_stage).
 *
 * Before the element chain, addresses going to the kernel are given to
 * each registered to_host() in element order and the result is handed
 * to the kernel from the call's scratch memory: bind, connect, sendto
 * here, the names of sendmsg and sendmmsg in sockmsg.c. The
 * application's memory is never written.
 *
 * Calls returning an address (getsockname, getpeername, accept, accept4,
 * recvfrom; recvmsg and recvmmsg in sockmsg.c) get a scratch buffer of
 * the largest size; afterwards the address goes through each to_guest()
 * in reverse element order and is written back with the kernel's rule:
 * min(the caller's length, the address's length) bytes are copied and
 * the full length is reported. A length the kernel would refuse, or a
 * length pointer it could not read, leaves the call untouched so the
 * kernel answers as natively.
 *
 * The element chain sees the rewritten (host) arguments; its exit()
 * hooks see the application's own pointers again, with guest addresses
 * in them.
 *
 * AF_UNIX paths go through the path stage (sockunix.c) before the
 * elements' to_host and after their to_guest.
 *
 * Not covered: io_uring's socket opcodes (IORING_OP_BIND, CONNECT,
 * ACCEPT, SENDMSG, RECVMSG, SENDTO...) pass the kernel unseen.
 */
#include "runtime.h"

#define K_EFAULT	14
#define K_EINVAL	22
#define K_SOCKADDR_MAX	128	/* sizeof(struct sockaddr_storage) */

#define SOCKSTAGE_ADDR_OUT	1	/* kinds 2 and up are sockmsg.c's */

static const struct cse_sockaddr_ops *ops[CHAIN_MAX_ELEMENTS];
static int nops;	/* highest registered element + 1 */

int sockstage_register(int e, const struct cse_sockaddr_ops *o)
{
	if (e < 0 || e >= CHAIN_MAX_ELEMENTS || !o || (!o->to_host && !o->to_guest))
		return -K_EINVAL;
	if (ops[e])
		return -16;	/* EBUSY: once per element */
	ops[e] = o;
	if (e + 1 > nops)
		nops = e + 1;
	__atomic_store_n(&rt_io_hooks, 1, __ATOMIC_RELEASE);
	return 0;
}

int sockstage_active(void)
{
	return nops;
}

/*
 * Through every element's to_host (element order) or to_guest (reverse).
 * 0: unchanged; 1: out holds *out_len bytes (out_size >= K_SOCKADDR_MAX);
 * -errno from an element.
 */
int sockstage_translate(int to_guest, long nr, int fd, const void *addr, uint32_t len,
			void *out, uint32_t out_size, uint32_t *out_len)
{
	_Alignas(8) char buf[2][K_SOCKADDR_MAX];
	const void *cur = addr;
	uint32_t cur_len = len;
	int which = 0, changed = 0;

	for (int k = 0; k < nops; k++) {
		int e = to_guest ? nops - 1 - k : k;
		int (*fn)(struct cse_sockaddr_req *);
		struct cse_sockaddr_req req;
		int r;

		if (!ops[e])
			continue;
		fn = to_guest ? ops[e]->to_guest : ops[e]->to_host;
		if (!fn)
			continue;
		req = (struct cse_sockaddr_req){ .nr = nr, .fd = fd, .addr = cur, .len = cur_len,
						 .out = buf[which], .out_size = K_SOCKADDR_MAX };
		r = fn(&req);
		if (r < 0)
			return r < -4095 ? -K_EINVAL : r;
		if (r == 1) {
			if (req.out_len > K_SOCKADDR_MAX)
				return -K_EINVAL;
			cur = buf[which];
			cur_len = req.out_len;
			which ^= 1;
			changed = 1;
		}
	}
	if (to_guest) {
		/* the path stage's reverse maps come last, as for paths */
		int r = sockunix_to_guest(cur, cur_len, buf[which], &cur_len);

		if (r < 0)
			return r;
		if (r == 1) {
			cur = buf[which];
			changed = 1;
		}
	}
	if (!changed)
		return 0;
	if (cur_len > out_size)
		return -K_EINVAL;
	memcpy(out, cur, cur_len);
	*out_len = cur_len;
	return 1;
}

/*
 * An address going in: an AF_UNIX path through the path stage first (as
 * path arguments are resolved before the chain), then the elements'
 * to_host. pfd: where a descriptor to close after the call goes, NULL
 * when the caller cannot close one (a long path then gives ENAMETOOLONG).
 */
int sockstage_translate_in(struct cse_call *c, const void *addr, uint32_t len, void *out,
			   uint32_t out_size, uint32_t *out_len, int *pfd)
{
	_Alignas(8) char u[K_SOCKADDR_MAX];
	uint32_t ulen;
	int r = sockunix_to_host(c, addr, len, u, &ulen, pfd);
	int e;

	if (r < 0)
		return r;
	if (r == 1) {
		addr = u;
		len = ulen;
	}
	e = nops ? sockstage_translate(0, c->nr, (int)c->args[0], addr, len, out, out_size,
				       out_len) : 0;
	if (e != 0 || r == 0)
		return e;
	if (len > out_size)
		return -K_EINVAL;
	memcpy(out, addr, len);
	*out_len = len;
	return 1;
}

/* An address going in: args[ai] with its length in args[ai + 1]. */
static long addr_in(struct cse_call *c, int ai, struct sockstage_call *sc)
{
	long *a = c->args;
	char in[K_SOCKADDR_MAX];
	uint32_t out_len;
	void *out;
	int len = (int)a[ai + 1];
	int r;

	/* No address, or a length the kernel refuses: its answer. */
	if (!a[ai] || len <= 0 || len > K_SOCKADDR_MAX)
		return 0;
	if (rt_copy_from_app(in, (const void *)a[ai], (size_t)len))
		return -K_EFAULT;
	out = rt_scratch(K_SOCKADDR_MAX);
	if (!out)
		return 0;	/* no room: as the application gave it */
	r = sockstage_translate_in(c, in, (uint32_t)len, out, K_SOCKADDR_MAX, &out_len,
				   &sc->unix_fd);
	if (r <= 0)
		return r;
	a[ai] = (long)out;
	a[ai + 1] = out_len;
	return 0;
}

/* An address coming out at args[ai], its length pointer at args[ai + 1]. */
static void addr_out(struct cse_call *c, int ai, struct sockstage_call *sc)
{
	long *a = c->args;
	uint32_t *k;
	int ulen;

	if (!a[ai] || rt_copy_from_app(&ulen, (const void *)a[ai + 1], sizeof(ulen)) || ulen < 0)
		return;
	k = rt_scratch(sizeof(uint32_t) + 4 + K_SOCKADDR_MAX);
	if (!k)
		return;
	k[0] = K_SOCKADDR_MAX;
	sc->kind = SOCKSTAGE_ADDR_OUT;
	sc->app_addr = a[ai];
	sc->app_len = a[ai + 1];
	sc->arg = ai;
	sc->k = k;
	a[ai] = (long)(k + 2);
	a[ai + 1] = (long)k;
}

/*
 * The kernel's move_addr_to_user for the application: the guest form of
 * the host address addr (klen bytes) into app_addr, its full length into
 * *app_len. 0 or -errno.
 */
long sockstage_copy_out(long nr, int fd, const void *addr, uint32_t klen, long app_addr,
			long app_len)
{
	_Alignas(8) char g[K_SOCKADDR_MAX];
	uint32_t glen = klen;
	const void *src = addr;
	int ulen;

	if (klen > K_SOCKADDR_MAX)
		klen = glen = K_SOCKADDR_MAX;
	if (klen) {
		int r = sockstage_translate(1, nr, fd, addr, klen, g, sizeof(g), &glen);

		if (r < 0)
			return r;
		if (r == 1)
			src = g;
	}
	if (rt_copy_from_app(&ulen, (const void *)app_len, sizeof(ulen)))
		return -K_EFAULT;
	if (ulen < 0)
		return -K_EINVAL;
	if ((uint32_t)ulen > glen)
		ulen = (int)glen;
	if (ulen && rt_copy_to_app((void *)app_addr, src, (size_t)ulen))
		return -K_EFAULT;
	if (rt_copy_to_app((void *)app_len, &glen, sizeof(glen)))
		return -K_EFAULT;
	return 0;
}

/* Before the chain: 0, or -errno for the call (the kernel is not asked). */
long sockstage_pre(struct cse_call *c, struct sockstage_call *sc)
{
	switch (c->nr) {
	case __NR_bind:
	case __NR_connect:
		return addr_in(c, 1, sc);
	case __NR_sendto:
		return addr_in(c, 4, sc);
	case __NR_getsockname:
	case __NR_getpeername:
	case __NR_accept:
	case __NR_accept4:
		addr_out(c, 1, sc);
		return 0;
	case __NR_recvfrom:
		addr_out(c, 4, sc);
		return 0;
	case __NR_sendmsg:
	case __NR_sendmmsg:
	case __NR_recvmsg:
	case __NR_recvmmsg:
		return sockmsg_pre(c, sc);
	default:
		return 0;
	}
}

/* After the call: results written back; returns the call's result. */
long sockstage_post(struct cse_call *c, struct sockstage_call *sc)
{
	long r = c->ret;

	if (sc->kind != SOCKSTAGE_ADDR_OUT)
		return sockmsg_post(c, sc);
	c->args[sc->arg] = sc->app_addr;
	c->args[sc->arg + 1] = sc->app_len;
	if (r < 0)
		return r;
	{
		const uint32_t *k = sc->k;
		long e = sockstage_copy_out(c->nr, (int)c->args[0], k + 2, k[0], sc->app_addr,
					    sc->app_len);

		if (e < 0 && (c->nr == __NR_accept || c->nr == __NR_accept4)) {
			/* The kernel drops the new connection when it cannot
			 * write the address back. */
			rt_sys1(__NR_close, r);
			return e;
		}
		if (e < 0)
			return e;
	}
	return r;
}

/* dispatch_call's hooks once an element uses either service. */
int io_hooks_pre(struct cse_call *c, struct sockstage_call *sc)
{
	long r = 0;

	sc->kind = 0;
	sc->unix_fd = -1;
	fdtable_pre(c);
	if (nops || pathstage_on)
		r = sockstage_pre(c, sc);
	if (r < 0) {
		c->ret = r;
		return 1;
	}
	return 0;
}

void io_hooks_post(struct cse_call *c, struct sockstage_call *sc)
{
	if (sc->kind)
		c->ret = sockstage_post(c, sc);
	if (sc->unix_fd >= 0)
		rt_sys1(__NR_close, sc->unix_fd);
	fdtable_post(c);
	if ((c->nr == __NR_recvmsg || c->nr == __NR_recvmmsg) && c->ret >= 0 &&
	    fdtable_trackers())
		sockmsg_scan_rights(c);
}
