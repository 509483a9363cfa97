// SPDX-License-Identifier: GPL-2.0
/*
 * fs element: owners and modes the id element records, kept across the
 * layers' own changes.
 *
 * As a plain user a copy-up belongs to the user, and a copy is a new
 * inode: the id element's record of the lower file (keyed by device and
 * inode) does not reach it. So when the application also runs the id
 * element, a copy-up records, for the copy, the owner and mode the id
 * element showed for the lower file (its record, or the real owner as
 * id maps it): a real root's copy-up (overlayfs) keeps them too. The
 * record is made on the copy in the work directory, before it is
 * renamed into place, so the copy never shows with another owner. And a
 * file the layers remove themselves (unlink, rmdir, a rename over it)
 * loses its record, as id does for the calls it sees, so that a reused
 * inode number inherits nothing.
 *
 * The table is the id element's, in the instance state (id.h,
 * id_table.c, compiled in here as well): both elements read and write
 * the one table under its lock. It is found through the instance state
 * header (include/cse/state.h): the fs region's address less its offset
 * is the header, whose region list names the id region. Without the id
 * element there is no such region, and nothing is done.
 */
#include <cse/state.h>
#include "fs.h"
#include "fs_cow.h"
#include "id.h"

/* id_table.c's globals, this element's own copies. */
const struct cse_services *id_svc;
struct id_shared *id_sh;
#include "id_table.c"

static const struct cse_state_header *state_hdr;

/*
 * The header is at the start of the mapping that holds our region: the
 * first page below it, going down, whose magic is right and whose
 * region list places "fs" exactly where we are. Every page looked at
 * lies inside the mapping (our region is at least DATA_START into it).
 */
void fs_owner_setup(const struct cse_setup *s)
{
	const char *mine = s->state;

	id_svc = s->svc;
	for (uint32_t off = CSE_STATE_DATA_START; off < CSE_STATE_SIZE; off += 4096) {
		const struct cse_state_header *h = (const void *)(mine - off);
		uint32_t n;

		if (h->magic != CSE_STATE_MAGIC || h->size != CSE_STATE_SIZE)
			continue;
		n = __atomic_load_n(&h->nregions, __ATOMIC_ACQUIRE);
		for (uint32_t i = 0; i < n && i < CSE_STATE_MAX_REGIONS; i++) {
			if (!cse_strcmp(h->regions[i].name, "fs") && h->regions[i].offset == off) {
				state_hdr = h;
				return;
			}
		}
	}
}

/* The id element's table, once its region exists. */
static int have_id(void)
{
	const struct cse_state_header *h = state_hdr;
	uint32_t n;

	if (id_sh)
		return 1;
	if (!h)
		return 0;
	n = __atomic_load_n(&h->nregions, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n && i < CSE_STATE_MAX_REGIONS; i++) {
		if (!cse_strcmp(h->regions[i].name, "id") &&
		    h->regions[i].size >= sizeof(struct id_shared)) {
			id_sh = (struct id_shared *)((char *)h + h->regions[i].offset);
			return 1;
		}
	}
	return 0;
}

static long lstat_of(const char *path, struct cse_kstat *st)
{
	return lay_sys(__NR_newfstatat, K_AT_FDCWD, path, st, K_AT_SYMLINK_NOFOLLOW, 0, 0);
}

void fs_owner_copied(const struct cse_kstat *lower, const char *copy)
{
	struct cse_kstat st;
	struct id_record v;

	if (!have_id() || lstat_of(copy, &st))
		return;
	id_files_view(lower, &v);
	v.dev = st.dev;
	v.ino = st.ino;
	id_files_record(&st, &v);
}

void fs_owner_removing(const char *path, struct cse_kstat *st)
{
	st->ino = 0;
	if (!have_id() || !__atomic_load_n(&id_sh->count, __ATOMIC_RELAXED) || lstat_of(path, st))
		st->ino = 0;
	else if (!is_dir(st) && st->nlink > 1)
		st->ino = 0;	/* another name keeps the file */
}

void fs_owner_removed(const struct cse_kstat *st)
{
	if (st->ino)
		id_table_forget(st->dev, st->ino);
}
