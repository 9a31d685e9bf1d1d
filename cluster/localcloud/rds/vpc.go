package rds

import (
	"net/netip"
	"slices"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gate"
)

// An instance in a DB subnet group is reachable, as on AWS, only from
// what its security groups admit: it has an address of its own in the
// group's subnet, reported as its endpoint, and a gate there in front of
// its engine asks the network at each connection (see package gate). An
// instance outside a subnet group keeps 127.0.0.1 and has no gate: AWS
// would place it in the region's default VPC, which the local cloud does
// not have, so nothing checks who connects to it.

// connect gives an instance placed in subnet group g the VPC's default
// security group if it names none, as RDS does, and an address in g's
// subnet of its zone. Without a network (a local cloud restarted without
// one) there is neither, and the instance keeps 127.0.0.1. s.mu is held.
func (s *Service) connect(in *instance, g *subnetGroup) error {
	if s.cfg.Network == nil {
		return nil
	}
	if len(in.VpcSecurityGroupIDs) == 0 {
		if id, ok := s.cfg.Network.DefaultSecurityGroup(g.VpcID); ok {
			in.VpcSecurityGroupIDs = []string{id}
		}
	}
	addr, err := s.cfg.Network.AllocateAddress(g.subnetIn(in.AvailabilityZone), key(in.ID))
	if err != nil {
		return err
	}
	in.Address = addr
	return nil
}

// claimAddresses gives the network back the addresses saved instances
// hold, before anything can ask for a new one. s.mu is held.
func (s *Service) claimAddresses() {
	if s.cfg.Network == nil {
		return
	}
	for id, in := range s.instances {
		if !in.Address.IsValid() {
			continue
		}
		if err := s.cfg.Network.ClaimAddress(in.Address, key(id)); err != nil {
			s.cfg.Logf("rds: DB instance %s: %v", id, err)
		}
	}
}

// releaseAddress frees a deleted instance's address; s.mu is held.
func (s *Service) releaseAddress(addr netip.Addr) {
	if addr.IsValid() && s.cfg.Network != nil {
		s.cfg.Network.ReleaseAddress(addr)
	}
}

// listenPort is the port of the endpoint of an instance in a subnet
// group: the port it was asked to have, else its engine's default (5432
// for PostgreSQL, 3306 for MySQL and MariaDB), as on RDS, where every
// instance has an address of its own. Security group rules name this
// port. The engine behind the gate runs on whatever port 127.0.0.1 had
// free.
func listenPort(in *instance) int32 {
	switch {
	case in.AskedPort != 0:
		return in.AskedPort
	case in.Engine == "postgres":
		return 5432
	default:
		return 3306
	}
}

// openGate puts the gate in front of an instance's running engine: on
// its address and its endpoint's port, forwarding to the engine's. s.mu
// must not be held: closing a gate waits for connections that are asking
// admits.
func (s *Service) openGate(id string) error {
	s.mu.Lock()
	in, ok := s.instances[id]
	if !ok || !in.Address.IsValid() || in.Port == 0 {
		s.mu.Unlock()
		return nil
	}
	addr, listen, backend := in.Address, int(listenPort(in)), int(in.Port)
	s.mu.Unlock()
	return s.gates.Sync(key(id), gate.Want{Addr: netip.AddrPortFrom(addr, uint16(listen)), Backend: backend, Allow: s.admits(id, listen)})
}

// admits is the gate's check, with the instance's security groups as
// they are at each connection (ModifyDBInstance may change them).
func (s *Service) admits(id string, port int) func(netip.Addr) bool {
	return func(src netip.Addr) bool {
		s.mu.Lock()
		in, ok := s.instances[id]
		var groups []string
		if ok {
			groups = slices.Clone(in.VpcSecurityGroupIDs)
		}
		s.mu.Unlock()
		// Without a network nothing can say what the rules allow, so the
		// gate stays shut rather than open to all.
		return ok && s.cfg.Network != nil && s.cfg.Network.Admits(groups, src, port)
	}
}

// stopEngine closes an instance's gate, then stops its engine; s.mu must
// not be held.
func (s *Service) stopEngine(id string) error {
	if err := s.gates.Close(key(id)); err != nil {
		s.cfg.Logf("rds: cannot close the gate of DB instance %s: %v", id, err)
	}
	return s.cfg.Engines.Stop(key(id))
}

// SecurityGroupsAt returns the security groups of the instance whose
// endpoint has address addr, so that the local cloud's EC2 can tell
// whether a connection from there comes from a member of a group a rule
// names.
func (s *Service) SecurityGroupsAt(addr netip.Addr) ([]string, bool) {
	if !addr.IsValid() {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.instances {
		if in.Address == addr {
			return slices.Clone(in.VpcSecurityGroupIDs), true
		}
	}
	return nil, false
}
