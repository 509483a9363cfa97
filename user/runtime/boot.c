// SPDX-License-Identifier: GPL-2.0
/*
 * The boot block (include/cse/boot.h): sent by the runtime before it
 * execs cse-loader for the application, received by the loader first
 * thing. cse-run sends the application's first one (launcher/boot.c).
 */
#include <cse/boot.h>
#include "runtime.h"

struct kiovec {
	const void *base;
	size_t len;
};

static int agreed_fd(void)
{
	uint64_t lim[2];

	if (rt_sys4(__NR_prlimit64, 0, K_RLIMIT_NOFILE, 0, lim) != 0)
		return -1;
	return cse_boot_fd(lim[0]);
}

/* The header of the block at fd, if a regular file holds one. */
static int peek(int fd, struct cse_boot *h, struct kstat_k *st)
{
	if (rt_sys2(__NR_fstat, fd, st) != 0 || (st->mode & K_S_IFMT) != K_S_IFREG)
		return 0;
	if (rt_sys4(__NR_pread64, fd, h, sizeof(*h), 0) != (long)sizeof(*h))
		return 0;
	return h->magic == CSE_BOOT_MAGIC;
}

long boot_send(const struct boot_info *bi, struct boot_undo *u)
{
	static const char zeros[8];
	struct kiovec iov[1 + 1 + 3 + 16 + 2];
	const char *s[3] = { bi->program, bi->filename, bi->comm };
	struct cse_boot h, old;
	struct kstat_k st;
	struct cse_boot_fd *fds;
	size_t fds_bytes;
	long fd, r, fl, nfds;
	size_t total = sizeof(h);
	int n = 0;

	/* Before the agreed number changes hands: its flags are the app's. */
	nfds = fdtable_export(&fds, &fds_bytes);
	if (nfds < 0)
		return nfds;
	u->fd = agreed_fd();
	u->saved = -1;
	/* A handed file at the agreed number is set aside with the
	 * application's fds there, close-on-exec: the loader opens it. */
	u->files_sent = bi->nfiles > 0;
	for (int i = 0; i < bi->nfiles; i++)
		if (bi->files[i].fd == u->fd)
			u->files_sent = 0;

	memset(&h, 0, sizeof(h));
	h.magic = CSE_BOOT_MAGIC;
	h.version = CSE_BOOT_VERSION;
	h.creator = (int32_t)rt_sys0(__NR_getpid);
	h.state_fd = cse_cfg.state_fd;
	h.instance_fd = cse_cfg.instance_fd;
	h.displaced_fd = -1;
	h.flags = bi->flags | (cse_cfg.rewrite ? 0 : CSE_BOOT_NO_REWRITE) |
		  (fdguard_high() ? CSE_BOOT_FDS_HIGH : 0);
	h.nstrings = 3 + (uint32_t)cse_cfg.nelement_specs;
	iov[n++] = (struct kiovec){ &h, sizeof(h) };
	if (u->files_sent) {
		h.nfiles = (uint32_t)bi->nfiles;
		iov[n] = (struct kiovec){ bi->files, (size_t)bi->nfiles * sizeof(*bi->files) };
		total += iov[n++].len;
	}
	for (int i = 0; i < 3 + cse_cfg.nelement_specs; i++) {
		const char *str = i < 3 ? s[i] : cse_cfg.element_specs[i - 3];

		iov[n] = (struct kiovec){ str, strlen(str) + 1 };
		total += iov[n++].len;
	}
	if (nfds) {
		iov[n] = (struct kiovec){ zeros, (8 - total % 8) % 8 };
		total += iov[n++].len;
		iov[n] = (struct kiovec){ fds, (size_t)nfds * sizeof(*fds) };
		total += iov[n++].len;
		h.nfds = (uint32_t)nfds;
	}
	if (total > CSE_BOOT_MAX) {
		r = -7;	/* E2BIG */
		goto out;
	}
	h.size = (uint32_t)total;

	if (u->fd < 0) {
		r = -24;	/* EMFILE: no descriptor may be opened at all */
		goto out;
	}
	fl = rt_sys3(__NR_fcntl, u->fd, K_F_GETFD, 0);
	/* A block leaked into a fork child by a racing execve: drop it. */
	if (fl >= 0 && peek(u->fd, &old, &st) && old.creator != h.creator) {
		rt_sys1(__NR_close, u->fd);
		fl = -9;
	}
	if (fl >= 0) {
		/* Someone's fd sits at the agreed number: keep it aside. */
		u->saved_cloexec = (int)(fl & K_FD_CLOEXEC);
		u->saved = (int)rt_sys3(__NR_fcntl, u->fd,
					u->saved_cloexec ? K_F_DUPFD_CLOEXEC : K_F_DUPFD, 3);
		if (u->saved < 0) {
			r = u->saved;
			goto out;
		}
		if (!u->saved_cloexec)
			h.displaced_fd = u->saved;
	}
	fd = rt_sys2(__NR_memfd_create, CSE_BOOT_NAME, K_MFD_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto undo_saved;
	}
	r = rt_sys4(__NR_pwritev, fd, iov, n, 0);
	if (r >= 0 && r != (long)total)
		r = -5;		/* EIO: a memfd takes it all or fails */
	if (r >= 0 && fd != u->fd)
		r = rt_sys3(__NR_dup3, fd, u->fd, 0);
	else if (r >= 0)
		r = rt_sys3(__NR_fcntl, fd, K_F_SETFD, 0);
	if (fd != u->fd)
		rt_sys1(__NR_close, fd);
	if (r >= 0) {
		r = 0;
		goto out;
	}
	if (fd == u->fd)
		rt_sys1(__NR_close, fd);
undo_saved:
	if (u->saved >= 0) {
		rt_sys3(__NR_dup3, u->saved, u->fd, u->saved_cloexec ? K_O_CLOEXEC : 0);
		rt_sys1(__NR_close, u->saved);
	}
out:
	if (fds_bytes)
		rt_sys2(__NR_munmap, fds, fds_bytes);
	return r;
}

void boot_undo(const struct boot_undo *u)
{
	if (u->saved >= 0) {
		rt_sys3(__NR_dup3, u->saved, u->fd, u->saved_cloexec ? K_O_CLOEXEC : 0);
		rt_sys1(__NR_close, u->saved);
	} else {
		rt_sys1(__NR_close, u->fd);
	}
}

/*
 * Kept for the process's life: cse_cfg.element_specs point into it. A
 * block fits a page but for a long table of descriptors: that page is
 * .bss, which the loader populates at entry; a longer block is read into
 * a mapping of its size (up to CSE_BOOT_MAX) rather than the image
 * holding a megabyte that would spread a start's pages apart.
 */
static union {
	struct cse_boot h;
	char bytes[4096];
} first_page __attribute__((aligned(4096)));

/* The header received (its flags), or zeros before boot_receive or without a block. */
const struct cse_boot *boot_block(void)
{
	return &first_page.h;
}

static void check_version_size(const struct cse_boot *bh)
{
	if (bh->version != CSE_BOOT_VERSION)
		rt_die("boot block version %u, this loader reads %u", bh->version,
		       CSE_BOOT_VERSION);
	if (bh->size <= sizeof(*bh) || bh->size > CSE_BOOT_MAX)
		rt_die("boot block of a bad size");
}

/* Room for a block longer than first_page, its first page copied in. */
static char *long_block(size_t size)
{
	long m = rt_sys6(__NR_mmap, 0, (size + 4095) & ~4095ul, 3 /* RW */,
			 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);

	if (IS_ERR_RET(m))
		rt_die("out of memory for a boot block of %lu bytes", (unsigned long)size);
	memcpy((void *)m, first_page.bytes, sizeof(first_page));
	return (char *)m;
}

/* The block cse-run left in its memory (launcher/userexec.c), copied
 * before its image goes. */
static char *fetch_memory(const struct cse_boot *in_memory)
{
	size_t size = in_memory->size;
	char *bb = first_page.bytes;

	if (in_memory->magic != CSE_BOOT_MAGIC)
		rt_die("boot block in memory without its magic");
	check_version_size(in_memory);
	memcpy(bb, in_memory, size < sizeof(first_page) ? size : sizeof(first_page));
	if (size > sizeof(first_page)) {
		bb = long_block(size);
		memcpy(bb + sizeof(first_page), (const char *)in_memory + sizeof(first_page),
		       size - sizeof(first_page));
	}
	return bb;
}

/* The block at the agreed descriptor *fd, closed; NULL: none there. */
static char *fetch_fd(int *fdp)
{
	struct kstat_k st;
	int fd = agreed_fd();
	struct cse_boot *bh = &first_page.h;	/* the block: header, */
	char *bb = first_page.bytes;		/* and bytes */
	long got;

	*fdp = fd;
	/*
	 * peek()'s checks, with the usual whole block in the same read. No
	 * pipe, socket or directory preads; a short read of a regular file
	 * ends at its size, so only a block of a page or more needs fstat.
	 */
	if (fd < 0)
		return NULL;
	got = rt_sys4(__NR_pread64, fd, bb, sizeof(first_page), 0);
	if (got < (long)sizeof(*bh) || bh->magic != CSE_BOOT_MAGIC)
		return NULL;
	st.size = got;
	if (got == sizeof(first_page) &&
	    (rt_sys2(__NR_fstat, fd, &st) != 0 || (st.mode & K_S_IFMT) != K_S_IFREG))
		return NULL;
	check_version_size(bh);
	if (st.size != (int64_t)bh->size)
		rt_die("boot block of a bad size");
	if (got < (long)bh->size) {
		size_t size = bh->size;

		bb = long_block(size);
		if (rt_sys4(__NR_pread64, fd, bb + got, size - (size_t)got, got) !=
		    (long)size - got)
			rt_die("boot block of a bad size");
	}
	rt_sys1(__NR_close, fd);
	if (bh->displaced_fd >= 0) {
		/* The application's own fd goes back to its number. */
		if (rt_sys3(__NR_dup3, bh->displaced_fd, fd, 0) < 0)
			rt_die("cannot restore descriptor %d", fd);
		rt_sys1(__NR_close, bh->displaced_fd);
	}
	return bb;
}

int boot_receive(struct boot_info *bi, const void *in_memory)
{
	const char *s, *end;
	const char *str[3];
	int fd = CSE_HIDDEN_FD_LOW;	/* in memory: no limit below it known */
	const struct cse_boot_file *files;
	size_t fds_at, strings_at;
	uint32_t i, in_place;
	char *bb = in_memory ? fetch_memory(in_memory) : fetch_fd(&fd);
	const struct cse_boot *bh = (const struct cse_boot *)bb;

	if (!bb)
		return 0;
	/* The handed files, then the strings, which end where the
	 * descriptor table (8-byte aligned) starts. */
	files = (const struct cse_boot_file *)bh->strings;
	strings_at = sizeof(*bh) + (size_t)bh->nfiles * sizeof(*files);
	fds_at = bh->size - (size_t)bh->nfds * sizeof(struct cse_boot_fd);
	if (bh->nfiles > CSE_BOOT_FILES_MAX || bh->size <= strings_at)
		rt_die("boot block with bad files");
	for (i = 0; i < bh->nfiles; i++)
		if (files[i].fd < 0 || files[i].len > CSE_BOOT_HEAD ||
		    files[i].path[sizeof(files[i].path) - 1])
			rt_die("boot block with bad files");
	if (bh->nfds > CSE_BOOT_MAX / sizeof(struct cse_boot_fd) ||
	    bh->size < strings_at + (size_t)bh->nfds * sizeof(struct cse_boot_fd) ||
	    (bh->nfds && fds_at % 8))
		rt_die("boot block with a bad descriptor table");
	in_place = !!(bh->flags & CSE_BOOT_IN_PLACE);
	if ((bh->flags & ~CSE_BOOT_FLAGS_ALL) || bh->nstrings < 3 + in_place ||
	    bh->nstrings - 3 - in_place > 16 || fds_at <= strings_at || bb[fds_at - 1])
		rt_die("boot block with bad flags or strings");
	s = bb + strings_at;
	end = bb + fds_at;
	for (i = 0; i < bh->nstrings; i++) {
		if (s >= end)
			rt_die("boot block with too few strings");
		if (i < 3)
			str[i] = s;
		else if (i < bh->nstrings - in_place)
			cse_cfg.element_specs[i - 3] = s;
		else if (s[0] == '/' && strlen(s) < sizeof(cse_cfg.loader_path))
			memcpy(cse_cfg.loader_path, s, strlen(s) + 1);	/* in place */
		else
			rt_die("boot block with a bad loader path");
		s += strlen(s) + 1;
	}
	/* Then only the padding before the table. */
	if (end - s >= (bh->nfds ? 8 : 1))
		rt_die("boot block with trailing bytes");
	for (; s < end; s++)
		if (*s)
			rt_die("boot block with trailing bytes");
	fdtable_import((const struct cse_boot_fd *)(bb + fds_at), bh->nfds);
	cse_cfg.nelement_specs = (int)(bh->nstrings - 3 - in_place);
	cse_cfg.state_fd = bh->state_fd;
	cse_cfg.instance_fd = bh->instance_fd;
	cse_cfg.rewrite = !(bh->flags & CSE_BOOT_NO_REWRITE);
	cse_cfg.no_site_cache = !!(bh->flags & CSE_BOOT_NO_SITE_CACHE);
	bi->program = str[0];
	bi->filename = str[1];
	bi->comm = str[2];
	bi->files = files;
	bi->nfiles = (int)bh->nfiles;
	if (fd < CSE_HIDDEN_FD_LOW) {
		/* A low open files limit: the elements' setup may need
		 * those numbers, so the files are opened when mapped, as
		 * they were before they came with the block. */
		for (i = 0; i < bh->nfiles; i++)
			rt_sys1(__NR_close, files[i].fd);
		bi->nfiles = 0;
	}
	bi->flags = bh->flags & ~(CSE_BOOT_NO_REWRITE | CSE_BOOT_FDS_HIGH |
				  CSE_BOOT_NO_SITE_CACHE | CSE_BOOT_IN_PLACE);
	fdguard_set_high(!!(bh->flags & CSE_BOOT_FDS_HIGH));
	return 1;
}
