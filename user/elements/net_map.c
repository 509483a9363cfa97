// SPDX-License-Identifier: GPL-2.0
/*
 * The net element's port map: guest:host pairs per protocol, in the
 * instance state, so every process of the application (children, later
 * execs) shares it and no other application sees it.
 *
 * Writers (setup of the first process, an automatic bind) append under
 * svc->lock: the slot is written first, then count is raised with a
 * release store. Entries never change nor go away, so readers (every
 * translation) walk the first count entries without a lock.
 */
#include "net.h"

/* "N" at *p (1..65535); advances p. 0 when there is no valid number. */
static unsigned int parse_port(const char **p)
{
	unsigned long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return 0;
		s++;
	}
	*p = s;
	return (unsigned int)v;
}

/* One "GUEST:HOST[/tcp|/udp]" into ports[]; -EINVAL with s->err set. */
static int parse_one(const struct cse_setup *s, const struct cse_setting *set,
		     struct net_port *out, uint32_t *n)
{
	const char *p = set->value;
	unsigned int g, h;
	int protos[2] = { NET_P_TCP, NET_P_UDP }, np = 2;

	g = parse_port(&p);
	if (!g || *p++ != ':')
		goto bad;
	h = parse_port(&p);
	if (!h)
		goto bad;
	if (!cse_strcmp(p, "/tcp")) {
		np = 1;
	} else if (!cse_strcmp(p, "/udp")) {
		protos[0] = NET_P_UDP;
		np = 1;
	} else if (*p) {
		goto bad;
	}
	for (int k = 0; k < np; k++) {
		for (uint32_t i = 0; i < *n; i++) {
			const char *what = NULL;

			if (out[i].proto != protos[k])
				continue;
			if (out[i].guest == g)
				what = "guest";
			else if (out[i].host == h)
				what = "host";
			if (what) {
				cse_snprintf(net_svc, s->err, s->err_size,
					     "%s: bad value '%s': %s port %u/%s is mapped twice",
					     set->origin, set->value, what,
					     what[0] == 'g' ? g : h,
					     protos[k] == NET_P_TCP ? "tcp" : "udp");
				return -K_EINVAL;
			}
		}
		if (*n == NET_PORTS_MAX) {
			cse_snprintf(net_svc, s->err, s->err_size,
				     "%s: bad value '%s': more than %d mappings", set->origin,
				     set->value, NET_PORTS_MAX);
			return -K_EINVAL;
		}
		out[*n] = (struct net_port){ .guest = (uint16_t)g, .host = (uint16_t)h,
					     .proto = (uint8_t)protos[k] };
		(*n)++;
	}
	return 0;
bad:
	cse_snprintf(net_svc, s->err, s->err_size,
		     "%s: bad value '%s': want GUEST:HOST[/tcp|/udp], ports 1-65535",
		     set->origin, set->value);
	return -K_EINVAL;
}

/* The settings into out[] (*n entries) and net_auto; 0 or -EINVAL. */
int net_map_parse(const struct cse_setup *s, struct net_port *out, uint32_t *n)
{
	*n = 0;
	for (uint32_t i = 0; i < s->nsettings; i++) {
		const struct cse_setting *set = &s->settings[i];
		int r;

		if (!cse_strcmp(set->key, "port-auto")) {
			net_auto = set->value[0] == '1' && !set->value[1];
			continue;
		}
		if (cse_strcmp(set->key, "port")) {
			cse_snprintf(net_svc, s->err, s->err_size, "%s: unknown setting '%s'",
				     set->origin, set->key);
			return -K_EINVAL;
		}
		r = parse_one(s, set, out, n);
		if (r)
			return r;
	}
	return 0;
}

/* The first process's map: the explicit pairs. */
void net_map_install(const struct net_port *p, uint32_t n)
{
	net_svc->lock(&net_st->lock);
	for (uint32_t i = 0; i < n; i++)
		net_st->e[i] = p[i];
	__atomic_store_n(&net_st->count, n, __ATOMIC_RELEASE);
	net_svc->unlock(&net_st->lock);
}

static uint32_t published(void)
{
	uint32_t n = __atomic_load_n(&net_st->count, __ATOMIC_ACQUIRE);

	return n > NET_PORTS_MAX ? NET_PORTS_MAX : n;
}

const struct net_port *net_map_by_guest(int proto, unsigned int guest)
{
	uint32_t n = published();

	for (uint32_t i = 0; i < n; i++)
		if (net_st->e[i].guest == guest && net_st->e[i].proto == proto)
			return &net_st->e[i];
	return NULL;
}

const struct net_port *net_map_by_host(int proto, unsigned int host)
{
	uint32_t n = published();

	for (uint32_t i = 0; i < n; i++)
		if (net_st->e[i].host == host && net_st->e[i].proto == proto)
			return &net_st->e[i];
	return NULL;
}

/* Append a pair; the caller holds the lock. 0, or -EADDRNOTAVAIL when full. */
int net_map_add(int proto, unsigned int guest, unsigned int host, unsigned int flags)
{
	uint32_t n = published();

	if (n == NET_PORTS_MAX)
		return -K_EADDRNOTAVAIL;
	net_st->e[n] = (struct net_port){ .guest = (uint16_t)guest, .host = (uint16_t)host,
					  .proto = (uint8_t)proto, .flags = (uint8_t)flags };
	__atomic_store_n(&net_st->count, n + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Up to max entries into out; returns how many. */
uint32_t net_map_snapshot(struct net_port *out, uint32_t max)
{
	uint32_t n = published();

	if (n > max)
		n = max;
	for (uint32_t i = 0; i < n; i++)
		out[i] = net_st->e[i];
	return n;
}
