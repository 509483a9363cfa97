// SPDX-License-Identifier: GPL-2.0
/*
 * trace: counts every system call of the application, across all its
 * processes and threads (the counters live in the shared instance state),
 * and optionally logs each call.
 *
 *   --trace summary      table on stderr when the first process exits
 *   --trace-log FILE     one line per call appended to FILE
 *   both, or -e trace alone: a summary   (settings mode, log: trace_options)
 *
 * It never completes a call: every handler passes it on unchanged, so the
 * program's behaviour and its own output are untouched.
 */
#include <cse/element.h>
#include <cse/kabi.h>

#define NBUCKETS	513		/* 0..511 by number, 512: anything larger */
#define OTHER		512

struct trace_state {
	int32_t initial_pid;	/* who prints the summary */
	int32_t pad;
	uint64_t calls[NBUCKETS];
	uint64_t errors[NBUCKETS];
};

static const struct cse_services *svc;
static struct trace_state *st;
static int want_summary;
static int log_fd = -1;
static int summary_fd = 2;	/* a private copy of stderr: programs close fd 2 at exit */

static int bucket(long nr)
{
	return nr >= 0 && nr < OTHER ? (int)nr : OTHER;
}

static int parse_settings(const struct cse_setup *s, char *path, size_t pathlen)
{
	for (uint32_t i = 0; i < s->nsettings; i++) {
		const struct cse_setting *set = &s->settings[i];
		size_t n = cse_strlen(set->value);

		if (!cse_strcmp(set->key, "mode") && !cse_strcmp(set->value, "summary")) {
			want_summary = 1;
		} else if (!cse_strcmp(set->key, "mode")) {
			cse_snprintf(svc, s->err, s->err_size, "%s: unknown MODE '%s' (want summary)",
				     set->origin, set->value);
			return -1;
		} else if (!cse_strcmp(set->key, "log") && n && n < pathlen) {
			for (size_t k = 0; k <= n; k++)
				path[k] = set->value[k];
		} else {
			cse_snprintf(svc, s->err, s->err_size, "%s: bad setting %s '%s'",
				     set->origin, set->key, set->value);
			return -1;
		}
	}
	return 0;
}

static int trace_setup(const struct cse_setup *s)
{
	char path[4096] = "";
	long fd;

	svc = s->svc;
	st = s->state;
	if (s->initial_process)
		st->initial_pid = svc->getpid();
	if (parse_settings(s, path, sizeof(path)))
		return -22;
	if (!want_summary && !path[0])
		want_summary = 1;	/* "-e trace" alone: a summary */
	if (want_summary && s->initial_process) {
		fd = svc->syscall(32 /* dup */, 2, 0, 0, 0, 0, 0);
		if (fd >= 0) {
			fd = svc->hide_fd((int)fd, 1);
			if (fd >= 0)
				summary_fd = (int)fd;
		}
	}
	if (path[0]) {
		/* O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC: reopened after each exec. */
		fd = svc->syscall(257 /* openat */, -100, (long)path,
				  01 | 0100 | 02000 | 02000000, 0644, 0, 0);
		if (fd < 0) {
			cse_snprintf(svc, s->err, s->err_size, "cannot open log %s (errno %ld)",
				     path, -fd);
			return (int)fd;
		}
		log_fd = svc->hide_fd((int)fd, 1);
		if (log_fd < 0) {
			cse_snprintf(svc, s->err, s->err_size, "cannot keep log fd");
			return log_fd;
		}
	}
	return 0;
}

static size_t put_arg(char *buf, size_t size, char kind, long v)
{
	if (kind == CSE_ARG_PATH || kind == CSE_ARG_STR) {
		char p[65];	/* the first 64 bytes are shown */
		size_t n = 0;
		long r;

		if (!v)
			return (size_t)cse_snprintf(svc, buf, size, "NULL");
		r = svc->copy_str_from_app(p, (const char *)v, sizeof(p));
		if (r == -K_ENAMETOOLONG)	/* longer: keep the start */
			p[64] = 0;
		else if (r < 0)	/* a bad pointer: its value, as strace shows it */
			return (size_t)cse_snprintf(svc, buf, size, "%p", (void *)v);
		if (size < 8)
			return 0;
		buf[n++] = '"';
		for (size_t i = 0; p[i] && n + 6 < size && i < 64; i++) {
			char c = p[i];

			if (c == '"' || c == '\\' || c < 32 || c > 126)
				c = '?';
			buf[n++] = c;
		}
		buf[n++] = '"';
		buf[n] = 0;
		return n;
	}
	if (kind == CSE_ARG_INT || kind == CSE_ARG_FD)
		return (size_t)cse_snprintf(svc, buf, size, "%ld", v);
	if (kind == CSE_ARG_UINT)
		return (size_t)cse_snprintf(svc, buf, size, "%lu", (unsigned long)v);
	return (size_t)cse_snprintf(svc, buf, size, "0x%lx", (unsigned long)v);
}

static void log_call(const struct cse_call *c, int returned)
{
	const char *name = svc->syscall_name(c->nr);
	const char *kinds = svc->syscall_args(c->nr);
	char line[768];
	size_t n, nargs = kinds ? cse_strlen(kinds) : 6;

	if (name)
		n = (size_t)cse_snprintf(svc, line, sizeof(line), "%d %s(",
					 svc->gettid(), name);
	else
		n = (size_t)cse_snprintf(svc, line, sizeof(line), "%d syscall_%ld(",
					 svc->gettid(), c->nr);
	for (size_t i = 0; i < nargs && n < sizeof(line) - 64; i++) {
		if (i)
			n += (size_t)cse_snprintf(svc, line + n, sizeof(line) - n, ", ");
		n += put_arg(line + n, sizeof(line) - n, kinds ? kinds[i] : 'x', c->args[i]);
	}
	if (!returned)
		n += (size_t)cse_snprintf(svc, line + n, sizeof(line) - n, ") = ?\n");
	else if (c->ret < 0 && c->ret > -4096)
		n += (size_t)cse_snprintf(svc, line + n, sizeof(line) - n,
					  ") = -1 (errno %ld)\n", -c->ret);
	else
		n += (size_t)cse_snprintf(svc, line + n, sizeof(line) - n, ") = %ld\n", c->ret);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	svc->write_all(log_fd, line, n);
}

static void print_summary(void)
{
	char line[128];
	uint64_t total = 0, terr = 0;
	int done[NBUCKETS] = { 0 };
	int n;

	n = cse_snprintf(svc, line, sizeof(line), "%9s %9s %s\n", "calls", "errors", "syscall");
	svc->write_all(summary_fd, line, (size_t)n);
	n = cse_snprintf(svc, line, sizeof(line), "--------- --------- ----------------\n");
	svc->write_all(summary_fd, line, (size_t)n);
	for (;;) {
		int best = -1;

		for (int i = 0; i < NBUCKETS; i++)
			if (!done[i] && st->calls[i] &&
			    (best < 0 || st->calls[i] > st->calls[best]))
				best = i;
		if (best < 0)
			break;
		done[best] = 1;
		total += st->calls[best];
		terr += st->errors[best];
		if (best == OTHER || !svc->syscall_name(best))
			n = cse_snprintf(svc, line, sizeof(line), "%9lu %9lu syscall_%d\n",
					 (unsigned long)st->calls[best],
					 (unsigned long)st->errors[best], best);
		else
			n = cse_snprintf(svc, line, sizeof(line), "%9lu %9lu %s\n",
					 (unsigned long)st->calls[best],
					 (unsigned long)st->errors[best],
					 svc->syscall_name(best));
		svc->write_all(summary_fd, line, (size_t)n);
	}
	n = cse_snprintf(svc, line, sizeof(line),
			 "--------- --------- ----------------\n%9lu %9lu total\n",
			 (unsigned long)total, (unsigned long)terr);
	svc->write_all(summary_fd, line, (size_t)n);
}

static enum cse_verdict trace_handle(struct cse_call *c)
{
	__atomic_fetch_add(&st->calls[bucket(c->nr)], 1, __ATOMIC_RELAXED);
	if (c->nr == 231 /* exit_group */ || c->nr == 60 /* exit */) {
		if (log_fd >= 0)
			log_call(c, 0);
		/* Not a flag set by a fork hook: a vfork child shares our memory. */
		if (c->nr == 231 && want_summary && svc->getpid() == st->initial_pid)
			print_summary();
	}
	return CSE_PASS;
}

static void trace_exit(struct cse_call *c)
{
	if (c->ret < 0 && c->ret > -4096)
		__atomic_fetch_add(&st->errors[bucket(c->nr)], 1, __ATOMIC_RELAXED);
	if (log_fd >= 0)
		log_call(c, 1);
}

static const long trace_syscalls[] = { CSE_ALL_SYSCALLS, CSE_SYSCALLS_END };

static const struct cse_option trace_options[] = {
	{ "trace", "mode", "MODE",
	  "Trace system calls; MODE \"summary\" prints a\n"
	  "count table on stderr at exit.",
	  CSE_OPT_STRING, 0 },
	{ "trace-log", "log", "FILE", "Log every system call to FILE.", CSE_OPT_PATH, 0 },
	{ 0 }
};

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.state_size = sizeof(struct trace_state),
	.name = "trace",
	.description = "count and log system calls of the whole application",
	.options = trace_options,
	.setup = trace_setup,
	.syscalls = trace_syscalls,
	.handle = trace_handle,
	.exit = trace_exit,
};
