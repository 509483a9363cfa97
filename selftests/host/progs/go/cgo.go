//go:build cgo

package main

// #include <unistd.h>
import "C"

import "os"

// cgoNote makes the cgo build call into libc, so it is linked dynamically
// and runs with glibc's own threads and signal setup.
func cgoNote() {
	if int(C.getpid()) != os.Getpid() {
		die("cgo getpid disagrees")
	}
}
