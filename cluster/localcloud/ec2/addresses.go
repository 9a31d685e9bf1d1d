package ec2

import (
	"fmt"
	"net/netip"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// Each endpoint of a DB instance or a cache in a subnet group has an
// address of its own in one of the group's subnets, as the network
// interface RDS or ElastiCache places there has on AWS. The services keep
// their addresses in their own state, with the resource; this service
// only sees that no address is handed out twice, so the services claim
// theirs again when they load their state. None of these methods calls
// out of the service, so a service may call them holding its own lock.

// reservedLow is how many addresses at the start of a subnet AWS keeps
// (network, router, DNS, future use); it keeps the last one too.
const reservedLow = 4

// AllocateAddress hands out the lowest free address of a subnet to owner
// (a name for the logs and for conflicts), until ReleaseAddress.
func (s *Service) AllocateAddress(subnetID, owner string) (netip.Addr, error) {
	_, _, cidr, ok := s.Subnet(subnetID)
	if !ok {
		return netip.Addr{}, errSubnetNotFound(subnetID)
	}
	p := netip.MustParsePrefix(cidr)
	s.mu.Lock()
	defer s.mu.Unlock()
	a := p.Addr()
	for range reservedLow {
		a = a.Next()
	}
	for last := lastAddr(p); a.Less(last); a = a.Next() {
		if _, taken := s.addresses[a]; !taken {
			s.addresses[a] = owner
			return a, nil
		}
	}
	return netip.Addr{}, awsquery.Errorf(400, "InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", subnetID)
}

// ClaimAddress gives owner back an address it saved, when the local cloud
// starts again; an address another owner holds is refused.
func (s *Service) ClaimAddress(addr netip.Addr, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if other, taken := s.addresses[addr]; taken && other != owner {
		return fmt.Errorf("address %s of %s is %s's already", addr, owner, other)
	}
	s.addresses[addr] = owner
	return nil
}

// ReleaseAddress frees an address, once its resource is gone.
func (s *Service) ReleaseAddress(addr netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.addresses, addr)
}

// DefaultSecurityGroup returns a VPC's default group, which a resource
// placed in the VPC without security groups gets, as on AWS.
func (s *Service) DefaultSecurityGroup(vpc string) (string, bool) {
	if vpc != s.network.VPC.ID {
		return "", false
	}
	return s.network.VPC.DefaultSecurityGroup, true
}

// freeAddresses is what DescribeSubnets reports available: a subnet's
// addresses but the reserved ones and those handed out.
func (s *Service) freeAddresses(cidr string) int32 {
	p := netip.MustParsePrefix(cidr)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := addresses(cidr)
	for a := range s.addresses {
		if p.Contains(a) {
			n--
		}
	}
	return n
}

// lastAddr is an IPv4 prefix's broadcast address.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
