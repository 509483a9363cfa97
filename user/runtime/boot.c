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
 * Kept for the process's life: cse_cfg.element_specs point into it.
 * Last in the image (hot.ld): a start reads its first page only, and the
 * pages a start touches then lie together, in fewer page tables.
 */
static union {
	struct cse_boot h;
	char bytes[CSE_BOOT_MAX];
} block __attribute__((section(".lbss.cse_boot"), aligned(4096)));

const void *boot_block(void)
{
	return &block;
}

int boot_receive(struct boot_info *bi)
{
	struct kstat_k st;
	const char *s, *end;
	const char *str[3];
	int fd = agreed_fd();
	const struct cse_boot_file *files;
	size_t fds_at, strings_at;
	uint32_t i;

	long got;

	/*
	 * peek()'s checks, with the usual whole block in the same read. No
	 * pipe, socket or directory preads; a short read of a regular file
	 * ends at its size, so only a block of a page or more needs fstat.
	 */
	if (fd < 0)
		return 0;
	got = rt_sys4(__NR_pread64, fd, block.bytes, 4096, 0);
	if (got < (long)sizeof(block.h) || block.h.magic != CSE_BOOT_MAGIC)
		return 0;
	st.size = got;
	if (got == 4096 &&
	    (rt_sys2(__NR_fstat, fd, &st) != 0 || (st.mode & K_S_IFMT) != K_S_IFREG))
		return 0;
	if (block.h.version != CSE_BOOT_VERSION)
		rt_die("boot block version %u, this loader reads %u", block.h.version,
		       CSE_BOOT_VERSION);
	if (block.h.size <= sizeof(block.h) || block.h.size > CSE_BOOT_MAX ||
	    st.size != (int64_t)block.h.size ||
	    (got < (long)block.h.size &&
	     rt_sys4(__NR_pread64, fd, block.bytes + got, block.h.size - (size_t)got, got) !=
		     (long)block.h.size - got))
		rt_die("boot block of a bad size");
	rt_sys1(__NR_close, fd);
	if (block.h.displaced_fd >= 0) {
		/* The application's own fd goes back to its number. */
		if (rt_sys3(__NR_dup3, block.h.displaced_fd, fd, 0) < 0)
			rt_die("cannot restore descriptor %d", fd);
		rt_sys1(__NR_close, block.h.displaced_fd);
	}
	/* The handed files, then the strings, which end where the
	 * descriptor table (8-byte aligned) starts. */
	files = (const struct cse_boot_file *)block.h.strings;
	strings_at = sizeof(block.h) + (size_t)block.h.nfiles * sizeof(*files);
	fds_at = block.h.size - (size_t)block.h.nfds * sizeof(struct cse_boot_fd);
	if (block.h.nfiles > CSE_BOOT_FILES_MAX || block.h.size <= strings_at)
		rt_die("boot block with bad files");
	for (i = 0; i < block.h.nfiles; i++)
		if (files[i].fd < 0 || files[i].len > CSE_BOOT_HEAD ||
		    files[i].path[sizeof(files[i].path) - 1])
			rt_die("boot block with bad files");
	if (block.h.nfds > CSE_BOOT_MAX / sizeof(struct cse_boot_fd) ||
	    block.h.size < strings_at + (size_t)block.h.nfds * sizeof(struct cse_boot_fd) ||
	    (block.h.nfds && fds_at % 8))
		rt_die("boot block with a bad descriptor table");
	if ((block.h.flags & ~CSE_BOOT_FLAGS_ALL) || block.h.nstrings < 3 ||
	    block.h.nstrings - 3 > 16 || fds_at <= strings_at || block.bytes[fds_at - 1])
		rt_die("boot block with bad flags or strings");
	s = block.bytes + strings_at;
	end = block.bytes + fds_at;
	for (i = 0; i < block.h.nstrings; i++) {
		if (s >= end)
			rt_die("boot block with too few strings");
		if (i < 3)
			str[i] = s;
		else
			cse_cfg.element_specs[i - 3] = s;
		s += strlen(s) + 1;
	}
	/* Then only the padding before the table. */
	if (end - s >= (block.h.nfds ? 8 : 1))
		rt_die("boot block with trailing bytes");
	for (; s < end; s++)
		if (*s)
			rt_die("boot block with trailing bytes");
	fdtable_import((const struct cse_boot_fd *)(block.bytes + fds_at), block.h.nfds);
	cse_cfg.nelement_specs = (int)block.h.nstrings - 3;
	cse_cfg.state_fd = block.h.state_fd;
	cse_cfg.instance_fd = block.h.instance_fd;
	cse_cfg.rewrite = !(block.h.flags & CSE_BOOT_NO_REWRITE);
	cse_cfg.no_site_cache = !!(block.h.flags & CSE_BOOT_NO_SITE_CACHE);
	bi->program = str[0];
	bi->filename = str[1];
	bi->comm = str[2];
	bi->files = files;
	bi->nfiles = (int)block.h.nfiles;
	if (fd < CSE_HIDDEN_FD_LOW) {
		/* A low open files limit: the elements' setup may need
		 * those numbers, so the files are opened when mapped, as
		 * they were before they came with the block. */
		for (i = 0; i < block.h.nfiles; i++)
			rt_sys1(__NR_close, files[i].fd);
		bi->nfiles = 0;
	}
	bi->flags = block.h.flags &
		    ~(CSE_BOOT_NO_REWRITE | CSE_BOOT_FDS_HIGH | CSE_BOOT_NO_SITE_CACHE);
	fdguard_set_high(!!(block.h.flags & CSE_BOOT_FDS_HIGH));
	return 1;
}
