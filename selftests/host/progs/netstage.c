// SPDX-License-Identifier: GPL-2.0
/*
 * netstage main BASE PEER OFFSET: socket addresses as the program sees
 * them, for the testnet element (guest port P = host port P + OFFSET on
 * loopback). Natively OFFSET is 0; under cse-run -e testnet=OFFSET the
 * output must be the same:
 *   - TCP and UDP, IPv4 and IPv6: bind/listen/getsockname show BASE+k,
 *     while /proc/net/{tcp,udp}[6] (what ss reads) shows BASE+k+OFFSET;
 *     connect to the guest port reaches it; accept, getpeername,
 *     recvfrom, recvmsg and recvmmsg names match the peer's own
 *     getsockname; sendto, sendmsg and sendmmsg names are translated;
 *   - truncated address buffers: min(len, size) bytes and the full
 *     length, as the kernel does; EFAULT for bad pointers;
 *   - a native peer (netstage peer PEER+OFFSET, outside cse) reached at
 *     guest port PEER sees our port + OFFSET.
 * netstage peer PORT: that peer: accepts one connection on 127.0.0.1,
 * reads the port the client says it has, answers the port it sees.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int base, offset;

static socklen_t lo(int fam, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)port);
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

static int port_of(const void *a)
{
	return ntohs(((const struct sockaddr_in *)a)->sin_port);
}

static int own_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	return port_of(&ss);
}

static int peer_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len))
		return -1;
	return port_of(&ss);
}

/* Does /proc/net/FILE (the host's view) list local port PORT, in state
 * LISTEN for TCP (TIME_WAIT leftovers of earlier runs do not count)? */
static int host_has(const char *file, int port)
{
	char path[64], line[512];
	int found = 0, tcp = !strncmp(file, "tcp", 3);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned int lport, rport, st;

		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x %x", &lport, &rport,
			   &st) == 3 && (int)lport == port && (!tcp || st == 0x0A))
			found = 1;
	}
	fclose(f);
	return found;
}

static const char *yes(int c)
{
	return c ? "yes" : "NO";
}

static void tcp(int fam, int port)
{
	const char *n = fam == AF_INET ? "tcp4" : "tcp6";
	struct sockaddr_storage ss, got;
	socklen_t len = lo(fam, port, &ss), glen;
	int one = 1, srv, cli, acc, cli2;
	char buf[8];
	ssize_t r;

	srv = socket(fam, SOCK_STREAM, 0);
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	printf("%s bind: %d\n", n, bind(srv, (struct sockaddr *)&ss, len));
	printf("%s listen: %d\n", n, listen(srv, 4));
	printf("%s getsockname: base+%d\n", n, own_port(srv) - base);
	printf("%s host lists base+%d+offset: %s\n", n, port - base,
	       yes(host_has(fam == AF_INET ? "tcp" : "tcp6", port + offset) == 1));

	cli = socket(fam, SOCK_STREAM, 0);
	printf("%s connect to the guest port: %d\n", n, connect(cli, (struct sockaddr *)&ss, len));
	glen = sizeof(got);
	acc = accept4(srv, (struct sockaddr *)&got, &glen, SOCK_CLOEXEC);
	printf("%s accept: len %u, peer is the client: %s\n", n, glen,
	       yes(acc >= 0 && port_of(&got) == own_port(cli)));
	printf("%s getpeername(client): base+%d\n", n, peer_port(cli) - base);
	printf("%s getpeername(accepted) is the client: %s\n", n,
	       yes(peer_port(acc) == own_port(cli)));

	/* Truncated: 4 bytes copied (family, port), the full length told. */
	memset(&got, 0xee, sizeof(got));
	glen = 4;
	getsockname(srv, (struct sockaddr *)&got, &glen);
	printf("%s getsockname into 4 bytes: len %u, port base+%d, byte 4 untouched: %s\n", n,
	       glen, port_of(&got) - base, yes(((unsigned char *)&got)[4] == 0xee));
	cli2 = socket(fam, SOCK_STREAM, 0);
	connect(cli2, (struct sockaddr *)&ss, len);
	memset(&got, 0xee, sizeof(got));
	glen = 3;
	close(acc);
	acc = accept(srv, (struct sockaddr *)&got, &glen);
	printf("%s accept into 3 bytes: len %u, byte 2 is the port's high byte: %s, byte 3 untouched: %s\n",
	       n, glen, yes(((unsigned char *)&got)[2] == (own_port(cli2) >> 8)),
	       yes(((unsigned char *)&got)[3] == 0xee));
	/* TCP recvfrom fills no address: length 0. */
	write(cli2, "hi", 2);
	glen = sizeof(got);
	r = recvfrom(acc, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen);
	printf("%s recvfrom: %zd, len %u\n", n, r, glen);
	/* Bad pointers: EFAULT, as natively. */
	glen = sizeof(got);
	r = getsockname(srv, (struct sockaddr *)8, &glen);
	printf("%s getsockname(bad address): %zd errno %d\n", n, r, errno);
	r = getsockname(srv, (struct sockaddr *)&got, (socklen_t *)8);
	printf("%s getsockname(bad length pointer): %zd errno %d\n", n, r, errno);
	r = connect(cli, (struct sockaddr *)8, len);
	printf("%s connect(bad address): %zd errno %d\n", n, r, errno);
	close(acc);
	close(cli);
	close(cli2);
	close(srv);
}

static void udp(int fam, int port)
{
	const char *n = fam == AF_INET ? "udp4" : "udp6";
	struct sockaddr_storage ss, any, got, names[3];
	socklen_t len = lo(fam, port, &ss), glen;
	struct mmsghdr mm[3];
	struct iovec iov[3];
	char data[3][8], buf[16];
	struct msghdr m;
	int u1, u2, u2port;
	ssize_t r;

	u1 = socket(fam, SOCK_DGRAM, 0);
	u2 = socket(fam, SOCK_DGRAM, 0);
	printf("%s bind: %d\n", n, bind(u1, (struct sockaddr *)&ss, len));
	bind(u2, (struct sockaddr *)&any, lo(fam, 0, &any));
	u2port = own_port(u2);
	printf("%s getsockname: base+%d\n", n, own_port(u1) - base);
	printf("%s host lists base+%d+offset: %s\n", n, port - base,
	       yes(host_has(fam == AF_INET ? "udp" : "udp6", port + offset) == 1));

	sendto(u2, "one", 3, 0, (struct sockaddr *)&ss, len);
	glen = sizeof(got);
	r = recvfrom(u1, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen);
	printf("%s recvfrom: %zd, len %u, from the sender: %s\n", n, r, glen,
	       yes(port_of(&got) == u2port));

	memset(&m, 0, sizeof(m));
	iov[0] = (struct iovec){ "two", 3 };
	m.msg_name = &ss;
	m.msg_namelen = len;
	m.msg_iov = iov;
	m.msg_iovlen = 1;
	printf("%s sendmsg: %zd\n", n, sendmsg(u2, &m, 0));
	iov[0] = (struct iovec){ buf, sizeof(buf) };
	m.msg_name = &got;
	m.msg_namelen = sizeof(got);
	r = recvmsg(u1, &m, 0);
	printf("%s recvmsg: %zd, namelen %u, from the sender: %s\n", n, r, m.msg_namelen,
	       yes(port_of(&got) == u2port));

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		snprintf(data[i], sizeof(data[i]), "m%d", i * 11);
		iov[i] = (struct iovec){ data[i], strlen(data[i]) };
		mm[i].msg_hdr.msg_name = &ss;
		mm[i].msg_hdr.msg_namelen = len;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	r = sendmmsg(u2, mm, 3, 0);
	printf("%s sendmmsg: %zd, lengths %u %u %u\n", n, r, mm[0].msg_len, mm[1].msg_len,
	       mm[2].msg_len);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		iov[i] = (struct iovec){ data[i], sizeof(data[i]) };
		mm[i].msg_hdr.msg_name = &names[i];
		mm[i].msg_hdr.msg_namelen = i == 2 ? 2 : sizeof(names[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	memset(names, 0xee, sizeof(names));
	r = recvmmsg(u1, mm, 3, 0, NULL);
	printf("%s recvmmsg: %zd, lengths %u %u %u, namelens %u %u %u, from the sender: %s %s, "
	       "truncated name kept its port bytes: %s\n", n, r, mm[0].msg_len, mm[1].msg_len,
	       mm[2].msg_len, mm[0].msg_hdr.msg_namelen, mm[1].msg_hdr.msg_namelen,
	       mm[2].msg_hdr.msg_namelen, yes(port_of(&names[0]) == u2port),
	       yes(port_of(&names[1]) == u2port),
	       yes(((unsigned char *)&names[2])[2] == 0xee));

	/* A connected datagram socket: getpeername is the guest port. */
	connect(u2, (struct sockaddr *)&ss, len);
	printf("%s getpeername: base+%d\n", n, peer_port(u2) - base);
	send(u2, "four", 4, 0);
	glen = 2;
	memset(&got, 0xee, sizeof(got));
	r = recvfrom(u1, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen);
	printf("%s recvfrom into 2 bytes: %zd, len %u, port bytes untouched: %s\n", n, r, glen,
	       yes(((unsigned char *)&got)[2] == 0xee));
	close(u1);
	close(u2);
}

/* The native peer at guest port peer (host peer + offset). */
static void to_peer(int peer)
{
	struct sockaddr_storage ss;
	socklen_t len = lo(AF_INET, peer, &ss);
	int c = socket(AF_INET, SOCK_STREAM, 0), mine;
	unsigned char b[2];

	printf("peer connect: %d\n", connect(c, (struct sockaddr *)&ss, len));
	mine = own_port(c);
	b[0] = (unsigned char)(mine >> 8);
	b[1] = (unsigned char)mine;
	send(c, b, 2, MSG_NOSIGNAL);
	if (read(c, b, 2) != 2)
		b[0] = b[1] = 0;
	printf("peer saw our port + offset: %s\n", yes(((b[0] << 8 | b[1]) - offset) == mine));
	printf("peer getpeername: peer+%d\n", peer_port(c) - peer);
	close(c);
}

static int serve_peer(int port)
{
	struct sockaddr_storage ss, got;
	socklen_t len = lo(AF_INET, port, &ss), glen = sizeof(got);
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c;
	unsigned char b[2];

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len) || listen(s, 1))
		return 1;
	printf("ready\n");
	fflush(stdout);
	c = accept(s, (struct sockaddr *)&got, &glen);
	if (c < 0 || read(c, b, 2) != 2)
		return 1;
	b[0] = (unsigned char)(port_of(&got) >> 8);
	b[1] = (unsigned char)port_of(&got);
	write(c, b, 2);
	close(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "peer"))
		return serve_peer(atoi(argv[2]));
	if (argc != 5 || strcmp(argv[1], "main"))
		return 2;
	base = atoi(argv[2]);
	offset = atoi(argv[4]);
	setvbuf(stdout, NULL, _IONBF, 0);
	tcp(AF_INET, base);
	tcp(AF_INET6, base + 2);
	udp(AF_INET, base + 1);
	udp(AF_INET6, base + 3);
	to_peer(atoi(argv[3]));
	return 0;
}
