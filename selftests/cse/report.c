// SPDX-License-Identifier: GPL-2.0
/*
 * CSE_IOC_REPORT_SYSCALLS: every validation error with its exact errno
 * (struct size, flags, reserved field, entry count, entry address, names,
 * the per-instance element limit), a rejected report changing nothing,
 * and the per-element counts as the netlink instance reply shows them.
 *
 * SKIP when /dev/cse is absent; the netlink checks also need the family.
 */
#include <assert.h>

#include "kselftest_harness.h"
#include "cse_test.h"
#include "cse_nl.h"

static_assert(sizeof(struct cse_syscall_report) == CSE_SYSCALL_REPORT_SIZE_VER0,
	      "cse_syscall_report size");
static_assert(sizeof(struct cse_element_calls) == 24, "cse_element_calls size");

FIXTURE(rep) {
	int dev;
	int ifd;
	uint64_t id;
	struct cse_element_calls e[CSE_ELEMENTS_MAX + 1];
	struct cse_syscall_report r;
};

FIXTURE_SETUP(rep)
{
	struct cse_instance_info info;

	self->ifd = -1;
	self->dev = cse_open_or_skip();
	self->ifd = ASSERT_OK(cse_create(self->dev, "report", NULL, 0, 0));
	ASSERT_OK(cse_info(self->ifd, &info));
	self->id = info.id;
	memset(self->e, 0, sizeof(self->e));
	memset(&self->r, 0, sizeof(self->r));
	self->r.size = sizeof(self->r);
	self->r.entries = (uintptr_t)self->e;
}

FIXTURE_TEARDOWN(rep)
{
	if (self->ifd >= 0)
		close(self->ifd);
	if (self->dev >= 0)
		close(self->dev);
}

static void set_entry(struct cse_element_calls *e, const char *name,
		      uint64_t calls)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->calls = calls;
}

#define REPORT(_self) ioctl((_self)->ifd, CSE_IOC_REPORT_SYSCALLS, &(_self)->r)

/* The instance as netlink shows it; SKIP without the family. */
#define GET_INSTANCE(_self, _in) do {					\
	struct nl_family_info __fi;					\
	struct nl_ack __ack;						\
	int __s = nl_socket(), __err;					\
	ASSERT_LE(0, __s);						\
	__err = nl_resolve(__s, &__fi);					\
	if (__err == -ENOENT)						\
		SKIP(return, "generic netlink family \"cse\" is absent"); \
	ASSERT_EQ(0, __err);						\
	ASSERT_EQ(0, nl_get_by_id(__s, __fi.id, (_self)->id, (_in), &__ack)); \
	close(__s);							\
} while (0)

TEST_F(rep, counts_add_up_and_show_in_netlink)
{
	struct nl_instance in;

	set_entry(&self->e[0], "trace", 5);
	set_entry(&self->e[1], "fs", 3);
	self->r.n_entries = 2;
	ASSERT_EQ(0, REPORT(self));
	set_entry(&self->e[0], "fs", 10);
	set_entry(&self->e[1], "trace", 2);
	set_entry(&self->e[2], "net", 1);
	set_entry(&self->e[3], "net", 1);
	self->r.n_entries = 4;
	ASSERT_EQ(0, REPORT(self));

	GET_INSTANCE(self, &in);
	ASSERT_EQ(3, in.n_elements);
	EXPECT_STREQ("trace", in.elements[0].name);
	EXPECT_EQ(7, in.elements[0].calls);
	EXPECT_STREQ("fs", in.elements[1].name);
	EXPECT_EQ(13, in.elements[1].calls);
	EXPECT_STREQ("net", in.elements[2].name);
	EXPECT_EQ(2, in.elements[2].calls);
}

TEST_F(rep, bytes_after_the_nul_are_ignored)
{
	struct nl_instance in;

	memset(self->e[0].name, 'z', sizeof(self->e[0].name));
	memcpy(self->e[0].name, "abc", 4);
	self->e[0].calls = 1;
	self->r.n_entries = 1;
	ASSERT_EQ(0, REPORT(self));
	GET_INSTANCE(self, &in);
	ASSERT_EQ(1, in.n_elements);
	EXPECT_STREQ("abc", in.elements[0].name);
}

TEST_F(rep, zero_entries_is_a_no_op)
{
	struct nl_instance in;

	self->r.n_entries = 0;
	self->r.entries = 8;	/* not read when there is nothing to read */
	ASSERT_EQ(0, REPORT(self));
	GET_INSTANCE(self, &in);
	EXPECT_EQ(0, in.n_elements);
}

TEST_F(rep, size_below_ver0_is_einval)
{
	self->r.size = CSE_SYSCALL_REPORT_SIZE_VER0 - 1;
	ASSERT_ERRNO(EINVAL, REPORT(self));
}

TEST_F(rep, size_above_a_page_is_e2big)
{
	self->r.size = 4097;
	ASSERT_ERRNO(E2BIG, REPORT(self));
}

TEST_F(rep, nonzero_unknown_tail_is_e2big)
{
	struct {
		struct cse_syscall_report r;
		uint64_t tail;
	} big = { .r = self->r, .tail = 1 };

	big.r.size = sizeof(big);
	ASSERT_ERRNO(E2BIG, ioctl(self->ifd, CSE_IOC_REPORT_SYSCALLS, &big));
	big.tail = 0;
	ASSERT_EQ(0, ioctl(self->ifd, CSE_IOC_REPORT_SYSCALLS, &big));
}

TEST_F(rep, unknown_flags_are_einval)
{
	self->r.flags = 1;
	ASSERT_ERRNO(EINVAL, REPORT(self));
}

TEST_F(rep, nonzero_reserved_is_einval)
{
	self->r.reserved0 = 1;
	ASSERT_ERRNO(EINVAL, REPORT(self));
}

TEST_F(rep, too_many_entries_is_e2big)
{
	self->r.n_entries = CSE_ELEMENTS_MAX + 1;
	ASSERT_ERRNO(E2BIG, REPORT(self));
}

TEST_F(rep, bad_entries_address_is_efault)
{
	self->r.n_entries = 1;
	self->r.entries = 8;
	ASSERT_ERRNO(EFAULT, REPORT(self));
}

TEST_F(rep, empty_name_is_einval)
{
	set_entry(&self->e[0], "", 1);
	self->r.n_entries = 1;
	ASSERT_ERRNO(EINVAL, REPORT(self));
}

TEST_F(rep, unterminated_name_is_enametoolong)
{
	memset(self->e[0].name, 'a', sizeof(self->e[0].name));
	self->r.n_entries = 1;
	ASSERT_ERRNO(ENAMETOOLONG, REPORT(self));
}

TEST_F(rep, unprintable_name_is_einval)
{
	set_entry(&self->e[0], "tab\there", 1);
	self->r.n_entries = 1;
	ASSERT_ERRNO(EINVAL, REPORT(self));
}

TEST_F(rep, bad_name_later_in_the_report_changes_nothing)
{
	struct nl_instance in;

	set_entry(&self->e[0], "good", 1);
	set_entry(&self->e[1], "", 1);
	self->r.n_entries = 2;
	ASSERT_ERRNO(EINVAL, REPORT(self));
	GET_INSTANCE(self, &in);
	EXPECT_EQ(0, in.n_elements);
}

TEST_F(rep, seventeenth_element_is_enospc_and_changes_nothing)
{
	struct nl_instance in;
	char name[CSE_ELEMENT_NAME_MAX];
	int i;

	for (i = 0; i < CSE_ELEMENTS_MAX; i++) {
		snprintf(name, sizeof(name), "el%d", i);
		set_entry(&self->e[i], name, 1);
	}
	self->r.n_entries = CSE_ELEMENTS_MAX;
	ASSERT_EQ(0, REPORT(self));

	/* A known name plus a new one: all or nothing. */
	set_entry(&self->e[0], "el0", 100);
	set_entry(&self->e[1], "el-new", 1);
	self->r.n_entries = 2;
	ASSERT_ERRNO(ENOSPC, REPORT(self));
	GET_INSTANCE(self, &in);
	ASSERT_EQ(CSE_ELEMENTS_MAX, in.n_elements);
	EXPECT_STREQ("el0", in.elements[0].name);
	EXPECT_EQ(1, in.elements[0].calls);

	/* Known names still count. */
	self->r.n_entries = 1;
	ASSERT_EQ(0, REPORT(self));
	GET_INSTANCE(self, &in);
	EXPECT_EQ(101, in.elements[0].calls);
}

TEST_F(rep, a_name_repeated_in_one_report_takes_one_slot)
{
	struct nl_instance in;
	char name[CSE_ELEMENT_NAME_MAX];
	int i;

	for (i = 0; i < CSE_ELEMENTS_MAX - 1; i++) {
		snprintf(name, sizeof(name), "el%d", i);
		set_entry(&self->e[i], name, 1);
	}
	self->r.n_entries = CSE_ELEMENTS_MAX - 1;
	ASSERT_EQ(0, REPORT(self));
	set_entry(&self->e[0], "last", 1);
	set_entry(&self->e[1], "last", 2);
	self->r.n_entries = 2;
	ASSERT_EQ(0, REPORT(self));
	GET_INSTANCE(self, &in);
	ASSERT_EQ(CSE_ELEMENTS_MAX, in.n_elements);
	EXPECT_STREQ("last", in.elements[CSE_ELEMENTS_MAX - 1].name);
	EXPECT_EQ(3, in.elements[CSE_ELEMENTS_MAX - 1].calls);
}

TEST_F(rep, on_dev_cse_is_enotty)
{
	self->r.n_entries = 0;
	ASSERT_ERRNO(ENOTTY, ioctl(self->dev, CSE_IOC_REPORT_SYSCALLS,
				   &self->r));
}

TEST_HARNESS_MAIN
