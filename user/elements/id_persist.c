// SPDX-License-Identifier: GPL-2.0
/*
 * --id-state FILE: the recorded table outlives the application.
 *
 * Loaded once, by the process that creates the instance's region, before
 * the program starts; a damaged file stops the start with FILE:LINE and
 * the reason. Saved whenever a process of the application exits and the
 * table changed since the last save (so a child like tar leaves the file
 * current even if the parent is later killed), and always when the
 * initial process exits (creating FILE on a first run). A save writes FILE.tmp.PID, fsyncs it, renames
 * it over FILE and fsyncs the directory: at every instant FILE is either
 * the old or the new complete table, whatever is killed when.
 */
#include <asm/unistd.h>
#include "id.h"

static void *map_anon(size_t len)
{
	long p = id_sys(__NR_mmap, 0, len, 3, K_MAP_PRIVATE | K_MAP_ANONYMOUS, -1, 0);

	return (unsigned long)p > -4096ul ? (void *)0 : (void *)p;
}

static int add_loaded(void *ctx, const struct id_record *r, const char **why)
{
	int n;

	(void)ctx;
	n = id_table_put(r);
	if (n == -K_ENOSPC)
		*why = "more entries than the table holds (3584)";
	else if (n == 1)
		*why = "the same DEV INO twice";
	return n ? -1 : 0;
}

/* Called with the region fresh (zeroed) and the table empty. */
int id_persist_load(char *err, size_t errlen)
{
	const char *path = id_sh->state_path, *why = "";
	struct cse_kstat st;
	unsigned int line = 0;
	char *buf;
	long fd, n, got = 0;
	int r;

	fd = id_sys(__NR_openat, K_AT_FDCWD, path, K_O_RDONLY | K_O_CLOEXEC, 0, 0, 0);
	if (fd == -K_ENOENT)
		return 0;	/* the first run creates it */
	if (fd < 0) {
		cse_snprintf(id_svc, err, errlen, "cannot open state file %s (errno %ld)",
			     path, -fd);
		return (int)fd;
	}
	if (id_sys(__NR_fstat, fd, &st, 0, 0, 0, 0) || (st.mode & K_S_IFMT) != K_S_IFREG) {
		id_sys(__NR_close, fd, 0, 0, 0, 0, 0);
		cse_snprintf(id_svc, err, errlen, "state file %s is not a regular file", path);
		return -K_EINVAL;
	}
	if (st.size > (int64_t)ID_STATE_MAX_BYTES) {
		id_sys(__NR_close, fd, 0, 0, 0, 0, 0);
		cse_snprintf(id_svc, err, errlen, "state file %s: larger than %u bytes", path,
			     ID_STATE_MAX_BYTES);
		return -K_EINVAL;
	}
	buf = map_anon((size_t)st.size + 1);
	if (!buf) {
		id_sys(__NR_close, fd, 0, 0, 0, 0, 0);
		cse_snprintf(id_svc, err, errlen, "state file %s: out of memory", path);
		return -12;
	}
	while (got < st.size && (n = id_sys(__NR_read, fd, buf + got, st.size - got, 0, 0, 0)) != 0) {
		if (n == -K_EINTR)
			continue;
		if (n < 0)
			break;
		got += n;
	}
	id_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	r = id_statefile_parse(buf, (size_t)got, add_loaded, 0, &line, &why);
	id_sys(__NR_munmap, buf, (size_t)st.size + 1, 0, 0, 0, 0);
	if (r) {
		/* Leave nothing of a bad file behind. */
		for (uint32_t i = 0; i < ID_TABLE_SLOTS; i++)
			id_sh->table[i].used = 0;
		id_sh->count = 0;
		if (line)
			cse_snprintf(id_svc, err, errlen, "%s:%u: %s", path, line, why);
		else
			cse_snprintf(id_svc, err, errlen, "%s: %s", path, why);
		return -K_EINVAL;
	}
	id_sh->saved_generation = id_sh->generation;
	return 0;
}

/* FILE's directory must take FILE.tmp.PID: say so before the program starts. */
int id_persist_check_dir(char *err, size_t errlen)
{
	char dir[ID_PATH_MAX];
	size_t n = cse_strlen(id_sh->state_path);
	long r;

	while (n > 0 && id_sh->state_path[n - 1] != '/')
		n--;
	for (size_t i = 0; i < n; i++)
		dir[i] = id_sh->state_path[i];
	dir[n ? n : 1] = 0;
	if (!n)
		dir[0] = '/';
	r = id_sys(__NR_faccessat, K_AT_FDCWD, dir, K_W_OK, 0, 0, 0);
	if (r) {
		cse_snprintf(id_svc, err, errlen,
			     "state file %s: cannot write in its directory (errno %ld)",
			     id_sh->state_path, -r);
		return (int)r;
	}
	return 0;
}

static long write_all_fd(long fd, const char *p, size_t len)
{
	while (len) {
		long n = id_sys(__NR_write, fd, p, len, 0, 0, 0);

		if (n == -K_EINTR)
			continue;
		if (n <= 0)
			return n ? n : -5;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static long write_table(long fd, const struct id_slot *snap, uint32_t nslots)
{
	char buf[4096];
	size_t used = 0;
	long r;

	for (size_t i = 0; i < sizeof(ID_STATE_HEADER) - 1; i++)
		buf[used++] = ID_STATE_HEADER[i];
	for (uint32_t i = 0; i < nslots; i++) {
		if (!snap[i].used)
			continue;
		if (used + ID_STATE_LINE_MAX > sizeof(buf)) {
			r = write_all_fd(fd, buf, used);
			if (r)
				return r;
			used = 0;
		}
		used += id_statefile_format(buf + used, sizeof(buf) - used, &snap[i].r);
	}
	return write_all_fd(fd, buf, used);
}

static void complain(const char *what, long err)
{
	char line[ID_PATH_MAX + 128];
	int n = cse_snprintf(id_svc, line, sizeof(line),
			     "cse id: cannot save state file %s: %s (errno %ld)\n",
			     id_sh->state_path, what, -err);

	id_svc->write_all(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void id_persist_save(int force)
{
	size_t snap_len = sizeof(id_sh->table);
	char tmp[ID_PATH_MAX + 32], dir[ID_PATH_MAX];
	struct id_slot *snap;
	uint64_t gen;
	long fd, r;
	size_t n;

	if (!id_sh->state_path[0])
		return;
	/* Saves one at a time: a slow older snapshot never lands last. */
	id_svc->lock(&id_sh->save_lock);
	if (!force && id_sh->saved_generation == id_sh->generation) {
		id_svc->unlock(&id_sh->save_lock);
		return;
	}
	snap = map_anon(snap_len);
	if (!snap) {
		complain("out of memory", -12);
		id_svc->unlock(&id_sh->save_lock);
		return;
	}
	id_svc->lock(&id_sh->lock);
	gen = id_sh->generation;
	for (uint32_t i = 0; i < ID_TABLE_SLOTS; i++)
		snap[i] = id_sh->table[i];
	id_svc->unlock(&id_sh->lock);

	cse_snprintf(id_svc, tmp, sizeof(tmp), "%s.tmp.%d", id_sh->state_path, id_svc->getpid());
	id_sys(__NR_unlink, tmp, 0, 0, 0, 0, 0);	/* a leftover of a dead namesake */
	fd = id_sys(__NR_openat, K_AT_FDCWD, tmp,
		    K_O_WRONLY | K_O_CREAT | K_O_EXCL | K_O_TRUNC | K_O_CLOEXEC, 0644, 0, 0);
	if (fd < 0) {
		complain("cannot create the temporary file", fd);
		goto out;
	}
	r = write_table(fd, snap, ID_TABLE_SLOTS);
	if (!r)
		r = id_sys(__NR_fsync, fd, 0, 0, 0, 0, 0);
	id_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	if (!r)
		r = id_sys(__NR_rename, tmp, id_sh->state_path, 0, 0, 0, 0);
	if (r) {
		id_sys(__NR_unlink, tmp, 0, 0, 0, 0, 0);
		complain("write failed", r);
		goto out;
	}
	n = cse_strlen(id_sh->state_path);
	while (n > 1 && id_sh->state_path[n - 1] != '/')
		n--;
	for (size_t i = 0; i < n; i++)
		dir[i] = id_sh->state_path[i];
	dir[n] = 0;
	fd = id_sys(__NR_openat, K_AT_FDCWD, dir, K_O_RDONLY | K_O_DIRECTORY | K_O_CLOEXEC, 0, 0, 0);
	if (fd >= 0) {
		id_sys(__NR_fsync, fd, 0, 0, 0, 0, 0);
		id_sys(__NR_close, fd, 0, 0, 0, 0, 0);
	}
	id_sh->saved_generation = gen;
out:
	id_sys(__NR_munmap, snap, snap_len, 0, 0, 0, 0);
	id_svc->unlock(&id_sh->save_lock);
}
