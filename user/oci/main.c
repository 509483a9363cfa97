// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cse-oci: global options, the subcommand table, help and version.
 * The command line is runc's (what containerd's runc v2 shim and podman
 * pass): global options before the subcommand, Go-style long options
 * with one or two dashes (-bundle and --bundle), exit status 0 or 1.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci.h"

#ifndef CSE_VERSION
#define CSE_VERSION "0.1"
#endif

struct oci_global oci_g = { .root = "/run/cse-oci", .log_json = false };

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct cmd cmds[] = {
	{ "create", oci_cmd_create,
	  "create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--preserve-fds N] ID",
	  "Prepare the container ID from the bundle DIR (default .): its state, its\n"
	  "cse-run profile and its init process, which waits for `start`. The init's\n"
	  "pid goes to FILE. With process.terminal, the master of a new pseudo-\n"
	  "terminal is sent to SOCKET (SCM_RIGHTS). --no-pivot and --no-new-keyring\n"
	  "are accepted and change nothing.\n" },
	{ "start", oci_cmd_start, "start ID",
	  "Run the program of the created container ID. Fails unless it is created.\n" },
	{ "run", oci_cmd_run,
	  "run [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--detach] [--keep] ID",
	  "create and start; without --detach, wait for the init, delete the\n"
	  "container (unless --keep) and exit with the init's status.\n" },
	{ "exec", oci_cmd_exec,
	  "exec [--process FILE | --cwd DIR --env K=V --user UID[:GID] --tty] [--detach]\n"
	  "          [--pid-file FILE] [--console-socket SOCKET] ID [ARGS...]",
	  "Run another process in the running container ID: FILE is a runtime-spec\n"
	  "process object, else ARGS with the container's process settings. It joins\n"
	  "the container's cse instance (see cse-oci(1), EXEC). Without --detach,\n"
	  "wait for it and exit with its status.\n" },
	{ "state", oci_cmd_state, "state ID",
	  "Print the runtime-spec state of ID as JSON (status creating, created,\n"
	  "running, paused or stopped).\n" },
	{ "kill", oci_cmd_kill, "kill [--all] ID [SIGNAL]",
	  "Send SIGNAL (a name or number; default TERM) to the init, or with --all\n"
	  "to every process of the container.\n" },
	{ "ps", oci_cmd_ps, "ps [--format table|json] ID",
	  "List the processes of the container.\n" },
	{ "pause", oci_cmd_pause, "pause ID",
	  "Freeze every process of the container (cgroup.freeze, else SIGSTOP).\n" },
	{ "resume", oci_cmd_resume, "resume ID", "Thaw a paused container.\n" },
	{ "delete", oci_cmd_delete, "delete [--force] ID",
	  "End every process of the container and remove its state and cgroup.\n"
	  "A running container needs --force.\n" },
	{ "list", oci_cmd_list, "list [--format table|json] [--quiet]",
	  "List the containers under the state root.\n" },
	{ "update", oci_cmd_update, "update [--resources FILE|-] ID",
	  "Accepted for Kubernetes: cse applies no resource limits (a warning in the\n"
	  "log; refused with --strict).\n" },
	{ "features", oci_cmd_features, "features",
	  "Print what this runtime supports (runtime-spec features JSON).\n" },
};

static void usage(FILE *f)
{
	fputs("Usage: cse-oci [GLOBAL OPTION]... COMMAND [OPTION]... [ID]\n"
	      "\n"
	      "An OCI runtime: runs an OCI bundle (config.json and its root filesystem)\n"
	      "as one cse application instance, without namespaces. containerd's runc\n"
	      "shim (BinaryName), podman (--runtime) and Kubernetes (a RuntimeClass)\n"
	      "call it like runc. config.json maps to elements: hostname to uts, root\n"
	      "and mounts to fs, the user and id mappings to id, a network namespace\n"
	      "to a private port space (net), devices to dev grants; what cse cannot\n"
	      "honour is warned about in the log, or refused with --strict.\n"
	      "\n"
	      "Global options:\n"
	      "  --root DIR            state directories (default /run/cse-oci)\n"
	      "  --log FILE            append log lines (warnings, errors) to FILE\n"
	      "  --log-format FORMAT   json (runc's lines) or text (default text)\n"
	      "  --strict              refuse any config.json feature cse cannot honour\n"
	      "  --debug               also log debug lines\n"
	      "  --systemd-cgroup, --rootless VALUE, --criu PATH: accepted, no effect\n"
	      "  -v, --version         print the version and exit\n"
	      "  -h, --help            print this help and exit\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fputs("\n'cse-oci COMMAND --help' describes one command.\n"
	      "Exit status: 0 on success, 1 on any error (the error is the last line of\n"
	      "the --log file and is printed on stderr); run and exec without --detach:\n"
	      "the process's status (128+N when killed by signal N).\n"
	      "See cse-oci(1).\n", f);
}

static const struct option global_opts[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "log", required_argument, NULL, 'l' },
	{ "log-format", required_argument, NULL, 'f' },
	{ "log-level", required_argument, NULL, 'L' },
	{ "strict", no_argument, NULL, 's' },
	{ "debug", no_argument, NULL, 'd' },
	{ "systemd-cgroup", no_argument, NULL, 'S' },
	{ "rootless", required_argument, NULL, 'R' },
	{ "criu", required_argument, NULL, 'C' },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int c;

	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+vh", global_opts, NULL)) != -1) {
		switch (c) {
		case 'r': oci_g.root = optarg; break;
		case 'l': oci_g.log = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				oci_error("--log-format %s: json or text", optarg);
				return 1;
			}
			oci_g.log_json = !strcmp(optarg, "json");
			break;
		case 'L': oci_g.debug = !strcmp(optarg, "debug"); break;
		case 's': oci_g.strict = true; break;
		case 'd': oci_g.debug = true; break;
		case 'S': case 'R': case 'C': break;
		case 'v':
			printf("cse-oci version %s\nspec: %s\ncse-run: %s\n", CSE_VERSION, OCI_VERSION,
			       oci_cse_run_path());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			oci_error("unknown or incomplete global option '%s'; see 'cse-oci --help'",
				  argv[optind - 1]);
			return 1;
		}
	}
	if (oci_g.root[0] != '/') {
		oci_error("--root %s: must be an absolute path", oci_g.root);
		return 1;
	}
	if (optind >= argc) {
		oci_error("no command; see 'cse-oci --help'");
		return 1;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name))
			continue;
		if (wants_help(argc - optind, argv + optind)) {
			printf("Usage: cse-oci [GLOBAL OPTION]... %s\n\n%s", cmds[i].usage, cmds[i].help);
			return 0;
		}
		opterr = 0;
		return cmds[i].fn(argc - optind, argv + optind);
	}
	oci_error("unknown command \"%s\"; see 'cse-oci --help'", argv[optind]);
	return 1;
}
