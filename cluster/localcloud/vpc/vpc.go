// Package vpc is what the local cloud's RDS and ElastiCache ask of its
// EC2 to place instances and cache groups in a VPC: the Network interface
// the ec2 service satisfies, and the look-ups both services make before
// they take their own locks.
package vpc

import "net/netip"

// Network is the part of the local cloud's VPCs a service that places
// resources uses: where a subnet is, which VPC a security group belongs
// to and which is a VPC's default, an address of its own for each
// endpoint of a resource in a subnet group, and whether its security
// groups admit a connection. Services look groups and subnets up, and ask
// Admits, without holding their own locks, so an implementation may call
// back into them from those; they allocate, claim and release addresses
// holding their locks, so those must not call back.
type Network interface {
	Subnet(id string) (vpc, zone, cidr string, ok bool)
	SecurityGroupVPC(id string) (vpc string, ok bool)
	DefaultSecurityGroup(vpc string) (id string, ok bool)
	AllocateAddress(subnetID, owner string) (netip.Addr, error)
	ClaimAddress(addr netip.Addr, owner string) error
	ReleaseAddress(addr netip.Addr)
	Admits(groups []string, src netip.Addr, port int) bool
}

// GroupVPCs is what the network said of some security groups: the VPC of
// each, "" for one it does not know. It is nil when the service has no
// network, and then security groups are not checked, as before there was
// one.
type GroupVPCs map[string]string

// SecurityGroups asks n about security groups; nil n answers nil.
func SecurityGroups(n Network, ids []string) GroupVPCs {
	if n == nil || len(ids) == 0 {
		return nil
	}
	out := GroupVPCs{}
	for _, id := range ids {
		vpc, ok := n.SecurityGroupVPC(id)
		if !ok {
			vpc = ""
		}
		out[id] = vpc
	}
	return out
}

// Subnet asks n where a subnet is; without a network no subnet exists.
func Subnet(n Network, id string) (vpc, zone string, ok bool) {
	if n == nil {
		return "", "", false
	}
	vpc, zone, _, ok = n.Subnet(id)
	return vpc, zone, ok
}
