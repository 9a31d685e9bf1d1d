package ec2

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sort"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// group is a security group as the local cloud saves it.
type group struct {
	ID          string
	Name        string
	Description string
	VPC         string
	Ingress     []Rule
	Egress      []Rule
	Tags        []tag `json:",omitempty"`
}

// defaultGroup is the group EC2 gives every VPC: members reach each other,
// and everything may leave.
func defaultGroup(vpc VPC) *group {
	return &group{
		ID: vpc.DefaultSecurityGroup, Name: "default", Description: "default VPC security group", VPC: vpc.ID,
		Ingress: []Rule{{Protocol: "-1", FromPort: -1, ToPort: -1, Group: vpc.DefaultSecurityGroup}},
		Egress:  []Rule{allTraffic},
	}
}

// SecurityGroupVPC returns the VPC of a security group, for the services
// that check the groups a resource is given.
func (s *Service) SecurityGroupVPC(id string) (vpc string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	if !ok {
		return "", false
	}
	return g.VPC, true
}

func (s *Service) createSecurityGroup(_ context.Context, r *awsquery.Request) (any, error) {
	name, err := r.Required("GroupName")
	if err != nil {
		return nil, err
	}
	desc, err := r.Required("GroupDescription")
	if err != nil {
		return nil, err
	}
	if err := validName("GroupName", name); err != nil {
		return nil, err
	}
	if strings.HasPrefix(name, "sg-") {
		return nil, invalidParameterValue("Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", name)
	}
	if err := validName("GroupDescription", desc); err != nil {
		return nil, err
	}
	vpc, _ := r.String("VpcId")
	if vpc == "" {
		return nil, errNoDefaultVPC("")
	}
	if vpc != s.network.VPC.ID {
		return nil, errVpcNotFound(vpc)
	}
	tags, err := tagSpecifications(r, "security-group")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	for _, g := range s.groups {
		// Names are unique in a VPC whatever their case, as on EC2.
		if g.VPC == vpc && strings.EqualFold(g.Name, name) {
			s.mu.Unlock()
			return nil, awsquery.Errorf(400, "InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, vpc)
		}
	}
	g := &group{ID: s.newGroupID(), Name: name, Description: desc, VPC: vpc, Egress: []Rule{allTraffic}, Tags: tags}
	s.groups[g.ID] = g
	s.mu.Unlock()
	s.save()
	return createSecurityGroupResult{Return: true, GroupID: g.ID, Arn: s.arn("security-group", g.ID), Tags: tagsXML(tags)}, nil
}

// validName checks a group name or description against EC2's rule for
// groups in a VPC: up to 255 characters of a-z, A-Z, 0-9, spaces and
// ._-:/()#,@[]+=&;{}!$*.
func validName(param, v string) error {
	const allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*"
	if len(v) > 255 {
		return invalidParameterValue("Value for parameter %s is invalid: it is longer than 255 characters.", param)
	}
	if strings.Trim(v, allowed) != "" {
		return invalidParameterValue("Value (%s) for parameter %s is invalid. Valid characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*", v, param)
	}
	return nil
}

// newGroupID returns an unused id in EC2's shape: sg- and 17 hex digits.
// s.mu is held.
func (s *Service) newGroupID() string {
	for {
		var b [9]byte
		_, _ = rand.Read(b[:])
		id := "sg-" + hex.EncodeToString(b[:])[:17]
		if _, taken := s.groups[id]; !taken {
			return id
		}
	}
}

// groupIDParam reads GroupId: outside a default VPC, a group is named only
// by its id.
func groupIDParam(r *awsquery.Request) (string, error) {
	id, _ := r.String("GroupId")
	if id != "" {
		return id, checkGroupID(id)
	}
	if name, _ := r.String("GroupName"); name != "" {
		return "", errNoDefaultVPC(". GroupName is only supported for EC2-Classic and default VPC.")
	}
	return "", awsquery.MissingParameter("GroupId")
}

// checkGroupID refuses what cannot be a group id, with EC2's code for it,
// before looking it up.
func checkGroupID(id string) error {
	digits, ok := strings.CutPrefix(id, "sg-")
	if !ok || (len(digits) != 8 && len(digits) != 17) || strings.Trim(digits, "0123456789abcdef") != "" {
		return awsquery.Errorf(400, "InvalidGroupId.Malformed", `Invalid id: "%s" (expecting "sg-...")`, id)
	}
	return nil
}

func (s *Service) describeSecurityGroups(_ context.Context, r *awsquery.Request) (any, error) {
	fs, err := filters(r, "group-id", "group-name", "vpc-id", "description", "owner-id")
	if err != nil {
		return nil, err
	}
	if len(r.List("GroupName")) > 0 {
		return nil, errNoDefaultVPC("")
	}
	ids := r.List("GroupId")
	for _, id := range ids {
		if err := checkGroupID(id); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.groups[id]; !ok {
			return nil, errGroupNotFound(id)
		}
	}
	out := describeSecurityGroupsResult{}
	for _, g := range s.sortedGroups() {
		if len(ids) > 0 && !slices.Contains(ids, g.ID) {
			continue
		}
		attrs := map[string][]string{"group-id": {g.ID}, "group-name": {g.Name}, "vpc-id": {g.VPC}, "description": {g.Description}, "owner-id": {s.cfg.Account}}
		if matches(fs, attrs, g.Tags) {
			out.Groups.Items = append(out.Groups.Items, s.groupXML(g))
		}
	}
	return out, nil
}

// sortedGroups returns the groups by id, so that answers do not change
// from one call to the next; s.mu is held.
func (s *Service) sortedGroups() []*group {
	out := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Service) groupXML(g *group) xmlSecurityGroup {
	return xmlSecurityGroup{
		OwnerID: s.cfg.Account, GroupID: g.ID, GroupName: g.Name, Description: g.Description, VpcID: g.VPC,
		Arn: s.arn("security-group", g.ID), Ingress: s.permissionsXML(g.Ingress), Egress: s.permissionsXML(g.Egress),
		Tags: tagsXML(g.Tags),
	}
}

func (s *Service) deleteSecurityGroup(_ context.Context, r *awsquery.Request) (any, error) {
	id, err := groupIDParam(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	err = s.deletable(id)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	// Asked without s.mu: the service answering may ask this one back.
	if s.cfg.InUse != nil {
		if user, used := s.cfg.InUse(id); used {
			s.cfg.Logf("ec2: %s cannot be deleted: %s uses it", id, user)
			return nil, errDependency(id)
		}
	}
	s.mu.Lock()
	if err := s.deletable(id); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	delete(s.groups, id)
	s.mu.Unlock()
	s.save()
	return deleteSecurityGroupResult{Return: true, GroupID: id}, nil
}

// deletable says why a group cannot be deleted, if it cannot; s.mu is
// held. A group's rules that name itself do not keep it.
func (s *Service) deletable(id string) error {
	g, ok := s.groups[id]
	if !ok {
		return errGroupNotFound(id)
	}
	if g.ID == s.network.VPC.DefaultSecurityGroup {
		return awsquery.Errorf(400, "CannotDelete", `the specified group: "%s" name: "%s" cannot be deleted by a user`, g.ID, g.Name)
	}
	for _, other := range s.groups {
		if other.ID != id && (references(other.Ingress, id) || references(other.Egress, id)) {
			return errDependency(id)
		}
	}
	return nil
}

func errDependency(id string) error {
	return awsquery.Errorf(400, "DependencyViolation", "resource %s has a dependent object", id)
}
