// SPDX-License-Identifier: GPL-2.0
/*
 * cse-loader: started by cse-run (and by the runtime on every exec of the
 * application) with exactly the argv and envp the kernel would have given
 * the program, and a boot block (include/cse/boot.h, runtime/boot.c) at
 * an agreed descriptor saying what to run: PROGRAM's absolute path, the
 * kernel's name for it, the comm to show, the instance state and cse.ko
 * fds, the elements. So /proc/PID/cmdline, environ, comm and stat are the
 * program's own from its first instruction.
 *
 * Without a boot block (started by hand, for debugging) the options come
 * from argv instead, and the program's argv is what follows them:
 *
 *   cse-loader [--state-fd=N] [--instance-fd=M] [--no-rewrite]
 *              [-e NAME[=ARGS]]... -- PROGRAM-ABSPATH ARGV0 [ARG...]
 *   cse-loader --probe
 *
 * PROGRAM may be a "#!" script (script.c).
 *
 * The runtime is linked into this static-pie rather than mapped as a
 * separate .so: one image means one contiguous text segment for the SUD
 * allowed region, no second relocation pass, and exec re-entry needs only
 * one path. Elements are separate objects because users choose them.
 */
#include <elf.h>
#include <cse/boot.h>
#include <cse/state.h>
#include "../runtime/runtime.h"
#include "elf_map.h"
#include "loader.h"

struct cse_config cse_cfg;

static void usage_die(const char *what)
{
	rt_die("%s (usage: cse-loader [--state-fd=N] [--instance-fd=M] "
	       "[--no-rewrite] [-e NAME[=ARGS]]... -- PROGRAM ARGV0 [ARG...])", what);
}

static int parse_fd_opt(const char *arg, const char *prefix, int *out)
{
	size_t n = strlen(prefix);
	long v;

	if (rt_strncmp(arg, prefix, n))
		return 0;
	if (rt_parse_int(arg + n, &v) || v > 1 << 30)
		usage_die("bad file descriptor option");
	*out = (int)v;
	return 1;
}

static void find_text(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)loader_base();
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(loader_base() + eh->e_phoff);

	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X)) {
			cse_cfg.text_start = (loader_base() + ph[i].p_vaddr) & ~4095ul;
			cse_cfg.text_end = (loader_base() + ph[i].p_vaddr +
					    ph[i].p_memsz + 4095) & ~4095ul;
			return;
		}
	}
	rt_die("cannot find my own text segment");
}

static int probe(void)
{
	char line[256];
	int n;

	n = sud_probe() == 0 ? rt_format(line, sizeof(line), "interposition: sud\n")
			     : rt_format(line, sizeof(line),
					 "interposition: none (kernel lacks syscall user dispatch)\n");
	rt_write_all(1, line, (size_t)n);
	n = rt_format(line, sizeof(line), "rewrite: %s\n", rewrite_mode());
	rt_write_all(1, line, (size_t)n);
	return 0;
}

static void open_state(void)
{
	const char *err = "";
	int fd = cse_cfg.state_fd;

	if (fd < 0) {
		fd = (int)rt_sys2(__NR_memfd_create, "cse-state", 0);
		if (fd < 0 || rt_sys2(__NR_ftruncate, fd, CSE_STATE_SIZE) < 0)
			rt_die("cannot create the instance state");
	}
	if (state_attach(fd, &err))
		rt_die("--state-fd=%d: %s", fd, err);
	cse_cfg.state_fd = fd;
	/* Keep it (not close-on-exec) out of the application's reach; one an
	 * exec handed down stays where it is when it can. */
	fd = fdguard_keep(fd);
	if (fd < 0)
		rt_die("cannot move the state fd out of the way");
	if (cse_cfg.instance_fd >= 0 &&
	    rt_sys3(__NR_fcntl, cse_cfg.instance_fd, 1 /* F_GETFD */, 0) >= 0)
		fdguard_keep(cse_cfg.instance_fd);
	else
		cse_cfg.instance_fd = -1;
}

static void loader_dir(char *dir, size_t size)
{
	char *slash;

	/* The path only: each stack page written is a page fault. */
	(void)size;	/* as big as loader_path, which ends within it */
	memcpy(dir, cse_cfg.loader_path, strlen(cse_cfg.loader_path) + 1);
	slash = rt_strrchr(dir, '/');
	if (slash)
		*slash = 0;
}

/*
 * Booted, the loader was started by the runtime (exec.c) or a launcher
 * with an absolute path of it: AT_EXECFN names it without a /proc
 * lookup. Its length, or 0 when it is not such a path.
 */
static long execfn_path(const uintptr_t *sp)
{
	const uintptr_t *p = sp + 1 + sp[0] + 1;
	const char *fn = NULL;
	size_t n;

	while (*p++)
		;	/* envp */
	for (; p[0] != AT_NULL; p += 2)
		if (p[0] == AT_EXECFN)
			fn = (const char *)p[1];
	if (!fn || fn[0] != '/')
		return 0;
	n = strlen(fn);
	if (n >= sizeof(cse_cfg.loader_path))
		return 0;
	memcpy(cse_cfg.loader_path, fn, n + 1);
	return (long)n;
}

/*
 * Started by cse-run in its own process (launcher/userexec.c): its image
 * goes before anything else is mapped (a non-PIE program wants its
 * address), and with it the last mapping of its file, so the exe link
 * may be switched to the program's (exe.c).
 */
static void launcher_unmap(void)
{
	const struct cse_boot *b = boot_block();
	uintptr_t s = b->launcher_start, e = b->launcher_end;
	uintptr_t self = loader_base();

	if (!(b->flags & CSE_BOOT_IN_PLACE))
		return;
	if ((s | e) & 4095 || s >= e || (self >= s && self < e) ||
	    rt_sys2(__NR_munmap, s, e - s) != 0)
		rt_die("cannot remove cse-run's image at %lx-%lx", (unsigned long)s,
		       (unsigned long)e);
}

/* Started by hand: options in argv. Returns the index of ARGV0. */
static int parse_argv(long argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!rt_strcmp(a, "--")) {
			i++;
			break;
		}
		if (!rt_strcmp(a, "--probe")) {
			rewrite_init(cse_cfg.rewrite);
			rt_exit(probe());
		}
		if (!rt_strcmp(a, "--no-rewrite")) {
			cse_cfg.rewrite = 0;
		} else if (parse_fd_opt(a, "--state-fd=", &cse_cfg.state_fd) ||
			   parse_fd_opt(a, "--instance-fd=", &cse_cfg.instance_fd)) {
			continue;
		} else if (!rt_strcmp(a, "-e") && i + 1 < argc) {
			if (cse_cfg.nelement_specs == 16)
				usage_die("too many elements");
			cse_cfg.element_specs[cse_cfg.nelement_specs++] = argv[++i];
		} else {
			rt_errorf("unknown option '%s'", a);
			usage_die("bad arguments");
		}
	}
	if (i + 1 >= argc)
		usage_die("missing PROGRAM and ARGV0");
	return i + 1;
}

/*
 * A '#!' PROGRAM from a boot block: the kernel's view of the process
 * (/proc/PID/cmdline) must show "interp [arg] script args", and only an
 * execve writes that, so the loader execs itself again with that argv
 * and the ELF interpreter as PROGRAM. argv[0] names the script as the
 * kernel would (the sender put it there).
 */
static _Noreturn void reexec_script(long argc, char **argv, struct script_argv *sa,
				    const char *elf, struct boot_info *bi)
{
	char **envp = argv + argc + 1;
	struct boot_undo undo;
	size_t bytes = ((size_t)(argc + sa->nwords + 1) * sizeof(char *) + 4095) & ~4095ul;
	long r = rt_sys6(__NR_mmap, 0, bytes, 3, 0x22, -1, 0);
	char **nargv = (char **)r;
	long n = 0;

	if (IS_ERR_RET(r))
		rt_die("out of memory for a script's arguments");
	sa->words[sa->nwords - 1] = argv[0];
	for (int k = 0; k < sa->nwords; k++)
		nargv[n++] = (char *)sa->words[k];
	for (long k = 1; k < argc; k++)
		nargv[n++] = argv[k];
	nargv[n] = NULL;
	bi->program = elf;
	bi->nfiles = 0;
	script_handed_close();
	r = boot_send(bi, &undo);
	if (r == 0) {
		r = rt_sys3(__NR_execve, cse_cfg.loader_path, nargv, envp);
		boot_undo(&undo);
	}
	rt_die("%s: cannot start its interpreter %s (errno %ld)", argv[0], elf, -r);
}

/* What the kernel writes to comm at exec: a name, at most 15 bytes. */
static void set_comm(const struct boot_info *bi)
{
	const char *name = bi->comm;
	char comm[16];

	if (bi->flags & CSE_BOOT_COMM_FROM_FILE) {
		const char *exe = procexe_path();

		name = rt_strrchr(exe, '/');
		name = name ? name + 1 : exe;
	}
	rt_format(comm, sizeof(comm), "%s", name);
	rt_sys2(__NR_prctl, 15 /* PR_SET_NAME */, comm);
}

/*
 * The runtime's set-up, then every element (their setup() runs). Booted,
 * the sender ran interposed: the kernel has syscall user dispatch, and
 * the exec turned it off, so the probe would only cost a system call.
 */
static void load_elements(const char *dir, int booted)
{
	if (!booted && sud_probe() != 0)
		rt_die("this kernel lacks syscall user dispatch (Linux >= 5.11 needed)");
	rewrite_init(cse_cfg.rewrite);
	open_state();
	for (int k = 0; k < cse_cfg.nelement_specs; k++)
		element_load(dir, cse_cfg.element_specs[k]);
}

static _Noreturn __attribute__((noinline)) void loader_run(uintptr_t *sp)
{
	long argc = (long)sp[0];
	char **argv = (char **)(sp + 1);
	const char *program, *elf;
	struct script_argv sa;
	const struct elf_image *prog, *interp = NULL;
	struct boot_info bi;
	struct cse_thread *t;
	char dir[4096];
	const char *why = "";
	const void *block = NULL;
	uintptr_t start_sp, entry, interp_base = 0;
	int first, booted, guest, r;
	long n;

	self_relocate();
	find_text();
	cse_cfg.state_fd = -1;
	cse_cfg.instance_fd = -1;
	cse_cfg.rewrite = 1;

	sitecache_start_env = argv + argc + 1;
	elf_note_stack(sp);
	fdguard_set_high(1);	/* started by hand: an fd table we know nothing of */
	/* cse-run left the block in its memory, its address below sp
	 * (launcher/userexec.c); below a kernel's initial stack: zeros. */
	if (sp[-1] == CSE_BOOT_MAGIC) {
		block = (const void *)sp[-2];
		sp[-1] = sp[-2] = 0;
	}
	booted = boot_receive(&bi, block);
	if (cse_cfg.loader_path[0])
		n = (long)strlen(cse_cfg.loader_path);	/* in place: from the block */
	else
		n = booted ? execfn_path(sp) : 0;
	if (n <= 0)
		n = rt_sys3(__NR_readlink, "/proc/self/exe", cse_cfg.loader_path,
			    sizeof(cse_cfg.loader_path) - 1);
	if (n <= 0)
		rt_die("cannot find my own path (is /proc mounted?)");
	cse_cfg.loader_path[n] = 0;
	loader_dir(dir, sizeof(dir));
	launcher_unmap();

	if (booted) {
		if (argc < 1)
			rt_die("started with an empty argv");
		script_handed(bi.files, bi.nfiles);
		first = 0;
		program = bi.program;
	} else {
		first = parse_argv(argc, argv);
		program = argv[first - 1];
		bi.filename = program;
		bi.comm = rt_strrchr(program, '/') ? rt_strrchr(program, '/') + 1 : program;
		bi.flags = 0;
	}
	guest = booted && (bi.flags & CSE_BOOT_GUEST_PROGRAM);
	if (program[0] != '/' && !guest)
		usage_die("PROGRAM must be an absolute path");
	if (strlen(program) >= sizeof(cse_cfg.program))
		rt_die("program path too long");
	memcpy(cse_cfg.program, program, strlen(program) + 1);

	if (guest) {
		/* The program, its '#!' interpreters and PT_INTERP are
		 * names of the elements' view: load them first. */
		load_elements(dir, booted);
		program = guest_program(program, argv + argc + 1, &bi.filename);
		bi.flags &= ~CSE_BOOT_GUEST_PROGRAM;
		argv[first] = (char *)bi.filename;	/* a script's name for its interpreter */
		if (strlen(program) >= sizeof(cse_cfg.program))
			rt_die("program path too long");
		memcpy(cse_cfg.program, program, strlen(program) + 1);
	}
	sa.words[0] = argv[first];
	sa.nwords = 1;
	elf = script_resolve(program, &sa);
	if (booted && elf != program)
		reexec_script(argc, argv, &sa, elf, &bi);
	/* Named as natively as early as possible: ps may be looking. */
	procexe_init(elf);
	set_comm(&bi);

	if (!guest)
		load_elements(dir, booted);

	prog = elf_map_kept(elf, &r, &why);
	if (!prog)
		rt_die("%s: %s (errno %d)", elf, why, -r);
	entry = prog->entry;
	if (prog->interp[0]) {
		interp = elf_map_kept(prog->interp, &r, &why);
		if (!interp)
			rt_die("%s: interpreter %s: %s (errno %d)", elf, prog->interp,
			       why, -r);
		interp_base = interp->bias;
		entry = interp->entry;
	}
	/* Their code traps first: the rewriter knows it is r-x, and patches
	 * the sites other processes of the application saw trap there. */
	rewrite_note_text(prog->text_lo, prog->text_hi, prog->bias, prog->ident);
	if (prog->interp[0])
		rewrite_note_text(interp->text_lo, interp->text_hi, interp->bias, interp->ident);
	/* Best effort; AT_EXECFN below names the program in every case. */
	exe_switch(elf);
	script_handed_close();	/* the program never sees them */

	start_sp = stack_prepare(sp, first, &sa, bi.filename, prog->phdr, prog->phnum,
				 prog->entry, interp_base);

	if (sigsys_install() != 0)
		rt_die("cannot install the SIGSYS handler");
	t = thread_area_new();
	if (!t || thread_area_install(t) != 0)
		rt_die("cannot set up the runtime's thread area");
	if (sud_enable(t) != 0)
		rt_die("cannot enable syscall user dispatch");
	sitecache_start_env = NULL;	/* the program's from now on */
	cse_jump_to_program(start_sp, entry);
}

/* Small frame: the stack pages below it are prefaulted before use. */
_Noreturn void loader_main(uintptr_t *sp)
{
	loader_prefault(sp);
	loader_run(sp);
}
