#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Go host test (TAP): Go programs run under cse-run exactly as natively.
# Our own gocases program (selftests/host/progs/go), built static
# (CGO_ENABLED=0) and with cgo (dynamic, glibc threads), covers 1000
# goroutines making system calls, exec.Command in a loop, os/signal
# handlers, asynchronous preemption, the garbage collector and net/http on
# loopback. Real Go programs from Debian: runc (multi-command CLI), gojq,
# containerd, and webhook serving HTTP under wrk load.
#
# Each case runs GO_RUNS times (default 20), cycling through the variants
# pass-through, --no-rewrite and every element on, alternating the static
# and cgo builds; one differing run fails the case (a crash one run in
# fifty is a failure, so runs are never retried).
#
# Environment (from selftests/host/run): TOP, CSE_RUN, HT.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CSE_RUN=${CSE_RUN:-$TOP/build/bin/cse-run}
HT=${HT:-$TOP/build/host-tests}
RUNS=${GO_RUNS:-20}
export LC_ALL=C
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"

GB=$HT/go
mkdir -p "$GB"
W=$(mktemp -d "$HT/tmp.go.XXXXXX")
trap 'rm -rf "$W"' EXIT

variant_args() { # N: the cse-run arguments of run N
	case $(($1 % 3)) in
	0) echo "--" ;;
	1) echo "--no-rewrite --" ;;
	2) echo "${CSE_ALL_ELEMENTS[*]} --" ;;
	esac
}

if ! command -v go >/dev/null; then
	skip "go: build gocases" "no Go toolchain (scripts/install-deps installs golang-go)"
	exit 0
fi
# The build cache lives under build/ so a second run does not rebuild.
export GOCACHE=$TOP/build/gocache GOFLAGS=-mod=mod GOTOOLCHAIN=local
src=$TOP/selftests/host/progs/go
if (cd "$src" && CGO_ENABLED=0 go build -o "$GB/gocases-static" . &&
	CGO_ENABLED=1 go build -o "$GB/gocases-cgo" .) >"$W/build.log" 2>&1; then
	pass "go: build gocases (static and cgo)"
else
	fail "go: build gocases (static and cgo)" "$(cat "$W/build.log")"
	exit 0
fi

# gocase NAME ARGS...: gocases ARGS, native reference once per build, then
# RUNS runs under cse-run, every one identical to native.
gocase() {
	local name=$1 i b bad=() args
	shift
	for b in static cgo; do
		capture "$W/native-$b" "$GB/gocases-$b" "$@"
		if [ "$(cat "$W/native-$b/rc")" != 0 ]; then
			fail "go: $name" "native $b run failed" "$(cat "$W/native-$b/err")"
			return
		fi
	done
	for ((i = 0; i < RUNS; i++)); do
		b=static
		[ $((i % 2)) = 1 ] && b=cgo
		# shellcheck disable=SC2046
		args=$(variant_args "$i")
		# shellcheck disable=SC2086
		capture "$W/run" "$CSE_RUN" $args "$GB/gocases-$b" "$@"
		if ! cmp -s "$W/run/out" "$W/native-$b/out" || ! cmp -s "$W/run/rc" "$W/native-$b/rc" ||
			! cmp -s "$W/run/err" "$W/native-$b/err"; then
			bad+=("run $i ($b, cse-run $args): rc $(cat "$W/run/rc")"
				"$(head -n 5 "$W/run/out" "$W/run/err")")
		fi
	done
	if [ ${#bad[@]} -eq 0 ]; then pass "go: $name ($RUNS runs)"; else fail "go: $name" "${bad[@]}"; fi
}

mkdir -p "$W/files"
gocase "1000 goroutines open/write/read/close" goroutines "$W/files"
gocase "exec.Command loop with busy threads" execloop
gocase "os/signal SIGINT SIGTERM SIGUSR1 SIGHUP" signals
gocase "asynchronous preemption of spinning goroutines" preempt
gocase "garbage collector under allocation load" gc
gocase "net/http server and 20 clients on loopback" http

# realcase NAME CMD: a shell command run natively, then RUNS times with
# every program in it under cse-run ($X expands to the cse-run prefix).
realcase() {
	local name=$1 cmd=$2 i bad=() args
	X="" capture "$W/native" bash -c "X=''; $cmd"
	if [ "$(cat "$W/native/rc")" != 0 ]; then
		fail "go: $name" "native run failed" "$(cat "$W/native/err")"
		return
	fi
	for ((i = 0; i < RUNS; i++)); do
		args=$(variant_args "$i")
		capture "$W/run" bash -c "X='$CSE_RUN $args'; $cmd"
		if ! cmp -s "$W/run/out" "$W/native/out" || ! cmp -s "$W/run/rc" "$W/native/rc"; then
			bad+=("run $i (cse-run $args): rc $(cat "$W/run/rc")"
				"$(diff "$W/native/out" "$W/run/out" | head -n 5)" "$(head -n 5 "$W/run/err")")
		fi
	done
	if [ ${#bad[@]} -eq 0 ]; then pass "go: $name ($RUNS runs)"; else fail "go: $name" "${bad[@]}"; fi
}

for p in runc gojq containerd webhook wrk; do
	command -v $p >/dev/null || { skip "go: Debian's Go programs" "$p missing (scripts/install-deps)"; exit 0; }
done
cd "$W" || exit 1
echo '{"a":[1,2,3],"b":{"c":"x"}}' >in.json
realcase "runc: spec, list, state, --version, --help" \
	'rm -rf b s; mkdir b; $X runc spec --rootless --bundle b && sha256sum b/config.json &&
	 $X runc --root s list && $X runc --root s list --format json &&
	 { $X runc --root s state nosuch; echo "state rc=$?"; } &&
	 $X runc --version && $X runc --help | head -n 12'
realcase "gojq: filters, files, errors" \
	'$X gojq -n "[range(100000)] | map(.*2) | add" && $X gojq -c ".a|map(.+1)" in.json &&
	 { $X gojq .x.y.z <<<"[1]"; echo "rc=$?"; }'
realcase "containerd: config default, --version" \
	'$X containerd config default | sha256sum && $X containerd --version'

# webhook under load: the server runs under cse-run, wrk drives it from
# outside; every response must be the hook's, none may fail.
cat >hooks.json <<'HOOKS'
[{"id": "ping", "execute-command": "/bin/true", "response-message": "pong"}]
HOOKS
bad=()
wruns=$RUNS
for ((i = 0; i < wruns; i++)); do
	# A port outside the ephemeral range; another one if it is taken.
	for _ in 1 2 3 4 5; do
		port=$((10000 + RANDOM % 20000))
		args=$(variant_args "$i")
		# shellcheck disable=SC2086
		$CSE_RUN $args webhook -hooks hooks.json -ip 127.0.0.1 -port "$port" >wh.log 2>&1 &
		pid=$!
		up=0
		for _ in $(seq 100); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				up=1
				break
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		[ $up = 1 ] && break
		wait "$pid"
		grep -q 'address already in use' wh.log || break
	done
	body=$(exec 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /hooks/ping HTTP/1.0\r\n\r\n' >&3 && cat <&3 | tail -n 1)
	wrk -t2 -c16 -d1s "http://127.0.0.1:$port/hooks/ping" >wrk.out 2>&1
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	st=$?
	reqs=$(awk '/requests in/ { print $1 }' wrk.out)
	ok=1
	[ $up = 1 ] && [ "$body" = pong ] || ok=0
	grep -q 'Non-2xx\|Socket errors' wrk.out && ok=0
	[ "${reqs:-0}" -ge 100 ] || ok=0
	case $st in 0 | 143) ;; *) ok=0 ;; esac # exits on SIGTERM, never crashes
	if [ $ok = 0 ]; then
		bad+=("run $i (cse-run $args): up=$up body=$body exit=$st" "$(cat wrk.out)" "$(tail -n 5 wh.log)")
	fi
done
if [ ${#bad[@]} -eq 0 ]; then pass "go: webhook HTTP server under wrk load ($wruns runs)"; else fail "go: webhook under wrk" "${bad[@]}"; fi
