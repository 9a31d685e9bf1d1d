// Package gate puts a security group's ingress check in front of an
// engine: a small TCP proxy that listens on an endpoint's own address in
// its VPC (a loopback address such as 127.0.1.4) and forwards what its
// rules admit to the engine on 127.0.0.1. The engines keep listening on
// 127.0.0.1 only, so a gate and its engine share a port number without
// sharing a socket. RDS and ElastiCache use the same gates; the rules are
// the EC2 service's (see ec2.Service.Admits).
package gate

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// dialTimeout bounds how long an admitted connection waits for the engine.
const dialTimeout = 5 * time.Second

// Gate is one listening gate.
type Gate struct {
	ln      net.Listener
	backend string
	allow   func(src netip.Addr) bool

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// Open listens on addr and forwards every connection that allow admits, by
// its source address, to 127.0.0.1:backendPort. allow is asked at each
// connection, so a rule revoked or a security group changed holds for the
// next connection, as on AWS; connections already admitted stay open.
func Open(addr netip.AddrPort, backendPort int, allow func(src netip.Addr) bool) (*Gate, error) {
	ln, err := net.Listen("tcp", addr.String())
	if err != nil {
		return nil, fmt.Errorf("cannot open a gate on %s: %w", addr, err)
	}
	g := &Gate{
		ln:      ln,
		backend: net.JoinHostPort("127.0.0.1", strconv.Itoa(backendPort)),
		allow:   allow,
		conns:   map[net.Conn]struct{}{},
	}
	g.wg.Add(1)
	go g.serve()
	return g, nil
}

// Addr is where the gate listens.
func (g *Gate) Addr() netip.AddrPort { return g.ln.Addr().(*net.TCPAddr).AddrPort() }

// Close stops listening, closes the connections the gate forwards (their
// engine is stopping) and waits until every one of its goroutines is done.
func (g *Gate) Close() error {
	g.mu.Lock()
	g.closed = true
	err := g.ln.Close()
	for c := range g.conns {
		_ = c.Close()
	}
	g.mu.Unlock()
	g.wg.Wait()
	return err
}

func (g *Gate) serve() {
	defer g.wg.Done()
	for {
		c, err := g.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of file descriptors or the like: wait rather than spin.
			time.Sleep(50 * time.Millisecond)
			continue
		}
		g.wg.Add(1)
		go g.handle(c)
	}
}

// handle admits or closes one connection. A security group drops what no
// rule allows, so an AWS client waits for its connect timeout; a user-space
// gate can only act once the kernel has accepted the connection, and
// resetting it at once is the local equivalent: refused, without making
// tests and developers wait.
func (g *Gate) handle(c net.Conn) {
	defer g.wg.Done()
	if !g.track(c) {
		return
	}
	defer g.untrack(c)
	src := c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
	if !g.allow(src) {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, not an orderly close
		}
		return
	}
	b, err := net.DialTimeout("tcp", g.backend, dialTimeout)
	if err != nil {
		// The engine is stopped or restarting: the client sees the
		// connection close, as it would from the engine itself.
		return
	}
	if !g.track(b) {
		return
	}
	defer g.untrack(b)
	pipe(c, b)
}

// track records a connection so that Close can end it; a connection that
// arrives once the gate is closed is closed at once.
func (g *Gate) track(c net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		_ = c.Close()
		return false
	}
	g.conns[c] = struct{}{}
	return true
}

func (g *Gate) untrack(c net.Conn) {
	g.mu.Lock()
	delete(g.conns, c)
	g.mu.Unlock()
	_ = c.Close()
}

// pipe copies both ways until both sides are done, passing a half-close
// on, as a client that shuts its side down still reads the answer.
func pipe(a, b net.Conn) {
	done := make(chan struct{})
	go func() {
		copyAndCloseWrite(b, a)
		close(done)
	}()
	copyAndCloseWrite(a, b)
	<-done
}

func copyAndCloseWrite(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if tc, ok := dst.(*net.TCPConn); ok && err == nil {
		_ = tc.CloseWrite()
		return
	}
	// An error (a reset, a closed gate) ends both directions.
	_ = dst.Close()
	_ = src.Close()
}
