/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The net element's shared declarations (net.c has the contract).
 */
#ifndef CSE_NET_H
#define CSE_NET_H

#include <stdint.h>
#include <asm/unistd.h>
#include <cse/element.h>
#include <cse/kabi.h>

#define NET_AF_INET	2
#define NET_AF_INET6	10
#define NET_SIN_LEN	16	/* sizeof(struct sockaddr_in) */
#define NET_SIN6_LEN	24	/* the kernel's minimum for AF_INET6 */
#define NET_ADDR_MAX	128	/* sizeof(struct sockaddr_storage) */

#define K_EADDRINUSE	98
#define K_EADDRNOTAVAIL	99

/* A socket's protocol as the map knows it (descriptor table values). */
enum { NET_P_NONE = 1, NET_P_TCP, NET_P_UDP };

/* One guest:host pair. Entries are appended, never removed. */
struct net_port {
	uint16_t guest;
	uint16_t host;
	uint8_t proto;		/* NET_P_TCP or NET_P_UDP */
	uint8_t flags;		/* NET_PORT_* */
	uint16_t pad;
};
#define NET_PORT_AUTO	0x1	/* chosen by --port-auto at bind time */

#define NET_PORTS_MAX	500

/* The instance state: one map for every process of the application. */
struct net_state {
	struct cse_lock lock;	/* writers */
	uint32_t count;		/* published entries (release after the slot) */
	uint32_t pad;
	struct net_port e[NET_PORTS_MAX];
};

extern const struct cse_services *net_svc;
extern int net_id;		/* this element, for the per-element services */
extern int net_auto;		/* --port-auto */
extern struct net_state *net_st;

static inline long net_sys(long nr, long a, long b, long c, long d, long e)
{
	return net_svc->syscall(nr, a, b, c, d, e, 0);
}

/* net_map.c */
int net_map_parse(const struct cse_setup *s, struct net_port *out, uint32_t *n);
void net_map_install(const struct net_port *p, uint32_t n);
const struct net_port *net_map_by_guest(int proto, unsigned int guest);
const struct net_port *net_map_by_host(int proto, unsigned int host);
int net_map_add(int proto, unsigned int guest, unsigned int host, unsigned int flags);
uint32_t net_map_snapshot(struct net_port *out, uint32_t max);

/* net_addr.c */
unsigned int net_addr_port(const unsigned char *a, uint32_t len);
void net_addr_set_port(unsigned char *a, unsigned int port);
int net_addr_is_local(const unsigned char *a, uint32_t len);
int net_addr_register(int element);

/* net_fd.c */
int net_fd_proto(int fd);
void net_fd_created(int fd, long family, long type, long protocol);
void net_fd_accepted(int listener, int fd);
int net_fd_register(int element);

/* net_report.c */
void net_report(void);

#endif /* CSE_NET_H */
