/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * cse: per-application instances of critical system elements.
 *
 * This header is the whole kernel <-> user ABI of cse.ko. This comment is
 * its specification.
 *
 * Device node
 * -----------
 * /dev/cse (misc device). Any user may open it. All commands are ioctls
 * whose argument is a pointer to a struct that starts with
 * "__u32 size; __u32 flags;". size is the number of bytes user space
 * passes (sizeof the struct it was compiled against). The kernel accepts a
 * smaller size down to the first published size of that struct (the
 * *_SIZE_VER0 constants) and a larger one as long as every byte it does not
 * know is zero (E2BIG otherwise) and it is at most 4096 bytes (E2BIG).
 * Unknown flags, non-zero reserved fields, unterminated or overlong strings
 * are rejected with EINVAL (ENAMETOOLONG for names).
 * Output structs are zeroed by the kernel before being filled, and only
 * min(size, kernel size) bytes are written back.
 *
 * Ioctls on /dev/cse
 * ------------------
 * CSE_IOC_VERSION         struct cse_version (in: size, flags=0; out: the rest)
 *     api_version = CSE_API_VERSION, features = CSE_FEATURES_ALL of the
 *     running module. Returns 0.
 * CSE_IOC_INSTANCE_CREATE struct cse_instance_create (in)
 *     Creates an instance named name (1..CSE_NAME_MAX-1 printable bytes,
 *     NUL-terminated; bytes after the NUL are ignored; no NUL: ENAMETOOLONG,
 *     empty or a byte outside 0x20..0x7e: EINVAL) with n_grants device
 *     grants read from the array at user address grants
 *     (struct cse_dev_grant[n_grants], n_grants <= CSE_GRANTS_MAX, else
 *     E2BIG; grants is ignored when n_grants is 0). Returns a new instance
 *     fd (anon inode "[cse-instance]", O_CLOEXEC unless CSE_CREATE_INHERIT).
 *     A non-empty grant list needs CAP_SYS_ADMIN (EPERM, checked before the
 *     array is read). A grant with an unknown type, an access that is zero
 *     or has unknown bits, major > 4095 or minor > 1048575: EINVAL.
 *     Grants naming the same device add up.
 *     The instance lives while any fd refers to it.
 *     Limits (module parameters, see below), checked in this order:
 *       - max_instances live instances in all: ENOSPC;
 *       - without CAP_SYS_ADMIN, the last reserved_instances of those
 *         slots: ENOSPC (no unprivileged user, nor all of them together,
 *         can lock the administrator out);
 *       - without CAP_SYS_ADMIN, max_user_instances live instances
 *         created by the caller's real uid: EDQUOT (a per-user quota, as
 *         inotify's max_user_instances; EDQUOT, not EMFILE, so that it is
 *         not mistaken for RLIMIT_NOFILE). Instances created with
 *         CAP_SYS_ADMIN count towards their creator's total but are not
 *         limited by it.
 *     An instance stops counting when it is destroyed (its last fd
 *     closed). Ioctls carry no message: the errno is the whole answer.
 *
 * Ioctls on an instance fd
 * ------------------------
 * Holding an instance fd is what lets a process use the instance (INFO,
 * JOIN, LEAVE, DEV_OPEN); fds can be inherited or passed over SCM_RIGHTS.
 * CSE_IOC_INSTANCE_INFO   struct cse_instance_info (in: size, flags=0)
 *     id, name, creator uid (in the caller's user namespace), creation time
 *     (CLOCK_REALTIME, ns), member count, number of grants, counters.
 * CSE_IOC_JOIN            no argument (arg must be 0)
 *     Records the calling process (its thread group) as a member. Joining
 *     twice is a no-op. A member that exits, however it exits, stops being
 *     counted. At most CSE_MEMBERS_MAX members: ENOSPC. Of those, at most
 *     CSE_MEMBERS_FOREIGN_MAX may be processes whose real and effective
 *     uids both differ from the creator uid (ENOSPC): whoever else got
 *     the fd cannot keep the creator's own processes out.
 * CSE_IOC_LEAVE           no argument (arg must be 0)
 *     Removes the calling process; ENOENT if it is not a member.
 * CSE_IOC_DEV_OPEN        struct cse_dev_open (in)
 *     Resolves the NUL-terminated path at user address path relative to
 *     dirfd (AT_FDCWD allowed), following symlinks. The target must be a
 *     character or block device node (else ENODEV, counted as denied) whose
 *     type, major:minor and the access implied by open_flags are granted to
 *     the instance (else EACCES, counted as denied). It is then opened with
 *     the caller's credentials: normal permission checks apply, so the
 *     broker narrows access, never widens it. Returns a new fd: a proxy
 *     file that forwards read, write, llseek, poll, ioctl and fsync to the
 *     device and counts bytes read and written into the instance counters
 *     (mmap is not forwarded; close also calls the driver's flush; read and
 *     write fail with EINVAL on drivers without read_iter/write_iter).
 *     open_flags: O_ACCMODE (not 3) plus O_CLOEXEC, O_NONBLOCK, O_NOCTTY,
 *     O_SYNC, O_DSYNC; anything else -> EINVAL. Lookup errors as open(2),
 *     not counted. Every request whose path resolved counts once: as
 *     opens_granted when it returns an fd, else as opens_denied (also when
 *     the permission check, a nodev mount or the driver's open refuses).
 *
 * Generic netlink family "cse" (CSE_GENL_NAME, version CSE_GENL_VERSION)
 * ---------------------------------------------------------------------
 * The machine-readable description is include/uapi/linux/cse.yaml (YNL).
 * Visibility: a requester with CAP_NET_ADMIN in the initial user namespace
 * (the check GENL_ADMIN_PERM makes) sees every instance. Anyone else sees
 * only the instances created by its real uid (CSE_A_CREATOR_UID) and is
 * told nothing of the others, not even that they exist: a get of one by
 * id or name fails exactly as for an id or name nobody uses (ENOENT,
 * "no such instance"), a get by name answers the lowest id among the
 * instances the requester sees, and a dump leaves the others out. Why
 * CAP_NET_ADMIN and not CAP_SYS_ADMIN: replies name other users' pids,
 * device grants and element names, the same as the events group, which
 * needs CAP_NET_ADMIN; one capability for both keeps a monitoring agent
 * from needing more than that. The view is decided once per request (for
 * a dump, when it starts), with the requester's credentials.
 * Commands:
 *   CSE_CMD_INSTANCE_GET     doit: by CSE_A_INSTANCE_ID or CSE_A_INSTANCE_NAME
 *                            (ENOENT if none visible); dumpit: every
 *                            visible instance. Any user. Replies carry the
 *                            instance attribute set.
 *   CSE_CMD_COUNTERS_RESET   doit, GENL_ADMIN_PERM: zero the counters of the
 *                            instance named by CSE_A_INSTANCE_ID.
 *   CSE_CMD_INSTANCE_NEW, _DEL, CSE_CMD_MEMBER_JOIN, _LEAVE,
 *   CSE_CMD_DEV_GRANTED, CSE_CMD_DEV_DENIED
 *                            notifications on the multicast group "events"
 *                            (CSE_MCGRP_EVENTS; joining it needs
 *                            CAP_NET_ADMIN where the kernel supports
 *                            multicast group flags); never accepted as
 *                            requests.
 * Instance attribute set (CSE_A_*):
 *   INSTANCE_ID u64, INSTANCE_NAME string, CREATOR_UID u32, CTIME_NS u64,
 *   MEMBERS nest { MEMBER_PID u32 ... }, CONTINUED flag (dumps, below),
 *   GRANTS nest { GRANT nest { GRANT_TYPE u32, GRANT_MAJOR u32,
 *                              GRANT_MINOR u32, GRANT_ACCESS u32 } ... },
 *   COUNTERS nest { OPENS_GRANTED u64, OPENS_DENIED u64, BYTES_READ u64,
 *                   BYTES_WRITTEN u64,
 *                   SYSCALLS nest { ELEMENT nest { ELEMENT_NAME string,
 *                                                  ELEMENT_CALLS u64 } ... } },
 *   PORTS nest { PORT nest { PORT_PROTO u32, PORT_GUEST u32, PORT_HOST u32,
 *                            PORT_FLAGS u32 } ... } (only when the map
 *                            is not empty; see CSE_IOC_REPORT_PORTS)
 * Event attributes: INSTANCE_ID, INSTANCE_NAME, EVENT_PID u32 (member and
 *   device events), GRANT_TYPE/GRANT_MAJOR/GRANT_MINOR/GRANT_ACCESS and
 *   EVENT_PATH string (device events).
 * u64 attributes are padded with CSE_A_PAD.
 * Details: INSTANCE_ID is 1..U32_MAX in requests (else EINVAL "integer out
 *   of range"); names need not be unique, a get by name answers the lowest
 *   id. A dump request carries no attributes (EINVAL). MEMBER_PID is the
 *   thread group id in the requester's pid namespace (members not visible
 *   there are left out); CREATOR_UID is in the requester's user namespace.
 *   Counters are zeroed only by COUNTERS_RESET (element names are kept,
 *   their calls zeroed). Dumps are consistent: when instances or member
 *   sets changed while a dump was in progress, the message where that was
 *   noticed carries NLM_F_DUMP_INTR; the dump still completes.
 *   Split instances: a dump message never exceeds what the reader's
 *   buffer allows, so an instance whose members do not fit in one message
 *   is sent in parts, one after the other: the first part carries every
 *   attribute and the first members; each next part carries only
 *   INSTANCE_ID, CONTINUED (a flag) and MEMBERS with the next members.
 *   A reader appends the pids of a CONTINUED part to the instance of the
 *   message before it (same INSTANCE_ID). A get (doit) answers one whole
 *   message. When members change between parts the part where that is
 *   noticed carries NLM_F_DUMP_INTR (members may then be missing or
 *   repeated).
 *   Events: INSTANCE_NEW/DEL carry ID and NAME; MEMBER_JOIN/LEAVE add
 *   EVENT_PID (also for a member dropped because it exited); DEV_GRANTED/
 *   DEV_DENIED add EVENT_PID, GRANT_TYPE (0 when the path is not a device
 *   node; then MAJOR and MINOR are 0), GRANT_MAJOR, GRANT_MINOR,
 *   GRANT_ACCESS (the access the open asked for) and EVENT_PATH (the path
 *   as passed, possibly relative). Event pids are in the initial pid
 *   namespace. One device event per counted open. A listener that does not
 *   read loses events (ENOBUFS on its socket); nobody waits for it.
 *
 * Runtime report (ioctl on an instance fd)
 * ----------------------------------------
 * CSE_IOC_REPORT_SYSCALLS struct cse_syscall_report (in): adds calls to the
 *     instance's per-element syscall counters. entries is the user address
 *     of struct cse_element_calls[n_entries], n_entries <= CSE_ELEMENTS_MAX
 *     (E2BIG); element names as instance names but CSE_ELEMENT_NAME_MAX
 *     long; at most CSE_ELEMENTS_MAX distinct elements per instance (ENOSPC).
 *     Who may report: a caller whose real or effective uid is the
 *     instance's creator uid (else EPERM, before the array is read). The
 *     fd alone is not enough: a process of another user that received it
 *     (SCM_RIGHTS, inheritance across a set-uid exec) may use the
 *     instance but can neither fill the element slots nor touch the
 *     counters, so the creator's runtime always finds its slots. A
 *     process of the creator's uid is trusted with them; a process that
 *     gave up the creator's uid (setuid to another user) stops
 *     reporting.
 *     Checks in order: the struct (as above), the caller (EPERM),
 *     n_entries (E2BIG), the array (EFAULT), every name
 *     (ENAMETOOLONG/EINVAL), then the element limit; a rejected report
 *     changes nothing. Entries naming the same element
 *     add up; an entry with 0 calls still records the element. Counters
 *     wrap modulo 2^64.
 *
 * CSE_IOC_REPORT_PORTS struct cse_port_report (in): replaces the
 *     instance's port map (the net element's guest:host port pairs) with
 *     the n_ports entries of struct cse_port[n_ports] at user address
 *     ports (n_ports <= CSE_PORTS_MAX, else E2BIG; ports is ignored when
 *     n_ports is 0, which empties the map). Each entry: proto
 *     CSE_PORT_TCP or CSE_PORT_UDP, guest and host 1..65535, flags a
 *     subset of CSE_PORT_FLAGS_ALL, reserved zero; two entries of one
 *     proto may share neither the guest nor the host port. Any of these
 *     wrong: EINVAL. Who may report: as for CSE_IOC_REPORT_SYSCALLS
 *     (EPERM). Checks in order: the struct, the caller, n_ports, the
 *     array (EFAULT), every entry; a rejected report changes nothing.
 *     The map is shown in netlink replies as CSE_A_PORTS, in report
 *     order.
 *
 * Unknown ioctl numbers: ENOTTY.
 *
 * Module parameters (/sys/module/cse/parameters/, writable by root)
 * -----------------------------------------------------------------
 * max_instances       1024  live instances in all
 * reserved_instances  32    of those, the last ones only CAP_SYS_ADMIN gets
 * max_user_instances  128   live instances per creator uid without
 *                           CAP_SYS_ADMIN
 * A lowered limit applies to new instances only.
 */
#ifndef _UAPI_LINUX_CSE_H
#define _UAPI_LINUX_CSE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define CSE_DEVICE_NAME		"cse"
#define CSE_API_VERSION		1

/* Feature bits reported by CSE_IOC_VERSION. */
#define CSE_FEATURE_INSTANCES	(1ULL << 0)
#define CSE_FEATURE_DEV_BROKER	(1ULL << 1)
#define CSE_FEATURE_NETLINK	(1ULL << 2)	/* generic netlink family "cse" */
#define CSE_FEATURE_SYSCALL_REPORT (1ULL << 3)	/* CSE_IOC_REPORT_SYSCALLS */
#define CSE_FEATURE_USER_LIMITS	(1ULL << 4)	/* reserve, max_user_instances */
#define CSE_FEATURE_OWN_VIEW	(1ULL << 5)	/* netlink: own instances only */
#define CSE_FEATURE_SPLIT_DUMP	(1ULL << 6)	/* CSE_A_CONTINUED parts */
#define CSE_FEATURE_OWNER_REPORT (1ULL << 7)	/* creator-only reports, joins */
#define CSE_FEATURE_PORT_REPORT	(1ULL << 8)	/* CSE_IOC_REPORT_PORTS, CSE_A_PORTS */
#define CSE_FEATURES_ALL	(CSE_FEATURE_INSTANCES | CSE_FEATURE_DEV_BROKER | \
				 CSE_FEATURE_NETLINK | CSE_FEATURE_SYSCALL_REPORT | \
				 CSE_FEATURE_USER_LIMITS | CSE_FEATURE_OWN_VIEW | \
				 CSE_FEATURE_SPLIT_DUMP | CSE_FEATURE_OWNER_REPORT | \
				 CSE_FEATURE_PORT_REPORT)

#define CSE_NAME_MAX		64	/* including the terminating NUL */
#define CSE_GRANTS_MAX		64
#define CSE_MEMBERS_MAX		4096
#define CSE_MEMBERS_FOREIGN_MAX	1024	/* of which not of the creator's uid */

struct cse_version {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 api_version;	/* out */
	__u32 reserved0;	/* out: 0 */
	__u64 features;		/* out: CSE_FEATURE_* */
};

#define CSE_VERSION_SIZE_VER0	24

/* Device grant types. */
#define CSE_DEV_CHAR		1
#define CSE_DEV_BLOCK		2

/* Device grant access bits. */
#define CSE_ACCESS_READ		(1U << 0)
#define CSE_ACCESS_WRITE	(1U << 1)
#define CSE_ACCESS_ALL		(CSE_ACCESS_READ | CSE_ACCESS_WRITE)

struct cse_dev_grant {
	__u32 type;		/* CSE_DEV_CHAR or CSE_DEV_BLOCK */
	__u32 major;
	__u32 minor;
	__u32 access;		/* non-zero subset of CSE_ACCESS_ALL */
};

/* CSE_IOC_INSTANCE_CREATE flags. */
#define CSE_CREATE_INHERIT	(1U << 0)	/* the fd is not O_CLOEXEC */
#define CSE_CREATE_FLAGS_ALL	(CSE_CREATE_INHERIT)

struct cse_instance_create {
	__u32 size;
	__u32 flags;		/* CSE_CREATE_* */
	char name[CSE_NAME_MAX];
	__u32 n_grants;
	__u32 reserved0;	/* must be 0 */
	__u64 grants;		/* user address of struct cse_dev_grant[n_grants] */
	__u64 reserved[2];	/* must be 0 */
};

#define CSE_INSTANCE_CREATE_SIZE_VER0	104

struct cse_counters {
	__u64 opens_granted;
	__u64 opens_denied;
	__u64 bytes_read;
	__u64 bytes_written;
};

struct cse_instance_info {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u64 id;
	char name[CSE_NAME_MAX];
	__u32 creator_uid;
	__u32 member_count;
	__u64 create_time_ns;
	__u32 n_grants;
	__u32 reserved0;
	struct cse_counters counters;
};

#define CSE_INSTANCE_INFO_SIZE_VER0	136

struct cse_dev_open {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__s32 dirfd;
	__u32 open_flags;
	__u64 path;		/* user address of a NUL-terminated path */
	__u64 reserved[2];	/* must be 0 */
};

#define CSE_DEV_OPEN_SIZE_VER0	40

#define CSE_IOC_MAGIC		0xC5

/*
 * Numbers carry no size (_IO): the size lives in the struct, so a grown
 * struct keeps its ioctl number.
 */
#define CSE_IOC_VERSION		_IO(CSE_IOC_MAGIC, 0x00)
#define CSE_IOC_INSTANCE_CREATE	_IO(CSE_IOC_MAGIC, 0x01)
#define CSE_IOC_INSTANCE_INFO	_IO(CSE_IOC_MAGIC, 0x02)
#define CSE_IOC_JOIN		_IO(CSE_IOC_MAGIC, 0x03)
#define CSE_IOC_LEAVE		_IO(CSE_IOC_MAGIC, 0x04)
#define CSE_IOC_DEV_OPEN	_IO(CSE_IOC_MAGIC, 0x05)

#define CSE_ELEMENT_NAME_MAX	16	/* including the terminating NUL */
#define CSE_ELEMENTS_MAX	16

struct cse_element_calls {
	char name[CSE_ELEMENT_NAME_MAX];
	__u64 calls;
};

struct cse_syscall_report {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 n_entries;
	__u32 reserved0;	/* must be 0 */
	__u64 entries;		/* user address of struct cse_element_calls[] */
};

#define CSE_SYSCALL_REPORT_SIZE_VER0	24

#define CSE_IOC_REPORT_SYSCALLS	_IO(CSE_IOC_MAGIC, 0x06)

/* Port map entries (the net element's). */
#define CSE_PORT_TCP		6	/* IPPROTO_TCP */
#define CSE_PORT_UDP		17	/* IPPROTO_UDP */
#define CSE_PORT_AUTO		(1U << 0)	/* chosen at bind time (--port-auto) */
#define CSE_PORT_FLAGS_ALL	(CSE_PORT_AUTO)
#define CSE_PORTS_MAX		16	/* an instance message still fits NLMSG_GOODSIZE */

struct cse_port {
	__u32 proto;		/* CSE_PORT_TCP or CSE_PORT_UDP */
	__u32 flags;		/* CSE_PORT_* */
	__u16 guest;		/* the port the application uses */
	__u16 host;		/* the port the kernel and other programs see */
	__u32 reserved;		/* must be 0 */
};

struct cse_port_report {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 n_ports;
	__u32 reserved0;	/* must be 0 */
	__u64 ports;		/* user address of struct cse_port[n_ports] */
};

#define CSE_PORT_REPORT_SIZE_VER0	24

#define CSE_IOC_REPORT_PORTS	_IO(CSE_IOC_MAGIC, 0x07)

/* Generic netlink. */
#define CSE_GENL_NAME		"cse"
#define CSE_GENL_VERSION	1
#define CSE_MCGRP_EVENTS	"events"

enum cse_cmd {
	CSE_CMD_UNSPEC,
	CSE_CMD_INSTANCE_GET,
	CSE_CMD_COUNTERS_RESET,
	CSE_CMD_INSTANCE_NEW,
	CSE_CMD_INSTANCE_DEL,
	CSE_CMD_MEMBER_JOIN,
	CSE_CMD_MEMBER_LEAVE,
	CSE_CMD_DEV_GRANTED,
	CSE_CMD_DEV_DENIED,

	__CSE_CMD_MAX,
	CSE_CMD_MAX = __CSE_CMD_MAX - 1
};

enum cse_attr {
	CSE_A_UNSPEC,
	CSE_A_PAD,
	CSE_A_INSTANCE_ID,	/* u64 */
	CSE_A_INSTANCE_NAME,	/* string, < CSE_NAME_MAX */
	CSE_A_CREATOR_UID,	/* u32 */
	CSE_A_CTIME_NS,		/* u64 */
	CSE_A_MEMBERS,		/* nest of CSE_A_MEMBER_PID */
	CSE_A_MEMBER_PID,	/* u32 */
	CSE_A_GRANTS,		/* nest of CSE_A_GRANT */
	CSE_A_GRANT,		/* nest: GRANT_TYPE, _MAJOR, _MINOR, _ACCESS */
	CSE_A_GRANT_TYPE,	/* u32 */
	CSE_A_GRANT_MAJOR,	/* u32 */
	CSE_A_GRANT_MINOR,	/* u32 */
	CSE_A_GRANT_ACCESS,	/* u32 */
	CSE_A_COUNTERS,		/* nest */
	CSE_A_OPENS_GRANTED,	/* u64 */
	CSE_A_OPENS_DENIED,	/* u64 */
	CSE_A_BYTES_READ,	/* u64 */
	CSE_A_BYTES_WRITTEN,	/* u64 */
	CSE_A_SYSCALLS,		/* nest of CSE_A_ELEMENT */
	CSE_A_ELEMENT,		/* nest: ELEMENT_NAME, ELEMENT_CALLS */
	CSE_A_ELEMENT_NAME,	/* string, < CSE_ELEMENT_NAME_MAX */
	CSE_A_ELEMENT_CALLS,	/* u64 */
	CSE_A_EVENT_PID,	/* u32 */
	CSE_A_EVENT_PATH,	/* string, < PATH_MAX */
	CSE_A_CONTINUED,	/* flag: a dump part continuing the members */
	CSE_A_PORTS,		/* nest of CSE_A_PORT */
	CSE_A_PORT,		/* nest: PORT_PROTO, _GUEST, _HOST, _FLAGS */
	CSE_A_PORT_PROTO,	/* u32: CSE_PORT_TCP or CSE_PORT_UDP */
	CSE_A_PORT_GUEST,	/* u32 */
	CSE_A_PORT_HOST,	/* u32 */
	CSE_A_PORT_FLAGS,	/* u32: CSE_PORT_* */

	__CSE_A_MAX,
	CSE_A_MAX = __CSE_A_MAX - 1
};

#endif /* _UAPI_LINUX_CSE_H */
