#include "defs.h"
int fa(int v) { return v * 2 + 6; }
