/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the netlink selftests: /dev/cse open (or SKIP), a raw
 * generic netlink socket, and the "cse" family and its events group
 * resolved (SKIP when the family is not registered).
 *
 * Include after kselftest_harness.h, cse_test.h and cse_nl.h.
 */
#ifndef CSE_NL_FIXTURE_H
#define CSE_NL_FIXTURE_H

FIXTURE(nl) {
	int dev;
	int sock;
	struct nl_family_info fam;
};

FIXTURE_SETUP(nl)
{
	int err;

	self->sock = -1;
	self->dev = cse_open_or_skip();
	self->sock = nl_socket();
	ASSERT_LE(0, self->sock);
	err = nl_resolve(self->sock, &self->fam);
	if (err == -ENOENT)
		SKIP(return, "generic netlink family \"cse\" is not registered");
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(nl)
{
	if (self->sock >= 0)
		close(self->sock);
	if (self->dev >= 0)
		close(self->dev);
}

#endif /* CSE_NL_FIXTURE_H */
