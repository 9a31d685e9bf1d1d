package elasticache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/google/go-cmp/cmp"
)

const privateARN = "arn:aws:elasticache:us-east-1:000000000000:subnetgroup:private"

func subnetGroupInput(name string, subnets ...string) *awsec.CreateCacheSubnetGroupInput {
	return &awsec.CreateCacheSubnetGroupInput{CacheSubnetGroupName: aws.String(name), CacheSubnetGroupDescription: aws.String("test group"), SubnetIds: subnets}
}

// groupView is the part of a CacheSubnetGroup the tests compare; a subnet
// is id@zone.
type groupView struct {
	Name, Description, VPC, ARN string
	Subnets                     []string
}

func groupViewOf(g *types.CacheSubnetGroup) groupView {
	v := groupView{
		Name:        aws.ToString(g.CacheSubnetGroupName),
		Description: aws.ToString(g.CacheSubnetGroupDescription),
		VPC:         aws.ToString(g.VpcId),
		ARN:         aws.ToString(g.ARN),
	}
	for _, sn := range g.Subnets {
		zone := ""
		if sn.SubnetAvailabilityZone != nil {
			zone = aws.ToString(sn.SubnetAvailabilityZone.Name)
		}
		v.Subnets = append(v.Subnets, aws.ToString(sn.SubnetIdentifier)+"@"+zone)
	}
	return v
}

func TestCacheSubnetGroupLifecycle(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), withNetwork(newFakeNetwork()))
	ctx := context.Background()
	in := subnetGroupInput("Private", "subnet-a")
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}
	out, err := c.CreateCacheSubnetGroup(ctx, in)
	if err != nil {
		t.Fatalf("CreateCacheSubnetGroup: %v", err)
	}
	// One subnet is enough for a cache subnet group.
	want := groupView{Name: "private", Description: "test group", VPC: "vpc-1", ARN: privateARN, Subnets: []string{"subnet-a@us-east-1a"}}
	if diff := cmp.Diff(want, groupViewOf(out.CacheSubnetGroup)); diff != "" {
		t.Errorf("CreateCacheSubnetGroup: -want +got:\n%s", diff)
	}
	described, err := c.DescribeCacheSubnetGroups(ctx, &awsec.DescribeCacheSubnetGroupsInput{CacheSubnetGroupName: aws.String("PRIVATE")})
	if err != nil {
		t.Fatalf("DescribeCacheSubnetGroups: %v", err)
	}
	if len(described.CacheSubnetGroups) != 1 {
		t.Fatalf("DescribeCacheSubnetGroups returned %d groups, want 1", len(described.CacheSubnetGroups))
	}
	if diff := cmp.Diff(want, groupViewOf(&described.CacheSubnetGroups[0])); diff != "" {
		t.Errorf("DescribeCacheSubnetGroups: -want +got:\n%s", diff)
	}

	modified, err := c.ModifyCacheSubnetGroup(ctx, &awsec.ModifyCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("private"),
		CacheSubnetGroupDescription: aws.String("two zones"), SubnetIds: []string{"subnet-a", "subnet-b"}})
	if err != nil {
		t.Fatalf("ModifyCacheSubnetGroup: %v", err)
	}
	want.Description, want.Subnets = "two zones", []string{"subnet-a@us-east-1a", "subnet-b@us-east-1b"}
	if diff := cmp.Diff(want, groupViewOf(modified.CacheSubnetGroup)); diff != "" {
		t.Errorf("ModifyCacheSubnetGroup: -want +got:\n%s", diff)
	}
	// The description alone changes too.
	modified, err = c.ModifyCacheSubnetGroup(ctx, &awsec.ModifyCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("private"), CacheSubnetGroupDescription: aws.String("renamed")})
	if err != nil {
		t.Fatalf("ModifyCacheSubnetGroup: %v", err)
	}
	want.Description = "renamed"
	if diff := cmp.Diff(want, groupViewOf(modified.CacheSubnetGroup)); diff != "" {
		t.Errorf("ModifyCacheSubnetGroup of the description: -want +got:\n%s", diff)
	}

	arn := aws.String(privateARN)
	if _, err := c.AddTagsToResource(ctx, &awsec.AddTagsToResourceInput{ResourceName: arn, Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String("cache")}}}); err != nil {
		t.Fatalf("AddTagsToResource: %v", err)
	}
	if _, err := c.RemoveTagsFromResource(ctx, &awsec.RemoveTagsFromResourceInput{ResourceName: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatalf("RemoveTagsFromResource: %v", err)
	}
	tags, err := c.ListTagsForResource(ctx, &awsec.ListTagsForResourceInput{ResourceName: arn})
	if err != nil {
		t.Fatalf("ListTagsForResource: %v", err)
	}
	if diff := cmp.Diff("tier=cache", tagString(tags.TagList)); diff != "" {
		t.Errorf("ListTagsForResource: -want +got:\n%s", diff)
	}

	if _, err := c.DeleteCacheSubnetGroup(ctx, &awsec.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("Private")}); err != nil {
		t.Fatalf("DeleteCacheSubnetGroup: %v", err)
	}
	_, err = c.DescribeCacheSubnetGroups(ctx, &awsec.DescribeCacheSubnetGroupsInput{CacheSubnetGroupName: aws.String("private")})
	if !isA[*types.CacheSubnetGroupNotFoundFault](err) {
		t.Errorf("DescribeCacheSubnetGroups after delete: want CacheSubnetGroupNotFoundFault, got %v", err)
	}
}

func TestCacheSubnetGroupPages(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), withNetwork(newFakeNetwork()))
	ctx := context.Background()
	var want []string
	for i := range 21 {
		name := fmt.Sprintf("group-%02d", i)
		want = append(want, name)
		if _, err := c.CreateCacheSubnetGroup(ctx, subnetGroupInput(name, "subnet-a")); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	pages := 0
	p := awsec.NewDescribeCacheSubnetGroupsPaginator(c, &awsec.DescribeCacheSubnetGroupsInput{MaxRecords: aws.Int32(20)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range out.CacheSubnetGroups {
			got = append(got, aws.ToString(g.CacheSubnetGroupName))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paginated names: -want +got:\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("pages: want 2, got %d", pages)
	}
}

// clusterNetwork is each member cluster's id, subnet group, zone and
// security groups, as DescribeCacheClusters reports them.
func clusterNetwork(t *testing.T, c *awsec.Client) []string {
	t.Helper()
	out, err := c.DescribeCacheClusters(context.Background(), &awsec.DescribeCacheClustersInput{})
	if err != nil {
		t.Fatalf("DescribeCacheClusters: %v", err)
	}
	var got []string
	for _, cc := range out.CacheClusters {
		var sgs []string
		for _, sg := range cc.SecurityGroups {
			sgs = append(sgs, aws.ToString(sg.SecurityGroupId))
		}
		got = append(got, fmt.Sprintf("%s %s %s %v", aws.ToString(cc.CacheClusterId), aws.ToString(cc.CacheSubnetGroupName), aws.ToString(cc.PreferredAvailabilityZone), sgs))
	}
	return got
}

func TestReplicationGroupInSubnetGroup(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), 0, newFakeEngines(), withNetwork(newFakeNetwork()))
	ctx := context.Background()
	if _, err := c.CreateCacheSubnetGroup(ctx, subnetGroupInput("private", "subnet-b", "subnet-a")); err != nil {
		t.Fatal(err)
	}
	in := createInput("cache", 2)
	in.CacheSubnetGroupName, in.SecurityGroupIds = aws.String("Private"), []string{"sg-1"}
	if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
		t.Fatalf("CreateReplicationGroup: %v", err)
	}
	observe(t, c, "cache", "available")
	// The member clusters report the subnet group, and sit in its first zone.
	want := []string{"cache-001 private us-east-1b [sg-1]", "cache-002 private us-east-1b [sg-1]"}
	if diff := cmp.Diff(want, clusterNetwork(t, c)); diff != "" {
		t.Errorf("DescribeCacheClusters: -want +got:\n%s", diff)
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
	if diff := cmp.Diff([]use{{"cache", true}, {"", false}}, users()); diff != "" {
		t.Errorf("SecurityGroupUser(sg-1, sg-2): -want +got:\n%s", diff)
	}
	if _, err := c.ModifyReplicationGroup(ctx, &awsec.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("cache"), SecurityGroupIds: []string{"sg-2"}}); err != nil {
		t.Fatalf("ModifyReplicationGroup: %v", err)
	}
	observe(t, c, "cache", "available")
	if diff := cmp.Diff([]use{{"", false}, {"cache", true}}, users()); diff != "" {
		t.Errorf("SecurityGroupUser after the modify: -want +got:\n%s", diff)
	}

	// The subnet group is in use until the replication group is gone.
	if _, err := c.DeleteReplicationGroup(ctx, &awsec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("cache")}); err != nil {
		t.Fatalf("DeleteReplicationGroup: %v", err)
	}
	observe(t, c, "cache", "")
	if _, ok := s.SecurityGroupUser("sg-2"); ok {
		t.Errorf("SecurityGroupUser(sg-2): a deleted group still uses it")
	}
	if _, err := c.DeleteCacheSubnetGroup(ctx, &awsec.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("private")}); err != nil {
		t.Errorf("DeleteCacheSubnetGroup once the replication group is gone: %v", err)
	}
}

func TestCacheSubnetGroupsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	eng := newFakeEngines()
	s, c := newTestService(t, dir, 0, eng, withNetwork(newFakeNetwork()))
	ctx := context.Background()
	in := subnetGroupInput("private", "subnet-a", "subnet-b")
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}
	if _, err := c.CreateCacheSubnetGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	rg := createInput("cache", 1)
	rg.CacheSubnetGroupName = aws.String("private")
	if _, err := c.CreateReplicationGroup(ctx, rg); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "cache", "available")
	s.Close()
	eng.running = map[string]int{}

	// Restarted without a network: what was saved is reported as it was.
	_, c = newTestService(t, dir, 0, eng)
	out, err := c.DescribeCacheSubnetGroups(ctx, &awsec.DescribeCacheSubnetGroupsInput{CacheSubnetGroupName: aws.String("private")})
	if err != nil {
		t.Fatalf("DescribeCacheSubnetGroups after restart: %v", err)
	}
	want := groupView{Name: "private", Description: "test group", VPC: "vpc-1", ARN: privateARN, Subnets: []string{"subnet-a@us-east-1a", "subnet-b@us-east-1b"}}
	if diff := cmp.Diff(want, groupViewOf(&out.CacheSubnetGroups[0])); diff != "" {
		t.Errorf("after restart: -want +got:\n%s", diff)
	}
	tags, err := c.ListTagsForResource(ctx, &awsec.ListTagsForResourceInput{ResourceName: aws.String(privateARN)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("team=payments", tagString(tags.TagList)); diff != "" {
		t.Errorf("tags after restart: -want +got:\n%s", diff)
	}
	// Created without security groups, it has the VPC's default one.
	if diff := cmp.Diff([]string{"cache-001 private us-east-1a [sg-d1]"}, clusterNetwork(t, c)); diff != "" {
		t.Errorf("member clusters after restart: -want +got:\n%s", diff)
	}
	_, err = c.DeleteCacheSubnetGroup(ctx, &awsec.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("private")})
	if !isA[*types.CacheSubnetGroupInUse](err) {
		t.Errorf("DeleteCacheSubnetGroup after restart: want CacheSubnetGroupInUse, got %v", err)
	}
}

func TestStateFromBeforeSubnetGroups(t *testing.T) {
	dir := t.TempDir()
	old := `{"Groups": [], "Snapshots": []}`
	if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	_, c := newTestService(t, dir, 0, newFakeEngines())
	out, err := c.DescribeCacheSubnetGroups(context.Background(), &awsec.DescribeCacheSubnetGroupsInput{})
	if err != nil {
		t.Fatalf("DescribeCacheSubnetGroups: %v", err)
	}
	if len(out.CacheSubnetGroups) != 0 {
		t.Errorf("DescribeCacheSubnetGroups: want none, got %d", len(out.CacheSubnetGroups))
	}
}

// TestNetworkErrors checks that every refusal of cache subnet groups and
// of network settings reaches the SDK as the typed error its callers test
// for, with ElastiCache's code and HTTP status.
func TestNetworkErrors(t *testing.T) {
	ctx := context.Background()
	group := func(name string, subnets ...string) func(*testing.T, *awsec.Client) {
		return func(t *testing.T, c *awsec.Client) {
			if _, err := c.CreateCacheSubnetGroup(ctx, subnetGroupInput(name, subnets...)); err != nil {
				t.Fatalf("setup: CreateCacheSubnetGroup: %v", err)
			}
		}
	}
	replicationGroup := func(id, subnetGroup string) func(*testing.T, *awsec.Client) {
		return func(t *testing.T, c *awsec.Client) {
			in := createInput(id, 1)
			if subnetGroup != "" {
				in.CacheSubnetGroupName = aws.String(subnetGroup)
			}
			if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
				t.Fatalf("setup: CreateReplicationGroup: %v", err)
			}
			observe(t, c, id, "available")
		}
	}
	createGroup := func(name string, subnets ...string) func(*awsec.Client) error {
		return func(c *awsec.Client) error {
			_, err := c.CreateCacheSubnetGroup(ctx, subnetGroupInput(name, subnets...))
			return err
		}
	}
	createReplicationGroup := func(subnetGroup string, sgs ...string) func(*awsec.Client) error {
		return func(c *awsec.Client) error {
			in := createInput("cache2", 1)
			in.SecurityGroupIds = sgs
			if subnetGroup != "" {
				in.CacheSubnetGroupName = aws.String(subnetGroup)
			}
			_, err := c.CreateReplicationGroup(ctx, in)
			return err
		}
	}
	modifyReplicationGroup := func(sgs ...string) func(*awsec.Client) error {
		return func(c *awsec.Client) error {
			_, err := c.ModifyReplicationGroup(ctx, &awsec.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("cache"), SecurityGroupIds: sgs})
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
		setup     []func(*testing.T, *awsec.Client)
		call      func(*awsec.Client) error
		typed     func(error) bool
		want      want
	}{
		"CreateExisting": {
			reason: "A name in use, in any case, is CacheSubnetGroupAlreadyExists.",
			setup:  []func(*testing.T, *awsec.Client){group("private", "subnet-a")},
			call:   createGroup("Private", "subnet-a"),
			typed:  isA[*types.CacheSubnetGroupAlreadyExistsFault],
			want:   want{"CacheSubnetGroupAlreadyExists", 400, "Cache subnet group private already exists."},
		},
		"CreateWithUnknownSubnet": {
			reason: "A subnet the network does not know is InvalidSubnet.",
			call:   createGroup("private", "subnet-a", "subnet-nope"),
			typed:  isA[*types.InvalidSubnet],
			want:   want{"InvalidSubnet", 400, "Some input subnets in :[subnet-nope] are invalid."},
		},
		"CreateWithoutNetwork": {
			reason:    "Without a network no subnet exists.",
			noNetwork: true,
			call:      createGroup("private", "subnet-a"),
			typed:     isA[*types.InvalidSubnet],
			want:      want{"InvalidSubnet", 400, "Some input subnets in :[subnet-a] are invalid."},
		},
		"CreateAcrossVPCs": {
			reason: "The subnets of a group are in one VPC.",
			call:   createGroup("private", "subnet-a", "subnet-2a"),
			typed:  isA[*types.InvalidSubnet],
			want:   want{"InvalidSubnet", 400, "Subnets subnet-a and subnet-2a are not in the same VPC."},
		},
		"CreateDefault": {
			reason: "default is ElastiCache's own group's name.",
			call:   createGroup("default", "subnet-a"),
			typed:  isA[*types.InvalidParameterValueException],
			want:   want{code: "InvalidParameterValue", status: 400},
		},
		"DescribeUnknown": {
			reason: "An unknown name is CacheSubnetGroupNotFoundFault, a 400 in ElastiCache's model.",
			call: func(c *awsec.Client) error {
				_, err := c.DescribeCacheSubnetGroups(ctx, &awsec.DescribeCacheSubnetGroupsInput{CacheSubnetGroupName: aws.String("nope")})
				return err
			},
			typed: isA[*types.CacheSubnetGroupNotFoundFault],
			want:  want{"CacheSubnetGroupNotFoundFault", 400, "Cache subnet group nope not found."},
		},
		"ModifyUnknown": {
			reason: "Modify of an unknown group is CacheSubnetGroupNotFoundFault.",
			call: func(c *awsec.Client) error {
				_, err := c.ModifyCacheSubnetGroup(ctx, &awsec.ModifyCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("nope"), SubnetIds: []string{"subnet-a"}})
				return err
			},
			typed: isA[*types.CacheSubnetGroupNotFoundFault],
			want:  want{code: "CacheSubnetGroupNotFoundFault", status: 400},
		},
		"ModifyToOtherVPC": {
			reason: "A group stays in its VPC.",
			setup:  []func(*testing.T, *awsec.Client){group("private", "subnet-a")},
			call: func(c *awsec.Client) error {
				_, err := c.ModifyCacheSubnetGroup(ctx, &awsec.ModifyCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("private"), SubnetIds: []string{"subnet-2a"}})
				return err
			},
			typed: isA[*types.InvalidSubnet],
			want:  want{code: "InvalidSubnet", status: 400},
		},
		"DeleteInUse": {
			reason: "A subnet group a replication group is in cannot be deleted.",
			setup:  []func(*testing.T, *awsec.Client){group("private", "subnet-a"), replicationGroup("cache", "private")},
			call: func(c *awsec.Client) error {
				_, err := c.DeleteCacheSubnetGroup(ctx, &awsec.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("private")})
				return err
			},
			typed: isA[*types.CacheSubnetGroupInUse],
			want:  want{"CacheSubnetGroupInUse", 400, "Cache subnet group private is currently in use by a cache cluster: replication group cache."},
		},
		"DeleteUnknown": {
			reason: "Delete of an unknown group is CacheSubnetGroupNotFoundFault, so controllers can treat it as done.",
			call: func(c *awsec.Client) error {
				_, err := c.DeleteCacheSubnetGroup(ctx, &awsec.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("nope")})
				return err
			},
			typed: isA[*types.CacheSubnetGroupNotFoundFault],
			want:  want{code: "CacheSubnetGroupNotFoundFault", status: 400},
		},
		"TagsOfUnknownGroup": {
			reason: "Tags of an unknown subnet group's ARN are CacheSubnetGroupNotFoundFault.",
			call: func(c *awsec.Client) error {
				_, err := c.ListTagsForResource(ctx, &awsec.ListTagsForResourceInput{ResourceName: aws.String("arn:aws:elasticache:us-east-1:000000000000:subnetgroup:nope")})
				return err
			},
			typed: isA[*types.CacheSubnetGroupNotFoundFault],
			want:  want{code: "CacheSubnetGroupNotFoundFault", status: 400},
		},
		"ReplicationGroupInUnknownSubnetGroup": {
			reason: "A replication group's subnet group must exist.",
			call:   createReplicationGroup("nope"),
			typed:  isA[*types.CacheSubnetGroupNotFoundFault],
			want:   want{"CacheSubnetGroupNotFoundFault", 400, "Cache subnet group nope not found."},
		},
		"ReplicationGroupWithUnknownSecurityGroup": {
			reason: "A replication group's security groups must exist.",
			setup:  []func(*testing.T, *awsec.Client){group("private", "subnet-a")},
			call:   createReplicationGroup("private", "sg-1", "sg-nope"),
			typed:  isA[*types.InvalidParameterValueException],
			want:   want{"InvalidParameterValue", 400, "The security group sg-nope does not exist."},
		},
		"ReplicationGroupWithSecurityGroupOfOtherVPC": {
			reason: "A replication group's security groups are in its subnet group's VPC.",
			setup:  []func(*testing.T, *awsec.Client){group("private", "subnet-a")},
			call:   createReplicationGroup("private", "sg-9"),
			typed:  isA[*types.InvalidParameterCombinationException],
			want:   want{"InvalidParameterCombination", 400, "Subnet group [private] belongs to a different VPC [vpc-1] than [vpc-2]"},
		},
		"ReplicationGroupOutsideSubnetGroupWithUnknownSecurityGroup": {
			reason: "With a network, security groups must exist even without a subnet group.",
			call:   createReplicationGroup("", "sg-nope"),
			typed:  isA[*types.InvalidParameterValueException],
			want:   want{code: "InvalidParameterValue", status: 400},
		},
		"ModifyToSecurityGroupOfOtherVPC": {
			reason: "ModifyReplicationGroup checks security groups as CreateReplicationGroup does.",
			setup:  []func(*testing.T, *awsec.Client){group("private", "subnet-a"), replicationGroup("cache", "private")},
			call:   modifyReplicationGroup("sg-9"),
			typed:  isA[*types.InvalidParameterCombinationException],
			want:   want{code: "InvalidParameterCombination", status: 400},
		},
		"ModifyToUnknownSecurityGroup": {
			reason: "ModifyReplicationGroup refuses a security group that does not exist.",
			setup:  []func(*testing.T, *awsec.Client){replicationGroup("cache", "")},
			call:   modifyReplicationGroup("sg-nope"),
			typed:  isA[*types.InvalidParameterValueException],
			want:   want{code: "InvalidParameterValue", status: 400},
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
			if !tc.typed(err) {
				t.Errorf("%s\nthe SDK did not map %T to its typed error: %v", tc.reason, err, err)
			}
		})
	}
}
