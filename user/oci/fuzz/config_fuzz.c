// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: config.json as cse-oci maps it. Each input is parsed
 * as JSON and, when it is one, goes through what create does before it
 * forks: the process and the checks (spec.c, caps.c), root, mounts,
 * masked and read-only paths (mounts.c), annotations and the profile
 * (profile.c), the program lookup in the view (program.c), credentials.
 * The bind mounts for a non-root user (reach.c) are left out: they mount.
 * Built and run by selftests/host/oci-cli.t with
 * -fsanitize=fuzzer,address,undefined; CSE_OCI_FUZZ_DIR holds a bundle
 * directory with a rootfs and a scratch state directory.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../oci.h"

struct oci_global oci_g = { .root = "/nonexistent", .log_json = true };

static char *dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = getenv("CSE_OCI_FUZZ_DIR");
	if (!dir) {
		fprintf(stderr, "config_fuzz: set CSE_OCI_FUZZ_DIR\n");
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *config = json_loadb((const char *)data, size, 0, NULL);
	struct oci_spec s;
	char *state, *profile;

	if (!config)
		return 0;
	memset(&s, 0, sizeof(s));
	s.bundle = oci_xasprintf("%s/bundle", dir);
	state = oci_xasprintf("%s/state", dir);
	profile = oci_xasprintf("%s/state/profile.ini", dir);
	oci_remove_tree(state);
	mkdir(state, 0711);
	if (oci_spec_parse(&s, config) == 0) {
		struct oci_profile pr = { 0 };
		struct oci_creds c;

		s.reach = false;
		if (oci_mounts_map(&s, state, &pr) == 0 &&
		    oci_profile_annotations(&pr, json_object_get(config, "annotations")) == 0) {
			oci_program_check(&s, &pr);
			oci_profile_write(&pr, profile);
			oci_creds_for(&s.proc, s.uid_map, s.gid_map, false, &c);
			oci_spec_check(&s, false);
		}
		oci_profile_free(&pr);
	}
	oci_process_free(&s.proc);
	strv_free(&s.unsupported);
	json_decref(s.config);
	if (s.view_rootfs != s.rootfs)
		free(s.view_rootfs);
	free(s.rootfs);
	free(s.bundle);
	free(state);
	free(profile);
	return 0;
}
