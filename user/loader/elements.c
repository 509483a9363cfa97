// SPDX-License-Identifier: GPL-2.0
/*
 * Loading one element: <loader dir>/cse-NAME.so is mapped privately,
 * relocated, checked against the ABI, given its region of the instance
 * state, set up with its ARGS and appended to the chain. Any failure is
 * fatal before the program starts (one line; exit 2 for a bad name or
 * bad arguments, as cse-run reports usage errors, else 127).
 */
#include <cse/element.h>
#include "../runtime/runtime.h"
#include "elf_map.h"
#include "loader.h"

void element_load(const char *dir, const char *spec)
{
	char name[64], path[4096], err[256];
	const char *eq = spec, *why = "", *undef = "";
	const struct cse_element *e;
	struct elf_image img;
	struct cse_setup s;
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

	memset(&s, 0, sizeof(s));
	s.svc = &cse_svc;
	s.args = *eq ? eq + 1 : "";
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
	if (e->setup && (r = e->setup(&s)) != 0)
		rt_die_status(RT_EXIT_USAGE, "element '%s': %s", name,
			      err[0] ? err : "setup failed");
	if (chain_add(e))
		rt_die("too many elements");
}
