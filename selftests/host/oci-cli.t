#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# oci-cli.t: cse-oci's command line, driven directly (no containerd), with
# hand-written bundles (a static busybox root) in a private directory:
#  - lifecycle: create does not run the program, start does, state reports
#    created/running/paused/stopped with the init's pid, the pid file is the
#    init, kill by name and number, pause/resume, delete (not while running
#    unless --force), run passes the exit status, a second start fails
#  - the state JSON's fields, the exit codes and the refusals are compared
#    with runc's for the same bundle and the same commands (when runc runs)
#  - --log: every error is one runc-shaped JSON line ({"level":"error",
#    "msg":...,"time":...}), or logrus text with --log-format text; what cse
#    cannot honour is a warning line, or a refusal with --strict or the
#    annotation org.cse.strict=true
#  - config.json mapping: hostname, org.cse.<element>.<key> annotations,
#    read-only root, tmpfs shared by init and exec, masked and read-only
#    paths, user and groups, rlimits, capabilities, cwd, env, terminal over
#    --console-socket (SCM_RIGHTS)
#  - the whole instance ends with its init (pid namespace), with kill --all
#    and with delete, also with the /proc-scan fallback (CSE_OCI_TRACKING=proc);
#    nothing is left: no process, no state directory, no cgroup leaf
#  - hooks: every kind, with the state on stdin; failures and timeouts
#  - the same error and mapping cases through a copy built with ASan/UBSan,
#    and the libFuzzer target user/oci/fuzz/config_fuzz.c for FUZZ_SECONDS
#    (default 5; skipped without clang)
# Takes about 40 s (60 s on a busy machine). Env: TOP, FUZZ_SECONDS,
# KEEP=1 keeps the work directory.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
OCI=$TOP/build/bin/cse-oci
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

if [ ! -x "$OCI" ] || [ ! -x "$TOP/build/bin/cse-run" ]; then
	fail "cse-oci is built" "$OCI or cse-run is missing (make all)"
	t_done
	exit 1
fi
BB=$(command -v busybox)
if [ -z "$BB" ] || ! readelf -l "$BB" 2>/dev/null | grep -q . ||
	readelf -l "$BB" | grep -q INTERP; then
	skip "oci-cli" "needs a static busybox (Debian package busybox-static or busybox)"
	t_done
	exit 0
fi

W=$(mktemp -d /tmp/cse-oci-cli.XXXXXX)
chmod 711 "$W"	# a container user that is not root reaches its root and state
ROOT=$W/state
LOG=$W/log.json
IDS=()
cleanup() {
	for id in "${IDS[@]}"; do
		"$OCI" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
		[ -n "${RUNC:-}" ] && runc --root "$W/runc-state" delete --force "$id" >/dev/null 2>&1
	done
	[ "${KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT

# A busybox root and config.json from a Python dict literal (ARGS, EXTRA).
mkdir -p "$W/rootfs/bin" "$W/rootfs/etc" "$W/rootfs/tmp" "$W/rootfs/proc" "$W/rootfs/sys" \
	"$W/rootfs/dev" "$W/rootfs/data"
cp "$BB" "$W/rootfs/bin/busybox"
for c in sh cat ls echo sleep hostname id touch grep wc stat ps printf test true setsid; do
	ln -s busybox "$W/rootfs/bin/$c"
done
echo "image file" >"$W/rootfs/etc/motd"
mkdir -p "$W/hostdir" && echo "from the host" >"$W/hostdir/f"

# bundle NAME ARGS-JSON [PYTHON-STATEMENTS on dict c]
bundle() {
	local b=$W/b-$1
	mkdir -p "$b"
	python3 - "$b/config.json" "$2" "${3:-}" "$W" <<'EOF'
import json, sys
path, args, extra, w = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
c = {
  "ociVersion": "1.0.2",
  "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": args,
              "env": ["PATH=/bin", "TERM=xterm", "GREETING=hi", "CSE_OCI_TEST=" + w], "cwd": "/",
              "capabilities": {"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"]},
              "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}],
              "noNewPrivileges": True},
  "root": {"path": w + "/rootfs", "readonly": False},
  "hostname": "box1",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["mode=755"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["mode=1777"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro"]},
    {"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["mode=755"]},
    {"destination": "/data", "type": "bind", "source": w + "/hostdir", "options": ["rbind", "ro"]},
  ],
  "linux": {
    "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
    "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/acpi", "/proc/nonexistent"],
    "readonlyPaths": ["/proc/sys"],
  },
}
exec(extra)
json.dump(c, open(path, "w"), indent=1)
EOF
	echo "$b"
}

oci() { "$OCI" --root "$ROOT" --log "$LOG" --log-format json "$@"; }
st() { oci state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }
lastlog() { tail -n 1 "$LOG"; }
# The last --log line is an error whose msg matches REGEX (and is valid JSON).
logerr() {
	python3 - "$(lastlog)" "$1" <<'EOF'
import json, re, sys
o = json.loads(sys.argv[1])
assert list(o) == ["level", "msg", "time"], o
assert o["level"] == "error", o
assert re.search(sys.argv[2], o["msg"]), o["msg"]
assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$", o["time"]), o["time"]
EOF
}
# NAME WANT-RC REGEX CMD...: exit status, one stderr line, the log's error line
errcase() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, want $want: $*" "$(cat "$W/err")"
	elif [ "$(wc -l <"$W/err")" != 1 ] || ! grep -Eq "^cse-oci: .*$re" "$W/err"; then
		fail "$name" "stderr is not one 'cse-oci: ...$re' line" "$(cat "$W/err")"
	elif ! logerr "$re" 2>"$W/pyerr"; then
		fail "$name" "log line: $(lastlog)" "$(cat "$W/pyerr")"
	else
		pass "$name"
	fi
}
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
waitfor() { for _ in $(seq 100); do eval "$1" && return 0; sleep 0.05; done; return 1; }
CG=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)
# This state root's directory of leaves: <cgroup2>/cse-oci/<FNV-1a of the root's real path>
rootkey() {
	/usr/bin/python3 -c '
import os, sys
h = 0xcbf29ce484222325
for b in os.path.realpath(sys.argv[1]).encode():
    h = ((h ^ b) * 0x100000001b3) % 2**64
print("%016x" % h)' "$1"
}
[ -z "$CG" ] || CGR=$CG/cse-oci/$(rootkey "$ROOT")

# ------------------------------------------------------------ command line
"$OCI" --help >"$W/help" 2>&1 && grep -q "create" "$W/help" && grep -q "features" "$W/help" &&
	pass "--help" || fail "--help" "$(cat "$W/help")"
"$OCI" --version | grep -q "^cse-oci version" && pass "--version" || fail "--version"
if command -v man >/dev/null; then
	man -l --warnings "$TOP/user/man/cse-oci.1" >/dev/null 2>"$W/man.err" && [ ! -s "$W/man.err" ] &&
		pass "cse-oci.1 renders without warnings" || fail "cse-oci.1 renders without warnings" "$(cat "$W/man.err")"
fi
"$OCI" kill --help | grep -q "kill \[--all\] ID \[SIGNAL\]" && pass "kill --help" || fail "kill --help"
oci features >"$W/features" && python3 -c '
import json,sys; f=json.load(open(sys.argv[1])); assert f["ociVersionMin"]=="1.0.0" and "pid" in f["linux"]["namespaces"]' \
	"$W/features" && pass "features is JSON" || fail "features is JSON" "$(cat "$W/features")"
errcase "unknown command" 1 'unknown command "frobnicate"' oci frobnicate
errcase "state of a missing container" 1 'container "nosuch" does not exist' oci state nosuch
errcase "invalid id" 1 "invalid container id '../x'" oci state ../x
errcase "start needs one id" 1 'requires exactly 1 argument' oci start
errcase "unknown signal" 1 'unknown signal "SIGNOPE"' oci kill nosuch SIGNOPE
"$OCI" --root "$ROOT" --log "$W/log.txt" --log-format text state nosuch 2>/dev/null
grep -Eq '^time="[^"]+" level=error msg="container \\"nosuch\\" does not exist"$' "$W/log.txt" &&
	pass "--log-format text: logrus line" || fail "--log-format text: logrus line" "$(cat "$W/log.txt")"

# ------------------------------------------------------------ lifecycle
B=$(bundle life '["sh","-c","touch /tmp/started; echo out; echo err >&2; exec sleep 60"]')
IDS+=(life)
rm -f "$W/rootfs/tmp/started"
oci create --bundle "$B" --pid-file "$W/life.pid" life </dev/null >"$W/life.out" 2>&1
expect "create exits 0" 0 $?
pid=$(cat "$W/life.pid" 2>/dev/null)
expect "state: created" created "$(st life status)"
expect "state: pid is the pid file's" "$pid" "$(st life pid)"
[ ! -e "$W/rootfs/tmp/started" ] && pass "create does not run the program" ||
	fail "create does not run the program"
python3 - "$(oci state life)" "$B" <<'EOF' && pass "state JSON fields" || fail "state JSON fields" "$(oci state life)"
import json, sys
s = json.loads(sys.argv[1])
assert list(s)[:8] == ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"], s
assert s["id"] == "life" and s["bundle"] == sys.argv[2] and s["ociVersion"].startswith("1."), s
EOF
errcase "create of an existing id" 1 'container with id "life" already exists' oci create --bundle "$B" life
oci start life
expect "start exits 0" 0 $?
waitfor '[ -e "$W/rootfs/tmp/started" ]' && pass "start runs the program" || fail "start runs the program"
expect "state: running" running "$(st life status)"
waitfor 'grep -q err "$W/life.out"'
expect "stdio is the caller's" "out err" "$(sort -r "$W/life.out" | tr '\n' ' ' | sed 's/ $//')"
expect "the pid file's process is the program" "sleep 60" "$(tr '\0' ' ' </proc/"$pid"/cmdline | sed 's/ $//')"
errcase "start of a running container" 1 "cannot start an already running container" oci start life
errcase "delete of a running container" 1 "cannot delete container life that is not stopped: running" oci delete life
oci pause life && expect "pause: paused" paused "$(st life status)"
oci resume life && expect "resume: running" running "$(st life status)"
errcase "resume of a running container" 1 "container not paused" oci resume life
oci kill life SIGTERM
waitfor "gone $pid" && pass "kill SIGTERM by name" || fail "kill SIGTERM by name"
expect "state: stopped" stopped "$(st life status)"
expect "state: pid 0 when stopped" 0 "$(st life pid)"
errcase "kill of a stopped container" 1 "container not running" oci kill life 15
errcase "start of a stopped container" 1 "cannot start a container that has stopped" oci start life
oci delete life && [ ! -e "$ROOT/life" ] && pass "delete removes the state" || fail "delete removes the state"
errcase "delete twice" 1 'container "life" does not exist' oci delete life
rm -f "$W/rootfs/tmp/started"
B=$(bundle created '["sh","-c","touch /tmp/started"]')
IDS+=(created)
oci create --bundle "$B" --pid-file "$W/created.pid" created </dev/null >/dev/null 2>&1
oci delete created
expect "delete of a created container (no --force, as runc)" 0 $?
waitfor "gone $(cat "$W/created.pid")" && [ ! -e "$W/rootfs/tmp/started" ] &&
	pass "its init ended without running the program" || fail "its init ended without running the program"

# ------------------------------------------------------------ runc as the reference
if command -v runc >/dev/null && [ "$(id -u)" = 0 ] &&
	runc --root "$W/runc-state" run --bundle "$(bundle probe '["true"]')" probe </dev/null >/dev/null 2>&1; then
	RUNC=1
	RB=$(bundle ref '["sleep","60"]')
	IDS+=(ref)
	for rt in runc cse; do
		if [ $rt = runc ]; then r() { runc --root "$W/runc-state" "$@"; }; else r() { oci "$@"; }; fi
		codes=""
		r state ref >/dev/null 2>&1; codes="$codes $?"
		r create --bundle "$RB" ref </dev/null >/dev/null 2>&1; codes="$codes $?"
		r state ref >"$W/$rt.created" 2>/dev/null
		r create --bundle "$RB" ref </dev/null >/dev/null 2>&1; codes="$codes $?"
		r start ref >/dev/null 2>&1; codes="$codes $?"
		r start ref >/dev/null 2>&1; codes="$codes $?"
		r state ref >"$W/$rt.running" 2>/dev/null
		r delete ref >/dev/null 2>&1; codes="$codes $?"
		r kill ref KILL >/dev/null 2>&1; codes="$codes $?"
		waitfor "[ \"\$(r state ref 2>/dev/null | grep -c stopped)\" = 1 ]"
		r state ref >"$W/$rt.stopped" 2>/dev/null
		r kill ref KILL >/dev/null 2>&1; codes="$codes $?"
		r delete ref >/dev/null 2>&1; codes="$codes $?"
		r state ref >/dev/null 2>&1; codes="$codes $?"
		eval "codes_$rt=\"$codes\""
	done
	# shellcheck disable=SC2154
	expect "exit codes as runc's (state/create/create/start/start/delete/kill/kill/delete/state)" \
		"$codes_runc" "$codes_cse"
	for s in created running stopped; do
		python3 - "$W/runc.$s" "$W/cse.$s" <<'EOF' && pass "state JSON ($s) as runc's" ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("ociVersion", "created"):
    a.pop(k), b.pop(k)
a.pop("pid"); b.pop("pid")   # different processes
assert a == b, (a, b)
EOF
			fail "state JSON ($s) as runc's" "$(cat "$W/runc.$s")" "$(cat "$W/cse.$s")"
	done
else
	skip "runc comparison" "runc does not run here (needs root and namespaces)"
fi

# ------------------------------------------------------------ config.json mapping
# as root the bounding set is the config's (kill, net_bind_service, audit_write)
CAPS="" CAPS_WANT=""
if [ "$(id -u)" = 0 ]; then
	CAPS="grep CapBnd /proc/self/status; " CAPS_WANT="CapBnd:	0000000020000420|"
fi
B=$(bundle map '["sh","-c","hostname; id; cat /etc/motd /data/f; pwd; echo $GREETING; cat /proc/keys | wc -c; ls /proc/acpi | wc -l; (echo x > /proc/sys/kernel/hostname) 2>/dev/null || echo ro-sys; (echo x > /data/g) 2>/dev/null || echo ro-bind; touch /run/r && echo run-ok; '"$CAPS"'ulimit -n"]' \
	'c["process"]["cwd"] = "/etc"')
IDS+=(map)
oci run --bundle "$B" map </dev/null >"$W/map.out" 2>&1
expect "run exits with the program's status" 0 $?
expect "mapped view (hostname, id, root, bind, cwd, env, masked, ro paths, tmpfs, caps, rlimit)" \
	"box1|uid=0 gid=0|image file|from the host|/etc|hi|0|0|ro-sys|ro-bind|run-ok|${CAPS_WANT}256" \
	"$(tr '\n' '|' <"$W/map.out" | sed 's/|$//')"
[ ! -e "$ROOT/map" ] && pass "run deletes the container" || fail "run deletes the container"

B=$(bundle anno '["sh","-c","hostname; exit 7"]' \
	'c["annotations"] = {"org.cse.uts.hostname": "web1", "org.example.other": "x"}')
IDS+=(anno)
oci run --bundle "$B" anno </dev/null >"$W/anno.out" 2>&1
expect "run passes exit status 7" 7 $?
expect "annotation org.cse.uts.hostname beats hostname" web1 "$(cat "$W/anno.out")"
B=$(bundle badanno '["true"]' 'c["annotations"] = {"org.cse.uts.nosuchkey": "1"}')
errcase "unknown element key in an annotation (cse-run refuses it)" 1 "refused.*nosuchkey" \
	oci create --bundle "$B" badanno
[ ! -e "$ROOT/badanno" ] && pass "failed create leaves no state" || fail "failed create leaves no state"
B=$(bundle badanno2 '["true"]' 'c["annotations"] = {"org.cse.bogus": "1"}')
errcase "org.cse.* annotation that is no element key" 1 "annotation org.cse.bogus" \
	oci create --bundle "$B" badanno2
B=$(bundle noroot '["true"]' 'del c["root"]')
errcase "config without root.path" 1 "root.path is missing" oci create --bundle "$B" noroot
B=$(bundle rel '["true"]' 'c["process"]["cwd"] = "etc"')
errcase "relative cwd" 1 "process.cwd 'etc' must be an absolute path" oci create --bundle "$B" rel
errcase "missing bundle" 1 "bundle $W/nowhere" oci create --bundle "$W/nowhere" nob

B=$(bundle noprog '["nosuchprog"]')
errcase "program not in the view: create fails as runc's" 1 'exec: "nosuchprog": executable file not found in \$PATH' \
	oci create --bundle "$B" noprog
# found through an absolute link that only means something inside the root
mkdir -p "$W/rootfs/opt/bin" "$W/rootfs/cse-only" && ln -s ../bin/busybox "$W/rootfs/cse-only/true" &&
	ln -s /cse-only/true "$W/rootfs/opt/bin/true"
B=$(bundle viapath '["true"]' 'c["process"]["env"] = ["PATH=/opt/bin"]')
IDS+=(viapath)
oci run --bundle "$B" viapath </dev/null >"$W/viapath.out" 2>&1
expect "program found through PATH and links inside the root" 0 $?

B=$(bundle ro '["sh","-c","touch /bin/x 2>/dev/null || echo ro-root; touch /dev/shm/s && echo shm-ok"]' \
	'c["root"]["readonly"] = True')
IDS+=(ro)
oci run --bundle "$B" ro </dev/null >"$W/ro.out" 2>&1
expect "read-only root; tmpfs inside it writable" "ro-root shm-ok" "$(tr '\n' ' ' <"$W/ro.out" | sed 's/ $//')"

if [ "$(id -u)" != 0 ]; then
	skip "process.user and private roots" "needs root (real credentials change only as root)"
else
B=$(bundle user '["sh","-c","id; touch /dev/shm/u && echo shm-ok"]' \
	'c["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5]}')
IDS+=(user)
oci run --bundle "$B" user </dev/null >"$W/user.out" 2>&1
expect "process.user: uid, gid, additionalGids" "uid=1000 gid=1000 groups=5 shm-ok" \
	"$(tr '\n' ' ' <"$W/user.out" | sed 's/ $//')"

# the root and a bind source below a directory only root may search (podman's storage)
mkdir -m 700 "$W/private" && cp -a "$W/rootfs" "$W/private/rootfs" && cp -a "$W/hostdir" "$W/private/hostdir"
B=$(bundle priv '["sh","-c","id; cat /data/f; cat /etc/motd"]' \
	'c["process"]["user"] = {"uid": 1000, "gid": 1000}; c["root"]["path"] = w + "/private/rootfs"; c["mounts"][5]["source"] = w + "/private/hostdir"')
IDS+=(priv)
oci run --bundle "$B" priv </dev/null >"$W/priv.out" 2>&1
expect "non-root user, root below a 0700 directory" "uid=1000 gid=1000|from the host|image file" \
	"$(tr '\n' '|' <"$W/priv.out" | sed 's/|$//')"
expect "its bind mounts are gone after delete" "" "$(grep -c " $W/state" /proc/self/mountinfo | grep -v '^0$')"
B=$(bundle keep '["sh","-c","id -u; grep ^Uid: /proc/self/status | cut -f2"]' \
	'c["process"]["user"] = {"uid": 1000, "gid": 1000}; c["annotations"] = {"org.cse.keep-credentials": "true"}')
IDS+=(keep)
oci run --bundle "$B" keep </dev/null >"$W/keep.out" 2>&1
expect "org.cse.keep-credentials: shown uid 1000 (id element), real uid 0" "1000 0" \
	"$(tr '\n' ' ' <"$W/keep.out" | sed 's/ $//')"
B=$(bundle mapped '["sh","-c","id -u; grep ^Uid: /proc/self/status | cut -f2"]' \
	'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 2000, "size": 65536}]; c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 2000, "size": 65536}]; c["linux"]["namespaces"].append({"type": "user"})')
IDS+=(mapped)
chmod 711 "$W/rootfs"
oci run --bundle "$B" mapped </dev/null >"$W/mapped.out" 2>&1
expect "uidMappings: container root is host uid 2000, shown as 0" "0 2000" \
	"$(tr '\n' ' ' <"$W/mapped.out" | sed 's/ $//')"
fi

# a pod's container joins the sandbox's network: the host's port space, no private map
B=$(bundle pod '["true"]' 'c["linux"]["namespaces"] = [{"type": "network", "path": "/proc/1/ns/net"}, {"type": "uts"}]')
IDS+=(pod)
: >"$LOG"
oci create --bundle "$B" pod </dev/null >/dev/null 2>&1
expect "joined network namespace: no private port space in the profile" "" \
	"$(grep -A1 '^\[net\]' "$ROOT/pod/profile.ini" 2>/dev/null)"
grep -q 'joining the network namespace /proc/1/ns/net: the container uses the host' "$LOG" &&
	pass "joined network namespace: warned" || fail "joined network namespace: warned" "$(cat "$LOG")"
oci delete pod

# ------------------------------------------------------------ hooks
HOOK='c["hooks"] = {k: [{"path": "/bin/sh", "args": ["sh", "-c", "cat > %s/hook.%s; echo $X >> %s/hook.%s" % (w, k, w, k)], "env": ["X=env-" + k]}] for k in ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")}'
B=$(bundle hooks '["sleep","30"]' "$HOOK")
IDS+=(hooks)
oci create --bundle "$B" hooks </dev/null >/dev/null 2>&1 && oci start hooks && oci delete --force hooks
python3 - "$W" <<'EOF2' && pass "hooks: each kind ran with the state on stdin, its args and env" || fail "hooks" "$(head "$W"/hook.* 2>&1)"
import json, sys
w = sys.argv[1]
want = {"prestart": "created", "createRuntime": "created", "createContainer": "created",
        "startContainer": "created", "poststart": "running", "poststop": "stopped"}
for k, status in want.items():
    s, end = json.JSONDecoder().raw_decode(open("%s/hook.%s" % (w, k)).read())
    env = open("%s/hook.%s" % (w, k)).read()[end:]
    assert s["id"] == "hooks" and s["status"] == status, (k, s)
    assert env.strip() == "env-" + k, (k, env)
EOF2
B=$(bundle badhook '["true"]' 'c["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}')
errcase "a failing createRuntime hook fails the create" 1 'hooks.createRuntime\[0\] /bin/false: exited with status 1' \
	oci create --bundle "$B" badhook
[ ! -e "$ROOT/badhook" ] && pass "failed hook: no state left" || fail "failed hook: no state left"
B=$(bundle slowhook '["true"]' 'c["hooks"] = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}')
errcase "a hook's timeout" 1 'hooks.prestart\[0\] /bin/sleep: timed out after 1 s' oci create --bundle "$B" slowhook

# ------------------------------------------------------------ warnings and strict mode
B=$(bundle warn '["true"]' 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW"}; c["hooks"] = {"poststart": [{"path": "/bin/true"}]}')
IDS+=(warn)
: >"$LOG"
oci run --bundle "$B" warn </dev/null >/dev/null 2>&1
expect "not honoured: run still works" 0 $?
python3 - "$LOG" <<'EOF' && pass "warning lines for seccomp, ipc" || fail "warning lines" "$(cat "$LOG")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
w = [l["msg"] for l in lines if l["level"] == "warning"]
for want in ("linux.seccomp", "ipc"):
    assert any(want in m for m in w), (want, w)
EOF
errcase "--strict refuses what cse cannot honour" 1 "strict mode: cse cannot honour" \
	"$OCI" --root "$ROOT" --log "$LOG" --log-format json --strict create --bundle "$B" strict1
B=$(bundle strict2 '["true"]' 'c["annotations"] = {"org.cse.strict": "true"}; c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}; c["linux"]["namespaces"] = []')
errcase "annotation org.cse.strict=true refuses" 1 "strict mode: cse cannot honour linux.sysctl" \
	oci create --bundle "$B" strict2
[ ! -e "$ROOT/strict1" ] && [ ! -e "$ROOT/strict2" ] && pass "refused creates leave no state" ||
	fail "refused creates leave no state"

# ------------------------------------------------------------ exec, terminal
B=$(bundle ex '["sh","-c","echo shared > /run/f; exec sleep 60"]')
IDS+=(ex)
oci create --bundle "$B" ex </dev/null >/dev/null 2>&1 && oci start ex
waitfor "[ -e $ROOT/ex/tmpfs ] && ls $ROOT/ex/tmpfs/*/f >/dev/null 2>&1"
expect "exec: sees the init's tmpfs and hostname" "shared box1" \
	"$(oci exec ex sh -c 'cat /run/f; hostname' </dev/null 2>&1 | tr '\n' ' ' | sed 's/ $//')"
oci exec ex sh -c 'exit 5' </dev/null
expect "exec: exit status" 5 $?
cat >"$W/proc.json" <<'EOF'
{"args": ["sleep", "61"], "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}}
EOF
oci exec --process "$W/proc.json" --detach --pid-file "$W/ex.pid" ex </dev/null >/dev/null 2>&1
epid=$(cat "$W/ex.pid" 2>/dev/null)
oci ps --format json ex | python3 -c 'import json,sys; p=json.load(sys.stdin); assert int(sys.argv[1]) in p and len(p) == 2, p' "$epid" &&
	pass "exec --detach: its pid file and ps" || fail "exec --detach: its pid file and ps" "$(oci ps --format json ex)"
oci delete --force ex
gone "$epid" && [ ! -e "$ROOT/ex" ] && pass "delete --force ends exec'd processes" ||
	fail "delete --force ends exec'd processes"

B=$(bundle tty '["sh","-c","test -t 0 && test -t 1 && echo is-a-tty; exit 4"]' 'c["process"]["terminal"] = True')
IDS+=(tty)
cat >"$W/consock.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[2], "w").close()
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 1024, 1)
out = b""
while True:
    try:
        d = os.read(fds[0], 4096)
    except OSError:
        break
    if not d:
        break
    out += d
print(msg.decode(), out.decode().strip())
EOF
python3 "$W/consock.py" "$W/cs.sock" "$W/cs.ready" >"$W/cs.out" 2>&1 &
cspid=$!
waitfor "[ -e $W/cs.ready ]"
errcase "terminal without --console-socket" 1 "no --console-socket" oci create --bundle "$B" tty
oci run --bundle "$B" --console-socket "$W/cs.sock" tty </dev/null >/dev/null 2>&1
expect "terminal: run status through the pty" 4 $?
wait $cspid
grep -Eq '^/dev/pts/[0-9]+ is-a-tty$' "$W/cs.out" && pass "terminal: master sent over --console-socket" ||
	fail "terminal: master sent over --console-socket" "$(cat "$W/cs.out")"

# ------------------------------------------------------------ the instance ends with its init
for mode in cgroup proc; do
	[ $mode = cgroup ] && [ -z "$CG" ] && { skip "ends with init ($mode)" "no cgroup2"; continue; }
	rm -f "$W/rootfs/tmp/orphan.pid" "$W/rootfs/tmp/bg.pid"
	B=$(bundle "end$mode" '["sh","-c","sleep 70 & echo $! > /tmp/bg.pid; (setsid sh -c \"echo \\$\\$ > /tmp/orphan.pid; exec sleep 71\" &); sleep 0.5; exit 0"]')
	IDS+=("end$mode")
	export CSE_OCI_TRACKING=$mode
	oci create --bundle "$B" --pid-file "$W/end.pid" "end$mode" </dev/null >/dev/null 2>&1 &&
		oci start "end$mode"
	# no scan while the init lives: a child and an orphan that left the
	# init's session must still end with it (pid namespace: the watcher)
	waitfor "[ -s $W/rootfs/tmp/orphan.pid ] && [ -s $W/rootfs/tmp/bg.pid ]"
	bg=$(cat "$W/rootfs/tmp/bg.pid") orphan=$(cat "$W/rootfs/tmp/orphan.pid")
	waitfor "gone $(cat "$W/end.pid")"
	waitfor "gone $bg && gone $orphan"
	left=""
	for p in $bg $orphan; do gone "$p" || { left="$left $p"; kill "$p"; }; done
	expect "pid namespace: all end with the init, a setsid'd orphan too ($mode)" "" "$left"
	if [ $mode = cgroup ]; then
		[ -e "$CGR/end$mode" ] && pass "cgroup leaf exists until delete" ||
			fail "cgroup leaf exists until delete"
	fi
	oci delete "end$mode"
	expect "delete of a stopped container ($mode)" 0 $?
	unset CSE_OCI_TRACKING
done
[ -z "$CG" ] || { [ ! -e "$CGR/endcgroup" ] && pass "delete removes the cgroup leaf" ||
	fail "delete removes the cgroup leaf"; }

for mode in cgroup proc; do
	[ $mode = cgroup ] && [ -z "$CG" ] && continue
	export CSE_OCI_TRACKING=$mode
	B=$(bundle "all$mode" '["sh","-c","(setsid sleep 72 &); exec sleep 73"]' 'c["linux"]["namespaces"] = []')
	IDS+=("all$mode")
	oci create --bundle "$B" "all$mode" </dev/null >/dev/null 2>&1 && oci start "all$mode"
	waitfor "[ \$(oci ps --format json all$mode | tr -cd , | wc -c) -ge 1 ]"
	pids=$(oci ps --format json "all$mode" | tr -d '[],')
	init=$(st "all$mode" pid)
	oci kill --all "all$mode" KILL
	left=""
	for p in $init $pids; do waitfor "gone $p" || left="$left $p"; done
	expect "kill --all ends every process, a setsid'd one too ($mode)" "" "$left"
	if [ -n "$left" ] || ! oci delete "all$mode"; then
		fail "delete after kill --all ($mode)" "init $init, ps before: $pids, state: $(st "all$mode" status)" \
			"ps now: $(oci ps --format json "all$mode")" "$(ps -o pid,stat,cmd -p "$init" 2>&1)"
		oci delete --force "all$mode"
	fi
	unset CSE_OCI_TRACKING
done

# two state roots (two engines, two users) may use one container ID
if [ -n "$CG" ]; then
	B=$(bundle twin '["true"]')
	IDS+=(twin)
	R2=$W/state2 CGR2=$CG/cse-oci/$(rootkey "$W/state2")
	oci create --bundle "$B" twin </dev/null >/dev/null 2>&1
	"$OCI" --root "$R2" --log "$LOG" --log-format json create --bundle "$B" twin </dev/null >/dev/null 2>&1
	[ -d "$CGR/twin" ] && [ -d "$CGR2/twin" ] && [ "$CGR" != "$CGR2" ] &&
		pass "one ID under two state roots: a cgroup leaf each" ||
		fail "one ID under two state roots: a cgroup leaf each" "$(ls -R "$CG/cse-oci" 2>&1 | head -20)"
	oci delete --force twin
	"$OCI" --root "$R2" --log "$LOG" --log-format json delete --force twin
	[ ! -e "$CGR/twin" ] && [ ! -e "$CGR2" ] && pass "one ID under two state roots: both leaves removed" ||
		fail "one ID under two state roots: both leaves removed" "$(ls -R "$CG/cse-oci" 2>&1 | head -20)"
fi

# ------------------------------------------------------------ nothing left
expect "no state directory left" "" "$(ls -A "$ROOT" 2>/dev/null)"
[ -z "$CG" ] || expect "no cgroup leaf left" "" \
	"$(for n in "${IDS[@]}"; do [ -e "$CGR/$n" ] && echo "$n"; done)"
# Only this run's containers count (their environment names $W): other
# runs of the suite, or other users' sleeps, may be on the machine.
ours() {
	local p
	for p in $(pgrep -f '^sleep 7[0-3]$|^sleep 6[01]$'); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "CSE_OCI_TEST=$W" && echo "$p"
	done
}
waitfor '[ -z "$(ours)" ]'
expect "no container process left" "" "$(ours | tr '\n' ' ')"

# ------------------------------------------------------------ ASan/UBSan copy
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98
AB=$W/asan
if make -s -C "$TOP/user" SANITIZE=1 B="$AB" "$AB/bin/cse-oci" >"$W/asan.log" 2>&1; then
	pass "build cse-oci with ASan/UBSan"
	ln -s "$TOP/build/bin/cse-run" "$AB/bin/cse-run"
	OCI=$AB/bin/cse-oci
	errcase "asan: state of a missing container" 1 "does not exist" oci state nosuch
	errcase "asan: config without root.path" 1 "root.path is missing" oci create --bundle "$W/b-noroot" x
	errcase "asan: bad annotation" 1 "annotation org.cse.bogus" oci create --bundle "$W/b-badanno2" x
	errcase "asan: strict" 1 "strict mode" oci create --bundle "$W/b-strict2" x
	oci run --bundle "$W/b-map" amap </dev/null >"$W/amap.out" 2>&1
	expect "asan: run of the mapping bundle" 0 $?
	expect "asan: same view" "$(cat "$W/map.out")" "$(cat "$W/amap.out")"
	oci run --bundle "$W/b-warn" awarn </dev/null >/dev/null 2>&1
	expect "asan: run with warnings" 0 $?
	expect "asan: nothing left" "" "$(ls -A "$ROOT" 2>/dev/null)"
else
	fail "build cse-oci with ASan/UBSan" "$(tail -n 20 "$W/asan.log")"
fi

# ------------------------------------------------------------ libFuzzer: config.json mapping
if command -v clang >/dev/null; then
	FZ=$W/fuzz
	mkdir -p "$FZ/bundle" "$FZ/corpus"
	ln -s "$W/rootfs" "$FZ/bundle/rootfs"
	for f in "$W"/b-*/config.json; do cp "$f" "$FZ/corpus/$(basename "$(dirname "$f")").json"; done
	srcs=()
	for f in "$TOP"/user/oci/*.c; do [ "$(basename "$f")" = main.c ] || srcs+=("$f"); done
	if clang -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -I"$TOP/include" -o "$FZ/config_fuzz" \
		"$TOP/user/oci/fuzz/config_fuzz.c" "${srcs[@]}" -ljansson >"$FZ/build.log" 2>&1; then
		pass "build the config.json fuzz target"
		(cd "$FZ" && CSE_OCI_FUZZ_DIR=$FZ ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS='' \
			./config_fuzz -max_total_time="${FUZZ_SECONDS:-5}" -close_fd_mask=2 \
			-artifact_prefix="$FZ/crash-" corpus >"$FZ/run.log" 2>&1)
		expect "config.json fuzz target: no crash, leak or UB in ${FUZZ_SECONDS:-5} s" 0 $?
	else
		fail "build the config.json fuzz target" "$(tail -n 20 "$FZ/build.log")"
	fi
else
	skip "config.json fuzz target" "no clang"
fi

t_done
