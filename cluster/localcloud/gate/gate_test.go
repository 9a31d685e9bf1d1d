package gate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// echo is an engine stand-in on 127.0.0.1 that answers each line with
// "echo: " and the line.
func echo(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					_, _ = io.WriteString(c, "echo: "+line)
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// hello connects from src to the gate, says hello and returns the answer,
// or the error the client sees.
func hello(addr netip.AddrPort, src string) (string, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr.String())
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "hello\n"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

// outcome is what a client sees: the answer, or "closed" when the gate
// ended the connection without one.
func outcome(answer string, err error) string {
	if err != nil {
		if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "reset by peer") {
			return "closed"
		}
		return "error: " + err.Error()
	}
	return answer
}

// TestGate runs a gate on 127.0.8.8 in front of an echo server: a source
// the rules allow is forwarded, others are closed at once, and a rule
// taken back holds for the next connection while one already admitted
// keeps working.
func TestGate(t *testing.T) {
	backend := echo(t)
	var allowed atomic.Value
	allowed.Store(netip.MustParseAddr("127.0.7.7"))
	var (
		mu    sync.Mutex
		asked []netip.Addr
	)
	g, err := Open(netip.MustParseAddrPort(fmt.Sprintf("127.0.8.8:%d", backend)), backend, func(src netip.Addr) bool {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, src)
		return src == allowed.Load().(netip.Addr)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	steps := []struct {
		reason string
		src    string
		revoke bool
		want   string
	}{
		{reason: "A source the rules allow reaches the engine.", src: "127.0.7.7", want: "echo: hello"},
		{reason: "Any other source is closed at once.", src: "127.0.9.9", want: "closed"},
		{reason: "The host is a source like any other.", src: "127.0.0.1", want: "closed"},
		{reason: "Once the rule is revoked, the same source is closed too.", src: "127.0.7.7", revoke: true, want: "closed"},
	}
	for i, st := range steps {
		if st.revoke {
			allowed.Store(netip.Addr{})
		}
		if diff := cmp.Diff(st.want, outcome(hello(g.Addr(), st.src))); diff != "" {
			t.Errorf("step %d: %s\n-want +got:\n%s", i, st.reason, diff)
		}
	}
	want := []netip.Addr{netip.MustParseAddr("127.0.7.7"), netip.MustParseAddr("127.0.9.9"), netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.7.7")}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, asked, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("sources the gate asked about: -want +got:\n%s", diff)
	}
}

// TestGateKeepsAdmitted proves a connection admitted before a rule is
// revoked goes on, as security groups track connections, and that
// closing the gate ends it and frees the address.
func TestGateKeepsAdmitted(t *testing.T) {
	backend := echo(t)
	var open atomic.Bool
	open.Store(true)
	addr := netip.MustParseAddrPort(fmt.Sprintf("127.0.8.9:%d", backend))
	g, err := Open(addr, backend, func(netip.Addr) bool { return open.Load() })
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) string {
		if _, err := io.WriteString(c, line+"\n"); err != nil {
			return "closed"
		}
		got, err := r.ReadString('\n')
		return outcome(strings.TrimSpace(got), err)
	}
	if diff := cmp.Diff("echo: one", say("one")); diff != "" {
		t.Errorf("admitted: -want +got:\n%s", diff)
	}
	open.Store(false)
	if diff := cmp.Diff("echo: two", say("two")); diff != "" {
		t.Errorf("after the rule is revoked, the admitted connection: -want +got:\n%s", diff)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("closed", say("three")); diff != "" {
		t.Errorf("after Close: -want +got:\n%s", diff)
	}
	again, err := Open(addr, backend, func(netip.Addr) bool { return true })
	if err != nil {
		t.Fatalf("the address is free again after Close: %v", err)
	}
	_ = again.Close()
}

// TestSet proves Sync opens and closes only what differs, by address and
// backend port.
func TestSet(t *testing.T) {
	var log []string
	s := NewSet(func(addr netip.AddrPort, backend int, _ func(netip.Addr) bool) (io.Closer, error) {
		log = append(log, fmt.Sprintf("open %s->%d", addr, backend))
		return closer(func() error { log = append(log, fmt.Sprintf("close %s->%d", addr, backend)); return nil }), nil
	})
	w := func(addr string, backend int) Want {
		return Want{Addr: netip.MustParseAddrPort(addr), Backend: backend}
	}
	steps := []struct {
		reason string
		do     func() error
		want   []string
	}{
		{
			reason: "A new owner's gates open.",
			do:     func() error { return s.Sync("db1", w("127.0.1.4:5432", 5432), w("127.0.1.5:5432", 5432)) },
			want:   []string{"open 127.0.1.4:5432->5432", "open 127.0.1.5:5432->5432"},
		},
		{
			reason: "The same wants change nothing.",
			do:     func() error { return s.Sync("db1", w("127.0.1.5:5432", 5432), w("127.0.1.4:5432", 5432)) },
		},
		{
			reason: "A new port closes the old gate before the new one opens.",
			do:     func() error { return s.Sync("db1", w("127.0.1.4:5433", 5433), w("127.0.1.5:5432", 5432)) },
			want:   []string{"close 127.0.1.4:5432->5432", "open 127.0.1.4:5433->5433"},
		},
		{
			reason: "Other owners are left alone; CloseAll closes everything.",
			do: func() error {
				if err := s.Sync("db2", w("127.0.2.4:6379", 6379)); err != nil {
					return err
				}
				return s.CloseAll()
			},
			want: []string{"open 127.0.2.4:6379->6379", "close 127.0.1.4:5433->5433", "close 127.0.1.5:5432->5432", "close 127.0.2.4:6379->6379"},
		},
	}
	for i, st := range steps {
		log = nil
		if err := st.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if diff := cmp.Diff(st.want, log); diff != "" {
			t.Errorf("step %d: %s\n-want +got:\n%s", i, st.reason, diff)
		}
	}
}

type closer func() error

func (c closer) Close() error { return c() }
