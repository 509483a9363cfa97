# fds.t: bash's {fd} allocation, closing loops and redirections onto high numbers.
# Listed by bash's own glob, not by a command substitution: the child of $(...)
# could read the list before the parent closes its end of the capture pipe.
list() { local l=; for f in /proc/$$/fd/*; do l="$l${f##*/} "; done; printf '%s\n' "$l"; }
printf "start: "; list
for i in $(seq 50); do
	exec {fd}>/dev/null
	exec {fd}>&-
done
echo "allocated $fd"
for i in 1 2 3; do exec {a}</dev/null {b}</dev/null; done
printf "open: "; list
for f in /proc/$$/fd/*; do
	n=${f##*/}
	[ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null
done
printf "closed: "; list
# Every number near the limit as a redirection target, then closed.
lim=$(ulimit -n)
out=$1
for ((n = lim - 40; n < lim; n++)); do
	eval "exec $n>>\"\$out\"" && eval "echo $n >&$n"
done
n=0; for f in /proc/$$/fd/*; do n=$((n + 1)); done; echo "high: $n"
for ((n = lim - 40; n < lim; n++)); do eval "exec $n>&-"; done
for ((n = 3; n < lim; n++)); do eval "exec $n>&-" 2>/dev/null; done
printf "end: "; list
wc -l <"$out"
/bin/echo exec works
