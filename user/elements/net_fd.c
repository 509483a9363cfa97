// SPDX-License-Identifier: GPL-2.0
/*
 * Which port space a socket is in (TCP, UDP or none of the map's), kept
 * per descriptor in the runtime's descriptor table: set when socket()
 * or accept() makes the descriptor, followed by the runtime through
 * dup, fork, exec and SCM_RIGHTS, and asked of the kernel once
 * (getsockopt) for a descriptor the element did not see being made.
 */
#include "net.h"

#define K_SOL_SOCKET	1
#define K_SO_TYPE	3
#define K_SO_DOMAIN	39
#define K_SO_PROTOCOL	38
#define K_SOCK_STREAM	1
#define K_SOCK_DGRAM	2
#define K_IPPROTO_TCP	6
#define K_IPPROTO_UDP	17
#define K_IPPROTO_MPTCP	262

static int classify(long family, long type, long protocol)
{
	if (family != NET_AF_INET && family != NET_AF_INET6)
		return NET_P_NONE;
	type &= 0xf;	/* without SOCK_NONBLOCK, SOCK_CLOEXEC */
	if (type == K_SOCK_STREAM &&
	    (!protocol || protocol == K_IPPROTO_TCP || protocol == K_IPPROTO_MPTCP))
		return NET_P_TCP;
	if (type == K_SOCK_DGRAM && (!protocol || protocol == K_IPPROTO_UDP))
		return NET_P_UDP;
	return NET_P_NONE;	/* raw, SCTP, UDP-Lite: ports of their own */
}

static int getopt_int(int fd, int opt, int *v)
{
	uint32_t len = sizeof(*v);

	return net_sys(__NR_getsockopt, fd, K_SOL_SOCKET, opt, (long)v, (long)&len) < 0 ? -1 : 0;
}

/* From the kernel; 0 when fd is no socket (nothing to remember). */
static int ask_kernel(int fd)
{
	int dom, type, proto;

	if (getopt_int(fd, K_SO_DOMAIN, &dom))
		return 0;
	if (dom != NET_AF_INET && dom != NET_AF_INET6)
		return NET_P_NONE;
	if (getopt_int(fd, K_SO_TYPE, &type) || getopt_int(fd, K_SO_PROTOCOL, &proto))
		return 0;
	return classify(dom, type, proto);
}

int net_fd_proto(int fd)
{
	uint64_t v = net_svc->fd_get(net_id, fd);
	int p;

	if (v)
		return (int)v;
	p = ask_kernel(fd);
	if (!p)
		return NET_P_NONE;
	net_svc->fd_set(net_id, fd, (uint64_t)p);
	return p;
}

void net_fd_created(int fd, long family, long type, long protocol)
{
	net_svc->fd_set(net_id, fd, (uint64_t)classify(family, type, protocol));
}

void net_fd_accepted(int listener, int fd)
{
	net_svc->fd_set(net_id, fd, (uint64_t)net_fd_proto(listener));
}

static uint64_t received(int fd)
{
	return (uint64_t)ask_kernel(fd);
}

static const struct cse_fd_ops fd_ops = { .received = received };

int net_fd_register(int element)
{
	return net_svc->fd_track(element, &fd_ops);
}
