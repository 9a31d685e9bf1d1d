package rds

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"
)

const privateARN = "arn:aws:rds:us-east-1:000000000000:subgrp:private"

func subnetGroupInput(name string, subnets ...string) *awsrds.CreateDBSubnetGroupInput {
	return &awsrds.CreateDBSubnetGroupInput{DBSubnetGroupName: aws.String(name), DBSubnetGroupDescription: aws.String("test group"), SubnetIds: subnets}
}

// groupView is the part of a DBSubnetGroup the tests compare; a subnet is
// id@zone:status.
type groupView struct {
	Name, Description, VPC, Status, ARN string
	Subnets                             []string
}

func groupViewOf(g *types.DBSubnetGroup) groupView {
	if g == nil {
		return groupView{}
	}
	v := groupView{
		Name:        aws.ToString(g.DBSubnetGroupName),
		Description: aws.ToString(g.DBSubnetGroupDescription),
		VPC:         aws.ToString(g.VpcId),
		Status:      aws.ToString(g.SubnetGroupStatus),
		ARN:         aws.ToString(g.DBSubnetGroupArn),
	}
	for _, sn := range g.Subnets {
		zone := ""
		if sn.SubnetAvailabilityZone != nil {
			zone = aws.ToString(sn.SubnetAvailabilityZone.Name)
		}
		v.Subnets = append(v.Subnets, fmt.Sprintf("%s@%s:%s", aws.ToString(sn.SubnetIdentifier), zone, aws.ToString(sn.SubnetStatus)))
	}
	return v
}

func TestSubnetGroupLifecycle(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), withNetwork(newFakeNetwork()))
	ctx := context.Background()
	in := subnetGroupInput("Private", "subnet-a", "subnet-b")
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}
	out, err := c.CreateDBSubnetGroup(ctx, in)
	if err != nil {
		t.Fatalf("CreateDBSubnetGroup: %v", err)
	}
	want := groupView{Name: "private", Description: "test group", VPC: "vpc-1", Status: "Complete", ARN: privateARN,
		Subnets: []string{"subnet-a@us-east-1a:Active", "subnet-b@us-east-1b:Active"}}
	if diff := cmp.Diff(want, groupViewOf(out.DBSubnetGroup)); diff != "" {
		t.Errorf("CreateDBSubnetGroup: -want +got:\n%s", diff)
	}
	described, err := c.DescribeDBSubnetGroups(ctx, &awsrds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String("PRIVATE")})
	if err != nil {
		t.Fatalf("DescribeDBSubnetGroups: %v", err)
	}
	if len(described.DBSubnetGroups) != 1 {
		t.Fatalf("DescribeDBSubnetGroups returned %d groups, want 1", len(described.DBSubnetGroups))
	}
	if diff := cmp.Diff(want, groupViewOf(&described.DBSubnetGroups[0])); diff != "" {
		t.Errorf("DescribeDBSubnetGroups: -want +got:\n%s", diff)
	}

	modified, err := c.ModifyDBSubnetGroup(ctx, &awsrds.ModifyDBSubnetGroupInput{DBSubnetGroupName: aws.String("private"),
		DBSubnetGroupDescription: aws.String("three zones"), SubnetIds: []string{"subnet-a2", "subnet-b", "subnet-c"}})
	if err != nil {
		t.Fatalf("ModifyDBSubnetGroup: %v", err)
	}
	want.Description = "three zones"
	want.Subnets = []string{"subnet-a2@us-east-1a:Active", "subnet-b@us-east-1b:Active", "subnet-c@us-east-1c:Active"}
	if diff := cmp.Diff(want, groupViewOf(modified.DBSubnetGroup)); diff != "" {
		t.Errorf("ModifyDBSubnetGroup: -want +got:\n%s", diff)
	}

	arn := aws.String(privateARN)
	if _, err := c.AddTagsToResource(ctx, &awsrds.AddTagsToResourceInput{ResourceName: arn, Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String("data")}}}); err != nil {
		t.Fatalf("AddTagsToResource: %v", err)
	}
	if _, err := c.RemoveTagsFromResource(ctx, &awsrds.RemoveTagsFromResourceInput{ResourceName: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatalf("RemoveTagsFromResource: %v", err)
	}
	tags, err := c.ListTagsForResource(ctx, &awsrds.ListTagsForResourceInput{ResourceName: arn})
	if err != nil {
		t.Fatalf("ListTagsForResource: %v", err)
	}
	if diff := cmp.Diff("tier=data", tagString(tags.TagList)); diff != "" {
		t.Errorf("ListTagsForResource: -want +got:\n%s", diff)
	}

	if _, err := c.DeleteDBSubnetGroup(ctx, &awsrds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String("Private")}); err != nil {
		t.Fatalf("DeleteDBSubnetGroup: %v", err)
	}
	_, err = c.DescribeDBSubnetGroups(ctx, &awsrds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String("private")})
	if !as[*types.DBSubnetGroupNotFoundFault](err) {
		t.Errorf("DescribeDBSubnetGroups after delete: want DBSubnetGroupNotFoundFault, got %v", err)
	}
}

func TestSubnetGroupPages(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), withNetwork(newFakeNetwork()))
	ctx := context.Background()
	var want []string
	for i := range 21 {
		name := fmt.Sprintf("group-%02d", i)
		want = append(want, name)
		if _, err := c.CreateDBSubnetGroup(ctx, subnetGroupInput(name, "subnet-a", "subnet-b")); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	pages := 0
	p := awsrds.NewDescribeDBSubnetGroupsPaginator(c, &awsrds.DescribeDBSubnetGroupsInput{MaxRecords: aws.Int32(20)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range out.DBSubnetGroups {
			got = append(got, aws.ToString(g.DBSubnetGroupName))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paginated names: -want +got:\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("pages: want 2, got %d", pages)
	}
}

func TestInstanceInSubnetGroup(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), withNetwork(newFakeNetwork()))
	ctx := context.Background()
	if _, err := c.CreateDBSubnetGroup(ctx, subnetGroupInput("private", "subnet-b", "subnet-a")); err != nil {
		t.Fatal(err)
	}
	in := createInput("db1")
	in.DBSubnetGroupName, in.VpcSecurityGroupIds, in.MultiAZ = aws.String("Private"), []string{"sg-1"}, aws.Bool(true)
	out, err := c.CreateDBInstance(ctx, in)
	if err != nil {
		t.Fatalf("CreateDBInstance: %v", err)
	}
	// The instance reports its group without the ARN, and sits in the
	// group's first zone.
	wantGroup := groupView{Name: "private", Description: "test group", VPC: "vpc-1", Status: "Complete",
		Subnets: []string{"subnet-b@us-east-1b:Active", "subnet-a@us-east-1a:Active"}}
	if diff := cmp.Diff(wantGroup, groupViewOf(out.DBInstance.DBSubnetGroup)); diff != "" {
		t.Errorf("CreateDBInstance DBSubnetGroup: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff("us-east-1b", aws.ToString(out.DBInstance.AvailabilityZone)); diff != "" {
		t.Errorf("AvailabilityZone: -want +got:\n%s", diff)
	}
	observe(t, c, "db1", "available")
	if diff := cmp.Diff(wantGroup, groupViewOf(describe(t, c, "db1").DBSubnetGroup)); diff != "" {
		t.Errorf("DescribeDBInstances DBSubnetGroup: -want +got:\n%s", diff)
	}

	// A failover moves the instance to the group's other zone.
	if _, err := c.RebootDBInstance(ctx, &awsrds.RebootDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), ForceFailover: aws.Bool(true)}); err != nil {
		t.Fatalf("RebootDBInstance: %v", err)
	}
	observe(t, c, "db1", "available")
	db := describe(t, c, "db1")
	if diff := cmp.Diff("us-east-1a/us-east-1b", aws.ToString(db.AvailabilityZone)+"/"+aws.ToString(db.SecondaryAvailabilityZone)); diff != "" {
		t.Errorf("zones after failover: -want +got:\n%s", diff)
	}

	type use struct {
		User string
		Used bool
	}
	users := func() []use {
		var out []use
		for _, sg := range []string{"sg-1", "sg-2"} {
			u, ok := s.SecurityGroupUser(sg)
			out = append(out, use{u, ok})
		}
		return out
	}
	if diff := cmp.Diff([]use{{"db1", true}, {"", false}}, users()); diff != "" {
		t.Errorf("SecurityGroupUser(sg-1, sg-2): -want +got:\n%s", diff)
	}
	if _, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), VpcSecurityGroupIds: []string{"sg-2"}}); err != nil {
		t.Fatalf("ModifyDBInstance: %v", err)
	}
	if diff := cmp.Diff([]use{{"", false}, {"db1", true}}, users()); diff != "" {
		t.Errorf("SecurityGroupUser after the modify: -want +got:\n%s", diff)
	}

	// The group is in use until the instance is gone, even while it is
	// being deleted.
	if _, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
		t.Fatalf("DeleteDBInstance: %v", err)
	}
	observe(t, c, "db1", "")
	if _, ok := s.SecurityGroupUser("sg-2"); ok {
		t.Errorf("SecurityGroupUser(sg-2): a deleted instance still uses it")
	}
	if _, err := c.DeleteDBSubnetGroup(ctx, &awsrds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String("private")}); err != nil {
		t.Errorf("DeleteDBSubnetGroup once the instance is gone: %v", err)
	}
}

func TestSecurityGroupsWithoutNetwork(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines())
	in := createInput("db1")
	in.VpcSecurityGroupIds = []string{"sg-anything"}
	if _, err := c.CreateDBInstance(context.Background(), in); err != nil {
		t.Fatalf("CreateDBInstance: without a network, security groups are not checked: %v", err)
	}
	observe(t, c, "db1", "available")
}

func TestSubnetGroupsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	eng := newFakeEngines()
	s, c := newTestService(t, dir, 0, eng, withNetwork(newFakeNetwork()))
	ctx := context.Background()
	in := subnetGroupInput("private", "subnet-a", "subnet-b")
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}
	if _, err := c.CreateDBSubnetGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	db := createInput("db1")
	db.DBSubnetGroupName = aws.String("private")
	if _, err := c.CreateDBInstance(ctx, db); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "db1", "available")
	s.Close()
	_ = eng.Stop(key("db1"))

	// Restarted without a network: what was saved is reported as it was.
	_, c = newTestService(t, dir, 0, eng)
	out, err := c.DescribeDBSubnetGroups(ctx, &awsrds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String("private")})
	if err != nil {
		t.Fatalf("DescribeDBSubnetGroups after restart: %v", err)
	}
	want := groupView{Name: "private", Description: "test group", VPC: "vpc-1", Status: "Complete", ARN: privateARN,
		Subnets: []string{"subnet-a@us-east-1a:Active", "subnet-b@us-east-1b:Active"}}
	if diff := cmp.Diff(want, groupViewOf(&out.DBSubnetGroups[0])); diff != "" {
		t.Errorf("after restart: -want +got:\n%s", diff)
	}
	want.ARN = ""
	if diff := cmp.Diff(want, groupViewOf(describe(t, c, "db1").DBSubnetGroup)); diff != "" {
		t.Errorf("instance's group after restart: -want +got:\n%s", diff)
	}
	tags, err := c.ListTagsForResource(ctx, &awsrds.ListTagsForResourceInput{ResourceName: aws.String(privateARN)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("team=payments", tagString(tags.TagList)); diff != "" {
		t.Errorf("tags after restart: -want +got:\n%s", diff)
	}
}

func TestStateFromBeforeSubnetGroups(t *testing.T) {
	dir := t.TempDir()
	old := `{"Instances": [], "Snapshots": []}`
	if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	_, c := newTestService(t, dir, 0, newFakeEngines())
	out, err := c.DescribeDBSubnetGroups(context.Background(), &awsrds.DescribeDBSubnetGroupsInput{})
	if err != nil {
		t.Fatalf("DescribeDBSubnetGroups: %v", err)
	}
	if len(out.DBSubnetGroups) != 0 {
		t.Errorf("DescribeDBSubnetGroups: want none, got %d", len(out.DBSubnetGroups))
	}
}

// TestNetworkErrors proves each refusal of subnet groups and of network
// settings reaches the SDK with RDS's code, status and typed error.
func TestNetworkErrors(t *testing.T) {
	ctx := context.Background()
	group := func(name string, subnets ...string) func(*testing.T, *awsrds.Client) {
		return func(t *testing.T, c *awsrds.Client) {
			if _, err := c.CreateDBSubnetGroup(ctx, subnetGroupInput(name, subnets...)); err != nil {
				t.Fatalf("setup: CreateDBSubnetGroup: %v", err)
			}
		}
	}
	instance := func(id, group string) func(*testing.T, *awsrds.Client) {
		return func(t *testing.T, c *awsrds.Client) {
			in := createInput(id)
			if group != "" {
				in.DBSubnetGroupName = aws.String(group)
			}
			if _, err := c.CreateDBInstance(ctx, in); err != nil {
				t.Fatalf("setup: CreateDBInstance: %v", err)
			}
			observe(t, c, id, "available")
		}
	}
	createGroup := func(name string, subnets ...string) func(*awsrds.Client) error {
		return func(c *awsrds.Client) error {
			_, err := c.CreateDBSubnetGroup(ctx, subnetGroupInput(name, subnets...))
			return err
		}
	}
	createInstance := func(group, zone string, sgs ...string) func(*awsrds.Client) error {
		return func(c *awsrds.Client) error {
			in := createInput("db2")
			in.VpcSecurityGroupIds = sgs
			if group != "" {
				in.DBSubnetGroupName = aws.String(group)
			}
			if zone != "" {
				in.AvailabilityZone = aws.String(zone)
			}
			_, err := c.CreateDBInstance(ctx, in)
			return err
		}
	}
	modifyInstance := func(sgs ...string) func(*awsrds.Client) error {
		return func(c *awsrds.Client) error {
			_, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), VpcSecurityGroupIds: sgs})
			return err
		}
	}
	type want struct {
		code    string
		status  int
		message string
	}
	cases := map[string]struct {
		reason    string
		noNetwork bool
		setup     []func(*testing.T, *awsrds.Client)
		call      func(*awsrds.Client) error
		typed     func(error) bool
		want      want
	}{
		"CreateExisting": {
			reason: "A name in use, in any case, is DBSubnetGroupAlreadyExists.",
			setup:  []func(*testing.T, *awsrds.Client){group("private", "subnet-a", "subnet-b")},
			call:   createGroup("Private", "subnet-a", "subnet-b"),
			typed:  as[*types.DBSubnetGroupAlreadyExistsFault],
			want:   want{"DBSubnetGroupAlreadyExists", 400, "The DB subnet group 'private' already exists."},
		},
		"CreateWithUnknownSubnet": {
			reason: "A subnet the network does not know is InvalidSubnet.",
			call:   createGroup("private", "subnet-a", "subnet-nope"),
			typed:  as[*types.InvalidSubnet],
			want:   want{"InvalidSubnet", 400, "Some input subnets in :[subnet-nope] are invalid."},
		},
		"CreateWithoutNetwork": {
			reason:    "Without a network no subnet exists.",
			noNetwork: true,
			call:      createGroup("private", "subnet-a", "subnet-b"),
			typed:     as[*types.InvalidSubnet],
			want:      want{"InvalidSubnet", 400, "Some input subnets in :[subnet-a, subnet-b] are invalid."},
		},
		"CreateWithoutSubnets": {
			reason: "A group needs subnets: the SDK sends an empty list.",
			call: func(c *awsrds.Client) error {
				_, err := c.CreateDBSubnetGroup(ctx, subnetGroupInput("private", []string{}...))
				return err
			},
			typed: as[*types.InvalidSubnet],
			want:  want{"InvalidSubnet", 400, "Subnet IDs are required."},
		},
		"CreateAcrossVPCs": {
			reason: "The subnets of a group are in one VPC.",
			call:   createGroup("private", "subnet-a", "subnet-2b"),
			typed:  as[*types.InvalidSubnet],
			want:   want{"InvalidSubnet", 400, "Subnets subnet-a and subnet-2b are not in the same VPC."},
		},
		"CreateInOneZone": {
			reason: "A group covers two availability zones at least.",
			call:   createGroup("private", "subnet-a", "subnet-a2"),
			typed:  as[*types.DBSubnetGroupDoesNotCoverEnoughAZs],
			want: want{"DBSubnetGroupDoesNotCoverEnoughAZs", 400,
				"The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: us-east-1a. Add subnets to cover at least 2 AZs."},
		},
		"CreateDefault": {
			reason: "default is RDS's own group's name.",
			call:   createGroup("Default", "subnet-a", "subnet-b"),
			want:   want{"InvalidParameterValue", 400, "The parameter DBSubnetGroupName must not be default."},
		},
		"DescribeUnknown": {
			reason: "An unknown name is DBSubnetGroupNotFoundFault (404).",
			call: func(c *awsrds.Client) error {
				_, err := c.DescribeDBSubnetGroups(ctx, &awsrds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String("nope")})
				return err
			},
			typed: as[*types.DBSubnetGroupNotFoundFault],
			want:  want{"DBSubnetGroupNotFoundFault", 404, "DBSubnetGroup nope not found."},
		},
		"ModifyUnknown": {
			reason: "Modify of an unknown group is DBSubnetGroupNotFoundFault.",
			call: func(c *awsrds.Client) error {
				_, err := c.ModifyDBSubnetGroup(ctx, &awsrds.ModifyDBSubnetGroupInput{DBSubnetGroupName: aws.String("nope"), SubnetIds: []string{"subnet-a", "subnet-b"}})
				return err
			},
			typed: as[*types.DBSubnetGroupNotFoundFault],
			want:  want{code: "DBSubnetGroupNotFoundFault", status: 404},
		},
		"ModifyToOtherVPC": {
			reason: "A group stays in its VPC.",
			setup:  []func(*testing.T, *awsrds.Client){group("private", "subnet-a", "subnet-b")},
			call: func(c *awsrds.Client) error {
				_, err := c.ModifyDBSubnetGroup(ctx, &awsrds.ModifyDBSubnetGroupInput{DBSubnetGroupName: aws.String("private"), SubnetIds: []string{"subnet-2a", "subnet-2b"}})
				return err
			},
			want: want{"InvalidParameterValue", 400, "The new Subnets are not in the same Vpc as the existing subnet group"},
		},
		"ModifyAwayFromInstance": {
			reason: "The zone an instance sits in cannot be taken from its group.",
			setup:  []func(*testing.T, *awsrds.Client){group("private", "subnet-a", "subnet-b"), instance("db1", "private")},
			call: func(c *awsrds.Client) error {
				_, err := c.ModifyDBSubnetGroup(ctx, &awsrds.ModifyDBSubnetGroupInput{DBSubnetGroupName: aws.String("private"), SubnetIds: []string{"subnet-b", "subnet-c"}})
				return err
			},
			typed: as[*types.SubnetAlreadyInUse],
			want:  want{code: "SubnetAlreadyInUse", status: 400},
		},
		"DeleteInUse": {
			reason: "A group an instance is in cannot be deleted.",
			setup:  []func(*testing.T, *awsrds.Client){group("private", "subnet-a", "subnet-b"), instance("db1", "private")},
			call: func(c *awsrds.Client) error {
				_, err := c.DeleteDBSubnetGroup(ctx, &awsrds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String("private")})
				return err
			},
			typed: as[*types.InvalidDBSubnetGroupStateFault],
			want:  want{"InvalidDBSubnetGroupStateFault", 400, "Cannot delete the subnet group 'private' because at least one database instance: db1 is still using it."},
		},
		"DeleteUnknown": {
			reason: "Delete of an unknown group is DBSubnetGroupNotFoundFault, so controllers can treat it as done.",
			call: func(c *awsrds.Client) error {
				_, err := c.DeleteDBSubnetGroup(ctx, &awsrds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String("nope")})
				return err
			},
			typed: as[*types.DBSubnetGroupNotFoundFault],
			want:  want{code: "DBSubnetGroupNotFoundFault", status: 404},
		},
		"TagsOfUnknownGroup": {
			reason: "Tags of an unknown group's ARN are DBSubnetGroupNotFoundFault.",
			call: func(c *awsrds.Client) error {
				_, err := c.ListTagsForResource(ctx, &awsrds.ListTagsForResourceInput{ResourceName: aws.String("arn:aws:rds:us-east-1:000000000000:subgrp:nope")})
				return err
			},
			typed: as[*types.DBSubnetGroupNotFoundFault],
			want:  want{code: "DBSubnetGroupNotFoundFault", status: 404},
		},
		"InstanceInUnknownGroup": {
			reason: "An instance's subnet group must exist.",
			call:   createInstance("nope", ""),
			typed:  as[*types.DBSubnetGroupNotFoundFault],
			want:   want{"DBSubnetGroupNotFoundFault", 404, "DBSubnetGroup nope not found."},
		},
		"InstanceWithUnknownSecurityGroup": {
			reason: "An instance's security groups must exist.",
			setup:  []func(*testing.T, *awsrds.Client){group("private", "subnet-a", "subnet-b")},
			call:   createInstance("private", "", "sg-1", "sg-nope"),
			want:   want{"InvalidParameterValue", 400, "Invalid security group , groupId= sg-nope, groupName=."},
		},
		"InstanceWithSecurityGroupOfOtherVPC": {
			reason: "An instance's security groups are in its subnet group's VPC.",
			setup:  []func(*testing.T, *awsrds.Client){group("private", "subnet-a", "subnet-b")},
			call:   createInstance("private", "", "sg-9"),
			want: want{"InvalidParameterCombination", 400,
				"The DB instance and EC2 security group are in different VPCs. The DB instance is in vpc-1 and the EC2 security group is in vpc-2"},
		},
		"InstanceOutsideGroupWithUnknownSecurityGroup": {
			reason: "With a network, security groups must exist even without a subnet group.",
			call:   createInstance("", "", "sg-nope"),
			want:   want{"InvalidParameterValue", 400, "Invalid security group , groupId= sg-nope, groupName=."},
		},
		"InstanceInZoneGroupLacks": {
			reason: "An instance sits in a zone its group covers.",
			setup:  []func(*testing.T, *awsrds.Client){group("private", "subnet-a", "subnet-b")},
			call:   createInstance("private", "us-east-1c"),
			want:   want{code: "InvalidParameterCombination", status: 400},
		},
		"ModifyToSecurityGroupOfOtherVPC": {
			reason: "ModifyDBInstance checks security groups as CreateDBInstance does.",
			setup:  []func(*testing.T, *awsrds.Client){group("private", "subnet-a", "subnet-b"), instance("db1", "private")},
			call:   modifyInstance("sg-9"),
			want:   want{code: "InvalidParameterCombination", status: 400},
		},
		"ModifyToUnknownSecurityGroup": {
			reason: "ModifyDBInstance refuses a security group that does not exist.",
			setup:  []func(*testing.T, *awsrds.Client){instance("db1", "")},
			call:   modifyInstance("sg-nope"),
			want:   want{"InvalidParameterValue", 400, "Invalid security group , groupId= sg-nope, groupName=."},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var opts []func(*Config)
			if !tc.noNetwork {
				opts = append(opts, withNetwork(newFakeNetwork()))
			}
			_, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), opts...)
			for _, setup := range tc.setup {
				setup(t, c)
			}
			err := tc.call(c)
			if err == nil {
				t.Fatalf("%s\nwant error %s, got none", tc.reason, tc.want.code)
			}
			code, status := apiError(err)
			got := want{code: code, status: status, message: tc.want.message}
			var ae interface{ ErrorMessage() string }
			if tc.want.message != "" && errors.As(err, &ae) {
				got.message = ae.ErrorMessage()
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
			if tc.typed != nil && !tc.typed(err) {
				t.Errorf("%s\nthe SDK did not map %T to its typed error: %v", tc.reason, err, err)
			}
		})
	}
}
