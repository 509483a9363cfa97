// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `cse-oci features`: the runtime-spec features document (what runc
 * prints), saying what this runtime does, not what the host could.
 * Namespaces listed are those cse emulates with an element (user: with
 * id mappings; cse-oci(1) has the table); others are accepted with a
 * warning and not listed. Capabilities: the bounding set, applied as root.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "oci.h"

int oci_cmd_features(int argc, char **argv)
{
	json_t *f;

	(void)argv;
	if (argc > 1) {
		oci_error("\"features\" takes no arguments");
		return 1;
	}
	f = json_pack("{s:s,s:s,s:[],s:[s,s,s,s,s,s,s],"
		      "s:{s:[s,s,s,s,s],s:o,s:{s:b,s:b,s:b},s:{s:b},s:{s:b},s:{s:b}},"
		      "s:{s:s,s:s,s:s,s:s,s:s}}",
		      "ociVersionMin", "1.0.0", "ociVersionMax", OCI_VERSION,
		      "hooks",
		      "mountOptions", "ro", "rw", "bind", "rbind", "mode", "uid", "gid",
		      "linux",
		      "namespaces", "mount", "uts", "network", "pid", "user",
		      "capabilities", oci_caps_names(),
		      "cgroup", "v1", 0, "v2", 0, "systemd", 0,
		      "seccomp", "enabled", 0,
		      "apparmor", "enabled", 0,
		      "selinux", "enabled", 0,
		      "annotations",
		      "org.cse.runtime", "cse-oci",
		      "org.cse.annotations", "org.cse.<element>.<key>=VALUE, org.cse.strict, org.cse.keep-credentials",
		      "org.cse.tracking", "cgroup v2 leaf, else /proc scan",
		      "org.cse.pid-namespace", "emulated: every process ends with the init",
		      "org.cse.network-namespace", "emulated: private port space (net element)");
	if (!f)
		oci_die("cannot build the features document");
	json_dumpf(f, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(f);
	return 0;
}
