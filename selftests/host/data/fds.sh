# fds.t: bash's {fd} allocation, closing loops and redirections onto high numbers.
list() { ls /proc/$$/fd | sort -n | tr '\n' ' '; echo; }
echo "start: $(list)"
for i in $(seq 50); do
	exec {fd}>/dev/null
	exec {fd}>&-
done
echo "allocated $fd"
for i in 1 2 3; do exec {a}</dev/null {b}</dev/null; done
echo "open: $(list)"
for f in /proc/$$/fd/*; do
	n=${f##*/}
	[ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null
done
echo "closed: $(list)"
# Every number near the limit as a redirection target, then closed.
lim=$(ulimit -n)
out=$1
for ((n = lim - 40; n < lim; n++)); do
	eval "exec $n>>\"\$out\"" && eval "echo $n >&$n"
done
echo "high: $(list | wc -w)"
for ((n = lim - 40; n < lim; n++)); do eval "exec $n>&-"; done
for ((n = 3; n < lim; n++)); do eval "exec $n>&-" 2>/dev/null; done
echo "end: $(list)"
wc -l <"$out"
/bin/echo exec works
