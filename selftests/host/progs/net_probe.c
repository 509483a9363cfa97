// SPDX-License-Identifier: GPL-2.0
/*
 * net_probe: what an application sees of its own port space, as lines on
 * stdout that must be the same natively (guest ports are host ports) and
 * under cse-run with the net element mapping them elsewhere.
 *
 *   net_probe TCPPORT UDPPORT [HOSTADDR]
 *
 * TCP and UDP over IPv4, IPv6, dual-stack (v4-mapped) and IPV6_V6ONLY;
 * connect and sendto through 127.0.0.1, 127.0.0.2, 0.0.0.0, ::1,
 * ::ffff:127.0.0.1 and HOSTADDR (an address of this host, if given);
 * getsockname, getpeername, accept and recvfrom addresses; EADDRINUSE
 * inside the application; an SO_REUSEPORT group; bind to port 0;
 * sendmsg/recvmsg and sendmmsg/recvmmsg names.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned int tport, uport;
static const char *hostaddr;

static void die(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

/* An address "A:PORT" or "[A]:PORT" into ss. */
static socklen_t mk(struct sockaddr_storage *ss, const char *a, unsigned int port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, a, &s6->sin6_addr);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	inet_pton(AF_INET, a, &s4->sin_addr);
	return sizeof(*s4);
}

static unsigned int port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
					       : ((const struct sockaddr_in *)ss)->sin_port);
}

/* "addr:port", or "addr:EPH" for a port that is not one of ours. */
static const char *show(const struct sockaddr_storage *ss)
{
	static char buf[4][80];
	static int k;
	char a[INET6_ADDRSTRLEN] = "?";
	char *b = buf[k++ % 4];
	unsigned int p = port_of(ss);

	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
	if (p == tport || p == uport)
		snprintf(b, 80, "%s:%u", a, p);
	else
		snprintf(b, 80, "%s:EPH", a);
	return b;
}

static int sock(int fam, int type, int v6only)
{
	int s = socket(fam, type | SOCK_CLOEXEC, 0), one = 1;

	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fam == AF_INET6 && v6only >= 0)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	return s;
}

static int bind_to(int s, const char *a, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t l = mk(&ss, a, port);

	return bind(s, (struct sockaddr *)&ss, l) ? -errno : 0;
}

static struct sockaddr_storage name_of(int s, int peer)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if ((peer ? getpeername : getsockname)(s, (struct sockaddr *)&ss, &l))
		die(peer ? "getpeername" : "getsockname");
	return ss;
}

/* A TCP connection from fam to a:port through listener l: what each side sees. */
static void tcp_via(int l, int fam, const char *a, unsigned int port)
{
	struct sockaddr_storage ss, peer;
	socklen_t len = mk(&ss, a, port), pl = sizeof(peer);
	int c = sock(fam, SOCK_STREAM, -1), s;
	char buf[4] = "";

	if (connect(c, (struct sockaddr *)&ss, len)) {
		printf("tcp connect %s port %u: %s\n", a, port, strerror(errno));
		close(c);
		return;
	}
	s = accept4(l, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
	if (s < 0)
		die("accept");
	struct sockaddr_storage cl = name_of(c, 0), cp = name_of(c, 1);
	struct sockaddr_storage sl = name_of(s, 0), sp = name_of(s, 1);

	if (write(c, "hi", 3) != 3 || read(s, buf, sizeof(buf)) != 3)
		die("tcp data");
	printf("tcp %s: client peer %s; server local %s; accept peer %s the client (%s)\n",
	       a, show(&cp), show(&sl),
	       port_of(&peer) == port_of(&cl) && port_of(&sp) == port_of(&cl) ? "is" : "is NOT",
	       buf);
	close(c);
	close(s);
}

static void tcp_cases(void)
{
	int l = sock(AF_INET, SOCK_STREAM, -1), l2, r;

	if (bind_to(l, "0.0.0.0", tport) || listen(l, 16))
		die("tcp4 listen");
	struct sockaddr_storage me = name_of(l, 0);

	printf("tcp4 listener %s\n", show(&me));
	tcp_via(l, AF_INET, "127.0.0.1", tport);
	tcp_via(l, AF_INET, "127.0.0.2", tport);
	tcp_via(l, AF_INET, "0.0.0.0", tport);
	if (hostaddr)
		tcp_via(l, AF_INET, hostaddr, tport);
	/* Inside the application the port is taken. */
	l2 = sock(AF_INET, SOCK_STREAM, -1);
	r = bind_to(l2, "127.0.0.1", tport);
	printf("second bind 127.0.0.1:%u: %s\n", tport, strerror(-r));
	close(l2);
	close(l);

	/* Dual stack: one v6 socket for both families. */
	l = sock(AF_INET6, SOCK_STREAM, 0);
	if (bind_to(l, "::", tport) || listen(l, 16))
		die("tcp6 listen");
	me = name_of(l, 0);
	printf("tcp6 dual-stack listener %s\n", show(&me));
	tcp_via(l, AF_INET6, "::1", tport);
	tcp_via(l, AF_INET6, "::ffff:127.0.0.1", tport);
	tcp_via(l, AF_INET, "127.0.0.1", tport);
	l2 = sock(AF_INET, SOCK_STREAM, -1);
	r = bind_to(l2, "0.0.0.0", tport);
	printf("v4 bind beside dual-stack: %s\n", r ? strerror(-r) : "ok");
	close(l2);
	close(l);

	/* IPV6_V6ONLY: v6 and v4 sockets on one port side by side. */
	l = sock(AF_INET6, SOCK_STREAM, 1);
	l2 = sock(AF_INET, SOCK_STREAM, -1);
	if (bind_to(l, "::1", tport) || listen(l, 16))
		die("v6only listen");
	r = bind_to(l2, "127.0.0.1", tport);
	printf("v6only and v4 on one port: %s\n", r ? strerror(-r) : "ok");
	if (!r && !listen(l2, 16)) {
		tcp_via(l, AF_INET6, "::1", tport);
		tcp_via(l2, AF_INET, "127.0.0.1", tport);
	}
	close(l);
	close(l2);
}

static void reuseport_case(void)
{
	int a = sock(AF_INET, SOCK_STREAM, -1), b = sock(AF_INET, SOCK_STREAM, -1), one = 1;
	int got[2] = { 0, 0 };

	setsockopt(a, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(b, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind_to(a, "127.0.0.1", tport) || listen(a, 64))
		die("reuseport a");
	printf("reuseport second bind: %s\n",
	       bind_to(b, "127.0.0.1", tport) ? strerror(errno) : "ok");
	if (listen(b, 64))
		die("reuseport listen");
	for (int i = 0; i < 24; i++) {
		struct sockaddr_storage ss;
		socklen_t len = mk(&ss, "127.0.0.1", tport);
		int c = sock(AF_INET, SOCK_STREAM, -1);

		if (connect(c, (struct sockaddr *)&ss, len))
			die("reuseport connect");
		close(c);
	}
	usleep(100000);	/* the handshakes complete in softirq */
	for (int k = 0; k < 2; k++) {
		int s, fd = k ? b : a;

		fcntl(fd, F_SETFL, O_NONBLOCK);
		while ((s = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			got[k]++;
			close(s);
		}
	}
	printf("reuseport group: %d connections, both members got some: %s\n",
	       got[0] + got[1], got[0] && got[1] ? "yes" : "no");
	close(a);
	close(b);
}

static void bind0_case(void)
{
	int l = sock(AF_INET, SOCK_STREAM, -1);

	if (bind_to(l, "127.0.0.1", 0) || listen(l, 4))
		die("bind 0");
	struct sockaddr_storage me = name_of(l, 0);
	unsigned int p = port_of(&me);

	printf("bind 0: port is %s\n", p ? "non-zero" : "zero");
	tcp_via(l, AF_INET, "127.0.0.1", p);
	close(l);
}

/* A UDP exchange from fam to a:uport against server s. */
static void udp_via(int s, int fam, const char *a)
{
	struct sockaddr_storage to, from, back;
	socklen_t tl = mk(&to, a, uport), fl = sizeof(from), bl = sizeof(back);
	int c = sock(fam, SOCK_DGRAM, -1);
	char buf[8];

	if (sendto(c, "ping", 5, 0, (struct sockaddr *)&to, tl) != 5) {
		printf("udp sendto %s: %s\n", a, strerror(errno));
		close(c);
		return;
	}
	if (recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) != 5)
		die("udp recvfrom");
	if (sendto(s, "pong", 5, 0, (struct sockaddr *)&from, fl) != 5)
		die("udp reply");
	if (recvfrom(c, buf, sizeof(buf), 0, (struct sockaddr *)&back, &bl) != 5)
		die("udp client recvfrom");
	struct sockaddr_storage cl = name_of(c, 0);

	printf("udp %s: reply from %s; server saw %s the client\n", a, show(&back),
	       port_of(&from) == port_of(&cl) ? "exactly" : "NOT");
	close(c);
}

static void udp_msgs(int s)
{
	struct sockaddr_storage to, names[3];
	socklen_t tl = mk(&to, "127.0.0.1", uport);
	int c = sock(AF_INET, SOCK_DGRAM, -1), n;
	struct mmsghdr m[3];
	struct iovec iov[3];
	char bufs[3][8];

	memset(m, 0, sizeof(m));
	for (int i = 0; i < 3; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		snprintf(bufs[i], sizeof(bufs[i]), "m%d", i);
		m[i].msg_hdr = (struct msghdr){ .msg_name = &to, .msg_namelen = tl,
						.msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	n = sendmmsg(c, m, 3, 0);
	printf("sendmmsg: %d\n", n);
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 3; i++)
		m[i].msg_hdr = (struct msghdr){ .msg_name = &names[i], .msg_namelen = sizeof(names[i]),
						.msg_iov = &iov[i], .msg_iovlen = 1 };
	n = recvmmsg(s, m, 3, MSG_WAITFORONE, NULL);
	struct sockaddr_storage cl = name_of(c, 0);
	int same = n > 0;

	for (int i = 0; i < n; i++)
		same &= port_of(&names[i]) == port_of(&cl);
	printf("recvmmsg: %d, names are the client: %s\n", n, same ? "yes" : "no");
	/* sendmsg back to each name; recvmsg on the client sees the server port. */
	struct msghdr h = { .msg_name = &names[0], .msg_namelen = m[0].msg_hdr.msg_namelen,
			    .msg_iov = &iov[0], .msg_iovlen = 1 };
	if (sendmsg(s, &h, 0) < 0)
		die("sendmsg");
	struct sockaddr_storage from;

	h = (struct msghdr){ .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov[1],
			     .msg_iovlen = 1 };
	if (recvmsg(c, &h, 0) < 0)
		die("recvmsg");
	printf("recvmsg from %s (namelen %u)\n", show(&from), h.msg_namelen);
	close(c);
}

static void udp_cases(void)
{
	int s = sock(AF_INET, SOCK_DGRAM, -1), s6, r;

	if (bind_to(s, "0.0.0.0", uport))
		die("udp bind");
	struct sockaddr_storage me = name_of(s, 0);

	printf("udp4 socket %s\n", show(&me));
	udp_via(s, AF_INET, "127.0.0.1");
	udp_via(s, AF_INET, "127.0.0.2");
	if (hostaddr)
		udp_via(s, AF_INET, hostaddr);
	udp_msgs(s);
	s6 = sock(AF_INET6, SOCK_DGRAM, 1);
	r = bind_to(s6, "::1", uport);
	printf("udp6 v6only beside udp4: %s\n", r ? strerror(-r) : "ok");
	if (!r)
		udp_via(s6, AF_INET6, "::1");
	close(s6);
	close(s);
	s6 = sock(AF_INET6, SOCK_DGRAM, 0);
	if (bind_to(s6, "::", uport))
		die("udp6 dual bind");
	udp_via(s6, AF_INET6, "::ffff:127.0.0.1");
	udp_via(s6, AF_INET, "127.0.0.1");
	close(s6);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: net_probe TCPPORT UDPPORT [HOSTADDR]\n");
		return 2;
	}
	tport = (unsigned int)atoi(argv[1]);
	uport = (unsigned int)atoi(argv[2]);
	hostaddr = argc > 3 ? argv[3] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	tcp_cases();
	reuseport_case();
	bind0_case();
	udp_cases();
	return 0;
}
