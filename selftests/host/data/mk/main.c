#include <stdio.h>
#include "defs.h"
int main(void)
{
	printf("fa=%d fb=%d fc=%d\n", fa(10), fb(10), fc(10));
	return 0;
}
