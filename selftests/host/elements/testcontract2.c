// SPDX-License-Identifier: GPL-2.0
/* testcontract2: a second instance of testcontract.c, to chain two. */
#define TC_ID	2
#define TC_NAME	"testcontract2"
#include "testcontract.c"
