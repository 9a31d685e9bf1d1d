package gate

import (
	"errors"
	"io"
	"maps"
	"net/netip"
	"slices"
	"sync"
)

// Want is a gate an owner should have: listening on Addr, forwarding to
// the engine's Backend port on 127.0.0.1, admitting what Allow admits.
type Want struct {
	Addr    netip.AddrPort
	Backend int
	Allow   func(src netip.Addr) bool
}

// Opener opens one gate; Open is the real one, tests record instead.
type Opener func(addr netip.AddrPort, backendPort int, allow func(src netip.Addr) bool) (io.Closer, error)

// Set is a service's gates, by owner (a DB instance, a replication
// group), so that each service says what an owner should have and the set
// opens and closes what differs.
type Set struct {
	open Opener

	mu     sync.Mutex
	owners map[string]map[route]io.Closer
}

// route is what a gate is known by; its allow function is not compared,
// as it reads the owner's security groups when asked.
type route struct {
	addr    netip.AddrPort
	backend int
}

// NewSet returns an empty set that opens gates with open; nil means Open.
func NewSet(open Opener) *Set {
	if open == nil {
		open = func(addr netip.AddrPort, backend int, allow func(netip.Addr) bool) (io.Closer, error) {
			return Open(addr, backend, allow)
		}
	}
	return &Set{open: open, owners: map[string]map[route]io.Closer{}}
}

// Sync makes owner's gates those of want: gates no longer wanted (an
// engine on a new port, a replica gone) close first, so that an address
// can be reused at once, then missing ones open. Gates that could not
// open are reported; the others stay.
func (s *Set) Sync(owner string, want ...Want) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	have := s.owners[owner]
	if have == nil {
		have = map[route]io.Closer{}
	}
	wanted := map[route]Want{}
	for _, w := range want {
		wanted[route{w.Addr, w.Backend}] = w
	}
	var errs []error
	for _, r := range sortedRoutes(have) {
		if _, ok := wanted[r]; !ok {
			errs = append(errs, have[r].Close())
			delete(have, r)
		}
	}
	for _, r := range sortedRoutes(wanted) {
		if _, ok := have[r]; ok {
			continue
		}
		g, err := s.open(r.addr, r.backend, wanted[r].Allow)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		have[r] = g
	}
	if len(have) == 0 {
		delete(s.owners, owner)
	} else {
		s.owners[owner] = have
	}
	return errors.Join(errs...)
}

// Close closes owner's gates.
func (s *Set) Close(owner string) error { return s.Sync(owner) }

// CloseAll closes every gate, when the service stops.
func (s *Set) CloseAll() error {
	s.mu.Lock()
	owners := slices.Sorted(maps.Keys(s.owners))
	s.mu.Unlock()
	var errs []error
	for _, o := range owners {
		errs = append(errs, s.Close(o))
	}
	return errors.Join(errs...)
}

// sortedRoutes orders routes so that gates open and close in the same
// order each time, which keeps logs and tests stable.
func sortedRoutes[V any](m map[route]V) []route {
	return slices.SortedFunc(maps.Keys(m), func(a, b route) int {
		if c := a.addr.Compare(b.addr); c != 0 {
			return c
		}
		return a.backend - b.backend
	})
}
