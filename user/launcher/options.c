// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cse-run's command line: one table drives parsing and --help.
 *
 * Element flags are table rows of kind OPT_ELEMENT_ARG: "--trace=summary"
 * is the row {"trace", element "trace", prefix ""}, "--trace-log=FILE" the
 * row {"trace-log", element "trace", prefix "log="}. Each occurrence adds
 * prefix+VALUE to that element's comma-joined argument list, so a new
 * element flag (say --hostname NAME -> -e uts=hostname=NAME) is one row.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/cse.h>

#include "launcher.h"
#include "profile.h"

enum opt_action {
	OPT_HELP,
	OPT_VERSION,
	OPT_VERBOSE,
	OPT_NAME,
	OPT_NO_KMOD,
	OPT_NO_REWRITE,
	OPT_ALLOW_SETUID_DROP,
	OPT_ELEMENT,		/* -e NAME[=ARGS] */
	OPT_ELEMENT_ARG,	/* a flag that becomes one element argument */
	OPT_PROFILE,		/* --profile FILE: element settings (profile.c) */
	OPT_PRINT_PROFILE,
	OPT_DEVICE,		/* --device PATH[:r|w|rw] (devices.c) */
};

struct opt_row {
	const char *name;	/* long name */
	int short_name;		/* 0 when none */
	int has_arg;		/* no_argument / required_argument */
	const char *argname;	/* for --help */
	enum opt_action action;
	const char *element;	/* OPT_ELEMENT_ARG: element name */
	const char *prefix;	/* OPT_ELEMENT_ARG: prepended to the value */
	const char *const *values;	/* allowed values, NULL: any */
	const char *help;
};

static const char *const trace_modes[] = { "summary", NULL };

static const struct opt_row opt_table[] = {
	{ "element", 'e', required_argument, "NAME[=ARGS]", OPT_ELEMENT, NULL, NULL, NULL,
	  "Load element NAME (lib/cse/cse-NAME.so) with\n"
	  "the comma-separated ARGS. Repeatable; arguments\n"
	  "for the same element are joined." },
	{ "trace", 0, required_argument, "MODE", OPT_ELEMENT_ARG, "trace", "", trace_modes,
	  "Trace system calls; MODE \"summary\" prints a\n"
	  "count table on stderr at exit. Same as\n"
	  "-e trace=MODE." },
	{ "trace-log", 0, required_argument, "FILE", OPT_ELEMENT_ARG, "trace", "log=", NULL,
	  "Log every system call to FILE. Same as\n"
	  "-e trace=log=FILE." },
	{ "uid", 0, required_argument, "N", OPT_ELEMENT_ARG, "id", "uid=", NULL,
	  "Run as uid N (real, effective, saved, fs):\n"
	  "files of the real user show as N's; chown\n"
	  "and chmod are recorded, not done. Same as\n"
	  "-e id=uid=N." },
	{ "gid", 0, required_argument, "N", OPT_ELEMENT_ARG, "id", "gid=", NULL,
	  "Run as gid N (groups: N). Same as\n"
	  "-e id=gid=N." },
	{ "root-id", 0, no_argument, NULL, OPT_ELEMENT_ARG, "id", "uid=0,gid=0", NULL,
	  "Run as root (like fakeroot): --uid 0 --gid 0.\n"
	  "A later --uid/--gid overrides it." },
	{ "id-state", 0, required_argument, "FILE", OPT_ELEMENT_ARG, "id", "state=", NULL,
	  "Load recorded owners/modes from FILE and\n"
	  "save them back (atomically) when processes\n"
	  "exit. Same as -e id=state=FILE." },
	{ "hostname", 0, required_argument, "NAME", OPT_ELEMENT_ARG, "uts", "hostname=", NULL,
	  "Private hostname (uname -n, gethostname,\n"
	  "/proc/sys/kernel/hostname); sethostname in\n"
	  "the application changes only its own. Same\n"
	  "as -e uts=hostname=NAME." },
	{ "domainname", 0, required_argument, "NAME", OPT_ELEMENT_ARG, "uts", "domainname=", NULL,
	  "Private NIS domain name. Same as\n"
	  "-e uts=domainname=NAME." },
	{ "uname", 0, required_argument, "FIELD=VALUE", OPT_ELEMENT_ARG, "uts", "", NULL,
	  "Private uname field: sysname, release,\n"
	  "version or machine. Repeatable. Same as\n"
	  "-e uts=FIELD=VALUE." },
	{ "time-offset", 0, required_argument, "DURATION", OPT_ELEMENT_ARG, "time", "offset=", NULL,
	  "Wall clock runs DURATION ahead (+365d,\n"
	  "-2h30m, 90s; units y w d h m s ms us ns),\n"
	  "vDSO included." },
	{ "time-at", 0, required_argument, "DATE", OPT_ELEMENT_ARG, "time", "at=", NULL,
	  "Wall clock starts at DATE, then ticks. DATE:\n"
	  "2030-01-02T03:04:05Z, ...+02:00 or @UNIXTIME." },
	{ "time-freeze", 0, required_argument, "DATE", OPT_ELEMENT_ARG, "time", "freeze=", NULL,
	  "Wall clock always reads DATE." },
	{ "time-scale", 0, required_argument, "X", OPT_ELEMENT_ARG, "time", "scale_ppm=", NULL,
	  "All clocks run X times as fast (2, 0.5);\n"
	  "sleeps and timeouts agree." },
	{ "profile", 0, required_argument, "FILE", OPT_PROFILE, NULL, NULL, NULL,
	  "Load elements and their settings from the\n"
	  "INI file FILE; flags override it." },
	{ "print-profile", 0, no_argument, NULL, OPT_PRINT_PROFILE, NULL, NULL, NULL,
	  "Print the effective profile and exit." },
	{ "device", 0, required_argument, "PATH[:MODE]", OPT_DEVICE, NULL, NULL, NULL,
	  "Grant the device node PATH with MODE r, w or\n"
	  "rw (default rw) through cse.ko; every other\n"
	  "device open fails with EACCES. Repeatable.\n"
	  "Needs the module and CAP_SYS_ADMIN." },
	{ "name", 0, required_argument, "NAME", OPT_NAME, NULL, NULL, NULL,
	  "Name of the instance in cse.ko (default:\n"
	  "PROGRAM's basename, '-' and cse-run's pid)." },
	{ "no-kmod", 0, no_argument, NULL, OPT_NO_KMOD, NULL, NULL, NULL,
	  "Do not create an instance in cse.ko even if\n"
	  "/dev/cse exists." },
	{ "no-rewrite", 0, no_argument, NULL, OPT_NO_REWRITE, NULL, NULL, NULL,
	  "Never rewrite system call sites: every call\n"
	  "traps through Syscall User Dispatch (slower;\n"
	  "for debugging and comparison)." },
	{ "allow-setuid-drop", 0, no_argument, NULL, OPT_ALLOW_SETUID_DROP, NULL, NULL, NULL,
	  "Run a setuid/setgid PROGRAM without its\n"
	  "privilege instead of refusing it." },
	{ "verbose", 'v', no_argument, NULL, OPT_VERBOSE, NULL, NULL, NULL,
	  "Say what cse-run finds and does, on stderr.\n"
	  "With --version, also probe the loader and the\n"
	  "kernel module." },
	{ "version", 'V', no_argument, NULL, OPT_VERSION, NULL, NULL, NULL,
	  "Print the version and exit." },
	{ "help", 'h', no_argument, NULL, OPT_HELP, NULL, NULL, NULL,
	  "Print this help and exit." },
};

#define N_OPTS (sizeof(opt_table) / sizeof(opt_table[0]))

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
	fputs("cse-run: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	cse_hint("see 'cse-run --help'");
	exit(CSE_EXIT_USAGE);
}

static bool valid_element_name(const char *s, size_t n)
{
	if (n == 0 || n >= CSE_ELEMENT_NAME_MAX || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!islower(c) && !isdigit(c) && c != '_' && c != '-')
			return false;
	}
	return true;
}

/* Non-empty, printable, no empty item in a comma-separated list. */
static const char *bad_args_reason(const char *a)
{
	if (!*a)
		return "empty argument list";
	for (const char *p = a; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "control character in arguments";
		if (*p == ',' && (p == a || p[1] == ',' || p[1] == '\0'))
			return "empty item in argument list";
	}
	return NULL;
}

static void add_element(struct cse_opts *o, const char *name, size_t name_len, const char *args)
{
	struct cse_element_req *e = NULL;

	for (size_t i = 0; i < o->n_elements; i++) {
		if (strlen(o->elements[i].name) == name_len &&
		    !memcmp(o->elements[i].name, name, name_len)) {
			e = &o->elements[i];
			break;
		}
	}
	if (!e) {
		if (o->n_elements == CSE_RUN_ELEMENTS_MAX)
			cse_die(CSE_EXIT_USAGE, NULL, "too many elements (at most %d)",
				CSE_RUN_ELEMENTS_MAX);
		e = &o->elements[o->n_elements++];
		e->name = cse_xmalloc(name_len + 1);
		memcpy(e->name, name, name_len);
		e->name[name_len] = '\0';
		e->args = NULL;
	}
	if (!args)
		return;
	if (e->args) {
		char *joined = cse_xasprintf("%s,%s", e->args, args);

		free(e->args);
		e->args = joined;
	} else {
		e->args = cse_xstrdup(args);
	}
}

static void opt_element(struct cse_opts *o, const char *spec)
{
	const char *eq = strchr(spec, '=');
	size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
	const char *why;

	if (!valid_element_name(spec, n)) {
		cse_err("bad element name in '-e %s'", spec);
		cse_hint("element names are 1-15 characters of a-z, 0-9, '_' and '-', e.g. -e trace=summary");
		exit(CSE_EXIT_USAGE);
	}
	if (eq && (why = bad_args_reason(eq + 1))) {
		cse_err("bad element arguments in '-e %s': %s", spec, why);
		cse_hint("write -e NAME or -e NAME=ARG[,ARG...]");
		exit(CSE_EXIT_USAGE);
	}
	add_element(o, spec, n, eq ? eq + 1 : NULL);
}

/* Why val is not acceptable for the element flag f, or NULL. */
const char *cse_element_flag_error(const struct cse_flag *f, const char *val, char *buf,
				   size_t size)
{
	const struct opt_row *r = &opt_table[f->index];

	if (!*val)
		return "needs a non-empty value";
	if (strchr(val, ',')) {
		snprintf(buf, size, "the value '%s' must not contain ','", val);
		return buf;
	}
	for (const char *p = val; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "control character in value";
	if (r->values) {
		bool ok = false;

		for (const char *const *v = r->values; *v; v++)
			ok = ok || !strcmp(*v, val);
		if (!ok) {
			snprintf(buf, size, "unknown %s '%s'", r->argname, val);
			return buf;
		}
	}
	return NULL;
}

static void row_flag(size_t i, struct cse_flag *f)
{
	f->name = opt_table[i].name;
	f->element = opt_table[i].element;
	f->prefix = opt_table[i].prefix;
	f->has_arg = opt_table[i].has_arg != no_argument;
	f->index = i;
}

/* The flag of ELEMENT whose profile key is KEY ("ELEMENT-KEY" or "KEY"). */
bool cse_element_flag(const char *element, const char *key, struct cse_flag *f)
{
	size_t n = strlen(element);

	for (size_t i = 0; i < N_OPTS; i++) {
		const char *name = opt_table[i].name;

		if (opt_table[i].action != OPT_ELEMENT_ARG || strcmp(opt_table[i].element, element))
			continue;
		if (!strcmp(name, key) ||
		    (!strncmp(name, element, n) && name[n] == '-' && !strcmp(name + n + 1, key))) {
			row_flag(i, f);
			return true;
		}
	}
	return false;
}

bool cse_valid_element_name(const char *name)
{
	return valid_element_name(name, strlen(name));
}

const char *cse_element_args_error(const char *args)
{
	return bad_args_reason(args);
}

void cse_element_add(struct cse_opts *o, const char *name, const char *args)
{
	add_element(o, name, strlen(name), args);
}

/* Recorded, not applied: profile.c resolves flags against the profile. */
static void opt_element_arg(struct cse_opts *o, const struct opt_row *r, const char *val)
{
	struct cse_flag f;
	const char *why;
	char buf[512];

	row_flag((size_t)(r - opt_table), &f);
	if (f.has_arg && (why = cse_element_flag_error(&f, val, buf, sizeof(buf)))) {
		cse_err("--%s: %s", r->name, why);
		if (r->values && *val) {
			fputs("hint: valid values:", stderr);
			for (const char *const *v = r->values; *v; v++)
				fprintf(stderr, " %s", *v);
			fputc('\n', stderr);
		}
		exit(CSE_EXIT_USAGE);
	}
	add_element(o, r->element, strlen(r->element), NULL);	/* keeps the order */
	cse_setting_add(&f, f.has_arg ? val : NULL);
}

static void check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= 64) {
		cse_err("--name: instance names are 1 to 63 bytes long, got %zu", n);
		exit(CSE_EXIT_USAGE);
	}
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)name[i]))
			usage_error("--name '%s': only printable characters are allowed", name);
}

void cse_parse_options(int argc, char **argv, struct cse_opts *o)
{
	struct option longopts[N_OPTS + 1];
	char shortopts[2 * N_OPTS + 3];
	size_t ns = 0;

	memset(o, 0, sizeof(*o));
	memset(longopts, 0, sizeof(longopts));
	shortopts[ns++] = '+';	/* stop at PROGRAM */
	shortopts[ns++] = ':';	/* report a missing argument as ':' */
	for (size_t i = 0; i < N_OPTS; i++) {
		longopts[i].name = opt_table[i].name;
		longopts[i].has_arg = opt_table[i].has_arg;
		longopts[i].val = 256 + (int)i;
		if (opt_table[i].short_name) {
			shortopts[ns++] = (char)opt_table[i].short_name;
			if (opt_table[i].has_arg == required_argument)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';

	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shortopts, longopts, NULL);
		const struct opt_row *r = NULL;

		if (c == -1)
			break;
		if (c == '?') {
			if (optopt)
				cse_err("unknown option '-%c'", optopt);
			else
				cse_err("unknown option '%s'", argv[optind - 1]);
			cse_hint("see 'cse-run --help'; put '--' before PROGRAM");
			exit(CSE_EXIT_USAGE);
		}
		if (c == ':')
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		if (c >= 256) {
			r = &opt_table[c - 256];
		} else {
			for (size_t i = 0; i < N_OPTS; i++)
				if (opt_table[i].short_name == c)
					r = &opt_table[i];
		}
		if (!r)
			usage_error("internal error parsing '%s'", argv[optind - 1]);

		switch (r->action) {
		case OPT_HELP:
			o->help = true;
			break;
		case OPT_VERSION:
			o->version = true;
			break;
		case OPT_VERBOSE:
			cse_verbose = true;
			break;
		case OPT_NAME:
			check_name(optarg);
			o->name = optarg;
			break;
		case OPT_NO_KMOD:
			o->no_kmod = true;
			break;
		case OPT_NO_REWRITE:
			o->no_rewrite = true;
			break;
		case OPT_ALLOW_SETUID_DROP:
			o->allow_setuid_drop = true;
			break;
		case OPT_ELEMENT:
			opt_element(o, optarg);
			break;
		case OPT_ELEMENT_ARG:
			opt_element_arg(o, r, optarg);
			break;
		case OPT_PROFILE:
			cse_profile_load(o, optarg);
			break;
		case OPT_PRINT_PROFILE:
			o->print_profile = true;
			break;
		case OPT_DEVICE:
			cse_device_grant(o, optarg);
			break;
		}
	}
	o->prog_index = optind < argc ? optind : 0;
	cse_settings_finish(o);
}

void cse_print_help(void)
{
	printf("Usage: cse-run [OPTION]... [--] PROGRAM [ARG]...\n"
	       "\n"
	       "Run PROGRAM with its own private instances of critical system elements\n"
	       "(user-space replicas of kernel services, loaded into its address space).\n"
	       "PROGRAM is looked up in PATH like execvp(3) unless it contains a '/'. It\n"
	       "must be an x86-64 ELF executable (static, static-pie or dynamic) or a\n"
	       "'#!' script whose interpreter is one. cse-run creates the application's\n"
	       "instance (in cse.ko when /dev/cse exists) and execs cse-loader, which\n"
	       "starts PROGRAM in the same process: its exit status and death by\n"
	       "signal are PROGRAM's own, and ps, pgrep and /proc/PID show PROGRAM's\n"
	       "own name, arguments and environment.\n"
	       "\n"
	       "Options:\n");
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt_row *r = &opt_table[i];
		char head[64];
		const char *h = r->help;

		if (r->short_name)
			snprintf(head, sizeof(head), "-%c, --%s%s%s", r->short_name, r->name,
				 r->argname ? " " : "", r->argname ? r->argname : "");
		else
			snprintf(head, sizeof(head), "    --%s%s%s", r->name,
				 r->argname ? "=" : "", r->argname ? r->argname : "");
		printf("  %-26s", head);
		if (strlen(head) >= 26)	/* no room for a separating space */
			printf("\n  %-26s", "");
		while (*h) {
			const char *nl = strchr(h, '\n');
			size_t n = nl ? (size_t)(nl - h) : strlen(h);

			printf("%.*s\n", (int)n, h);
			h += n;
			if (*h == '\n') {
				h++;
				printf("  %-26s", "");
			}
		}
	}
	printf("\n"
	       "Exit status:\n"
	       "  PROGRAM's own status (128+N in a shell when it was killed by signal N), or\n"
	       "    2  bad usage: unknown option, unknown element, bad element arguments\n"
	       "  125  cse-run failed (instance or state could not be created)\n"
	       "  126  PROGRAM is not executable, not an x86-64 ELF, or setuid/setgid\n"
	       "  127  PROGRAM (or its interpreter, or cse-loader) was not found\n"
	       "\n"
	       "Examples:\n"
	       "  cse-run -- make -j2                  run make and everything it starts\n"
	       "  cse-run --trace=summary -- ls -l     print a system call count table\n"
	       "  cse-run -e trace=log=/tmp/t -- sh    log every system call to /tmp/t\n"
	       "\n"
	       "Files: <prefix>/lib/cse/cse-loader and <prefix>/lib/cse/cse-NAME.so, where\n"
	       "<prefix> is the parent of the directory holding cse-run.\n"
	       "See cse-run(1).\n");
}
