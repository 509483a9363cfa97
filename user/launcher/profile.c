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
#include <ctype.h>
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
	char *fatal;		/* an error that stops reading at once */
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

/*
 * cse_element_add(), except that one element too many stops the parse with
 * the message cse_element_add() would die with, instead of exiting.
 */
static bool load_element(struct load *l, const char *name, const char *args)
{
	bool known = false;

	for (size_t i = 0; i < l->o->n_elements; i++)
		known = known || !strcmp(l->o->elements[i].name, name);
	if (!known && l->o->n_elements == CSE_RUN_ELEMENTS_MAX) {
		if (!l->fatal)
			l->fatal = cse_xasprintf("too many elements (at most %d)",
						 CSE_RUN_ELEMENTS_MAX);
		return false;
	}
	cse_element_add(l->o, name, args);
	return true;
}

/* Loads the element of a "[name]" line, so an empty section counts too. */
static void section_line(struct load *l, const char *s)
{
	const char *end;
	char *name;

	/* Where inih looks: past a UTF-8 BOM on line 1, then any blank. */
	if (l->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '[' || !(end = strchr(s, ']')))
		return;	/* not a section header; inih reports malformed ones */
	name = strndup(s + 1, (size_t)(end - s - 1));
	if (!name)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	if (!cse_valid_element_name(name))
		fail_at(l, "bad section [%s]: sections are element names (a-z, 0-9, '_', '-')", name);
	else
		load_element(l, name, NULL);
	free(name);
}

/*
 * One physical line per call, as fgets() would read it, except that a line
 * too long for inih's buffer (INI_MAX_LINE) is read to its end and handed
 * over as a line inih rejects ("syntax error or line too long"): read in
 * pieces, the tail of a long comment or value would count as a line of
 * its own, "[section]" or "key = value" included, and line numbers drift.
 */
static char *reader(char *str, int num, void *stream)
{
	struct load *l = stream;
	int c = EOF, n = 0;

	if (l->fatal || num < 2)
		return NULL;
	while (n < num - 1 && (c = getc(l->f)) != EOF) {
		str[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (!n)
		return NULL;
	str[n] = '\0';
	if (c != '\n' && n == num - 1 && (c = getc(l->f)) != '\n' && c != EOF) {
		while ((c = getc(l->f)) != '\n' && c != EOF)
			;
		snprintf(str, (size_t)num, "line too long");
	}
	l->line++;
	section_line(l, str);
	return str;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct load *l = user;
	struct cse_flag f;
	const char *why;
	char buf[512];

	if (l->fatal)
		return 0;
	if (!*section)
		return fail_at(l, "key '%s' outside a [section]", key);
	if (!cse_valid_element_name(section))
		return 0;	/* reported by section_line */
	if (!strcmp(key, "args")) {
		if ((why = cse_element_args_error(value)))
			return fail_at(l, "args: %s", why);
		return load_element(l, section, value);
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

int cse_profile_parse(struct cse_opts *o, FILE *f, const char *path,
		      struct cse_profile_error *err)
{
	struct load l = { .o = o, .f = f, .path = path };
	int r;

	memset(err, 0, sizeof(*err));
	r = ini_parse_stream(reader, &l, handler, &l);
	if (l.fatal) {
		err->status = CSE_EXIT_USAGE;
		err->msg = l.fatal;
	} else if (r < 0) {
		err->status = CSE_EXIT_FAILURE;
		err->msg = cse_xasprintf("%s: cannot parse (out of memory?)", path);
	} else if (l.err_line && (r == 0 || l.err_line <= r)) {
		err->status = CSE_EXIT_USAGE;
		err->msg = cse_xasprintf("%s:%d: %s", path, l.err_line, l.err);
	} else if (r > 0) {
		err->status = CSE_EXIT_USAGE;
		err->hint = "lines are [ELEMENT], KEY = VALUE, or ; comments";
		err->msg = cse_xasprintf("%s:%d: syntax error or line too long", path, r);
	} else {
		return 0;
	}
	return -1;
}

void cse_profile_load(struct cse_opts *o, const char *path)
{
	struct cse_profile_error err;
	FILE *f = fopen(path, "r");
	int r;

	if (!f)
		cse_die(CSE_EXIT_USAGE, NULL, "--profile %s: %s", path, strerror(errno));
	r = cse_profile_parse(o, f, path, &err);
	fclose(f);
	if (r)
		cse_die(err.status, err.hint, "%s", err.msg);
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

/* "KEY = VALUE", but "KEY =;VALUE": inih takes " ;" for a comment. */
static void print_key(const char *key, const char *value)
{
	printf("%s =%s%s\n", key, *value == ';' ? "" : " ", value);
}

static void print_profile(const struct cse_opts *o, const bool *live)
{
	for (size_t e = 0; e < o->n_elements; e++) {
		printf("%s[%s]\n", e ? "\n" : "", o->elements[e].name);
		if (o->elements[e].args)
			print_key("args", o->elements[e].args);
		for (size_t i = 0; i < nsettings; i++)
			if (live[i] && !strcmp(settings[i].f.element, o->elements[e].name))
				print_key(flag_key(&settings[i].f),
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
	}
	cse_settings_clear();
	free(live);
}

void cse_settings_clear(void)
{
	for (size_t i = 0; i < nsettings; i++)
		free(settings[i].value);
	free(settings);
	settings = NULL;
	nsettings = 0;
}
