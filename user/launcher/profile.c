// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Profiles: element settings in an INI file (parsed with libinih).
 *
 *   [uts]                 a section per element (loads it)
 *   hostname = web1       a key per element flag: the flag's name without
 *   uname = release=7.0   the "ELEMENT-" prefix (--time-offset -> offset)
 *   [time]
 *   offset = +365d
 *   [trace]               an empty section just loads the element
 *   args = summary        "args" is raw element arguments, as -e NAME=ARGS
 *
 * Flags without a value (--root-id) take "true" or "false". A key may be
 * repeated; for a single-valued key the last one counts. Flags on the
 * command line override the profile key for key; --uname overrides field
 * by field, and --time-offset/--time-at/--time-freeze override each other
 * as one setting (the wall clock's base). --print-profile writes the
 * effective settings in this same format, so its output loads back.
 *
 * The code knows nothing about particular elements beyond the value kinds
 * below: keys come from the option table (options.c), so a new element
 * flag is a new profile key without any change here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "profile.h"
#include "time_parse.h"

#define UTS_NAME_MAX 64		/* the kernel's __NEW_UTS_LEN */

enum kind { K_PLAIN, K_UTSNAME, K_UNAME, K_DURATION, K_DATE, K_SCALE };

/* Flags whose values need checking or converting; others pass verbatim. */
static const struct {
	const char *flag;
	enum kind kind;
	const char *group;	/* flags that override each other as one setting */
} kinds[] = {
	{ "hostname", K_UTSNAME, NULL },
	{ "domainname", K_UTSNAME, NULL },
	{ "uname", K_UNAME, NULL },
	{ "time-offset", K_DURATION, "time-base" },
	{ "time-at", K_DATE, "time-base" },
	{ "time-freeze", K_DATE, "time-base" },
	{ "time-scale", K_SCALE, NULL },
};

struct setting {
	struct cse_flag f;
	char *value;		/* NULL for a flag without a value */
	const char *file;	/* NULL: the command line */
	int line;
};

static struct setting *settings;
static size_t nsettings;

static enum kind kind_of(const char *flag, const char **group)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(kinds[i].flag, flag)) {
			if (group)
				*group = kinds[i].group;
			return kinds[i].kind;
		}
	}
	if (group)
		*group = NULL;
	return K_PLAIN;
}

const char *cse_setting_value_error(const char *flag, const char *value, char *buf, size_t size)
{
	static const char *const uname_fields[] = { "sysname", "release", "version", "machine" };
	const char *why = NULL, *eq;
	int64_t v;
	bool ok = false;

	switch (kind_of(flag, NULL)) {
	case K_PLAIN:
		return NULL;
	case K_UTSNAME:
		if (strlen(value) > UTS_NAME_MAX)
			why = "longer than 64 bytes";
		break;
	case K_UNAME:
		eq = strchr(value, '=');
		for (size_t i = 0; eq && i < 4; i++)
			ok = ok || ((size_t)(eq - value) == strlen(uname_fields[i]) &&
				    !strncmp(value, uname_fields[i], (size_t)(eq - value)));
		if (!ok)
			why = "want FIELD=VALUE, FIELD one of sysname, release, version, machine";
		else if (strlen(eq + 1) > UTS_NAME_MAX)
			why = "VALUE longer than 64 bytes";
		break;
	case K_DURATION:
		if (cse_parse_duration(value, &v, &why))
			break;
		return NULL;
	case K_DATE:
		if (cse_parse_date(value, &v, &why))
			break;
		return NULL;
	case K_SCALE:
		if (cse_parse_scale(value, &v, &why))
			break;
		return NULL;
	}
	if (!why)
		return NULL;
	snprintf(buf, size, "bad value '%s': %s", value, why);
	return buf;
}

/* The profile key of a flag: its name without "ELEMENT-". */
static const char *flag_key(const struct cse_flag *f)
{
	size_t n = strlen(f->element);

	if (!strncmp(f->name, f->element, n) && f->name[n] == '-')
		return f->name + n + 1;
	return f->name;
}

static void add(const struct cse_flag *f, const char *value, const char *file, int line)
{
	struct setting *s;

	settings = realloc(settings, (nsettings + 1) * sizeof(*settings));
	if (!settings)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	s = &settings[nsettings++];
	s->f = *f;
	s->value = value ? cse_xstrdup(value) : NULL;
	s->file = file;
	s->line = line;
}

void cse_setting_add(const struct cse_flag *f, const char *value)
{
	char buf[512];
	const char *why = value ? cse_setting_value_error(f->name, value, buf, sizeof(buf)) : NULL;

	if (why)
		cse_die(CSE_EXIT_USAGE, NULL, "--%s: %s", f->name, why);
	add(f, value, NULL, 0);
}

/* ---- loading ---- */

struct load {
	struct cse_opts *o;
	FILE *f;
	const char *path;
	int line;		/* of the line inih is looking at */
	int err_line;		/* first error we reported, 0 when none */
	char err[512];
};

static int fail_at(struct load *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail_at(struct load *l, const char *fmt, ...)
{
	va_list ap;

	if (!l->err_line) {
		l->err_line = l->line;
		va_start(ap, fmt);
		vsnprintf(l->err, sizeof(l->err), fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* Loads the element of a "[name]" line, so an empty section counts too. */
static void section_line(struct load *l, const char *s)
{
	const char *end;
	char *name;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[' || !(end = strchr(s, ']')))
		return;	/* not a section header; inih reports malformed ones */
	name = strndup(s + 1, (size_t)(end - s - 1));
	if (!name)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	if (!cse_valid_element_name(name))
		fail_at(l, "bad section [%s]: sections are element names (a-z, 0-9, '_', '-')", name);
	else
		cse_element_add(l->o, name, NULL);
	free(name);
}

static char *reader(char *str, int num, void *stream)
{
	struct load *l = stream;
	char *r = fgets(str, num, l->f);

	if (r) {
		l->line++;
		section_line(l, r);
	}
	return r;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct load *l = user;
	struct cse_flag f;
	const char *why;
	char buf[512];

	if (!*section)
		return fail_at(l, "key '%s' outside a [section]", key);
	if (!cse_valid_element_name(section))
		return 0;	/* reported by section_line */
	if (!strcmp(key, "args")) {
		if ((why = cse_element_args_error(value)))
			return fail_at(l, "args: %s", why);
		cse_element_add(l->o, section, value);
		return 1;
	}
	if (!cse_element_flag(section, key, &f))
		return fail_at(l, "unknown key '%s' in [%s]", key, section);
	if (!f.has_arg) {
		if (!strcmp(value, "true"))
			add(&f, NULL, l->path, l->line);
		else if (strcmp(value, "false"))
			return fail_at(l, "%s: want true or false, got '%s'", key, value);
		return 1;
	}
	why = cse_element_flag_error(&f, value, buf, sizeof(buf));
	if (!why)
		why = cse_setting_value_error(f.name, value, buf, sizeof(buf));
	if (why)
		return fail_at(l, "%s: %s", key, why);
	add(&f, value, l->path, l->line);
	return 1;
}

void cse_profile_load(struct cse_opts *o, const char *path)
{
	struct load l = { .o = o, .path = path };
	int r;

	l.f = fopen(path, "r");
	if (!l.f)
		cse_die(CSE_EXIT_USAGE, NULL, "--profile %s: %s", path, strerror(errno));
	r = ini_parse_stream(reader, &l, handler, &l);
	fclose(l.f);
	if (r < 0)
		cse_die(CSE_EXIT_FAILURE, NULL, "%s: cannot parse (out of memory?)", path);
	if (l.err_line && (r == 0 || l.err_line <= r))
		cse_die(CSE_EXIT_USAGE, NULL, "%s:%d: %s", path, l.err_line, l.err);
	if (r > 0)
		cse_die(CSE_EXIT_USAGE, "lines are [ELEMENT], KEY = VALUE, or ; comments",
			"%s:%d: syntax error or line too long", path, r);
}

/* ---- resolving ---- */

/* Settings with equal keys override each other. */
static void override_key(const struct setting *s, char *buf, size_t size)
{
	const char *group, *eq;

	if (kind_of(s->f.name, &group) == K_UNAME && (eq = strchr(s->value, '=')))
		snprintf(buf, size, "uname.%.*s", (int)(eq - s->value), s->value);
	else
		snprintf(buf, size, "%s", group ? group : s->f.name);
}

static const char *where(const struct setting *s, char *buf, size_t size)
{
	if (s->file)
		snprintf(buf, size, "%s:%d: %s", s->file, s->line, flag_key(&s->f));
	else
		snprintf(buf, size, "--%s", s->f.name);
	return buf;
}

/* Marks live[i] for the settings that count; dies on conflicts. */
static void resolve(bool *live)
{
	char ki[128], kj[128], wi[600], wj[600];
	const char *group;

	for (size_t i = 0; i < nsettings; i++) {
		live[i] = true;
		override_key(&settings[i], ki, sizeof(ki));
		for (size_t j = 0; j < nsettings; j++) {
			bool ri = !settings[i].file, rj = !settings[j].file;

			if (j == i)
				continue;
			override_key(&settings[j], kj, sizeof(kj));
			if (strcmp(ki, kj))
				continue;
			kind_of(settings[i].f.name, &group);
			if (group && ri == rj && strcmp(settings[i].f.name, settings[j].f.name))
				cse_die(CSE_EXIT_USAGE, NULL, "%s and %s exclude each other",
					where(&settings[j < i ? j : i], wi, sizeof(wi)),
					where(&settings[j < i ? i : j], wj, sizeof(wj)));
			if (rj > ri || (rj == ri && j > i))
				live[i] = false;
		}
	}
	for (size_t i = 0; i < nsettings; i++)
		for (size_t j = 0; j < nsettings; j++)
			if (live[i] && live[j] && !strcmp(settings[i].f.name, "time-freeze") &&
			    !strcmp(settings[j].f.name, "time-scale"))
				cse_die(CSE_EXIT_USAGE, "a frozen clock has no speed",
					"%s and %s exclude each other",
					where(&settings[i], wi, sizeof(wi)),
					where(&settings[j], wj, sizeof(wj)));
}

/* The element argument for a setting: prefix + value, numbers for time. */
static char *element_arg(const struct setting *s)
{
	const char *why;
	int64_t v;

	if (!s->value)
		return cse_xstrdup(s->f.prefix);
	switch (kind_of(s->f.name, NULL)) {
	case K_DURATION:
		if (cse_parse_duration(s->value, &v, &why))
			break;
		return cse_xasprintf("%s%" PRId64, s->f.prefix, v);
	case K_DATE:
		if (cse_parse_date(s->value, &v, &why))
			break;
		return cse_xasprintf("%s%" PRId64, s->f.prefix, v);
	case K_SCALE:
		if (cse_parse_scale(s->value, &v, &why))
			break;
		return cse_xasprintf("%s%" PRId64, s->f.prefix, v);
	default:
		return cse_xasprintf("%s%s", s->f.prefix, s->value);
	}
	cse_die(CSE_EXIT_USAGE, NULL, "--%s: %s", s->f.name, why);	/* checked on entry */
}

static void print_profile(const struct cse_opts *o, const bool *live)
{
	for (size_t e = 0; e < o->n_elements; e++) {
		printf("%s[%s]\n", e ? "\n" : "", o->elements[e].name);
		if (o->elements[e].args)
			printf("args = %s\n", o->elements[e].args);
		for (size_t i = 0; i < nsettings; i++)
			if (live[i] && !strcmp(settings[i].f.element, o->elements[e].name))
				printf("%s = %s\n", flag_key(&settings[i].f),
				       settings[i].value ? settings[i].value : "true");
	}
	fflush(stdout);
}

void cse_settings_finish(struct cse_opts *o)
{
	bool *live = calloc(nsettings + 1, sizeof(*live));

	if (!live)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	resolve(live);
	if (o->print_profile) {
		print_profile(o, live);
		free(live);
		exit(ferror(stdout) ? CSE_EXIT_FAILURE : 0);
	}
	for (size_t i = 0; i < nsettings; i++) {
		if (live[i]) {
			char *arg = element_arg(&settings[i]);

			cse_element_add(o, settings[i].f.element, arg);
			free(arg);
		}
		free(settings[i].value);
	}
	free(settings);
	settings = NULL;
	nsettings = 0;
	free(live);
}
