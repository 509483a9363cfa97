// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A container user that is not root must reach its files. runc enters the
 * root with pivot_root while still root; cse resolves every path of the
 * view to a host path in the process's own context, with its own
 * credentials. The bundle's root and the sources of bind mounts often sit
 * below directories only root may search (podman's
 * /var/lib/containers/storage/overlay is 0700). So, when the process
 * becomes a user that is not root, create bind-mounts the root and each
 * bind source into the state directory (0711 all the way down from the
 * state root, which cse-oci creates 0711), made private so nothing
 * propagates, and the view uses those paths. delete (and a failed create)
 * unmounts everything under the state directory before removing it:
 * nothing stays mounted outside it, nor in it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

/* Bind SRC at DIR/reach/NAME; the new path, or NULL (reported). */
char *oci_reach(const char *state_dir, const char *name, const char *src)
{
	char *parent = oci_xasprintf("%s/reach", state_dir);
	char *dst = oci_xasprintf("%s/%s", parent, name);
	struct stat sb;
	int fd;

	if (stat(src, &sb) < 0 || (mkdir(parent, 0711) < 0 && errno != EEXIST))
		goto fail;
	if (S_ISDIR(sb.st_mode)) {
		if (mkdir(dst, 0711) < 0)
			goto fail;
	} else {
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			goto fail;
		close(fd);
	}
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, dst, NULL, MS_PRIVATE | MS_REC, NULL) < 0)
		goto fail;
	free(parent);
	return dst;
fail:
	oci_error("cannot make %s reachable for the container's user at %s: %s", src, dst,
		  strerror(errno));
	free(parent);
	free(dst);
	return NULL;
}

/* Unmounts every mount at or below DIR, deepest first. */
int oci_reach_release(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	struct strv mps = { 0 };
	char line[4096];
	size_t n = strlen(dir);
	int r = 0;

	while (f && fgets(line, sizeof(line), f)) {
		char *mp = line;

		for (int i = 0; i < 4 && mp; i++) {
			mp = strchr(mp, ' ');
			if (mp)
				mp++;
		}
		if (!mp || !strchr(mp, ' '))
			continue;
		*strchr(mp, ' ') = 0;
		if (!strncmp(mp, dir, n) && (mp[n] == '/' || !mp[n]))
			strv_add(&mps, oci_xstrdup(mp));
	}
	if (f)
		fclose(f);
	for (size_t i = mps.n; i-- > 0;)
		if (umount2(mps.v[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
			oci_error("cannot unmount %s: %s", mps.v[i], strerror(errno));
			r = -1;
		}
	strv_free(&mps);
	return r;
}
