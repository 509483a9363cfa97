// SPDX-License-Identifier: GPL-2.0
/*
 * Random ioctls against /dev/cse and instance fds: at least 100,000 calls
 * (CSE_FUZZ_CALLS to change it) with commands mixed from the cse numbers,
 * cse numbers with random direction/size bits and random numbers; struct
 * arguments with random size fields, flags, names, grant arrays, paths and
 * reserved fields, or junk, unmapped, page-straddling and kernel pointers.
 * The seed is printed and can be replayed with CSE_FUZZ_SEED. Every fd a
 * successful call returns is closed. Afterwards the module must still
 * answer correctly and no fd may have leaked.
 */
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"
#include "cse_test.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return cse_rnd(&rng_state);
}

static unsigned int below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static const unsigned long cse_cmds[] = {
	CSE_IOC_VERSION, CSE_IOC_INSTANCE_CREATE, CSE_IOC_INSTANCE_INFO,
	CSE_IOC_JOIN, CSE_IOC_LEAVE, CSE_IOC_DEV_OPEN,
};

static const char *const paths[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/urandom", "/tmp",
	"/dev/cse-missing", "", "null", "zero", "/proc/self/exe",
};

static unsigned long pick_cmd(void)
{
	unsigned int r = below(10);
	unsigned long cmd;

	if (r < 6)
		return cse_cmds[below(6)];
	if (r < 8)	/* a cse number with other direction/size bits */
		return _IOC(below(4), CSE_IOC_MAGIC, below(8), below(1 << 14));
	/* Anything else, but not the generic VFS ioctls (small numbers,
	 * and the 'T', 'X', 'f' and 0x94 families) that act on the file. */
	do {
		cmd = (uint32_t)rnd();
	} while (cmd < 0x100 || ((cmd >> 8) & 0xff) == 'T' ||
		 ((cmd >> 8) & 0xff) == 'X' || ((cmd >> 8) & 0xff) == 'f' ||
		 ((cmd >> 8) & 0xff) == 0x94);
	return cmd;
}

static uint32_t pick_size(uint32_t ver0, uint32_t max)
{
	static const uint32_t odd[] = { 0, 1, 7, 8, 0xffffffff, 0x80000000, 4096, 4097 };

	switch (below(6)) {
	case 0: return ver0;
	case 1: return ver0 - 1 - below(ver0);
	case 2: return max > ver0 ? ver0 + below(max - ver0 + 1) : ver0 + below(64);
	case 3: return odd[below(sizeof(odd) / sizeof(odd[0]))];
	case 4: return (uint32_t)rnd();
	default: return ver0;
	}
}

struct fuzz_mem {
	unsigned char *page;		/* two pages, the second PROT_NONE */
	size_t pagesz;
	struct cse_dev_grant grants[CSE_GRANTS_MAX + 2];
};

static void random_grants(struct fuzz_mem *m)
{
	unsigned int i;

	for (i = 0; i < CSE_GRANTS_MAX + 2; i++) {
		m->grants[i].type = below(4) ? CSE_DEV_CHAR : below(4);
		m->grants[i].major = below(4) ? 1 : below(300);
		m->grants[i].minor = below(4) ? 3 + 2 * below(2) : below(300);
		m->grants[i].access = below(4) ? 1 + below(3) : (uint32_t)rnd();
	}
}

/* Fill a struct-shaped argument for cmd of len bytes at p. */
static void fill_arg(struct fuzz_mem *m, unsigned long cmd, unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = below(3) ? 0 : (unsigned char)rnd();
	if (len < 8)
		return;
	if (cmd == CSE_IOC_INSTANCE_CREATE && len >= sizeof(struct cse_instance_create)) {
		struct cse_instance_create *c = (void *)p;
		unsigned int n = below(12);

		c->size = pick_size(CSE_INSTANCE_CREATE_SIZE_VER0, len);
		c->flags = below(4) ? 0 : (below(2) ? CSE_CREATE_INHERIT : (uint32_t)rnd());
		for (i = 0; i < n; i++)
			c->name[i] = (char)(below(8) ? 'a' + below(26) : rnd());
		if (below(8))
			c->name[n] = '\0';
		if (below(4) == 0 && n == 0)
			memset(c->name, 'x', sizeof(c->name));
		c->n_grants = below(4) ? below(4) : (below(2) ? CSE_GRANTS_MAX + below(3) : (uint32_t)rnd());
		random_grants(m);
		c->grants = below(4) ? (uintptr_t)m->grants : (below(2) ? 8 : rnd());
		c->reserved0 = below(8) ? 0 : (uint32_t)rnd();
		c->reserved[0] = below(8) ? 0 : rnd();
		c->reserved[1] = below(8) ? 0 : rnd();
	} else if (cmd == CSE_IOC_DEV_OPEN && len >= sizeof(struct cse_dev_open)) {
		struct cse_dev_open *o = (void *)p;

		o->size = pick_size(CSE_DEV_OPEN_SIZE_VER0, len);
		o->flags = below(6) ? 0 : (uint32_t)rnd();
		o->dirfd = below(4) ? AT_FDCWD : (int)below(64) - 8;
		o->open_flags = below(3) ? below(3) | (below(2) ? O_CLOEXEC : 0) :
				(uint32_t)rnd();
		o->path = below(6) ? (uintptr_t)paths[below(sizeof(paths) / sizeof(paths[0]))] :
			  (below(2) ? 8 : rnd());
		o->reserved[0] = below(8) ? 0 : rnd();
		o->reserved[1] = below(8) ? 0 : rnd();
	} else {
		uint32_t *hdr = (void *)p;

		hdr[0] = pick_size(cmd == CSE_IOC_INSTANCE_INFO ? CSE_INSTANCE_INFO_SIZE_VER0 :
				   CSE_VERSION_SIZE_VER0, len);
		hdr[1] = below(4) ? 0 : (uint32_t)rnd();
	}
}

/* Choose the ioctl argument: a struct somewhere in our pages, or junk. */
static unsigned long pick_arg(struct fuzz_mem *m, unsigned long cmd)
{
	size_t len;
	unsigned char *p;

	switch (below(10)) {
	case 0: return 0;
	case 1: return below(2) ? 1 : 8;
	case 2: return 0xffffffff81000000UL + below(1 << 20);
	case 3: return rnd();
	case 4: /* a struct that runs into the PROT_NONE page */
		len = 1 + below(160);
		p = m->page + m->pagesz - len;
		fill_arg(m, cmd, p, len);
		return (uintptr_t)p;
	default:
		len = 160 + below(m->pagesz - 160 - 1);
		p = m->page + below(2);	/* sometimes unaligned */
		fill_arg(m, cmd, p, len);
		return (uintptr_t)p;
	}
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

TEST_F_TIMEOUT(fuzz, random_ioctls, 240)
{
	const char *env_calls = getenv("CSE_FUZZ_CALLS");
	unsigned long calls = env_calls ? strtoul(env_calls, NULL, 0) : 300000;
	unsigned long i, ok = 0, created = 0, opened = 0, einval = 0, efault = 0, enotty = 0;
	uint64_t seed;
	struct fuzz_mem m;
	struct cse_dev_grant g[2];
	struct cse_instance_info info;
	struct cse_version v;
	int dev, inst[3], fds_before, fds_after;

	dev = cse_open_or_skip();
	seed = cse_seed("CSE_FUZZ_SEED");
	rng_state = seed;
	TH_LOG("seed %llu (replay with CSE_FUZZ_SEED=%llu), %lu calls",
	       (unsigned long long)seed, (unsigned long long)seed, calls);

	m.pagesz = (size_t)sysconf(_SC_PAGESIZE);
	m.page = mmap(NULL, 2 * m.pagesz, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m.page);
	ASSERT_EQ(0, mprotect(m.page + m.pagesz, m.pagesz, PROT_NONE));

	ASSERT_EQ(0, cse_grant_for(&g[0], "/dev/null", CSE_ACCESS_ALL));
	ASSERT_EQ(0, cse_grant_for(&g[1], "/dev/zero", CSE_ACCESS_READ));
	inst[0] = ASSERT_OK(cse_create(dev, "fuzz-grants", g, 2, 0));
	inst[1] = ASSERT_OK(cse_create(dev, "fuzz-plain", NULL, 0, 0));
	inst[2] = dev;
	fds_before = cse_count_fds();

	for (i = 0; i < calls; i++) {
		unsigned long cmd = pick_cmd();
		int fd = inst[below(3)];
		unsigned long arg = pick_arg(&m, cmd);
		int ret;

		errno = 0;
		ret = ioctl(fd, cmd, arg);
		if (ret >= 0) {
			ok++;
			if (cmd == CSE_IOC_INSTANCE_CREATE || cmd == CSE_IOC_DEV_OPEN) {
				/* Only these two return new fds. */
				ASSERT_LT(2, ret) {
					TH_LOG("call %lu: cmd %#lx returned fd %d", i, cmd, ret);
				}
				ASSERT_EQ(0, close(ret));
				if (cmd == CSE_IOC_INSTANCE_CREATE)
					created++;
				else
					opened++;
			}
		} else if (errno == EINVAL) {
			einval++;
		} else if (errno == EFAULT) {
			efault++;
		} else if (errno == ENOTTY) {
			enotty++;
		}
		/* A member leaves again so membership stays bounded. */
		if (cmd == CSE_IOC_JOIN && ret == 0)
			ioctl(fd, CSE_IOC_LEAVE, 0);
	}
	TH_LOG("%lu succeeded (%lu instances created, %lu devices opened); "
	       "EINVAL %lu, EFAULT %lu, ENOTTY %lu",
	       ok, created, opened, einval, efault, enotty);
	if (calls >= 100000) {
		/* A fuzzer that never gets past the checks tests little. */
		EXPECT_LT(0UL, created);
		EXPECT_LT(0UL, opened);
		EXPECT_LT(0UL, einval);
		EXPECT_LT(0UL, efault);
		EXPECT_LT(0UL, enotty);
	}

	fds_after = cse_count_fds();
	EXPECT_EQ(fds_before, fds_after);

	/* The module still answers correctly. */
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	ASSERT_EQ(0, ioctl(dev, CSE_IOC_VERSION, &v));
	EXPECT_EQ((__u32)CSE_API_VERSION, v.api_version);
	ASSERT_EQ(0, cse_info(inst[0], &info));
	EXPECT_STREQ("fuzz-grants", info.name);
	EXPECT_EQ(2U, info.n_grants);
	EXPECT_EQ(0U, info.member_count);
	EXPECT_EQ(0, close(inst[0]));
	EXPECT_EQ(0, close(inst[1]));
	EXPECT_EQ(0, close(dev));
}

TEST_HARNESS_MAIN
