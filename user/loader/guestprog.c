// SPDX-License-Identifier: GPL-2.0
/*
 * PROGRAM as a guest path (boot flag CSE_BOOT_GUEST_PROGRAM): cse-run
 * hands over the name the user gave when an element (fs) shows the
 * application its own filesystem, where the program may exist only
 * inside --root. Once the elements are loaded it is looked up here as
 * execvp(3) would inside the view: a name with a '/' is used as is
 * (relative to the view's working directory), another is tried in each
 * PATH entry of the program's environment ("/bin:/usr/bin" without
 * PATH). Every candidate goes through the path stage, so a name of the
 * view never reaches the host's own tree.
 */
#include "loader.h"

#define K_AT_FDCWD	-100
#define K_X_OK		1
#define K_S_IFMT	0170000
#define K_S_IFREG	0100000

/* First c in s, or NULL. */
static const char *find(const char *s, char c)
{
	for (; *s; s++)
		if (*s == c)
			return s;
	return NULL;
}

/* cse-run's own message (the user ran cse-run), and the shell's status. */
static _Noreturn void not_run(const char *prog, const char *why, int status)
{
	char line[PATHSTAGE_MAX + 128];
	int n = rt_format(line, sizeof(line) - 1, "cse-run: %s: %s\n", prog, why);

	rt_write_all(2, line, (size_t)(n < (int)sizeof(line) - 1 ? n : (int)sizeof(line) - 1));
	rt_exit(status);
}

static char found[PATHSTAGE_MAX] RT_LARGE;	/* the guest name: AT_EXECFN, argv */
static char host[PATHSTAGE_MAX] RT_LARGE;
static char stage_buf[2 * PATHSTAGE_MAX] RT_LARGE;

/* 0 when the guest path cand is a runnable regular file (host set), or -errno. */
static long try(const char *cand)
{
	struct { uint64_t dev, ino, nlink; uint32_t mode; uint32_t rest[29]; } st;
	int dirfd = K_AT_FDCWD;
	size_t n = strlen(cand);
	long r;

	if (n >= sizeof(host))
		return -36;
	memcpy(host, cand, n + 1);
	r = pathstage_resolve_inplace(__NR_execve, &dirfd, host, sizeof(host),
				      CSE_PATH_READ | CSE_PATH_EXEC, stage_buf);
	if (r < 0)
		return r;
	r = rt_sys4(__NR_newfstatat, dirfd, host, &st, 0);
	if (r < 0)
		return r;
	if ((st.mode & K_S_IFMT) != K_S_IFREG)
		return -13;
	return rt_sys4(__NR_faccessat, dirfd, host, K_X_OK, 0);
}

static const char *env_path(char **envp)
{
	for (; *envp; envp++)
		if (!rt_strncmp(*envp, "PATH=", 5))
			return *envp + 5;
	return "/bin:/usr/bin";
}

const char *guest_program(const char *prog, char **envp, const char **filename)
{
	const char *path, *p;
	size_t plen = strlen(prog);
	long r, denied = 0;

	if (find(prog, '/')) {
		r = try(prog);
		if (r < 0)
			not_run(prog, r == -2 || r == -20 ? "not found" : r == -13 ?
				"not executable" : "cannot run it", r == -2 || r == -20 ? 127 : 126);
		*filename = prog;
		return host;
	}
	path = env_path(envp);
	for (p = path;; ) {
		const char *end = find(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);

		if (dlen + 1 + plen < sizeof(found)) {
			memcpy(found, p, dlen);
			found[dlen] = '/';
			memcpy(found + dlen + 1, prog, plen + 1);
			r = try(dlen ? found : prog);
			if (r == 0) {
				*filename = dlen ? found : prog;
				return host;
			}
			denied |= r == -13;
		}
		if (!end)
			break;
		p = end + 1;
	}
	not_run(prog, denied ? "found in PATH but not executable" : "command not found",
		denied ? 126 : 127);
}
