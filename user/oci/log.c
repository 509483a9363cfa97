// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Messages of cse-oci. containerd's shim and podman read the last
 * "error" line of the --log file to tell the user why a command failed,
 * so an error is one line there in runc's shape, JSON by default:
 *
 *   {"level":"error","msg":"...","time":"2026-12-02T12:00:00.123456789Z"}
 *
 * or logrus' text shape with --log-format text. Errors also go to stderr
 * ("cse-oci: ..."), as runc prints them, for a person at a terminal.
 * Warnings (what cse cannot honour) go to the log, and to stderr only
 * when there is no log and stderr is a terminal: podman passes no --log
 * and shows the runtime's stderr with the container's output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oci.h"

static int log_fd = -1;

void oci_log_open(void)
{
	if (!oci_g.log || log_fd >= 0)
		return;
	log_fd = open(oci_g.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_fd < 0)
		fprintf(stderr, "cse-oci: cannot open the log file %s: %s\n", oci_g.log,
			strerror(errno));
}

/* After close_range in a forked helper: the descriptor number is stale. */
void oci_log_forget(void)
{
	log_fd = -1;
}

void oci_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", sec, ts.tv_nsec);
}

/* One whole line per write(2): O_APPEND keeps concurrent writers' lines apart. */
static void log_line(const char *level, const char *msg)
{
	char ts[64], *line = NULL;

	if (log_fd < 0)
		return;
	oci_rfc3339(ts, sizeof(ts));
	if (oci_g.log_json) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "level", level, "msg", msg, "time", ts);
		char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		if (s && asprintf(&line, "%s\n", s) < 0)
			line = NULL;
		free(s);
		json_decref(o);
	} else {
		json_t *m = json_string(msg);	/* logrus quotes msg like a Go string */
		char *q = m ? json_dumps(m, JSON_ENCODE_ANY) : NULL;

		if (q && asprintf(&line, "time=\"%s\" level=%s msg=%s\n", ts, level, q) < 0)
			line = NULL;
		free(q);
		json_decref(m);
	}
	if (line && write(log_fd, line, strlen(line)) < 0)
		line[0] = 0;	/* nowhere left to report it */
	free(line);
}

void oci_error(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	oci_log_open();
	log_line("error", msg);
	fflush(stdout);
	fprintf(stderr, "cse-oci: %s\n", msg);
	free(msg);
}

void oci_warn(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	oci_log_open();
	log_line("warning", msg);
	if (log_fd < 0 && isatty(2))
		fprintf(stderr, "cse-oci: warning: %s\n", msg);
	free(msg);
}

void oci_debug(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!oci_g.debug)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	oci_log_open();
	log_line("debug", msg);
	if (log_fd < 0)
		fprintf(stderr, "cse-oci: debug: %s\n", msg);
	free(msg);
}

_Noreturn void oci_die(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	oci_error("%s", msg ? msg : "out of memory");
	exit(1);
}
