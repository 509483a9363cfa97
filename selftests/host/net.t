#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# net.t: the net element, a private port space per application.
#
#   flags      bad --port values fail with one line; --print-profile
#              shows the map
#   probe      progs/net_probe.c (TCP/UDP, IPv4/IPv6, dual-stack and
#              V6ONLY, 127.0.0.2, 0.0.0.0, ::ffff:127.0.0.1 and the host's
#              own address, EADDRINUSE, SO_REUSEPORT, bind 0, sendmmsg/
#              recvmmsg): stdout under --port and under --port-auto equals
#              the native run's, while a host program holds the guest
#              ports (so natively the same run would fail)
#   http       two `python3 -m http.server 8080` side by side, each reached
#              on 127.0.0.1:8080 by a client inside its own instance and
#              from the host on its host port
#   nginx      Debian's nginx as a plain user (setpriv) on port 80 in two
#              instances with --port-auto
#   udp        a UDP echo pair (two instances, one guest port)
#   busybox    static busybox nc as server and client
#   go         a Go net/http server and client; the server logs the
#              client's real address (its host port)
#   reuseport  an SO_REUSEPORT group per instance on one guest port, in
#              two instances: connections stay in their own instance
#   profile    a [net] profile section maps a port
#   io_uring   io_uring_setup answers ENOSYS under the element
#
# Servers bind to loopback addresses only and are stopped by the test.
# Env: TOP, CSE_RUN, HT (from selftests/host/run).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HT=${HT:-$TOP/build/host-tests}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"
mkdir -p "$HT"
W=$(mktemp -d "$HT/tmp.net.XXXXXX")
chmod 755 "$W"
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# A port nobody uses now (the kernel's pick for a bind to port 0).
free_port() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "${1:-SOCK_STREAM}"
}
# Wait until FILE has a line matching RE (10 s).
wait_for() {
	for _ in $(seq 100); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# Listening TCP ports of process PID and its children, from ss.
ports_of() {
	ss -ltnpH 2>/dev/null | grep -E "pid=$1[,)]" | awk '{print $4}' | sed 's/.*://' | sort -u | tr '\n' ' '
}

# ------------------------------------------------------------------ flags
for v in 8080 0:9000 8080:0 8080:70000 80:90/sctp 80:90/ 80:x :90; do
	check_err "bad --port $v" 2 "--port: bad value '$v': want GUEST:HOST" \
		"$CSE_RUN" --port "$v" -- true
done
check_err "a guest port mapped twice" 2 "guest port 80/tcp is mapped twice" \
	"$CSE_RUN" --port 80:9000 --port 80:9001/tcp -- true
check_err "a host port mapped twice" 2 "host port 9000/udp is mapped twice" \
	"$CSE_RUN" --port 80:9000/udp --port 81:9000 -- true
got=$("$CSE_RUN" --port 8080:18080/tcp --port 53:10053/udp --port-auto --print-profile 2>&1)
want='[net]
port = 8080:18080/tcp
port = 53:10053/udp
port-auto = true'
expect "--print-profile shows the map" "$want" "$(printf '%s\n' "$got" | sed -n '/^\[net\]/,/^$/p' | sed '/^$/d')"

# ------------------------------------------------------------------ probe
if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$W/net_probe" "$TOP/selftests/host/progs/net_probe.c" \
	2>"$W/build.log"; then
	pass "build net_probe"
else
	fail "build net_probe" "$(cat "$W/build.log")"
	t_done
	exit
fi
HA=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4; exit}' | cut -d/ -f1)
TP=$(free_port)
UP=$(free_port SOCK_DGRAM)
capture "$W/native" "$W/net_probe" "$TP" "$UP" $HA
if [ "$(cat "$W/native/rc")" = 0 ] && ! grep -q FAIL "$W/native/out"; then
	pass "net_probe runs natively"
else
	fail "net_probe runs natively" "$(cat "$W/native/out" "$W/native/err")"
fi
# The host now holds the guest ports: only a private port space lets the
# probe bind them.
python3 -c 'import socket,sys,time
t=socket.socket(); t.bind(("0.0.0.0",int(sys.argv[1]))); t.listen()
u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.bind(("0.0.0.0",int(sys.argv[2])))
print("held", flush=True); time.sleep(120)' "$TP" "$UP" >"$W/holder.out" 2>&1 &
pids+=($!)
holder=$!
wait_for "$W/holder.out" held || fail "host holder" "$(cat "$W/holder.out")"
HTP=$(free_port)
HUP=$(free_port SOCK_DGRAM)
capture "$W/mapped" "$CSE_RUN" --port "$TP:$HTP/tcp" --port "$UP:$HUP/udp" -- "$W/net_probe" "$TP" "$UP" $HA
compare "net_probe with --port equals native (guest ports held on the host)" "$W/native" "$W/mapped" stdout
capture "$W/auto" "$CSE_RUN" --port-auto -- "$W/net_probe" "$TP" "$UP" $HA
compare "net_probe with --port-auto equals native" "$W/native" "$W/auto" stdout
capture "$W/plain" "$W/net_probe" "$TP" "$UP" $HA
if grep -q "FAIL tcp4 listen" "$W/plain/out"; then
	pass "the same probe natively fails while the host holds the ports"
else
	fail "the same probe natively fails while the host holds the ports" "$(head -n 3 "$W/plain/out")"
fi
kill "$holder" 2>/dev/null

# ------------------------------------------------------------------ http
# inst NAME ARGS... -- SCRIPT: run SCRIPT (sh) in an instance, in the
# background, in $W/NAME (cwd), output in $W/NAME.out; it runs until
# $W/NAME.stop exists.
inst() {
	local name=$1
	shift
	mkdir -p "$W/$name"
	(cd "$W/$name" && exec timeout -k 5 120 "$@") >"$W/$name.out" 2>&1 &
	pids+=($!)
}
stop_wait() { # NAME...
	for n in "$@"; do
		: >"$W/$n.stop"
	done
	for n in "$@"; do
		for _ in $(seq 100); do
			grep -q '^done' "$W/$n.out" 2>/dev/null && break
			sleep 0.1
		done
	done
}
# The script a http.server instance runs: serve, fetch from inside, wait.
http_script='python3 -m http.server --bind 127.0.0.1 8080 >server.log 2>&1 &
s=$!
for i in $(seq 100); do curl -fs http://127.0.0.1:8080/who >/dev/null && break; sleep 0.1; done
echo "inside: $(curl -fs http://127.0.0.1:8080/who)"
while ! [ -e ../$1.stop ]; do sleep 0.1; done
kill $s; wait $s; echo done'
HA_=$(free_port)
HB_=$(free_port)
for n in a b; do
	mkdir -p "$W/http-$n"
	echo "site-$n" >"$W/http-$n/who"
done
inst http-a "$CSE_RUN" --port "8080:$HA_" -- sh -c "$http_script" sh http-a
inst http-b "$CSE_RUN" --port "8080:$HB_" -- sh -c "$http_script" sh http-b
wait_for "$W/http-a.out" inside
wait_for "$W/http-b.out" inside
expect "http.server a: reached inside on 127.0.0.1:8080" "inside: site-a" "$(grep inside "$W/http-a.out")"
expect "http.server b: reached inside on 127.0.0.1:8080" "inside: site-b" "$(grep inside "$W/http-b.out")"
expect "http.server a: reached from the host on its host port" site-a \
	"$(curl -fs "http://127.0.0.1:$HA_/who")"
expect "http.server b: reached from the host on its host port" site-b \
	"$(curl -fs "http://127.0.0.1:$HB_/who")"
stop_wait http-a http-b
expect "http.server a: logged three requests from 127.0.0.1" 3 \
	"$(grep -c '^127.0.0.1 - - .*GET /who' "$W/http-a/server.log")"

# ------------------------------------------------------------------ nginx
if ! command -v nginx >/dev/null || ! command -v setpriv >/dev/null; then
	skip "nginx on port 80 in two instances" "no nginx or setpriv (scripts/install-deps)"
else
	nginx_script='nginx -c $PWD/nginx.conf -e $PWD/error.log &
n=$!
for i in $(seq 100); do curl -fs http://127.0.0.1/ >/dev/null && break; sleep 0.1; done
echo "inside: $(curl -fs http://127.0.0.1:80/)"
while ! [ -e ../$1.stop ]; do sleep 0.1; done
kill $n; wait $n; echo done'
	for n in a b; do
		d=$W/nginx-$n
		mkdir -p "$d/www" "$d/tmp"
		echo "nginx-$n" >"$d/www/index.html"
		cat >"$d/nginx.conf" <<END
daemon off;
worker_processes 2;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
	access_log $d/access.log;
	client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
	uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
	server { listen 127.0.0.1:80; root $d/www; }
}
END
	done
	chown -R 65534:65534 "$W"/nginx-a "$W"/nginx-b
	capture "$W/nginx-native" setpriv --reuid 65534 --regid 65534 --clear-groups \
		nginx -c "$W/nginx-a/nginx.conf" -e "$W/nginx-a/error.log" -t
	capture "$W/nginx-native" setpriv --reuid 65534 --regid 65534 --clear-groups \
		nginx -c "$W/nginx-a/nginx.conf" -e "$W/nginx-a/error.log"
	if grep -q "Permission denied" "$W/nginx-native/err"; then
		pass "nginx: a plain user cannot bind port 80 natively"
	else
		fail "nginx: a plain user cannot bind port 80 natively" "$(cat "$W/nginx-native/err")"
	fi
	for n in a b; do
		inst "nginx-$n" setpriv --reuid 65534 --regid 65534 --clear-groups \
			"$CSE_RUN" --port-auto -- sh -c "$nginx_script" sh "nginx-$n"
	done
	for n in a b; do
		wait_for "$W/nginx-$n.out" inside
		expect "nginx $n: reached inside on 127.0.0.1:80" "inside: nginx-$n" \
			"$(grep inside "$W/nginx-$n.out")"
		hp=$(ports_of "$(pgrep -f -n "nginx -c $W/nginx-$n/nginx.conf")")
		hp=${hp%% *}
		if [ -n "$hp" ] && [ "$hp" != 80 ]; then
			expect "nginx $n: reached from the host on its host port" "nginx-$n" \
				"$(curl -fs "http://127.0.0.1:$hp/")"
		else
			fail "nginx $n: reached from the host on its host port" "listening on '$hp'"
		fi
	done
	stop_wait nginx-a nginx-b
	if pgrep -f "nginx -c $W/" >/dev/null; then
		fail "nginx: every process stopped" "$(pgrep -af "nginx -c $W/")"
	else
		pass "nginx: every process stopped"
	fi
fi

# ------------------------------------------------------------------ udp
udp_script='python3 -u -c "import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((\"127.0.0.1\",9999))
while True:
    d,a=s.recvfrom(100)
    s.sendto(d+b\" from \"+sys.argv[1].encode(),a)" $1 >server.log 2>&1 &
e=$!
echo "inside: $(python3 -c "import socket
c=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); c.settimeout(0.5)
for i in range(40):
    c.sendto(b\"ping\",(\"127.0.0.1\",9999))
    try:
        print(c.recvfrom(100)[0].decode()); break
    except (socket.timeout, ConnectionRefusedError):
        pass")"
while ! [ -e ../$1.stop ]; do sleep 0.1; done
kill $e; wait $e; echo done'
UA=$(free_port SOCK_DGRAM)
UB=$(free_port SOCK_DGRAM)
inst udp-a "$CSE_RUN" --port "9999:$UA/udp" -- sh -c "$udp_script" sh udp-a
inst udp-b "$CSE_RUN" --port "9999:$UB/udp" -- sh -c "$udp_script" sh udp-b
for n in a b; do
	wait_for "$W/udp-$n.out" inside
	expect "udp echo $n: its own server on guest port 9999" "inside: ping from udp-$n" \
		"$(grep inside "$W/udp-$n.out")"
done
got=$(python3 -c 'import socket,sys
c=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); c.settimeout(5)
c.sendto(b"host",("127.0.0.1",int(sys.argv[1]))); print(c.recvfrom(100)[0].decode())' "$UB")
expect "udp echo b: reached from the host on its host port" "host from udp-b" "$got"
stop_wait udp-a udp-b

# ------------------------------------------------------------------ reuseport
# Two instances, each with an SO_REUSEPORT group of two listeners on guest
# port 8080 (--port-auto): every connection made inside an instance lands
# in that instance's group, never in the other's.
rp_script='for k in 1 2; do python3 -u -c "import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEPORT,1)
s.bind((\"127.0.0.1\",8080)); s.listen(16); print(\"up\",flush=True)
while True:
    c,a=s.accept(); c.sendall(sys.argv[1].encode()); c.close()" $1 >>up.log 2>&1 &
done
for i in $(seq 100); do [ "$(grep -c up up.log 2>/dev/null)" = 2 ] && break; sleep 0.1; done
python3 -c "import socket
got=set()
for i in range(30):
    c=socket.create_connection((\"127.0.0.1\",8080)); got.add(c.recv(20).decode()); c.close()
print(\"inside:\", \" \".join(sorted(got)))"
while ! [ -e ../$1.stop ]; do sleep 0.1; done
kill $(jobs -p); wait; echo done'
inst rp-a "$CSE_RUN" --port-auto -- sh -c "$rp_script" sh rp-a
inst rp-b "$CSE_RUN" --port-auto -- sh -c "$rp_script" sh rp-b
for n in a b; do
	wait_for "$W/rp-$n.out" inside
	expect "SO_REUSEPORT group $n: connections stay in its instance" "inside: rp-$n" \
		"$(grep inside "$W/rp-$n.out")"
done
stop_wait rp-a rp-b

# ------------------------------------------------------------------ profile
printf '[net]\nport = 8080:%s/tcp\n' "$(free_port)" >"$W/net.ini"
hp=$(sed -n 's/^port = 8080:\(.*\)\/tcp/\1/p' "$W/net.ini")
got=$("$CSE_RUN" --profile "$W/net.ini" -- python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",8080)); s.listen()
c=socket.create_connection(("127.0.0.1",int(sys.argv[1])))
a,_=s.accept(); print(s.getsockname()[1], a.getsockname()[1], c.getpeername()[1])' "$hp" 2>&1)
expect "a [net] profile section maps the port (host port $hp reaches guest 8080)" "8080 8080 8080" "$got"

# ------------------------------------------------------------------ busybox
BB=/bin/busybox
if ! file -L "$BB" 2>/dev/null | grep -q "statically linked"; then
	skip "busybox nc" "no static busybox (busybox-static)"
else
	BP=$(free_port)
	inst bb "$CSE_RUN" --port "7070:$BP" -- sh -c "$BB nc -l -p 7070 >got.txt; echo done"
	for _ in $(seq 50); do
		ss -ltnH | grep -q ":$BP " && break
		sleep 0.1
	done
	echo "from-the-host" | timeout 10 $BB nc 127.0.0.1 "$BP"
	wait_for "$W/bb.out" done
	expect "busybox nc server: a host client reaches it on its host port" from-the-host \
		"$(cat "$W/bb/got.txt")"
	capture "$W/bb2" "$CSE_RUN" --port "7070:$BP" -- sh -c \
		"cd $W && $BB nc -l -p 7070 >srv.txt & sleep 0.5; echo from-inside | $BB nc 127.0.0.1 7070; wait; cat $W/srv.txt"
	expect "busybox nc client and server inside one instance" from-inside "$(cat "$W/bb2/out")"
fi

# ------------------------------------------------------------------ go
if ! command -v go >/dev/null; then
	skip "go net/http" "no Go toolchain (golang-go)"
elif ! (cd "$TOP/selftests/host/progs/go" && GOCACHE=$TOP/build/gocache GOFLAGS=-mod=mod \
	GOTOOLCHAIN=local CGO_ENABLED=0 go build -o "$W/netserve" ./netserve) >"$W/go.log" 2>&1; then
	fail "go: build netserve" "$(cat "$W/go.log")"
else
	GP=$(free_port)
	CP=$(free_port)
	inst go "$CSE_RUN" --port "8080:$GP" -- sh -c \
		"$W/netserve serve 127.0.0.1:8080 gopher & s=\$!; sleep 0.5; $W/netserve get http://127.0.0.1:8080/; while ! [ -e ../go.stop ]; do sleep 0.1; done; kill \$s; echo done"
	wait_for "$W/go.out" "^body"
	expect "go: the server reports its guest port" "listening 8080" "$(grep listening "$W/go.out")"
	inner=$(sed -n 's/^body gopher from //p' "$W/go.out")
	expect "go: a client inside reaches the server on 8080" 1 "$(grep -c "^body gopher from 127.0.0.1:" "$W/go.out")"
	expect "go: the server logged the inside client's address" 1 "$(grep -cx "peer $inner" "$W/go.out")"
	expect "go: a host client reaches the host port" gopher \
		"$(curl -fs --local-port "$CP" "http://127.0.0.1:$GP/")"
	wait_for "$W/go.out" "peer 127.0.0.1:$CP"
	expect "go: the server logged the host client's real address" 1 \
		"$(grep -cx "peer 127.0.0.1:$CP" "$W/go.out")"
	stop_wait go
fi

# ------------------------------------------------------------------ io_uring
got=$("$CSE_RUN" --port-auto -- python3 -c 'import ctypes,os
libc=ctypes.CDLL(None, use_errno=True)
p=ctypes.create_string_buffer(120)
r=libc.syscall(425, 4, p)
print(r, os.strerror(ctypes.get_errno()) if r < 0 else "ok")' 2>&1)
expect "io_uring_setup answers ENOSYS under the element" "-1 Function not implemented" "$got"

t_done
