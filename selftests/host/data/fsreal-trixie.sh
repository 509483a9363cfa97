# fsreal.t: run inside the trixie-dev root, under cse-run --root-id --overlay
# as a plain user and natively as root in a chroot over an overlayfs mount.
# Each "== NAME" line starts a case; fsreal.t compares case by case.
# Nothing printed may depend on the time, the host or the run.
export LC_ALL=C HOME=/root
set -u

echo "== copy-up keeps owner, mode and times"
f="/usr/bin/chage /var/log/lastlog /var/mail"
stat -c '%n %U %G %a %Y' $f
touch -c /usr/bin/chage
: >>/var/log/lastlog
mkdir /var/mail/sub
: >/var/mail/new
stat -c '%n %U %G %a' $f /var/mail/sub /var/mail/new
stat -c '%n %Y' /var/log/lastlog

echo "== files made after dropping to _apt, in lower and new directories"
mkdir -m 1777 /srv/drop
python3 -c 'import os; os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(42, 42, 42)
os.mkdir("/srv/drop/d"); os.mkdir("/tmp/d2"); open("/srv/drop/d/f", "w").close(); open("/tmp/f2", "w").close()
os.symlink("f", "/srv/drop/l"); os.chmod("/srv/drop/d/f", 0o600); os.chown("/tmp/d2", 42, 65534)'
stat -c '%n %U %G %a' /srv/drop/d /srv/drop/d/f /tmp/d2 /tmp/f2
stat -c '%n %U %G' /srv/drop/l

echo "== apt-get update and install from Debian's registry"
apt-get -q update >/tmp/apt-update.log 2>&1 || { echo "update failed"; tail -3 /tmp/apt-update.log; }
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends hello \
	>/tmp/apt.log 2>&1 || { echo "install failed"; tail -3 /tmp/apt.log; }
hello
dpkg-query -W -f '${Package} ${Status}\n' hello
stat -c '%n %U %G %a' /var/lib/apt/lists/partial /var/cache/apt/archives/partial \
	/var/cache/apt/archives/hello_*.deb /usr/bin/hello

echo "== dpkg -i of a local .deb with owners and a setuid file"
mkdir -p /tmp/pkg/DEBIAN /tmp/pkg/usr/bin /tmp/pkg/var/lib/fsreal
printf 'Package: fsreal\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: fsreal test\n' \
	>/tmp/pkg/DEBIAN/control
printf '#!/bin/sh\necho fsreal ok\n' >/tmp/pkg/usr/bin/fsreal
chmod 4755 /tmp/pkg/usr/bin/fsreal
chown daemon:daemon /tmp/pkg/var/lib/fsreal
dpkg-deb -b /tmp/pkg /tmp/fsreal.deb >/dev/null
dpkg-deb -c /tmp/fsreal.deb | awk '{print $1, $2, $6}'
dpkg -i /tmp/fsreal.deb >/dev/null 2>&1 || echo "dpkg -i failed"
fsreal
stat -c '%n %U %G %a' /usr/bin/fsreal /var/lib/fsreal
dpkg -r fsreal >/dev/null 2>&1 || echo "dpkg -r failed"
ls /usr/bin/fsreal 2>&1

echo "== python3 -m venv and the venv's python"
python3 -m venv --without-pip /opt/venv
/opt/venv/bin/python -c 'import sys, os; print(sys.prefix, sys.base_prefix, os.path.realpath(sys.executable))'
/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
stat -c '%n %U %G' /opt/venv/bin/python /opt/venv/pyvenv.cfg

echo "== python3 -m venv with pip (ensurepip in a subprocess)"
python3 -m venv /opt/venv2 2>&1 | tail -1
/opt/venv2/bin/python -m pip --version | cut -d' ' -f1,2

echo "== git init, commit, gc, fsck"
mkdir /srv/repo && cd /srv/repo
git init -q -b main .
git config user.email t@example.org
git config user.name t
export GIT_AUTHOR_DATE=@1700000000 GIT_COMMITTER_DATE=@1700000000
seq 1 500 >a
git add a && git commit -q -m one
seq 1 2 500 >a && mkdir d && echo x >d/f
git add -A && git commit -q -m two
git rev-parse HEAD
git gc -q && git fsck --strict --no-progress && echo fsck ok
git count-objects -v | grep -E '^(count|in-pack|packs):'
git log --format='%s' | tr '\n' ' '; echo
git status --porcelain | wc -l
cd /

echo "== gcc compile, link and run"
mkdir -p /tmp/cc && cd /tmp/cc
printf '#include <stdio.h>\nint twice(int);\nint main(void) { printf("gcc ok %%d %%s\\n", twice(21), __VERSION__); return 0; }\n' >m.c
printf 'int twice(int x) { return 2 * x; }\n' >t.c
gcc -O2 -c m.c && gcc -O2 -c t.c && gcc -o prog m.o t.o && ./prog
gcc -O2 -static-pie -o prog-s m.c t.c 2>/dev/null && ./prog-s | cut -d' ' -f1-3 || echo "no static-pie"
cd /

echo "== tar xpf and cpf keep owners"
python3 - <<'EOF'
import tarfile, io
with tarfile.open('/tmp/own.tar', 'w') as t:
    for name, uid, gid, mode, kind in [('o', 0, 0, 0o755, tarfile.DIRTYPE),
                                       ('o/apt', 42, 0, 0o700, tarfile.DIRTYPE),
                                       ('o/apt/f', 42, 65534, 0o640, tarfile.REGTYPE),
                                       ('o/suid', 0, 0, 0o4755, tarfile.REGTYPE),
                                       ('o/mail', 0, 8, 0o2775, tarfile.DIRTYPE),
                                       ('o/user', 1000, 1000, 0o600, tarfile.REGTYPE)]:
        i = tarfile.TarInfo(name)
        i.uid, i.gid, i.mode, i.type, i.mtime = uid, gid, mode, kind, 1700000000
        i.uname = i.gname = ''
        data = b'data\n' if kind == tarfile.REGTYPE else b''
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
EOF
mkdir /srv/x && tar -C /srv/x -xpf /tmp/own.tar
cd /srv/x && find o | sort | xargs stat -c '%n %u %g %a %Y' && cd /
tar -C /srv/x -cpf /tmp/again.tar o
tar -tvf /tmp/again.tar | awk '{print $1, $2, $6}' | sort -k3
