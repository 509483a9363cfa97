/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * csectl internals, split by concern:
 *
 *   ../csectl.c  main, the subcommand table, option parsing, --help texts
 *   util.c       error reporting, allocation, number/duration parsing, signals
 *   nl.c         the library context: the generic netlink socket, family
 *                lookup, requests with multi-part dumps, acks and extack
 *   instance.c   netlink messages -> struct csectl_inst / csectl_event,
 *                ID|NAME arguments, the list/show/reset requests
 *   output.c     text and JSON rendering of instances and events
 *   monitor.c    the "events" multicast group, one line per event
 *   top.c        periodic dumps, rates between two dumps, the table
 *
 * csectl is a face: it parses, validates and asks cse.ko over the generic
 * netlink family described in include/uapi/linux/cse.h; nothing else.
 */
#ifndef CSECTL_H
#define CSECTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/cse.h>

#include "../common/diag.h"

#ifndef CSECTL_VERSION
#define CSECTL_VERSION "0.1.0"
#endif

/* Exit statuses (documented in csectl(1) and --help). */
enum {
	CSECTL_EXIT_OK = 0,
	CSECTL_EXIT_FAILURE = 1,	/* cse.ko missing, kernel error, ... */
	CSECTL_EXIT_USAGE = 2,		/* bad command line */
};

/* util.c */
#define csectl_err diag_err	/* "csectl: ..." (user/common/diag.h) */
#define csectl_hint diag_hint	/* "hint: ..." */
void *csectl_xcalloc(size_t n, size_t size);
void *csectl_xreallocarray(void *p, size_t n, size_t size);
int csectl_parse_u64(const char *s, uint64_t *out);
int csectl_parse_seconds(const char *s, double min, double max, double *out);
uint64_t csectl_now_ns(int clock);
void csectl_signals_block(void);
bool csectl_signalled(void);
/* Waits up to timeout_ns (<0: forever) for fd (<0: none) to be readable or
 * for SIGINT/SIGTERM. Returns 1 readable, 0 timeout, -1 signalled. */
int csectl_wait(int fd, int64_t timeout_ns);

/* Parsed instance (one CSE_CMD_INSTANCE_GET reply or dump part). */
struct csectl_grant {
	uint32_t type;		/* CSE_DEV_CHAR / CSE_DEV_BLOCK */
	uint32_t major;
	uint32_t minor;
	uint32_t access;	/* CSE_ACCESS_* */
};

struct csectl_elem {
	char name[CSE_ELEMENT_NAME_MAX];
	uint64_t calls;
};

/* A guest:host pair of the net element's port map. */
struct csectl_port {
	uint32_t proto;		/* CSE_PORT_TCP / CSE_PORT_UDP */
	uint32_t guest;
	uint32_t host;
	uint32_t flags;		/* CSE_PORT_* */
};

struct csectl_inst {
	uint64_t id;
	char name[CSE_NAME_MAX];
	bool has_uid;
	uint32_t creator_uid;
	bool has_ctime;
	uint64_t ctime_ns;
	uint32_t *pids;
	size_t n_pids;
	struct csectl_grant *grants;
	size_t n_grants;
	uint64_t opens_granted;
	uint64_t opens_denied;
	uint64_t bytes_read;
	uint64_t bytes_written;
	struct csectl_elem *elems;
	size_t n_elems;
	struct csectl_port *ports;
	size_t n_ports;
};

struct csectl_event {
	uint8_t cmd;		/* CSE_CMD_INSTANCE_NEW ... CSE_CMD_DEV_DENIED */
	uint64_t id;
	bool has_name;
	char name[CSE_NAME_MAX];
	bool has_pid;
	uint32_t pid;
	bool has_dev;
	struct csectl_grant dev;	/* access: what was asked for */
	bool has_path;
	char path[4096];
};

/* An instance named on the command line: by id, or by name. */
struct csectl_ref {
	bool by_name;
	uint64_t id;
	char name[CSE_NAME_MAX];
};

/* instance.c */
int csectl_parse_instance(const void *nlh, struct csectl_inst *inst,
			  char *why, size_t whylen);
/* One dump message into v[0..n): a new instance, or the next members
 * of v[n-1] when the message is a CSE_A_CONTINUED part. */
int csectl_collect_instance(const void *nlh, struct csectl_inst **v,
			    size_t *n, char *why, size_t whylen);
int csectl_parse_event(const void *nlh, struct csectl_event *ev,
		       char *why, size_t whylen);
void csectl_inst_free(struct csectl_inst *inst);
void csectl_insts_free(struct csectl_inst *v, size_t n);
uint64_t csectl_inst_syscalls(const struct csectl_inst *inst);
void csectl_insts_sort(struct csectl_inst *v, size_t n);
int csectl_parse_ref(const char *arg, struct csectl_ref *ref);
const char *csectl_event_name(unsigned int cmd);
/* Without CAP_NET_ADMIN cse.ko shows only the caller's own instances;
 * csectl_view_hint() then says so on stderr. */
bool csectl_sees_all(void);
void csectl_view_hint(void);

/* nl.c: the one library context. */
struct nl_sock;
struct nl_msg;

struct csectl_ctx {
	struct nl_sock *sk;
	int family;
	/* Result of the last request. */
	int err;		/* positive errno from the kernel, 0 if none */
	char extack[512];	/* the kernel's extack message, "" if none */
	bool dump_intr;		/* a part carried NLM_F_DUMP_INTR */
	bool done;
	int (*on_msg)(const void *nlh, void *arg);	/* 0 or -errno */
	void *on_msg_arg;
	int cb_err;		/* first error returned by on_msg */
};

/* Prints "cse.ko is not loaded" (and hint) or another error itself. */
int csectl_open(struct csectl_ctx *ctx);
void csectl_close(struct csectl_ctx *ctx);
struct nl_msg *csectl_msg_new(struct csectl_ctx *ctx, uint8_t cmd, int flags);
/* Sends msg (consumed), reads until the ack, the error or NLMSG_DONE;
 * on_msg is called for each reply of the family. Returns 0 or -errno
 * (-EINTR: a dump was interrupted; ctx->err/extack hold kernel errors). */
int csectl_request(struct csectl_ctx *ctx, struct nl_msg *msg,
		   int (*on_msg)(const void *nlh, void *arg), void *arg);
int csectl_events_open(struct csectl_ctx *ctx);
/* Copies the NLMSGERR_ATTR_MSG of an NLMSG_ERROR or NLMSG_DONE message. */
bool csectl_extack_msg(const void *nlh, char *buf, size_t len);
/* "csectl: WHAT: <extack or strerror>" after a failed request. */
void csectl_report(struct csectl_ctx *ctx, int rc, const char *what);

/* instance.c: requests. Return 0, or -1 after printing the error. */
int csectl_dump(struct csectl_ctx *ctx, struct csectl_inst **v, size_t *n);
int csectl_get(struct csectl_ctx *ctx, const struct csectl_ref *ref,
	       struct csectl_inst *inst);
int csectl_reset(struct csectl_ctx *ctx, const struct csectl_ref *ref);

/* output.c */
void csectl_fmt_age(char *buf, size_t len, uint64_t ns);
void csectl_fmt_bytes(char *buf, size_t len, double bytes);
void csectl_fmt_access(char *buf, size_t len, uint32_t access);
void csectl_fmt_grant(char *buf, size_t len, const struct csectl_grant *g);
void csectl_text(FILE *f, const char *s);
void csectl_json_str(FILE *f, const char *s);
void csectl_print_list(FILE *f, const struct csectl_inst *v, size_t n,
		       uint64_t now_ns, bool json);
void csectl_print_show(FILE *f, const struct csectl_inst *inst,
		       uint64_t now_ns, bool json);
void csectl_print_event(FILE *f, const struct csectl_event *ev, bool json);

/* top.c */
struct csectl_top_row {
	uint64_t id;
	char name[CSE_NAME_MAX];
	size_t members;
	uint64_t syscalls;
	bool has_rate;		/* false: new instance or counters reset */
	double syscalls_per_s;
	double read_per_s;
	double written_per_s;
};

struct csectl_top_opts {
	double interval_s;
	uint64_t iterations;	/* 0: until interrupted */
	bool json;
};

size_t csectl_top_rows(const struct csectl_inst *prev, size_t n_prev,
		       const struct csectl_inst *cur, size_t n_cur,
		       double dt_s, struct csectl_top_row *rows);
void csectl_print_top(FILE *f, const struct csectl_top_row *rows, size_t n,
		      double interval_s, uint64_t now_ns, bool json,
		      bool clear);
int csectl_top(struct csectl_ctx *ctx, const struct csectl_top_opts *opts);

/* monitor.c */
int csectl_monitor(struct csectl_ctx *ctx, bool json);

#endif /* CSECTL_H */
