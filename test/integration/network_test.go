//go:build integration

package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	ec2v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
	ecv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	rdsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	localec2 "github.com/appinfra/provider-appinfra/cluster/localcloud/ec2"
	"github.com/appinfra/provider-appinfra/test/probe"
)

// The local cloud's network: its VPC and its private subnets.
var (
	localVPC     = localec2.VPCID
	localPrivate = func() []string {
		var ids []string
		for _, s := range localec2.Layout("us-east-1").Subnets {
			if s.Tier == "private" {
				ids = append(ids, s.ID)
			}
		}
		return ids
	}()
)

func securityGroup(name string, mutate ...func(*ec2v1alpha1.SecurityGroup)) *ec2v1alpha1.SecurityGroup {
	g := &ec2v1alpha1.SecurityGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: ec2v1alpha1.SecurityGroupSpec{ForProvider: ec2v1alpha1.SecurityGroupParameters{
			Region:      "us-east-1",
			VPCID:       localVPC,
			Description: "integration test",
			Ingress: []ec2v1alpha1.Rule{{
				Protocol: "tcp", FromPort: ptr.To[int32](5432), ToPort: ptr.To[int32](5432),
				CIDRBlocks: []string{"127.0.0.0/24"},
			}},
			Tags: map[string]string{"team": "platform"},
		}},
	}
	for _, m := range mutate {
		m(g)
	}
	return g
}

// describeGroup reads a security group straight from the local cloud.
func describeGroup(id string) (*ec2types.SecurityGroup, error) {
	out, err := ec2Store.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(out.SecurityGroups) != 1 {
		return nil, fmt.Errorf("%d groups with id %s", len(out.SecurityGroups), id)
	}
	return &out.SecurityGroups[0], nil
}

// rules lists a group's permissions as "tcp 5432-5432 127.0.0.0/24".
func rules(ps []ec2types.IpPermission) []string {
	var out []string
	for _, p := range ps {
		head := aws.ToString(p.IpProtocol)
		if head != "-1" {
			head += fmt.Sprintf(" %d-%d", aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort))
		}
		for _, r := range p.IpRanges {
			out = append(out, head+" "+aws.ToString(r.CidrIp))
		}
		for _, g := range p.UserIdGroupPairs {
			out = append(out, head+" "+aws.ToString(g.GroupId))
		}
	}
	slices.Sort(out)
	return out
}

func groupID(t *testing.T, g *ec2v1alpha1.SecurityGroup) string {
	t.Helper()
	if err := kube.Get(context.Background(), client.ObjectKeyFromObject(g), g); err != nil {
		t.Fatal(err)
	}
	return g.Status.AtProvider.ID
}

// TestSecurityGroup makes a group, finds its rules in EC2 as the spec
// says, has rules changed behind its back put right (the missing one
// added back before the stray one is revoked), manages egress once the
// spec names it, and deletes the group.
func TestSecurityGroup(t *testing.T) {
	t.Parallel()
	cr := securityGroup("it-sg")
	create(t, cr)
	eventually(t, 30*time.Second, "group Ready", func() error { return ready(cr) })
	id := groupID(t, cr)
	if !strings.HasPrefix(id, "sg-") {
		t.Fatalf("status.atProvider.id = %q, want sg-...", id)
	}
	got, err := describeGroup(id)
	if err != nil {
		t.Fatal(err)
	}
	if want, got := []string{"tcp 5432-5432 127.0.0.0/24"}, rules(got.IpPermissions); !slices.Equal(want, got) {
		t.Errorf("ingress: want %v, got %v", want, got)
	}
	// egress is not in the spec: EC2's default (all traffic out) stays.
	if want, got := []string{"-1 0.0.0.0/0"}, rules(got.IpPermissionsEgress); !slices.Equal(want, got) {
		t.Errorf("egress: want EC2's default %v, got %v", want, got)
	}

	t.Run("DriftCorrected", func(t *testing.T) {
		ctx := context.Background()
		if _, err := ec2Store.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(id), IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("127.0.0.0/24")}},
		}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ec2Store.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(id), IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}},
		}}}); err != nil {
			t.Fatal(err)
		}
		start := len(rdsCalls.of(id))
		eventually(t, 3*pollInterval+10*time.Second, "rules put right", func() error {
			g, err := describeGroup(id)
			if err != nil {
				return err
			}
			if want, got := []string{"tcp 5432-5432 127.0.0.0/24"}, rules(g.IpPermissions); !slices.Equal(want, got) {
				return fmt.Errorf("ingress %v", got)
			}
			return nil
		})
		var drift bool
		for _, e := range eventsOf(t, cr) {
			drift = drift || (e.Reason == "DriftDetected" && strings.Contains(e.Message, "ingress"))
		}
		if !drift {
			t.Error("no DriftDetected event names ingress")
		}
		// Authorize before revoke: the wanted rule is never missing
		// while the stray one is removed.
		var ops []string
		for _, c := range rdsCalls.of(id)[start:] {
			if strings.Contains(c.Op, "Ingress") {
				ops = append(ops, c.Op)
			}
		}
		if want := []string{"AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"}; !slices.Equal(ops, want) {
			t.Errorf("the provider sent %v, want %v", ops, want)
		}
	})

	t.Run("EgressManagedOnceNamed", func(t *testing.T) {
		edit(t, cr, "egress to the VPC only", func(g *ec2v1alpha1.SecurityGroup) {
			g.Spec.ForProvider.Egress = &[]ec2v1alpha1.Rule{{Protocol: "-1", CIDRBlocks: []string{"127.0.0.0/16"}}}
		})
		eventually(t, 3*pollInterval+10*time.Second, "egress replaced", func() error {
			g, err := describeGroup(id)
			if err != nil {
				return err
			}
			if want, got := []string{"-1 127.0.0.0/16"}, rules(g.IpPermissionsEgress); !slices.Equal(want, got) {
				return fmt.Errorf("egress %v", got)
			}
			return nil
		})
	})

	if err := kube.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	// The runtime waits for a resource created less than 30 s ago to
	// show up before it trusts that it is gone.
	eventually(t, 60*time.Second, "group gone", func() error {
		if _, err := describeGroup(id); err == nil {
			return fmt.Errorf("group %s still in EC2", id)
		}
		return gone(cr)
	})
}

// TestSecurityGroupRuleFromAnotherGroup resolves a rule's source by a
// reference to another SecurityGroup, and shows that a group still named
// in another's rule waits to be deleted instead of failing.
func TestSecurityGroupRuleFromAnotherGroup(t *testing.T) {
	t.Parallel()
	apps := securityGroup("it-sg-apps", func(g *ec2v1alpha1.SecurityGroup) { g.Spec.ForProvider.Ingress = nil })
	db := securityGroup("it-sg-db", func(g *ec2v1alpha1.SecurityGroup) {
		g.Spec.ForProvider.Ingress = []ec2v1alpha1.Rule{{
			Protocol: "tcp", FromPort: ptr.To[int32](5432), ToPort: ptr.To[int32](5432),
			SourceSecurityGroupIDRefs: []xpv2.Reference{{Name: "it-sg-apps"}},
		}}
	})
	create(t, db) // before its source exists: it waits for the reference
	create(t, apps)
	eventually(t, 60*time.Second, "both Ready", func() error {
		if err := ready(apps); err != nil {
			return err
		}
		return ready(db)
	})
	appsID, dbID := groupID(t, apps), groupID(t, db)
	if want, got := []string{appsID}, db.Spec.ForProvider.Ingress[0].SourceSecurityGroupIDs; !slices.Equal(want, got) {
		t.Errorf("resolved sources: want %v, got %v", want, got)
	}
	g, err := describeGroup(dbID)
	if err != nil {
		t.Fatal(err)
	}
	if want, got := []string{"tcp 5432-5432 " + appsID}, rules(g.IpPermissions); !slices.Equal(want, got) {
		t.Errorf("ingress: want %v, got %v", want, got)
	}

	// The source group is named in the database group's rule: EC2 refuses
	// to delete it (DependencyViolation), and it says it waits.
	if err := kube.Delete(context.Background(), apps); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "source group waiting", func() error {
		return hasCondition(apps, xpv2.TypeSynced, corev1.ConditionFalse, "waiting to delete: the security group is still in use")
	})
	if err := kube.Delete(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	eventually(t, 90*time.Second, "both gone", func() error {
		if err := gone(db); err != nil {
			return err
		}
		return gone(apps)
	})
	for _, id := range []string{appsID, dbID} {
		if _, err := describeGroup(id); err == nil {
			t.Errorf("group %s still in EC2", id)
		}
	}
}

// TestDatabaseInItsNetwork places a DBInstance and a ReplicationGroup in
// subnet groups of the local VPC's private subnets, behind a security
// group each, all named by references; deleting everything at once
// finishes, the groups waiting for what is in them.
func TestDatabaseInItsNetwork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const name = "it-placed"
	subnets := &rdsv1alpha1.DBSubnetGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-db"},
		Spec: rdsv1alpha1.DBSubnetGroupSpec{ForProvider: rdsv1alpha1.DBSubnetGroupParameters{
			Region: "us-east-1", Description: "private subnets", SubnetIDs: localPrivate,
		}},
	}
	cacheSubnets := &ecv1alpha1.CacheSubnetGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-cache"},
		Spec: ecv1alpha1.CacheSubnetGroupSpec{ForProvider: ecv1alpha1.CacheSubnetGroupParameters{
			Region: "us-east-1", Description: "private subnets", SubnetIDs: localPrivate,
		}},
	}
	dbSG := securityGroup(name + "-db")
	cacheSG := securityGroup(name+"-cache", func(g *ec2v1alpha1.SecurityGroup) {
		g.Spec.ForProvider.Ingress[0].FromPort, g.Spec.ForProvider.Ingress[0].ToPort = ptr.To[int32](6379), ptr.To[int32](6379)
	})
	db := dbInstance(name, func(d *rdsv1alpha1.DBInstance) {
		d.Spec.ForProvider.DBSubnetGroupNameRef = &xpv2.Reference{Name: name + "-db"}
		d.Spec.ForProvider.VPCSecurityGroupIDRefs = []xpv2.Reference{{Name: name + "-db"}}
		d.Spec.ForProvider.SkipFinalSnapshot = true
	})
	cache := replicationGroup(name+"-rg", func(g *ecv1alpha1.ReplicationGroup) {
		g.Spec.ForProvider.CacheSubnetGroupNameRef = &xpv2.Reference{Name: name + "-cache"}
		g.Spec.ForProvider.SecurityGroupIDRefs = []xpv2.Reference{{Name: name + "-cache"}}
	})
	// The instance and the group first: they wait for what they name.
	for _, o := range []client.Object{db, cache, subnets, cacheSubnets, dbSG, cacheSG} {
		create(t, o)
	}
	eventually(t, dbConverge, "everything Ready", func() error {
		for _, o := range []conditioned{subnets, cacheSubnets, dbSG, cacheSG, db, cache} {
			if err := ready(o); err != nil {
				return err
			}
		}
		return nil
	})
	if subnets.Status.AtProvider.VPCID != localVPC || len(subnets.Status.AtProvider.AvailabilityZones) != 2 {
		t.Errorf("subnet group status: %+v", subnets.Status.AtProvider)
	}
	got, err := describe(name)
	if err != nil {
		t.Fatal(err)
	}
	if got.DBSubnetGroup == nil || aws.ToString(got.DBSubnetGroup.DBSubnetGroupName) != name+"-db" {
		t.Errorf("instance's subnet group: %+v, want %s", got.DBSubnetGroup, name+"-db")
	}
	var sgs []string
	for _, g := range got.VpcSecurityGroups {
		sgs = append(sgs, aws.ToString(g.VpcSecurityGroupId))
	}
	if want := []string{groupID(t, dbSG)}; !slices.Equal(sgs, want) {
		t.Errorf("instance's security groups: %v, want %v", sgs, want)
	}
	clusters, err := cacheStore.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(cache.Status.AtProvider.MemberClusters[0])})
	if err != nil {
		t.Fatal(err)
	}
	if c := clusters.CacheClusters[0]; aws.ToString(c.CacheSubnetGroupName) != name+"-cache" {
		t.Errorf("cache cluster's subnet group: %q, want %s", aws.ToString(c.CacheSubnetGroupName), name+"-cache")
	}

	// The local cloud enforces the security groups on the endpoints: the
	// groups admit 127.0.0.0/24, where this test runs (127.0.0.1), and
	// nothing from 127.0.50.1.
	conn := connSecret(t, name+"-conn")
	for src, want := range map[string]bool{"127.0.0.1": true, "127.0.50.1": false} {
		if got, err := probe.Admitted(src, conn["host"], conn["port"]); err != nil || got != want {
			t.Errorf("a connection to the database at %s:%s from %s: admitted %t (%v), want %t", conn["host"], conn["port"], src, got, err, want)
		}
	}
	if _, err := probe.Query(conn["url"]); err != nil {
		t.Errorf("the database through its connection Secret: %v", err)
	}

	t.Run("SubnetGroupDriftCorrected", func(t *testing.T) {
		if _, err := rdsStore.ModifyDBSubnetGroup(ctx, &rds.ModifyDBSubnetGroupInput{
			DBSubnetGroupName: aws.String(name + "-db"), DBSubnetGroupDescription: aws.String("changed by hand"), SubnetIds: localPrivate,
		}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 3*pollInterval+10*time.Second, "description put back", func() error {
			out, err := rdsStore.DescribeDBSubnetGroups(ctx, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String(name + "-db")})
			if err != nil {
				return err
			}
			if d := aws.ToString(out.DBSubnetGroups[0].DBSubnetGroupDescription); d != "private subnets" {
				return fmt.Errorf("description %q", d)
			}
			return nil
		})
	})

	// Everything deleted at once, as a namespace or a claim deletes it:
	// the subnet groups and security groups wait for the instance and
	// the cache to be gone, then go.
	for _, o := range []client.Object{subnets, cacheSubnets, dbSG, cacheSG, db, cache} {
		if err := kube.Delete(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, dbConverge, "everything gone", func() error {
		for _, o := range []conditioned{db, cache, subnets, cacheSubnets, dbSG, cacheSG} {
			if err := gone(o); err != nil {
				return err
			}
		}
		return nil
	})
	var waited bool
	for _, c := range rdsCalls.of(name + "-db") {
		waited = waited || c.Refused == "InvalidDBSubnetGroupStateFault"
	}
	if !waited {
		t.Log("the DB subnet group was never refused while in use: the instance went first")
	}
}

// TestNetworkBadSpecRefusedAtAdmission: rules and names EC2 would refuse
// are refused when applied, with messages that say what to write.
func TestNetworkBadSpecRefusedAtAdmission(t *testing.T) {
	t.Parallel()
	expectRefused(t, map[string]refusal{
		"TCPWithoutPorts": {reason: "a tcp rule is for ports", obj: securityGroup("it-bad-ports", func(g *ec2v1alpha1.SecurityGroup) {
			g.Spec.ForProvider.Ingress[0].FromPort, g.Spec.ForProvider.Ingress[0].ToPort = nil, nil
		}), want: "tcp and udp rules need fromPort and toPort"},
		"NoSource": {reason: "a rule admits someone", obj: securityGroup("it-bad-source", func(g *ec2v1alpha1.SecurityGroup) {
			g.Spec.ForProvider.Ingress[0].CIDRBlocks = nil
		}), want: "a rule needs at least one source"},
		"NotACIDR": {reason: "EC2 refuses a malformed CIDR", obj: securityGroup("it-bad-cidr", func(g *ec2v1alpha1.SecurityGroup) {
			g.Spec.ForProvider.Ingress[0].CIDRBlocks = []string{"10.0.0.300/24"}
		}), want: "cidrBlocks must be IPv4 CIDR blocks"},
		"HostBitsSet": {reason: "EC2 stores a CIDR block masked: 127.0.0.5/24 would never match", obj: securityGroup("it-bad-host-bits", func(g *ec2v1alpha1.SecurityGroup) {
			g.Spec.ForProvider.Ingress[0].CIDRBlocks = []string{"127.0.0.5/24"}
		}), want: "by their first address"},
		"DefaultGroup": {reason: "the VPC's default group is the VPC's", obj: securityGroup("default"), want: "default security group"},
		"AllProtocolsWithPorts": {reason: "-1 covers every port", obj: securityGroup("it-bad-all", func(g *ec2v1alpha1.SecurityGroup) {
			g.Spec.ForProvider.Ingress[0].Protocol = "-1"
		}), want: "leave fromPort and toPort out"},
		"NameLikeAnID": {reason: "EC2 refuses group names that look like ids", obj: securityGroup("sg-12345678"), want: "not starting with sg-"},
		"DefaultSubnetGroup": {reason: "RDS reserves default", obj: &rdsv1alpha1.DBSubnetGroup{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"},
			Spec: rdsv1alpha1.DBSubnetGroupSpec{ForProvider: rdsv1alpha1.DBSubnetGroupParameters{
				Region: "us-east-1", Description: "x", SubnetIDs: localPrivate,
			}},
		}, want: "not default"},
	})
	observeOnly := func(g *ec2v1alpha1.SecurityGroup) {
		g.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	}
	desc := securityGroup("it-immutable-desc", observeOnly)
	expectImmutable(t, desc, func() { desc.Spec.ForProvider.Description = "another" }, "description is immutable")
	vpc := securityGroup("it-immutable-vpc", observeOnly)
	expectImmutable(t, vpc, func() { vpc.Spec.ForProvider.VPCID = "vpc-0123456789abcdef0" }, "vpcID is immutable")
}
