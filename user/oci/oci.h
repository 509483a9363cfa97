/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cse-oci: an OCI runtime (the command line of runc, as containerd's runc
 * v2 shim and podman call it) that runs a bundle as one cse application
 * instance instead of in namespaces. See user/man/cse-oci.1.
 *
 *   util.c      allocation and string lists
 *   main.c      global options, subcommand table, help, version
 *   log.c       --log file (runc's JSON or text lines) and stderr
 *   state.c     the state directory --root/ID and its state.json
 *   spec.c      config.json: process and checks (what cse honours)
 *   caps.c      process.capabilities: the bounding set
 *   mounts.c    config.json: root, mounts, masked/readonly paths -> [fs]
 *   reach.c     bind mounts so that a non-root container user reaches them
 *   profile.c   the cse-run profile written to the state directory
 *   program.c   the program exists in the view (checked at create)
 *   create.c    create, start, run: the init process and its exec FIFO
 *   child.c     what a new container process does before cse-run
 *   exec.c      exec: another process in a running container
 *   join.c      exec into the container's own cse instance
 *   track.c     every process of an instance: cgroup v2 leaf or /proc scan
 *   ops.c       state, kill, ps, pause, resume, delete, list, update
 *   console.c   pseudo-terminals and --console-socket (SCM_RIGHTS)
 *   hooks.c     config.json hooks at create, start and delete
 *   features.c  the features document
 *   fuzz/config_fuzz.c  libFuzzer target of the config.json mapping
 */
#ifndef CSE_OCI_H
#define CSE_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <jansson.h>

#define OCI_VERSION "1.2.0"	/* the runtime-spec version we implement */

struct oci_state;

/* Global options (before the subcommand). */
struct oci_global {
	const char *root;	/* state directories: ROOT/ID */
	const char *log;	/* --log FILE, or NULL */
	bool log_json;		/* --log-format json */
	bool debug;
	bool strict;		/* refuse whatever cse cannot honour */
};
extern struct oci_global oci_g;

/* log.c: errors go to --log (one line) and stderr; exit status 1 as runc. */
void oci_log_open(void);
void oci_log_forget(void);
void oci_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oci_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oci_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void oci_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *oci_xmalloc(size_t n);
char *oci_xstrdup(const char *s);
char *oci_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oci_rfc3339(char *buf, size_t size);

/* A growable list of strings (argv, env, profile lines). */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_add(struct strv *s, char *owned);
void strv_addf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_free(struct strv *s);

/* spec.c: the process of config.json or of exec's --process file. */
struct oci_rlimit {
	int resource;
	struct rlimit lim;
};
struct oci_process {
	struct strv args, env;
	char *cwd;
	uid_t uid;		/* as the program sees them */
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	bool has_umask;
	mode_t umask;
	bool terminal;
	unsigned short rows, cols;	/* consoleSize, 0: unset */
	bool no_new_privs;
	int oom_score_adj;
	bool has_oom;
	struct oci_rlimit *rlimits;
	size_t nrlimits;
	bool has_caps;
	uint64_t cap_bounding;	/* bit N: capability N stays */
};

/* Host credentials the process really runs with and the ones cse's id
 * element shows it (see spec.c: creds_for). */
struct oci_creds {
	bool change;		/* setgroups/setgid/setuid before cse-run */
	uid_t host_uid;
	gid_t host_gid;
	bool show;		/* --uid/--gid for the id element */
	uid_t show_uid;
	gid_t show_gid;
};

struct oci_spec {
	json_t *config;		/* the whole config.json */
	char *bundle;		/* absolute */
	char *rootfs;		/* absolute */
	char *view_rootfs;	/* what the view uses: rootfs or its reach.c bind */
	bool reach;		/* bind mounts for a non-root user (reach.c) */
	struct oci_process proc;
	bool pidns;		/* ends every process with the init */
	bool netns;		/* private port space */
	bool keep_creds;	/* org.cse.keep-credentials=true */
	json_t *uid_map, *gid_map;
	struct strv unsupported;	/* what cse cannot honour, one line each */
};

int oci_spec_load(const char *bundle, struct oci_spec *s);
int oci_spec_parse(struct oci_spec *s, json_t *config);
int oci_process_parse(json_t *p, struct oci_process *out, struct strv *unsupported);
void oci_process_free(struct oci_process *p);
/* caps.c */
int oci_caps_parse(json_t *caps, struct oci_process *p, struct strv *unsupported);
int oci_caps_apply(const struct oci_process *p);
json_t *oci_caps_names(void);
void oci_creds_for(const struct oci_process *p, json_t *uid_map, json_t *gid_map, bool keep,
		   struct oci_creds *c);
/* Warn about (or, strict, refuse) s->unsupported; -1 when refused. */
int oci_spec_check(const struct oci_spec *s, bool strict);

/* mounts.c and profile.c: the cse-run profile of a container. */
struct oci_profile {
	struct strv lines;	/* "section\tkey\tvalue" */
};
int oci_mounts_map(struct oci_spec *s, const char *state_dir, struct oci_profile *pr);
void oci_profile_add(struct oci_profile *pr, const char *section, const char *key,
		     const char *value);
void oci_profile_drop(struct oci_profile *pr, const char *section, const char *key);
int oci_profile_annotations(struct oci_profile *pr, json_t *annotations);
int oci_profile_write(const struct oci_profile *pr, const char *path);
void oci_profile_free(struct oci_profile *pr);

/* program.c: -1 (reported) when process.args[0] is not in the view */
int oci_program_check(const struct oci_spec *s, const struct oci_profile *pr);

/* hooks.c: the hooks of KIND kept in the state; -1 (reported) on a failure */
int oci_hooks_run(const struct oci_state *st, const char *kind);
/* ops.c: the runtime-spec state document */
json_t *oci_state_json(const struct oci_state *st);

/* state.c */
enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_PAUSED, OCI_STOPPED };
struct oci_state {
	char *id;
	char *dir;		/* ROOT/ID */
	json_t *j;		/* the stored state.json */
	pid_t pid;
	unsigned long long start_time;	/* /proc/PID/stat field 22 */
};
int oci_valid_id(const char *id);
char *oci_state_dir(const char *id);
int oci_state_load(const char *id, struct oci_state *st);	/* -1: reported */
int oci_state_load_existing(const char *id, struct oci_state *st);	/* 1: gone, silently */
int oci_state_save(const struct oci_state *st);
void oci_state_free(struct oci_state *st);
enum oci_status oci_status(const struct oci_state *st);
const char *oci_status_name(enum oci_status s);
bool oci_pid_alive(pid_t pid, unsigned long long start_time);
unsigned long long oci_pid_start_time(pid_t pid);
int oci_write_pid_file(const char *path, pid_t pid);
int oci_state_lock(const struct oci_state *st);
char *oci_fifo_path(const char *dir);
int oci_remove_tree(const char *path);

/* child.c: a new process of the container, up to the exec of cse-run. */
struct oci_launch {
	const char *name;	/* the container id: cse-run --name */
	const struct oci_process *proc;
	const struct strv *flags;	/* more cse-run flags (--device) */
	int preserve_fds;	/* --preserve-fds: 3.. kept open */
	struct oci_creds creds;
	const char *profile;	/* the container's cse-run profile */
	const char *cgroup;	/* leaf to join, or NULL */
	int tty_slave;		/* -1: inherit stdio */
	const char *fifo;	/* wait here for start (create only) */
	int sync_fd;		/* report readiness / errors to the parent */
	/* exec joining the instance (join.c): its state fd, else -1 */
	int join_state_fd, join_inst_fd;
	const struct strv *join_elements;
	const char *rootfs;
};
_Noreturn void oci_child_run(const struct oci_launch *l);
char *oci_cse_run_path(void);
/* Read the child's report: 0 ready, -1 its error message was logged. */
int oci_child_wait_ready(int sync_fd, pid_t child);

/* join.c */
int oci_join_find(const struct oci_state *st, int *state_fd, int *inst_fd);
int oci_join_elements(const char *profile, const struct strv *flags, struct strv *out);
int oci_join_exec(const struct oci_launch *l, const char *rootfs);

/* reach.c */
char *oci_reach(const char *state_dir, const char *name, const char *src);
int oci_reach_release(const char *dir);

/* track.c */
char *oci_cgroup_create(const char *id);	/* NULL: /proc scan instead */
int oci_cgroup_remove(const char *path);
pid_t *oci_instance_pids(const struct oci_state *st, size_t *n);
int oci_instance_signal(const struct oci_state *st, int sig);
int oci_instance_freeze(const struct oci_state *st, bool freeze);
int oci_instance_frozen(const struct oci_state *st);
int oci_instance_end(const struct oci_state *st);	/* SIGKILL all, wait */
void oci_instance_remember(const struct oci_state *st);
void oci_watcher_start(struct oci_state *st);

/* console.c */
int oci_pty_open(int *slave, char **name);
int oci_console_send(const char *socket_path, int master, const char *name);

/* create.c, exec.c, ops.c, features.c: subcommands (argc/argv after the name). */
int oci_cmd_create(int argc, char **argv);
int oci_cmd_start(int argc, char **argv);
int oci_cmd_run(int argc, char **argv);
int oci_cmd_exec(int argc, char **argv);
int oci_cmd_state(int argc, char **argv);
int oci_cmd_kill(int argc, char **argv);
int oci_cmd_ps(int argc, char **argv);
int oci_cmd_pause(int argc, char **argv);
int oci_cmd_resume(int argc, char **argv);
int oci_cmd_delete(int argc, char **argv);
int oci_cmd_list(int argc, char **argv);
int oci_cmd_update(int argc, char **argv);
int oci_cmd_features(int argc, char **argv);

/* create.c: shared by create and run. */
int oci_create(const char *id, const char *bundle, const char *pid_file,
	       const char *console_socket, bool foreground, pid_t *init);
int oci_start(const char *id);
int oci_delete(const char *id, bool force);

int oci_signal_parse(const char *s);
/* One positional ID after the options, else a usage error (-1). */
int oci_one_id(int argc, char **argv, int optind_, const char *cmd, const char **id);

#endif /* CSE_OCI_H */
