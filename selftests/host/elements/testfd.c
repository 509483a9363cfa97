// SPDX-License-Identifier: GPL-2.0
/*
 * testfd: a test-only element for the descriptor table service.
 *
 *   -e testfd=LOGPATH
 *
 * Every successful openat of a file whose name starts with "tfd-" gets
 * a table entry whose value is the first 8 bytes of that name. What the
 * runtime reports goes to LOGPATH (appended, reopened after each exec),
 * one line each:
 *
 *   open FD NAME		 the entry was set
 *   closed FD NAME		 closed()
 *   dup OLD NEW NAME		 duplicated(): NEW keeps NAME
 *   received FD		 received(): the entry becomes "rcvd"
 *   fchmod FD			 handle() of an fchmod
 *
 * A "tfq-" file's entry is also marked quiet (services.h fd_quiet) for
 * fchmod: its fchmod calls must not reach handle().
 *
 * The program under test drives it with openat calls of paths that do
 * not exist (ENOENT, as natively):
 *
 *   /testfd-mark/TEXT		 logs "mark TEXT"
 *   /testfd-get/FD		 logs "get FD NAME", or "get FD -" without entry
 */
#include <asm/unistd.h>
#include <cse/element.h>

static const struct cse_services *svc;
static int self;
static int log_fd = -1;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = svc->format(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	svc->write_all(log_fd, line, (size_t)n);
}

static uint64_t pack(const char *s)
{
	uint64_t v = 0;

	for (int i = 0; i < 8 && s[i]; i++)
		v |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return v;
}

/* The name a value stands for. */
static const char *unpack(uint64_t v, char out[9])
{
	int i;

	for (i = 0; i < 8 && (v >> (8 * i)) & 0xff; i++)
		out[i] = (char)((v >> (8 * i)) & 0xff);
	out[i] = 0;
	return out;
}

static void closed(int fd, uint64_t v)
{
	char n[9];

	note("closed %d %s\n", fd, unpack(v, n));
}

static uint64_t duplicated(int oldfd, int newfd, uint64_t v)
{
	char n[9];

	note("dup %d %d %s\n", oldfd, newfd, unpack(v, n));
	return v;
}

static uint64_t received(int fd)
{
	note("received %d\n", fd);
	return pack("rcvd");
}

static const long quiet_calls[] = { __NR_fchmod, CSE_SYSCALLS_END };

static const struct cse_fd_ops ops = {
	.closed = closed,
	.duplicated = duplicated,
	.received = received,
};

/* The log path: the "log" setting. */
static const char *log_path(const struct cse_setup *s)
{
	for (uint32_t i = 0; i < s->nsettings; i++)
		if (!cse_strcmp(s->settings[i].key, "log"))
			return s->settings[i].value;
	return NULL;
}

static int setup(const struct cse_setup *s)
{
	const char *path;
	long fd;
	int r;

	svc = s->svc;
	self = s->id;
	path = log_path(s);
	if (!path) {
		cse_snprintf(svc, s->err, s->err_size, "usage: -e testfd=LOGPATH");
		return -22;
	}
	/* O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC */
	fd = svc->syscall(__NR_openat, -100, (long)path, 01 | 0100 | 02000 | 02000000, 0644, 0, 0);
	if (fd < 0) {
		cse_snprintf(svc, s->err, s->err_size, "cannot open %s (errno %ld)", path, -fd);
		return (int)fd;
	}
	log_fd = svc->hide_fd((int)fd, 1);
	if (log_fd < 0) {
		cse_snprintf(svc, s->err, s->err_size, "cannot hide the log fd");
		return log_fd;
	}
	/* Last: the entries of the previous image come back in here. */
	r = svc->fd_track(self, &ops);
	if (r) {
		cse_snprintf(svc, s->err, s->err_size, "cannot track descriptors (errno %d)", -r);
		return r;
	}
	r = svc->fd_quiet(self, quiet_calls);
	if (r)
		cse_snprintf(svc, s->err, s->err_size, "cannot register quiet calls (errno %d)", -r);
	return r;
}

static enum cse_verdict handle(struct cse_call *c)
{
	if (c->nr == __NR_fchmod)
		note("fchmod %d\n", (int)c->args[0]);
	return CSE_PASS;
}

static void after(struct cse_call *c)
{
	char path[256], n[9];
	const char *base;
	long len;

	if (c->nr != __NR_openat)
		return;
	len = svc->copy_str_from_app(path, (const char *)c->args[1], sizeof(path));
	if (len < 0)
		return;
	if (!cse_strncmp(path, "/testfd-mark/", 13)) {
		note("mark %s\n", path + 13);
		return;
	}
	if (!cse_strncmp(path, "/testfd-get/", 12)) {
		long fd = 0;

		for (const char *p = path + 12; *p >= '0' && *p <= '9'; p++)
			fd = fd * 10 + (*p - '0');
		note("get %ld %s\n", fd,
		     svc->fd_get(self, (int)fd) ? unpack(svc->fd_get(self, (int)fd), n) : "-");
		return;
	}
	if (c->ret < 0)
		return;
	base = path + len;
	while (base > path && base[-1] != '/')
		base--;
	if (cse_strncmp(base, "tfd-", 4) && cse_strncmp(base, "tfq-", 4))
		return;
	if (svc->fd_set(self, (int)c->ret, pack(base) | (base[2] == 'q' ? CSE_FD_QUIET : 0)) == 0)
		note("open %ld %s\n", c->ret, unpack(pack(base), n));
	else
		note("open %ld failed\n", c->ret);
}

static const long syscalls[] = { __NR_openat, __NR_fchmod, CSE_SYSCALLS_END };

static const struct cse_option options[] = {
	{ .flag = "testfd", .key = "log", .arg_name = "PATH", .kind = CSE_OPT_PATH,
	  .help = "test only: track tfd-* files, log the descriptor table's reports to PATH" },
	{ 0 }
};

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.name = "testfd",
	.description = "test: descriptor table entries for tfd-* files, logged",
	.options = options,
	.setup = setup,
	.syscalls = syscalls,
	.handle = handle,
	.exit = after,
};
