package elasticache

import (
	"slices"
	"sort"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/vpc"
)

// Network is the local cloud's EC2, as ElastiCache uses it (see package vpc).
type Network = vpc.Network

// groupVPCs is what the network said of some security groups.
type groupVPCs = vpc.GroupVPCs

// lookupSecurityGroups asks the network about security groups; s.mu must
// not be held (see vpc.Network).
func (s *Service) lookupSecurityGroups(ids []string) groupVPCs {
	return vpc.SecurityGroups(s.cfg.Network, ids)
}

// lookupSubnet asks the network where a subnet is; s.mu must not be held.
func (s *Service) lookupSubnet(id string) (vpcID, zone string, ok bool) {
	return vpc.Subnet(s.cfg.Network, id)
}

// checkSecurityGroups applies ElastiCache's rules to a replication group's
// security groups, given what the network said of them: each must exist
// and, for a group in a cache subnet group, be in that group's VPC.
func checkSecurityGroups(ids []string, vpcs groupVPCs, sg *subnetGroup) error {
	if vpcs == nil {
		return nil
	}
	for _, id := range ids {
		inVPC := vpcs[id]
		if inVPC == "" {
			return awsquery.InvalidParameterValue("The security group %s does not exist.", id)
		}
		if sg != nil && inVPC != sg.VpcID {
			return awsquery.InvalidParameterCombination("Subnet group [%s] belongs to a different VPC [%s] than [%s]", sg.Name, sg.VpcID, inVPC)
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
