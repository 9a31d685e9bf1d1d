package ec2

import (
	"context"
	"net/netip"
	"slices"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// The pre-made network's fixed parts. The ids are valid EC2 ids (17 hex
// digits) that read "10ca1" (local), so they are the same in every local
// cloud and can be written in examples and compositions.
const (
	VPCID                  = "vpc-010ca100000000001"
	DefaultSecurityGroupID = "sg-010ca100000000001"
	// TierTag tells a platform team's compositions private subnets
	// ("private") from public ones ("public"), by a tag:appinfra.io/tier
	// filter, as they would tell them apart in a real account.
	TierTag = "appinfra.io/tier"
)

// Network is the local cloud's one VPC and its subnets. Every address in
// the local cloud is a loopback address, so the VPC is 127.0.0.0/16 and
// its subnets are /24s in it.
type Network struct {
	VPC     VPC
	Subnets []Subnet
}

// VPC is the pre-made VPC.
type VPC struct {
	ID, CIDR, Name string
	// DefaultSecurityGroup is the group every VPC has, named "default".
	DefaultSecurityGroup string
}

// Subnet is one pre-made subnet.
type Subnet struct {
	ID, CIDR, Name string
	// Zone is the availability zone: the region and a letter.
	Zone string
	// Tier is the value of TierTag: "private" or "public".
	Tier string
	// Public subnets map a public address on launch, as public subnets of
	// a real VPC are configured to.
	Public bool
}

// Layout returns the network of a local cloud in region: private subnets
// 127.0.1.0/24 and 127.0.2.0/24 and public subnets 127.0.101.0/24 and
// 127.0.102.0/24, in zones a and b.
func Layout(region string) Network {
	subnet := func(id, cidr, tier, zone string) Subnet {
		return Subnet{
			ID: id, CIDR: cidr, Zone: region + zone, Tier: tier, Public: tier == "public",
			Name: "appinfra-local-" + tier + "-" + zone,
		}
	}
	return Network{
		VPC: VPC{ID: VPCID, CIDR: "127.0.0.0/16", Name: "appinfra-local", DefaultSecurityGroup: DefaultSecurityGroupID},
		Subnets: []Subnet{
			subnet("subnet-010ca100000000011", "127.0.1.0/24", "private", "a"),
			subnet("subnet-010ca100000000012", "127.0.2.0/24", "private", "b"),
			subnet("subnet-010ca100000000021", "127.0.101.0/24", "public", "a"),
			subnet("subnet-010ca100000000022", "127.0.102.0/24", "public", "b"),
		},
	}
}

// Subnet returns the VPC, availability zone and CIDR of a subnet, for the
// services that place resources in subnet groups.
func (s *Service) Subnet(id string) (vpc, zone, cidr string, ok bool) {
	for _, sn := range s.network.Subnets {
		if sn.ID == id {
			return s.network.VPC.ID, sn.Zone, sn.CIDR, true
		}
	}
	return "", "", "", false
}

func (s *Service) describeVpcs(_ context.Context, r *awsquery.Request) (any, error) {
	fs, err := filters(r, "vpc-id", "cidr", "cidr-block", "state", "is-default", "owner-id")
	if err != nil {
		return nil, err
	}
	v := s.network.VPC
	for _, id := range r.List("VpcId") {
		if id != v.ID {
			return nil, errVpcNotFound(id)
		}
	}
	out := describeVpcsResult{}
	attrs := map[string][]string{"vpc-id": {v.ID}, "cidr": {v.CIDR}, "cidr-block": {v.CIDR}, "state": {"available"}, "is-default": {"false"}, "owner-id": {s.cfg.Account}}
	if matches(fs, attrs, vpcTags(v)) {
		out.Vpcs.Items = append(out.Vpcs.Items, s.vpcXML(v))
	}
	return out, nil
}

func (s *Service) describeSubnets(_ context.Context, r *awsquery.Request) (any, error) {
	fs, err := filters(r, "subnet-id", "vpc-id", "availability-zone", "cidr-block", "cidr", "state",
		"default-for-az", "map-public-ip-on-launch", "owner-id")
	if err != nil {
		return nil, err
	}
	ids := r.List("SubnetId")
	for _, id := range ids {
		if _, _, _, ok := s.Subnet(id); !ok {
			return nil, errSubnetNotFound(id)
		}
	}
	out := describeSubnetsResult{}
	for _, sn := range s.network.Subnets {
		if len(ids) > 0 && !slices.Contains(ids, sn.ID) {
			continue
		}
		attrs := map[string][]string{
			"subnet-id": {sn.ID}, "vpc-id": {s.network.VPC.ID}, "availability-zone": {sn.Zone},
			"cidr-block": {sn.CIDR}, "cidr": {sn.CIDR}, "state": {"available"}, "default-for-az": {"false"},
			"map-public-ip-on-launch": {boolString(sn.Public)}, "owner-id": {s.cfg.Account},
		}
		if matches(fs, attrs, subnetTags(sn)) {
			out.Subnets.Items = append(out.Subnets.Items, s.subnetXML(sn))
		}
	}
	return out, nil
}

func vpcTags(v VPC) []tag { return []tag{{"Name", v.Name}} }

func subnetTags(sn Subnet) []tag { return []tag{{"Name", sn.Name}, {TierTag, sn.Tier}} }

func (s *Service) vpcXML(v VPC) xmlVpc {
	return xmlVpc{
		VpcID: v.ID, OwnerID: s.cfg.Account, State: "available", CidrBlock: v.CIDR,
		CidrBlockAssociations: set[xmlCidrAssociation]{Items: []xmlCidrAssociation{{
			AssociationID: "vpc-cidr-assoc-010ca100000000001", CidrBlock: v.CIDR, State: xmlState{State: "associated"},
		}}},
		DhcpOptionsID: "default", InstanceTenancy: "default", Tags: tagsXML(vpcTags(v)),
	}
}

func (s *Service) subnetXML(sn Subnet) xmlSubnet {
	return xmlSubnet{
		SubnetID: sn.ID, SubnetArn: s.arn("subnet", sn.ID), OwnerID: s.cfg.Account, State: "available",
		VpcID: s.network.VPC.ID, CidrBlock: sn.CIDR, AvailabilityZone: sn.Zone,
		AvailableIPAddressCount: s.freeAddresses(sn.CIDR), MapPublicIPOnLaunch: sn.Public, Tags: tagsXML(subnetTags(sn)),
	}
}

// addresses is what EC2 reports free in an empty subnet: every address
// but the five it reserves.
func addresses(cidr string) int32 {
	p := netip.MustParsePrefix(cidr)
	return int32(1)<<(32-p.Bits()) - 5
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
