// SPDX-License-Identifier: GPL-2.0
/*
 * uts: a private replica of the kernel's UTS name (hostname, domainname,
 * uname fields) for one application.
 *
 *   cse-run --hostname NAME --domainname NAME --uname FIELD=VALUE...
 *
 * (settings hostname, domainname and uname, see uts_options). Every one
 * is optional; a field not given keeps the host's value as read
 * by the first process of the application. The names live in the shared
 * instance state, so a sethostname() by any process of the application is
 * seen by all its processes (children and later execs included) and by
 * nothing else: the host and other applications keep their own.
 *
 * Handled (CSE_DONE): uname, sethostname, setdomainname, and opens of
 * /proc/sys/kernel/{hostname,domainname,osrelease,ostype,version}, which
 * return a memfd holding "VALUE\n". Writes to an opened hostname or
 * domainname file set the name, like the kernel's sysctl does. Everything
 * else is passed on. The kernel would refuse sethostname without
 * CAP_SYS_ADMIN; here the application owns its instance, so it may.
 *
 * Not covered: those /proc files reached by relative paths, through
 * symlinks or by openat() on a directory fd; gethostname() via NIS/DNS.
 */
#include <asm/unistd.h>
#include <cse/element.h>
#include <cse/kabi.h>

#define FIELD_LEN	65	/* __NEW_UTS_LEN + 1 */
#define NAME_MAX_LEN	64	/* the kernel's limit for sethostname */

/* Order of struct new_utsname. */
enum { F_SYSNAME, F_NODENAME, F_RELEASE, F_VERSION, F_MACHINE, F_DOMAINNAME, NFIELDS };

struct uts_state {
	uint32_t seq;		/* seqlock: odd while a writer is busy */
	struct cse_lock lock;	/* writers take it (svc->lock) */
	char f[NFIELDS][FIELD_LEN];
};

static const struct cse_services *svc;
static struct uts_state *st;

/* The /proc/sys/kernel files we serve, and which field each shows. */
static const struct {
	const char *path;
	int field;
	int writable;
} proc_files[] = {
	{ "/proc/sys/kernel/hostname", F_NODENAME, 1 },
	{ "/proc/sys/kernel/domainname", F_DOMAINNAME, 1 },
	{ "/proc/sys/kernel/osrelease", F_RELEASE, 0 },
	{ "/proc/sys/kernel/ostype", F_SYSNAME, 0 },
	{ "/proc/sys/kernel/version", F_VERSION, 0 },
};
#define NPROC_FILES (sizeof(proc_files) / sizeof(proc_files[0]))

/* memfds opened for writing, recognised by inode so dup2 does not lose them. */
#define MAX_TRACKED 16
static struct {
	unsigned long dev, ino;
	int field;
} tracked[MAX_TRACKED];
static int ntracked;

static long sys(long nr, long a, long b, long c, long d)
{
	return svc->syscall(nr, a, b, c, d, 0, 0);
}

/* ---- the names, under a seqlock shared by all processes ---- */

static void read_field(int f, char out[FIELD_LEN])
{
	uint32_t s;

	do {
		while ((s = __atomic_load_n(&st->seq, __ATOMIC_ACQUIRE)) & 1)
			sys(__NR_sched_yield, 0, 0, 0, 0);
		for (int i = 0; i < FIELD_LEN; i++)
			out[i] = __atomic_load_n(&st->f[f][i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&st->seq, __ATOMIC_RELAXED) != s);
	out[FIELD_LEN - 1] = 0;
}

static void write_field(int f, const char *v, size_t len)
{
	svc->lock(&st->lock);
	__atomic_fetch_add(&st->seq, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (size_t i = 0; i < FIELD_LEN; i++)
		__atomic_store_n(&st->f[f][i], i < len ? v[i] : 0, __ATOMIC_RELAXED);
	__atomic_fetch_add(&st->seq, 1, __ATOMIC_RELEASE);
	svc->unlock(&st->lock);
}

/* ---- setup ---- */

static const char *const uname_fields[NFIELDS] = {
	[F_SYSNAME] = "sysname", [F_RELEASE] = "release",
	[F_VERSION] = "version", [F_MACHINE] = "machine",
};

/* One setting into vals/lens (later ones win); 0 or -EINVAL with err set. */
static int take_setting(const struct cse_setup *s, const struct cse_setting *set,
			const char *vals[NFIELDS], size_t lens[NFIELDS])
{
	const char *v = set->value;
	int f = -1;

	if (!cse_strcmp(set->key, "hostname")) {
		f = F_NODENAME;
	} else if (!cse_strcmp(set->key, "domainname")) {
		f = F_DOMAINNAME;
	} else if (!cse_strcmp(set->key, "uname")) {
		const char *eq = v;

		while (*eq && *eq != '=')
			eq++;
		for (int i = 0; *eq && i < NFIELDS; i++)
			if (uname_fields[i] && (size_t)(eq - v) == cse_strlen(uname_fields[i]) &&
			    !cse_strncmp(v, uname_fields[i], (size_t)(eq - v)))
				f = i;
		if (f < 0) {
			cse_snprintf(svc, s->err, s->err_size,
				     "%s: bad value '%s': want FIELD=VALUE, FIELD one of sysname, release, version, machine",
				     set->origin, v);
			return -22;
		}
		v = eq + 1;
	} else {
		cse_snprintf(svc, s->err, s->err_size, "%s: unknown setting '%s'", set->origin,
			     set->key);
		return -22;
	}
	if (cse_strlen(v) > NAME_MAX_LEN) {
		cse_snprintf(svc, s->err, s->err_size, "%s: bad value '%s': longer than %d bytes",
			     set->origin, set->value, NAME_MAX_LEN);
		return -22;
	}
	vals[f] = v;
	lens[f] = cse_strlen(v);
	return 0;
}

static int uts_setup(const struct cse_setup *s)
{
	const char *vals[NFIELDS] = { 0 };
	size_t lens[NFIELDS] = { 0 };
	char host[NFIELDS][FIELD_LEN];
	long r;

	svc = s->svc;
	st = s->state;
	for (uint32_t i = 0; i < s->nsettings; i++)
		if ((r = take_setting(s, &s->settings[i], vals, lens)))
			return (int)r;
	if (!s->state_fresh)
		return 0;	/* a later process: the application's names stand */
	r = sys(__NR_uname, (long)host, 0, 0, 0);
	if (r < 0) {
		cse_snprintf(svc, s->err, s->err_size, "uname failed (errno %ld)", -r);
		return (int)r;
	}
	for (int f = 0; f < NFIELDS; f++) {
		if (vals[f])
			write_field(f, vals[f], lens[f]);
		else
			write_field(f, host[f], cse_strlen(host[f]));
	}
	return 0;
}

/* ---- handlers ---- */

static long do_uname(uintptr_t buf)
{
	char u[NFIELDS][FIELD_LEN];

	for (int f = 0; f < NFIELDS; f++)
		read_field(f, u[f]);
	return svc->copy_to_app((void *)buf, u, sizeof(u));	/* 0 or -EFAULT */
}

static long do_setname(int f, uintptr_t name, long len)
{
	char v[NAME_MAX_LEN];
	long r;

	if (len < 0 || len > NAME_MAX_LEN)
		return -K_EINVAL;	/* as the kernel */
	r = svc->copy_from_app(v, (const void *)name, (size_t)len);
	if (r)
		return r;
	write_field(f, v, (size_t)len);
	return 0;
}

/* Which proc_files entry the path names, or -1. */
static int proc_file_index(uintptr_t path)
{
	char p[40];

	/* Bad pointers and longer paths are not ours: the kernel answers. */
	if (!path || svc->copy_str_from_app(p, (const char *)path, sizeof(p)) < 0)
		return -1;
	for (size_t i = 0; i < NPROC_FILES; i++)
		if (!cse_strcmp(p, proc_files[i].path))
			return (int)i;
	return -1;
}

/* An fd for /proc/sys/kernel/X: a memfd with the value, or -errno. */
static long open_proc_file(int idx, long flags)
{
	const int field = proc_files[idx].field;
	long acc = flags & K_O_ACCMODE, fd, r;
	char v[FIELD_LEN + 1];
	size_t n;
	struct cse_kstat sb;

	if (flags & (K_O_DIRECTORY | K_O_PATH))
		return -1;	/* not ours to fake: let the kernel answer */
	if (acc != K_O_RDONLY && !proc_files[idx].writable)
		return -K_EACCES;	/* read-only sysctl */
	fd = sys(__NR_memfd_create, (long)"cse-uts", (flags & K_O_CLOEXEC) ? K_MFD_CLOEXEC : 0, 0, 0);
	if (fd < 0)
		return fd;
	if (acc != K_O_WRONLY) {	/* readable: fill it; the offset stays at 0 */
		read_field(field, v);
		n = cse_strlen(v);
		v[n++] = '\n';
		r = sys(__NR_pwrite64, fd, (long)v, (long)n, 0);
		if (r != (long)n)
			goto fail;
	}
	if (acc != K_O_RDONLY) {
		r = sys(__NR_fstat, fd, (long)&sb, 0, 0);
		if (r < 0)
			goto fail;
		if (ntracked == MAX_TRACKED) {
			r = -K_ENFILE;
			goto fail;
		}
		tracked[ntracked].dev = sb.dev;
		tracked[ntracked].ino = sb.ino;
		tracked[ntracked].field = field;
		__atomic_store_n(&ntracked, ntracked + 1, __ATOMIC_RELEASE);
	}
	return fd;
fail:
	sys(__NR_close, fd, 0, 0, 0);
	return r < 0 ? r : -K_EIO;
}

static int try_open(struct cse_call *c, uintptr_t path, long flags)
{
	int idx = proc_file_index(path);
	long r;

	if (idx < 0)
		return 0;
	r = open_proc_file(idx, flags);
	if (r == -1)
		return 0;
	c->ret = r;
	return 1;
}

/* After a write to a tracked memfd: its content (to the first newline) is the new name. */
static void after_write(const struct cse_call *c)
{
	struct cse_kstat sb;
	char v[FIELD_LEN + 1];
	int n = __atomic_load_n(&ntracked, __ATOMIC_ACQUIRE);
	long r, len;

	if (!n || c->ret <= 0 || sys(__NR_fstat, c->args[0], (long)&sb, 0, 0) < 0)
		return;
	for (int i = 0; i < n; i++) {
		if (tracked[i].dev != sb.dev || tracked[i].ino != sb.ino)
			continue;
		r = sys(__NR_pread64, c->args[0], (long)v, FIELD_LEN, 0);
		if (r < 0)
			return;
		for (len = 0; len < r && len < NAME_MAX_LEN && v[len] != '\n' && v[len]; len++)
			;
		write_field(tracked[i].field, v, (size_t)len);	/* longer values are cut, as proc_dostring does */
		return;
	}
}

static enum cse_verdict uts_handle(struct cse_call *c)
{
	struct { uint64_t flags, mode, resolve; } how;

	switch (c->nr) {
	case __NR_uname:
		c->ret = do_uname((uintptr_t)c->args[0]);
		return CSE_DONE;
	case __NR_sethostname:
		c->ret = do_setname(F_NODENAME, (uintptr_t)c->args[0], c->args[1]);
		return CSE_DONE;
	case __NR_setdomainname:
		c->ret = do_setname(F_DOMAINNAME, (uintptr_t)c->args[0], c->args[1]);
		return CSE_DONE;
	case __NR_open:
		return try_open(c, (uintptr_t)c->args[0], c->args[1]) ? CSE_DONE : CSE_PASS;
	case __NR_openat:
		/* Absolute paths ignore the dirfd. */
		return try_open(c, (uintptr_t)c->args[1], c->args[2]) ? CSE_DONE : CSE_PASS;
	case __NR_openat2:
		if ((unsigned long)c->args[3] < sizeof(how) ||
		    svc->copy_from_app(&how, (const void *)c->args[2], sizeof(how)))
			return CSE_PASS;
		return try_open(c, (uintptr_t)c->args[1], (long)how.flags) ? CSE_DONE : CSE_PASS;
	default:
		return CSE_PASS;	/* writes: looked at in uts_exit */
	}
}

static void uts_exit(struct cse_call *c)
{
	switch (c->nr) {
	case __NR_write:
	case __NR_pwrite64:
	case __NR_writev:
	case __NR_pwritev:
	case __NR_pwritev2:
		after_write(c);
		break;
	default:
		break;
	}
}

static const long uts_syscalls[] = {
	__NR_uname, __NR_sethostname, __NR_setdomainname,
	__NR_open, __NR_openat, __NR_openat2,
	__NR_write, __NR_pwrite64, __NR_writev, __NR_pwritev, __NR_pwritev2,
	CSE_SYSCALLS_END
};

static const struct cse_option uts_options[] = {
	{ "hostname", "hostname", "NAME",
	  "Private hostname (uname -n, gethostname,\n"
	  "/proc/sys/kernel/hostname); sethostname in\n"
	  "the application changes only its own.",
	  CSE_OPT_STRING, 0 },
	{ "domainname", "domainname", "NAME", "Private NIS domain name.", CSE_OPT_STRING, 0 },
	{ "uname", "uname", "FIELD=VALUE",
	  "Private uname field: sysname, release,\n"
	  "version or machine.",
	  CSE_OPT_STRING, CSE_OPT_REPEAT },
	{ 0 }
};

CSE_ELEMENT_EXPORT const struct cse_element CSE_ELEMENT_SYMBOL = {
	.abi = CSE_ELEMENT_ABI,
	.state_size = sizeof(struct uts_state),
	.name = "uts",
	.description = "private hostname, domainname and uname fields",
	.options = uts_options,
	.setup = uts_setup,
	.syscalls = uts_syscalls,
	.handle = uts_handle,
	.exit = uts_exit,
};
