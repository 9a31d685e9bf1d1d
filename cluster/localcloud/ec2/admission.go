package ec2

import (
	"net/netip"
	"slices"
)

// Admits reports whether the ingress rules of a resource's security
// groups let a TCP connection from src reach port, as AWS decides for a
// database or a cache in a VPC: some rule allowing TCP on the port names
// a CIDR that contains src, or a source group that the endpoint at src is
// a member of (see Config.Members). Rules are read at each call, so a
// change holds for the next connection. A resource with no groups admits
// nothing; the services give one placed without groups its VPC's default
// group, which admits its own members only.
func (s *Service) Admits(groups []string, src netip.Addr, port int) bool {
	src = src.Unmap()
	var memberOf []string
	asked := false
	for _, id := range groups {
		rules, _ := s.SecurityGroupRules(id)
		for _, r := range rules {
			if !r.AllowsTCP(port) {
				continue
			}
			if r.CIDR != "" {
				if p, err := netip.ParsePrefix(r.CIDR); err == nil && p.Contains(src) {
					return true
				}
				continue
			}
			// Asked once and only when a rule names a group: the answer
			// comes from the other services' state.
			if !asked {
				memberOf, asked = s.members(src), true
			}
			if slices.Contains(memberOf, r.Group) {
				return true
			}
		}
	}
	return false
}

// members asks which groups the endpoint at src is in; without s.mu, as
// the services that answer take their own locks.
func (s *Service) members(src netip.Addr) []string {
	if s.cfg.Members == nil {
		return nil
	}
	return s.cfg.Members(src)
}
