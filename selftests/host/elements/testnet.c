// SPDX-License-Identifier: GPL-2.0
/*
 * testnet: a test-only element for the socket-address stage.
 *
 *   -e testnet=OFFSET
 *
 * Guest port P of 127.0.0.1 and ::1 is host port P + OFFSET (mod 65536)
 * and back; port 0 (any port) and every other address are left alone.
 * So a program binding 127.0.0.1:P listens on host port P + OFFSET,
 * getsockname shows P, and the peers it sees have their host ports
 * minus OFFSET.
 */
#include <cse/element.h>

#define AF_INET_	2
#define AF_INET6_	10

static const struct cse_services *svc;
static unsigned int offset;

/* The port field of a loopback address, or NULL. */
static const unsigned char *port_of(const void *addr, uint32_t len)
{
	const unsigned char *a = addr;
	uint16_t family;

	if (len < 4)
		return NULL;
	family = (uint16_t)(a[0] | a[1] << 8);
	if (family == AF_INET_ && len >= 8 && a[4] == 127 && !a[5] && !a[6] && a[7] == 1)
		return a + 2;
	if (family == AF_INET6_ && len >= 24) {
		for (int i = 8; i < 23; i++)
			if (a[i])
				return NULL;
		return a[23] == 1 ? a + 2 : NULL;
	}
	return NULL;
}

static int shift(struct cse_sockaddr_req *req, unsigned int by)
{
	const unsigned char *p = port_of(req->addr, req->len);
	unsigned char *out = req->out;
	unsigned int port;

	if (!p || req->len > req->out_size)
		return 0;
	port = (unsigned int)(p[0] << 8 | p[1]);
	if (!port)
		return 0;
	port = (port + by) & 0xffff;
	for (uint32_t i = 0; i < req->len; i++)
		out[i] = ((const unsigned char *)req->addr)[i];
	out[2] = (unsigned char)(port >> 8);
	out[3] = (unsigned char)port;
	req->out_len = req->len;
	return 1;
}

static int to_host(struct cse_sockaddr_req *req)
{
	return shift(req, offset);
}

static int to_guest(struct cse_sockaddr_req *req)
{
	return shift(req, 65536 - offset);
}

static const struct cse_sockaddr_ops ops = { .to_host = to_host, .to_guest = to_guest };

static int setup(const struct cse_setup *s)
{
	const char *p = "";

	/* The "offset" setting. */
	for (uint32_t i = 0; i < s->nsettings; i++)
		if (!cse_strcmp(s->settings[i].key, "offset"))
			p = s->settings[i].value;
	unsigned long v = 0;
	int r;

	svc = s->svc;
	if (!*p)
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			goto bad;
	}
	offset = (unsigned int)v;
	r = svc->sockaddr_stage(s->id, &ops);
	if (r)
		cse_snprintf(svc, s->err, s->err_size, "cannot register the stage (errno %d)", -r);
	return r;
bad:
	cse_snprintf(svc, s->err, s->err_size, "usage: -e testnet=OFFSET (0-65535)");
	return -22;
}

static enum cse_verdict handle(struct cse_call *c)
{
	(void)c;
	return CSE_PASS;
}

static const long syscalls[] = { CSE_SYSCALLS_END };

static const struct cse_option options[] = {
	{ .flag = "testnet", .key = "offset", .arg_name = "N", .kind = CSE_OPT_INT,
	  .help = "test only: loopback port P is host port P+N" },
	{ 0 }
};

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.name = "testnet",
	.description = "test: loopback port P is host port P+OFFSET",
	.options = options,
	.setup = setup,
	.syscalls = syscalls,
	.handle = handle,
};
