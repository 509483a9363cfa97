#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# id element host test (TAP). Runs its subjects (id, whoami, ls, stat,
# python3, busybox, tar) as a real non-root user: when started as root it
# drops to nobody (65534) with setpriv, in a scratch directory nobody owns,
# since root could really chown and would prove nothing. Checks:
#   credentials and the set*id rules, also across exec; recorded chown,
#   chmod and device nodes shown by stat, real owners untouched; the
#   --id-state file across runs, its errors, ENOSPC when the table is
#   full, kill -9 during saves; a tar round trip of owners, modes and
#   devices; two applications side by side; the state parser under
#   libFuzzer (~20 s, when clang is available).
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
export LC_ALL=C

# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
# expect NAME WANT GOT

W=$HT/id
rm -rf "$W"
mkdir -p "$W"
if [ "$(id -u)" = 0 ]; then
	chown 65534:65534 "$W"
	AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	ME=65534
	MYG=65534
else
	AS=()
	ME=$(id -u)
	MYG=$(id -g)
fi
# run CMD... as the test user, in $W, with a time limit
run() { (cd "$W" && timeout -k 5 120 "${AS[@]}" "$@"); }
cse() { run "$CSE_RUN" "$@"; }
# put FILE: stdin into $W/FILE, written by the test user like everything here
put() { run sh -c 'cat >"$1"' sh "$1"; }
# python3 outside pyenv shims the test user may not reach
PY=/usr/bin/python3

# ---------------------------------------------------------------- credentials
expect "id as --root-id" "uid=0(root) gid=0(root) groups=0(root)" "$(cse --root-id -- id 2>&1)"
expect "whoami as --root-id" "root" "$(cse --root-id -- whoami 2>&1)"
expect "id -u/-g as --uid 1000 --gid 100" "1000 100 100" \
	"$(cse --uid 1000 --gid 100 -- sh -c 'echo $(id -u) $(id -g) $(id -G)' 2>&1)"
expect "--root-id then --gid 5: the later flag wins" "0 5" \
	"$(cse --root-id --gid 5 -- sh -c 'echo $(id -u) $(id -g)' 2>&1)"
expect "busybox (static) id" "uid=0(root) gid=0(root) groups=0(root)" \
	"$(cse --root-id -- /bin/busybox id 2>&1)"

put creds.py <<'EOF'
import os
out = []
def t(name, f):
    try:
        r = f()
        out.append("%s=%s" % (name, r if r is not None else "ok"))
    except OSError as e:
        out.append("%s=E%d" % (name, e.errno))
t("res0", os.getresuid)
t("groups", lambda: os.setgroups([5, 6]))
t("getgroups", os.getgroups)
t("setresgid", lambda: os.setresgid(10, 11, 12))
t("resg", os.getresgid)
t("seteuid", lambda: os.seteuid(1000))
t("res1", os.getresuid)
t("chown-as-1000", lambda: os.chown("creds.py", 0, 0))
t("back-to-0", lambda: os.seteuid(0))
t("setuid1000", lambda: os.setuid(1000))
t("res2", os.getresuid)
t("setuid0", lambda: os.setuid(0))
t("setgroups", lambda: os.setgroups([]))
t("setreuid", lambda: os.setreuid(1000, 1000))
t("setfsuid", lambda: __import__("ctypes").CDLL(None).setfsuid(5))
print(" ".join(out))
EOF
expect "set*id rules: root may, non-root gets EPERM" \
	"res0=(0, 0, 0) groups=ok getgroups=[5, 6] setresgid=ok resg=(10, 11, 12) seteuid=ok res1=(0, 1000, 0) chown-as-1000=E1 back-to-0=ok setuid1000=ok res2=(1000, 1000, 1000) setuid0=E1 setgroups=E1 setreuid=ok setfsuid=1000" \
	"$(cse --root-id -- $PY creds.py 2>&1)"
expect "credentials survive exec" "1000 1000" \
	"$(cse --root-id -- $PY -c 'import os; os.setgid(1000); os.setuid(1000); os.execvp("sh", ["sh", "-c", "echo $(id -u) $(id -g)"])' 2>&1)"
expect "a failed exec keeps credentials" "(0, 7, 0)" \
	"$(cse --root-id -- $PY -c '
import os
os.seteuid(7)
try: os.execv("/nonexistent", ["x"])
except OSError: pass
print(os.getresuid())' 2>&1)"

# ---------------------------------------------------------------- files
# One state file for this section: each run is a new application.
F=(--root-id --id-state fs)
out=$(cse "${F[@]}" -- sh -c 'touch f; mkdir d; ln -s f l; ls -lnd f d l | awk "{print \$3, \$4}"; chown 33:34 f; chown -h 7:8 l; chmod 4750 f; chmod 000 d; stat -c "%u %g %a" f l d; cat f && echo readable' 2>&1)
expect "created files show the fake owner; chown/chmod recorded" \
	"$(printf '0 0\n0 0\n0 0\n33 34 4750\n7 8 777\n0 0 0\nreadable')" "$out"
expect "real owners and access unchanged" "$ME $MYG 700 $ME $MYG 750" \
	"$(stat -c '%u %g %a' "$W/d" | tr '\n' ' ')$(stat -c '%u %g %a' "$W/f")"
expect "python3 os.stat sees the record" "33 34 0o104750" \
	"$(cse "${F[@]}" -- $PY -c 'import os; s=os.stat("f"); print(s.st_uid, s.st_gid, oct(s.st_mode))' 2>&1)"
expect "busybox (static) ls -ln" "-rwsr-x--- 33 34" \
	"$(cse "${F[@]}" -- /bin/busybox ls -ln f 2>&1 | awk '{print $1, $3, $4}')"
expect "without the record the real owner shows" "$ME $MYG" \
	"$(cse -- stat -c '%u %g' f 2>&1)"
expect "mknod c 1 3 shows a device" "character special file 1 3 0 0" \
	"$(cse --root-id -- sh -c 'mknod nul c 1 3 && stat -c "%F %t %T %u %g" nul' 2>&1)"
expect "the real node is an empty regular file" "regular empty file $ME" "$(stat -c '%F %u' "$W/nul")"
expect "mknod of a device as non-root: EPERM" "Operation not permitted" \
	"$(cse --uid 1000 -- mknod nul2 c 1 3 2>&1 | sed 's/.*: //')"
expect "chown as non-root: EPERM" "Operation not permitted" \
	"$(cse --uid 1000 -- chown 0 f 2>&1 | sed 's/.*: //')"

# ---------------------------------------------------------------- state file
rm -f "$W/s"
cse --root-id --id-state s -- sh -c 'touch p q r; chown 33:33 p; chmod 000 q; chown 5:5 r; rm r' >/dev/null 2>&1
expect "state saved: one line per recorded file, removed ones dropped" "2" \
	"$(tail -n +2 "$W/s" 2>/dev/null | wc -l)"
expect "state header" "cse-id-state 1" "$(head -n 1 "$W/s" 2>/dev/null)"
expect "state loaded by the next run" "33 33 644 0 0 0" \
	"$(cse --root-id --id-state s -- stat -c '%u %g %a' p q 2>&1 | tr '\n' ' ' | sed 's/ $//')"
run cp s s.good
printf 'cse-id-state 1\n1 2 3 4 100644 0\n1 2 x 4 100644 0\n' | put bad
run cp bad bad.orig
err=$(cse --root-id --id-state bad -- sh -c 'echo started' 2>&1)
rc=$?
if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] &&
   printf '%s' "$err" | grep -q "$W/bad:3: bad UID" && cmp -s "$W/bad" "$W/bad.orig"; then
	ok "bad state file: one line naming FILE:LINE, program not started"
else
	notok "bad state file: one line naming FILE:LINE, program not started" "rc=$rc" "$err"
fi
check_bad() {
	printf "$2" | put bad
	err=$(cse --root-id --id-state bad -- true 2>&1)
	if [ $? -ne 0 ] && printf '%s' "$err" | grep -q "$3"; then ok "bad state file: $1"
	else notok "bad state file: $1" "$err"; fi
}
check_bad "wrong header" 'cse-id-state 2\n' "bad:1: not a cse id state file"
check_bad "truncated line" 'cse-id-state 1\n1 2 3 4 100644 0' "bad:2: truncated"
check_bad "duplicate key" 'cse-id-state 1\n1 2 3 4 100644 0\n1 2 5 5 100644 0\n' "bad:3: the same DEV INO twice"
check_bad "device number on a regular file" 'cse-id-state 1\n1 2 3 4 100644 7\n' "bad:2: RDEV set"
err=$(cse --root-id --id-state /nonexistent-dir/s -- true 2>&1)
if [ $? -ne 0 ] && printf '%s' "$err" | grep -q "cannot write in its directory"; then
	ok "state file in an unwritable place: refused before start"
else
	notok "state file in an unwritable place: refused before start" "$err"
fi
err=$(cse --uid abc -- true 2>&1)
if [ $? -ne 0 ] && printf '%s' "$err" | grep -q "bad uid 'abc'"; then ok "--uid abc refused"
else notok "--uid abc refused" "$err"; fi

# kill -9 at random moments while children keep saving: never a bad file.
run cp s.good s
bad=0
for i in 1 2 3 4 5 6; do
	(cd "$W" && exec "${AS[@]}" "$CSE_RUN" --root-id --id-state s -- sh -c \
		'i=0; while :; do i=$((i+1)); touch k$i; chown $i k$i; chmod 600 k$i; done') >/dev/null 2>&1 &
	pid=$!
	sleep 0.$((RANDOM % 9 + 1))
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	cse --root-id --id-state s -- true >/dev/null 2>&1 || bad=$((bad + 1))
done
expect "kill -9 during saves never corrupts the state file" 0 "$bad"
rm -f "$W"/k* "$W"/s.tmp.*

expect "a full table: ENOSPC" "3584 28" "$(cse --root-id -- $PY -c '
import os
os.mkdir("many")
n = 0
try:
    for i in range(3700):
        p = "many/%d" % i
        open(p, "w").close()
        os.chown(p, 33, 33)
        n += 1
except OSError as e:
    print(n, e.errno)' 2>&1)"
rm -rf "$W/many"

# ---------------------------------------------------------------- tar round trip
put mk.py <<'EOF'
import io, sys, tarfile
def add(t, name, typ, mode, uid, gid, data=b"", major=0, minor=0, link=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.uid, ti.gid = typ, mode, uid, gid
    ti.mtime, ti.devmajor, ti.devminor, ti.linkname = 1700000000, major, minor, link
    ti.size = len(data) if typ == tarfile.REGTYPE else 0
    t.addfile(ti, io.BytesIO(data) if typ == tarfile.REGTYPE else None)
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    add(t, "./top", tarfile.DIRTYPE, 0o755, 0, 0)
    add(t, "./top/user", tarfile.REGTYPE, 0o644, 1000, 1000, b"hello\n")
    add(t, "./top/suid", tarfile.REGTYPE, 0o4755, 0, 0, b"#!/bin/sh\n")
    add(t, "./top/www", tarfile.REGTYPE, 0o600, 33, 33, b"secret\n")
    add(t, "./top/priv", tarfile.DIRTYPE, 0o700, 1000, 1000)
    add(t, "./top/priv/inner", tarfile.REGTYPE, 0o640, 0, 33, b"x\n")
    add(t, "./top/null", tarfile.CHRTYPE, 0o666, 0, 0, major=1, minor=3)
    add(t, "./top/sda", tarfile.BLKTYPE, 0o660, 0, 6, major=8, minor=0)
    add(t, "./top/fifo", tarfile.FIFOTYPE, 0o620, 33, 33)
    add(t, "./top/link", tarfile.SYMTYPE, 0o777, 1000, 1000, link="user")
EOF
# name type mode uid gid devmajor devminor linkname, sorted
tarls() { tar --numeric-owner -tvf "$1" | awk '$NF !~ /^\.\/$/ { print $1, $2, $3, $NF }' | sort; }
run mkdir x
rm -f "$W/ts"
run $PY mk.py a.tar
terr=$( (cd "$W/x" && timeout 120 "${AS[@]}" "$CSE_RUN" --root-id --id-state ../ts -- tar xpf ../a.tar &&
	  timeout 120 "${AS[@]}" "$CSE_RUN" --root-id --id-state ../ts -- tar cpf ../b.tar .) 2>&1)
if [ "$(tarls "$W/a.tar" | wc -l)" = 10 ] && [ "$(tarls "$W/a.tar")" = "$(tarls "$W/b.tar")" ]; then
	ok "tar xpf / tar cpf round trip of owners, modes, devices (as uid $ME)"
else
	notok "tar xpf / tar cpf round trip of owners, modes, devices (as uid $ME)" \
		"$terr" "$(diff <(tarls "$W/a.tar") <(tarls "$W/b.tar" 2>&1))"
fi

# ---------------------------------------------------------------- side by side
rm -f "$W/go"
run touch shared
(cd "$W" && timeout 60 "${AS[@]}" "$CSE_RUN" --root-id -- sh -c \
	'chown 33:33 shared; touch go; while [ ! -e done ]; do sleep 0.05; done; echo A $(id -u) $(stat -c "%u %g" shared)') >"$HT/id-sbs" 2>&1 &
apid=$!
for _ in $(seq 100); do [ -e "$W/go" ] && break; sleep 0.05; done
b=$(cse --uid 1000 --gid 1000 -- sh -c 'echo B $(id -u) $(stat -c "%u %g" shared)' 2>&1)
run touch done
wait $apid
expect "two applications side by side see only their own" "A 0 33 33 / B 1000 1000 1000" \
	"$(cat "$HT/id-sbs") / $b"

expect "no host file changed owner" "" "$(find "$W" ! -user "$ME" -o ! -group "$MYG" 2>&1 | grep -v "^$W\$")"

# ---------------------------------------------------------------- fuzz
if command -v clang >/dev/null 2>&1; then
	fz=$HT/id_state_fuzz
	if clang -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
		-I"$TOP/include" -I"$TOP/user/elements" -o "$fz" \
		"$TOP/selftests/host/fuzz/id_state_fuzz.c" "$TOP/user/elements/id_statefile.c" \
		>"$HT/id_fuzz.log" 2>&1; then
		ok "build the state parser fuzzer"
		mkdir -p "$HT/id_corpus"
		cp "$W/s.good" "$HT/id_corpus/good" 2>/dev/null
		cp "$W/ts" "$HT/id_corpus/tar" 2>/dev/null
		if (cd "$HT" && "$fz" -max_total_time=20 -max_len=4096 -artifact_prefix="$HT/id_fuzz-" \
			"$HT/id_corpus" >>"$HT/id_fuzz.log" 2>&1); then
			ok "state parser fuzzed for 20 s"
		else
			notok "state parser fuzzed for 20 s" "$(tail -n 20 "$HT/id_fuzz.log")"
		fi
	else
		notok "build the state parser fuzzer" "$(cat "$HT/id_fuzz.log")"
	fi
else
	skip "state parser fuzzer" "clang not installed"
fi

# ---- stat reads the table without a lock while chown changes it
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$W/id_race" "$TOP/selftests/host/progs/id_race.c" -lpthread \
	>"$W/id_race.build" 2>&1; then
	res=
	for i in 1 2 3; do
		rm -rf "$W/race" && mkdir "$W/race" && chown "$ME:$MYG" "$W/race"
		out=$(timeout 120 "${AS[@]}" "$CSE_RUN" --root-id -- "$W/id_race" "$W/race" 2>&1)
		[ "$out" = "ok reads" ] || res="run $i: $out"
	done
	rm -rf "$W/race"
	if [ -z "$res" ]; then ok "stat during concurrent chown never sees a torn or missing record (3 runs)"
	else notok "stat during concurrent chown never sees a torn or missing record" "$res"; fi
else
	notok "build id_race" "$(cat "$W/id_race.build")"
fi

# ---- files made after dropping to another user belong to that user, as
# apt's _apt methods drop (setgroups, setresgid, setresuid): natively as
# root, and as fake root. The set-group-ID directory's group is real
# natively and only recorded under cse.
crt='cd "$1"; mkdir -m 2777 sg && chgrp 8 sg && chmod 2777 sg &&
	python3 -c "import os, sys; os.setgroups([]); os.setresgid(42, 42, 42); os.setresuid(42, 42, 42);
os.execvp(\"sh\", [\"sh\", \"-c\", sys.argv[1]])" "umask 022; : >f; mkdir d; ln -s f l; touch t;
		chmod 600 f && chown 42:42 d && : >sg/f2 && mkdir sg/d2 && chmod 640 sg/f2" &&
	stat -c "%n %u %g %a" f d t sg sg/f2 sg/d2 && stat -c "%n %u %g" l'
if [ "$(id -u)" = 0 ]; then
	rm -rf "$W/crn" "$W/crc" && mkdir -m 1777 "$W/crn" && mkdir "$W/crc" && chown "$ME:$MYG" "$W/crc"
	want=$(sh -c "$crt" sh "$W/crn" 2>&1)
	got=$(run "$CSE_RUN" --root-id -- sh -c "$crt" sh "$W/crc" 2>&1)
	expect "files created after setresuid(42) are 42's (chmod, chown by the owner), as natively" \
		"$(echo $want)" "$(echo $got)"
	rm -rf "$W/crn" "$W/crc"
else
	skip "files created after setresuid(42) are 42's" "not root (the native reference)"
fi

t_done
