// SPDX-License-Identifier: GPL-2.0
/*
 * Loading one element: <loader dir>/cse-NAME.so is mapped privately,
 * relocated, checked against the ABI, given its region of the instance
 * state and its settings, set up and appended to the chain. Any failure
 * is fatal before the program starts (one line; exit 2 for a bad name or
 * a bad setting, as cse-run reports usage errors, else 127).
 *
 * Settings come from the instance state's settings area, written by
 * cse-run (include/cse/state.h), so every process of the application,
 * exec re-entry included, sees the same ones. A loader started by hand
 * also takes "-e NAME=KEY=VALUE,..." (a value there cannot hold ',').
 */
#include <cse/element.h>
#include <cse/state.h>
#include "../runtime/runtime.h"
#include "elf_map.h"
#include "loader.h"

#define HAND_MAX 64

/* Kept for the process's life: elements may keep pointers into them. */
static struct cse_setting pool[CSE_STATE_SETTINGS_MAX + HAND_MAX] RT_LARGE;
static uint32_t npool;
static char hand_text[4096] RT_LARGE;
static size_t hand_used;

/* The records of the state's settings area for element name. */
static void state_settings(const char *name)
{
	const struct cse_state_header *h = cse_state;
	const char *p = (const char *)h + CSE_STATE_SETTINGS_START;
	const char *end = p + h->settings_len;
	const char *f[4];

	if (h->settings_len > CSE_STATE_SETTINGS_SIZE || h->nsettings > CSE_STATE_SETTINGS_MAX ||
	    (h->settings_len && end[-1]))
		rt_die("instance state: bad settings area");
	for (uint32_t i = 0; i < h->nsettings; i++) {
		for (int k = 0; k < 4; k++) {
			if (p >= end)
				rt_die("instance state: settings area too short");
			f[k] = p;
			p += strlen(p) + 1;
		}
		if (rt_strcmp(f[0], name))
			continue;
		pool[npool++] = (struct cse_setting){ .key = f[1], .value = f[2], .origin = f[3] };
	}
}

static char *hand_copy(const char *s, size_t n)
{
	char *d = hand_text + hand_used;

	if (hand_used + n + 1 > sizeof(hand_text))
		rt_die_status(RT_EXIT_USAGE, "element arguments too long");
	memcpy(d, s, n);
	d[n] = 0;
	hand_used += n + 1;
	return d;
}

/* "KEY=VALUE,..." from -e; an item without '=' is the value of the
 * option named like the element (-e trace=summary is --trace summary). */
static void hand_settings(const struct cse_element *e, const char *name, const char *a)
{
	const char *origin = hand_copy(name, strlen(name));

	while (*a) {
		const char *end = a, *eq = NULL, *key = NULL;

		while (*end && *end != ',') {
			if (*end == '=' && !eq)
				eq = end;
			end++;
		}
		if (npool == sizeof(pool) / sizeof(pool[0]))
			rt_die_status(RT_EXIT_USAGE, "element '%s': too many arguments", name);
		for (const struct cse_option *o = e->options; o && o->flag && !key; o++)
			if (eq ? (size_t)(eq - a) == strlen(o->key) && !rt_strncmp(a, o->key, strlen(o->key))
			       : !rt_strcmp(o->flag, name))
				key = o->key;
		if (!key)
			rt_die_status(RT_EXIT_USAGE, "element '%s': bad argument '%s'", name,
				      hand_copy(a, (size_t)(end - a)));
		pool[npool++] = (struct cse_setting){
			.key = key,
			.value = eq ? hand_copy(eq + 1, (size_t)(end - eq - 1)) : hand_copy(a, (size_t)(end - a)),
			.origin = origin,
		};
		a = *end ? end + 1 : end;
	}
}

/* A setup error about a setting starts with its origin: said in cse-run's
 * name when cse-run wrote the setting (the first nstate ones). */
static _Noreturn void setup_failed(const char *name, const struct cse_setup *s,
				   uint32_t nstate, const char *err)
{
	char line[600];
	size_t n;

	for (uint32_t i = 0; err[0] && i < nstate; i++) {
		const char *o = s->settings[i].origin;

		if (o[0] && !rt_strncmp(err, o, strlen(o))) {
			n = (size_t)rt_format(line, sizeof(line) - 1, "cse-run: %s", err);
			if (n > sizeof(line) - 2)
				n = sizeof(line) - 2;
			line[n++] = '\n';
			rt_write_all(2, line, n);
			rt_exit(RT_EXIT_USAGE);
		}
	}
	rt_die_status(RT_EXIT_USAGE, "element '%s': %s", name, err[0] ? err : "setup failed");
}

void element_load(const char *dir, const char *spec)
{
	char name[64], path[4096], err[256];
	const char *eq = spec, *why = "", *undef = "";
	const struct cse_element *e;
	struct elf_image img;
	struct cse_setup s;
	uint32_t first, nstate;
	size_t nlen;
	void *sym;
	int r;

	while (*eq && *eq != '=')
		eq++;
	nlen = (size_t)(eq - spec);
	if (!nlen || nlen >= sizeof(name))
		rt_die_status(RT_EXIT_USAGE, "bad element name '%s'", spec);
	memcpy(name, spec, nlen);
	name[nlen] = 0;
	for (size_t i = 0; i < nlen; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_' || name[i] == '-'))
			rt_die_status(RT_EXIT_USAGE, "bad element name '%s'", name);
	rt_format(path, sizeof(path), "%s/cse-%s.so", dir, name);
	if (rt_sys2(__NR_access, path, 4 /* R_OK */) != 0)
		rt_die_status(RT_EXIT_USAGE, "unknown element '%s' (no %s)", name, path);
	r = elf_map_file(path, &img, &why);
	if (r)
		rt_die("element '%s': %s: %s (%d)", name, path, why, -r);
	r = elf_relocate_element(&img, CSE_ELEMENT_SYMBOL_NAME, &sym, &why, &undef);
	if (r)
		rt_die("element '%s': %s %s", name, why, undef);
	e = sym;
	if (e->abi != CSE_ELEMENT_ABI)
		rt_die("element '%s': ABI %u, this loader speaks %u", name, e->abi,
		       CSE_ELEMENT_ABI);
	if (!e->name || rt_strcmp(e->name, name) || !e->handle)
		rt_die("element '%s': descriptor names '%s' or lacks a handler",
		       name, e->name ? e->name : "");

	first = npool;
	state_settings(name);
	nstate = npool - first;
	if (*eq)
		hand_settings(e, name, eq + 1);

	memset(&s, 0, sizeof(s));
	s.svc = &cse_svc;
	s.id = chain_count();
	s.settings = pool + first;
	s.nsettings = npool - first;
	s.state_size = e->state_size;
	s.state = state_region(name, e->state_size, &s.state_fresh);
	if (e->state_size && !s.state)
		rt_die("element '%s': no room for %u bytes of instance state", name,
		       e->state_size);
	s.initial_process = state_is_initial_process();
	s.program = cse_cfg.program;
	err[0] = 0;
	s.err = err;
	s.err_size = sizeof(err);
	if (e->setup && e->setup(&s) != 0)
		setup_failed(name, &s, nstate, err);
	if (chain_add(e))
		rt_die("too many elements");
}
