// SPDX-License-Identifier: GPL-2.0
/*
 * The net element's socket-address stage: guest ports to host ports in
 * addresses going to the kernel (connect, sendto, sendmsg, sendmmsg),
 * host ports to guest ports in addresses coming back (getsockname,
 * getpeername, accept, recvfrom, recvmsg, recvmmsg). bind is not done
 * here but in net.c's handle(), which may have to choose the host port.
 *
 * Only addresses of this host are translated: an address the port map
 * names reaches the application's own socket only when it is local
 * (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104, the "any" addresses, which
 * the kernel takes as local, and every address configured on the host).
 * A peer on another machine, or a client's ephemeral port, stays as it
 * is: a server sees its clients' real addresses.
 *
 * Whether another address is the host's own is asked of the kernel: a
 * UDP socket can bind it (port 0) only if it is. IPv4 answers are
 * cached per process; the question is only asked when the port is one
 * the map translates.
 */
#include "net.h"

#define K_SOCK_DGRAM	2
#define K_SOCK_CLOEXEC	02000000
#define V4_CACHE	16

/* Bits 0-31 the address, bit 32 the answer, bit 33 a valid entry. */
static uint64_t v4_cache[V4_CACHE];
static unsigned int v4_next;

unsigned int net_addr_port(const unsigned char *a, uint32_t len)
{
	uint16_t family;

	if (len < 4)
		return 0;
	family = (uint16_t)(a[0] | a[1] << 8);
	if ((family == NET_AF_INET && len >= NET_SIN_LEN) ||
	    (family == NET_AF_INET6 && len >= NET_SIN6_LEN))
		return (unsigned int)(a[2] << 8 | a[3]);
	return 0;
}

void net_addr_set_port(unsigned char *a, unsigned int port)
{
	a[2] = (unsigned char)(port >> 8);
	a[3] = (unsigned char)port;
}

/* 1 local, 0 not, -1 to ask the kernel. */
static int v4_known(const unsigned char *ip)
{
	if (ip[0] == 127 || !(ip[0] | ip[1] | ip[2] | ip[3]))
		return 1;
	if (ip[0] >= 224)
		return 0;	/* multicast and broadcast: other hosts too */
	return -1;
}

/* Can a UDP socket bind this address? The address has its port. */
static int probe(const unsigned char *a, uint32_t len)
{
	unsigned char sa[NET_ADDR_MAX];
	long fd, r;

	for (uint32_t i = 0; i < len; i++)
		sa[i] = a[i];
	net_addr_set_port(sa, 0);
	fd = net_sys(__NR_socket, sa[0] | sa[1] << 8, K_SOCK_DGRAM | K_SOCK_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return 0;
	r = net_sys(__NR_bind, fd, (long)sa, len, 0, 0);
	net_sys(__NR_close, fd, 0, 0, 0, 0);
	return r == 0;
}

static int v4_local(const unsigned char *ip)
{
	uint32_t key = (uint32_t)(ip[0] | ip[1] << 8 | ip[2] << 16 | (uint32_t)ip[3] << 24);
	unsigned char sa[NET_SIN_LEN] = { NET_AF_INET, 0 };
	int r = v4_known(ip);

	if (r >= 0)
		return r;
	for (int i = 0; i < V4_CACHE; i++) {
		uint64_t v = __atomic_load_n(&v4_cache[i], __ATOMIC_RELAXED);

		if ((v >> 33) && (uint32_t)v == key)
			return (int)(v >> 32) & 1;
	}
	for (int i = 0; i < 4; i++)
		sa[4 + i] = ip[i];
	r = probe(sa, sizeof(sa));
	__atomic_store_n(&v4_cache[__atomic_fetch_add(&v4_next, 1, __ATOMIC_RELAXED) % V4_CACHE],
			 (uint64_t)1 << 33 | (uint64_t)r << 32 | key, __ATOMIC_RELAXED);
	return r;
}

int net_addr_is_local(const unsigned char *a, uint32_t len)
{
	const unsigned char *ip6 = a + 8;
	int zero = 1;

	if (a[0] == NET_AF_INET)
		return v4_local(a + 4);
	for (int i = 0; i < 10; i++)
		zero &= !ip6[i];
	if (zero && ip6[10] == 0xff && ip6[11] == 0xff)
		return v4_local(ip6 + 12);	/* ::ffff:a.b.c.d */
	if (zero && !(ip6[10] | ip6[11] | ip6[12] | ip6[13] | ip6[14]) && ip6[15] <= 1)
		return 1;			/* :: and ::1 */
	if (ip6[0] == 0xff)
		return 0;			/* multicast */
	return probe(a, len);
}

/* A copy of the address with another port into req->out. */
static int rewrite(struct cse_sockaddr_req *req, unsigned int port)
{
	unsigned char *out = req->out;

	if (req->len > req->out_size)
		return 0;
	for (uint32_t i = 0; i < req->len; i++)
		out[i] = ((const unsigned char *)req->addr)[i];
	net_addr_set_port(out, port);
	req->out_len = req->len;
	return 1;
}

static int to_host(struct cse_sockaddr_req *req)
{
	const struct net_port *e;
	unsigned int port;
	int proto;

	if (req->nr == __NR_bind || !__atomic_load_n(&net_st->count, __ATOMIC_RELAXED))
		return 0;
	port = net_addr_port(req->addr, req->len);
	if (!port)
		return 0;
	proto = net_fd_proto(req->fd);
	if (proto == NET_P_NONE)
		return 0;
	e = net_map_by_guest(proto, port);
	if (!e || e->host == port || !net_addr_is_local(req->addr, req->len))
		return 0;
	return rewrite(req, e->host);
}

static int to_guest(struct cse_sockaddr_req *req)
{
	const struct net_port *e;
	unsigned int port;
	int proto;

	if (!__atomic_load_n(&net_st->count, __ATOMIC_RELAXED))
		return 0;
	port = net_addr_port(req->addr, req->len);
	if (!port)
		return 0;
	proto = net_fd_proto(req->fd);
	if (proto == NET_P_NONE)
		return 0;
	e = net_map_by_host(proto, port);
	if (!e || e->guest == port)
		return 0;
	/* getsockname names the socket's own, local, address. */
	if (req->nr != __NR_getsockname && !net_addr_is_local(req->addr, req->len))
		return 0;
	return rewrite(req, e->guest);
}

static const struct cse_sockaddr_ops addr_ops = { .to_host = to_host, .to_guest = to_guest };

int net_addr_register(int element)
{
	return net_svc->sockaddr_stage(element, &addr_ops);
}
