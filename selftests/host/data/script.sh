# bash workload for the host matrix: pipelines, subshells, traps, here-docs,
# command substitution, functions, background jobs and wait.
set -u
trap 'echo "trap EXIT status=$?"' EXIT
trap 'echo "got USR1"' USR1
f() { local x=$1; echo "f($x) -> $((x * x))"; }
for i in 1 2 3; do f "$i"; done
printf '%s\n' pear apple fig | sort | tr a-z A-Z | paste -sd, -
( cd / && echo "subshell in $(pwd)"; exit 5 ); echo "subshell status $?"
n=$(seq 1 100 | awk '{s+=$1} END {print s}'); echo "sum=$n"
cat <<HERE | wc -l
one
two
HERE
kill -USR1 $$
sleep 0.1 & wait $!; echo "bg status $?"
{ echo to-stderr >&2; } 2>&1 | sed 's/^/piped: /'
echo "$(echo nested $(echo deeper))"
false || echo "or-branch"
exit 3
