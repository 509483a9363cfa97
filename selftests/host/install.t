#!/bin/bash
# make install / uninstall into a scratch DESTDIR: the installed cse-run
# finds its loader and elements (../lib/cse next to bin/), csectl and the
# man pages are there, and uninstall leaves nothing behind.
# TAP on stdout. Env: TOP (repo root), HT (scratch dir).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HT=${HT:-$TOP/build/host-tests}
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

d=$HT/install
rm -rf "$d"
if out=$(make -s -C "$TOP" install DESTDIR="$d" PREFIX=/opt/cse 2>&1); then
	ok "make install DESTDIR=... PREFIX=/opt/cse"
else
	notok "make install" "$out"
fi
p=$d/opt/cse
got=$("$p/bin/cse-run" --hostname installed -- /bin/hostname 2>&1)
if [ "$got" = installed ]; then ok "installed cse-run runs an element"; else notok "installed cse-run runs an element" "$got"; fi
if "$p/bin/csectl" --help >/dev/null 2>&1; then ok "installed csectl --help"; else notok "installed csectl --help"; fi
if man -l --warnings "$p/share/man/man1/cse-run.1" >/dev/null 2>"$HT/man.err" &&
	man -l --warnings "$p/share/man/man1/csectl.1" >/dev/null 2>>"$HT/man.err" && [ ! -s "$HT/man.err" ]; then
	ok "man pages installed and render without warnings"
else
	notok "man pages installed and render without warnings" "$(cat "$HT/man.err")"
fi
make -s -C "$TOP" uninstall DESTDIR="$d" PREFIX=/opt/cse >/dev/null 2>&1
left=$(find "$d" -type f | head -n 5)
if [ -z "$left" ]; then ok "make uninstall removes every installed file"; else notok "make uninstall removes every installed file" "$left"; fi
rm -rf "$d"
t_done
