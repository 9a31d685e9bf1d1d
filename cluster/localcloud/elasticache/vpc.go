package elasticache

import (
	"net/netip"
	"slices"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gate"
)

// A replication group in a cache subnet group is reachable, as on AWS,
// only from what its security groups admit: its primary endpoint, its
// reader endpoint and each node have an address of their own in the
// subnet group's subnet, reported in their endpoints, and a gate there in
// front of the node behind each asks the network at each connection (see
// package gate). A group outside a subnet group keeps 127.0.0.1 and has
// no gate: AWS would place it in the region's default VPC, which the
// local cloud does not have, so nothing checks who connects to it.

// endpointAddr is one of a group's endpoint addresses and who holds it,
// for the network's logs and for claims after a restart.
type endpointAddr struct {
	owner string
	addr  *netip.Addr
}

func endpointAddrs(g *group) []endpointAddr {
	out := []endpointAddr{{key(g.ID) + "/primary", &g.PrimaryAddress}, {key(g.ID) + "/reader", &g.ReaderAddress}}
	for _, m := range g.Members {
		out = append(out, endpointAddr{nodeKey(m.ID), &m.Address})
	}
	return out
}

// addresses are the group's endpoint addresses, for its certificate.
func addresses(g *group) []netip.Addr {
	var out []netip.Addr
	for _, e := range endpointAddrs(g) {
		if e.addr.IsValid() {
			out = append(out, *e.addr)
		}
	}
	return out
}

// connect gives a group placed in subnet group sg the VPC's default
// security group if it names none, as ElastiCache does, and its endpoints
// their addresses. Without a network (a local cloud restarted without
// one) there is neither, and the group keeps 127.0.0.1. s.mu is held.
func (s *Service) connect(g *group, sg *subnetGroup) error {
	if s.cfg.Network == nil {
		return nil
	}
	if len(g.SecurityGroupIDs) == 0 {
		if id, ok := s.cfg.Network.DefaultSecurityGroup(sg.VpcID); ok {
			g.SecurityGroupIDs = []string{id}
		}
	}
	return s.allocate(g, sg)
}

// allocate gives every endpoint of g without an address one in sg's
// subnet of the group's zone; if one cannot be had, those it gave are
// taken back. s.mu is held.
func (s *Service) allocate(g *group, sg *subnetGroup) error {
	subnet := sg.subnetIn(g.AvailabilityZone)
	var given []*netip.Addr
	for _, e := range endpointAddrs(g) {
		if e.addr.IsValid() {
			continue
		}
		a, err := s.cfg.Network.AllocateAddress(subnet, e.owner)
		if err != nil {
			for _, p := range given {
				s.cfg.Network.ReleaseAddress(*p)
				*p = netip.Addr{}
			}
			return err
		}
		*e.addr = a
		given = append(given, e.addr)
	}
	return nil
}

// allocateMembers gives new members of a group in a VPC their addresses;
// s.mu is held.
func (s *Service) allocateMembers(g *group) error {
	sg, ok := s.subnetGroups[g.SubnetGroup]
	if !ok || !g.PrimaryAddress.IsValid() || s.cfg.Network == nil {
		return nil
	}
	return s.allocate(g, sg)
}

// claimAddresses gives the network back the addresses saved groups hold,
// before anything can ask for a new one. s.mu is held.
func (s *Service) claimAddresses() {
	if s.cfg.Network == nil {
		return
	}
	for _, g := range s.groups {
		for _, e := range endpointAddrs(g) {
			if !e.addr.IsValid() {
				continue
			}
			if err := s.cfg.Network.ClaimAddress(*e.addr, e.owner); err != nil {
				s.cfg.Logf("elasticache: replication group %s: %v", g.ID, err)
			}
		}
	}
}

// releaseAddress frees an address no endpoint has any more; s.mu is held.
func (s *Service) releaseAddress(addr netip.Addr) {
	if addr.IsValid() && s.cfg.Network != nil {
		s.cfg.Network.ReleaseAddress(addr)
	}
}

// releaseAddresses frees all of a group's addresses; s.mu is held.
func (s *Service) releaseAddresses(g *group) {
	for _, a := range addresses(g) {
		s.releaseAddress(a)
	}
}

// defaultPort is ElastiCache's port for Redis and Valkey.
const defaultPort = 6379

// listenPort is the port of the endpoints of a group in a subnet group:
// the group's port, else ElastiCache's default, the same on every
// address, as on AWS. Security group rules name this port. The nodes
// behind the gates run on whatever ports 127.0.0.1 had free.
func listenPort(g *group) int32 {
	if g.Port != 0 {
		return g.Port
	}
	return defaultPort
}

// syncGates makes a group's gates follow its nodes: the primary and
// reader addresses forward to the nodes in those roles, each node's
// address to that node, listening on the group's port and forwarding to
// the node's. Nodes being removed have
// none. It runs after each node starts and before nodes go. s.mu must not
// be held: closing a gate waits for connections that are asking admits.
func (s *Service) syncGates(id string) error {
	s.mu.Lock()
	g, ok := s.groups[id]
	var want []gate.Want
	add := func(addr netip.Addr, m *member) {
		if !addr.IsValid() || m.Port == 0 || m.Removing {
			return
		}
		listen := int(listenPort(g))
		want = append(want, gate.Want{Addr: netip.AddrPortFrom(addr, uint16(listen)), Backend: int(m.Port), Allow: s.admits(id, listen)})
	}
	if ok {
		add(g.PrimaryAddress, g.primary())
		add(g.ReaderAddress, reader(g))
		for _, m := range g.Members {
			add(m.Address, m)
		}
	}
	s.mu.Unlock()
	return s.gates.Sync(key(id), want...)
}

// closeGates closes a group's gates before its nodes stop for good.
func (s *Service) closeGates(id string) {
	if err := s.gates.Close(key(id)); err != nil {
		s.cfg.Logf("elasticache: cannot close the gates of replication group %s: %v", id, err)
	}
}

// admits is a gate's check, with the group's security groups as they are
// at each connection (ModifyReplicationGroup may change them).
func (s *Service) admits(id string, port int) func(netip.Addr) bool {
	return func(src netip.Addr) bool {
		s.mu.Lock()
		g, ok := s.groups[id]
		var groups []string
		if ok {
			groups = slices.Clone(g.SecurityGroupIDs)
		}
		s.mu.Unlock()
		// Without a network nothing can say what the rules allow, so the
		// gate stays shut rather than open to all.
		return ok && s.cfg.Network != nil && s.cfg.Network.Admits(groups, src, port)
	}
}

// SecurityGroupsAt returns the security groups of the replication group
// one of whose endpoints has address addr, so that the local cloud's EC2
// can tell whether a connection from there comes from a member of a
// group a rule names.
func (s *Service) SecurityGroupsAt(addr netip.Addr) ([]string, bool) {
	if !addr.IsValid() {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		if slices.Contains(addresses(g), addr) {
			return slices.Clone(g.SecurityGroupIDs), true
		}
	}
	return nil, false
}
