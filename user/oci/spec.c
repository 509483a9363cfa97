// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * config.json: the process and everything cse can or cannot honour.
 * Root, mounts and paths are mounts.c's; annotations are profile.c's.
 *
 * What cse cannot honour is collected in one list (s->unsupported) and
 * reported once: a warning line per item in the --log file, or, in strict
 * mode (--strict or annotation org.cse.strict=true), an error that refuses
 * the container. The complete table is in cse-oci(1), "CONFIG.JSON".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci.h"

static void unsupported(struct strv *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unsupported(struct strv *u, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oci_die("out of memory");
	va_end(ap);
	strv_add(u, s);
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

static int strings(json_t *arr, const char *what, struct strv *out)
{
	size_t i;
	json_t *v;

	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		oci_error("config: %s must be an array of strings", what);
		return -1;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			oci_error("config: %s[%zu] must be a string", what, i);
			return -1;
		}
		strv_add(out, oci_xstrdup(json_string_value(v)));
	}
	return 0;
}

static int rlimits(json_t *arr, struct oci_process *p)
{
	size_t i, k;
	json_t *r;

	if (!arr)
		return 0;
	p->rlimits = oci_xmalloc(sizeof(*p->rlimits) * (json_array_size(arr) + 1));
	json_array_foreach(arr, i, r) {
		const char *type = json_string_value(json_object_get(r, "type"));
		json_t *soft = json_object_get(r, "soft"), *hard = json_object_get(r, "hard");

		for (k = 0; type && k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
			if (!strcmp(type, rlimit_names[k].name))
				break;
		if (!type || k == sizeof(rlimit_names) / sizeof(rlimit_names[0])) {
			oci_error("config: process.rlimits[%zu]: unknown type '%s'", i,
				  type ? type : "(missing)");
			return -1;
		}
		if (!json_is_integer(soft) || !json_is_integer(hard)) {
			oci_error("config: process.rlimits[%zu] (%s): soft and hard must be numbers",
				  i, type);
			return -1;
		}
		p->rlimits[p->nrlimits].resource = rlimit_names[k].resource;
		/* JSON numbers above 2^63 arrive clamped: both mean unlimited */
		p->rlimits[p->nrlimits].lim.rlim_cur = json_integer_value(soft) < 0 ||
			json_integer_value(soft) == LLONG_MAX ? RLIM_INFINITY : (rlim_t)json_integer_value(soft);
		p->rlimits[p->nrlimits].lim.rlim_max = json_integer_value(hard) < 0 ||
			json_integer_value(hard) == LLONG_MAX ? RLIM_INFINITY : (rlim_t)json_integer_value(hard);
		p->nrlimits++;
	}
	return 0;
}

/* The "process" object of config.json, or exec's --process file. */
int oci_process_parse(json_t *p, struct oci_process *out, struct strv *u)
{
	json_t *user, *v;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(p)) {
		oci_error("config: process must be an object");
		return -1;
	}
	if (strings(json_object_get(p, "args"), "process.args", &out->args) < 0 ||
	    strings(json_object_get(p, "env"), "process.env", &out->env) < 0 ||
	    rlimits(json_object_get(p, "rlimits"), out) < 0)
		return -1;
	if (!out->args.n) {
		oci_error("config: process.args must name the program to run");
		return -1;
	}
	v = json_object_get(p, "cwd");
	out->cwd = oci_xstrdup(json_is_string(v) ? json_string_value(v) : "/");
	if (out->cwd[0] != '/') {
		oci_error("config: process.cwd '%s' must be an absolute path", out->cwd);
		return -1;
	}
	out->terminal = json_is_true(json_object_get(p, "terminal"));
	v = json_object_get(p, "consoleSize");
	if (v) {
		out->rows = (unsigned short)json_integer_value(json_object_get(v, "height"));
		out->cols = (unsigned short)json_integer_value(json_object_get(v, "width"));
	}
	out->no_new_privs = json_is_true(json_object_get(p, "noNewPrivileges"));
	v = json_object_get(p, "oomScoreAdj");
	if (json_is_integer(v)) {
		out->has_oom = true;
		out->oom_score_adj = (int)json_integer_value(v);
	}
	user = json_object_get(p, "user");
	out->uid = (uid_t)json_integer_value(json_object_get(user, "uid"));
	out->gid = (gid_t)json_integer_value(json_object_get(user, "gid"));
	v = json_object_get(user, "umask");
	if (json_is_integer(v)) {
		out->has_umask = true;
		out->umask = (mode_t)json_integer_value(v) & 07777;
	}
	v = json_object_get(user, "additionalGids");
	if (json_array_size(v)) {
		size_t i;
		json_t *g;

		out->groups = oci_xmalloc(sizeof(gid_t) * json_array_size(v));
		json_array_foreach(v, i, g)
			out->groups[out->ngroups++] = (gid_t)json_integer_value(g);
	}
	oci_caps_parse(json_object_get(p, "capabilities"), out, u);
	if (json_is_string(json_object_get(p, "apparmorProfile")) &&
	    *json_string_value(json_object_get(p, "apparmorProfile")))
		unsupported(u, "process.apparmorProfile: not applied");
	if (json_is_string(json_object_get(p, "selinuxLabel")) &&
	    *json_string_value(json_object_get(p, "selinuxLabel")))
		unsupported(u, "process.selinuxLabel: not applied");
	if (json_object_get(p, "scheduler"))
		unsupported(u, "process.scheduler: not applied");
	if (json_object_get(p, "ioPriority"))
		unsupported(u, "process.ioPriority: not applied");
	if (json_object_get(p, "execCPUAffinity"))
		unsupported(u, "process.execCPUAffinity: not applied");
	return 0;
}

void oci_process_free(struct oci_process *p)
{
	strv_free(&p->args);
	strv_free(&p->env);
	free(p->cwd);
	free(p->groups);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

/* containerID -> hostID through linux.uidMappings/gidMappings. */
static long long map_id(json_t *map, long long id)
{
	size_t i;
	json_t *m;

	json_array_foreach(map, i, m) {
		long long c = json_integer_value(json_object_get(m, "containerID"));
		long long h = json_integer_value(json_object_get(m, "hostID"));
		long long n = json_integer_value(json_object_get(m, "size"));

		if (id >= c && id < c + n)
			return h + (id - c);
	}
	return -1;
}

/*
 * Which credentials the process really has and which it is shown.
 * As root (the shim's and podman's case) the process really becomes the
 * configured user, as under runc: a container user that is not root gets
 * no root power. With uid/gid mappings it really becomes the mapped host
 * ids and cse's id element shows it the container's ids (what a user
 * namespace would show). As a plain user nothing can change, so the id
 * element shows the configured ids. org.cse.keep-credentials=true keeps
 * the caller's real credentials and only shows the configured ones.
 */
void oci_creds_for(const struct oci_process *p, json_t *uid_map, json_t *gid_map, bool keep,
		   struct oci_creds *c)
{
	long long hu = p->uid, hg = p->gid;

	memset(c, 0, sizeof(*c));
	if (json_array_size(uid_map) && (hu = map_id(uid_map, p->uid)) < 0)
		hu = 65534;	/* unmapped: the overflow id, as the kernel shows it */
	if (json_array_size(gid_map) && (hg = map_id(gid_map, p->gid)) < 0)
		hg = 65534;
	c->host_uid = (uid_t)hu;
	c->host_gid = (gid_t)hg;
	c->change = geteuid() == 0 && !keep;
	c->show_uid = p->uid;
	c->show_gid = p->gid;
	c->show = c->change ? (c->host_uid != p->uid || c->host_gid != p->gid)
			    : (getuid() != p->uid || getgid() != p->gid);
}

static const char *const ns_names[] = { "pid", "network", "mount", "ipc", "uts", "user",
					"cgroup", "time" };

static int namespaces(json_t *arr, struct oci_spec *s)
{
	size_t i, k;
	json_t *n;

	json_array_foreach(arr, i, n) {
		const char *type = json_string_value(json_object_get(n, "type"));
		const char *path = json_string_value(json_object_get(n, "path"));

		for (k = 0; type && k < sizeof(ns_names) / sizeof(ns_names[0]); k++)
			if (!strcmp(type, ns_names[k]))
				break;
		if (!type || k == sizeof(ns_names) / sizeof(ns_names[0])) {
			oci_error("config: linux.namespaces[%zu]: unknown type '%s'", i,
				  type ? type : "(missing)");
			return -1;
		}
		/*
		 * Joining another container's namespace (a Kubernetes pod's
		 * sandbox): its network is the pod's shared port space, so
		 * the host's, which the pod's containers then share with each
		 * other (localhost works between them) and with the host; a
		 * joined pid namespace belongs to the sandbox's init, so the
		 * container does not end with its own.
		 */
		if (path && *path && !strcmp(type, "network")) {
			unsupported(&s->unsupported,
				    "linux.namespaces: joining the network namespace %s: the container uses the host's port space (shared with the pod and the host)",
				    path);
			continue;
		}
		if (path && *path && !strcmp(type, "pid")) {
			unsupported(&s->unsupported,
				    "linux.namespaces: joining the pid namespace %s: the container's processes are the host's and do not end with that namespace's init",
				    path);
			continue;
		}
		if (path && *path)
			unsupported(&s->unsupported,
				    "linux.namespaces: joining the %s namespace %s: the container gets its own instance instead",
				    type, path);
		if (!strcmp(type, "pid"))
			s->pidns = true;	/* emulated: all end with the init */
		else if (!strcmp(type, "network"))
			s->netns = true;	/* emulated: private port space */
		else if (!strcmp(type, "ipc"))
			unsupported(&s->unsupported,
				    "linux.namespaces: ipc: System V IPC and POSIX message queues are the host's");
		else if (!strcmp(type, "cgroup"))
			unsupported(&s->unsupported,
				    "linux.namespaces: cgroup: /proc/self/cgroup shows the host's hierarchy");
		else if (!strcmp(type, "user") && !json_array_size(s->uid_map))
			unsupported(&s->unsupported,
				    "linux.namespaces: user without uidMappings: the ids are the host's");
		else if (!strcmp(type, "time"))
			unsupported(&s->unsupported, "linux.namespaces: time: the clocks are the host's");
	}
	return 0;
}

/* A resources object asks for something only if a member is set. */
static void resources(json_t *r, struct strv *u)
{
	const char *key;
	json_t *v;

	json_object_foreach(r, key, v) {
		if (json_is_null(v) || (json_is_array(v) && !json_array_size(v)) ||
		    (json_is_object(v) && !json_object_size(v)))
			continue;
		unsupported(u, "linux.resources.%s: no limit is applied", key);
	}
}

static void linux_section(json_t *l, struct oci_spec *s)
{
	static const char *const warned[] = {
		"seccomp", "sysctl", "mountLabel", "intelRdt", "personality", "timeOffsets",
		"memoryPolicy", "netDevices",
	};
	json_t *v;

	resources(json_object_get(l, "resources"), &s->unsupported);
	for (size_t i = 0; i < sizeof(warned) / sizeof(warned[0]); i++) {
		v = json_object_get(l, warned[i]);
		if (v && !json_is_null(v) && !(json_is_object(v) && !json_object_size(v)))
			unsupported(&s->unsupported, "linux.%s: not applied", warned[i]);
	}
	v = json_object_get(l, "rootfsPropagation");
	if (json_is_string(v) && strcmp(json_string_value(v), "private") &&
	    strcmp(json_string_value(v), "rprivate"))
		unsupported(&s->unsupported, "linux.rootfsPropagation %s: nothing propagates",
			    json_string_value(v));
}

int oci_spec_load(const char *bundle, struct oci_spec *s)
{
	json_error_t err;
	char *path, real[PATH_MAX];
	json_t *config;

	memset(s, 0, sizeof(*s));
	if (!realpath(bundle, real)) {
		oci_error("bundle %s: %s", bundle, strerror(errno));
		return -1;
	}
	s->bundle = oci_xstrdup(real);
	path = oci_xasprintf("%s/config.json", s->bundle);
	config = json_load_file(path, 0, &err);
	if (!config) {
		oci_error("cannot read %s: %s (line %d)", path, err.text, err.line);
		free(path);
		return -1;
	}
	free(path);
	return oci_spec_parse(s, config);
}

/* Takes CONFIG; s->bundle is set (relative root.path is relative to it). */
int oci_spec_parse(struct oci_spec *s, json_t *config)
{
	const char *ver, *root;
	char *path, real[PATH_MAX];
	json_t *hooks, *linux_, *v;

	s->config = config;
	if (!json_is_object(config)) {
		oci_error("config: not a JSON object");
		return -1;
	}
	ver = json_string_value(json_object_get(s->config, "ociVersion"));
	if (!ver || strncmp(ver, "1.", 2)) {
		oci_error("config: ociVersion '%s' is not 1.x", ver ? ver : "(missing)");
		return -1;
	}
	root = json_string_value(json_object_get(json_object_get(s->config, "root"), "path"));
	if (!root) {
		oci_error("config: root.path is missing");
		return -1;
	}
	path = root[0] == '/' ? oci_xstrdup(root) : oci_xasprintf("%s/%s", s->bundle, root);
	if (!realpath(path, real)) {
		oci_error("config: root.path %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	s->rootfs = oci_xstrdup(real);
	if (oci_process_parse(json_object_get(s->config, "process"), &s->proc, &s->unsupported) < 0)
		return -1;
	linux_ = json_object_get(s->config, "linux");
	s->uid_map = json_object_get(linux_, "uidMappings");
	s->gid_map = json_object_get(linux_, "gidMappings");
	if (namespaces(json_object_get(linux_, "namespaces"), s) < 0)
		return -1;
	linux_section(linux_, s);
	hooks = json_object_get(s->config, "hooks");
	if (json_is_object(hooks)) {
		static const char *const known[] = { "prestart", "createRuntime", "createContainer",
						     "startContainer", "poststart", "poststop" };
		const char *key;
		size_t k;

		json_object_foreach(hooks, key, v) {
			for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
				if (!strcmp(key, known[k]))
					break;
			if (k == sizeof(known) / sizeof(known[0]) && json_array_size(v))
				unsupported(&s->unsupported, "hooks.%s: unknown hook, not run", key);
		}
	}
	v = json_object_get(s->config, "annotations");
	s->keep_creds = json_is_string(json_object_get(v, "org.cse.keep-credentials")) &&
		!strcmp(json_string_value(json_object_get(v, "org.cse.keep-credentials")), "true");
	return 0;
}

int oci_spec_check(const struct oci_spec *s, bool strict)
{
	json_t *a = json_object_get(json_object_get(s->config, "annotations"), "org.cse.strict");

	if (json_is_string(a) && !strcmp(json_string_value(a), "true"))
		strict = true;
	if (strict && s->unsupported.n) {
		oci_error("strict mode: cse cannot honour %s%s", s->unsupported.v[0],
			  s->unsupported.n > 1 ? " (and more: see the warnings without --strict)" : "");
		return -1;
	}
	for (size_t i = 0; i < s->unsupported.n; i++)
		oci_warn("cse cannot honour %s", s->unsupported.v[i]);
	return 0;
}
