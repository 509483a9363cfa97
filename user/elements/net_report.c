// SPDX-License-Identifier: GPL-2.0
/*
 * The port map to cse.ko (CSE_IOC_REPORT_PORTS on the instance fd), so
 * that `csectl show` lists it. Sent whole, the first CSE_PORTS_MAX pairs
 * (the explicit ones come first), when the first process installs the
 * map and after every pair --port-auto adds. Without the module, or
 * when it refuses (an older module: ENOTTY; a process that left the
 * creator's uid: EPERM), the application runs the same: the report is
 * for the operator, not for the program.
 */
#include <linux/cse.h>
#include "net.h"

void net_report(void)
{
	static struct net_port snap[CSE_PORTS_MAX];
	struct cse_port ports[CSE_PORTS_MAX];
	struct cse_port_report req;
	int ifd = net_svc->instance_fd();
	uint32_t n;

	if (ifd < 0)
		return;
	/* Under the lock: two reports cannot cross and leave an old map. */
	net_svc->lock(&net_st->lock);
	n = net_map_snapshot(snap, CSE_PORTS_MAX);
	for (uint32_t i = 0; i < n; i++)
		ports[i] = (struct cse_port){
			.proto = snap[i].proto == NET_P_TCP ? CSE_PORT_TCP : CSE_PORT_UDP,
			.flags = (snap[i].flags & NET_PORT_AUTO) ? CSE_PORT_AUTO : 0,
			.guest = snap[i].guest,
			.host = snap[i].host,
		};
	req = (struct cse_port_report){ .size = sizeof(req), .n_ports = n,
					.ports = (uint64_t)(uintptr_t)ports };
	net_sys(__NR_ioctl, ifd, CSE_IOC_REPORT_PORTS, (long)&req, 0, 0);
	net_svc->unlock(&net_st->lock);
}
