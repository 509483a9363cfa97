// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Rendering of instances and events, as text for people and as JSON for
 * programs. Every function writes to the FILE it is given and takes "now"
 * as an argument, so the unit test can compare exact output.
 *
 * Text: numbers in tables are human-sized (KiB, MiB, ...), ages are
 * compact ("3m12s"); bytes that are not printable ASCII are shown as \xNN.
 * JSON: exact integers, strings escaped, invalid UTF-8 replaced by U+FFFD;
 * list and show print one document, monitor one object per line.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csectl.h"

void csectl_fmt_age(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / 1000000000u;

	if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 s / 60 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			 s / 3600 % 24);
}

void csectl_fmt_bytes(char *buf, size_t len, double bytes)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%.0fB", bytes);
		return;
	}
	bytes /= 1024;
	while (bytes >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%s", bytes, unit[u]);
}

void csectl_fmt_access(char *buf, size_t len, uint32_t access)
{
	if ((access & CSE_ACCESS_ALL) == CSE_ACCESS_ALL)
		snprintf(buf, len, "rw");
	else if (access & CSE_ACCESS_READ)
		snprintf(buf, len, "r");
	else if (access & CSE_ACCESS_WRITE)
		snprintf(buf, len, "w");
	else
		snprintf(buf, len, "-");
	if (access & ~CSE_ACCESS_ALL) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "+%#x", access & ~CSE_ACCESS_ALL);
	}
}

static const char *type_str(uint32_t type)
{
	return type == CSE_DEV_CHAR ? "c" : type == CSE_DEV_BLOCK ? "b" : "?";
}

static const char *port_proto(uint32_t proto)
{
	return proto == CSE_PORT_TCP ? "tcp" : proto == CSE_PORT_UDP ? "udp" : "?";
}

void csectl_fmt_grant(char *buf, size_t len, const struct csectl_grant *g)
{
	char acc[24];

	csectl_fmt_access(acc, sizeof(acc), g->access);
	snprintf(buf, len, "%s %u:%u %s", type_str(g->type), g->major,
		 g->minor, acc);
}

/* Printable ASCII as is, anything else as \xNN: one token per line. */
static void text_to(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = '\0';
}

void csectl_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void csectl_json_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':  fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

static uint64_t age_ns(const struct csectl_inst *in, uint64_t now_ns)
{
	return in->has_ctime && now_ns > in->ctime_ns ? now_ns - in->ctime_ns : 0;
}

/* list, text: a table whose columns fit their widest cell. */
enum { L_ID, L_NAME, L_UID, L_AGE, L_MEMBERS, L_GRANTS, L_OPENS, L_DENIED,
       L_READ, L_WRITTEN, L_SYSCALLS, L_NCOL };

static const char *const list_hdr[L_NCOL] = {
	"ID", "NAME", "UID", "AGE", "MEMBERS", "GRANTS", "OPENS", "DENIED",
	"READ", "WRITTEN", "SYSCALLS",
};

#define CELL (4 * CSE_NAME_MAX)
#define TABLE_MAX_COL 16

struct list_row {
	char c[L_NCOL][CELL];
};

static void list_cells(struct list_row *r, const struct csectl_inst *in,
		       uint64_t now_ns)
{
	snprintf(r->c[L_ID], CELL, "%" PRIu64, in->id);
	text_to(r->c[L_NAME], CELL, in->name);
	if (in->has_uid)
		snprintf(r->c[L_UID], CELL, "%u", in->creator_uid);
	else
		snprintf(r->c[L_UID], CELL, "-");
	if (in->has_ctime)
		csectl_fmt_age(r->c[L_AGE], CELL, age_ns(in, now_ns));
	else
		snprintf(r->c[L_AGE], CELL, "-");
	snprintf(r->c[L_MEMBERS], CELL, "%zu", in->n_pids);
	snprintf(r->c[L_GRANTS], CELL, "%zu", in->n_grants);
	snprintf(r->c[L_OPENS], CELL, "%" PRIu64, in->opens_granted);
	snprintf(r->c[L_DENIED], CELL, "%" PRIu64, in->opens_denied);
	csectl_fmt_bytes(r->c[L_READ], CELL, (double)in->bytes_read);
	csectl_fmt_bytes(r->c[L_WRITTEN], CELL, (double)in->bytes_written);
	snprintf(r->c[L_SYSCALLS], CELL, "%" PRIu64, csectl_inst_syscalls(in));
}

static void print_table(FILE *f, const char *const *hdr, size_t ncol,
			const char *cells, size_t nrow, size_t left_col)
{
	int w[TABLE_MAX_COL] = { 0 };

	for (size_t c = 0; c < ncol; c++) {
		w[c] = (int)strlen(hdr[c]);
		for (size_t r = 0; r < nrow; r++) {
			int l = (int)strlen(cells + (r * ncol + c) * CELL);

			if (l > w[c])
				w[c] = l;
		}
	}
	for (size_t r = 0; r <= nrow; r++) {
		for (size_t c = 0; c < ncol; c++) {
			const char *s = r ? cells + ((r - 1) * ncol + c) * CELL
					  : hdr[c];
			bool last = c + 1 == ncol;

			if (c == left_col)
				fprintf(f, "%-*s", last ? 0 : w[c], s);
			else
				fprintf(f, "%*s", w[c], s);
			fputs(last ? "\n" : "  ", f);
		}
	}
}

static void json_instance(FILE *f, const struct csectl_inst *in,
			  uint64_t now_ns, bool detail)
{
	char acc[24];

	fprintf(f, "{\"id\":%" PRIu64 ",\"name\":", in->id);
	csectl_json_str(f, in->name);
	if (in->has_uid)
		fprintf(f, ",\"creator_uid\":%u", in->creator_uid);
	else
		fputs(",\"creator_uid\":null", f);
	if (in->has_ctime)
		fprintf(f, ",\"ctime_ns\":%" PRIu64 ",\"age_s\":%" PRIu64,
			in->ctime_ns, age_ns(in, now_ns) / 1000000000u);
	else
		fputs(",\"ctime_ns\":null,\"age_s\":null", f);
	fprintf(f, ",\"member_count\":%zu,\"grant_count\":%zu", in->n_pids,
		in->n_grants);
	fprintf(f, ",\"opens_granted\":%" PRIu64 ",\"opens_denied\":%" PRIu64
		",\"bytes_read\":%" PRIu64 ",\"bytes_written\":%" PRIu64
		",\"syscalls\":%" PRIu64, in->opens_granted, in->opens_denied,
		in->bytes_read, in->bytes_written, csectl_inst_syscalls(in));
	if (detail) {
		fputs(",\"members\":[", f);
		for (size_t i = 0; i < in->n_pids; i++)
			fprintf(f, "%s%u", i ? "," : "", in->pids[i]);
		fputs("],\"grants\":[", f);
		for (size_t i = 0; i < in->n_grants; i++) {
			const struct csectl_grant *g = &in->grants[i];

			csectl_fmt_access(acc, sizeof(acc), g->access);
			fprintf(f, "%s{\"type\":\"%s\",\"major\":%u,\"minor\":%u,"
				"\"access\":\"%s\"}", i ? "," : "",
				type_str(g->type), g->major, g->minor, acc);
		}
		fputs("],\"ports\":[", f);
		for (size_t i = 0; i < in->n_ports; i++) {
			const struct csectl_port *p = &in->ports[i];

			fprintf(f, "%s{\"proto\":\"%s\",\"guest\":%u,\"host\":%u,"
				"\"auto\":%s}", i ? "," : "", port_proto(p->proto),
				p->guest, p->host,
				(p->flags & CSE_PORT_AUTO) ? "true" : "false");
		}
		fputs("],\"elements\":[", f);
		for (size_t i = 0; i < in->n_elems; i++) {
			fprintf(f, "%s{\"name\":", i ? "," : "");
			csectl_json_str(f, in->elems[i].name);
			fprintf(f, ",\"calls\":%" PRIu64 "}", in->elems[i].calls);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

void csectl_print_list(FILE *f, const struct csectl_inst *v, size_t n,
		       uint64_t now_ns, bool json)
{
	struct list_row *rows;

	if (json) {
		fputc('[', f);
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', f);
			json_instance(f, &v[i], now_ns, false);
		}
		fputs("]\n", f);
		return;
	}
	if (!n)
		return;
	rows = csectl_xcalloc(n, sizeof(*rows));
	for (size_t i = 0; i < n; i++)
		list_cells(&rows[i], &v[i], now_ns);
	print_table(f, list_hdr, L_NCOL, (const char *)rows, n, L_NAME);
	free(rows);
}

static void fmt_utc(char *buf, size_t len, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "@%" PRIu64, ns / 1000000000u);
}

void csectl_print_show(FILE *f, const struct csectl_inst *in, uint64_t now_ns,
		       bool json)
{
	char a[64], b[64];

	if (json) {
		json_instance(f, in, now_ns, true);
		fputc('\n', f);
		return;
	}
	fprintf(f, "instance %" PRIu64 "\n  name: ", in->id);
	csectl_text(f, in->name);
	fputc('\n', f);
	if (in->has_uid)
		fprintf(f, "  creator uid: %u\n", in->creator_uid);
	if (in->has_ctime) {
		fmt_utc(a, sizeof(a), in->ctime_ns);
		csectl_fmt_age(b, sizeof(b), age_ns(in, now_ns));
		fprintf(f, "  created: %s (%s ago)\n", a, b);
	}
	fprintf(f, "  members: %zu\n", in->n_pids);
	for (size_t i = 0; i < in->n_pids; i++)
		fprintf(f, "    pid %u\n", in->pids[i]);
	fprintf(f, "  grants: %zu\n", in->n_grants);
	for (size_t i = 0; i < in->n_grants; i++) {
		csectl_fmt_grant(a, sizeof(a), &in->grants[i]);
		fprintf(f, "    %s\n", a);
	}
	if (in->n_ports)
		fprintf(f, "  ports: %zu\n", in->n_ports);
	for (size_t i = 0; i < in->n_ports; i++) {
		const struct csectl_port *p = &in->ports[i];

		fprintf(f, "    %u/%s -> host %u%s\n", p->guest, port_proto(p->proto),
			p->host, (p->flags & CSE_PORT_AUTO) ? " (auto)" : "");
	}
	fprintf(f, "  device opens: %" PRIu64 " granted, %" PRIu64 " denied\n",
		in->opens_granted, in->opens_denied);
	csectl_fmt_bytes(a, sizeof(a), (double)in->bytes_read);
	csectl_fmt_bytes(b, sizeof(b), (double)in->bytes_written);
	fprintf(f, "  device bytes: %" PRIu64 " read (%s), %" PRIu64
		" written (%s)\n", in->bytes_read, a, in->bytes_written, b);
	fprintf(f, "  syscalls handled: %" PRIu64 "\n",
		csectl_inst_syscalls(in));
	for (size_t i = 0; i < in->n_elems; i++) {
		fputs("    ", f);
		csectl_text(f, in->elems[i].name);
		fprintf(f, " %" PRIu64 "\n", in->elems[i].calls);
	}
}

void csectl_print_event(FILE *f, const struct csectl_event *ev, bool json)
{
	const char *name = csectl_event_name(ev->cmd);
	char kind[24], acc[24];

	if (name)
		snprintf(kind, sizeof(kind), "%s", name);
	else
		snprintf(kind, sizeof(kind), "event-%u", ev->cmd);
	if (ev->has_dev)
		csectl_fmt_access(acc, sizeof(acc), ev->dev.access);

	if (json) {
		fprintf(f, "{\"event\":\"%s\",\"id\":%" PRIu64, kind, ev->id);
		if (ev->has_name) {
			fputs(",\"name\":", f);
			csectl_json_str(f, ev->name);
		}
		if (ev->has_pid)
			fprintf(f, ",\"pid\":%u", ev->pid);
		if (ev->has_dev)
			fprintf(f, ",\"type\":\"%s\",\"major\":%u,\"minor\":%u,"
				"\"access\":\"%s\"", type_str(ev->dev.type),
				ev->dev.major, ev->dev.minor, acc);
		if (ev->has_path) {
			fputs(",\"path\":", f);
			csectl_json_str(f, ev->path);
		}
		fputs("}\n", f);
		return;
	}
	fprintf(f, "%s id %" PRIu64, kind, ev->id);
	/* Instance events name the instance; the others name the process. */
	if (ev->has_name && (ev->cmd == CSE_CMD_INSTANCE_NEW ||
			     ev->cmd == CSE_CMD_INSTANCE_DEL || !name)) {
		fputs(" name ", f);
		csectl_text(f, ev->name);
	}
	if (ev->has_pid)
		fprintf(f, " pid %u", ev->pid);
	if (ev->has_dev)
		fprintf(f, " %s %u:%u %s", type_str(ev->dev.type),
			ev->dev.major, ev->dev.minor, acc);
	if (ev->has_path) {
		fputc(' ', f);
		csectl_text(f, ev->path);
	}
	fputc('\n', f);
}

/* top */
enum { T_ID, T_NAME, T_MEMBERS, T_SYSCALLS, T_SYSCALL_RATE, T_READ_RATE,
       T_WRITE_RATE, T_NCOL };

static const char *const top_hdr[T_NCOL] = {
	"ID", "NAME", "MEMBERS", "SYSCALLS", "SYSCALLS/s", "READ/s", "WRITTEN/s",
};

struct top_row {
	char c[T_NCOL][CELL];
};

static void json_rate(FILE *f, const char *key, bool has, double v)
{
	if (has)
		fprintf(f, ",\"%s\":%.3f", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

void csectl_print_top(FILE *f, const struct csectl_top_row *rows, size_t n,
		      double interval_s, uint64_t now_ns, bool json, bool clear)
{
	struct top_row *cells;
	char when[64];

	if (json) {
		fprintf(f, "{\"time_ns\":%" PRIu64 ",\"interval_s\":%.3f,"
			"\"instances\":[", now_ns, interval_s);
		for (size_t i = 0; i < n; i++) {
			const struct csectl_top_row *r = &rows[i];

			fprintf(f, "%s{\"id\":%" PRIu64 ",\"name\":", i ? "," : "",
				r->id);
			csectl_json_str(f, r->name);
			fprintf(f, ",\"member_count\":%zu,\"syscalls\":%" PRIu64,
				r->members, r->syscalls);
			json_rate(f, "syscalls_per_s", r->has_rate, r->syscalls_per_s);
			json_rate(f, "bytes_read_per_s", r->has_rate, r->read_per_s);
			json_rate(f, "bytes_written_per_s", r->has_rate,
				  r->written_per_s);
			fputc('}', f);
		}
		fputs("]}\n", f);
		return;
	}
	/* Home the cursor and clear the screen: only on a terminal. */
	if (clear)
		fputs("\033[H\033[2J", f);
	fmt_utc(when, sizeof(when), now_ns);
	fprintf(f, "csectl top: %zu instance%s, %s, every %.2fs\n", n,
		n == 1 ? "" : "s", when, interval_s);
	if (!n) {
		fputc('\n', f);
		return;
	}
	cells = csectl_xcalloc(n, sizeof(*cells));
	for (size_t i = 0; i < n; i++) {
		const struct csectl_top_row *r = &rows[i];
		struct top_row *c = &cells[i];

		snprintf(c->c[T_ID], CELL, "%" PRIu64, r->id);
		text_to(c->c[T_NAME], CELL, r->name);
		snprintf(c->c[T_MEMBERS], CELL, "%zu", r->members);
		snprintf(c->c[T_SYSCALLS], CELL, "%" PRIu64, r->syscalls);
		if (r->has_rate) {
			snprintf(c->c[T_SYSCALL_RATE], CELL, "%.1f",
				 r->syscalls_per_s);
			csectl_fmt_bytes(c->c[T_READ_RATE], CELL, r->read_per_s);
			csectl_fmt_bytes(c->c[T_WRITE_RATE], CELL,
					 r->written_per_s);
		} else {
			snprintf(c->c[T_SYSCALL_RATE], CELL, "-");
			snprintf(c->c[T_READ_RATE], CELL, "-");
			snprintf(c->c[T_WRITE_RATE], CELL, "-");
		}
	}
	print_table(f, top_hdr, T_NCOL, (const char *)cells, n, T_NAME);
	free(cells);
	fputc('\n', f);
}
