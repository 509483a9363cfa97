/* Compiled by gcc inside the host matrix and then run. */
#include <stdio.h>
#include <string.h>
static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }
#include <stdlib.h>
int main(void)
{
	char *w[] = { "pear", "apple", "fig", "kiwi" };
	qsort(w, 4, sizeof(w[0]), cmp);
	for (int i = 0; i < 4; i++)
		printf("%s%c", w[i], i == 3 ? '\n' : ' ');
	return 0;
}
