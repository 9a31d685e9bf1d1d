package ec2

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// Rule is one security group rule: traffic of Protocol on ports
// FromPort-ToPort from (ingress) or to (egress) the addresses of CIDR or
// the members of Group. A permission naming several ranges or groups is
// that many rules, on EC2 and here, so each is authorized and revoked on
// its own.
type Rule struct {
	// Protocol is tcp, udp, icmp, -1 (all traffic) or another IP protocol
	// number.
	Protocol string
	// FromPort and ToPort bound the ports of tcp and udp, and are the type
	// and code of icmp (-1: any). Other protocols have no ports: -1.
	FromPort, ToPort int32
	// Exactly one of CIDR and Group is set.
	CIDR        string `json:",omitempty"`
	Group       string `json:",omitempty"`
	Description string `json:",omitempty"`
}

// allTraffic is the egress rule EC2 gives every new group.
var allTraffic = Rule{Protocol: "-1", FromPort: -1, ToPort: -1, CIDR: "0.0.0.0/0"}

// maxRules is EC2's default quota of rules per group and direction.
const maxRules = 60

// AllowsTCP reports whether the rule lets TCP traffic through to port,
// for the engines' endpoints, which are all TCP.
func (r Rule) AllowsTCP(port int) bool {
	switch r.Protocol {
	case "-1":
		return true
	case "tcp":
		return port >= int(r.FromPort) && port <= int(r.ToPort)
	}
	return false
}

// same reports whether two rules are one for EC2: the description is not
// part of a rule's identity, so neither a duplicate nor a revoke needs it.
func (r Rule) same(o Rule) bool {
	r.Description, o.Description = "", ""
	return r == o
}

func hasPorts(protocol string) bool {
	return protocol == "tcp" || protocol == "udp" || protocol == "icmp"
}

// String writes a rule as EC2 does in InvalidPermission.Duplicate.
func (r Rule) String() string {
	peer := r.CIDR
	if r.Group != "" {
		peer = r.Group
	}
	if r.Protocol == "-1" {
		return fmt.Sprintf("peer: %s, ALL, ALLOW", peer)
	}
	if !hasPorts(r.Protocol) {
		return fmt.Sprintf("peer: %s, %s, ALLOW", peer, r.Protocol)
	}
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", peer, strings.ToUpper(r.Protocol), r.FromPort, r.ToPort)
}

func references(rules []Rule, group string) bool {
	return slices.ContainsFunc(rules, func(r Rule) bool { return r.Group == group })
}

// SecurityGroupRules returns a group's ingress rules, for the services
// that enforce them on their endpoints.
func (s *Service) SecurityGroupRules(id string) (ingress []Rule, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	if !ok {
		return nil, false
	}
	return slices.Clone(g.Ingress), true
}

func (s *Service) authorizeIngress(_ context.Context, r *awsquery.Request) (any, error) {
	return s.authorize(r, false)
}

func (s *Service) authorizeEgress(_ context.Context, r *awsquery.Request) (any, error) {
	return s.authorize(r, true)
}

func (s *Service) revokeIngress(_ context.Context, r *awsquery.Request) (any, error) {
	return s.revoke(r, false)
}

func (s *Service) revokeEgress(_ context.Context, r *awsquery.Request) (any, error) {
	return s.revoke(r, true)
}

// authorize adds every rule of the request or, when one is already there,
// none.
func (s *Service) authorize(r *awsquery.Request, egress bool) (any, error) {
	err := s.editRules(r, egress, true, func(rules []Rule, add Rule) ([]Rule, error) {
		if slices.ContainsFunc(rules, add.same) {
			return nil, awsquery.Errorf(400, "InvalidPermission.Duplicate", "the specified rule %q already exists", add.String())
		}
		if len(rules) >= maxRules {
			return nil, awsquery.Errorf(400, "RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
		}
		return append(rules, add), nil
	})
	if err != nil {
		return nil, err
	}
	return returnResult{Return: true}, nil
}

// revoke removes every rule of the request or, when one is not there,
// none, as EC2 does outside a default VPC.
func (s *Service) revoke(r *awsquery.Request, egress bool) (any, error) {
	err := s.editRules(r, egress, false, func(rules []Rule, remove Rule) ([]Rule, error) {
		i := slices.IndexFunc(rules, remove.same)
		if i < 0 {
			return nil, awsquery.Errorf(400, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
		}
		return slices.Delete(rules, i, i+1), nil
	})
	if err != nil {
		return nil, err
	}
	return returnResult{Return: true}, nil
}

// editRules applies edit to a copy of the group's rules for each rule of
// the request, and keeps the result only if every edit succeeded.
// Authorizing needs the groups it names to exist; revoking does not.
func (s *Service) editRules(r *awsquery.Request, egress, authorizing bool, edit func([]Rule, Rule) ([]Rule, error)) error {
	id, err := groupIDParam(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	g, ok := s.groups[id]
	if !ok {
		s.mu.Unlock()
		return errGroupNotFound(id)
	}
	rules, err := s.permissions(r, authorizing)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	list := &g.Ingress
	if egress {
		list = &g.Egress
	}
	next := slices.Clone(*list)
	for _, rule := range rules {
		if next, err = edit(next, rule); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	*list = next
	s.mu.Unlock()
	s.save()
	return nil
}

// permissionsXML groups rules back into EC2's permissions: one per
// protocol and port range, with its ranges and groups, in the order the
// rules were added.
func (s *Service) permissionsXML(rules []Rule) set[xmlIpPermission] {
	type key struct {
		proto    string
		from, to int32
	}
	var out set[xmlIpPermission]
	index := map[key]int{}
	for _, r := range rules {
		k := key{r.Protocol, r.FromPort, r.ToPort}
		i, ok := index[k]
		if !ok {
			p := xmlIpPermission{IPProtocol: r.Protocol}
			if hasPorts(r.Protocol) {
				p.FromPort, p.ToPort = &r.FromPort, &r.ToPort
			}
			i = len(out.Items)
			index[k] = i
			out.Items = append(out.Items, p)
		}
		p := &out.Items[i]
		if r.CIDR != "" {
			p.IPRanges.Items = append(p.IPRanges.Items, xmlIPRange{CidrIP: r.CIDR, Description: r.Description})
			continue
		}
		p.Groups.Items = append(p.Groups.Items, xmlGroupPair{UserID: s.cfg.Account, GroupID: r.Group, Description: r.Description})
	}
	return out
}
