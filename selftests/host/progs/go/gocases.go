// gocases: Go runtime behaviours that stress an interposer: many threads
// making system calls, fork+exec from a threaded process, signal delivery
// (async preemption uses SIGURG), the garbage collector and net/http.
// Every case prints a deterministic result so that native and cse runs
// can be compared byte for byte.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "gocases: "+format+"\n", a...)
	os.Exit(1)
}

// goroutines: 1000 goroutines open, write, read back and close files.
func goroutines(dir string) {
	const n = 1000
	var wg sync.WaitGroup
	var bytes int64
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := filepath.Join(dir, "f"+strconv.Itoa(i))
			for j := 0; j < 5; j++ {
				want := fmt.Sprintf("goroutine %d round %d\n", i, j)
				if err := os.WriteFile(p, []byte(want), 0o600); err != nil {
					die("write: %v", err)
				}
				got, err := os.ReadFile(p)
				if err != nil || string(got) != want {
					die("read back %q: %v", got, err)
				}
				atomic.AddInt64(&bytes, int64(len(got)))
				_ = syscall.Getpid()
			}
			if err := os.Remove(p); err != nil {
				die("remove: %v", err)
			}
		}(i)
	}
	wg.Wait()
	fmt.Printf("goroutines: %d done, %d bytes\n", n, bytes)
}

// execloop: exec.Command from a process with many threads, in a loop.
func execloop() {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 8; i++ { // keep other threads busy in syscalls
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					_ = syscall.Getppid()
				}
			}
		}()
	}
	sum := 0
	for i := 0; i < 40; i++ {
		out, err := exec.Command("/bin/echo", strconv.Itoa(i)).Output()
		if err != nil {
			die("exec %d: %v", i, err)
		}
		v, err := strconv.Atoi(string(out[:len(out)-1]))
		if err != nil || v != i {
			die("exec %d: got %q", i, out)
		}
		sum += v
	}
	close(stop)
	wg.Wait()
	fmt.Printf("execloop: 40 commands, sum %d\n", sum)
}

// signals: os/signal handlers for SIGINT, SIGTERM, SIGUSR1, SIGHUP, sent by
// the process itself and by a child (kill(1)), while goroutines are busy.
func signals() {
	sigs := []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGHUP}
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, sigs...)
	var busy int64
	for i := 0; i < 4; i++ {
		go func() {
			for {
				atomic.AddInt64(&busy, 1)
			}
		}()
	}
	var got []string
	for round := 0; round < 3; round++ {
		for _, s := range sigs {
			sig := s.(syscall.Signal)
			if round == 1 {
				num := strconv.Itoa(int(sig))
				if err := exec.Command("/bin/kill", "-"+num, strconv.Itoa(os.Getpid())).Run(); err != nil {
					die("kill: %v", err)
				}
			} else if err := syscall.Kill(os.Getpid(), sig); err != nil {
				die("kill: %v", err)
			}
			select {
			case r := <-ch:
				got = append(got, r.String())
			case <-time.After(10 * time.Second):
				die("signal %v not delivered", s)
			}
		}
	}
	signal.Stop(ch)
	fmt.Printf("signals: %v\n", got)
}

// preempt: tight loops without calls can only be stopped by asynchronous
// preemption (SIGURG); GC and a timer must still make progress.
func preempt() {
	runtime.GOMAXPROCS(2)
	var spin int64
	for i := 0; i < 4; i++ {
		go func() {
			x := int64(0)
			for {
				x++
				if x == -1 {
					atomic.AddInt64(&spin, x)
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	for i := 0; i < 5; i++ {
		runtime.GC() // stop-the-world: needs every spinning goroutine preempted
	}
	t := time.Now()
	time.Sleep(10 * time.Millisecond)
	if time.Since(t) > 5*time.Second {
		die("timer starved")
	}
	fmt.Println("preempt: 5 collections with 4 spinning goroutines")
}

type node struct {
	next *node
	data []byte
}

// gc: allocation-heavy goroutines while the collector runs concurrently.
func gc() {
	var wg sync.WaitGroup
	var total int64
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for round := 0; round < 50; round++ {
				var head *node
				for i := 0; i < 500; i++ {
					head = &node{next: head, data: make([]byte, 64+i%512)}
				}
				n := 0
				for p := head; p != nil; p = p.next {
					n++
				}
				atomic.AddInt64(&total, int64(n))
			}
		}(g)
	}
	wg.Wait()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.NumGC == 0 {
		die("no collection ran")
	}
	fmt.Printf("gc: %d nodes\n", total)
}

// http: a net/http server and 20 concurrent clients on loopback.
func httpcase() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		die("listen: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "path=%s", r.URL.Path)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	url := "http://" + ln.Addr().String()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bodies []string
	for c := 0; c < 20; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				resp, err := http.Get(fmt.Sprintf("%s/echo/%d-%d", url, c, i))
				if err != nil {
					die("get: %v", err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					die("body: %v %d", err, resp.StatusCode)
				}
				mu.Lock()
				bodies = append(bodies, string(b))
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	srv.Close()
	sort.Strings(bodies)
	fmt.Printf("http: %d responses, first %s, last %s\n", len(bodies), bodies[0], bodies[len(bodies)-1])
}

func main() {
	if len(os.Args) < 2 {
		die("usage: gocases goroutines DIR|execloop|signals|preempt|gc|http")
	}
	switch os.Args[1] {
	case "goroutines":
		if len(os.Args) != 3 {
			die("goroutines needs a directory")
		}
		goroutines(os.Args[2])
	case "execloop":
		execloop()
	case "signals":
		signals()
	case "preempt":
		preempt()
	case "gc":
		gc()
	case "http":
		httpcase()
	default:
		die("unknown case %q", os.Args[1])
	}
	cgoNote()
}
