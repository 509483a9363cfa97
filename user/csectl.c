// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * csectl: look at and control cse.ko instances over generic netlink.
 *
 *   csectl list [-j]               csectl monitor [-j]
 *   csectl show ID|NAME [-j]       csectl top [-d SECONDS] [-n N] [-j]
 *   csectl reset ID|NAME           csectl help [COMMAND]
 *
 * This file holds main and the subcommand table: each entry names its
 * synopsis, a one-line summary, its help text and the function that parses
 * its options and calls into user/csectl/ (see csectl/csectl.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csectl/csectl.h"

struct cmd {
	const char *name;
	const char *synopsis;
	const char *brief;	/* one line for csectl --help */
	const char *summary;
	const char *help;	/* options and details, may be NULL */
	int (*run)(const struct cmd *cmd, int argc, char **argv);
};

static const struct cmd *find_cmd(const char *name);

static const char json_help[] =
	"  -j, --json   print JSON instead of text\n"
	"  -h, --help   show this help\n";

/* What parse_opts() found; operands are left in argv. */
struct parsed {
	bool json;
	bool help;
	const char *d;
	const char *n;
};

static void usage_hint(const struct cmd *cmd)
{
	csectl_hint("see 'csectl help %s'", cmd->name);
}

/*
 * -h always, -j for read commands, -d/-n for top. Options and operands may
 * be mixed. Returns the index of the first operand, or -1 after printing
 * the error.
 */
static int parse_opts(const struct cmd *cmd, int argc, char **argv,
		      bool json, bool top, struct parsed *p)
{
	struct option longopts[5];
	char optstring[16] = ":h";
	size_t nl = 0;
	int c;

	memset(p, 0, sizeof(*p));
	longopts[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	if (json) {
		longopts[nl++] = (struct option){ "json", no_argument, NULL, 'j' };
		strcat(optstring, "j");
	}
	if (top) {
		longopts[nl++] = (struct option){ "delay", required_argument, NULL, 'd' };
		longopts[nl++] = (struct option){ "iterations", required_argument, NULL, 'n' };
		strcat(optstring, "d:n:");
	}
	longopts[nl] = (struct option){ NULL, 0, NULL, 0 };
	opterr = 0;
	optind = 0;	/* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			p->json = true;
			break;
		case 'h':
			p->help = true;
			break;
		case 'd':
			p->d = optarg;
			break;
		case 'n':
			p->n = optarg;
			break;
		case ':':
			csectl_err("%s: option '%s' needs an argument", cmd->name,
				   argv[optind - 1]);
			usage_hint(cmd);
			return -1;
		default:
			if (optopt)
				csectl_err("%s: unknown option '-%c'", cmd->name,
					   optopt);
			else
				csectl_err("%s: unknown option '%s'", cmd->name,
					   argv[optind - 1]);
			usage_hint(cmd);
			return -1;
		}
	}
	return optind;
}

static void print_cmd_help(FILE *f, const struct cmd *cmd)
{
	fprintf(f, "Usage: csectl %s\n\n%s\n", cmd->synopsis, cmd->summary);
	if (cmd->help)
		fprintf(f, "\n%s", cmd->help);
}

static int too_many(const struct cmd *cmd, const char *arg)
{
	csectl_err("%s: unexpected argument '%s'", cmd->name, arg);
	usage_hint(cmd);
	return CSECTL_EXIT_USAGE;
}

static int cmd_list(const struct cmd *cmd, int argc, char **argv)
{
	struct csectl_ctx ctx;
	struct csectl_inst *v;
	struct parsed p;
	size_t n;
	int i = parse_opts(cmd, argc, argv, true, false, &p);

	if (i < 0)
		return CSECTL_EXIT_USAGE;
	if (p.help) {
		print_cmd_help(stdout, cmd);
		return 0;
	}
	if (i < argc)
		return too_many(cmd, argv[i]);
	if (csectl_open(&ctx))
		return CSECTL_EXIT_FAILURE;
	if (csectl_dump(&ctx, &v, &n)) {
		csectl_close(&ctx);
		return CSECTL_EXIT_FAILURE;
	}
	csectl_print_list(stdout, v, n, csectl_now_ns(CLOCK_REALTIME), p.json);
	csectl_view_hint();
	csectl_insts_free(v, n);
	csectl_close(&ctx);
	return 0;
}

static int get_ref(const struct cmd *cmd, int argc, char **argv, int i,
		   struct csectl_ref *ref)
{
	int r;

	if (i >= argc) {
		csectl_err("%s: which instance? an ID or a NAME is needed",
			   cmd->name);
		csectl_hint("'csectl list' shows the instances");
		return -1;
	}
	if (i + 1 < argc) {
		too_many(cmd, argv[i + 1]);
		return -1;
	}
	r = csectl_parse_ref(argv[i], ref);
	if (r == -ERANGE) {
		csectl_err("%s: instance id '%s' is out of range", cmd->name,
			   argv[i]);
	} else if (r == -ENAMETOOLONG) {
		csectl_err("%s: instance name is longer than %d bytes",
			   cmd->name, CSE_NAME_MAX - 1);
	} else if (r) {
		csectl_err("%s: '%s' is neither an instance id nor a name",
			   cmd->name, argv[i]);
		csectl_hint("an id is a decimal number; a name is 1 to %d printable ASCII characters",
			    CSE_NAME_MAX - 1);
	}
	return r ? -1 : 0;
}

static int cmd_show(const struct cmd *cmd, int argc, char **argv)
{
	struct csectl_ctx ctx;
	struct csectl_inst inst;
	struct csectl_ref ref;
	struct parsed p;
	int i = parse_opts(cmd, argc, argv, true, false, &p);

	if (i < 0)
		return CSECTL_EXIT_USAGE;
	if (p.help) {
		print_cmd_help(stdout, cmd);
		return 0;
	}
	if (get_ref(cmd, argc, argv, i, &ref))
		return CSECTL_EXIT_USAGE;
	if (csectl_open(&ctx))
		return CSECTL_EXIT_FAILURE;
	if (csectl_get(&ctx, &ref, &inst)) {
		csectl_close(&ctx);
		return CSECTL_EXIT_FAILURE;
	}
	csectl_print_show(stdout, &inst, csectl_now_ns(CLOCK_REALTIME), p.json);
	csectl_inst_free(&inst);
	csectl_close(&ctx);
	return 0;
}

static int cmd_reset(const struct cmd *cmd, int argc, char **argv)
{
	struct csectl_ctx ctx;
	struct csectl_ref ref;
	struct parsed p;
	int i = parse_opts(cmd, argc, argv, false, false, &p), r;

	if (i < 0)
		return CSECTL_EXIT_USAGE;
	if (p.help) {
		print_cmd_help(stdout, cmd);
		return 0;
	}
	if (get_ref(cmd, argc, argv, i, &ref))
		return CSECTL_EXIT_USAGE;
	if (csectl_open(&ctx))
		return CSECTL_EXIT_FAILURE;
	r = csectl_reset(&ctx, &ref);
	csectl_close(&ctx);
	return r ? CSECTL_EXIT_FAILURE : 0;
}

static int cmd_monitor(const struct cmd *cmd, int argc, char **argv)
{
	struct csectl_ctx ctx;
	struct parsed p;
	int i = parse_opts(cmd, argc, argv, true, false, &p), r;

	if (i < 0)
		return CSECTL_EXIT_USAGE;
	if (p.help) {
		print_cmd_help(stdout, cmd);
		return 0;
	}
	if (i < argc)
		return too_many(cmd, argv[i]);
	if (csectl_open(&ctx))
		return CSECTL_EXIT_FAILURE;
	r = csectl_monitor(&ctx, p.json);
	csectl_close(&ctx);
	return r ? CSECTL_EXIT_FAILURE : 0;
}

#define TOP_MIN_S 0.1
#define TOP_MAX_S 3600.0

static int cmd_top(const struct cmd *cmd, int argc, char **argv)
{
	struct csectl_top_opts o = { .interval_s = 1.0 };
	struct csectl_ctx ctx;
	struct parsed p;
	int i = parse_opts(cmd, argc, argv, true, true, &p), r;

	if (i < 0)
		return CSECTL_EXIT_USAGE;
	if (p.help) {
		print_cmd_help(stdout, cmd);
		return 0;
	}
	if (i < argc)
		return too_many(cmd, argv[i]);
	if (p.d && csectl_parse_seconds(p.d, TOP_MIN_S, TOP_MAX_S,
					&o.interval_s)) {
		csectl_err("top: bad interval '%s'", p.d);
		csectl_hint("-d takes seconds from %.1f to %.0f, e.g. -d 2 or -d 0.5",
			    TOP_MIN_S, TOP_MAX_S);
		return CSECTL_EXIT_USAGE;
	}
	if (p.n && (csectl_parse_u64(p.n, &o.iterations) || !o.iterations)) {
		csectl_err("top: bad iteration count '%s'", p.n);
		csectl_hint("-n takes a positive whole number, e.g. -n 5");
		return CSECTL_EXIT_USAGE;
	}
	o.json = p.json;
	if (csectl_open(&ctx))
		return CSECTL_EXIT_FAILURE;
	r = csectl_top(&ctx, &o);
	csectl_close(&ctx);
	return r ? CSECTL_EXIT_FAILURE : 0;
}

static void print_help(FILE *f);

static int cmd_help(const struct cmd *cmd, int argc, char **argv)
{
	const struct cmd *c;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		print_cmd_help(stdout, cmd);
		return 0;
	}
	if (argc < 2) {
		print_help(stdout);
		return 0;
	}
	if (argc > 2)
		return too_many(cmd, argv[2]);
	c = find_cmd(argv[1]);
	if (!c) {
		csectl_err("help: unknown command '%s'", argv[1]);
		csectl_hint("'csectl --help' lists the commands");
		return CSECTL_EXIT_USAGE;
	}
	print_cmd_help(stdout, c);
	return 0;
}

static const struct cmd cmds[] = {
	{
		"list", "list [-j]",
		"list instances, one line each",
		"Show one line per instance: id, name, creator uid, age, members,\n"
		"device grants, device opens granted and denied, device bytes read\n"
		"and written, and syscalls handled by its elements.",
		json_help, cmd_list,
	},
	{
		"show", "show ID|NAME [-j]",
		"everything about one instance",
		"Show everything about one instance: the fields of 'list' plus the\n"
		"member pids, the device grants (c|b MAJOR:MINOR r|w|rw) and the\n"
		"syscalls handled per element. A decimal argument is an id; write\n"
		"name=NAME for an instance whose name is all digits.",
		json_help, cmd_show,
	},
	{
		"monitor", "monitor [-j]",
		"print events as they happen",
		"Print one line per cse.ko event until interrupted (SIGINT or\n"
		"SIGTERM end it with status 0): instance-new, instance-del,\n"
		"member-join, member-leave, dev-granted, dev-denied. Each line is\n"
		"flushed as it is printed. With -j, one JSON object per line.",
		json_help, cmd_monitor,
	},
	{
		"top", "top [-d SECONDS] [-n ITERATIONS] [-j]",
		"live table of syscall and device byte rates",
		"Refresh a table of instances with their syscall rate and device\n"
		"byte rates, computed between two consecutive dumps. On a terminal\n"
		"the screen is redrawn; otherwise each round is appended.",
		"  -d, --delay SECONDS        time between rounds, 0.1 to 3600\n"
		"                             (default 1; \"0.5\" and \"500ms\" work)\n"
		"  -n, --iterations N         stop after N rounds (default: until\n"
		"                             interrupted)\n"
		"  -j, --json                 one JSON object per round and line\n"
		"  -h, --help                 show this help\n",
		cmd_top,
	},
	{
		"reset", "reset ID|NAME",
		"zero the counters of one instance (admin)",
		"Zero the counters (device opens, device bytes, per-element syscalls)\n"
		"of one instance. Needs CAP_NET_ADMIN.",
		"  -h, --help   show this help\n",
		cmd_reset,
	},
	{
		"help", "help [COMMAND]",
		"help on csectl or on one command",
		"Show the help of csectl or of one command.",
		NULL, cmd_help,
	},
};

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void print_help(FILE *f)
{
	fputs("Usage: csectl COMMAND [OPTIONS] [ARGS]\n"
	      "       csectl -h|--help | --version\n"
	      "\n"
	      "Look at and control cse instances: applications running with\n"
	      "private replicas of kernel services, as reported by cse.ko over the\n"
	      "generic netlink family \"" CSE_GENL_NAME "\".\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-40s %s\n", cmds[i].synopsis, cmds[i].brief);
	fputs("\n"
	      "Every command that reads takes -j/--json. 'csectl help COMMAND'\n"
	      "shows the options of one command; csectl(1) has the details.\n"
	      "\n"
	      "Exit status: 0 success, 1 failure (cse.ko not loaded, kernel error),\n"
	      "2 bad command line.\n", f);
}

int main(int argc, char **argv)
{
	const struct cmd *cmd;
	int status;

	if (argc < 2) {
		csectl_err("no command given");
		csectl_hint("'csectl --help' lists the commands, e.g. 'csectl list'");
		return CSECTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_help(stdout);
		cmd = NULL;
	} else if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("csectl %s (cse API %d, genl family \"%s\" version %d)\n",
		       CSECTL_VERSION, CSE_API_VERSION, CSE_GENL_NAME,
		       CSE_GENL_VERSION);
		cmd = NULL;
	} else if (argv[1][0] == '-') {
		csectl_err("unknown option '%s'", argv[1]);
		csectl_hint("options follow the command, e.g. 'csectl list -j'");
		return CSECTL_EXIT_USAGE;
	} else if (!(cmd = find_cmd(argv[1]))) {
		csectl_err("unknown command '%s'", argv[1]);
		csectl_hint("'csectl --help' lists the commands");
		return CSECTL_EXIT_USAGE;
	}
	status = cmd ? cmd->run(cmd, argc - 1, argv + 1) : 0;
	/* A full disk or a closed pipe must not look like success. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno != EPIPE)
			csectl_err("writing the output: %s", strerror(errno));
		return CSECTL_EXIT_FAILURE;
	}
	return status;
}
