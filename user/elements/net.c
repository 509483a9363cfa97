// SPDX-License-Identifier: GPL-2.0
/*
 * net: a private port space for one application.
 *
 *   cse-run --port GUEST:HOST[/tcp|/udp]... [--port-auto] -- PROGRAM
 *
 * (profile section [net], keys port and port-auto). Inside the
 * application, guest port GUEST of TCP (and/or UDP) is host port HOST;
 * with --port-auto, a bind to any other port lands on a free host port
 * the kernel picks (so binding port 80 works for a plain user) and the
 * pair joins the map. The map lives in the instance state (net_map.c):
 * children and later execs share it, other applications have their own.
 *
 * What the application sees: guest ports everywhere. bind() takes the
 * guest port; getsockname, getpeername, accept, recvfrom, recvmsg and
 * recvmmsg show guest ports for the application's own sockets; connect,
 * sendto, sendmsg and sendmmsg to a guest port on any local address
 * reach the application's own socket (net_addr.c). Two sockets of the
 * application binding one guest port share its host port, so the kernel
 * decides as natively: EADDRINUSE, or one SO_REUSEPORT group. A bind to
 * port 0 keeps the kernel's ephemeral port, which is then the same on
 * both sides. Programs outside see and use the host ports; peers keep
 * their real addresses.
 *
 * Handled here: bind (CSE_DONE when the port is mapped or chosen, else
 * passed on), io_uring_setup (ENOSYS: the ring's socket opcodes would
 * reach the kernel untranslated, and a program then falls back to the
 * plain calls). socket, accept and accept4 are passed on; their exit()
 * records the new socket's protocol in the descriptor table (net_fd.c).
 *
 * Not covered: an automatic pair stays the application's for its life
 * (after its sockets closed, another program may take the host port and
 * a new bind of that guest port then fails with EADDRINUSE); a guest
 * port given to a client as its ephemeral port by the kernel while the
 * map sends that guest port elsewhere; ports inside control messages
 * (IP_RECVORIGDSTADDR) and /proc/net/{tcp,udp}, which show host ports;
 * io_uring rings made before the program started under cse.
 */
#include "net.h"

#define K_ENOSYS_	38

const struct cse_services *net_svc;
int net_id;
int net_auto;
struct net_state *net_st;

/* bind with --port-auto to a guest port the map does not know yet. */
static long auto_bind(int fd, int proto, unsigned int g, unsigned char *sa, long len)
{
	unsigned char got[NET_ADDR_MAX];
	uint32_t glen = sizeof(got);
	const struct net_port *e;
	long r;

	net_svc->lock(&net_st->lock);
	e = net_map_by_guest(proto, g);	/* another process may have been first */
	if (e) {
		net_addr_set_port(sa, e->host);
		r = net_sys(__NR_bind, fd, (long)sa, len, 0, 0);
		net_svc->unlock(&net_st->lock);
		return r;
	}
	if (__atomic_load_n(&net_st->count, __ATOMIC_RELAXED) >= NET_PORTS_MAX) {
		net_svc->unlock(&net_st->lock);
		return -K_EADDRNOTAVAIL;
	}
	net_addr_set_port(sa, 0);
	r = net_sys(__NR_bind, fd, (long)sa, len, 0, 0);
	if (!r)
		r = net_sys(__NR_getsockname, fd, (long)got, (long)&glen, 0, 0);
	if (!r)
		r = net_map_add(proto, g, net_addr_port(got, glen), NET_PORT_AUTO);
	net_svc->unlock(&net_st->lock);
	if (!r)
		net_report();
	return r;
}

static enum cse_verdict do_bind(struct cse_call *c)
{
	unsigned char sa[NET_ADDR_MAX];
	long len = c->args[2];
	int fd = (int)c->args[0], proto;
	const struct net_port *e;
	unsigned int g;

	if (len < NET_SIN_LEN || len > NET_ADDR_MAX ||
	    net_svc->copy_from_app(sa, (const void *)c->args[1], (size_t)len))
		return CSE_PASS;	/* the kernel's own answer */
	g = net_addr_port(sa, (uint32_t)len);
	if (!g)
		return CSE_PASS;	/* port 0: the kernel's ephemeral port, as is */
	proto = net_fd_proto(fd);
	if (proto == NET_P_NONE)
		return CSE_PASS;
	e = net_map_by_guest(proto, g);
	if (e) {
		net_addr_set_port(sa, e->host);
		c->ret = net_sys(__NR_bind, fd, (long)sa, len, 0, 0);
		return CSE_DONE;
	}
	if (net_auto) {
		c->ret = auto_bind(fd, proto, g, sa, len);
		return CSE_DONE;
	}
	/* Host port g is another guest port's: taken, as far as the application goes. */
	if (net_map_by_host(proto, g)) {
		c->ret = -K_EADDRINUSE;
		return CSE_DONE;
	}
	return CSE_PASS;
}

static enum cse_verdict net_handle(struct cse_call *c)
{
	switch (c->nr) {
	case __NR_bind:
		return do_bind(c);
	case __NR_io_uring_setup:
		c->ret = -K_ENOSYS_;
		return CSE_DONE;
	default:
		return CSE_PASS;	/* socket, accept, accept4: see net_exit */
	}
}

static void net_exit(struct cse_call *c)
{
	if (c->ret < 0)
		return;
	switch (c->nr) {
	case __NR_socket:
		net_fd_created((int)c->ret, c->args[0], c->args[1], c->args[2]);
		break;
	case __NR_accept:
	case __NR_accept4:
		net_fd_accepted((int)c->args[0], (int)c->ret);
		break;
	default:
		break;
	}
}

static int net_setup(const struct cse_setup *s)
{
	static struct net_port parsed[NET_PORTS_MAX];
	uint32_t n;
	int r;

	net_svc = s->svc;
	net_id = s->id;
	net_st = s->state;
	r = net_map_parse(s, parsed, &n);
	if (r)
		return r;
	if (s->state_fresh) {
		net_map_install(parsed, n);
		net_report();
	}
	r = net_fd_register(s->id);
	if (!r)
		r = net_addr_register(s->id);
	if (r)
		cse_snprintf(net_svc, s->err, s->err_size,
			     "cannot register with the runtime (errno %d)", -r);
	return r;
}

static const long net_syscalls[] = {
	__NR_bind, __NR_socket, __NR_accept, __NR_accept4, __NR_io_uring_setup,
	CSE_SYSCALLS_END
};

static const struct cse_option net_options[] = {
	{ "port", "port", "GUEST:HOST[/tcp|/udp]",
	  "Guest port GUEST is host port HOST (TCP\n"
	  "and UDP, or only the one named): the\n"
	  "application binds and reaches GUEST, other\n"
	  "programs reach HOST.",
	  CSE_OPT_STRING, CSE_OPT_REPEAT },
	{ "port-auto", "port-auto", NULL,
	  "Every other bind to a port lands on a\n"
	  "free host port (so port 80 works for a\n"
	  "plain user); the pair joins the map.",
	  CSE_OPT_BOOL, 0 },
	{ 0 }
};

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.state_size = sizeof(struct net_state),
	.name = "net",
	.description = "private port space: guest ports mapped to host ports",
	.options = net_options,
	.setup = net_setup,
	.syscalls = net_syscalls,
	.handle = net_handle,
	.exit = net_exit,
};
