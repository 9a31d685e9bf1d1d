package localcloudtest

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sync"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/addrpool"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// Addresses hands out subnet addresses as the local cloud's EC2 does,
// from each subnet's fifth address on, for the services' fake networks.
type Addresses struct {
	// CIDR returns a subnet's range.
	CIDR func(subnetID string) string

	pool addrpool.Pool
}

func (a *Addresses) AllocateAddress(subnetID, owner string) (netip.Addr, error) {
	addr, ok := a.pool.Allocate(netip.MustParsePrefix(a.CIDR(subnetID)), 4, 1, owner)
	if !ok {
		return netip.Addr{}, awsquery.Errorf(400, "InsufficientFreeAddressesInSubnet", "subnet %s is full", subnetID)
	}
	return addr, nil
}

func (a *Addresses) ClaimAddress(addr netip.Addr, owner string) error {
	return a.pool.Claim(addr, owner)
}

func (a *Addresses) ReleaseAddress(addr netip.Addr) { a.pool.Release(addr) }

// Held is every address handed out, with its owner.
func (a *Addresses) Held() map[string]string {
	out := map[string]string{}
	for addr, owner := range a.pool.Held() {
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
