// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "cse": every malformed or refused request, each
 * in its own test, with the exact errno and extended ack text (missing
 * key, both keys, wrong length, out of range, oversized or unterminated
 * name, unknown attribute under strict validation, reserved header field,
 * unknown instance, attributes on a dump, notification commands sent as
 * requests, the admin-only reset from an unprivileged user).
 *
 * Raw netlink sockets (cse_nl.h). SKIP when /dev/cse or the family is
 * absent.
 */
#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"
#include "cse_nl_fixture.h"

TEST_F(nl, get_without_key_is_einval)
{
	struct nl_ack ack;
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	ASSERT_EQ(0, nl_transact(self->sock, &r, &ack, NULL, NULL,
				 NL_BUF_SIZE, NULL));
	EXPECT_EQ(-EINVAL, ack.error);
	EXPECT_STREQ("instance id or name is required", ack.msg);
	EXPECT_EQ(CSE_A_INSTANCE_ID, ack.miss_type);
}

TEST_F(nl, get_with_both_keys_is_einval)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, 1);
	nl_put_str(&r, CSE_A_INSTANCE_NAME, "x");
	ASSERT_NL_ERROR(self, &r, EINVAL, "instance id and name are exclusive");
}

TEST_F(nl, get_id_of_wrong_length_is_einval)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_u32(&r, CSE_A_INSTANCE_ID, 1);
	ASSERT_NL_ERROR(self, &r, EINVAL, "invalid attribute length");
}

TEST_F(nl, get_id_zero_is_out_of_range)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, 0);
	ASSERT_NL_ERROR(self, &r, ERANGE, "integer out of range");
}

TEST_F(nl, get_id_above_u32_is_out_of_range)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, 1ULL << 32);
	ASSERT_NL_ERROR(self, &r, ERANGE, "integer out of range");
}

TEST_F(nl, get_oversized_name_is_einval)
{
	char name[CSE_NAME_MAX + 1];
	struct nl_req r;

	memset(name, 'a', CSE_NAME_MAX);
	name[CSE_NAME_MAX] = 0;
	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_str(&r, CSE_A_INSTANCE_NAME, name);
	/* No NUL within CSE_NAME_MAX bytes: the NUL_STRING check fails. */
	ASSERT_NL_ERROR(self, &r, EINVAL, "Attribute failed policy validation");
}

TEST_F(nl, get_unterminated_name_is_einval)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put(&r, CSE_A_INSTANCE_NAME, "abcd", 4);
	ASSERT_NL_ERROR(self, &r, EINVAL, "Attribute failed policy validation");
}

TEST_F(nl, get_empty_name_is_einval)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_str(&r, CSE_A_INSTANCE_NAME, "");
	ASSERT_NL_ERROR(self, &r, EINVAL, "instance name is empty");
}

TEST_F(nl, get_unknown_attribute_is_einval)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, 1);
	nl_put_u32(&r, CSE_A_CREATOR_UID, 0);
	ASSERT_NL_ERROR(self, &r, EINVAL, "Unknown attribute type");
}

TEST_F(nl, get_reserved_header_field_is_einval)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	((struct genlmsghdr *)NLMSG_DATA(&r.nlh))->reserved = 1;
	nl_put_u64(&r, CSE_A_INSTANCE_ID, 1);
	ASSERT_NL_ERROR(self, &r, EINVAL, "genlmsghdr.reserved field is not 0");
}

TEST_F(nl, get_unknown_id_is_enoent)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, 0xfffffff0U);
	ASSERT_NL_ERROR(self, &r, ENOENT, "no such instance");
}

TEST_F(nl, get_unknown_name_is_enoent)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, 0);
	nl_put_str(&r, CSE_A_INSTANCE_NAME, "nl-no-such-instance");
	ASSERT_NL_ERROR(self, &r, ENOENT, "no such instance");
}

TEST_F(nl, dump_with_attributes_is_einval)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_INSTANCE_GET, NLM_F_DUMP);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, 1);
	ASSERT_NL_ERROR(self, &r, EINVAL, "a dump takes no attributes");
}

TEST_F(nl, notification_commands_are_not_requests)
{
	static const uint8_t cmds[] = {
		CSE_CMD_INSTANCE_NEW, CSE_CMD_INSTANCE_DEL,
		CSE_CMD_MEMBER_JOIN, CSE_CMD_MEMBER_LEAVE,
		CSE_CMD_DEV_GRANTED, CSE_CMD_DEV_DENIED, CSE_CMD_UNSPEC,
	};
	struct nl_ack ack;
	struct nl_req r;
	unsigned int i;

	for (i = 0; i < sizeof(cmds); i++) {
		nl_req_init(&r, self->fam.id, cmds[i], 0);
		ASSERT_EQ(0, nl_transact(self->sock, &r, &ack, NULL, NULL,
					 NL_BUF_SIZE, NULL));
		EXPECT_EQ(-EOPNOTSUPP, ack.error) {
			TH_LOG("command %u", cmds[i]);
		}
	}
}

TEST_F(nl, reset_without_id_is_einval)
{
	struct nl_ack ack;
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_COUNTERS_RESET, 0);
	ASSERT_EQ(0, nl_transact(self->sock, &r, &ack, NULL, NULL,
				 NL_BUF_SIZE, NULL));
	EXPECT_EQ(-EINVAL, ack.error);
	EXPECT_STREQ("instance id is required", ack.msg);
	EXPECT_EQ(CSE_A_INSTANCE_ID, ack.miss_type);
}

TEST_F(nl, reset_unknown_id_is_enoent)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_COUNTERS_RESET, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, 0xfffffff0U);
	ASSERT_NL_ERROR(self, &r, ENOENT, "no such instance");
}

TEST_F(nl, reset_name_is_unknown_attribute)
{
	struct nl_req r;

	nl_req_init(&r, self->fam.id, CSE_CMD_COUNTERS_RESET, 0);
	nl_put_str(&r, CSE_A_INSTANCE_NAME, "x");
	ASSERT_NL_ERROR(self, &r, EINVAL, "Unknown attribute type");
}

struct nobody_req {
	uint16_t family;
	uint8_t cmd;
	uint64_t id;
};

/* As nobody: the ack's error of one request (0 or -errno), as a code. */
static int nobody_request(void *arg, void *out, size_t len)
{
	struct nobody_req *q = arg;
	struct nl_ack ack;
	struct nl_req r;
	int fd = nl_socket();

	(void)out;
	(void)len;
	if (fd < 0)
		return 1000;
	nl_req_init(&r, q->family, q->cmd, 0);
	nl_put_u64(&r, CSE_A_INSTANCE_ID, q->id);
	if (nl_transact(fd, &r, &ack, NULL, NULL, NL_BUF_SIZE, NULL))
		return 1001;
	return -ack.error;
}

TEST_F(nl, reset_needs_admin_get_does_not)
{
	struct nobody_req q = { .family = self->fam.id };
	int ifd;

	ifd = ASSERT_OK(cse_create(self->dev, "nl-perm", NULL, 0, 0));
	q.id = cse_inst_id(ifd);
	q.cmd = CSE_CMD_COUNTERS_RESET;
	EXPECT_EQ(EPERM, cse_run_as_nobody(nobody_request, &q, NULL, 0));
	/*
	 * The get itself needs no privilege, but root's instance does not
	 * exist for nobody (visibility.c: its own instances it gets).
	 */
	q.cmd = CSE_CMD_INSTANCE_GET;
	EXPECT_EQ(ENOENT, cse_run_as_nobody(nobody_request, &q, NULL, 0));
	close(ifd);
}

static int nobody_subscribe(void *arg, void *out, size_t len)
{
	uint32_t group = *(uint32_t *)arg;
	int fd = nl_socket();

	(void)out;
	(void)len;
	if (fd < 0)
		return 1000;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		return errno;
	close(fd);
	return 0;
}

/* Events show every user's pids and device paths: admins only. */
TEST_F(nl, events_group_needs_admin)
{
	uint32_t group = self->fam.events_group;
	int fd = nl_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&group, sizeof(group)));
	close(fd);
	EXPECT_EQ(EPERM, cse_run_as_nobody(nobody_subscribe, &group, NULL, 0));
}

TEST_HARNESS_MAIN
