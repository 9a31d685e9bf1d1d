// Package addrpool hands out the loopback addresses the local cloud's
// resources are reached at, each to one owner until it is released: the
// addresses of EC2's subnets and of Google Cloud's ranges alike. The
// services that hold addresses keep them in their own state and claim
// them again when they load it. No method calls out, so a service may
// call them holding its own lock.
package addrpool

import (
	"fmt"
	"maps"
	"net/netip"
	"sync"
)

// Pool is the addresses handed out, each with its owner, a name for the
// logs and for conflicts. Its zero value is empty and ready.
type Pool struct {
	mu   sync.Mutex
	held map[netip.Addr]string
}

// Allocate hands owner the lowest free address of the IPv4 prefix but its
// first reservedLow and last reservedHigh, which the network keeps; it
// reports false when none is free.
func (p *Pool) Allocate(prefix netip.Prefix, reservedLow, reservedHigh int, owner string) (netip.Addr, bool) {
	first, last := prefix.Masked().Addr(), broadcast(prefix)
	for range reservedLow {
		first = first.Next()
	}
	for range reservedHigh {
		last = last.Prev()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for a := first; a.IsValid() && !last.Less(a); a = a.Next() {
		if _, taken := p.held[a]; !taken {
			if p.held == nil {
				p.held = map[netip.Addr]string{}
			}
			p.held[a] = owner
			return a, true
		}
	}
	return netip.Addr{}, false
}

// Claim gives owner back an address it saved; one another owner holds is
// refused.
func (p *Pool) Claim(addr netip.Addr, owner string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if other, taken := p.held[addr]; taken && other != owner {
		return fmt.Errorf("address %s of %s is %s's already", addr, owner, other)
	}
	if p.held == nil {
		p.held = map[netip.Addr]string{}
	}
	p.held[addr] = owner
	return nil
}

// Release frees an address once its resource is gone; the zero address
// (a resource that had none) is ignored.
func (p *Pool) Release(addr netip.Addr) {
	if !addr.IsValid() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.held, addr)
}

// HeldIn is how many addresses of prefix are handed out.
func (p *Pool) HeldIn(prefix netip.Prefix) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for a := range p.held {
		if prefix.Contains(a) {
			n++
		}
	}
	return n
}

// Held is every address handed out, with its owner.
func (p *Pool) Held() map[netip.Addr]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.held)
}

// broadcast is an IPv4 prefix's last address.
func broadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
