package elasticache

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// Cache subnet groups place replication groups in a VPC: a named set of
// subnets of one VPC. Unlike a DB subnet group, one subnet (one zone) is
// enough. The subnets come from the Network; a group records each
// subnet's zone and the VPC as they were when it was created or last
// modified, which is what ElastiCache reports.

var subnetGroupNameRE = regexp.MustCompile(`^[a-z0-9-]+$`)

// subnetGroup is a cache subnet group as the local cloud saves it.
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

// subnetIn is the group's first subnet in zone, where a replication
// group's endpoints have their addresses; the first subnet if none is
// there.
func (sg *subnetGroup) subnetIn(zone string) string {
	for _, sn := range sg.Subnets {
		if sn.Zone == zone {
			return sn.ID
		}
	}
	return sg.Subnets[0].ID
}

func errSubnetGroupNotFound(name string) error {
	return awsquery.Errorf(400, "CacheSubnetGroupNotFoundFault", "Cache subnet group %s not found.", name)
}

func errSubnetGroupExists(name string) error {
	return awsquery.Errorf(400, "CacheSubnetGroupAlreadyExists", "Cache subnet group %s already exists.", name)
}

func errInvalidSubnet(format string, args ...any) error {
	return awsquery.Errorf(400, "InvalidSubnet", format, args...)
}

// subnetGroupName lower-cases and checks a new group's name, as
// ElastiCache stores names in lower case; "default" is ElastiCache's own
// group's.
func subnetGroupName(v string) (string, error) {
	v = strings.ToLower(v)
	if v == "default" {
		return "", awsquery.InvalidParameterValue("The parameter CacheSubnetGroupName must not be default.")
	}
	if len(v) > 255 || !subnetGroupNameRE.MatchString(v) {
		return "", awsquery.InvalidParameterValue("The parameter CacheSubnetGroupName is not valid: it must contain at most 255 letters, digits or hyphens.")
	}
	return v, nil
}

// resolveSubnets looks subnets up in the network and checks that they
// make a group: all known and of one VPC. s.mu must not be held (see
// Network).
func (s *Service) resolveSubnets(ids []string) (vpc string, subnets []subnet, err error) {
	if len(ids) == 0 {
		return "", nil, errInvalidSubnet("Subnet IDs are required.")
	}
	vpcs := map[string]string{}
	var unknown []string
	for _, id := range ids {
		if _, dup := vpcs[id]; dup || slices.Contains(unknown, id) {
			continue
		}
		v, zone, ok := s.lookupSubnet(id)
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		vpcs[id] = v
		subnets = append(subnets, subnet{ID: id, Zone: zone})
	}
	if len(unknown) > 0 {
		return "", nil, errInvalidSubnet("Some input subnets in :[%s] are invalid.", strings.Join(unknown, ", "))
	}
	vpc = vpcs[subnets[0].ID]
	for _, sn := range subnets[1:] {
		if vpcs[sn.ID] != vpc {
			return "", nil, errInvalidSubnet("Subnets %s and %s are not in the same VPC.", subnets[0].ID, sn.ID)
		}
	}
	return vpc, subnets, nil
}

func (s *Service) hasSubnetGroup(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.subnetGroups[name]
	return ok
}

// createCacheSubnetGroup refuses a name in use before asking the network
// about the subnets, so that a repeated create answers AlreadyExists.
func (s *Service) createCacheSubnetGroup(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("CacheSubnetGroupName")
	if err != nil {
		return nil, err
	}
	name, err := subnetGroupName(raw)
	if err != nil {
		return nil, err
	}
	desc, err := r.Required("CacheSubnetGroupDescription")
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
	sg := &subnetGroup{Name: name, Description: desc, VpcID: vpc, Subnets: subnets, Tags: tags}
	s.mu.Lock()
	if _, ok := s.subnetGroups[name]; ok {
		s.mu.Unlock()
		return nil, errSubnetGroupExists(name)
	}
	s.subnetGroups[name] = sg
	out := cacheSubnetGroupResult{CacheSubnetGroup: s.cacheSubnetGroupXML(sg)}
	s.mu.Unlock()
	s.save()
	return out, nil
}

// describeCacheSubnetGroups lists groups, one or all, a page at a time.
func (s *Service) describeCacheSubnetGroups(_ context.Context, r *awsquery.Request) (any, error) {
	raw, one := r.String("CacheSubnetGroupName")
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*subnetGroup
	for _, sg := range s.subnetGroups {
		if !one || sg.Name == strings.ToLower(raw) {
			list = append(list, sg)
		}
	}
	if one && len(list) == 0 {
		return nil, errSubnetGroupNotFound(raw)
	}
	list, next, err := page(r, 100, list, func(sg *subnetGroup) string { return sg.Name })
	if err != nil {
		return nil, err
	}
	out := describeCacheSubnetGroupsResult{Marker: next}
	for _, sg := range list {
		out.CacheSubnetGroups = append(out.CacheSubnetGroups, s.cacheSubnetGroupXML(sg))
	}
	return out, nil
}

// modifyCacheSubnetGroup changes a group's description or subnets (both
// optional, as on ElastiCache). The group stays in its VPC.
func (s *Service) modifyCacheSubnetGroup(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("CacheSubnetGroupName")
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(raw)
	if !s.hasSubnetGroup(name) {
		return nil, errSubnetGroupNotFound(raw)
	}
	var vpc string
	var subnets []subnet
	ids := r.List("SubnetIds.SubnetIdentifier")
	if len(ids) > 0 {
		if vpc, subnets, err = s.resolveSubnets(ids); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	sg, ok := s.subnetGroups[name]
	if !ok {
		s.mu.Unlock()
		return nil, errSubnetGroupNotFound(raw)
	}
	if subnets != nil {
		if vpc != sg.VpcID {
			s.mu.Unlock()
			return nil, errInvalidSubnet("The new subnets are in %s, not in the subnet group's VPC %s.", vpc, sg.VpcID)
		}
		sg.Subnets = subnets
	}
	if desc, ok := r.String("CacheSubnetGroupDescription"); ok && desc != "" {
		sg.Description = desc
	}
	out := cacheSubnetGroupResult{CacheSubnetGroup: s.cacheSubnetGroupXML(sg)}
	s.mu.Unlock()
	s.save()
	return out, nil
}

// deleteCacheSubnetGroup refuses while a replication group, even one
// being deleted, is in the subnet group.
func (s *Service) deleteCacheSubnetGroup(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("CacheSubnetGroupName")
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(raw)
	s.mu.Lock()
	if _, ok := s.subnetGroups[name]; !ok {
		s.mu.Unlock()
		return nil, errSubnetGroupNotFound(raw)
	}
	if user, ok := s.subnetGroupUser(name); ok {
		s.mu.Unlock()
		return nil, awsquery.Errorf(400, "CacheSubnetGroupInUse", "Cache subnet group %s is currently in use by a cache cluster: replication group %s.", name, user)
	}
	delete(s.subnetGroups, name)
	s.mu.Unlock()
	s.save()
	return nil, nil
}

// subnetGroupUser returns the first replication group, by id, in a cache
// subnet group; s.mu is held.
func (s *Service) subnetGroupUser(name string) (string, bool) {
	var ids []string
	for id, g := range s.groups {
		if g.SubnetGroup == name {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", false
	}
	slices.Sort(ids)
	return ids[0], true
}

func (s *Service) cacheSubnetGroupXML(sg *subnetGroup) xmlCacheSubnetGroup {
	x := xmlCacheSubnetGroup{
		CacheSubnetGroupName:        sg.Name,
		CacheSubnetGroupDescription: sg.Description,
		VpcId:                       sg.VpcID,
		ARN:                         s.arn("subnetgroup", sg.Name),
		SupportedNetworkTypes:       []string{"ipv4"},
	}
	for _, sn := range sg.Subnets {
		x.Subnets = append(x.Subnets, xmlSubnet{SubnetIdentifier: sn.ID, SubnetAvailabilityZone: xmlAvailabilityZone{Name: sn.Zone}, SupportedNetworkTypes: []string{"ipv4"}})
	}
	return x
}
