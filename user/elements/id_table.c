// SPDX-License-Identifier: GPL-2.0
/*
 * The ownership/mode table of the instance state (struct id_shared):
 * lookups, the application's view of a real stat result, records.
 *
 * Compiled into the id element, and into the fs element (fs_owner.c),
 * which keeps a file's recorded owner and mode across a copy-up: both
 * read and write the one table, under its lock. Uses only the globals
 * id_svc and id_sh, which each element sets for itself.
 */
#include <asm/unistd.h>
#include "id.h"

static uint32_t slot_of(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev << 40) ^ (dev >> 24)) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 52) & (ID_TABLE_SLOTS - 1);
}

/* Caller holds the lock. Index of (dev, ino), or -1. */
static int find(uint64_t dev, uint64_t ino)
{
	uint32_t i = slot_of(dev, ino);

	for (uint32_t n = 0; n < ID_TABLE_SLOTS; n++, i = (i + 1) & (ID_TABLE_SLOTS - 1)) {
		const struct id_slot *s = &id_sh->table[i];

		if (!s->used)
			return -1;
		if (s->r.dev == dev && s->r.ino == ino)
			return (int)i;
	}
	return -1;
}

/*
 * Table writers hold the lock and bracket their changes with seq (odd
 * while changing), so that stat, the hot path, reads without the lock and
 * without a system call: it retries when seq moved under it.
 */
static void write_begin(void)
{
	__atomic_store_n(&id_sh->seq, id_sh->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void write_end(void)
{
	__atomic_store_n(&id_sh->seq, id_sh->seq + 1, __ATOMIC_RELEASE);
}

/* Caller holds the lock. Backward-shift deletion: no tombstones. */
static void drop_at(uint32_t i)
{
	uint32_t j = i;

	write_begin();
	for (;;) {
		uint32_t k;

		j = (j + 1) & (ID_TABLE_SLOTS - 1);
		if (!id_sh->table[j].used)
			break;
		k = slot_of(id_sh->table[j].r.dev, id_sh->table[j].r.ino);
		/* Move j back to i unless its home k lies cyclically in (i, j]. */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			id_sh->table[i] = id_sh->table[j];
			i = j;
		}
	}
	id_sh->table[i].used = 0;
	id_sh->count--;
	id_sh->generation++;
	write_end();
}

/* Caller holds the lock. Insert (0) or replace (1); -ENOSPC when full. */
int id_table_put(const struct id_record *r)
{
	int at = find(r->dev, r->ino);
	uint32_t i;

	if (at >= 0) {
		write_begin();
		id_sh->table[at].r = *r;
		id_sh->generation++;
		write_end();
		return 1;
	}
	if (id_sh->count >= ID_TABLE_MAX)
		return -K_ENOSPC;
	write_begin();
	for (i = slot_of(r->dev, r->ino); id_sh->table[i].used;)
		i = (i + 1) & (ID_TABLE_SLOTS - 1);
	id_sh->table[i].r = *r;
	__atomic_store_n(&id_sh->table[i].used, 1, __ATOMIC_RELEASE);
	id_sh->count++;
	id_sh->generation++;
	write_end();
	return 0;
}

#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Without the lock: 1 and the entry of (dev, ino) in *out, or 0, if no
 * writer changed the table meanwhile; -1 when one did (retry). */
static int find_unlocked(uint64_t dev, uint64_t ino, struct id_record *out)
{
	uint32_t seq = __atomic_load_n(&id_sh->seq, __ATOMIC_ACQUIRE), i = slot_of(dev, ino);
	int found = 0;

	if (seq & 1)
		return -1;
	for (uint32_t n = 0; n < ID_TABLE_SLOTS; n++, i = (i + 1) & (ID_TABLE_SLOTS - 1)) {
		struct id_slot *s = &id_sh->table[i];

		if (!RD(s->used))
			break;
		if (RD(s->r.dev) == dev && RD(s->r.ino) == ino) {
			out->dev = dev;
			out->ino = ino;
			out->rdev = RD(s->r.rdev);
			out->uid = RD(s->r.uid);
			out->gid = RD(s->r.gid);
			out->mode = RD(s->r.mode);
			found = 1;
			break;
		}
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return RD(id_sh->seq) == seq ? found : -1;
}

/* The application's view of a real stat result. */
void id_files_view(const struct cse_kstat *st, struct id_record *v)
{
	int at;

	v->dev = st->dev;
	v->ino = st->ino;
	v->uid = st->uid == id_sh->real_uid ? id_sh->base_uid : st->uid;
	v->gid = st->gid == id_sh->real_gid ? id_sh->base_gid : st->gid;
	v->mode = st->mode;
	v->rdev = st->rdev;
	if (!__atomic_load_n(&id_sh->count, __ATOMIC_RELAXED))
		return;
	for (int tries = 0; tries < 64; tries++) {
		struct id_record rec;
		int f = find_unlocked(st->dev, st->ino, &rec);

		if (f >= 0) {
			if (f)
				*v = rec;
			return;
		}
	}
	/* Still changing: a writer may have died mid-change (its lock is taken over). */
	id_svc->lock(&id_sh->lock);
	if (id_sh->seq & 1)
		write_end();
	at = find(st->dev, st->ino);
	if (at >= 0)
		*v = id_sh->table[at].r;
	id_svc->unlock(&id_sh->lock);
}

/* Record v for the file st, or drop its entry when v is its plain view. */
long id_files_record(const struct cse_kstat *st, const struct id_record *v)
{
	struct id_record def;
	long r = 0;
	int at;

	id_svc->lock(&id_sh->lock);
	at = find(st->dev, st->ino);
	def.dev = st->dev;
	def.ino = st->ino;
	def.uid = st->uid == id_sh->real_uid ? id_sh->base_uid : st->uid;
	def.gid = st->gid == id_sh->real_gid ? id_sh->base_gid : st->gid;
	def.mode = st->mode;
	def.rdev = st->rdev;
	if (def.uid == v->uid && def.gid == v->gid && def.mode == v->mode &&
	    def.rdev == v->rdev) {
		if (at >= 0)
			drop_at((uint32_t)at);
	} else {
		r = id_table_put(v);
		if (r > 0)
			r = 0;
	}
	id_svc->unlock(&id_sh->lock);
	return r;
}

void id_table_forget(uint64_t dev, uint64_t ino)
{
	int at;

	id_svc->lock(&id_sh->lock);
	at = find(dev, ino);
	if (at >= 0)
		drop_at((uint32_t)at);
	id_svc->unlock(&id_sh->lock);
}
