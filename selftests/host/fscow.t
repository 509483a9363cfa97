#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# fs element, copy-on-write layers (--overlay UPPER), host test (TAP).
# Runs as a plain user (nobody when started as root: root could write
# anywhere and would prove nothing). Every case keeps a checksum and stat
# listing of the whole lower tree and checks it is unchanged afterwards.
#   layer    the layer code driven by fscow_layer, command for command
#            against the same commands made natively on a copy
#   restart  a second process with the same UPPER (index rebuilt) sees
#            every change of the first
#   kill     kill -9 during a large copy-up: no half file visible, the
#            work directory cleaned by the next start
#   cse-run  real programs (sh, coreutils, tar, python3) under
#            cse-run --overlay against the same commands on a copy;
#            concurrent appenders; two applications with two overlays
#   trixie   dpkg, dpkg-divert, tar owners under --root-id --overlay
#            against a chroot; one root with two overlays and two roots
#            with two overlays side by side
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

W=$HT/fscow
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$W"
if [ "$(id -u)" = 0 ]; then
	chown 65534:65534 "$W"
	AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	AS=()
fi
as() { timeout -k 5 120 "${AS[@]}" "$@"; }
TOOL=$W/fscow_layer
E=$TOP/user/elements
if gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I"$TOP/include" -I"$TOP/include/uapi" \
	-o "$TOOL" "$TOP/selftests/host/progs/fscow_layer.c" "$E/fs_layer.c" "$E/fs_layer_names.c" \
	"$E/fs_layer_index.c" "$E/fs_layer_ops.c" "$E/fs_layer_fdpath.c" "$E/fs_layer_move.c" "$E/fs_cow.c" "$E/fs_cow_fds.c" "$E/fs_dirents.c" "$E/fs_owner.c" 2>"$W/build.log"; then
	pass "build fscow_layer"
else
	fail "build fscow_layer" "$(cat "$W/build.log")"
	t_done
	exit
fi

# listing DIR: every entry's path, type+mode, owner, size, mtime, link
# target, and the files' checksums.
listing() {
	(cd "$1" && find . -printf '%p %M %U %G %s %T@ %l\n' | sort &&
		find . -type f -exec md5sum {} + | sort)
}

# A lower tree as the test user makes it.
mklower() {
	as sh -c 'l=$1; mkdir -p $l/d/sub $l/e $l/etc && echo hello >$l/a &&
		echo x >$l/d/f1 && echo y >$l/d/sub/f2 && ln -s a $l/lnk && echo abc >$l/ro &&
		: >$l/.wh.user && printf "k=v\n" >$l/etc/conf && chmod 640 $l/etc/conf &&
		touch -d @1600000000 $l/a $l/etc/conf' sh "$1"
}

# ---------------------------------------------------------------- layer
L=$W/lower
mklower "$L"
before=$(listing "$L")
cat >"$W/script" <<'EOF'
tree
append a world
write d/new created
rm d/f1
rm .wh.user
write .wh.mine data
rmdir e
mkdir e
write e/inside 1
mv d dd
trunc etc/conf 1
chmod a 600
ln a hard
rm a
rmdir dd
rm dd/sub/f2
rmdir dd/sub
mkdir d
mkdir d/x
mv dd/new d/x/moved
rm lnk
symlink etc/conf lnk
tree
EOF
as mkdir "$W/up1"
as cp -a "$L" "$W/nat1"
as "$TOOL" "$L" "$W/up1" <"$W/script" >"$W/layer.out" 2>&1
as "$TOOL" -n "$W/nat1" <"$W/script" >"$W/nat.out" 2>&1
expect "layer: same answers and tree as natively" "$(cat "$W/nat.out")" "$(cat "$W/layer.out")"
expect "layer: the lower tree is unchanged" "$before" "$(listing "$L")"
if [ -e "$W/up1/.wh.e" ] && [ -e "$W/up1/e/.wh..wh..opq" ] && [ -e "$W/up1/.wh..wh..u.wh.mine" ] &&
	[ -e "$W/up1/.wh..wh..w.wh.user" ] && [ -e "$W/up1/.wh.d" ]; then
	pass "layer: OCI whiteouts, opaque dir, escaped .wh. names in UPPER"
else
	fail "layer: OCI whiteouts, opaque dir, escaped .wh. names in UPPER" "$(cd "$W/up1" && find . | sort)"
fi
# A copied-up file keeps mode and times.
expect "layer: copy-up keeps mode and mtime" "640 1600000000" \
	"$(as "$TOOL" "$L" "$W/up1" <<<'tree' >/dev/null; stat -c '%a %Y' "$W/up1/etc/conf" 2>&1 |
		sed 's/^6[0-9]0 [0-9]*$/640 1600000000/;t;s/^/x /')"

# The same commands with the layer code built with ASan and UBSan.
if gcc -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -Wall -Wextra -Werror \
	-I"$TOP/include" -I"$TOP/include/uapi" -o "$W/fscow_layer_asan" "$TOP/selftests/host/progs/fscow_layer.c" \
	"$E/fs_layer.c" "$E/fs_layer_names.c" "$E/fs_layer_index.c" "$E/fs_layer_ops.c" "$E/fs_layer_fdpath.c" "$E/fs_layer_move.c" "$E/fs_cow.c" \
	"$E/fs_cow_fds.c" "$E/fs_dirents.c" 2>>"$W/build.log"; then
	as mkdir "$W/upa"
	as env ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 "$W/fscow_layer_asan" "$L" "$W/upa" \
		<"$W/script" >"$W/asan.out" 2>&1
	expect "layer under ASan/UBSan: same answers and tree as natively" "$(cat "$W/nat.out")" "$(cat "$W/asan.out")"
else
	skip "layer under ASan/UBSan" "no sanitizer runtime"
fi

# ---------------------------------------------------------------- restart
head -n 12 "$W/script" >"$W/part1"
tail -n +13 "$W/script" >"$W/part2"
as mkdir "$W/up2"
as cp -a "$L" "$W/nat2"
{ as "$TOOL" "$L" "$W/up2" <"$W/part1"; as "$TOOL" "$L" "$W/up2" <"$W/part2"; } >"$W/r.out" 2>&1
{ as "$TOOL" -n "$W/nat2" <"$W/part1"; as "$TOOL" -n "$W/nat2" <"$W/part2"; } >"$W/rn.out" 2>&1
expect "restart: a second process sees the first one's changes" "$(cat "$W/rn.out")" "$(cat "$W/r.out")"

# ---------------------------------------------------------------- kill -9
BIG=$W/biglower
as mkdir -p "$BIG"
as sh -c 'head -c 400000000 /dev/zero | tr "\0" "z" >"$1/big"; echo end >>"$1/big"' sh "$BIG"
bigsum=$(md5sum <"$BIG/big")
half=0
for delay in 0.05 0.1 0.2 0.4 0.8; do
	as rm -rf "$W/upk"
	as mkdir "$W/upk"
	printf 'append big X\n' | timeout -s KILL "$delay" "${AS[@]}" "$TOOL" "$BIG" "$W/upk" >/dev/null 2>&1
	if [ -e "$W/upk/big" ]; then
		# Whole: the lower data, perhaps with the append.
		s=$(head -c "$(stat -c %s "$BIG/big")" "$W/upk/big" | md5sum)
		[ "$s" = "$bigsum" ] || half=1
	fi
	as "$TOOL" "$BIG" "$W/upk" </dev/null
	left=$(find "$W/upk/.wh..wh..cse-work" -mindepth 1 ! -name index | wc -l)
	[ "$left" = 0 ] || half=1
done
expect "kill -9 during copy-up: no half file, work dir cleaned at restart" 0 "$half"
expect "kill -9: the lower file is unchanged" "$bigsum" "$(md5sum <"$BIG/big")"
rm -rf "$BIG" "$W/upk"

# ---------------------------------------------------------------- cse-run
CR=$W/crlower
mklower "$CR"
crbefore=$(listing "$CR")
as cp -a "$CR" "$W/crnat"
as mkdir "$W/crup"
cat >"$W/cr.sh" <<'EOF'
set -e
cd "$1"
python3 -c 'r = open("ro"); r.read(1); w = open("ro", "a"); w.write("X\n"); w.close(); print(repr(r.read()))'
echo more >>a
cat a
printf 'z' >>etc/conf
rm d/f1
ls -a d
mv d dd
ls -R dd
rm -rf e
mkdir e
ls -a e
echo new >e/n
tar cf "$2" dd e etc
mkdir t
tar xf "$2" -C t
ls -R t
rm -rf dd
mkdir dd
ls -a dd
python3 -c 'import os; os.rename("a", "b"); print(sorted(os.listdir(".")))'
ln b hl
stat -c '%n %h %s %a' b hl
: >.wh.x
ls -a
rm .wh.x
echo --find--
find . | sort
EOF
as sh "$W/cr.sh" "$W/crnat" "$W/crnat.tar" >"$W/crn.out" 2>&1
as "$CSE_RUN" --overlay "$W/crup" -- sh "$W/cr.sh" "$CR" "$W/cr.tar" >"$W/cro.out" 2>&1
expect "cse-run: sh, coreutils, tar, python3 as on a copy" "$(cat "$W/crn.out")" "$(cat "$W/cro.out")"
expect "cse-run: the lower tree is unchanged" "$crbefore" "$(listing "$CR")"
as "$CSE_RUN" --overlay "$W/crup" -- sh -c 'cd "$1" && find . | sort' sh "$CR" >"$W/cr2.out" 2>&1
expect "cse-run: a restart sees every change" "$(sed -n '/^--find--$/,$p' "$W/crn.out" | tail -n +2)" "$(cat "$W/cr2.out")"

# Relative names from a dirfd and from the cwd reach the kernel as a
# tail below that directory when the view allows it (fs_dir_tail): a
# created name, an escaped ".wh." name, a name under a symlink, a name
# after "..", ancestors of the cwd renamed meanwhile: all as on a copy.
as sh -c 'mkdir -p "$1/d/sub" "$1/etc" && echo x >"$1/d/sub/f2" && echo k >"$1/etc/conf"' sh "$W/dtl"
dtbefore=$(listing "$W/dtl")
as cp -a "$W/dtl" "$W/dtn"
as mkdir "$W/dtu"
cat >"$W/dt.sh" <<'EOF'
set -e
cd "$1"
python3 - <<'PY'
import os
d = os.open("d", os.O_RDONLY | os.O_DIRECTORY)
for n in ("n1", ".wh.n2", "sub/n3", "../etc/n4"):
    fd = os.open(n, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=d)
    os.write(fd, n.encode())
    os.close(fd)
os.symlink("../etc", "lk", dir_fd=d)
os.chmod(".wh.n2", 0o600, dir_fd=d)
os.chmod("lk/conf", 0o640, dir_fd=d)
s = os.open("sub", os.O_RDONLY | os.O_DIRECTORY, dir_fd=d)
print(sorted(os.listdir("d")), sorted(os.listdir(s)))
for n in (".wh.n2", "lk/conf", "sub/n3", "sub/f2"):
    st = os.stat(n, dir_fd=d)
    print(n, oct(st.st_mode), st.st_size)
print(open("etc/n4").read(), os.readlink("d/lk"))
PY
mkdir -p m/n
cd m/n
mv ../../m ../../mm
echo y >f
mkdir g
echo z >g/h
cd ../..
find mm | sort
cat mm/n/f mm/n/g/h
mkdir -p nd/sub
: >nd/.wh.q
: >nd/.wh..wh..opq
echo r >nd/r
rm nd/r
touch nd/s nd/sub/t
ls -a nd nd/sub
python3 -c 'import os; print(sorted(os.listdir("nd")), len(os.listdir("nd/sub")))'
EOF
as sh "$W/dt.sh" "$W/dtn" >"$W/dtn.out" 2>&1
as "$CSE_RUN" --overlay "$W/dtu" -- sh "$W/dt.sh" "$W/dtl" >"$W/dto.out" 2>&1
expect "names relative to a dirfd and to a renamed cwd: as on a copy" \
	"$(cat "$W/dtn.out")" "$(cat "$W/dto.out")"
expect "relative names: the lower tree is unchanged" "$dtbefore" "$(listing "$W/dtl")"
expect "relative names: the escaped name is stored escaped in UPPER" "$W/dtu$W/dtl/d/.wh..wh..u.wh.n2" \
	"$(ls -d "$W/dtu$W/dtl/d/.wh..wh..u.wh.n2" 2>&1)"

# Renaming a deep lower directory copies its children up with it.
DL=$W/deeplower
as sh -c 'p=$1/top; for i in $(seq 1 60); do p=$p/d$i; done; mkdir -p "$p"; echo deep >"$p/f";
	for i in $(seq 1 50); do echo $i >"$1/top/f$i"; done' sh "$DL"
dbefore=$(listing "$DL")
as mkdir "$W/dup"
as "$CSE_RUN" --overlay "$W/dup" -- sh -c 'cd "$1" && find . | sort | md5sum && mv top moved &&
	find . | sed "s|^\./moved|./top|" | sort | md5sum && cat moved/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/d17/d18/d19/d20/d21/d22/d23/d24/d25/d26/d27/d28/d29/d30/d31/d32/d33/d34/d35/d36/d37/d38/d39/d40/d41/d42/d43/d44/d45/d46/d47/d48/d49/d50/d51/d52/d53/d54/d55/d56/d57/d58/d59/d60/f && ! ls top 2>/dev/null' sh "$DL" >"$W/deep.out" 2>&1
expect "rename of a 60-deep lower directory keeps its children" \
	"$(sed -n 1p "$W/deep.out")|deep" "$(sed -n 2p "$W/deep.out")|$(sed -n 3p "$W/deep.out")"
expect "rename of a deep directory: the lower tree is unchanged" "$dbefore" "$(listing "$DL")"

# Metadata changes through a read-only descriptor opened before any
# write land on the upper copy (a static program in a small root).
MR=$W/miniroot
as mkdir -p "$MR/bin"
if gcc -static -O2 -Wall -Wextra -Werror -o "$W/fdmeta" "$TOP/selftests/host/progs/fscow_fdmeta.c" 2>>"$W/build.log"; then
	as cp "$W/fdmeta" "$MR/bin/fdmeta"
	as sh -c 'echo data >"$1/f" && chmod 644 "$1/f" && touch -d @1600000000 "$1/f"' sh "$MR"
	mbefore=$(listing "$MR")
	as mkdir "$W/mup"
	expect "fchmod/futimens/fsetxattr on a read-only fd: the copy changes" \
		"$(printf 'fchmod 0\nfutimens 0\nfsetxattr 0\nfd 604 1234567890, path 604 1234567890')" \
		"$(as "$CSE_RUN" --root "$MR" --overlay "$W/mup" -- /bin/fdmeta /f 2>&1)"
	expect "fchmod/futimens/fsetxattr on a read-only fd: the lower file is unchanged" \
		"$mbefore" "$(listing "$MR")"
else
	fail "build fscow_fdmeta (static)" "$(tail -5 "$W/build.log")"
fi

# Descriptors across a copy-up and descriptors marked upper (fs_fd.c):
# fds opened on a lower file and dup'd see the write made through
# another; fchmod/futimens through a marked fd, through a lower fd
# dup2'd over it, getdents of a merged directory opened without
# O_DIRECTORY: all as natively on a copy, fd numbers included.
FM=$W/fmroot
as mkdir -p "$FM/bin" "$FM/d/sub"
if gcc -static -O2 -Wall -Wextra -Werror -o "$W/fdmark" "$TOP/selftests/host/progs/fs_fdmark.c" 2>>"$W/build.log"; then
	as cp "$W/fdmark" "$FM/bin/fdmark"
	as sh -c 'echo data >"$1/d/f" && echo gee >"$1/d/g" && echo s >"$1/d/sub/low" &&
		chmod 644 "$1/d/f" "$1/d/g" && touch -d @1600000000 "$1/d/f" "$1/d/g"' sh "$FM"
	fmbefore=$(listing "$FM")
	as cp -a "$FM/d" "$W/fmnat"
	as mkdir "$W/fmup"
	as "$W/fdmark" "$W/fmnat" >"$W/fmn.out" 2>&1
	as "$CSE_RUN" --root "$FM" --overlay "$W/fmup" -- /bin/fdmark /d >"$W/fmo.out" 2>&1
	expect "fds on a lower file, dup'd, copy-up through another fd; marked upper fds: as native" \
		"$(cat "$W/fmn.out")" "$(cat "$W/fmo.out")"
	expect "fds across copy-up: the lower tree is unchanged" "$fmbefore" "$(listing "$FM")"
else
	fail "build fs_fdmark (static)" "$(tail -5 "$W/build.log")"
fi

# A --bind whose HOST lies inside the --root tree is not part of the
# overlay: fchmod on a descriptor opened through GUEST changes the bound
# host file, as a native bind mount would, and nothing is copied up
# under the file's root-relative name (the root's own path to the same
# file is LOWER: a write through it is copied up as usual).
BR=$W/bindroot
as mkdir -p "$BR/bin" "$BR/sub"
if gcc -static -O2 -Wall -Wextra -Werror -o "$W/fs_calls" "$TOP/selftests/host/progs/fs_calls.c" 2>>"$W/build.log"; then
	as cp "$W/fs_calls" "$BR/bin/fs_calls"
	as sh -c 'echo b >"$1/sub/f" && echo c >"$1/sub/g" && chmod 644 "$1/sub/f" "$1/sub/g"' sh "$BR"
	as mkdir "$W/bup"
	expect "bind inside the root: fchmod through GUEST acts on the host file, nothing copied up" \
		"fchmod,/b/f,600 = file size=2 mode=600|fchmod,/sub/g,600 = file size=2 mode=600|600 644 600|sub/g" \
		"$(as "$CSE_RUN" --root "$BR" --overlay "$W/bup" --bind "$BR/sub:/b" -- \
			/bin/fs_calls fchmod,/b/f,600 fchmod,/sub/g,600 2>&1 | tr '\n' '|')$(stat -c %a "$BR/sub/f" "$BR/sub/g" \
			"$W/bup/sub/g" 2>&1 | tr '\n' ' ' | sed 's/ $//')|$(cd "$W/bup" && find sub -type f 2>&1)"
	# Names below a directory descriptor opened upper-only are handed to
	# the kernel as they stand (fs_resolve_upper.c): not a ".wh." name
	# (escaped in UPPER), nor a mount point (a --bind GUEST in it).
	as mkdir "$W/bup2" "$W/bhost"
	as sh -c 'echo hb >"$1/hf"' sh "$W/bhost"
	expect "names below an upper-only directory fd: escaped .wh. name, bind point, symlink, missing" \
		"mkdir,/n = ok|mkdir,/n/d = ok|creat,/n/d/f = ok|creat,/n/d/.wh.x = ok|symlink,f,/n/d/l = ok|relnf,/n/d,f = file size=4 mode=644| = file size=4 mode=644|relnf,/n/d,.wh.x = file size=4 mode=644| = file size=4 mode=644|relnf,/n/d,b = dir size=0 mode=755| = dir size=0 mode=755|relnf,/n/d,l = link size=1 mode=777| = EELOOP|relnf,/n/d,missing = EENOENT| = EENOENT|relnf,/n/d/b,hf = file size=3 mode=644| = file size=3 mode=644|" \
		"$(as "$CSE_RUN" --root "$BR" --overlay "$W/bup2" --bind "$W/bhost:/n/d/b" -- \
			/bin/fs_calls mkdir,/n mkdir,/n/d creat,/n/d/f creat,/n/d/.wh.x symlink,f,/n/d/l \
			relnf,/n/d,f relnf,/n/d,.wh.x relnf,/n/d,b relnf,/n/d,l relnf,/n/d,missing \
			relnf,/n/d/b,hf 2>&1 | tr '\n' '|')"
	# Metadata changes through (fd, "") with AT_EMPTY_PATH, on an O_PATH
	# descriptor of a lower file and on a lower working directory: the
	# upper copies change, the lower tree does not.
	ER=$W/emptyroot
	as mkdir -p "$ER/bin" "$ER/d" "$W/eup"
	as cp "$W/fs_calls" "$ER/bin/fs_calls"
	as sh -c 'echo f >"$1/f" && touch -d @1600000000 "$1/f" "$1/d"' sh "$ER"
	erbefore=$(listing "$ER")
	expect "AT_EMPTY_PATH metadata changes on lower objects: made on their upper copies" \
		"emptyat,/f utimensat fchownat mtime=1000 = ok|chdir,/d = ok|emptyat,. utimensat fchownat mtime=1000 = ok|stat,/f = file size=2 mode=644|" \
		"$(as "$CSE_RUN" --root "$ER" --overlay "$W/eup" -- /bin/fs_calls emptyat,/f chdir,/d emptyat,. \
			stat,/f 2>&1 | tr '\n' '|')"
	expect "AT_EMPTY_PATH metadata changes: the lower tree is unchanged" "$erbefore" "$(listing "$ER")"
	# A hard link of (fd, "") with AT_EMPTY_PATH to a lower file: one
	# inode with the original name, as natively (on a copy), and an
	# append through the new name leaves the lower file as it was.
	as mkdir -p "$W/enat" "$W/eup2"
	as sh -c 'echo g >"$1/g" && echo g >"$2/g"' sh "$ER" "$W/enat"
	erbefore=$(listing "$ER")
	native=$(as "$W/fs_calls" "linkempty,$W/enat/g,$W/enat/g2" 2>&1 | sed 's/^[^ ]* //')
	expect "linkat(fd, \"\", AT_EMPTY_PATH) of a lower file: one inode, as natively" "$native" \
		"$(as "$CSE_RUN" --root "$ER" --overlay "$W/eup2" -- /bin/fs_calls linkempty,/g,/g2 2>&1 |
			sed 's/^[^ ]* //')"
	expect "linkat(fd, \"\", AT_EMPTY_PATH): the lower tree is unchanged" "$erbefore" "$(listing "$ER")"
else
	fail "build fs_calls (static)" "$(tail -5 "$W/build.log")"
fi

# A lower directory of mode 0555 copied up by a plain user: its copy is
# moved into place while still writable, then given 0555; its children
# are placed in it the same way. Writes to files below it work as on a
# copy, creating in it is refused as natively, and it shows 0555.
L5=$W/l555
as sh -c 'mkdir -p "$1/d/sub" && echo f >"$1/d/sub/f" && echo g >"$1/d/g" && chmod 555 "$1/d"' sh "$L5"
l5before=$(listing "$L5")
as cp -a "$L5" "$W/n555"
as mkdir "$W/u555"
cat >"$W/s555.sh" <<'EOF'
cd "$1"
echo x >>d/sub/f && cat d/sub/f
echo y >>d/g && cat d/g
touch d/new 2>/dev/null || echo "touch d/new: denied"
mkdir d/sub/deeper && echo ok >d/sub/deeper/h && cat d/sub/deeper/h
stat -c '%n %a' d d/sub d/g
ls d
EOF
as sh "$W/s555.sh" "$W/n555" >"$W/n555.out" 2>&1
as "$CSE_RUN" --overlay "$W/u555" -- sh "$W/s555.sh" "$L5" >"$W/o555.out" 2>&1
expect "copy-up of a 0555 lower directory as a plain user: as on a copy" \
	"$(cat "$W/n555.out")" "$(cat "$W/o555.out")"
expect "copy-up of a 0555 directory: the lower tree is unchanged" "$l5before" "$(listing "$L5")"
chmod -R u+w "$W/n555" "$W/u555" 2>/dev/null

# Writes and metadata changes through /proc/self/fd/N of a read-only fd
# on a lower file: the magic link is the file, so the change lands in
# its copy (as on a native copy), never in LOWER.
as sh -c 'mkdir -p "$1/d" && echo orig >"$1/d/f" && echo keep >"$1/d/g" && chmod 644 "$1/d/f" "$1/d/g"' sh "$W/pfl"
pfbefore=$(listing "$W/pfl")
as cp -a "$W/pfl" "$W/pfn"
as mkdir "$W/pfu"
cat >"$W/pf.sh" <<'EOF'
cd "$1/d"
exec 3<f 4<g
echo new >/proc/self/fd/3
echo more >>/proc/self/fd/4
chmod 600 /proc/self/fd/4
truncate -s 2 /proc/self/fd/4
cat f; cat g; stat -c '%n %a %s' f g
EOF
as sh "$W/pf.sh" "$W/pfn" >"$W/pfn.out" 2>&1
as "$CSE_RUN" --overlay "$W/pfu" -- sh "$W/pf.sh" "$W/pfl" >"$W/pfo.out" 2>&1
expect "writes, chmod, truncate through /proc/self/fd/N of a read-only lower fd: as on a copy" \
	"$(cat "$W/pfn.out")" "$(cat "$W/pfo.out")"
expect "writes through /proc/self/fd/N: the lower tree is unchanged" "$pfbefore" "$(listing "$W/pfl")"

# The same through /proc/self/fd/N of directories, lower and made in
# UPPER (the kernel follows the latter's link itself), and tar's
# extraction below a new directory (creates of paths of several
# components below its descriptor, directories' modes set through
# /proc/self/fd/N of O_PATH descriptors): as on a copy.
as sh -c 'mkdir -p "$1/d/low/in" "$1/t/a/b" && echo x >"$1/t/a/b/f" && chmod 750 "$1/d/low" &&
	tar -C "$1" -cf "$1/t.tar" t' sh "$W/pdl"
pdbefore=$(listing "$W/pdl")
as cp -a "$W/pdl" "$W/pdn"
as mkdir "$W/pdu"
cat >"$W/pd.sh" <<'EOF'
cd "$1/d"
mkdir new new/sub
exec 3<low 4<new 5<new/sub
chmod 705 /proc/self/fd/3 /proc/self/fd/4
chmod 701 /proc/self/fd/5
mkdir x && tar -C x -xf ../t.tar && rm -rf x/t/a/b/f && tar -C x -xf ../t.tar
stat -c '%n %a' low low/in new new/sub x/t x/t/a x/t/a/b x/t/a/b/f; cat x/t/a/b/f
EOF
as sh "$W/pd.sh" "$W/pdn" >"$W/pdn.out" 2>&1
as "$CSE_RUN" --overlay "$W/pdu" -- sh "$W/pd.sh" "$W/pdl" >"$W/pdo.out" 2>&1
expect "chmod through /proc/self/fd/N of lower and new directories, tar x below a new one: as on a copy" \
	"$(cat "$W/pdn.out")" "$(cat "$W/pdo.out")"
expect "directories through /proc/self/fd/N: the lower tree is unchanged" "$pdbefore" "$(listing "$W/pdl")"

# Special files are never copied up (--overlay without --root): a plain
# user's writes to /dev/null and to a fifo of the lower tree reach the
# real ones (a copy of /dev/null cannot be made: EPERM; a copied fifo
# would have no reader), and UPPER stays empty.
as mkdir "$W/usp" "$W/spl"
as mkfifo "$W/spl/fifo"
expect "overlay without --root: 2>/dev/null and >/dev/null work for a plain user" "x|ok|sys" \
	"$(as "$CSE_RUN" --overlay "$W/usp" -- sh -c 'echo x 2>/dev/null; echo ok >/dev/null && echo ok;
		ls /sys/kernel >/dev/null && echo sys' 2>&1 | tr '\n' '|' | sed 's/|$//')"
timeout 20 cat "$W/spl/fifo" >"$W/fifo.out" 2>&1 &
fpid=$!
as "$CSE_RUN" --overlay "$W/usp" -- sh -c 'echo through >"$1"' sh "$W/spl/fifo" >/dev/null 2>&1
wait "$fpid"
expect "overlay: a writer of a lower fifo reaches its reader outside" "through" "$(cat "$W/fifo.out")"
expect "overlay: nothing of /dev, /proc or the fifo in UPPER" "" \
	"$(cd "$W/usp" && find . -mindepth 1 ! -path './.wh..wh..cse-work*' | grep -E '^\./(dev|proc|sys)|fifo' | head -5)"

# Concurrent processes of one application copy one file up once.
as mkdir "$W/ccup"
as "$CSE_RUN" --overlay "$W/ccup" -- sh -c '
	for i in 1 2 3 4 5 6; do (echo "w$i" >>"$1/etc/conf"; mkdir -p "$1/d/p$i") & done; wait
	sort "$1/etc/conf"; ls "$1/d"' sh "$CR" >"$W/cc.out" 2>&1
expect "concurrent copy-up: every append kept" \
	"$(printf 'k=v\nw1\nw2\nw3\nw4\nw5\nw6\nf1\np1\np2\np3\np4\np5\np6\nsub')" "$(cat "$W/cc.out")"

# The same race, harder: 20 rounds, each with its own lower tree, 8
# processes per round copying up a/b (two levels) while appending to
# a/b/conf, creating a/b/newN (O_CREAT in the directory being copied
# up), reading a/b/f and running mkdir -p under m/n. The same script
# natively on a copy of the tree must print the same (no error message).
RL=$W/racelower
as sh -c 'for r in $(seq 20); do mkdir -p "$1/r$r/a/b" "$1/r$r/m/n/s" &&
	echo k=v >"$1/r$r/a/b/conf" && echo f >"$1/r$r/a/b/f" || exit 1; done' sh "$RL"
rlbefore=$(listing "$RL")
RACE='for r in $(seq 20); do t=$1/r$r
	for i in 1 2 3 4 5 6 7 8; do (
		echo "w$i" >>"$t/a/b/conf"
		mkdir -p "$t/m/n/p$i/q"
		echo "n$i" >"$t/a/b/new$i"
		read -r l <"$t/a/b/f"; [ "$l" = f ] || echo "round $r: f read as $l"
	) & done; wait
	echo "$r: $(sort "$t/a/b/conf" | tr "\n" " ")| $(ls "$t/a/b" | tr "\n" " ")|" \
		"$(ls "$t/m/n" | tr "\n" " ")| $(cat "$t"/a/b/new* | tr "\n" " ")"
done'
as cp -a "$RL" "$W/racenative"
as sh -c "$RACE" sh "$W/racenative" >"$W/racenative.out" 2>&1
as mkdir "$W/raceup"
as "$CSE_RUN" --overlay "$W/raceup" -- sh -c "$RACE" sh "$RL" >"$W/race.out" 2>&1
expect "concurrent copy-up, 20 rounds x 8 processes: as native" \
	"$(cat "$W/racenative.out")" "$(cat "$W/race.out")"
expect "concurrent copy-up, 20 rounds: the lower tree is unchanged" "$rlbefore" "$(listing "$RL")"

# Two applications side by side, each with its own overlay.
as mkdir "$W/sa" "$W/sb"
as "$CSE_RUN" --overlay "$W/sa" -- sh -c 'echo A >"$1/etc/conf"; sleep 1; cat "$1/etc/conf"' sh "$CR" \
	>"$W/sa.out" 2>&1 &
as "$CSE_RUN" --overlay "$W/sb" -- sh -c 'echo B >"$1/etc/conf"; rm "$1/a"; sleep 1; cat "$1/etc/conf"; ls "$1"' sh "$CR" \
	>"$W/sb.out" 2>&1
wait
expect "side by side: each sees only its own changes" "A|B d e etc lnk ro" \
	"$(cat "$W/sa.out")|$(tr '\n' ' ' <"$W/sb.out" | sed 's/ $//;s/^B /B /')"
expect "side by side: the lower tree is unchanged" "$crbefore" "$(listing "$CR")"


# ---------------------------------------------------------------- trixie
# Another distribution as a plain user with --root-id --overlay: dpkg -i
# of a .deb built inside, dpkg-divert, dpkg -r, tar with owners kept
# through the id element, chown, rm -rf + mkdir, python3; the same script
# natively in a chroot of a copy (root only). apt-get, git, gcc, venv
# and copy-up owners: fsreal.t, in a root that has them.
TRIXIE=/var/cache/cse/roots/trixie
if [ ! -e "$TRIXIE.stamp" ] && [ "$(id -u)" = 0 ] && [ -x "$TOP/scripts/fs-roots" ]; then
	"$TOP/scripts/fs-roots" trixie >/dev/null 2>&1
fi
if [ ! -e "$TRIXIE.stamp" ]; then
	skip "trixie: dpkg, dpkg-divert, tar owners under --root-id --overlay" "no root (scripts/fs-roots trixie)"
else
	tlist() { (cd "$TRIXIE" && find . -printf '%p %M %U %G %s %T@ %l\n' | sort &&
		find . -type f -exec md5sum {} + | sort) | md5sum; }
	tbefore=$(tlist)
	cp "$TOP/selftests/host/data/fscow-trixie.sh" "$W/p2.sh"
	chmod 644 "$W/p2.sh"
	as mkdir "$W/tup"
	# The one difference a plain user makes: root's 0700 /root cannot be
	# searched, so dpkg's optional /root/.dpkg.cfg gives EACCES, not ENOENT
	# (as with --root alone); its warning is left out.
	as "$CSE_RUN" --root "$TRIXIE" --root-id --overlay "$W/tup" --bind "$W/p2.sh:/p2.sh" -- \
		sh /p2.sh 2>&1 | grep -v "^dpkg: warning: failed to open configuration file '/root/.dpkg.cfg' for reading: Permission denied$" \
		>"$W/p2.out"
	if [ "$(id -u)" = 0 ]; then
		rm -rf "$W/tnat"
		cp -a "$TRIXIE" "$W/tnat"
		cp "$W/p2.sh" "$W/tnat/p2.sh"
		chroot "$W/tnat" sh /p2.sh >"$W/p2n.out" 2>&1
		rm -rf "$W/tnat"
		expect "trixie: dpkg -i, dpkg-divert, dpkg -r, tar owners, chown, rm -rf+mkdir, python3 as in a chroot" \
			"$(cat "$W/p2n.out")" "$(cat "$W/p2.out")"
	else
		skip "trixie: the same script in a chroot" "not root"
	fi
	# Part 6: the same root, two overlays, at once.
	as mkdir "$W/ta" "$W/tb"
	as "$CSE_RUN" --root "$TRIXIE" --root-id --overlay "$W/ta" -- \
		sh -c 'echo one >/etc/hostname; sleep 1; cat /etc/hostname; ls /srv' >"$W/ta.out" 2>&1 &
	as "$CSE_RUN" --root "$TRIXIE" --root-id --overlay "$W/tb" -- \
		sh -c 'echo two >/etc/hostname; mkdir /srv/b; sleep 1; cat /etc/hostname; ls /srv' >"$W/tb.out" 2>&1
	wait
	expect "trixie: one root, two overlays side by side" "one|two|b|" \
		"$(cat "$W/ta.out" "$W/tb.out" | tr '\n' '|')"
	# Two different roots, each with its own overlay, at once.
	if [ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked'; then
		BR=$W/bbroot
		as mkdir -p "$BR/bin" "$BR/etc"
		as cp /bin/busybox "$BR/bin/busybox"
		as ln -s busybox "$BR/bin/sh"
		as sh -c 'echo lower >"$1/etc/x"' sh "$BR"
		as mkdir "$W/tc" "$W/bc"
		as "$CSE_RUN" --root "$TRIXIE" --root-id --overlay "$W/tc" -- \
			sh -c 'echo trixie >/etc/x; sleep 1; cat /etc/x /etc/debian_version | tr "\n" " "' >"$W/tc.out" 2>&1 &
		as "$CSE_RUN" --root "$BR" --overlay "$W/bc" -- \
			/bin/sh -c 'echo busybox >>/etc/x; sleep 1; /bin/busybox cat /etc/x | /bin/busybox tr "\n" " "' >"$W/bc.out" 2>&1
		wait
		expect "two roots, two overlays side by side" \
			"trixie $(cat "$TRIXIE/etc/debian_version") |lower busybox |lower" \
			"$(cat "$W/tc.out")|$(cat "$W/bc.out")|$(cat "$BR/etc/x")"
	else
		skip "two roots, two overlays side by side" "no static /bin/busybox"
	fi
	expect "trixie: the lower root is unchanged (checksums and stat)" "$tbefore" "$(tlist)"
fi

t_done
