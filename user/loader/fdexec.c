// SPDX-License-Identifier: GPL-2.0
/*
 * fexecve of a close-on-exec fd that names no path (a memfd, a deleted
 * file): exec re-entry kept the fd open across the loader's exec and
 * named the program /proc/self/fd/./N (exec_check.c). Once the program
 * is mapped the fd is closed, as the kernel's exec would have closed it,
 * and the program's AT_EXECFN is /dev/fd/N, the name the kernel gives
 * (the boot block already says so; a loader started by hand does not).
 */
#include "../runtime/runtime.h"
#include "elf_map.h"

#define MARK	"/proc/self/fd/./"

const char *fdexec_finish(const char *program, const char *execfn)
{
	static char name[32];
	long fd;

	if (rt_strncmp(program, MARK, sizeof(MARK) - 1) ||
	    rt_parse_int(program + sizeof(MARK) - 1, &fd) || fd < 0 || fd > 1 << 30)
		return execfn;
	rt_sys1(__NR_close, fd);
	if (rt_strncmp(execfn, MARK, sizeof(MARK) - 1))
		return execfn;
	rt_format(name, sizeof(name), "/dev/fd/%ld", fd);
	return name;
}
