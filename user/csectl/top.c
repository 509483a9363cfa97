// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * csectl top: dump every instance each interval and show, per instance,
 * the rate of handled syscalls and of device bytes read and written over
 * the time between two dumps (measured on CLOCK_MONOTONIC, not assumed).
 *
 * An instance seen for the first time, or whose counters went backwards
 * (csectl reset), has no rate for that round ("-" / null). On a terminal
 * the screen is cleared before each round; otherwise rounds are simply
 * appended, which is what scripts and pipes want. -n stops after N rounds.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>

#include "csectl.h"

static const struct csectl_inst *find(const struct csectl_inst *v, size_t n,
				      uint64_t id)
{
	size_t lo = 0, hi = n;

	/* csectl_dump() sorts by id. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t csectl_top_rows(const struct csectl_inst *prev, size_t n_prev,
		       const struct csectl_inst *cur, size_t n_cur,
		       double dt_s, struct csectl_top_row *rows)
{
	for (size_t i = 0; i < n_cur; i++) {
		const struct csectl_inst *c = &cur[i];
		const struct csectl_inst *p = find(prev, n_prev, c->id);
		struct csectl_top_row *r = &rows[i];
		uint64_t sc = csectl_inst_syscalls(c);

		memset(r, 0, sizeof(*r));
		r->id = c->id;
		memcpy(r->name, c->name, sizeof(r->name));
		r->members = c->n_pids;
		r->syscalls = sc;
		if (p && dt_s > 0) {
			uint64_t sp = csectl_inst_syscalls(p);

			r->has_rate = sc >= sp && c->bytes_read >= p->bytes_read &&
				      c->bytes_written >= p->bytes_written;
			if (r->has_rate) {
				r->syscalls_per_s = (double)(sc - sp) / dt_s;
				r->read_per_s = (double)(c->bytes_read -
							 p->bytes_read) / dt_s;
				r->written_per_s = (double)(c->bytes_written -
							    p->bytes_written) / dt_s;
			}
		}
	}
	return n_cur;
}

int csectl_top(struct csectl_ctx *ctx, const struct csectl_top_opts *opts)
{
	struct csectl_inst *prev = NULL, *cur = NULL;
	size_t n_prev = 0, n_cur = 0;
	uint64_t t_prev, t_cur, done = 0;
	bool clear = !opts->json && isatty(STDOUT_FILENO);
	int ret = 0;

	csectl_signals_block();
	if (csectl_dump(ctx, &prev, &n_prev))
		return -1;
	/* Once, before the screen starts refreshing. */
	csectl_view_hint();
	t_prev = csectl_now_ns(CLOCK_MONOTONIC);
	while (!opts->iterations || done < opts->iterations) {
		struct csectl_top_row *rows;

		if (csectl_wait(-1, (int64_t)(opts->interval_s * 1e9)) < 0)
			break;
		if (csectl_dump(ctx, &cur, &n_cur)) {
			ret = -1;
			break;
		}
		t_cur = csectl_now_ns(CLOCK_MONOTONIC);
		rows = csectl_xcalloc(n_cur, sizeof(*rows));
		csectl_top_rows(prev, n_prev, cur, n_cur,
				(double)(t_cur - t_prev) / 1e9, rows);
		csectl_print_top(stdout, rows, n_cur,
				 (double)(t_cur - t_prev) / 1e9,
				 csectl_now_ns(CLOCK_REALTIME), opts->json,
				 clear);
		free(rows);
		csectl_insts_free(prev, n_prev);
		prev = cur;
		n_prev = n_cur;
		cur = NULL;
		n_cur = 0;
		t_prev = t_cur;
		done++;
		if (fflush(stdout) == EOF) {
			ret = -1;
			break;
		}
	}
	csectl_insts_free(prev, n_prev);
	return ret;
}
