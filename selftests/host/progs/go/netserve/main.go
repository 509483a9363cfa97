// SPDX-License-Identifier: GPL-2.0 OR MIT

// netserve: a net/http server and client for net.t (the net element).
//
//	netserve serve ADDR NAME   serve NAME on ADDR; print "listening PORT"
//	                           (the port Addr() reports), then one line
//	                           "peer HOST:PORT" per request
//	netserve get URL           print the body of GET URL and the local
//	                           address the connection had
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func serve(addr, name string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("peer %s\n", r.RemoteAddr)
		io.WriteString(w, name)
	}))
}

func get(url string) error {
	var local string
	tr := &http.Transport{DialContext: func(ctx context.Context, nw, a string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, nw, a)
		if err == nil {
			local = c.LocalAddr().String()
		}
		return c, err
	}}
	resp, err := (&http.Client{Transport: tr}).Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Printf("body %s from %s\n", b, local)
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) == 4 && os.Args[1] == "serve":
		err = serve(os.Args[2], os.Args[3])
	case len(os.Args) == 3 && os.Args[1] == "get":
		err = get(os.Args[2])
	default:
		err = fmt.Errorf("usage: netserve serve ADDR NAME | get URL")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "netserve:", err)
		os.Exit(1)
	}
}
