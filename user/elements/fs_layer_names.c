// SPDX-License-Identifier: GPL-2.0
/*
 * fs element, the layers: path buffers (the pool of fs_cow.h), and the
 * names and host paths of REL in each layer (UPPER's escaped names,
 * whiteout names; the format is described in fs_cow.h).
 */
#include "fs_cow.h"

/*
 * The pool: claimed by compare-and-swap, lowest free first (few pages
 * touched). A buffer a thread held when another thread forked stays
 * taken in the child; 320 of them leave room for that and for a tree
 * copy 150 levels deep.
 */
#define LAY_NBUF 320
static char lay_pool[LAY_NBUF][FS_PATH_MAX];
static uint8_t lay_busy[LAY_NBUF];

char *lay_buf_get(void)
{
	for (int i = 0; i < LAY_NBUF; i++) {
		uint8_t zero = 0;

		if (!__atomic_load_n(&lay_busy[i], __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&lay_busy[i], &zero, 1, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return lay_pool[i];
	}
	return NULL;
}

void lay_buf_put(char **p)
{
	if (*p)
		__atomic_store_n(&lay_busy[(*p - lay_pool[0]) / FS_PATH_MAX], 0, __ATOMIC_RELEASE);
}

static int starts(const char *s, const char *p)
{
	return !cse_strncmp(s, p, cse_strlen(p));
}

int lay_put(char *out, size_t size, size_t *at, const char *s, size_t n)
{
	if (*at + n + 1 > size)
		return -K_ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		out[*at + i] = s[i];
	*at += n;
	out[*at] = 0;
	return 0;
}

int lay_name_escape(const char *name, size_t n, char *out, size_t size)
{
	size_t at = 0;

	out[0] = 0;
	if (n >= 4 && !cse_strncmp(name, WH_PREFIX, 4) &&
	    lay_put(out, size, &at, WH_USER, cse_strlen(WH_USER)))
		return -K_ENAMETOOLONG;
	return lay_put(out, size, &at, name, n);
}

int lay_name_hidden(const char *name)
{
	return starts(name, WH_PREFIX) && !starts(name, WH_USER);
}

void lay_name_unescape(const char *name, char *out, size_t size)
{
	size_t at = 0;

	if (starts(name, WH_USER))
		name += cse_strlen(WH_USER);
	lay_put(out, size, &at, name, cse_strlen(name));
}

/* base + "/" + REL's components, each escaped when esc. */
static int build(const char *base, size_t blen, const char *rel, int esc,
		 char *out, size_t size)
{
	size_t at = 0;

	if (size > FS_PATH_MAX)
		size = FS_PATH_MAX;
	out[0] = 0;
	if (lay_put(out, size, &at, base, (blen == 1 && base[0] == '/') ? 0 : blen))
		return -K_ENAMETOOLONG;
	if (!*rel && at)
		return 0;
	while (*rel) {
		const char *e = rel;

		while (*e && *e != '/')
			e++;
		if (lay_put(out, size, &at, "/", 1))
			return -K_ENAMETOOLONG;
		if (esc && e - rel >= 4 && !cse_strncmp(rel, WH_PREFIX, 4) &&
		    lay_put(out, size, &at, WH_USER, cse_strlen(WH_USER)))
			return -K_ENAMETOOLONG;
		if (lay_put(out, size, &at, rel, (size_t)(e - rel)))
			return -K_ENAMETOOLONG;
		rel = *e ? e + 1 : e;
	}
	return 0;
}

int lay_lower_path(const char *rel, char *out, size_t size)
{
	return build(lay_lower, lay_lower_len, rel, 0, out, size);
}

int lay_upper_path(const char *rel, char *out, size_t size)
{
	return build(lay_upper, lay_upper_len, rel, 1, out, size);
}

int lay_whiteout_path(const char *rel, char *out, size_t size)
{
	const char *slash = NULL, *name;
	size_t at;
	int r;

	for (const char *p = rel; *p; p++)
		if (*p == '/')
			slash = p;
	name = slash ? slash + 1 : rel;
	if (!*name)
		return -K_EINVAL;
	if (slash) {
		LAY_BUF(parent);
		size_t n = (size_t)(slash - rel);
		if (!parent)
			return -K_ENOMEM;

		for (size_t i = 0; i < n; i++)
			parent[i] = rel[i];
		parent[n] = 0;
		r = lay_upper_path(parent, out, size);
	} else {
		r = lay_upper_path("", out, size);
	}
	if (r)
		return r;
	at = cse_strlen(out);
	if (lay_put(out, size, &at, "/", 1))
		return -K_ENAMETOOLONG;
	r = lay_put(out, size, &at, starts(name, WH_PREFIX) ? WH_WHUSER : WH_PREFIX,
		starts(name, WH_PREFIX) ? cse_strlen(WH_WHUSER) : 4);
	return r ? r : lay_put(out, size, &at, name, cse_strlen(name));
}

