// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Terminals. With process.terminal the container's stdio is the slave
 * side of a new pseudo-terminal; the master goes to whoever listens on
 * --console-socket: connect to that AF_UNIX stream socket and send the
 * master descriptor in one SCM_RIGHTS message whose data is the
 * terminal's name (what runc sends; the shim and conmon take the
 * descriptor and ignore or log the name).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "oci.h"

int oci_pty_open(int *slave, char **name)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	char *n;

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    !(n = ptsname(master))) {
		oci_error("cannot create a pseudo-terminal: %s", strerror(errno));
		if (master >= 0)
			close(master);
		return -1;
	}
	*name = oci_xstrdup(n);
	*slave = open(*name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		oci_error("cannot open %s: %s", *name, strerror(errno));
		close(master);
		free(*name);
		return -1;
	}
	return master;
}

int oci_console_send(const char *socket_path, int master, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	int fd;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		oci_error("--console-socket %s: the path is too long for a socket", socket_path);
		return -1;
	}
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		oci_error("--console-socket %s: %s", socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memset(u.buf, 0, sizeof(u.buf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0) {
		oci_error("--console-socket %s: cannot send the terminal: %s", socket_path,
			  strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
