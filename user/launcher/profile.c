// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Element settings: from flags, -e NAME=ARGS and profiles (INI files,
 * parsed with libinih).
 *
 *   [uts]                 a section per element (loads it)
 *   hostname = web1       a key per element flag: the key its option
 *   uname = release=7.0   table names (--time-offset -> offset)
 *   [time]
 *   offset = +365d
 *   [trace]               an empty section just loads the element
 *   args = mode=summary   "args" is -e NAME=ARGS's text
 *
 * Flags without a value (--root-id) take "true" or "false". A key may be
 * given once per source unless its option is CSE_OPT_REPEAT (all kept, in
 * order); of an element's CSE_OPT_EXCLUSIVE keys one at most. The command
 * line beats the profile key for key (group for group). --print-profile
 * writes the effective settings in this same format, so its output loads
 * back to the same settings.
 *
 * Nothing here knows a particular element: keys and kinds come from the
 * elements' option tables (eltables.c); values are the elements' to check.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>
#include <cse/state.h>

#include "profile.h"

struct setting {
	char *element;
	const struct cse_option *opt;
	char *value;
	char *origin;		/* "--flag", "-e NAME: key" or "FILE:LINE: key" */
	bool profile;		/* from a profile (else the command line) */
	bool live;
};

static struct setting *settings;
static size_t nsettings;

/* Checks value against opt's kind; *out is what the element gets (NULL:
 * a false boolean, no setting). NULL, or why not. */
static const char *check_value(const struct cse_option *opt, const char *value, bool textual,
			       char **out, char *buf, size_t size)
{
	const char *p = value;
	char cwd[PATH_MAX];

	*out = NULL;
	if (opt->kind == CSE_OPT_BOOL) {
		if (!textual || !strcmp(value, "true"))
			*out = cse_xstrdup("1");
		else if (strcmp(value, "false"))
			return snprintf(buf, size, "want true or false, got '%s'", value), buf;
		return NULL;
	}
	if (!*value)
		return "needs a non-empty value";
	if (opt->kind == CSE_OPT_INT) {
		if (*p == '-' || *p == '+')
			p++;
		if (!*p || strspn(p, "0123456789") != strlen(p))
			return snprintf(buf, size, "bad %s '%s' (not a decimal integer)", opt->key,
					value), buf;
	}
	if (opt->kind == CSE_OPT_PATH && value[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return snprintf(buf, size, "cannot make '%s' absolute: %s", value,
					strerror(errno)), buf;
		*out = cse_xasprintf("%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", value);
		return NULL;
	}
	*out = cse_xstrdup(value);
	return NULL;
}

static void add(const char *element, const struct cse_option *opt, char *value, char *origin,
		bool profile)
{
	struct setting *s;

	if (!value) {	/* "= false" */
		free(origin);
		return;
	}
	settings = realloc(settings, (nsettings + 1) * sizeof(*settings));
	if (!settings)
		cse_die(CSE_EXIT_FAILURE, NULL, "out of memory");
	s = &settings[nsettings++];
	s->element = cse_xstrdup(element);
	s->opt = opt;
	s->value = value;
	s->origin = origin;
	s->profile = profile;
	s->live = true;
}

void cse_setting_flag(const char *element, const struct cse_option *opt, const char *value)
{
	char buf[512], *out;
	const char *why = check_value(opt, value, false, &out, buf, sizeof(buf));

	if (why)
		cse_die(CSE_EXIT_USAGE, NULL, "--%s: %s", opt->flag, why);
	add(element, opt, out, cse_xasprintf("--%s", opt->flag), false);
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

const char *cse_element_args(struct cse_opts *o, const char *element, const char *args,
			     const char *file, int line)
{
	static char buf[600];
	const struct cse_eltable *t;
	size_t first = nsettings;
	const char *why = bad_args_reason(args);
	char *copy, *item, *save = NULL;

	if (why)
		return why;
	if (!(t = cse_eltable(element))) {
		snprintf(buf, sizeof(buf), "no element '%s' (no %s/cse-%s.so)", element,
			 cse_libdir(), element);
		return buf;
	}
	copy = cse_xstrdup(args);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *out, vbuf[512];
		const struct cse_option *opt = NULL;

		if (eq) {
			*eq = '\0';
			opt = cse_element_key(t, item);
			*eq = '=';
		} else {
			for (size_t k = 0; k < t->nopts && !opt; k++)
				if (!strcmp(t->opts[k].flag, element))
					opt = &t->opts[k];
		}
		if (!opt) {
			size_t n = strlen(buf);

			snprintf(buf, sizeof(buf), "bad argument '%s' (keys of [%s]:", item, element);
			for (size_t k = 0; k < t->nopts; k++) {
				n = strlen(buf);
				snprintf(buf + n, sizeof(buf) - n, " %s=", t->opts[k].key);
			}
			n = strlen(buf);
			snprintf(buf + n, sizeof(buf) - n, "%s)", t->nopts ? "" : " none");
			why = buf;
			break;
		}
		why = check_value(opt, eq ? eq + 1 : item, true, &out, vbuf, sizeof(vbuf));
		if (why) {
			snprintf(buf, sizeof(buf), "%s: %s", opt->key, why);
			why = buf;
			break;
		}
		add(element, opt, out, file ? cse_xasprintf("%s:%d: %s", file, line, opt->key)
					    : cse_xasprintf("-e %s: %s", element, opt->key),
		    file != NULL);
	}
	free(copy);
	if (why) {
		while (nsettings > first) {
			nsettings--;
			free(settings[nsettings].element);
			free(settings[nsettings].value);
			free(settings[nsettings].origin);
		}
		return why;
	}
	cse_element_add(o, element);
	return NULL;
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
static bool load_element(struct load *l, const char *name)
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
	cse_element_add(l->o, name);
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
		load_element(l, name);
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
	const struct cse_eltable *t;
	const struct cse_option *opt;
	const char *why;
	char buf[512], *out;

	if (l->fatal)
		return 0;
	if (!*section)
		return fail_at(l, "key '%s' outside a [section]", key);
	if (!cse_valid_element_name(section))
		return 0;	/* reported by section_line */
	if (!load_element(l, section))
		return 0;
	if (!strcmp(key, "args")) {
		if ((why = cse_element_args(l->o, section, value, l->path, l->line)))
			return fail_at(l, "args: %s", why);
		return 1;
	}
	if (!(t = cse_eltable(section)))
		return fail_at(l, "unknown element [%s] (no %s/cse-%s.so)", section, cse_libdir(),
			       section);
	if (!(opt = cse_element_key(t, key)))
		return fail_at(l, "unknown key '%s' in [%s]", key, section);
	why = check_value(opt, value, true, &out, buf, sizeof(buf));
	if (why)
		return fail_at(l, "%s: %s", key, why);
	add(section, opt, out, cse_xasprintf("%s:%d: %s", l->path, l->line, key), true);
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

static bool same_slot(const struct setting *a, const struct setting *b)
{
	if (strcmp(a->element, b->element))
		return false;
	return a->opt == b->opt ||
	       ((a->opt->flags & CSE_OPT_EXCLUSIVE) && (b->opt->flags & CSE_OPT_EXCLUSIVE));
}

/* The settings in the order elements read them: the profile's, then the
 * command line's, each in the order given. */
static size_t *order(void)
{
	size_t *ix = cse_xmalloc((nsettings + 1) * sizeof(*ix)), n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nsettings; i++)
			if (settings[i].profile == !pass)
				ix[n++] = i;
	return ix;
}

static void resolve(void)
{
	size_t *ix = order();

	for (size_t a = 0; a < nsettings; a++) {
		struct setting *si = &settings[ix[a]];

		if (si->opt->flags & CSE_OPT_REPEAT)
			continue;
		for (size_t b = 0; b < a; b++) {
			struct setting *sj = &settings[ix[b]];

			if (!sj->live || !same_slot(si, sj))
				continue;
			if (sj->profile != si->profile)
				sj->live = false;
			else if (sj->opt == si->opt)
				cse_die(CSE_EXIT_USAGE, NULL, "%s: given twice, takes one value (also %s)",
					si->origin, sj->origin);
			else
				cse_die(CSE_EXIT_USAGE, NULL, "%s and %s exclude each other",
					sj->origin, si->origin);
		}
	}
	free(ix);
}

/* "KEY = VALUE", but "KEY =;VALUE": inih takes " ;" for a comment. */
static void print_key(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s =%s%s\n", key, *value == ';' ? "" : " ", value);
}

void cse_settings_print(const struct cse_opts *o, FILE *f)
{
	size_t *ix = order();

	for (size_t e = 0; e < o->n_elements; e++) {
		fprintf(f, "%s[%s]\n", e ? "\n" : "", o->elements[e].name);
		for (size_t a = 0; a < nsettings; a++) {
			const struct setting *s = &settings[ix[a]];

			if (s->live && !strcmp(s->element, o->elements[e].name))
				print_key(f, s->opt->key,
					  s->opt->kind == CSE_OPT_BOOL ? "true" : s->value);
		}
	}
	free(ix);
}

size_t cse_settings_records(char *buf, size_t size, uint32_t *nrecords)
{
	size_t *ix = order(), at = 0;

	*nrecords = 0;
	for (size_t a = 0; a < nsettings; a++) {
		const struct setting *s = &settings[ix[a]];
		const char *f[4] = { s->element, s->opt->key, s->value, s->origin };

		if (!s->live)
			continue;
		if (*nrecords == CSE_STATE_SETTINGS_MAX)
			cse_die(CSE_EXIT_USAGE, NULL, "too many element settings (at most %d)",
				CSE_STATE_SETTINGS_MAX);
		for (int k = 0; k < 4; k++) {
			size_t n = strlen(f[k]) + 1;

			if (n > size - at)
				cse_die(CSE_EXIT_USAGE, "shorten the values",
					"the element settings are longer than %zu bytes", size);
			memcpy(buf + at, f[k], n);
			at += n;
		}
		++*nrecords;
	}
	free(ix);
	return at;
}

void cse_settings_finish(struct cse_opts *o)
{
	resolve();
	if (o->print_profile) {
		cse_settings_print(o, stdout);
		fflush(stdout);
		exit(ferror(stdout) ? CSE_EXIT_FAILURE : 0);
	}
}

void cse_settings_clear(void)
{
	for (size_t i = 0; i < nsettings; i++) {
		free(settings[i].element);
		free(settings[i].value);
		free(settings[i].origin);
	}
	free(settings);
	settings = NULL;
	nsettings = 0;
}
