// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's answer to an execve, found before the runtime leaves the
 * old image for cse-loader: a failing exec must return the kernel's errno
 * to a caller that keeps running, and must never block.
 *
 * The kernel checks in two phases, and so does this file:
 *
 *  1. Opening the file (do_open_execat): path lookup errors, EACCES for
 *     anything but a regular file, for a missing execute permission and
 *     for a noexec mount, ETXTBSY for a file open for writing, EINVAL and
 *     ELOOP for execveat's flags. Since Linux 6.x opens the file before
 *     it reads argv, execveat with an argv pointer it cannot read makes
 *     the kernel itself do this phase and stop with EFAULT right after
 *     it: exact, including ETXTBSY and LSM decisions, and nothing is
 *     opened for reading (a FIFO never blocks). Older kernels read argv
 *     first; there the phase is emulated with an O_PATH open, fstat,
 *     faccessat2(AT_EACCESS) and fstatfs (ETXTBSY cannot be seen then).
 *
 *  2. The format (search_binary_handler), on the first 256 bytes of the
 *     now known regular file: "#!" lines (shebang.c), whose interpreter
 *     goes through phase 1 and 2 again, at most 5 levels deep (ELOOP);
 *     ELF headers as binfmt_elf checks them before its point of no
 *     return, with PT_INTERP opened like phase 1 (ENOENT, EACCES), read
 *     (EIO when short) and checked (ELIBBAD); anything else is ENOEXEC.
 *
 * Paths go through the path stage (pathstage.c) first: the caller's
 * path, each "#!" interpreter (shebang_step) and PT_INTERP are the
 * application's names, looked up as host paths; the plan's program is
 * a host path, its script name the caller's (the kernel's bprm->filename).
 *
 * Known differences: 32-bit ELFs get ENOEXEC (the loader cannot
 * interpose them: exec fails as on a kernel without IA32 emulation);
 * binfmt_misc handlers are not consulted (ENOEXEC where one would run
 * the file); a bad argv/envp string or an E2BIG argv is reported by the
 * loader's exec, after the format checks rather than before; the
 * loader's own arguments take a little of the E2BIG budget; the probe
 * shows in audit logs and fanotify as one more failed exec.
 */
#include "exec_check.h"

#define K_ST_NOEXEC		8
#define K_PATH_MAX		4096
#define BINPRM_BUF		256
#define INTERP_DEPTH_MAX	5	/* exec_binprm: depth > 5 is ELOOP */

/* An argv the kernel cannot read: kernel half, whatever LAM masks off. */
#define UNREADABLE_ARGV		(-4096L)

struct kstatfs_min {		/* struct statfs on x86-64 */
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags, spare[4];
};
_Static_assert(sizeof(struct kstatfs_min) == 120, "struct statfs is 120 bytes");

/* 1 when this kernel opens the file before reading argv (see above). */
static int kernel_opens_first(void)
{
	static int known = -1;

	if (known < 0)
		known = rt_sys3(__NR_execve, "/", UNREADABLE_ARGV, 0) == -K_EACCES;
	return known;
}

/* Phase 1 on an older kernel. */
static long emulate_open(int dirfd, const char *path, int flags)
{
	struct kstat_k st;
	struct kstatfs_min sfs;
	long fd, r;

	if (flags & ~(K_AT_EMPTY_PATH | K_AT_SYMLINK_NOFOLLOW))
		return -K_EINVAL;
	if (!path[0] && !(flags & K_AT_EMPTY_PATH))
		return -K_ENOENT;
	if (!path[0])
		fd = rt_sys3(__NR_fcntl, dirfd, 1030 /* F_DUPFD_CLOEXEC */, 0);
	else
		fd = rt_sys4(__NR_openat, dirfd, path, K_O_PATH | K_O_CLOEXEC |
			     ((flags & K_AT_SYMLINK_NOFOLLOW) ? K_O_NOFOLLOW : 0), 0);
	if (fd < 0)
		return fd;
	r = rt_sys2(__NR_fstat, fd, &st);
	if (r == 0 && (st.mode & K_S_IFMT) == K_S_IFLNK)
		r = -K_ELOOP;	/* O_PATH|O_NOFOLLOW opened the link itself */
	if (r == 0 && (st.mode & K_S_IFMT) != K_S_IFREG)
		r = -K_EACCES;
	if (r == 0)
		r = rt_sys4(__NR_faccessat2, fd, "", K_X_OK, K_AT_EMPTY_PATH | K_AT_EACCESS);
	if (r == 0 && rt_sys2(__NR_fstatfs, fd, &sfs) == 0 && (sfs.flags & K_ST_NOEXEC))
		r = -K_EACCES;
	rt_sys1(__NR_close, fd);
	return r;
}

/* Phase 1: what opening dirfd/path for exec gives. path is our copy. */
static long open_phase(int dirfd, const char *path, int flags)
{
	long r = rt_syscall6(__NR_execveat, dirfd, (long)path, UNREADABLE_ARGV, 0, flags, 0);

	if (r != -K_EFAULT)
		return r;
	return kernel_opens_first() ? 0 : emulate_open(dirfd, path, flags);
}

/* Bytes of the path's first read: up to its page's end. */
static size_t path_chunk(const char *src, size_t size)
{
	size_t chunk = 4096 - ((uintptr_t)src & 4095);

	return chunk < size ? chunk : size;
}

/*
 * The application's string at src into dst, or -EFAULT / -ENAMETOOLONG;
 * its first path_chunk() bytes are there already when have is set.
 */
static long copy_path(char *dst, const char *src, size_t size, int have)
{
	size_t n = 0;

	while (n < size) {
		size_t chunk = path_chunk(src + n, size - n);

		if (have)
			have = 0;
		else if (rt_copy_from_app(dst + n, src + n, chunk))
			return -K_EFAULT;
		for (size_t i = n; i < n + chunk; i++)
			if (!dst[i])
				return 0;
		n += chunk;
	}
	return -K_ENAMETOOLONG;
}

/*
 * The guest path in path (size bytes) replaced by the host path the
 * path stage gives; *dirfd may change (NULL: relative to the cwd only).
 * execveat's flags give the intent.
 */
static long stage_exec(struct exec_plan *p, int *dirfd, char *path, size_t size, int flags)
{
	uint32_t intent = CSE_PATH_EXEC | CSE_PATH_READ;
	int fd = dirfd ? *dirfd : K_AT_FDCWD;
	long r;

	if (!pathstage_on)
		return 0;
	if (flags & K_AT_SYMLINK_NOFOLLOW)
		intent |= CSE_PATH_NOFOLLOW;
	if (flags & K_AT_EMPTY_PATH)
		intent |= CSE_PATH_EMPTY;
	r = pathstage_resolve_inplace(__NR_execve, &fd, path, size, intent, p->stage);
	if (r < 0)
		return r;
	if (dirfd)
		*dirfd = fd;
	else if (fd != K_AT_FDCWD && path[0] != '/')
		return -K_EINVAL;
	return 0;
}

/* Entries of a vector's read at v: what is left of the page, at most
 * EXEC_VEC_CHUNK; one when an entry straddles two pages. */
static size_t vec_chunk(char *const *v)
{
	size_t k = (4096 - ((uintptr_t)v & 4095)) / sizeof(char *);

	if (k > EXEC_VEC_CHUNK)
		k = EXEC_VEC_CHUNK;
	return k ? k : 1;
}

/*
 * Entries before the NULL of an argv or envp vector, or -EFAULT. Read a
 * page's part at a time (vec_chunk): one copy each, never past the page
 * a readable entry lies in, so a vector ending just before an unmapped
 * page is read as the kernel reads it. first: its first read, done
 * already (or NULL).
 */
static long count_vec(char *const *v, char *const *first)
{
	char *buf[EXEC_VEC_CHUNK];
	long n = 0;

	if (!v)
		return 0;
	for (;;) {
		size_t k = vec_chunk(&v[n]);
		char *const *got = buf;

		if (first)
			got = first;
		else if (rt_copy_from_app(buf, &v[n], k * sizeof(buf[0])))
			return -K_EFAULT;
		first = NULL;
		for (size_t i = 0; i < k; i++, n++)
			if (!got[i])
				return n;
	}
}

long exec_count_vec(char *const *v)
{
	return count_vec(v, NULL);
}

struct kiov {
	const void *base;
	size_t len;
};

/*
 * The first reads of the path, argv and envp (into p->guest and
 * p->vec) in one process_vm_readv: 1 when all of them came, else 0 and
 * each is read alone in the kernel's order, for its errors.
 */
static int read_ahead(struct exec_plan *p, const char *path, char *const *argv,
		      char *const *envp)
{
	struct kiov local[3], remote[3];
	char *const *v[2] = { argv, envp };
	size_t total = 0;
	int n = 0;

	remote[n] = (struct kiov){ path, path_chunk(path, sizeof(p->guest)) };
	local[n++] = (struct kiov){ p->guest, remote[0].len };
	for (int i = 0; i < 2; i++) {
		if (!v[i])
			continue;
		remote[n] = (struct kiov){ v[i], vec_chunk(v[i]) * sizeof(char *) };
		local[n] = (struct kiov){ p->vec[i], remote[n].len };
		n++;
	}
	for (int i = 0; i < n; i++)
		total += remote[i].len;
	return rt_sys6(__NR_process_vm_readv, cse_self()->tid, local, n, remote, n, 0) ==
	       (long)total;
}

/* Absolute form of path relative to dirfd, into out. */
static long absolutize(int dirfd, const char *path, char *out, size_t size)
{
	char fdlink[64];
	long n;

	if (path[0] == '/') {
		if (strlen(path) >= size)
			return -K_ENAMETOOLONG;
		memcpy(out, path, strlen(path) + 1);
		return 0;
	}
	if (dirfd == K_AT_FDCWD) {
		n = rt_sys2(__NR_getcwd, out, size);
		if (n < 0)
			return n;
		n = (long)strlen(out);
	} else {
		rt_format(fdlink, sizeof(fdlink), "/proc/self/fd/%d", dirfd);
		n = rt_sys3(__NR_readlink, fdlink, out, size - 1);
		if (n < 0)
			return n;
		out[n] = 0;
	}
	if (!path[0])
		return 0;	/* AT_EMPTY_PATH: the fd itself */
	if ((size_t)n + 1 + strlen(path) + 1 > size)
		return -K_ENAMETOOLONG;
	if (n > 1)
		out[n++] = '/';
	memcpy(out + n, path, strlen(path) + 1);
	return 0;
}

/*
 * fexecve of an ELF: a path the loader can open after the exec. The fd's
 * link target when it still names the same file; else the fd itself
 * (memfd, deleted file), which must then survive the exec: a
 * close-on-exec fd is spelled /proc/self/fd/./N, its FD_CLOEXEC cleared
 * (restored by exec_check_undo if the exec fails), and the loader closes
 * it once the program is mapped (stack.c), as the kernel would have.
 */
static void program_of_fd(int fd, struct exec_plan *p)
{
	struct kstat_k a, b;
	char link[64];
	long n;

	rt_format(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = rt_sys3(__NR_readlink, link, p->program, sizeof(p->program) - 1);
	if (n > 0 && p->program[0] == '/') {
		p->program[n] = 0;
		if (rt_sys2(__NR_fstat, fd, &a) == 0 && rt_sys2(__NR_stat, p->program, &b) == 0 &&
		    a.dev == b.dev && a.ino == b.ino)
			return;
	}
	if (rt_sys3(__NR_fcntl, fd, K_F_GETFD, 0) != 1) {
		rt_format(p->program, sizeof(p->program), "/proc/self/fd/%d", fd);
		return;
	}
	rt_format(p->program, sizeof(p->program), "/proc/self/fd/./%d", fd);
	if (rt_sys3(__NR_fcntl, fd, K_F_SETFD, 0) == 0)
		p->cloexec_fd = fd;
}

void exec_check_undo(int cloexec_fd)
{
	if (cloexec_fd >= 0)
		rt_sys3(__NR_fcntl, cloexec_fd, K_F_SETFD, 1 /* FD_CLOEXEC */);
}

/* The file phase 1 accepted, opened for reading without blocking; its
 * stat in *stp (a struct kstat_k). */
static long open_read(int dirfd, const char *path, int flags, void *stp)
{
	struct kstat_k st;
	char link[64];
	long fd;

	if (!path[0]) {
		rt_format(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		fd = rt_sys4(__NR_openat, K_AT_FDCWD, link,
			     K_O_RDONLY | K_O_NONBLOCK | K_O_CLOEXEC, 0);
	} else {
		fd = rt_sys4(__NR_openat, dirfd, path, K_O_RDONLY | K_O_NONBLOCK | K_O_CLOEXEC |
			     ((flags & K_AT_SYMLINK_NOFOLLOW) ? K_O_NOFOLLOW : 0), 0);
	}
	if (fd < 0)
		return fd;
	/* Swapped for something else since phase 1: refuse as the kernel would. */
	if (rt_sys2(__NR_fstat, fd, &st) || (st.mode & K_S_IFMT) != K_S_IFREG) {
		rt_sys1(__NR_close, fd);
		return -K_EACCES;
	}
	_Static_assert(sizeof(st) == sizeof(((struct cse_boot_file *)0)->stat), "stat size");
	memcpy(stp, &st, sizeof(st));
	return fd;
}

void exec_files_close(const int *fd, int n)
{
	for (int i = 0; i < n; i++)
		rt_sys1(__NR_close, fd[i]);
}

/* The first CSE_BOOT_HEAD bytes of fd into f->head: their count, or -errno. */
static long read_head(long fd, struct cse_boot_file *f)
{
	long len = rt_sys4(__NR_pread64, fd, f->head, CSE_BOOT_HEAD, 0);

	f->len = len > 0 ? (uint32_t)len : 0;
	return len;
}

/*
 * len bytes at off, or the kernel's elf_read errors (-EIO when short):
 * copied from f's head when they lie in what was read of it.
 */
static long read_exact(long fd, const struct cse_boot_file *f, void *buf, size_t len,
		       uint64_t off)
{
	long r;

	if (off <= f->len && len <= f->len - off) {
		memcpy(buf, f->head + off, len);
		return 0;
	}
	r = rt_sys4(__NR_pread64, fd, buf, len, off);

	if (r < 0)
		return r;
	return (size_t)r == len ? 0 : -K_EIO;
}

/* load_elf_phdrs: the program headers, or 0 when the kernel gives up. */
static int read_phdrs(long fd, const struct cse_boot_file *f, const Elf64_Ehdr *eh,
		      Elf64_Phdr *ph)
{
	size_t size = (size_t)eh->e_phnum * sizeof(Elf64_Phdr);

	if (eh->e_phentsize != sizeof(Elf64_Phdr) || size == 0 || size > 4096)
		return 0;
	return read_exact(fd, f, ph, size, eh->e_phoff) == 0;
}

static int elf_arch_ok(const Elf64_Ehdr *eh)
{
	return eh->e_ident[EI_CLASS] == ELFCLASS64 && eh->e_machine == EM_X86_64;
}

/*
 * binfmt_elf up to its point of no return, for a file whose first bytes
 * are head (zero-padded to BINPRM_BUF), read into p->files[0]. Its
 * PT_INTERP goes to p->elf_interp, opened at *ifdp and read into
 * p->files[1] (-1 when none).
 */
static long elf_check(long fd, const char *head, struct exec_plan *p, long *ifdp)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)head;
	struct cse_boot_file *f = &p->files[0], *fi = &p->files[1];
	Elf64_Phdr *ph = p->ph;
	Elf64_Ehdr ieh;
	long ifd = -1, r;

	_Static_assert(sizeof(Elf64_Ehdr) <= BINPRM_BUF, "header fits the buffer");
	*ifdp = -1;
	p->elf_interp[0] = 0;
	if ((eh->e_type != ET_EXEC && eh->e_type != ET_DYN) || !elf_arch_ok(eh) ||
	    !read_phdrs(fd, f, eh, ph))
		return -K_ENOEXEC;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_INTERP)
			continue;
		if (ph[i].p_filesz > K_PATH_MAX || ph[i].p_filesz < 2)
			return -K_ENOEXEC;
		r = read_exact(fd, f, p->elf_interp, ph[i].p_filesz, ph[i].p_offset);
		if (r < 0)
			return r;
		if (p->elf_interp[ph[i].p_filesz - 1])
			return -K_ENOEXEC;
		r = stage_exec(p, NULL, p->elf_interp, sizeof(p->elf_interp), 0);
		if (r < 0)
			return r;
		r = open_phase(K_AT_FDCWD, p->elf_interp, 0);
		if (r < 0)
			return r;
		ifd = open_read(K_AT_FDCWD, p->elf_interp, 0, fi->stat);
		if (ifd < 0)
			return ifd;
		r = read_head(ifd, fi);
		if (r >= 0)
			r = read_exact(ifd, fi, &ieh, sizeof(ieh), 0);
		if (r < 0)
			goto out;
		break;
	}
	r = 0;
	/* ph is done with: the interpreter's headers go there. */
	if (ifd >= 0 && (memcmp(ieh.e_ident, ELFMAG, SELFMAG) || !elf_arch_ok(&ieh) ||
			 !read_phdrs(ifd, fi, &ieh, ph)))
		r = -K_ELIBBAD;
out:
	if (ifd >= 0 && r < 0)
		rt_sys1(__NR_close, ifd);
	else
		*ifdp = ifd;
	return r;
}

/*
 * The checked program fd (and its interpreter's ifd) for the loader,
 * under the host paths it would open them by; closed when a path does
 * not fit the record.
 */
static void hand_files(struct exec_plan *p, long fd, long ifd)
{
	const char *path[2] = { p->program, p->elf_interp };
	long fds[2] = { fd, ifd };

	p->nfiles = 0;
	for (int i = 0; i < 2; i++) {
		struct cse_boot_file *f = &p->files[i];
		size_t n = strlen(path[i]);

		if (fds[i] < 0)
			continue;
		if (p->nfiles != i || n >= sizeof(f->path)) {
			rt_sys1(__NR_close, fds[i]);
			continue;
		}
		f->fd = (int32_t)fds[i];
		memcpy(f->path, path[i], n);
		memset(f->path + n, 0, sizeof(f->path) - n);
		p->nfiles++;
	}
}

/* The name the kernel gives the file (bprm->filename); -ENOENT when a
 * script could not reach it after exec (a close-on-exec dirfd). */
static long kernel_filename(int dirfd, const char *path, struct exec_plan *p,
			    int *inaccessible)
{
	*inaccessible = 0;
	if (dirfd == K_AT_FDCWD || path[0] == '/') {
		memcpy(p->script, path, strlen(path) + 1);
		return 0;
	}
	if (path[0])
		rt_format(p->script, sizeof(p->script), "/dev/fd/%d/%s", dirfd, path);
	else
		rt_format(p->script, sizeof(p->script), "/dev/fd/%d", dirfd);
	*inaccessible = rt_sys3(__NR_fcntl, dirfd, K_F_GETFD, 0) == 1;
	return 0;
}

long exec_check(int dirfd, const char *app_path, char *const *argv, char *const *envp,
		int flags, struct exec_plan *p)
{
	char *path = p->path;
	int app_dirfd = dirfd, inaccessible = 0, ahead;
	long r, fd, len;

	p->is_script = 0;
	p->cloexec_fd = -1;
	p->nfiles = 0;
	ahead = read_ahead(p, app_path, argv, envp);
	/* The kernel reads the path first: a bad one is its EFAULT. */
	r = copy_path(p->guest, app_path, sizeof(p->guest), ahead);
	if (r < 0)
		return r;
	memcpy(path, p->guest, strlen(p->guest) + 1);
	r = stage_exec(p, &dirfd, path, sizeof(p->path), flags);
	if (r < 0)
		return r;
	r = rt_syscall6(__NR_execveat, dirfd, (long)path, UNREADABLE_ARGV, 0, flags, 0);
	if (r != -K_EFAULT)
		return r;
	if (!kernel_opens_first()) {
		r = emulate_open(dirfd, path, flags);
		if (r < 0)
			return r;
	}
	if (!(flags & K_AT_SYMLINK_NOFOLLOW) && procexe_known() &&
	    procexe_is_self(dirfd, path)) {
		/* /proc/self/exe is the loader: check the program instead. */
		const char *exe = procexe_path();

		memcpy(path, exe, strlen(exe) + 1);
		dirfd = K_AT_FDCWD;
		r = open_phase(dirfd, path, 0);
		if (r < 0)
			return r;
	}
	/* The kernel counts argv and envp next. */
	p->argc = r = count_vec(argv, ahead ? p->vec[0] : NULL);
	if (r >= 0)
		r = count_vec(envp, ahead ? p->vec[1] : NULL);
	if (r < 0)
		return r;
	kernel_filename(app_dirfd, p->guest, p, &inaccessible);
	r = absolutize(dirfd, path, p->program, sizeof(p->program));
	if (r < 0)
		return r;

	for (int depth = 0;; depth++) {
		struct shebang *next = &p->level[depth & 1];

		if (depth > INTERP_DEPTH_MAX)
			return -K_ELOOP;
		fd = open_read(dirfd, path, flags, p->files[0].stat);
		if (fd < 0)
			return fd;
		memset(p->head, 0, sizeof(p->head));
		len = read_head(fd, &p->files[0]);
		if (len > 0)
			memcpy(p->head, p->files[0].head, len < BINPRM_BUF ? (size_t)len : BINPRM_BUF);
		if (len >= 4 && !memcmp(p->head, ELFMAG, SELFMAG)) {
			long ifd;

			r = elf_check(fd, p->head, p, &ifd);
			if (r == 0 && depth == 0 && path[0]) {
				hand_files(p, fd, ifd);	/* the loader's now */
				return 0;
			}
			rt_sys1(__NR_close, fd);
			if (ifd >= 0)
				rt_sys1(__NR_close, ifd);
			if (r == 0 && depth == 0 && !path[0])
				program_of_fd(dirfd, p);
			return r;
		}
		rt_sys1(__NR_close, fd);
		if (len < 0)
			return len;
		r = shebang_step(p->head, len, next, path, sizeof(p->path), p->stage);
		if (r < 0)
			return r;
		if (inaccessible)
			return -K_ENOENT;	/* BINPRM_FLAGS_PATH_INACCESSIBLE */
		dirfd = K_AT_FDCWD;
		flags = 0;
		r = open_phase(dirfd, path, 0);
		if (r < 0)
			return r;
		if (depth == 0) {
			p->first = *next;
			p->is_script = 1;
			r = absolutize(dirfd, path, p->program, sizeof(p->program));
			if (r < 0)
				return r;
		}
	}
}
