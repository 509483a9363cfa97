# python3 workload for the host matrix: threads, subprocess, signals, asyncio.
import asyncio, os, signal, subprocess, sys, threading

results = []
lock = threading.Lock()

def work(i):
    s = sum(len(os.listdir("/")) > 0 for _ in range(50))
    with lock:
        results.append((i, s))

ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in ts: t.start()
for t in ts: t.join()
print("threads", sorted(results))

out = subprocess.run(["sh", "-c", "echo sub; exit 4"], capture_output=True, text=True)
print("subprocess", out.stdout.strip(), out.returncode)
print("pipe", subprocess.check_output("printf 'b\\na\\n' | sort", shell=True).decode().split())

got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR1)
print("signal", got == [signal.SIGUSR1])

async def tick(n):
    await asyncio.sleep(0.01 * n)
    return n * 2

async def main():
    r = await asyncio.gather(*(tick(i) for i in range(5)))
    proc = await asyncio.create_subprocess_exec("echo", "async-sub", stdout=asyncio.subprocess.PIPE)
    o, _ = await proc.communicate()
    return r, o.decode().strip(), proc.returncode

print("asyncio", asyncio.run(main()))
print("stderr line", file=sys.stderr)
sys.exit(6)
