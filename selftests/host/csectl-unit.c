// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Host unit test of csectl's decoding and rendering, with no cse.ko:
 * generic netlink messages are built by hand with libnl's nlmsg/nla API,
 * exactly in the shape include/uapi/linux/cse.h specifies, then fed to
 * csectl's parsers and formatters, whose output is compared byte for byte.
 * Also covered: dump parts of split instances merged, malformed replies, extack decoding of NLMSG_ERROR and
 * NLMSG_DONE, rates for top, and the command-line value parsers.
 *
 * Prints "PASS name" / "FAIL name" per case (selftests/host/csectl.t turns
 * them into TAP) and exits non-zero if any failed.
 * "csectl-unit --json-samples" prints every JSON document the formatters
 * produce, one per line, so csectl.t can check them with a JSON parser.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "csectl.h"

#define FAMILY 0x1c		/* any id: the parsers don't look */
#define NOW (1700000000ULL * 1000000000ULL)

static int failures;
static int json_samples;
static FILE *report;	/* PASS/FAIL lines; stdout, or /dev/null for samples */

static void check(bool ok, const char *name)
{
	fprintf(report, "%s %s\n", ok ? "PASS" : "FAIL", name);
	if (!ok)
		failures++;
}

/* Compare what fn printed with want; show both on mismatch. */
#define CHECK_OUTPUT(name, want, stmt)					\
	do {								\
		char *buf_ = NULL;					\
		size_t len_ = 0;					\
		FILE *f = open_memstream(&buf_, &len_);			\
		if (!f) { perror("open_memstream"); exit(2); }		\
		stmt;							\
		fclose(f);						\
		if (strcmp(buf_, (want))) {				\
			fprintf(report, "# %s: got:\n%s# want:\n%s", (name), buf_, (want)); \
		}							\
		check(!strcmp(buf_, (want)), (name));			\
		free(buf_);						\
	} while (0)

static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, 1, 7, FAMILY, 0, NLM_F_MULTI, cmd,
				 CSE_GENL_VERSION)) {
		fprintf(stderr, "cannot build a message\n");
		exit(2);
	}
	return msg;
}

#define PUT(x) do { if ((x) < 0) { fprintf(stderr, "nla_put failed: %s\n", #x); exit(2); } } while (0)

static void put_grant(struct nl_msg *msg, uint32_t type, uint32_t major,
		      uint32_t minor, uint32_t access)
{
	struct nlattr *g = nla_nest_start(msg, CSE_A_GRANT);

	PUT(g ? 0 : -1);
	PUT(nla_put_u32(msg, CSE_A_GRANT_TYPE, type));
	PUT(nla_put_u32(msg, CSE_A_GRANT_MAJOR, major));
	PUT(nla_put_u32(msg, CSE_A_GRANT_MINOR, minor));
	PUT(nla_put_u32(msg, CSE_A_GRANT_ACCESS, access));
	nla_nest_end(msg, g);
}

static void put_element(struct nl_msg *msg, const char *name, uint64_t calls)
{
	struct nlattr *e = nla_nest_start(msg, CSE_A_ELEMENT);

	PUT(e ? 0 : -1);
	PUT(nla_put_string(msg, CSE_A_ELEMENT_NAME, name));
	PUT(nla_put_u64(msg, CSE_A_ELEMENT_CALLS, calls));
	nla_nest_end(msg, e);
}

/* The full attribute set of one instance, as the module sends it. */
static struct nl_msg *instance_msg(uint64_t id, const char *name,
				   uint64_t uts_calls, uint64_t bytes_read)
{
	struct nl_msg *msg = new_msg(CSE_CMD_INSTANCE_GET);
	struct nlattr *n, *c, *s;

	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, id));
	PUT(nla_put_string(msg, CSE_A_INSTANCE_NAME, name));
	PUT(nla_put_u32(msg, CSE_A_CREATOR_UID, 1000));
	PUT(nla_put_u64(msg, CSE_A_CTIME_NS, NOW - 192ULL * 1000000000ULL));
	n = nla_nest_start(msg, CSE_A_MEMBERS);
	PUT(nla_put_u32(msg, CSE_A_MEMBER_PID, 1234));
	PUT(nla_put_u32(msg, CSE_A_MEMBER_PID, 1240));
	nla_nest_end(msg, n);
	n = nla_nest_start(msg, CSE_A_GRANTS);
	put_grant(msg, CSE_DEV_CHAR, 1, 3, CSE_ACCESS_ALL);
	put_grant(msg, CSE_DEV_BLOCK, 8, 0, CSE_ACCESS_READ);
	nla_nest_end(msg, n);
	c = nla_nest_start(msg, CSE_A_COUNTERS);
	PUT(nla_put_u64(msg, CSE_A_OPENS_GRANTED, 5));
	PUT(nla_put_u64(msg, CSE_A_OPENS_DENIED, 1));
	PUT(nla_put_u64(msg, CSE_A_BYTES_READ, bytes_read));
	PUT(nla_put_u64(msg, CSE_A_BYTES_WRITTEN, 56));
	s = nla_nest_start(msg, CSE_A_SYSCALLS);
	put_element(msg, "uts", uts_calls);
	put_element(msg, "fs", 500);
	nla_nest_end(msg, s);
	nla_nest_end(msg, c);
	return msg;
}

static int parse(struct nl_msg *msg, struct csectl_inst *inst)
{
	char why[128];
	int r = csectl_parse_instance(nlmsg_hdr(msg), inst, why, sizeof(why));

	nlmsg_free(msg);
	return r;
}

static void json_sample(void (*fn)(FILE *, const void *), const void *arg)
{
	if (json_samples)
		fn(stdout, arg);
}

static void show_json(FILE *f, const void *arg)
{
	csectl_print_show(f, arg, NOW, true);
}

static void test_instance(void)
{
	struct csectl_inst in, two[2];
	int r;

	r = parse(instance_msg(3, "web1", 1000, 1234), &in);
	check(r == 0, "instance: parse full attribute set");
	if (r)
		return;
	check(in.id == 3 && !strcmp(in.name, "web1") && in.has_uid &&
	      in.creator_uid == 1000 && in.n_pids == 2 && in.pids[1] == 1240 &&
	      in.n_grants == 2 && in.grants[1].type == CSE_DEV_BLOCK &&
	      in.n_elems == 2 && in.opens_denied == 1 &&
	      csectl_inst_syscalls(&in) == 1500, "instance: decoded fields");

	CHECK_OUTPUT("show: text", 
		"instance 3\n"
		"  name: web1\n"
		"  creator uid: 1000\n"
		"  created: 2023-11-14T22:10:08Z (3m12s ago)\n"
		"  members: 2\n"
		"    pid 1234\n"
		"    pid 1240\n"
		"  grants: 2\n"
		"    c 1:3 rw\n"
		"    b 8:0 r\n"
		"  device opens: 5 granted, 1 denied\n"
		"  device bytes: 1234 read (1.2KiB), 56 written (56B)\n"
		"  syscalls handled: 1500\n"
		"    uts 1000\n"
		"    fs 500\n",
		csectl_print_show(f, &in, NOW, false));

	CHECK_OUTPUT("show: json",
		"{\"id\":3,\"name\":\"web1\",\"creator_uid\":1000,"
		"\"ctime_ns\":1699999808000000000,\"age_s\":192,"
		"\"member_count\":2,\"grant_count\":2,\"opens_granted\":5,"
		"\"opens_denied\":1,\"bytes_read\":1234,\"bytes_written\":56,"
		"\"syscalls\":1500,\"members\":[1234,1240],"
		"\"grants\":[{\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"},"
		"{\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"r\"}],"
		"\"ports\":[],"
		"\"elements\":[{\"name\":\"uts\",\"calls\":1000},"
		"{\"name\":\"fs\",\"calls\":500}]}\n",
		csectl_print_show(f, &in, NOW, true));
	json_sample(show_json, &in);

	r = parse(instance_msg(12, "database-primary", 7, 5ULL << 30), &two[0]);
	two[1] = in;
	check(r == 0, "instance: parse a second one");
	if (r) {
		csectl_inst_free(&in);
		return;
	}
	csectl_insts_sort(two, 2);
	check(two[0].id == 3 && two[1].id == 12, "list: sorted by id");
	CHECK_OUTPUT("list: text",
		"ID  NAME               UID    AGE  MEMBERS  GRANTS  OPENS  DENIED    READ  WRITTEN  SYSCALLS\n"
		" 3  web1              1000  3m12s        2       2      5       1  1.2KiB      56B      1500\n"
		"12  database-primary  1000  3m12s        2       2      5       1  5.0GiB      56B       507\n",
		csectl_print_list(f, two, 2, NOW, false));
	CHECK_OUTPUT("list: json",
		"[{\"id\":3,\"name\":\"web1\",\"creator_uid\":1000,"
		"\"ctime_ns\":1699999808000000000,\"age_s\":192,"
		"\"member_count\":2,\"grant_count\":2,\"opens_granted\":5,"
		"\"opens_denied\":1,\"bytes_read\":1234,\"bytes_written\":56,"
		"\"syscalls\":1500},"
		"{\"id\":12,\"name\":\"database-primary\",\"creator_uid\":1000,"
		"\"ctime_ns\":1699999808000000000,\"age_s\":192,"
		"\"member_count\":2,\"grant_count\":2,\"opens_granted\":5,"
		"\"opens_denied\":1,\"bytes_read\":5368709120,\"bytes_written\":56,"
		"\"syscalls\":507}]\n",
		csectl_print_list(f, two, 2, NOW, true));
	if (json_samples)
		csectl_print_list(stdout, two, 2, NOW, true);
	CHECK_OUTPUT("list: empty text prints nothing", "",
		     csectl_print_list(f, NULL, 0, NOW, false));
	CHECK_OUTPUT("list: empty json", "[]\n",
		     csectl_print_list(f, NULL, 0, NOW, true));

	/* top: second dump 2 s later, web1 did 300 syscalls, 4 KiB read. */
	{
		struct csectl_inst later[3];
		struct csectl_top_row rows[3];

		r = parse(instance_msg(3, "web1", 1300, 1234 + 4096), &later[0]);
		r |= parse(instance_msg(12, "database-primary", 0, 0), &later[1]);
		r |= parse(instance_msg(20, "new", 1, 1), &later[2]);
		check(r == 0, "top: parse second dump");
		if (!r) {
			csectl_top_rows(two, 2, later, 3, 2.0, rows);
			check(rows[0].has_rate && rows[0].syscalls_per_s == 150.0 &&
			      rows[0].read_per_s == 2048.0 &&
			      rows[0].written_per_s == 0.0,
			      "top: rates between two dumps");
			check(!rows[1].has_rate, "top: counters reset -> no rate");
			check(!rows[2].has_rate, "top: new instance -> no rate");
			CHECK_OUTPUT("top: text, not a tty",
				"csectl top: 3 instances, 2023-11-14T22:13:20Z, every 2.00s\n"
				"ID  NAME              MEMBERS  SYSCALLS  SYSCALLS/s  READ/s  WRITTEN/s\n"
				" 3  web1                    2      1800       150.0  2.0KiB         0B\n"
				"12  database-primary        2       500           -       -          -\n"
				"20  new                     2       501           -       -          -\n"
				"\n",
				csectl_print_top(f, rows, 3, 2.0, NOW, false, false));
			CHECK_OUTPUT("top: tty clears the screen",
				"\033[H\033[2Jcsectl top: 0 instances, 2023-11-14T22:13:20Z, every 1.00s\n\n",
				csectl_print_top(f, rows, 0, 1.0, NOW, false, true));
			CHECK_OUTPUT("top: json",
				"{\"time_ns\":1700000000000000000,\"interval_s\":2.000,\"instances\":["
				"{\"id\":3,\"name\":\"web1\",\"member_count\":2,\"syscalls\":1800,"
				"\"syscalls_per_s\":150.000,\"bytes_read_per_s\":2048.000,"
				"\"bytes_written_per_s\":0.000},"
				"{\"id\":12,\"name\":\"database-primary\",\"member_count\":2,"
				"\"syscalls\":500,\"syscalls_per_s\":null,"
				"\"bytes_read_per_s\":null,\"bytes_written_per_s\":null},"
				"{\"id\":20,\"name\":\"new\",\"member_count\":2,\"syscalls\":501,"
				"\"syscalls_per_s\":null,\"bytes_read_per_s\":null,"
				"\"bytes_written_per_s\":null}]}\n",
				csectl_print_top(f, rows, 3, 2.0, NOW, true, false));
			if (json_samples)
				csectl_print_top(stdout, rows, 3, 2.0, NOW, true, false);
		}
		for (int i = 0; i < 3; i++)
			csectl_inst_free(&later[i]);
	}
	csectl_inst_free(&two[0]);
	csectl_inst_free(&two[1]);
}

static void test_minimal_and_unknown(void)
{
	struct nl_msg *msg = new_msg(CSE_CMD_INSTANCE_GET);
	struct csectl_inst in;
	struct nlattr *n;
	int r;

	/* Only the required attributes, plus attributes from the future. */
	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, 7));
	PUT(nla_put_string(msg, CSE_A_INSTANCE_NAME, "tab\there\x01"));
	PUT(nla_put_u32(msg, CSE_A_MAX + 5, 42));
	n = nla_nest_start(msg, CSE_A_MEMBERS);
	PUT(nla_put_u32(msg, CSE_A_MEMBER_PID, 99));
	PUT(nla_put_u64(msg, CSE_A_MAX + 1, 1));
	nla_nest_end(msg, n);
	r = parse(msg, &in);
	check(r == 0 && in.n_pids == 1 && !in.has_uid && !in.has_ctime,
	      "instance: required attributes only, unknown ones skipped");
	if (r)
		return;
	CHECK_OUTPUT("list: missing uid/ctime and unprintable name",
		"ID  NAME             UID  AGE  MEMBERS  GRANTS  OPENS  DENIED  READ  WRITTEN  SYSCALLS\n"
		" 7  tab\\x09here\\x01    -    -        1       0      0       0    0B       0B         0\n",
		csectl_print_list(f, &in, 1, NOW, false));
	CHECK_OUTPUT("json: control characters escaped, nulls",
		"[{\"id\":7,\"name\":\"tab\\there\\u0001\",\"creator_uid\":null,"
		"\"ctime_ns\":null,\"age_s\":null,\"member_count\":1,"
		"\"grant_count\":0,\"opens_granted\":0,\"opens_denied\":0,"
		"\"bytes_read\":0,\"bytes_written\":0,\"syscalls\":0}]\n",
		csectl_print_list(f, &in, 1, NOW, true));
	csectl_inst_free(&in);
}

static void test_malformed(void)
{
	struct csectl_inst in;
	struct nl_msg *msg;
	struct nlattr *n;

	msg = new_msg(CSE_CMD_INSTANCE_GET);
	PUT(nla_put_string(msg, CSE_A_INSTANCE_NAME, "x"));
	check(parse(msg, &in) == -EBADMSG, "malformed: no id");

	msg = new_msg(CSE_CMD_INSTANCE_GET);
	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, 1));
	check(parse(msg, &in) == -EBADMSG, "malformed: no name");

	msg = new_msg(CSE_CMD_INSTANCE_GET);
	PUT(nla_put_u32(msg, CSE_A_INSTANCE_ID, 1));	/* u32, not u64 */
	PUT(nla_put_string(msg, CSE_A_INSTANCE_NAME, "x"));
	check(parse(msg, &in) == -EBADMSG, "malformed: id too short");

	msg = new_msg(CSE_CMD_INSTANCE_GET);
	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, 1));
	PUT(nla_put(msg, CSE_A_INSTANCE_NAME, 3, "abc"));	/* no NUL */
	check(parse(msg, &in) == -EBADMSG, "malformed: unterminated name");

	msg = new_msg(CSE_CMD_INSTANCE_GET);
	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, 1));
	{
		char longname[CSE_NAME_MAX + 8];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		PUT(nla_put_string(msg, CSE_A_INSTANCE_NAME, longname));
	}
	check(parse(msg, &in) == -EBADMSG, "malformed: name too long");

	msg = new_msg(CSE_CMD_INSTANCE_GET);
	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, 1));
	PUT(nla_put_string(msg, CSE_A_INSTANCE_NAME, "x"));
	n = nla_nest_start(msg, CSE_A_GRANTS);
	{
		struct nlattr *g = nla_nest_start(msg, CSE_A_GRANT);

		PUT(nla_put_u32(msg, CSE_A_GRANT_TYPE, CSE_DEV_CHAR));
		PUT(nla_put_u32(msg, CSE_A_GRANT_MAJOR, 1));
		nla_nest_end(msg, g);
	}
	nla_nest_end(msg, n);
	check(parse(msg, &in) == -EBADMSG, "malformed: incomplete grant");

	msg = new_msg(CSE_CMD_INSTANCE_GET);
	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, 1));
	PUT(nla_put_string(msg, CSE_A_INSTANCE_NAME, "x"));
	n = nla_nest_start(msg, CSE_A_MEMBERS);
	PUT(nla_put_u32(msg, CSE_A_MEMBER_PID, 1));
	PUT(nla_put_u64(msg, CSE_A_MEMBER_PID, 2));	/* wrong size */
	nla_nest_end(msg, n);
	check(parse(msg, &in) == -EBADMSG, "malformed: 8-byte member pid");

	msg = new_msg(CSE_CMD_INSTANCE_GET);
	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, 1));
	PUT(nla_put_string(msg, CSE_A_INSTANCE_NAME, "x"));
	n = nla_nest_start(msg, CSE_A_COUNTERS);
	{
		struct nlattr *s = nla_nest_start(msg, CSE_A_SYSCALLS);
		struct nlattr *e = nla_nest_start(msg, CSE_A_ELEMENT);

		PUT(nla_put_string(msg, CSE_A_ELEMENT_NAME,
				   "a-name-longer-than-16"));
		PUT(nla_put_u64(msg, CSE_A_ELEMENT_CALLS, 1));
		nla_nest_end(msg, e);
		nla_nest_end(msg, s);
	}
	nla_nest_end(msg, n);
	check(parse(msg, &in) == -EBADMSG, "malformed: element name too long");

	/* A message cut short: nlmsg_len larger than what genl needs. */
	msg = new_msg(CSE_CMD_INSTANCE_GET);
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN + 2;
	check(parse(msg, &in) == -EBADMSG, "malformed: truncated genl header");
}

static void event(uint8_t cmd, bool name, bool pid, bool dev, const char *path,
		  const char *want_text, const char *want_json, const char *test)
{
	struct nl_msg *msg = new_msg(cmd);
	struct csectl_event ev;
	char why[128], t[128];
	int r;

	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, 3));
	if (name)
		PUT(nla_put_string(msg, CSE_A_INSTANCE_NAME, "web1"));
	if (pid)
		PUT(nla_put_u32(msg, CSE_A_EVENT_PID, 1234));
	if (dev) {
		PUT(nla_put_u32(msg, CSE_A_GRANT_TYPE, CSE_DEV_CHAR));
		PUT(nla_put_u32(msg, CSE_A_GRANT_MAJOR, 1));
		PUT(nla_put_u32(msg, CSE_A_GRANT_MINOR, 3));
		PUT(nla_put_u32(msg, CSE_A_GRANT_ACCESS, CSE_ACCESS_ALL));
	}
	if (path)
		PUT(nla_put_string(msg, CSE_A_EVENT_PATH, path));
	r = csectl_parse_event(nlmsg_hdr(msg), &ev, why, sizeof(why));
	nlmsg_free(msg);
	snprintf(t, sizeof(t), "event: parse %s", test);
	check(r == 0, t);
	if (r)
		return;
	snprintf(t, sizeof(t), "event: text %s", test);
	CHECK_OUTPUT(t, want_text, csectl_print_event(f, &ev, false));
	snprintf(t, sizeof(t), "event: json %s", test);
	CHECK_OUTPUT(t, want_json, csectl_print_event(f, &ev, true));
	if (json_samples)
		csectl_print_event(stdout, &ev, true);
}

static void test_events(void)
{
	event(CSE_CMD_INSTANCE_NEW, true, false, false, NULL,
	      "instance-new id 3 name web1\n",
	      "{\"event\":\"instance-new\",\"id\":3,\"name\":\"web1\"}\n",
	      "instance-new");
	event(CSE_CMD_INSTANCE_DEL, true, false, false, NULL,
	      "instance-del id 3 name web1\n",
	      "{\"event\":\"instance-del\",\"id\":3,\"name\":\"web1\"}\n",
	      "instance-del");
	event(CSE_CMD_MEMBER_JOIN, true, true, false, NULL,
	      "member-join id 3 pid 1234\n",
	      "{\"event\":\"member-join\",\"id\":3,\"name\":\"web1\",\"pid\":1234}\n",
	      "member-join");
	event(CSE_CMD_MEMBER_LEAVE, false, true, false, NULL,
	      "member-leave id 3 pid 1234\n",
	      "{\"event\":\"member-leave\",\"id\":3,\"pid\":1234}\n",
	      "member-leave");
	event(CSE_CMD_DEV_GRANTED, true, true, true, "/dev/null",
	      "dev-granted id 3 pid 1234 c 1:3 rw /dev/null\n",
	      "{\"event\":\"dev-granted\",\"id\":3,\"name\":\"web1\",\"pid\":1234,"
	      "\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\","
	      "\"path\":\"/dev/null\"}\n",
	      "dev-granted");
	event(CSE_CMD_DEV_DENIED, true, true, true, "/dev/sp\"ace \xc3\xa9\xff",
	      "dev-denied id 3 pid 1234 c 1:3 rw /dev/sp\"ace \\xc3\\xa9\\xff\n",
	      "{\"event\":\"dev-denied\",\"id\":3,\"name\":\"web1\",\"pid\":1234,"
	      "\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\","
	      "\"path\":\"/dev/sp\\\"ace \xc3\xa9\\ufffd\"}\n",
	      "dev-denied with odd path");
	event(42, true, false, false, NULL,
	      "event-42 id 3 name web1\n",
	      "{\"event\":\"event-42\",\"id\":3,\"name\":\"web1\"}\n",
	      "unknown command");
}

/* Build an NLMSG_ERROR / NLMSG_DONE the way the kernel lays them out. */
static struct nl_msg *error_msg(int err, bool capped, const char *text)
{
	struct nl_msg *req = new_msg(CSE_CMD_INSTANCE_GET);
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *req_h, *nlh;
	size_t payload;
	struct nlmsgerr *e;

	PUT(nla_put_u64(req, CSE_A_INSTANCE_ID, 99));
	req_h = nlmsg_hdr(req);
	payload = sizeof(*e) + (capped ? 0 : req_h->nlmsg_len - NLMSG_HDRLEN);
	nlh = nlmsg_put(msg, 0, 7, NLMSG_ERROR, (int)payload,
			(capped ? NLM_F_CAPPED : 0) | (text ? NLM_F_ACK_TLVS : 0));
	PUT(nlh ? 0 : -1);
	e = nlmsg_data(nlh);
	e->error = -err;
	memcpy(&e->msg, req_h, capped ? sizeof(*req_h) : req_h->nlmsg_len);
	if (text)
		PUT(nla_put_string(msg, NLMSGERR_ATTR_MSG, text));
	PUT(nla_put_u32(msg, NLMSGERR_ATTR_OFFS, 20));
	nlmsg_free(req);
	return msg;
}

static void test_extack(void)
{
	char buf[64];
	struct nl_msg *msg;
	struct nlmsghdr *nlh;
	int err = -ENOENT;

	msg = error_msg(ENOENT, true, "no instance with this id");
	check(csectl_extack_msg(nlmsg_hdr(msg), buf, sizeof(buf)) &&
	      !strcmp(buf, "no instance with this id"),
	      "extack: capped NLMSG_ERROR");
	nlmsg_free(msg);

	msg = error_msg(EINVAL, false, "attribute out of range");
	check(csectl_extack_msg(nlmsg_hdr(msg), buf, sizeof(buf)) &&
	      !strcmp(buf, "attribute out of range"),
	      "extack: NLMSG_ERROR echoing the request");
	nlmsg_free(msg);

	msg = error_msg(EPERM, true, NULL);
	check(!csectl_extack_msg(nlmsg_hdr(msg), buf, sizeof(buf)) && !buf[0],
	      "extack: absent");
	nlmsg_free(msg);

	msg = error_msg(EINVAL, true, "a message longer than the caller's buffer, cut");
	check(csectl_extack_msg(nlmsg_hdr(msg), buf, 8) && !strcmp(buf, "a messa"),
	      "extack: truncated to the buffer");
	nlmsg_free(msg);

	msg = error_msg(EINVAL, false, "x");
	nlh = nlmsg_hdr(msg);
	((struct nlmsgerr *)nlmsg_data(nlh))->msg.nlmsg_len = 1u << 30;
	check(!csectl_extack_msg(nlh, buf, sizeof(buf)),
	      "extack: bogus echoed length rejected");
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	nlh = nlmsg_put(msg, 0, 7, NLMSG_DONE, sizeof(int),
			NLM_F_MULTI | NLM_F_ACK_TLVS);
	PUT(nlh ? 0 : -1);
	memcpy(nlmsg_data(nlh), &err, sizeof(err));
	PUT(nla_put_string(msg, NLMSGERR_ATTR_MSG, "dump failed"));
	check(csectl_extack_msg(nlmsg_hdr(msg), buf, sizeof(buf)) &&
	      !strcmp(buf, "dump failed"), "extack: NLMSG_DONE");
	nlmsg_free(msg);
}

static void test_parsers(void)
{
	struct csectl_ref ref;
	uint64_t v;
	double d;
	char buf[32];

	check(!csectl_parse_u64("18446744073709551615", &v) && v == UINT64_MAX,
	      "parse_u64: max");
	check(csectl_parse_u64("18446744073709551616", &v) == -ERANGE,
	      "parse_u64: overflow");
	check(csectl_parse_u64("", &v) == -EINVAL &&
	      csectl_parse_u64("-1", &v) == -EINVAL &&
	      csectl_parse_u64("1 ", &v) == -EINVAL &&
	      csectl_parse_u64("0x10", &v) == -EINVAL, "parse_u64: junk");

	check(!csectl_parse_seconds("2", 0.1, 3600, &d) && d == 2.0 &&
	      !csectl_parse_seconds("0.5", 0.1, 3600, &d) && d == 0.5 &&
	      !csectl_parse_seconds("250ms", 0.1, 3600, &d) && d == 0.25 &&
	      !csectl_parse_seconds("3s", 0.1, 3600, &d) && d == 3.0,
	      "parse_seconds: forms");
	check(csectl_parse_seconds("0", 0.1, 3600, &d) == -ERANGE &&
	      csectl_parse_seconds("3601", 0.1, 3600, &d) == -ERANGE &&
	      csectl_parse_seconds("99999999999999", 0.1, 3600, &d) == -ERANGE,
	      "parse_seconds: range");
	check(csectl_parse_seconds("1e3", 0.1, 3600, &d) == -EINVAL &&
	      csectl_parse_seconds("inf", 0.1, 3600, &d) == -EINVAL &&
	      csectl_parse_seconds(" 1", 0.1, 3600, &d) == -EINVAL &&
	      csectl_parse_seconds("1.", 0.1, 3600, &d) == -EINVAL &&
	      csectl_parse_seconds(".5", 0.1, 3600, &d) == -EINVAL &&
	      csectl_parse_seconds("-1", 0.1, 3600, &d) == -EINVAL &&
	      csectl_parse_seconds("1m", 0.1, 3600, &d) == -EINVAL,
	      "parse_seconds: junk");

	check(!csectl_parse_ref("42", &ref) && !ref.by_name && ref.id == 42,
	      "ref: id");
	check(!csectl_parse_ref("web1", &ref) && ref.by_name &&
	      !strcmp(ref.name, "web1"), "ref: name");
	check(!csectl_parse_ref("name=123", &ref) && ref.by_name &&
	      !strcmp(ref.name, "123"), "ref: name= forces a name");
	check(csectl_parse_ref("12abc", &ref) == -EINVAL &&
	      csectl_parse_ref("", &ref) == -EINVAL &&
	      csectl_parse_ref("name=", &ref) == -EINVAL &&
	      csectl_parse_ref("a\tb", &ref) == -EINVAL, "ref: invalid");
	{
		char name[CSE_NAME_MAX + 1];

		memset(name, 'n', CSE_NAME_MAX - 1);
		name[CSE_NAME_MAX - 1] = '\0';
		check(!csectl_parse_ref(name, &ref), "ref: longest name");
		name[CSE_NAME_MAX - 1] = 'n';
		name[CSE_NAME_MAX] = '\0';
		check(csectl_parse_ref(name, &ref) == -ENAMETOOLONG,
		      "ref: name too long");
	}

	csectl_fmt_age(buf, sizeof(buf), 59ULL * 1000000000);
	check(!strcmp(buf, "59s"), "age: seconds");
	csectl_fmt_age(buf, sizeof(buf), 3725ULL * 1000000000);
	check(!strcmp(buf, "1h02m"), "age: hours");
	csectl_fmt_age(buf, sizeof(buf), (2 * 86400ULL + 5 * 3600) * 1000000000);
	check(!strcmp(buf, "2d05h"), "age: days");
	csectl_fmt_bytes(buf, sizeof(buf), 1023);
	check(!strcmp(buf, "1023B"), "bytes: plain");
	csectl_fmt_bytes(buf, sizeof(buf), 1536);
	check(!strcmp(buf, "1.5KiB"), "bytes: KiB");
	csectl_fmt_bytes(buf, sizeof(buf), 18446744073709551615.0);
	check(!strcmp(buf, "16.0EiB"), "bytes: u64 max");
	csectl_fmt_access(buf, sizeof(buf), 0);
	check(!strcmp(buf, "-"), "access: none");
	csectl_fmt_access(buf, sizeof(buf), CSE_ACCESS_WRITE | 0x10);
	check(!strcmp(buf, "w+0x10"), "access: unknown bits shown");
}

/*
 * csectl_request() against a family every kernel has (nlctrl): a real
 * multi-part dump ending in NLMSG_DONE, a doit answered by NLMSG_ERROR,
 * and policy rejections with extack. Skipped when generic netlink cannot
 * be reached (some sandboxes).
 */
static int count_msg(const void *nlh, void *arg)
{
	(void)nlh;
	(*(int *)arg)++;
	return 0;
}

static void test_request(void)
{
	struct csectl_ctx ctx;
	struct nl_msg *msg;
	int one = 1, n = 0, r;

	memset(&ctx, 0, sizeof(ctx));
	ctx.sk = nl_socket_alloc();
	if (!ctx.sk || genl_connect(ctx.sk) < 0) {
		fprintf(report, "SKIP request: no generic netlink here\n");
		if (ctx.sk)
			nl_socket_free(ctx.sk);
		return;
	}
	setsockopt(nl_socket_get_fd(ctx.sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(ctx.sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl_socket_enable_msg_peek(ctx.sk);
	ctx.family = GENL_ID_CTRL;

	msg = csectl_msg_new(&ctx, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	r = csectl_request(&ctx, msg, count_msg, &n);
	check(r == 0 && n >= 1 && ctx.done, "request: dump to NLMSG_DONE");

	msg = csectl_msg_new(&ctx, CTRL_CMD_GETFAMILY, 0);
	PUT(nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "cse-no-such-family"));
	n = 0;
	r = csectl_request(&ctx, msg, count_msg, &n);
	/* Linux answers EINVAL for an unknown name: any errno will do. */
	check(r < 0 && r == -ctx.err && n == 0 && ctx.done,
	      "request: doit error -> -errno");

	msg = csectl_msg_new(&ctx, CTRL_CMD_GETFAMILY, 0);
	PUT(nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "nlctrl"));
	n = 0;
	r = csectl_request(&ctx, msg, count_msg, &n);
	check(r == 0 && n == 1, "request: doit reply then ack");

	/* A u16 attribute sent as 1 byte: rejected by the policy. */
	msg = csectl_msg_new(&ctx, CTRL_CMD_GETFAMILY, 0);
	PUT(nla_put_u8(msg, CTRL_ATTR_FAMILY_ID, 1));
	r = csectl_request(&ctx, msg, count_msg, &n);
	fprintf(report, "# kernel said: %s (%s)\n", ctx.extack, strerror(ctx.err));
	check(r < 0 && r == -ctx.err && ctx.extack[0],
	      "request: policy rejection carries an extack message");
	nl_socket_free(ctx.sk);
}

/* A continuation part: ID, CONTINUED and the next member pids. */
static struct nl_msg *continued_msg(uint64_t id, uint32_t first, int n)
{
	struct nl_msg *msg = new_msg(CSE_CMD_INSTANCE_GET);
	struct nlattr *m;

	PUT(nla_put_u64(msg, CSE_A_INSTANCE_ID, id));
	PUT(nla_put_flag(msg, CSE_A_CONTINUED));
	m = nla_nest_start(msg, CSE_A_MEMBERS);
	for (int i = 0; i < n; i++)
		PUT(nla_put_u32(msg, CSE_A_MEMBER_PID, first + (uint32_t)i));
	nla_nest_end(msg, m);
	return msg;
}

static int collect(struct nl_msg *msg, struct csectl_inst **v, size_t *n,
		   char *why, size_t len)
{
	int r = csectl_collect_instance(nlmsg_hdr(msg), v, n, why, len);

	nlmsg_free(msg);
	return r;
}

/* Instances split by the module over several dump parts are merged. */
static void test_split_dump(void)
{
	struct csectl_inst *v = NULL;
	size_t n = 0;
	char why[128] = "";
	bool ok = true;
	int r;

	r = collect(instance_msg(7, "big", 1, 2), &v, &n, why, sizeof(why));
	r |= collect(continued_msg(7, 5000, 500), &v, &n, why, sizeof(why));
	r |= collect(continued_msg(7, 5500, 3), &v, &n, why, sizeof(why));
	r |= collect(instance_msg(8, "next", 1, 2), &v, &n, why, sizeof(why));
	ok = r == 0 && n == 2 && v[0].id == 7 && v[0].n_pids == 2 + 503 &&
	     v[1].id == 8 && v[1].n_pids == 2;
	for (size_t i = 2; ok && i < v[0].n_pids; i++)
		ok = v[0].pids[i] == 5000 + i - 2;
	check(ok, "split dump: continued parts append members in order");
	csectl_insts_free(v, n);

	v = NULL;
	n = 0;
	r = collect(continued_msg(9, 1, 1), &v, &n, why, sizeof(why));
	check(r == -EBADMSG && n == 0 &&
	      !strcmp(why, "member list of instance 9 continued without its instance"),
	      "split dump: a continuation without its instance is malformed");
	r = collect(instance_msg(8, "x", 1, 2), &v, &n, why, sizeof(why));
	r = collect(continued_msg(9, 1, 1), &v, &n, why, sizeof(why));
	check(r == -EBADMSG && n == 1 && v[0].n_pids == 2,
	      "split dump: a continuation of another instance is malformed");
	csectl_insts_free(v, n);
}

int main(int argc, char **argv)
{
	report = stdout;
	if (argc == 2 && !strcmp(argv[1], "--json-samples")) {
		json_samples = 1;
		report = fopen("/dev/null", "w");
		if (!report)
			return 2;
	} else if (argc != 1) {
		fprintf(stderr, "usage: csectl-unit [--json-samples]\n");
		return 2;
	}
	test_instance();
	test_minimal_and_unknown();
	test_malformed();
	test_events();
	test_extack();
	test_parsers();
	test_request();
	test_split_dump();
	fprintf(report, "# %d failure%s\n", failures, failures == 1 ? "" : "s");
	if (report != stdout)
		fclose(report);
	return failures ? 1 : 0;
}
