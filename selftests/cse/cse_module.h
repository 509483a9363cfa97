/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading cse.ko from the selftests that do (module,
 * module_stress). CSE_KO names cse.ko (default /cse/kmod/cse.ko, where
 * scripts/vm-run puts it).
 *
 * Include after kselftest_harness.h and cse_test.h.
 */
#ifndef CSE_MODULE_H
#define CSE_MODULE_H

#include <sys/syscall.h>

#define REFCNT "/sys/module/cse/refcnt"

static inline const char *ko_path(void)
{
	const char *p = getenv("CSE_KO");

	return p ? p : "/cse/kmod/cse.ko";
}

static inline int delete_module(const char *name, unsigned int flags)
{
	return syscall(SYS_delete_module, name, flags);
}

static inline int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

/* The module's reference count, or -1 when it is not loaded. */
static inline int refcnt(void)
{
	char buf[32];
	int fd = open(REFCNT, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

/* SKIP unless cse.ko is loaded and we may unload it. */
#define require_module() do {						\
	if (access("/sys/module/cse", F_OK))				\
		SKIP(return, "cse.ko is not loaded");			\
	if (geteuid() != 0)						\
		SKIP(return, "needs root to unload modules");		\
} while (0)

#endif /* CSE_MODULE_H */
