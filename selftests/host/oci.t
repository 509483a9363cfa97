#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# oci.t: cse-oci, the OCI runtime, under Debian's containerd and podman.
#  - image     scripts/oci-image builds (once, cached in /var/cache/cse/oci)
#              an OCI image from the Debian trixie root of scripts/fs-roots,
#              no download; `ctr image import` and `podman load` take it
#  - containerd  a private one (own socket, root, state and config, with
#              the CRI plugin and the `cse` runtime handler of
#              user/oci/examples/containerd-cse.toml): the plugin loads and
#              has the handler
#  - ctr       `ctr run --runc-binary cse-oci`: two containers side by side,
#              in the host's namespaces, with their own hostnames
#              (annotation) and files (a write in one is absent in the other
#              and in the image's layers), each serving HTTP on port 80,
#              reached from inside (its init's client and exec'd ones) and
#              from the host (an automatic host port, and one pinned by
#              annotation); state; warnings in the shim's --log file and
#              org.cse.strict refusing; `ctr task exec` with and without -t;
#              pause/resume; kill and delete leave no process (by pid, by
#              environment, by cwd/root/fd in the rootfs) and no state;
#              `run --rm` passes the exit status; what a container sees
#              (read-only root, binds, tmpfs, masked and read-only paths,
#              cwd, env, no_new_privs, rlimits) equals runc's
#  - podman    `podman --runtime cse-oci run` of the same image: output as
#              under runc (also with --user/--workdir/--env), through
#              user/oci/examples/containers-cse.conf, and run -d with a
#              published port, rm -f leaving no process
# Every daemon and container it starts is stopped at the end, even on
# failure; nothing stays running or mounted.
# Prints TAP; env: TOP, CSE_OCI (the runtime under test, default
# build/bin/cse-oci; CSE_OCI=runc checks the harness itself, without the
# cse-only checks), OCI_T_DEBUG=1 prints runc's answers.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
OCI=${CSE_OCI:-$TOP/build/bin/cse-oci}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

missing=
for p in containerd ctr containerd-shim-runc-v2 runc podman umoci skopeo; do
	command -v $p >/dev/null || missing="$missing $p"
done
if [ "$(id -u)" != 0 ]; then
	skip "oci" "needs root (containerd, podman and the image's owners)"
	t_done
	exit
fi
if [ -n "$missing" ]; then
	skip "oci" "not installed:$missing (scripts/install-deps)"
	t_done
	exit
fi
if [ ! -x "$OCI" ]; then
	fail "cse-oci is built" "$OCI is missing (make all)"
	t_done
	exit 1
fi
# cse-oci, or runc to check this test itself: some answers differ (runc's
# containers have network namespaces the host cannot reach).
CSE=1
case $(basename "$OCI") in runc | crun) CSE=0 ;; esac

W=$(mktemp -d /tmp/cse-oci-t.XXXXXX)
SOCK=$W/c.sock
NS=cse-test
IMG=localhost/cse-test:latest
C=(ctr --address "$SOCK" --namespace "$NS")
P=(podman --root "$W/podman/root" --runroot "$W/podman/run" --tmpdir "$W/podman/tmp"
	--cgroup-manager cgroupfs --events-backend file --storage-driver overlay)
cd_pid=

# Processes whose command line or environment names this run ($W): the
# daemons, shims, conmon and every container process (each gets CSE_T=$W).
our_pids() {
	local d pid
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
		if tr '\0' ' ' <"$d/cmdline" | grep -qF "$W" ||
			tr '\0' '\n' <"$d/environ" | grep -qxF "CSE_T=$W"; then
			echo "$pid"
		fi
	done 2>/dev/null
}
our_mounts() { findmnt -rn -o TARGET | grep -F "$W" | sort -r; }

# Stops everything this test started; with "check", also says (TAP) what
# had to be forced. Safe to run twice.
teardown() {
	local id
	if [ -S "$SOCK" ]; then
		for id in $("${C[@]}" task ls -q 2>/dev/null); do
			"${C[@]}" task kill -s SIGKILL "$id" >/dev/null 2>&1
			timeout 10 "${C[@]}" task delete -f "$id" >/dev/null 2>&1
		done
		for id in $("${C[@]}" container ls -q 2>/dev/null); do
			"${C[@]}" container rm "$id" >/dev/null 2>&1
		done
	fi
	"${P[@]}" rm -af -t 0 >/dev/null 2>&1
	if [ -n "$cd_pid" ]; then
		kill "$cd_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$cd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$cd_pid" 2>/dev/null
		wait "$cd_pid" 2>/dev/null
		cd_pid=
	fi
	if [ "${1:-}" = check ]; then
		expect "teardown: no process of the test left (daemons, shims, containers)" "" \
			"$(our_pids | while read -r p; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)"
	fi
	for _ in 1 2 3; do
		pids=$(our_pids)
		[ -z "$pids" ] && break
		kill -9 $pids 2>/dev/null
		sleep 0.2
	done
	"${P[@]}" system reset -f >/dev/null 2>&1
	if [ "${1:-}" = check ]; then
		expect "teardown: nothing mounted under the test's directory" "" "$(our_mounts)"
	fi
	our_mounts | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$W"
}
trap 'teardown' EXIT
trap 'exit 1' INT TERM

# ---------------------------------------------------------------- image
t0=$(date +%s)
IMAGE=$(nice -n 5 "$TOP/scripts/oci-image" 2>"$W/image.err")
if [ $? -ne 0 ]; then
	fail "image: scripts/oci-image" "$(tail -5 "$W/image.err")"
	t_done
	exit 1
fi
pass "image: built from the trixie root or cached ($(($(date +%s) - t0)) s)"

# ---------------------------------------------------------------- containerd
mkdir -p "$W/podman"
sed "s#\"/usr/local/bin/cse-oci\"#\"$OCI\"#" "$TOP/user/oci/examples/containerd-cse.toml" |
	grep -v '^version' >"$W/cse.toml"
cat >"$W/config.toml" <<EOF
version = 2
root = "$W/root"
state = "$W/state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
  level = "info"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  # this test's pods never start: no sandbox image is pulled
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$W/cni/bin"
    conf_dir = "$W/cni/conf"
EOF
cat "$W/cse.toml" >>"$W/config.toml"
containerd --config "$W/config.toml" >"$W/containerd.log" 2>&1 &
cd_pid=$!
for _ in $(seq 100); do
	"${C[@]}" version >/dev/null 2>&1 && break
	sleep 0.1
done
if ! "${C[@]}" version >/dev/null 2>&1; then
	fail "containerd: starts on a private socket" "$(tail -5 "$W/containerd.log")"
	t_done
	exit 1
fi
pass "containerd: starts on a private socket, root and state"
got=$("${C[@]}" plugins ls | awk '$2 == "cri" {print $4}')
if [ "$got" = ok ]; then
	pass "cri: the plugin loads with the cse handler of user/oci/examples/containerd-cse.toml"
else
	fail "cri: the plugin loads with the cse handler of user/oci/examples/containerd-cse.toml" \
		"status: $got" "$(grep -i 'cri' "$W/containerd.log" | grep -iE 'error|fatal' | head -n 5)"
fi
# containerd prints the plugin's whole config at start (Go's %+v).
got=$(grep -o 'Start cri plugin with config.*' "$W/containerd.log" | grep -o 'cse:{[^}]*}' |
	grep -o 'Type:[^ ]*\|PodAnnotations:[^ ]*\|ContainerAnnotations:[^ ]*\|BinaryName:[^]]*' | tr '\n' ' ')
expect "cri: its runtime cse is the runc v2 shim calling cse-oci, with org.cse.* annotations" \
	"Type:io.containerd.runc.v2 PodAnnotations:[org.cse.*] ContainerAnnotations:[org.cse.*] BinaryName:$OCI " "$got"

expect "examples: the RuntimeClass names the containerd handler" "cse cse" \
	"$(sed -n 's/^handler: *//p' "$TOP/user/oci/examples/runtimeclass-cse.yaml") $(sed -n \
		's/^\[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.\([a-z]*\)\]$/\1/p' "$W/cse.toml" | grep -vx runc)"

t0=$(date +%s)
"${C[@]}" image import "$IMAGE" >"$W/import.log" 2>&1
expect "ctr: image import ($(($(date +%s) - t0)) s)" "$IMG" "$("${C[@]}" image ls -q 2>&1)"

# ---------------------------------------------------------------- ctr run
# run NAME [ctr run options] -- CMD...: a detached container of the image
# under the runtime being tested, its processes marked with CSE_T.
run_d() {
	local name=$1
	shift
	timeout 60 "${C[@]}" run -d --fifo-dir "$W/fifo" --runc-binary "$OCI" --runc-root "$W/runc-root" \
		--env CSE_T="$W" --env NAME="$name" --annotation org.cse.uts.hostname="$name" "$@" "$IMG" "$name" \
		sh -c 'trap "exit 0" TERM; echo "page of $NAME" >/srv/www/index.html && httpd -f -p 80 -h /srv/www &
		for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO /tmp/self http://127.0.0.1:80/ 2>/dev/null && break; sleep 0.3; done
		wait'
}
x() {
	local rc
	timeout 30 "${C[@]}" task exec --fifo-dir "$W/fifo" --exec-id "e$RANDOM$RANDOM" "$@"
	rc=$?
	[ $rc = 0 ] || echo "# exec $*: exit $rc" >&2
	return $rc
}

# A port nobody uses now (the kernel's pick for a bind to port 0).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
P2=$(free_port)
run_d c1 >"$W/c1.log" 2>&1
expect "ctr run -d: first container" "0" "$?"
run_d c2 --annotation org.cse.net.port="80:$P2/tcp" >"$W/c2.log" 2>&1
expect "ctr run -d: second container, side by side" "0" "$?"
expect "ctr task ls: both running" "c1 RUNNING|c2 RUNNING|" \
	"$("${C[@]}" task ls | awk 'NR > 1 {print $1, $3}' | sort | tr '\n' '|')"

if [ $CSE = 1 ]; then
	pid1=$("${C[@]}" task ls | awk '$1 == "c1" {print $2}')
	same=
	for n in pid net uts mnt ipc; do
		[ "$(readlink "/proc/$pid1/ns/$n")" = "$(readlink "/proc/self/ns/$n")" ] && same="$same $n"
	done
	expect "no namespaces: c1's init ($pid1) is in the host's" " pid net uts mnt ipc" "$same"
	expect "state: running, with the init's pid" "running $pid1" "$("$OCI" --root "$W/runc-root/$NS" state c1 |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["pid"])' 2>&1)"
	# ctr's spec asks for an ipc namespace: a warning in the shim's --log
	# file (runc's JSON lines), and with org.cse.strict a refusal.
	log=$W/state/io.containerd.runtime.v2.task/$NS/c1/log.json
	expect "config.json: what cse cannot honour is a warning in the --log file" 1 \
		"$(grep -c '"level":"warning".*cse cannot honour linux.namespaces: ipc' "$log" 2>&1)"
	expect "hostname: each container its own" "c1 c2" "$(x c1 hostname 2>&1) $(x c2 hostname 2>&1)"
	[ "$(x c1 hostname)" != "$(hostname)" ]
	expect "hostname: not the host's ($(hostname))" 0 $?
fi
x c1 sh -c 'echo one >/tmp/mine' && x c2 sh -c 'echo two >/root/theirs'
expect "files: a file written in each" "one|two" "$(x c1 cat /tmp/mine)|$(x c2 cat /root/theirs)"
expect "files: absent in the other container" "absent|absent" \
	"$(x c2 sh -c '[ -e /tmp/mine ] && echo there || echo absent')|$(x c1 sh -c '[ -e /root/theirs ] && echo there || echo absent')"
snap=$W/root/io.containerd.snapshotter.v1.overlayfs/snapshots
expect "files: each written once, in the container's own layer, not in the image's" "1 1" \
	"$(find "$snap" -path '*/fs/tmp/mine' | wc -l) $(find "$snap" -path '*/fs/root/theirs' | wc -l)"

# The init's own client (the same application instance as the server).
for _ in $(seq 50); do
	x c1 test -s /tmp/self && x c2 test -s /tmp/self && break
	sleep 0.1
done
expect "http: inside each, 127.0.0.1:80 is its own server" "page of c1|page of c2" \
	"$(x c1 cat /tmp/self 2>&1)|$(x c2 cat /tmp/self 2>&1)"
# An exec'd process is in the container's instance: the same port space.
expect "http: an exec'd client reaches its container's 127.0.0.1:80" "page of c1|page of c2" \
	"$(x c1 wget -qO- http://127.0.0.1:80/ 2>&1)|$(x c2 wget -qO- http://127.0.0.1:80/ 2>&1)"

# The host port of a container's port 80: what its processes listen on.
host_port() {
	local pids
	pids=$("${C[@]}" task ps "$1" | awk 'NR > 1 {print $1}' | tr '\n' '|')
	ss -ltnpH | grep -E "pid=(${pids%|})," | awk '{print $4}' | sed 's/.*://' | sort -u | head -n 1
}
if [ $CSE = 1 ]; then
	p1=$(host_port c1)
	p2=$(host_port c2)
	expect "http: c2's port 80 is host port $P2 (annotation org.cse.net.port)" "$P2" "$p2"
	got=$(python3 - "$p1" "$p2" <<'EOF' 2>&1
import sys, urllib.request
print("|".join(urllib.request.urlopen("http://127.0.0.1:%s/" % p, timeout=10).read().decode().strip()
               for p in sys.argv[1:]))
EOF
	)
	expect "http: from the host, each on its host port ($p1, $p2)" "page of c1|page of c2" "$got"
fi

# exec, with and without a terminal
got=$(x c1 sh -c 'grep -q trixie /etc/os-release && echo trixie-ok; exit 3' 2>/dev/null)
expect "exec: output and exit status" "trixie-ok rc=3" "$got rc=$?"
# ctr's -t wants a terminal on its own stdin: script(1) gives it one.
got=$(timeout 30 script -qec "${C[*]} task exec --fifo-dir $W/fifo -t --exec-id t$RANDOM c2 sh -c '[ -t 0 ] && [ -t 1 ] && echo tty-yes; tty; stty size; exit 4'" /dev/null </dev/null)
rc=$?
got=$(printf '%s' "$got" | tr -d '\r' | sed 's/\^@//g' | grep -v 'resize pty')
expect "exec -t: a terminal on stdin and stdout" "tty-yes" "$(printf '%s\n' "$got" | sed -n 1p)"
printf '%s\n' "$got" | sed -n 2p | grep -q '^/dev/pts/[0-9]*$'
expect "exec -t: tty names a pts ($(printf '%s\n' "$got" | sed -n 2p))" 0 $?
expect "exec -t: exit status" 4 $rc

# Processes whose cwd, root or an open file is in container ID's rootfs:
# none may outlive delete.
in_bundle() {
	local b=$W/state/io.containerd.runtime.v2.task/$NS/$1/rootfs d l
	for d in /proc/[0-9]*; do
		for l in "$d/cwd" "$d/root" "$d"/fd/*; do
			case $(readlink "$l" 2>/dev/null) in "$b"*) printf ' %s' "${d#/proc/}"; break ;; esac
		done
	done
}
# kill and delete: no process of the container stays
c1_pids=$("${C[@]}" task ps c1 | awk 'NR > 1 {print $1}' | tr '\n' ' ')
# (runc's processes name their cwd from their own root: not seen there)
[ $CSE = 1 ] && expect "kill: before it, c1's processes are those in its rootfs" \
	"$(echo $c1_pids | tr ' ' '\n' | sort -n | tr '\n' ' ')" \
	"$(in_bundle c1 | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')"
"${C[@]}" task kill c1
for _ in $(seq 100); do
	[ "$("${C[@]}" task ls | awk '$1 == "c1" {print $3}')" = STOPPED ] && break
	sleep 0.1
done
expect "kill: the task stops" "STOPPED" "$("${C[@]}" task ls | awk '$1 == "c1" {print $3}')"
"${C[@]}" task delete c1 >"$W/del.log" 2>&1
expect "delete: succeeds" "0" "$?"
left=
for p in $c1_pids; do [ -e "/proc/$p" ] && left="$left $p"; done
for p in $(our_pids); do
	tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'NAME=c1' && left="$left $p"
done
left="$left$(in_bundle c1)"
expect "delete: no process of c1 left (was: $c1_pids)" "" "$left"
"${C[@]}" container rm c1 >/dev/null 2>&1
# pause and resume: a ticker in c2 (an exec'd process) stops, then goes on
timeout 30 "${C[@]}" task exec -d --fifo-dir "$W/fifo" --exec-id tick c2 \
	sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/tick; sleep 0.05; done' >/dev/null 2>&1
tick() { cat "$(find "$snap" -path '*/fs/tmp/tick' | head -n 1)" 2>/dev/null; }
for _ in $(seq 50); do [ -n "$(tick)" ] && break; sleep 0.1; done
"${C[@]}" task pause c2
sleep 0.3
t1=$(tick)
sleep 0.7
t2=$(tick)
expect "pause: PAUSED, and the ticker stopped (at $t1)" "PAUSED $t1" "$("${C[@]}" task ls | awk '$1 == "c2" {print $3}') $t2"
"${C[@]}" task resume c2
sleep 0.5
t3=$(tick)
expect "resume: RUNNING, and the ticker goes on" "RUNNING 1" \
	"$("${C[@]}" task ls | awk '$1 == "c2" {print $3}') $([ "${t3:-0}" -gt "${t2:-0}" ] && echo 1 || echo "0 ($t2 -> $t3)")"
expect "delete: c2 still serves" "page of c2" "$(x c2 wget -qO- http://127.0.0.1:80/ 2>&1)"

# a detached container, killed with SIGKILL while it has children
timeout 60 "${C[@]}" run -d --fifo-dir "$W/fifo" --runc-binary "$OCI" --runc-root "$W/runc-root" --env CSE_T="$W" --env NAME=d1 \
	"$IMG" d1 sh -c 'sleep 1000 & sleep 1000 & wait' >/dev/null 2>&1
for _ in $(seq 50); do
	[ "$("${C[@]}" task ps d1 2>/dev/null | awk 'NR > 1' | wc -l)" -ge 3 ] && break
	sleep 0.1
done
d1_pids=$("${C[@]}" task ps d1 | awk 'NR > 1 {print $1}' | tr '\n' ' ')
expect "detached: sh and two sleeps" 3 "$(echo $d1_pids | wc -w)"
"${C[@]}" task kill -s SIGKILL d1
for _ in $(seq 100); do
	[ "$("${C[@]}" task ls | awk '$1 == "d1" {print $3}')" = STOPPED ] && break
	sleep 0.1
done
"${C[@]}" task delete d1 >"$W/del.log" 2>&1
expect "detached: killed and deleted" "0 " "$? $("${C[@]}" task ls -q | grep -x d1)"
left=
for p in $d1_pids; do [ -e "/proc/$p" ] && left="$left $p"; done
left="$left$(in_bundle d1)"
expect "detached: no process left (was: $d1_pids)" "" "$left"
"${C[@]}" container rm d1 >/dev/null 2>&1

# ctr run --rm: the exit status, and the same answers as natively with runc
probe='cat /etc/debian_version; id; pwd; echo "$PATH"; ls /; echo x >/tmp/f && cat /tmp/f; exit 42'
rm_run() {
	timeout 60 "${C[@]}" run --rm --fifo-dir "$W/fifo" --runc-binary "$1" --runc-root "$W/runc-root" --env CSE_T="$W" \
		"$IMG" "r$RANDOM" sh -c "$probe"
}
rm_run "$OCI" >"$W/rm.out" 2>"$W/rm.err"
expect "run --rm: exit status passed through" 42 $?
rm_run "$(command -v runc)" >"$W/rm-runc.out" 2>&1
expect "run --rm: output as under runc" "$(cat "$W/rm-runc.out")" "$(cat "$W/rm.out")"
# config.json features against runc: a read-only root, bind mounts (rw and
# ro), a tmpfs, cwd, env, the masked and read-only paths of ctr's spec.
mkdir -p "$W/bind-rw" "$W/bind-ro"
echo host-data >"$W/bind-ro/in"
feat='pwd; echo "FOO=$FOO"; cat /ro/in; echo x >/rw/out && echo rw-ok; touch /ro/out 2>/dev/null || echo ro-refused
touch /etc/new 2>/dev/null || echo root-ro; echo t >/scratch/t && cat /scratch/t; grep -c . /proc/self/status >/dev/null && echo proc-ok
echo "kcore $(head -c 16 /proc/kcore 2>/dev/null | wc -c)"; v=$(cat /proc/sys/kernel/printk_ratelimit)
(echo "$v" >/proc/sys/kernel/printk_ratelimit) 2>/dev/null && echo procsys-rw || echo procsys-ro
grep NoNewPrivs /proc/self/status | tr -s "\t " " "; echo "nofile $(ulimit -Sn) $(ulimit -Hn)"'
feat_run() {
	rm -f "$W/bind-rw/out"
	timeout 60 "${C[@]}" run --rm --fifo-dir "$W/fifo" --runc-binary "$1" --runc-root "$W/runc-root" --env CSE_T="$W" --env FOO=bar \
		--read-only --cwd /ro --mount "type=bind,src=$W/bind-rw,dst=/rw,options=rbind:rw" \
		--mount "type=bind,src=$W/bind-ro,dst=/ro,options=rbind:ro" \
		--mount "type=tmpfs,src=tmpfs,dst=/scratch,options=nosuid:size=1m" \
		"$IMG" "f$RANDOM" sh -c "$feat" 2>&1
	echo "rc=$? host sees $(cat "$W/bind-rw/out" 2>&1)"
}
feat_run "$(command -v runc)" >"$W/feat-runc.out"
[ -n "${OCI_T_DEBUG:-}" ] && sed 's/^/# runc: /' "$W/feat-runc.out"
feat_run "$OCI" >"$W/feat.out"
expect "config.json: read-only root, binds, tmpfs, cwd, env, masked and read-only paths, no_new_privs, rlimits as under runc" \
	"$(cat "$W/feat-runc.out")" "$(cat "$W/feat.out")"
if [ $CSE = 1 ]; then
	got=$(timeout 60 "${C[@]}" run --rm --fifo-dir "$W/fifo" --runc-binary "$OCI" --runc-root "$W/runc-root" \
		--env CSE_T="$W" --annotation org.cse.strict=true --memory-limit 100000000 "$IMG" s1 echo started 2>&1)
	rc=$?
	printf '%s\n' "$got" | grep -q 'strict mode: cse cannot honour' && ! printf '%s\n' "$got" | grep -q started
	expect "strict: org.cse.strict=true refuses the container, saying why (rc $rc)" 0 $?
	"${C[@]}" container rm s1 >/dev/null 2>&1
fi
expect "run --rm: no container left" "c2" "$("${C[@]}" container ls -q | tr '\n' ' ' | sed 's/ $//')"

"${C[@]}" task kill -s SIGKILL c2 >/dev/null 2>&1
for _ in $(seq 100); do
	[ "$("${C[@]}" task ls | awk '$1 == "c2" {print $3}')" = STOPPED ] && break
	sleep 0.1
done
"${C[@]}" task delete c2 >/dev/null 2>&1 && "${C[@]}" container rm c2 >/dev/null 2>&1
expect "delete: c2, SIGKILLed" "0" "$?"
expect "delete: the runtime's state directory is empty" "" "$(ls -A "$W/runc-root/$NS" 2>&1)"

# ---------------------------------------------------------------- podman
t0=$(date +%s)
"${P[@]}" load -i "$IMAGE" >"$W/load.log" 2>&1
expect "podman: load ($(($(date +%s) - t0)) s)" "$IMG" "$("${P[@]}" images --format '{{.Repository}}:{{.Tag}}' 2>&1)"
# Without CAP_SYS_RESOURCE podman's default limits (above the hard ones)
# cannot be set: runc fails, cse-oci lowers them with a warning. runc is
# given lower ones.
PR=(run --rm --network none --hostname pod1 --env CSE_T="$W")
LOW=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
[ $CSE = 1 ] || PR+=("${LOW[@]}")
pcmd='hostname; cat /etc/debian_version; echo x >/tmp/f && cat /tmp/f; (httpd -p 80 -h /srv/www && wget -qO- http://127.0.0.1:80/); exit 7'
timeout 90 "${P[@]}" --runtime "$OCI" "${PR[@]}" --cidfile "$W/p.cid" "$IMG" sh -c "$pcmd" >"$W/p.out" 2>"$W/p.err"
rc=$?
expect "podman --runtime cse-oci: exit status" 7 $rc
# podman gives the runtime no --root: its state is in the default one.
"$OCI" state "$(cat "$W/p.cid")" >/dev/null 2>&1
expect "podman --runtime cse-oci: the runtime's state is gone" 1 $?
timeout 90 "${P[@]}" --runtime "$(command -v runc)" "${PR[@]}" "${LOW[@]}" "$IMG" sh -c "$pcmd" >"$W/p-runc.out" 2>&1
expect "podman --runtime cse-oci: output as under runc" "$(cat "$W/p-runc.out")" "$(cat "$W/p.out")"
[ $rc = 7 ] || printf '# %s\n' "$(tail -n 5 "$W/p.err")"
ucmd='id; pwd; echo "X=$X"; ulimit -n; touch /tmp/u && stat -c "%u:%g %a" /tmp/u; cat /proc/self/status | grep -E "^(Uid|Gid|NoNewPrivs):" | tr -s "\t " " "'
PU=(run --rm --network none --env CSE_T="$W" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
	--user 1000:1000 --workdir /tmp --env X=1)
timeout 90 "${P[@]}" --runtime "$OCI" "${PU[@]}" "$IMG" sh -c "$ucmd" >"$W/pu.out" 2>"$W/pu.err"
timeout 90 "${P[@]}" --runtime "$(command -v runc)" "${PU[@]}" "$IMG" sh -c "$ucmd" >"$W/pu-runc.out" 2>&1
[ -n "${OCI_T_DEBUG:-}" ] && sed 's/^/# runc: /' "$W/pu-runc.out"
expect "podman --user 1000:1000 --workdir --env: as under runc" "$(cat "$W/pu-runc.out")" "$(cat "$W/pu.out")"
sed "s#\"/usr/local/bin/cse-oci\"#\"$OCI\"#" "$TOP/user/oci/examples/containers-cse.conf" >"$W/containers.conf"
got=$(CONTAINERS_CONF=$W/containers.conf timeout 90 "${P[@]}" --runtime cse "${PR[@]}" "$IMG" \
	sh -c 'hostname; exit 5' 2>&1)
expect "podman --runtime cse (user/oci/examples/containers-cse.conf)" "pod1 rc=5" "$got rc=$?"
# podman run -d with its port 80 pinned on the host by annotation (cse's)
if [ $CSE = 1 ]; then
	PP=$(free_port)
	timeout 90 "${P[@]}" --runtime "$OCI" run -d --name web --network none --env CSE_T="$W" \
		--annotation org.cse.net.port="80:$PP/tcp" "$IMG" httpd -f -p 80 -h /srv/www >/dev/null 2>"$W/web.err"
	got=
	for _ in $(seq 50); do
		got=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().strip())' \
			"http://127.0.0.1:$PP/" 2>/dev/null) && break
		sleep 0.1
	done
	expect "podman run -d: port 80 on host port $PP (org.cse.net.port)" "cse test image" "$got"
	web_pids() { for p in $(our_pids); do grep -qa 'httpd' "/proc/$p/cmdline" && echo "$p"; done; }
	expect "podman run -d: its httpd is found" 1 "$(web_pids | wc -l)"
	timeout 60 "${P[@]}" rm -f -t 1 web >/dev/null 2>&1
	expect "podman rm -f: no process of it left" "" "$(web_pids)"
fi
expect "podman: no container left" "" "$("${P[@]}" ps -aq 2>&1)"

teardown check
trap - EXIT
t_done
