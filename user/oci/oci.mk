# cse-oci: make fragment, included from user/Makefile after csectl.mk
# (before the "all" rule, whose prerequisites are expanded when read).
# Uses B, TOP, CC, CFLAGS_COMMON and CFLAGS_TOOL_SAN from user/Makefile
# and adds $(B)/bin/cse-oci to ALL_TOOLS. It finds cse-run next to itself.

ifndef OCI_MK_INCLUDED
OCI_MK_INCLUDED := 1

OCI_DIR := $(TOP)/user/oci
OCI_SRCS := $(sort $(wildcard $(OCI_DIR)/*.c))
OCI_DEPS := $(wildcard $(OCI_DIR)/*.h) $(wildcard $(TOP)/include/cse/*.h) $(OCI_DIR)/oci.mk

ALL_TOOLS += $(B)/bin/cse-oci

$(B)/bin/cse-oci: $(OCI_SRCS) $(OCI_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(CFLAGS_TOOL_SAN) -o $@ $(OCI_SRCS) -ljansson

.PHONY: cse-oci
cse-oci: $(B)/bin/cse-oci

endif
