package ec2

import (
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
	a, ok := s.addresses.Allocate(netip.MustParsePrefix(cidr), reservedLow, 1, owner)
	if !ok {
		return netip.Addr{}, awsquery.Errorf(400, "InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", subnetID)
	}
	return a, nil
}

// ClaimAddress gives owner back an address it saved, when the local cloud
// starts again; an address another owner holds is refused.
func (s *Service) ClaimAddress(addr netip.Addr, owner string) error {
	return s.addresses.Claim(addr, owner)
}

// ReleaseAddress frees an address, once its resource is gone.
func (s *Service) ReleaseAddress(addr netip.Addr) { s.addresses.Release(addr) }

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
	return addresses(cidr) - int32(s.addresses.HeldIn(netip.MustParsePrefix(cidr)))
}
