// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * id_race DIR: stat never sees a half-changed ownership record.
 *
 * Under cse-run --root-id. 1500 files (a table crowded enough that
 * removals shift neighbours): "fixed" files are chowned once to
 * 1000+i:2000+i; two writer threads flip the "flip" files between
 * 100:100 and 200:200 and back to the real owner (which drops the
 * record, shifting its neighbours in the table), while four readers stat
 * every file in a loop. A reader must only ever see a fixed file's own
 * owner, and a flip file with uid == gid. Prints "ok READS" or the first
 * torn view, exit 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define NFILES	1500
#define ROUNDS	150

static char names[NFILES][4096];
static atomic_int stop, bad;
static atomic_long reads;

static int is_flip(int i) { return i % 2; }

static void *writer(void *arg)
{
	long w = (long)arg;

	for (int r = 0; r < ROUNDS; r++)
		for (int i = 1 + 2 * (int)w; i < NFILES; i += 4) {
			unsigned int id = r % 3 == 0 ? 100 : r % 3 == 1 ? 200 : 0;

			if (chown(names[i], id, id)) {
				perror("chown");
				atomic_store(&bad, 1);
			}
		}
	return NULL;
}

static void *reader(void *arg)
{
	struct stat st;

	(void)arg;
	while (!atomic_load(&stop) && !atomic_load(&bad))
		for (int i = 0; i < NFILES; i++) {
			if (stat(names[i], &st)) {
				perror("stat");
				atomic_store(&bad, 1);
				return NULL;
			}
			atomic_fetch_add(&reads, 1);
			if (is_flip(i) ? st.st_uid != st.st_gid :
			    st.st_uid != 1000u + i || st.st_gid != 2000u + i) {
				printf("torn: %s uid %u gid %u\n", names[i], st.st_uid, st.st_gid);
				atomic_store(&bad, 1);
				return NULL;
			}
		}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t w[2], r[4];

	if (argc != 2)
		return 2;
	for (int i = 0; i < NFILES; i++) {
		FILE *f;

		snprintf(names[i], sizeof(names[i]), "%s/f%d", argv[1], i);
		f = fopen(names[i], "w");
		if (!f || fclose(f))
			return 2;
		if (is_flip(i) ? chown(names[i], 0, 0) : chown(names[i], 1000 + i, 2000 + i))
			return 2;
	}
	for (long i = 0; i < 4; i++)
		pthread_create(&r[i], NULL, reader, NULL);
	for (long i = 0; i < 2; i++)
		pthread_create(&w[i], NULL, writer, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(w[i], NULL);
	atomic_store(&stop, 1);
	for (int i = 0; i < 4; i++)
		pthread_join(r[i], NULL);
	if (atomic_load(&bad))
		return 1;
	printf("ok %s\n", atomic_load(&reads) > 0 ? "reads" : "no reads");
	return 0;
}
