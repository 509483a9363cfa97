# fds.t: python3's view of its descriptors, subprocess close_fds/pass_fds,
# closing every listed fd, os.closerange.
import os, subprocess, sys
def is_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False
def listed():
    # The listing's own fd is closed again when listdir returns.
    return sorted(fd for fd in map(int, os.listdir('/proc/self/fd')) if is_open(fd))
print("start", listed())
fds = [os.open('/dev/null', os.O_RDONLY) for _ in range(5)]
print("opened", fds)
for pf in ([], [fds[1]]):
    r = subprocess.run(['/bin/sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "'],
                       close_fds=True, pass_fds=pf, capture_output=True, text=True)
    print("child close_fds pass_fds=%s:" % pf, r.stdout.strip(), r.returncode)
r = subprocess.run(['/bin/sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "'],
                   close_fds=False, capture_output=True, text=True)
print("child close_fds=False:", r.stdout.strip(), r.returncode)
# The daemon idiom: close whatever is listed, until nothing but 0-2 is.
rounds = 0
while True:
    left = [fd for fd in listed() if fd > 2]
    if not left or rounds > 20:
        break
    for fd in left:
        try:
            os.close(fd)
        except OSError as e:
            print("close", fd, e.strerror)
    rounds += 1
print("closed listed in", rounds, "rounds; now", listed())
os.closerange(3, 1 << 20)
print("after closerange", listed())
bad = 0
for fd in range(3, 1024):
    try:
        os.fstat(fd)
        bad += 1
    except OSError:
        pass
print("fstat ok on", bad, "numbers")
r = subprocess.run(['/bin/echo', 'still spawning'], close_fds=True)
print("rc", r.returncode)
