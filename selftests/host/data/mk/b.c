#include "defs.h"
int fb(int v) { return v * 3 + 0; }
