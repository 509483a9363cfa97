# SPDX-License-Identifier: GPL-2.0
#
# gdb support for programs run by cse-run (installed next to cse-loader,
# so gdb auto-loads it for cse-loader where the auto-load safe-path
# allows; otherwise pass it with -x):
#
#   gdb -x lib/cse/cse-loader-gdb.py --args cse-run -- PROGRAM ARGS
#   gdb -x lib/cse/cse-loader-gdb.py -p PID
#
# Why it is needed:
# * Every system call site traps once through Syscall User Dispatch,
#   which the kernel reports as SIGSYS; gdb would stop on each. They are
#   passed to the program silently (so is a SIGSYS the program gets
#   otherwise: `handle SIGSYS stop print` to see those).
# * cse-loader mapped the program and its interpreter itself, so gdb
#   knows only the symbols of the executable the kernel started: cse-run,
#   which mapped cse-loader and jumped to it in the same process
#   (launcher/userexec.c), or cse-loader when something exec'd it. This
#   script adds the symbols of every ELF file mapped with code, at its
#   load address, once cse-run enters the loader, once the loader is
#   about to jump to the program, at every stop, and on `cse-symbols`;
#   cse-run's own are dropped then (a non-PIE program takes their
#   addresses). Breakpoints are made pending until then (`set breakpoint
#   pending on`).
#
# gdb's own breakpoints are safe with the runtime's rewriter: it patches
# a site only after checking that its bytes are still the expected
# instructions, so a site carrying an int3 stays on the trap path.

import os

import gdb

gdb.execute("handle SIGSYS nostop noprint pass", to_string=True)
# The program's symbols exist only once the loader has mapped it.
gdb.execute("set breakpoint pending on", to_string=True)

_loaded = {}  # (pid, path) -> load offset given to add-symbol-file


def _elf_type(path):
    try:
        with open(path, "rb") as f:
            head = f.read(18)
    except OSError:
        return None
    if len(head) < 18 or head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[16:18], "little")


def _mapped_code(pid):
    """(path, base) for each file mapped with an executable segment."""
    starts, code = {}, set()
    try:
        with open("/proc/%d/maps" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    for line in lines:
        fields = line.split(None, 5)
        if len(fields) < 6 or not fields[5].startswith("/"):
            continue
        lo, perms, off, path = fields[0].split("-")[0], fields[1], fields[2], fields[5]
        if int(off, 16) == 0 and path not in starts:
            starts[path] = int(lo, 16)
        if "x" in perms:
            code.add(path)
    return [(p, starts[p]) for p in sorted(code) if p in starts]


def cse_load_symbols(verbose=False):
    inf = gdb.selected_inferior()
    pid = inf.pid
    if not pid:
        return
    try:
        exe = os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return
    known = {o.filename for o in gdb.objfiles() if o.filename}
    for path, base in _mapped_code(pid):
        if path == exe or path in known or (pid, path) in _loaded:
            continue
        kind = _elf_type(path)
        if kind not in (2, 3):  # ET_EXEC, ET_DYN
            continue
        offset = base if kind == 3 else 0
        gdb.execute("add-symbol-file %s -o %#x" % (path, offset), to_string=not verbose)
        _loaded[(pid, path)] = offset


def _is_launcher(objfile):
    return os.path.basename(objfile.filename or "") == "cse-run"


def _drop_launcher():
    """cse-run's image is gone: its symbols would shadow the program's."""
    prog = gdb.current_progspace()
    if prog.filename and os.path.basename(prog.filename) == "cse-run":
        gdb.execute("set confirm off", to_string=True)
        gdb.execute("symbol-file", to_string=True)


class _CseJump(gdb.Breakpoint):
    """The loader's last step before the program's first instruction."""

    def stop(self):
        _drop_launcher()
        cse_load_symbols()
        return False


def _want_jump():
    if not _jump and any(_is_loader(o) for o in gdb.objfiles()):
        _jump.append(_CseJump("cse_jump_to_program", internal=True))


class _CseEnter(gdb.Breakpoint):
    """cse-run about to enter the loader it mapped: the loader's symbols."""

    def stop(self):
        cse_load_symbols()
        _want_jump()
        self.enabled = False  # its page goes with cse-run's image
        return False


class _CseSymbols(gdb.Command):
    """Load the symbols of the program run by cse-loader and its libraries."""

    def __init__(self):
        super().__init__("cse-symbols", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        cse_load_symbols(verbose=True)


def _on_stop(event):
    cse_load_symbols()


def _on_exited(event):
    _loaded.clear()


_jump = []


def _is_loader(objfile):
    return os.path.basename(objfile.filename or "") == "cse-loader"


def _on_new_objfile(event):
    # cse-run: the loader is entered without an exec (_CseEnter).
    if _is_launcher(event.new_objfile):
        _CseEnter("cse_userexec", internal=True)
        return
    # A new image (exec) of the loader: its mappings start afresh. The
    # breakpoint is made once a loader is known (no pending noise).
    if not _is_loader(event.new_objfile):
        return
    for key in [k for k in _loaded if k[0] == gdb.selected_inferior().pid]:
        del _loaded[key]
    if not _jump:
        _jump.append(_CseJump("cse_jump_to_program", internal=True))
    cse_load_symbols()  # attaching: the program is mapped already


_CseSymbols()
if gdb.selected_inferior().pid:
    # sourced after attaching (-p PID -x ...): the exe is cse-run or
    # cse-loader, the rest is mapped already
    _drop_launcher()
    cse_load_symbols()
    _want_jump()
elif any(_is_launcher(o) for o in gdb.objfiles()):
    _CseEnter("cse_userexec", internal=True)
elif any(_is_loader(o) for o in gdb.objfiles()):
    _want_jump()
gdb.events.stop.connect(_on_stop)
gdb.events.exited.connect(_on_exited)
gdb.events.new_objfile.connect(_on_new_objfile)
