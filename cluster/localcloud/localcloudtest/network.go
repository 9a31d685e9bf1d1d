package localcloudtest

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sync"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// Addresses hands out subnet addresses as the local cloud's EC2 does,
// from each subnet's fifth address on, for the services' fake networks.
type Addresses struct {
	// CIDR returns a subnet's range.
	CIDR func(subnetID string) string

	mu   sync.Mutex
	held map[netip.Addr]string
}

func (a *Addresses) AllocateAddress(subnetID, owner string) (netip.Addr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.held == nil {
		a.held = map[netip.Addr]string{}
	}
	p := netip.MustParsePrefix(a.CIDR(subnetID))
	for addr := p.Addr().Next().Next().Next().Next(); p.Contains(addr); addr = addr.Next() {
		if _, taken := a.held[addr]; !taken {
			a.held[addr] = owner
			return addr, nil
		}
	}
	return netip.Addr{}, awsquery.Errorf(400, "InsufficientFreeAddressesInSubnet", "subnet %s is full", subnetID)
}

func (a *Addresses) ClaimAddress(addr netip.Addr, owner string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.held == nil {
		a.held = map[netip.Addr]string{}
	}
	a.held[addr] = owner
	return nil
}

func (a *Addresses) ReleaseAddress(addr netip.Addr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.held, addr)
}

// Held is every address handed out, with its owner.
func (a *Addresses) Held() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]string{}
	for addr, owner := range a.held {
		out[addr.String()] = owner
	}
	return out
}

// Gates records the gates a service opens and closes, and keeps the
// check of each open one, so that the services' tests open no socket.
type Gates struct {
	mu   sync.Mutex
	log  []string
	open map[netip.AddrPort]openGate
}

type openGate struct {
	backend int
	allow   func(netip.Addr) bool
}

// Open is a gate.Opener.
func (g *Gates) Open(addr netip.AddrPort, backend int, allow func(netip.Addr) bool) (io.Closer, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open == nil {
		g.open = map[netip.AddrPort]openGate{}
	}
	g.log = append(g.log, fmt.Sprintf("open %s->%d", addr, backend))
	g.open[addr] = openGate{backend, allow}
	return closerFunc(func() error {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.log = append(g.log, fmt.Sprintf("close %s->%d", addr, backend))
		delete(g.open, addr)
		return nil
	}), nil
}

// Take returns what was opened and closed since the last Take.
func (g *Gates) Take() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.log
	g.log = nil
	return out
}

// Listening is every open gate, as "address->backend port", sorted.
func (g *Gates) Listening() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for addr, open := range g.open {
		out = append(out, fmt.Sprintf("%s->%d", addr, open.backend))
	}
	slices.Sort(out)
	return out
}

// Admits asks the gate open on addr about src: "admitted", "refused", or
// "no gate".
func (g *Gates) Admits(addr, src string) string {
	g.mu.Lock()
	open, ok := g.open[netip.MustParseAddrPort(addr)]
	g.mu.Unlock()
	switch {
	case !ok:
		return "no gate"
	case open.allow(netip.MustParseAddr(src)):
		return "admitted"
	}
	return "refused"
}

type closerFunc func() error

func (c closerFunc) Close() error { return c() }
