package elasticache

import (
	"net/netip"
	"slices"
	"sort"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// Network is the part of the local cloud's VPCs that ElastiCache uses:
// where a subnet is, which VPC a security group belongs to and which is a
// VPC's default, addresses of their own for a group's endpoints in a
// cache subnet group, and whether its security groups admit a
// connection. The local cloud's EC2 satisfies it. ElastiCache looks
// groups and subnets up, and asks Admits, without holding its own lock,
// so an implementation may call SecurityGroupUser and SecurityGroupsAt
// from those; it allocates, claims and releases addresses holding it, so
// those must not call back into ElastiCache.
type Network interface {
	Subnet(id string) (vpc, zone, cidr string, ok bool)
	SecurityGroupVPC(id string) (vpc string, ok bool)
	DefaultSecurityGroup(vpc string) (id string, ok bool)
	AllocateAddress(subnetID, owner string) (netip.Addr, error)
	ClaimAddress(addr netip.Addr, owner string) error
	ReleaseAddress(addr netip.Addr)
	Admits(groups []string, src netip.Addr, port int) bool
}

// groupVPCs is what the network said of some security groups: the VPC of
// each, "" for one it does not know. It is nil when the service has no
// network, and then security groups are not checked, as before there was
// one.
type groupVPCs map[string]string

// lookupSecurityGroups asks the network about security groups; s.mu must
// not be held (see Network).
func (s *Service) lookupSecurityGroups(ids []string) groupVPCs {
	if s.cfg.Network == nil || len(ids) == 0 {
		return nil
	}
	out := groupVPCs{}
	for _, id := range ids {
		vpc, ok := s.cfg.Network.SecurityGroupVPC(id)
		if !ok {
			vpc = ""
		}
		out[id] = vpc
	}
	return out
}

// lookupSubnet asks the network where a subnet is; s.mu must not be held.
// Without a network no subnet exists.
func (s *Service) lookupSubnet(id string) (vpc, zone string, ok bool) {
	if s.cfg.Network == nil {
		return "", "", false
	}
	vpc, zone, _, ok = s.cfg.Network.Subnet(id)
	return vpc, zone, ok
}

// checkSecurityGroups applies ElastiCache's rules to a replication group's
// security groups, given what the network said of them: each must exist
// and, for a group in a cache subnet group, be in that group's VPC.
func checkSecurityGroups(ids []string, vpcs groupVPCs, sg *subnetGroup) error {
	if vpcs == nil {
		return nil
	}
	for _, id := range ids {
		vpc := vpcs[id]
		if vpc == "" {
			return awsquery.InvalidParameterValue("The security group %s does not exist.", id)
		}
		if sg != nil && vpc != sg.VpcID {
			return awsquery.InvalidParameterCombination("Subnet group [%s] belongs to a different VPC [%s] than [%s]", sg.Name, sg.VpcID, vpc)
		}
	}
	return nil
}

// place puts a new replication group in its cache subnet group, if it
// names one: the subnet group must exist, the security groups must be in
// its VPC, and the nodes sit in the subnet group's first zone. It gets
// the VPC's default security group if it names none, and its endpoints
// their addresses. s.mu is held.
func (s *Service) place(g *group, vpcs groupVPCs) error {
	var sg *subnetGroup
	if g.SubnetGroup != "" {
		var ok bool
		if sg, ok = s.subnetGroups[g.SubnetGroup]; !ok {
			return errSubnetGroupNotFound(g.SubnetGroup)
		}
	}
	if err := checkSecurityGroups(g.SecurityGroupIDs, vpcs, sg); err != nil {
		return err
	}
	if sg == nil {
		return nil
	}
	g.AvailabilityZone = sg.Subnets[0].Zone
	return s.connect(g, sg)
}

// SecurityGroupUser returns the id of a replication group that lists
// security group groupID, so that the local cloud's EC2 can refuse to
// delete a group in use, as EC2 refuses while a cache node's network
// interface has it. A replication group being deleted uses its security
// groups until it is gone. The first by id is returned, so the answer is
// stable.
func (s *Service) SecurityGroupUser(groupID string) (user string, used bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, g := range s.groups {
		if slices.Contains(g.SecurityGroupIDs, groupID) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", false
	}
	sort.Strings(ids)
	return ids[0], true
}
