// SPDX-License-Identifier: GPL-2.0
/*
 * The --id-state file format. Plain text, so a person can read and diff it:
 *
 *   cse-id-state 1
 *   DEV INO UID GID MODE RDEV
 *   ...
 *
 * One line per file whose ownership or mode the application changed. DEV
 * and RDEV are decimal device numbers in the kernel's 32-bit stat
 * encoding (what st_dev shows), INO, UID and GID decimal, MODE octal with
 * the file type bits (100644, 20666 ...). Keys are (DEV, INO), like
 * fakeroot's save files: inode numbers persist across runs on the same
 * filesystem. Fields are separated by one space, every line ends with a
 * newline; anything else is rejected with the line number, so a damaged
 * file is never half-loaded.
 *
 * This file makes no system calls and uses no libc, so the libFuzzer
 * target (selftests/host/fuzz/id_state_fuzz.c) links it as it is.
 */
#include "id.h"

static int parse_u64(const char **pp, const char *end, int base, uint64_t max,
		     uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p == end || *p < '0' || *p >= '0' + base)
		return -1;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return -1;	/* no leading zeros: one spelling per value */
	while (p < end && *p >= '0' && *p < '0' + base) {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (max - d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + d;
		p++;
	}
	*out = v;
	*pp = p;
	return 0;
}

static int valid_type(uint32_t mode)
{
	switch (mode & K_S_IFMT) {
	case K_S_IFSOCK:
	case K_S_IFLNK:
	case K_S_IFREG:
	case K_S_IFBLK:
	case K_S_IFDIR:
	case K_S_IFCHR:
	case K_S_IFIFO:
		return 1;
	}
	return 0;
}

/* One record line [p, end), without its newline. */
static int parse_line(const char *p, const char *end, struct id_record *r,
		      const char **why)
{
	static const struct { int base; uint64_t max; const char *name; } f[6] = {
		{ 10, 0xffffffffu, "DEV" }, { 10, ~0ull, "INO" },
		{ 10, 0xfffffffeu, "UID" }, { 10, 0xfffffffeu, "GID" },
		{ 8, 0177777, "MODE" }, { 10, 0xffffffffu, "RDEV" },
	};
	uint64_t v[6];

	for (int i = 0; i < 6; i++) {
		if (i > 0) {
			if (p == end || *p != ' ') {
				*why = "expected 6 fields: DEV INO UID GID MODE RDEV";
				return -1;
			}
			p++;
		}
		if (parse_u64(&p, end, f[i].base, f[i].max, &v[i])) {
			*why = i == 0 ? "bad DEV" : i == 1 ? "bad INO" : i == 2 ? "bad UID" :
			       i == 3 ? "bad GID" : i == 4 ? "bad MODE (octal, with type bits)" :
			       "bad RDEV";
			return -1;
		}
	}
	if (p != end) {
		*why = "trailing characters after RDEV";
		return -1;
	}
	r->dev = v[0];
	r->ino = v[1];
	r->uid = (uint32_t)v[2];
	r->gid = (uint32_t)v[3];
	r->mode = (uint32_t)v[4];
	r->rdev = v[5];
	if (!valid_type(r->mode)) {
		*why = "MODE has no valid file type";
		return -1;
	}
	if (r->rdev && (r->mode & K_S_IFMT) != K_S_IFCHR &&
	    (r->mode & K_S_IFMT) != K_S_IFBLK) {
		*why = "RDEV set on a file that is not a device";
		return -1;
	}
	return 0;
}

int id_statefile_parse(const char *buf, size_t len, id_record_fn add, void *ctx,
		       unsigned int *line, const char **why)
{
	size_t hlen = sizeof(ID_STATE_HEADER) - 1;
	const char *p = buf, *end = buf + len;
	struct id_record r;

	*line = 1;
	if (len > ID_STATE_MAX_BYTES) {
		*line = 0;
		*why = "file too large";
		return -1;
	}
	if (len < hlen || cse_strncmp(buf, ID_STATE_HEADER, hlen)) {
		*why = "not a cse id state file (want first line \"cse-id-state 1\")";
		return -1;
	}
	p += hlen;
	while (p < end) {
		const char *nl = p;

		(*line)++;
		while (nl < end && *nl != '\n' && nl - p < ID_STATE_LINE_MAX)
			nl++;
		if (nl == end) {
			*why = "truncated line (no newline at end)";
			return -1;
		}
		if (*nl != '\n') {
			*why = "line too long";
			return -1;
		}
		if (parse_line(p, nl, &r, why))
			return -1;
		if (add(ctx, &r, why))
			return -1;
		p = nl + 1;
	}
	return 0;
}

static size_t put_u64(char *out, size_t size, size_t n, uint64_t v, unsigned int base)
{
	char tmp[24];
	size_t k = 0;

	do {
		tmp[k++] = (char)('0' + v % base);
		v /= base;
	} while (v);
	while (k--) {
		if (n + 1 < size)
			out[n] = tmp[k];
		n++;
	}
	return n;
}

/* Formats one line with its newline; returns its length (as snprintf). */
size_t id_statefile_format(char *out, size_t size, const struct id_record *r)
{
	const uint64_t v[6] = { r->dev, r->ino, r->uid, r->gid, r->mode, r->rdev };
	size_t n = 0;

	for (int i = 0; i < 6; i++) {
		if (i) {
			if (n + 1 < size)
				out[n] = ' ';
			n++;
		}
		n = put_u64(out, size, n, v[i], i == 4 ? 8 : 10);
	}
	if (n + 1 < size)
		out[n] = '\n';
	n++;
	if (size)
		out[n < size ? n : size - 1] = 0;
	return n;
}
