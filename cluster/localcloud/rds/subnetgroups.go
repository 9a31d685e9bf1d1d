package rds

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// DB subnet groups place instances in a VPC: a named set of subnets of one
// VPC that covers two availability zones at least. The subnets come from
// the Network; a group records each subnet's zone and the VPC as they were
// when it was created or last modified, which is what RDS reports.

// Values RDS reports for a group and its subnets; the local cloud's never
// change.
const (
	subnetGroupComplete = "Complete"
	subnetActive        = "Active"
)

var subnetGroupNameRE = regexp.MustCompile(`^[a-z][a-z0-9._ -]*$`)

// subnetGroup is a DB subnet group as the local cloud saves it.
type subnetGroup struct {
	Name        string
	Description string
	VpcID       string
	Subnets     []subnet
	Tags        []tag `json:",omitempty"`
}

type subnet struct {
	ID   string
	Zone string
}

// zones are the availability zones the group covers, in the order of its
// subnets.
func (g *subnetGroup) zones() []string {
	var out []string
	for _, sn := range g.Subnets {
		if !slices.Contains(out, sn.Zone) {
			out = append(out, sn.Zone)
		}
	}
	return out
}

// subnetIn is the group's first subnet in zone, where an instance in the
// zone has its address; the first subnet if none is there.
func (g *subnetGroup) subnetIn(zone string) string {
	for _, sn := range g.Subnets {
		if sn.Zone == zone {
			return sn.ID
		}
	}
	return g.Subnets[0].ID
}

func errSubnetGroupNotFound(name string) error {
	return awsquery.Errorf(404, "DBSubnetGroupNotFoundFault", "DBSubnetGroup %s not found.", name)
}

// subnetGroupName lower-cases and checks a new group's name, as RDS
// stores names in lower case; "default" is RDS's own group's.
func subnetGroupName(v string) (string, error) {
	v = strings.ToLower(v)
	if v == "default" {
		return "", awsquery.InvalidParameterValue("The parameter DBSubnetGroupName must not be default.")
	}
	if len(v) > 255 || !subnetGroupNameRE.MatchString(v) {
		return "", awsquery.InvalidParameterValue("The parameter DBSubnetGroupName is not a valid identifier: it must begin with a letter and contain at most 255 letters, digits, periods, underscores, spaces or hyphens.")
	}
	return v, nil
}

// resolveSubnets looks subnets up in the network and checks that they
// make a group: all known, of one VPC, in two zones at least. s.mu must
// not be held (see Network).
func (s *Service) resolveSubnets(ids []string) (vpc string, subnets []subnet, err error) {
	if len(ids) == 0 {
		return "", nil, errInvalidSubnet("Subnet IDs are required.")
	}
	type found struct{ vpc, zone string }
	where := map[string]found{}
	var unknown []string
	for _, id := range ids {
		if _, dup := where[id]; dup || slices.Contains(unknown, id) {
			continue
		}
		v, zone, ok := s.lookupSubnet(id)
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		where[id] = found{v, zone}
		subnets = append(subnets, subnet{ID: id, Zone: zone})
	}
	if len(unknown) > 0 {
		return "", nil, errInvalidSubnet("Some input subnets in :[%s] are invalid.", strings.Join(unknown, ", "))
	}
	vpc = where[subnets[0].ID].vpc
	for _, sn := range subnets[1:] {
		if where[sn.ID].vpc != vpc {
			return "", nil, errInvalidSubnet("Subnets %s and %s are not in the same VPC.", subnets[0].ID, sn.ID)
		}
	}
	g := subnetGroup{Subnets: subnets}
	if zones := g.zones(); len(zones) < 2 {
		return "", nil, awsquery.Errorf(400, "DBSubnetGroupDoesNotCoverEnoughAZs",
			"The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: %s. Add subnets to cover at least 2 AZs.", strings.Join(zones, ", "))
	}
	return vpc, subnets, nil
}

func errInvalidSubnet(format string, args ...any) error {
	return awsquery.Errorf(400, "InvalidSubnet", format, args...)
}

func (s *Service) hasSubnetGroup(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.subnetGroups[name]
	return ok
}

func errSubnetGroupExists(name string) error {
	return awsquery.Errorf(400, "DBSubnetGroupAlreadyExists", "The DB subnet group '%s' already exists.", name)
}

// createDBSubnetGroup refuses a name in use before asking the network
// about the subnets, so that a repeated create answers AlreadyExists.
func (s *Service) createDBSubnetGroup(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("DBSubnetGroupName")
	if err != nil {
		return nil, err
	}
	name, err := subnetGroupName(raw)
	if err != nil {
		return nil, err
	}
	desc, err := r.Required("DBSubnetGroupDescription")
	if err != nil {
		return nil, err
	}
	tags, err := tagsParam(r)
	if err != nil {
		return nil, err
	}
	if s.hasSubnetGroup(name) {
		return nil, errSubnetGroupExists(name)
	}
	vpc, subnets, err := s.resolveSubnets(r.List("SubnetIds.SubnetIdentifier"))
	if err != nil {
		return nil, err
	}
	g := &subnetGroup{Name: name, Description: desc, VpcID: vpc, Subnets: subnets, Tags: tags}
	s.mu.Lock()
	if _, ok := s.subnetGroups[name]; ok {
		s.mu.Unlock()
		return nil, errSubnetGroupExists(name)
	}
	s.subnetGroups[name] = g
	out := dbSubnetGroupResult{DBSubnetGroup: s.dbSubnetGroupXML(g)}
	s.mu.Unlock()
	s.save()
	return out, nil
}

// describeDBSubnetGroups lists groups, one or all, a page at a time.
func (s *Service) describeDBSubnetGroups(_ context.Context, r *awsquery.Request) (any, error) {
	if len(r.Structs("Filters.Filter")) > 0 {
		return nil, awsquery.InvalidParameterValue("The local cloud does not support filters in DescribeDBSubnetGroups.")
	}
	raw, one := r.String("DBSubnetGroupName")
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*subnetGroup
	for _, g := range s.subnetGroups {
		if !one || g.Name == strings.ToLower(raw) {
			list = append(list, g)
		}
	}
	if one && len(list) == 0 {
		return nil, errSubnetGroupNotFound(raw)
	}
	list, next, err := page(r, list, func(g *subnetGroup) string { return g.Name })
	if err != nil {
		return nil, err
	}
	out := describeDBSubnetGroupsResult{Marker: next}
	for _, g := range list {
		out.DBSubnetGroups = append(out.DBSubnetGroups, s.dbSubnetGroupXML(g))
	}
	return out, nil
}

// modifyDBSubnetGroup replaces a group's subnets (and description). The
// group stays in its VPC, and keeps the zones its instances sit in, as RDS
// refuses to remove a subnet in use.
func (s *Service) modifyDBSubnetGroup(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("DBSubnetGroupName")
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(raw)
	if !s.hasSubnetGroup(name) {
		return nil, errSubnetGroupNotFound(raw)
	}
	vpc, subnets, err := s.resolveSubnets(r.List("SubnetIds.SubnetIdentifier"))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	g, ok := s.subnetGroups[name]
	if !ok {
		s.mu.Unlock()
		return nil, errSubnetGroupNotFound(raw)
	}
	if vpc != g.VpcID {
		s.mu.Unlock()
		return nil, awsquery.InvalidParameterValue("The new Subnets are not in the same Vpc as the existing subnet group")
	}
	next := subnetGroup{Subnets: subnets}
	if err := s.checkZonesInUse(g, next.zones()); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	g.Subnets = subnets
	if desc, ok := r.String("DBSubnetGroupDescription"); ok && desc != "" {
		g.Description = desc
	}
	out := dbSubnetGroupResult{DBSubnetGroup: s.dbSubnetGroupXML(g)}
	s.mu.Unlock()
	s.save()
	return out, nil
}

// checkZonesInUse refuses a change of subnets that leaves an instance of
// the group in a zone the group no longer covers; s.mu is held.
func (s *Service) checkZonesInUse(g *subnetGroup, zones []string) error {
	for _, id := range s.subnetGroupUsers(g.Name) {
		in := s.instances[id]
		for _, zone := range []string{in.AvailabilityZone, secondaryZone(in)} {
			if zone == "" || slices.Contains(zones, zone) {
				continue
			}
			return awsquery.Errorf(400, "SubnetAlreadyInUse", "The DB subnet is already in use in the Availability Zone %s by DB instance %s.", zone, in.ID)
		}
	}
	return nil
}

// subnetGroupUsers are the instances (until they are gone) in a group,
// sorted; s.mu is held.
func (s *Service) subnetGroupUsers(name string) []string {
	var ids []string
	for id, in := range s.instances {
		if in.SubnetGroup == name {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// deleteDBSubnetGroup refuses while an instance, even one being deleted,
// is in the group, with RDS's message.
func (s *Service) deleteDBSubnetGroup(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("DBSubnetGroupName")
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(raw)
	s.mu.Lock()
	if _, ok := s.subnetGroups[name]; !ok {
		s.mu.Unlock()
		return nil, errSubnetGroupNotFound(raw)
	}
	if users := s.subnetGroupUsers(name); len(users) > 0 {
		s.mu.Unlock()
		return nil, awsquery.Errorf(400, "InvalidDBSubnetGroupStateFault",
			"Cannot delete the subnet group '%s' because at least one database instance: %s is still using it.", name, users[0])
	}
	delete(s.subnetGroups, name)
	s.mu.Unlock()
	s.save()
	return nil, nil
}

func (s *Service) dbSubnetGroupXML(g *subnetGroup) xmlDBSubnetGroup {
	x := xmlDBSubnetGroup{
		DBSubnetGroupName:        g.Name,
		DBSubnetGroupDescription: g.Description,
		VpcId:                    g.VpcID,
		SubnetGroupStatus:        subnetGroupComplete,
		DBSubnetGroupArn:         s.arn("subgrp", g.Name),
		SupportedNetworkTypes:    []string{"IPV4"},
	}
	for _, sn := range g.Subnets {
		x.Subnets = append(x.Subnets, xmlSubnet{SubnetIdentifier: sn.ID, SubnetAvailabilityZone: xmlAvailabilityZone{Name: sn.Zone}, SubnetStatus: subnetActive})
	}
	return x
}

// instanceSubnetGroupXML is the DBSubnetGroup a DB instance reports: the
// group without its ARN, as RDS reports it; s.mu is held.
func (s *Service) instanceSubnetGroupXML(in *instance) *xmlDBSubnetGroup {
	if in.SubnetGroup == "" {
		return nil
	}
	g, ok := s.subnetGroups[in.SubnetGroup]
	if !ok {
		return &xmlDBSubnetGroup{DBSubnetGroupName: in.SubnetGroup}
	}
	x := s.dbSubnetGroupXML(g)
	x.DBSubnetGroupArn = ""
	return &x
}
