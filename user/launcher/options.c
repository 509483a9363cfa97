// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cse-run's command line. cse-run's own options are the table below; an
 * element's flags are that element's option table (eltables.c), so a new
 * element flag is a row in the element's file and nothing here. Giving
 * any flag of an element loads it; its value becomes one setting
 * (profile.c), which reaches the element through the instance state.
 *
 * Parsing stops at "--" or at the first word that is not an option
 * (PROGRAM). Long options take "--flag VALUE" or "--flag=VALUE"; short
 * ones may be clustered ("-ve trace").
 */
#define _GNU_SOURCE
#include <ctype.h>
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
	OPT_NO_SITE_CACHE,
	OPT_ALLOW_SETUID_DROP,
	OPT_ELEMENT,		/* -e NAME[=KEY=VALUE,...] */
	OPT_PROFILE,		/* --profile FILE: element settings (profile.c) */
	OPT_PRINT_PROFILE,
	OPT_DEVICE,		/* --device PATH[:r|w|rw] (devices.c) */
};

struct opt_row {
	const char *name;	/* long name */
	int short_name;		/* 0 when none */
	bool has_arg;
	const char *argname;	/* for --help */
	enum opt_action action;
	const char *help;
};

static const struct opt_row opt_table[] = {
	{ "element", 'e', true, "NAME[=ARGS]", OPT_ELEMENT,
	  "Load element NAME (lib/cse/cse-NAME.so).\n"
	  "ARGS: KEY=VALUE[,KEY=VALUE...] with the keys\n"
	  "of its profile section (no ',' in values:\n"
	  "use its flags for those); a lone VALUE sets\n"
	  "the flag named NAME (-e trace=summary)." },
	{ "profile", 0, true, "FILE", OPT_PROFILE,
	  "Load elements and their settings from the\n"
	  "INI file FILE; flags override it." },
	{ "print-profile", 0, false, NULL, OPT_PRINT_PROFILE,
	  "Print the effective profile and exit." },
	{ "device", 0, true, "PATH[:MODE]", OPT_DEVICE,
	  "Grant the device node PATH with MODE r, w or\n"
	  "rw (default rw) through cse.ko; every other\n"
	  "device open fails with EACCES. Repeatable.\n"
	  "Needs the module and CAP_SYS_ADMIN." },
	{ "name", 0, true, "NAME", OPT_NAME,
	  "Name of the instance in cse.ko (default:\n"
	  "PROGRAM's basename, '-' and cse-run's pid)." },
	{ "no-kmod", 0, false, NULL, OPT_NO_KMOD,
	  "Do not create an instance in cse.ko even if\n"
	  "/dev/cse exists." },
	{ "no-rewrite", 0, false, NULL, OPT_NO_REWRITE,
	  "Never rewrite system call sites: every call\n"
	  "traps through Syscall User Dispatch (slower;\n"
	  "for debugging and comparison)." },
	{ "no-site-cache", 0, false, NULL, OPT_NO_SITE_CACHE,
	  "Neither read nor write the per-user cache of\n"
	  "learned system call sites (see cse-run(1)):\n"
	  "a new instance traps at each site once." },
	{ "allow-setuid-drop", 0, false, NULL, OPT_ALLOW_SETUID_DROP,
	  "Run a setuid/setgid PROGRAM without its\n"
	  "privilege instead of refusing it." },
	{ "verbose", 'v', false, NULL, OPT_VERBOSE,
	  "Say what cse-run finds and does, on stderr.\n"
	  "With --version, also probe the loader and the\n"
	  "kernel module." },
	{ "version", 'V', false, NULL, OPT_VERSION, "Print the version and exit." },
	{ "help", 'h', false, NULL, OPT_HELP, "Print this help and exit." },
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

bool cse_valid_element_name(const char *name)
{
	return valid_element_name(name, strlen(name));
}

void cse_element_add(struct cse_opts *o, const char *name)
{
	for (size_t i = 0; i < o->n_elements; i++)
		if (!strcmp(o->elements[i].name, name))
			return;
	if (o->n_elements == CSE_RUN_ELEMENTS_MAX)
		cse_die(CSE_EXIT_USAGE, NULL, "too many elements (at most %d)", CSE_RUN_ELEMENTS_MAX);
	o->elements[o->n_elements++].name = cse_xstrdup(name);
}

_Noreturn void cse_unknown_element(const char *name)
{
	size_t n;
	const struct cse_eltable *t = cse_eltables(&n);

	cse_err("unknown element '%s' (no %s/cse-%s.so)", name, cse_libdir(), name);
	fputs("hint: available elements:", stderr);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %s", t[i].name);
	fputs(n ? "\n" : " none\n", stderr);
	exit(CSE_EXIT_USAGE);
}

static void opt_element(struct cse_opts *o, const char *spec)
{
	const char *eq = strchr(spec, '=');
	size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
	const char *why;
	char *name;

	if (!valid_element_name(spec, n)) {
		cse_err("bad element name in '-e %s'", spec);
		cse_hint("element names are 1-15 characters of a-z, 0-9, '_' and '-', e.g. -e trace");
		exit(CSE_EXIT_USAGE);
	}
	name = strndup(spec, n);
	if (!name)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	if (eq && (why = cse_element_args(o, name, eq + 1, NULL, 0))) {
		cse_err("bad element arguments in '-e %s': %s", spec, why);
		cse_hint("write -e NAME or -e NAME=KEY=VALUE[,KEY=VALUE...]");
		exit(CSE_EXIT_USAGE);
	}
	cse_element_add(o, name);
	free(name);
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

static void apply(struct cse_opts *o, const struct opt_row *r, const char *val)
{
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
		check_name(val);
		o->name = val;
		break;
	case OPT_NO_KMOD:
		o->no_kmod = true;
		break;
	case OPT_NO_REWRITE:
		o->no_rewrite = true;
		break;
	case OPT_NO_SITE_CACHE:
		o->no_site_cache = true;
		break;
	case OPT_ALLOW_SETUID_DROP:
		o->allow_setuid_drop = true;
		break;
	case OPT_ELEMENT:
		opt_element(o, val);
		break;
	case OPT_PROFILE:
		cse_profile_load(o, val);
		break;
	case OPT_PRINT_PROFILE:
		o->print_profile = true;
		break;
	case OPT_DEVICE:
		cse_device_grant(o, val);
		break;
	}
}

/* --NAME[=VALUE] at argv[*i]: a row of ours or an element's flag. */
static void long_option(struct cse_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '='), *val = eq ? eq + 1 : NULL;
	const struct cse_option *eo;
	const char *element;
	char *name = strndup(a, eq ? (size_t)(eq - a) : strlen(a));

	if (!name)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	for (size_t k = 0; k < N_OPTS; k++) {
		const struct opt_row *r = &opt_table[k];

		if (strcmp(r->name, name))
			continue;
		if (!r->has_arg && val)
			usage_error("option '--%s' takes no value", name);
		if (r->has_arg && !val) {
			if (*i + 1 >= argc)
				usage_error("option '--%s' needs an argument", name);
			val = argv[++*i];
		}
		free(name);
		apply(o, r, val);
		return;
	}
	eo = cse_element_option(name, &element);
	if (!eo) {
		cse_err("unknown option '--%s'", name);
		cse_hint("see 'cse-run --help'; put '--' before PROGRAM");
		exit(CSE_EXIT_USAGE);
	}
	if (eo->kind == CSE_OPT_BOOL && val)
		usage_error("option '--%s' takes no value", name);
	if (eo->kind != CSE_OPT_BOOL && !val) {
		if (*i + 1 >= argc)
			usage_error("option '--%s' needs an argument", name);
		val = argv[++*i];
	}
	cse_element_add(o, element);	/* keeps the order */
	cse_setting_flag(element, eo, val);
	free(name);
}

/* -abc at argv[*i]; a short option taking a value takes the rest or the next word. */
static void short_options(struct cse_opts *o, int argc, char **argv, int *i)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const struct opt_row *r = NULL;
		char opt[3] = { '-', *p, 0 };

		for (size_t k = 0; k < N_OPTS; k++)
			if (opt_table[k].short_name == *p)
				r = &opt_table[k];
		if (!r) {
			cse_err("unknown option '%s'", opt);
			cse_hint("see 'cse-run --help'; put '--' before PROGRAM");
			exit(CSE_EXIT_USAGE);
		}
		if (!r->has_arg) {
			apply(o, r, NULL);
			continue;
		}
		if (p[1]) {
			apply(o, r, p + 1);
		} else {
			if (*i + 1 >= argc)
				usage_error("option '%s' needs an argument", opt);
			apply(o, r, argv[++*i]);
		}
		return;
	}
}

void cse_parse_options(int argc, char **argv, struct cse_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;	/* PROGRAM */
		if (a[1] == '-')
			long_option(o, argc, argv, &i);
		else
			short_options(o, argc, argv, &i);
	}
	o->prog_index = i < argc ? i : 0;
	cse_settings_finish(o);
}

/* "  --flag=ARG    help" with the help's lines under each other. */
static void help_row(int short_name, const char *name, const char *argname, const char *h)
{
	char head[64];

	if (short_name)
		snprintf(head, sizeof(head), "-%c, --%s%s%s", short_name, name,
			 argname ? " " : "", argname ? argname : "");
	else
		snprintf(head, sizeof(head), "    --%s%s%s", name, argname ? "=" : "",
			 argname ? argname : "");
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

void cse_print_help(void)
{
	size_t n;
	const struct cse_eltable *t = cse_eltables(&n);

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
	for (size_t i = 0; i < N_OPTS; i++)
		help_row(opt_table[i].short_name, opt_table[i].name, opt_table[i].argname,
			 opt_table[i].help);
	for (size_t i = 0; i < n; i++) {
		printf("\nElement %s: %s\n", t[i].name, t[i].description ? t[i].description : "");
		if (t[i].nopts)
			printf("  (profile section [%s], keys:", t[i].name);
		for (size_t k = 0; k < t[i].nopts; k++)
			printf(" %s", t[i].opts[k].key);
		if (t[i].nopts)
			printf(")\n");
		for (size_t k = 0; k < t[i].nopts; k++) {
			const struct cse_option *op = &t[i].opts[k];
			char *h = cse_xasprintf("%s%s", op->help,
						(op->flags & CSE_OPT_REPEAT) ? "\nRepeatable." : "");

			help_row(0, op->flag, op->arg_name, h);
			free(h);
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
