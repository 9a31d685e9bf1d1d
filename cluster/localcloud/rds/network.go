package rds

import (
	"slices"
	"sort"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/vpc"
)

// Network is the local cloud's EC2, as RDS uses it (see package vpc).
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

// checkSecurityGroups applies RDS's rules to the security groups of an
// instance, given what the network said of them: each must exist and, for
// an instance in a subnet group, be in the group's VPC. The codes and
// messages are those RDS answers.
func checkSecurityGroups(ids []string, vpcs groupVPCs, g *subnetGroup) error {
	if vpcs == nil {
		return nil
	}
	for _, id := range ids {
		inVPC := vpcs[id]
		if inVPC == "" {
			return awsquery.InvalidParameterValue("Invalid security group , groupId= %s, groupName=.", id)
		}
		if g != nil && inVPC != g.VpcID {
			return awsquery.InvalidParameterCombination("The DB instance and EC2 security group are in different VPCs. The DB instance is in %s and the EC2 security group is in %s", g.VpcID, inVPC)
		}
	}
	return nil
}

// place puts a new instance in its subnet group, if it names one: the
// group must exist, the security groups must be in its VPC, and the
// instance sits in a zone the group covers: the zone asked for, or the
// group's first. It gets the VPC's default security group if it has
// none, and an address in the group's subnet of its zone. s.mu is held.
func (s *Service) place(in *instance, zone string, vpcs groupVPCs) error {
	var g *subnetGroup
	if in.SubnetGroup != "" {
		var ok bool
		if g, ok = s.subnetGroups[in.SubnetGroup]; !ok {
			return errSubnetGroupNotFound(in.SubnetGroup)
		}
	}
	if err := checkSecurityGroups(in.VpcSecurityGroupIDs, vpcs, g); err != nil {
		return err
	}
	if g == nil {
		return nil
	}
	zones := g.zones()
	switch {
	case zone == "":
		in.AvailabilityZone = zones[0]
	case !slices.Contains(zones, zone):
		return awsquery.InvalidParameterCombination("Cannot create a database instance because there is not a subnet in %s, the targeted availability zone, in DB subnet group %s.", zone, g.Name)
	}
	return s.connect(in, g)
}

// SecurityGroupUser returns the identifier of a DB instance that lists
// security group groupID, so that the local cloud's EC2 can refuse to
// delete a group in use, as EC2 refuses while an RDS instance's network
// interface has it. An instance being deleted uses its groups until it is
// gone. The first instance by identifier is returned, so the answer is
// stable.
func (s *Service) SecurityGroupUser(groupID string) (user string, used bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.instances))
	for id, in := range s.instances {
		if slices.Contains(in.VpcSecurityGroupIDs, groupID) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", false
	}
	sort.Strings(ids)
	return ids[0], true
}
