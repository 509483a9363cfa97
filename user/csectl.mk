# csectl: make fragment, included from user/Makefile:
#
#   include csectl.mk            (before the "all" rule, whose prerequisites
#   all: ... $(ALL_TOOLS)         are expanded when make reads the rule)
#
# Uses B, TOP, CC, CFLAGS_COMMON and CFLAGS_TOOL_SAN from user/Makefile and
# adds $(B)/bin/csectl to ALL_TOOLS. Also builds the host unit test
# $(B)/tests/csectl-unit (run by selftests/host/csectl.t), which links the
# same sources minus main against selftests/host/csectl-unit.c.

ifndef CSECTL_MK_INCLUDED
CSECTL_MK_INCLUDED := 1

# If this fragment comes first, keep "all" the default goal.
ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

CSECTL_DIR := $(TOP)/user
CSECTL_LIB_SRCS := $(sort $(wildcard $(CSECTL_DIR)/csectl/*.c)) $(CSECTL_DIR)/common/diag.c
CSECTL_SRCS := $(CSECTL_DIR)/csectl.c $(CSECTL_LIB_SRCS)
CSECTL_DEPS := $(wildcard $(CSECTL_DIR)/csectl/*.h) $(CSECTL_DIR)/common/diag.h \
	$(TOP)/include/uapi/linux/cse.h $(CSECTL_DIR)/csectl.mk
CSECTL_NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0)
CSECTL_NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0)
CSECTL_UNIT_SRC := $(TOP)/selftests/host/csectl-unit.c

ALL_TOOLS += $(B)/bin/csectl

$(B)/bin/csectl: $(CSECTL_SRCS) $(CSECTL_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(CFLAGS_TOOL_SAN) $(CSECTL_NL_CFLAGS) \
		-o $@ $(CSECTL_SRCS) $(CSECTL_NL_LIBS)

$(B)/tests/csectl-unit: $(CSECTL_UNIT_SRC) $(CSECTL_LIB_SRCS) $(CSECTL_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(CFLAGS_TOOL_SAN) $(CSECTL_NL_CFLAGS) \
		-I$(CSECTL_DIR)/csectl -o $@ $(CSECTL_UNIT_SRC) \
		$(CSECTL_LIB_SRCS) $(CSECTL_NL_LIBS)

.PHONY: csectl csectl-unit
csectl: $(B)/bin/csectl
csectl-unit: $(B)/tests/csectl-unit

endif
