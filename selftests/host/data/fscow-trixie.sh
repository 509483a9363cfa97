# fscow.t: run inside the trixie root, under cse-run --root-id --overlay and natively in a chroot
set -e
mkdir -p /tmp/pkg/DEBIAN /tmp/pkg/usr/bin
printf 'Package: csetest\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n' >/tmp/pkg/DEBIAN/control
printf '#!/bin/sh\necho csetest ok\n' >/tmp/pkg/usr/bin/csetest
chmod 755 /tmp/pkg/usr/bin/csetest
dpkg-deb -b /tmp/pkg /tmp/csetest.deb >/dev/null
dpkg -i /tmp/csetest.deb >/dev/null
csetest
dpkg-query -W -f '${Package} ${Version} ${Status}\n' csetest
dpkg-divert --quiet --add --rename --divert /usr/bin/csetest.real /usr/bin/csetest
ls /usr/bin/csetest*
dpkg-divert --list '*csetest*'
dpkg-divert --quiet --remove --rename /usr/bin/csetest
dpkg -r csetest >/dev/null
dpkg-query -W -f '${Status}\n' csetest 2>&1 || true
ls /usr/bin/csetest* 2>&1 || true
mkdir -p /srv/t/d && echo data >/srv/t/d/f && chown 123:456 /srv/t/d/f && chmod 640 /srv/t/d/f
tar -C /srv -cpf /tmp/t.tar t
mkdir /srv/x && tar -C /srv/x -xpf /tmp/t.tar
stat -c '%n %u %g %a' /srv/x/t/d/f
tar -tvf /tmp/t.tar | awk '{print $2, $6}'
chown 7:8 /etc/hostname
stat -c '%n %u %g' /etc/hostname
rm -rf /usr/share/doc
mkdir /usr/share/doc
ls -a /usr/share/doc
python3 -c 'import os; os.makedirs("/opt/py/a", exist_ok=True); open("/opt/py/a/x", "w").write("1"); print(sorted(os.listdir("/opt/py")))'
