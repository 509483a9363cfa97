#include "defs.h"
int fc(int v) { return v * 4 + 1; }
