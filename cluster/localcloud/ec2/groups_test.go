package ec2

import (
	"regexp"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

const allEgress = "-1 *-* [0.0.0.0/0] []"

func TestCreateSecurityGroup(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), nil)
	out, err := c.CreateSecurityGroup(ctx, &awsec2.CreateSecurityGroupInput{
		GroupName:   aws.String("orders-db"),
		Description: aws.String("Orders database (5432)"),
		VpcId:       aws.String(VPCID),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeSecurityGroup, Tags: tags("team", "payments", "Name", "orders"),
		}},
	})
	if err != nil {
		t.Fatalf("CreateSecurityGroup: %v", err)
	}
	id := aws.ToString(out.GroupId)
	if !regexp.MustCompile(`^sg-[0-9a-f]{17}$`).MatchString(id) {
		t.Errorf("GroupId: want sg- and 17 hex digits, got %q", id)
	}
	created := struct{ ARN, Tags string }{aws.ToString(out.SecurityGroupArn), tagString(out.Tags)}
	if diff := cmp.Diff(struct{ ARN, Tags string }{"arn:aws:ec2:us-east-1:000000000000:security-group/" + id, "Name=orders,team=payments"}, created); diff != "" {
		t.Errorf("CreateSecurityGroup output: -want +got:\n%s", diff)
	}
	want := groupView{
		ID: id, Name: "orders-db", Description: "Orders database (5432)", VPC: VPCID, Owner: account,
		ARN: "arn:aws:ec2:us-east-1:000000000000:security-group/" + id,
		// EC2 gives a new group one rule: all traffic out.
		Egress: []string{allEgress},
		Tags:   "Name=orders,team=payments",
	}
	if diff := cmp.Diff(want, describeGroup(t, c, id)); diff != "" {
		t.Errorf("DescribeSecurityGroups: -want +got:\n%s", diff)
	}
}

func TestDefaultGroup(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), nil)
	want := groupView{
		ID: DefaultSecurityGroupID, Name: "default", Description: "default VPC security group", VPC: VPCID, Owner: account,
		ARN:     "arn:aws:ec2:us-east-1:000000000000:security-group/" + DefaultSecurityGroupID,
		Ingress: []string{"-1 *-* [] [000000000000/" + DefaultSecurityGroupID + "]"},
		Egress:  []string{allEgress},
	}
	if diff := cmp.Diff(want, describeGroup(t, c, DefaultSecurityGroupID)); diff != "" {
		t.Errorf("the VPC's default group: -want +got:\n%s", diff)
	}
}

func TestDescribeSecurityGroups(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), nil)
	web := createGroup(t, c, "web", tags("team", "shop")...)
	db := createGroup(t, c, "db", tags("team", "payments", "tier", "data")...)
	names := map[string]string{web: "web", db: "db", DefaultSecurityGroupID: "default"}
	cases := map[string]struct {
		reason string
		in     *awsec2.DescribeSecurityGroupsInput
		want   []string
	}{
		"All":         {reason: "Every group, the default one included.", in: &awsec2.DescribeSecurityGroupsInput{}, want: []string{"db", "default", "web"}},
		"ByIDs":       {reason: "Groups are found by GroupId.N.", in: &awsec2.DescribeSecurityGroupsInput{GroupIds: []string{web, db}}, want: []string{"db", "web"}},
		"ByGroupID":   {reason: "The group-id filter matches ids.", in: &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{byFilter("group-id", web)}}, want: []string{"web"}},
		"ByGroupName": {reason: "The group-name filter is how a group is found by name outside a default VPC.", in: &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{byFilter("group-name", "db")}}, want: []string{"db"}},
		"ByVpcAndName": {reason: "vpc-id and group-name together, as controllers look groups up.",
			in: &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{byFilter("vpc-id", VPCID), byFilter("group-name", "web", "default")}}, want: []string{"default", "web"}},
		"ByTag":      {reason: "A tag:<key> filter matches values.", in: &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{byFilter("tag:team", "payments", "shop")}}, want: []string{"db", "web"}},
		"ByTagKey":   {reason: "The tag-key filter matches keys.", in: &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{byFilter("tag-key", "tier")}}, want: []string{"db"}},
		"ByWildcard": {reason: "Filter values take wildcards.", in: &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{byFilter("group-name", "d*")}}, want: []string{"db", "default"}},
		"NoMatch":    {reason: "Nothing matched answers an empty set.", in: &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{byFilter("vpc-id", "vpc-0123456789abcdef0")}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := c.DescribeSecurityGroups(ctx, tc.in)
			if err != nil {
				t.Fatalf("DescribeSecurityGroups: %v", err)
			}
			var got []string
			for _, g := range out.SecurityGroups {
				got = append(got, names[aws.ToString(g.GroupId)])
			}
			sort.Strings(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDeleteSecurityGroup(t *testing.T) {
	used := map[string]bool{}
	_, c := newTestService(t, t.TempDir(), func(id string) (string, bool) { return "rds db1", used[id] })
	cases := map[string]struct {
		reason   string
		setup    func(t *testing.T) string
		wantCode string
	}{
		"Unused": {
			reason: "An unused group is deleted.",
			setup:  func(t *testing.T) string { return createGroup(t, c, "unused") },
		},
		"SelfReferencing": {
			reason: "A group whose own rules name it is still deletable.",
			setup: func(t *testing.T) string {
				id := createGroup(t, c, "self")
				authorizeIngress(t, c, id, fromGroups(tcp(5432, 5432), id))
				return id
			},
		},
		"ReferencingOthers": {
			reason: "A group's rules naming other groups do not keep it.",
			setup: func(t *testing.T) string {
				id := createGroup(t, c, "client-of-default")
				authorizeIngress(t, c, id, fromGroups(tcp(5432, 5432), DefaultSecurityGroupID))
				return id
			},
		},
		"ReferencedByAnotherGroup": {
			reason: "A group another group's rule names is DependencyViolation.",
			setup: func(t *testing.T) string {
				id, app := createGroup(t, c, "db"), createGroup(t, c, "app")
				authorizeIngress(t, c, app, fromGroups(tcp(80, 80), id))
				return id
			},
			wantCode: "DependencyViolation",
		},
		"UsedByAnotherService": {
			reason: "A group InUse reports is DependencyViolation.",
			setup: func(t *testing.T) string {
				id := createGroup(t, c, "used")
				used[id] = true
				return id
			},
			wantCode: "DependencyViolation",
		},
		"Default": {
			reason:   "The VPC's default group is CannotDelete.",
			setup:    func(*testing.T) string { return DefaultSecurityGroupID },
			wantCode: "CannotDelete",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			id := tc.setup(t)
			out, err := c.DeleteSecurityGroup(ctx, &awsec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
			code, _, _ := apiError(err)
			if err != nil && code == "" {
				t.Fatalf("DeleteSecurityGroup: %v", err)
			}
			if diff := cmp.Diff(tc.wantCode, code); diff != "" {
				t.Fatalf("%s\n-want +got:\n%s", tc.reason, diff)
			}
			_, err = c.DescribeSecurityGroups(ctx, &awsec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
			described, _, _ := apiError(err)
			wantDescribed := "InvalidGroup.NotFound"
			if tc.wantCode != "" {
				wantDescribed = ""
			} else if diff := cmp.Diff(id, aws.ToString(out.GroupId)); diff != "" {
				t.Errorf("DeleteSecurityGroup GroupId: -want +got:\n%s", diff)
			}
			if diff := cmp.Diff(wantDescribed, described); diff != "" {
				t.Errorf("%s: describing the group afterwards: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
