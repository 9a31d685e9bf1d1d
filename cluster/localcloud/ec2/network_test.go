package ec2

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

const (
	privateA = "subnet-010ca100000000011"
	privateB = "subnet-010ca100000000012"
	publicA  = "subnet-010ca100000000021"
	publicB  = "subnet-010ca100000000022"
)

func TestDescribeVpcs(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), nil)
	vpc := "vpc-010ca100000000001 127.0.0.0/16 available default=false owner=000000000000 assoc=127.0.0.0/16:associated Name=appinfra-local"
	cases := map[string]struct {
		reason string
		in     *awsec2.DescribeVpcsInput
		want   []string
	}{
		"All":          {reason: "The local cloud has one VPC.", in: &awsec2.DescribeVpcsInput{}, want: []string{vpc}},
		"ByID":         {reason: "The VPC is found by its id.", in: &awsec2.DescribeVpcsInput{VpcIds: []string{VPCID}}, want: []string{vpc}},
		"ByVpcID":      {reason: "The vpc-id filter matches it.", in: &awsec2.DescribeVpcsInput{Filters: []types.Filter{byFilter("vpc-id", "vpc-other", VPCID)}}, want: []string{vpc}},
		"ByTag":        {reason: "A tag:<key> filter matches its Name.", in: &awsec2.DescribeVpcsInput{Filters: []types.Filter{byFilter("tag:Name", "appinfra-local")}}, want: []string{vpc}},
		"ByWildcard":   {reason: "Filter values take EC2's wildcards, across the slash of a CIDR.", in: &awsec2.DescribeVpcsInput{Filters: []types.Filter{byFilter("cidr-block", "127.0.*")}}, want: []string{vpc}},
		"NoMatch":      {reason: "A filter that matches nothing answers an empty set.", in: &awsec2.DescribeVpcsInput{Filters: []types.Filter{byFilter("tag:Name", "other")}}},
		"AllFiltersOn": {reason: "Filters are ANDed.", in: &awsec2.DescribeVpcsInput{Filters: []types.Filter{byFilter("vpc-id", VPCID), byFilter("tag-key", "nope")}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := c.DescribeVpcs(ctx, tc.in)
			if err != nil {
				t.Fatalf("DescribeVpcs: %v", err)
			}
			var got []string
			for _, v := range out.Vpcs {
				a := v.CidrBlockAssociationSet[0]
				got = append(got, fmt.Sprintf("%s %s %s default=%t owner=%s assoc=%s:%s %s", aws.ToString(v.VpcId), aws.ToString(v.CidrBlock),
					v.State, aws.ToBool(v.IsDefault), aws.ToString(v.OwnerId), aws.ToString(a.CidrBlock), a.CidrBlockState.State, tagString(v.Tags)))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDescribeSubnets(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), nil)
	view := func(id, cidr, zone, tier string, public bool) string {
		name := "appinfra-local-" + tier + "-" + zone[len(zone)-1:]
		return fmt.Sprintf("%s %s %s %s public=%t free=251 available arn:aws:ec2:us-east-1:000000000000:subnet/%s Name=%s,appinfra.io/tier=%s",
			id, VPCID, cidr, zone, public, id, name, tier)
	}
	pa := view(privateA, "127.0.1.0/24", "us-east-1a", "private", false)
	pb := view(privateB, "127.0.2.0/24", "us-east-1b", "private", false)
	ua := view(publicA, "127.0.101.0/24", "us-east-1a", "public", true)
	ub := view(publicB, "127.0.102.0/24", "us-east-1b", "public", true)
	cases := map[string]struct {
		reason string
		in     *awsec2.DescribeSubnetsInput
		want   []string
	}{
		"All":       {reason: "The VPC has two private and two public subnets.", in: &awsec2.DescribeSubnetsInput{}, want: []string{pa, pb, ua, ub}},
		"ByID":      {reason: "Subnets are found by id, in the layout's order.", in: &awsec2.DescribeSubnetsInput{SubnetIds: []string{publicB, privateA}}, want: []string{pa, ub}},
		"ByVpcID":   {reason: "The vpc-id filter finds the VPC's subnets.", in: &awsec2.DescribeSubnetsInput{Filters: []types.Filter{byFilter("vpc-id", VPCID)}}, want: []string{pa, pb, ua, ub}},
		"BySubnet":  {reason: "The subnet-id filter matches ids.", in: &awsec2.DescribeSubnetsInput{Filters: []types.Filter{byFilter("subnet-id", privateB)}}, want: []string{pb}},
		"ByTier":    {reason: "The tier tag tells private subnets from public ones.", in: &awsec2.DescribeSubnetsInput{Filters: []types.Filter{byFilter("tag:"+TierTag, "private")}}, want: []string{pa, pb}},
		"ByZone":    {reason: "The availability-zone filter matches zones.", in: &awsec2.DescribeSubnetsInput{Filters: []types.Filter{byFilter("availability-zone", "us-east-1b")}}, want: []string{pb, ub}},
		"Combined":  {reason: "Filters are ANDed, values ORed.", in: &awsec2.DescribeSubnetsInput{Filters: []types.Filter{byFilter("tag:"+TierTag, "public"), byFilter("availability-zone", "us-east-1a", "us-east-1c")}}, want: []string{ua}},
		"IDsFilter": {reason: "Ids and filters both apply.", in: &awsec2.DescribeSubnetsInput{SubnetIds: []string{privateA, publicA}, Filters: []types.Filter{byFilter("map-public-ip-on-launch", "true")}}, want: []string{ua}},
		"NoMatch":   {reason: "Nothing matched answers an empty set.", in: &awsec2.DescribeSubnetsInput{Filters: []types.Filter{byFilter("vpc-id", "vpc-0123456789abcdef0")}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := c.DescribeSubnets(ctx, tc.in)
			if err != nil {
				t.Fatalf("DescribeSubnets: %v", err)
			}
			var got []string
			for _, s := range out.Subnets {
				got = append(got, fmt.Sprintf("%s %s %s %s public=%t free=%d %s %s %s", aws.ToString(s.SubnetId), aws.ToString(s.VpcId), aws.ToString(s.CidrBlock),
					aws.ToString(s.AvailabilityZone), aws.ToBool(s.MapPublicIpOnLaunch), aws.ToInt32(s.AvailableIpAddressCount), s.State,
					aws.ToString(s.SubnetArn), tagString(s.Tags)))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLayout(t *testing.T) {
	type subnet struct{ ID, CIDR, Zone, Tier string }
	var got []subnet
	n := Layout("eu-west-1")
	for _, s := range n.Subnets {
		got = append(got, subnet{s.ID, s.CIDR, s.Zone, s.Tier})
	}
	want := []subnet{
		{privateA, "127.0.1.0/24", "eu-west-1a", "private"},
		{privateB, "127.0.2.0/24", "eu-west-1b", "private"},
		{publicA, "127.0.101.0/24", "eu-west-1a", "public"},
		{publicB, "127.0.102.0/24", "eu-west-1b", "public"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Layout: -want +got:\n%s", diff)
	}
}

func TestLookups(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), nil)
	sg := createGroup(t, c, "db")
	type lookup struct {
		VPC, Zone, CIDR string
		OK              bool
	}
	cases := map[string]struct {
		reason string
		got    func() lookup
		want   lookup
	}{
		"Subnet":        {reason: "A subnet's VPC, zone and CIDR.", got: func() lookup { v, z, c, ok := s.Subnet(publicB); return lookup{v, z, c, ok} }, want: lookup{VPCID, "us-east-1b", "127.0.102.0/24", true}},
		"UnknownSubnet": {reason: "An unknown subnet is not ok.", got: func() lookup { v, z, c, ok := s.Subnet("subnet-nope"); return lookup{v, z, c, ok} }},
		"Group":         {reason: "A group's VPC.", got: func() lookup { v, ok := s.SecurityGroupVPC(sg); return lookup{VPC: v, OK: ok} }, want: lookup{VPC: VPCID, OK: true}},
		"DefaultGroup":  {reason: "The default group is a group too.", got: func() lookup { v, ok := s.SecurityGroupVPC(DefaultSecurityGroupID); return lookup{VPC: v, OK: ok} }, want: lookup{VPC: VPCID, OK: true}},
		"UnknownGroup":  {reason: "An unknown group is not ok.", got: func() lookup { v, ok := s.SecurityGroupVPC("sg-0123456789abcdef0"); return lookup{VPC: v, OK: ok} }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got()); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
