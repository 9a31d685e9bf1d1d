package elasticache

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
)

const delay = 50 * time.Millisecond

func TestCreateMovesThroughStatuses(t *testing.T) {
	dir := t.TempDir()
	eng := newFakeEngines()
	_, c := newTestService(t, dir, delay, eng)
	ctx := context.Background()
	in := createInput("Orders-Cache", 2)
	in.AutomaticFailoverEnabled, in.MultiAZEnabled = aws.Bool(true), aws.Bool(true)
	in.TransitEncryptionEnabled, in.AtRestEncryptionEnabled = aws.Bool(true), aws.Bool(true)
	in.AuthToken = aws.String(oldToken)
	in.SnapshotRetentionLimit = aws.Int32(3)
	in.SecurityGroupIds = []string{"sg-1", "sg-2"}
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}
	out, err := c.CreateReplicationGroup(ctx, in)
	if err != nil {
		t.Fatalf("CreateReplicationGroup: %v", err)
	}
	want := view{
		ID: "orders-cache", Description: "test group", Status: "creating", NodeType: nodeMicro, Engine: "redis",
		Members: "orders-cache-001,orders-cache-002", Roles: "orders-cache-001=primary,orders-cache-002=replica",
		AutomaticFailover: "enabled", MultiAZ: "enabled", AuthTokenEnabled: true, TransitEncryption: true, AtRest: true,
		SnapshotRetentionLimit: 3, SnapshotWindow: "05:00-06:00",
		ARN: "arn:aws:elasticache:us-east-1:000000000000:replicationgroup:orders-cache",
	}
	if diff := cmp.Diff(want, viewOf(*out.ReplicationGroup)); diff != "" {
		t.Errorf("CreateReplicationGroup: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"creating", "available"}, observe(t, c, "orders-cache", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	want.Status, want.Primary, want.Reader = "available", "127.0.0.1:40001", "127.0.0.1:40002"
	got := describe(t, c, "ORDERS-CACHE")
	if diff := cmp.Diff(want, viewOf(got)); diff != "" {
		t.Errorf("DescribeReplicationGroups: -want +got:\n%s", diff)
	}
	if got.ReplicationGroupCreateTime == nil || got.TransitEncryptionMode != types.TransitEncryptionModeRequired || got.ClusterMode != types.ClusterModeDisabled {
		t.Errorf("create time %v, transit mode %q, cluster mode %q", got.ReplicationGroupCreateTime, got.TransitEncryptionMode, got.ClusterMode)
	}

	clusters, err := c.DescribeCacheClusters(ctx, &awsec.DescribeCacheClustersInput{ShowCacheNodeInfo: aws.Bool(true)})
	if err != nil {
		t.Fatalf("DescribeCacheClusters: %v", err)
	}
	var nodes []string
	for _, cc := range clusters.CacheClusters {
		nodes = append(nodes, fmt.Sprintf("%s %s %s %s v%s sg=%d node=%s",
			aws.ToString(cc.CacheClusterId), aws.ToString(cc.CacheClusterStatus), aws.ToString(cc.ReplicationGroupId),
			aws.ToString(cc.CacheNodeType), aws.ToString(cc.EngineVersion), len(cc.SecurityGroups), endpointString(cc.CacheNodes[0].Endpoint)))
	}
	wantNodes := []string{
		"orders-cache-001 available orders-cache cache.t4g.micro v7.0.15 sg=2 node=127.0.0.1:40001",
		"orders-cache-002 available orders-cache cache.t4g.micro v7.0.15 sg=2 node=127.0.0.1:40002",
	}
	if diff := cmp.Diff(wantNodes, nodes); diff != "" {
		t.Errorf("DescribeCacheClusters: -want +got:\n%s", diff)
	}
	// Both nodes got the token's hash, the replica the primary's port, and
	// TLS files signed by the CA.
	n := eng.nodes[nodeKey("orders-cache-002")]
	if n.Primary != 40001 || n.TLS == nil || len(n.Auth.Hashes) != 1 || n.Auth.Hashes[0] != engines.RedisPasswordHash(oldToken) {
		t.Errorf("replica node: primary %d, TLS %v, hashes %v", n.Primary, n.TLS, n.Auth.Hashes)
	}
	// The token is nowhere on disk in clear.
	for _, f := range []string{"state.json", "groups/orders-cache/auth.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || bytes.Contains(b, []byte(oldToken)) {
			t.Errorf("%s must exist and hold no token (read error %v)", f, err)
		}
	}
}

func TestFailedEngineStartFails(t *testing.T) {
	eng := newFakeEngines()
	eng.startErr = fmt.Errorf("boom")
	_, c := newTestService(t, t.TempDir(), delay, eng)
	if _, err := c.CreateReplicationGroup(context.Background(), createInput("g1", 1)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"creating", "create-failed"}, observe(t, c, "g1", "create-failed")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
}

func TestDescribePages(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), 0, newFakeEngines())
	ctx := context.Background()
	var want, wantClusters []string
	for i := range 25 {
		id := fmt.Sprintf("g-%02d", i)
		want = append(want, id)
		wantClusters = append(wantClusters, id+"-001")
		if _, err := c.CreateReplicationGroup(ctx, createInput(id, 1)); err != nil {
			t.Fatal(err)
		}
	}
	first, err := c.DescribeReplicationGroups(ctx, &awsec.DescribeReplicationGroupsInput{MaxRecords: aws.Int32(20)})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.ReplicationGroups) != 20 || first.Marker == nil {
		t.Fatalf("first page: %d groups, marker %v; want 20 and a marker", len(first.ReplicationGroups), first.Marker)
	}
	var got, gotClusters []string
	pages := 0
	p := awsec.NewDescribeReplicationGroupsPaginator(c, &awsec.DescribeReplicationGroupsInput{MaxRecords: aws.Int32(20)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range out.ReplicationGroups {
			got = append(got, aws.ToString(g.ReplicationGroupId))
		}
	}
	cp := awsec.NewDescribeCacheClustersPaginator(c, &awsec.DescribeCacheClustersInput{MaxRecords: aws.Int32(20)})
	for cp.HasMorePages() {
		out, err := cp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, cc := range out.CacheClusters {
			gotClusters = append(gotClusters, aws.ToString(cc.CacheClusterId))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paginated groups: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(wantClusters, gotClusters); diff != "" {
		t.Errorf("paginated clusters: -want +got:\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("pages: want 2, got %d", pages)
	}
	for _, id := range want {
		if err := s.Wait(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
}

func TestModify(t *testing.T) {
	eng := newFakeEngines()
	_, c := newTestService(t, t.TempDir(), delay, eng)
	ctx := context.Background()
	in := createInput("g1", 2)
	in.TransitEncryptionEnabled, in.AuthToken = aws.Bool(true), aws.String(oldToken)
	if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "g1", "available")
	pendingNodeType := func() string {
		out, err := c.DescribeCacheClusters(ctx, &awsec.DescribeCacheClustersInput{CacheClusterId: aws.String("g1-002")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.CacheClusters[0].PendingModifiedValues.CacheNodeType)
	}

	// Without ApplyImmediately the node type waits for the window; the
	// group stays available.
	out, err := c.ModifyReplicationGroup(ctx, &awsec.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("g1"), CacheNodeType: aws.String("cache.t4g.small")})
	if err != nil {
		t.Fatalf("ModifyReplicationGroup: %v", err)
	}
	got := []string{aws.ToString(out.ReplicationGroup.Status), aws.ToString(out.ReplicationGroup.CacheNodeType), pendingNodeType()}
	if diff := cmp.Diff([]string{"available", nodeMicro, "cache.t4g.small"}, got); diff != "" {
		t.Errorf("deferred node type (status, type, pending): -want +got:\n%s", diff)
	}

	// ApplyImmediately applies it, with the other changes.
	out, err = c.ModifyReplicationGroup(ctx, &awsec.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("g1"), ApplyImmediately: aws.Bool(true),
		SnapshotRetentionLimit: aws.Int32(7), AutomaticFailoverEnabled: aws.Bool(true), ReplicationGroupDescription: aws.String("renamed")})
	if err != nil {
		t.Fatalf("ModifyReplicationGroup: %v", err)
	}
	if diff := cmp.Diff("failover=enabled", viewOf(*out.ReplicationGroup).Pending); diff != "" {
		t.Errorf("pending while modifying: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"modifying", "available"}, observe(t, c, "g1", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	v := viewOf(describe(t, c, "g1"))
	got = []string{v.NodeType, v.AutomaticFailover, v.Description, fmt.Sprint(v.SnapshotRetentionLimit), v.Pending, pendingNodeType()}
	if diff := cmp.Diff([]string{"cache.t4g.small", "enabled", "renamed", "7", "", ""}, got); diff != "" {
		t.Errorf("after ApplyImmediately: -want +got:\n%s", diff)
	}

	// ROTATE keeps the old token beside the new one; SET leaves the new.
	old, next := engines.RedisPasswordHash(oldToken), engines.RedisPasswordHash(newToken)
	for _, step := range []struct {
		strategy types.AuthTokenUpdateStrategyType
		pending  string
		hashes   []string
	}{
		{types.AuthTokenUpdateStrategyTypeRotate, "auth=ROTATING", []string{old, next}},
		{types.AuthTokenUpdateStrategyTypeSet, "auth=SETTING", []string{next}},
	} {
		out, err := c.ModifyReplicationGroup(ctx, &awsec.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("g1"), ApplyImmediately: aws.Bool(true),
			AuthToken: aws.String(newToken), AuthTokenUpdateStrategy: step.strategy})
		if err != nil {
			t.Fatalf("ModifyReplicationGroup %s: %v", step.strategy, err)
		}
		if diff := cmp.Diff(step.pending, viewOf(*out.ReplicationGroup).Pending); diff != "" {
			t.Errorf("%s: pending: -want +got:\n%s", step.strategy, diff)
		}
		if diff := cmp.Diff([]string{"modifying", "available"}, observe(t, c, "g1", "available")); diff != "" {
			t.Errorf("%s: statuses: -want +got:\n%s", step.strategy, diff)
		}
		for _, m := range []string{"g1-001", "g1-002"} {
			if diff := cmp.Diff(step.hashes, eng.hashes(m)); diff != "" {
				t.Errorf("%s: %s's password hashes: -want +got:\n%s", step.strategy, m, diff)
			}
		}
		if g := describe(t, c, "g1"); !aws.ToBool(g.AuthTokenEnabled) || g.AuthTokenLastModifiedDate == nil || g.PendingModifiedValues.AuthTokenStatus != "" {
			t.Errorf("%s: AuthTokenEnabled %v, last modified %v, status %q", step.strategy, g.AuthTokenEnabled, g.AuthTokenLastModifiedDate, g.PendingModifiedValues.AuthTokenStatus)
		}
	}
}

func TestReplicas(t *testing.T) {
	eng := newFakeEngines()
	_, c := newTestService(t, t.TempDir(), delay, eng)
	ctx := context.Background()
	if _, err := c.CreateReplicationGroup(ctx, createInput("g1", 1)); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "g1", "available")
	if v := viewOf(describe(t, c, "g1")); v.Reader != v.Primary {
		t.Errorf("without replicas the reader endpoint %s should be the primary's %s", v.Reader, v.Primary)
	}
	cases := []struct {
		name    string
		call    func() (*types.ReplicationGroup, error)
		members string
		running []string
	}{
		{"IncreaseToTwo", func() (*types.ReplicationGroup, error) {
			out, err := c.IncreaseReplicaCount(ctx, &awsec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("g1"), NewReplicaCount: aws.Int32(2), ApplyImmediately: aws.Bool(true)})
			return out.ReplicationGroup, err
		}, "g1-001,g1-002,g1-003", []string{"g1-001", "g1-002", "g1-003"}},
		{"DecreaseToOne", func() (*types.ReplicationGroup, error) {
			out, err := c.DecreaseReplicaCount(ctx, &awsec.DecreaseReplicaCountInput{ReplicationGroupId: aws.String("g1"), NewReplicaCount: aws.Int32(1), ApplyImmediately: aws.Bool(true)})
			return out.ReplicationGroup, err
		}, "g1-001,g1-002", []string{"g1-001", "g1-002"}},
		{"RemoveNamed", func() (*types.ReplicationGroup, error) {
			out, err := c.DecreaseReplicaCount(ctx, &awsec.DecreaseReplicaCountInput{ReplicationGroupId: aws.String("g1"), ReplicasToRemove: []string{"g1-002"}, ApplyImmediately: aws.Bool(true)})
			return out.ReplicationGroup, err
		}, "g1-001", []string{"g1-001"}},
	}
	for _, tc := range cases {
		g, err := tc.call()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := aws.ToString(g.Status); got != "modifying" {
			t.Errorf("%s: answered status %s, want modifying", tc.name, got)
		}
		if diff := cmp.Diff([]string{"modifying", "available"}, observe(t, c, "g1", "available")); diff != "" {
			t.Errorf("%s: statuses: -want +got:\n%s", tc.name, diff)
		}
		v := viewOf(describe(t, c, "g1"))
		if diff := cmp.Diff(tc.members, v.Members); diff != "" {
			t.Errorf("%s: members: -want +got:\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(tc.running, eng.runningNodes()); diff != "" {
			t.Errorf("%s: running nodes: -want +got:\n%s", tc.name, diff)
		}
		if len(tc.running) > 1 && v.Reader == v.Primary {
			t.Errorf("%s: the reader endpoint is the primary's, %s", tc.name, v.Reader)
		}
	}
}

func TestSnapshots(t *testing.T) {
	dir := t.TempDir()
	s, c := newTestService(t, dir, delay, newFakeEngines())
	ctx := context.Background()
	if _, err := c.CreateReplicationGroup(ctx, createInput("g1", 2)); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "g1", "available")
	out, err := c.CreateSnapshot(ctx, &awsec.CreateSnapshotInput{ReplicationGroupId: aws.String("g1"), SnapshotName: aws.String("manual-1")})
	if err != nil {
		t.Fatalf("CreateSnapshot: %v", err)
	}
	if got := aws.ToString(out.Snapshot.SnapshotStatus); got != "creating" {
		t.Errorf("CreateSnapshot answered %s, want creating", got)
	}
	if diff := cmp.Diff([]string{"snapshotting", "available"}, observe(t, c, "g1", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}

	// Delete with a final snapshot: deleting at once, then gone.
	del, err := c.DeleteReplicationGroup(ctx, &awsec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("g1"), FinalSnapshotIdentifier: aws.String("g1-final")})
	if err != nil {
		t.Fatalf("DeleteReplicationGroup: %v", err)
	}
	if got := aws.ToString(del.ReplicationGroup.Status); got != "deleting" {
		t.Errorf("DeleteReplicationGroup answered %s, want deleting", got)
	}
	if diff := cmp.Diff([]string{"deleting"}, observe(t, c, "g1", "")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	snaps, err := c.DescribeSnapshots(ctx, &awsec.DescribeSnapshotsInput{ReplicationGroupId: aws.String("g1")})
	if err != nil {
		t.Fatalf("DescribeSnapshots: %v", err)
	}
	var got []string
	for _, sn := range snaps.Snapshots {
		got = append(got, fmt.Sprintf("%s %s %s %s", aws.ToString(sn.SnapshotName), aws.ToString(sn.SnapshotStatus), aws.ToString(sn.CacheClusterId), aws.ToString(sn.ARN)))
		b, err := os.ReadFile(s.SnapshotFile(aws.ToString(sn.SnapshotName)))
		if err != nil || !bytes.HasPrefix(b, []byte("REDIS")) {
			t.Errorf("%s: want an RDB file, got %q, %v", aws.ToString(sn.SnapshotName), b, err)
		}
	}
	want := []string{
		"g1-final available g1-001 arn:aws:elasticache:us-east-1:000000000000:snapshot:g1-final",
		"manual-1 available g1-001 arn:aws:elasticache:us-east-1:000000000000:snapshot:manual-1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeSnapshots: -want +got:\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, "groups", "g1")); !os.IsNotExist(err) {
		t.Errorf("the group's dir is still there: %v", err)
	}
}

func TestTags(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines())
	ctx := context.Background()
	in := createInput("g1", 1)
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}
	if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	group := "arn:aws:elasticache:us-east-1:000000000000:replicationgroup:g1"
	cluster := "arn:aws:elasticache:us-east-1:000000000000:cluster:g1-001"
	list := func(arn string) string {
		out, err := c.ListTagsForResource(ctx, &awsec.ListTagsForResourceInput{ResourceName: aws.String(arn)})
		if err != nil {
			t.Fatalf("ListTagsForResource(%s): %v", arn, err)
		}
		return tagString(out.TagList)
	}
	added, err := c.AddTagsToResource(ctx, &awsec.AddTagsToResourceInput{ResourceName: aws.String(group), Tags: []types.Tag{
		{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("team"), Value: aws.String("search")}}})
	if err != nil {
		t.Fatalf("AddTagsToResource: %v", err)
	}
	removed, err := c.RemoveTagsFromResource(ctx, &awsec.RemoveTagsFromResourceInput{ResourceName: aws.String(group), TagKeys: []string{"env"}})
	if err != nil {
		t.Fatalf("RemoveTagsFromResource: %v", err)
	}
	got := []string{tagString(added.TagList), tagString(removed.TagList), list(group), list(cluster)}
	want := []string{"env=dev,team=search", "team=search", "team=search", "team=payments"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tags (added, removed, group, cluster): -want +got:\n%s", diff)
	}
}

// TestRestart: a new service on the same data dir brings groups back with
// their nodes running, and resumes a transition the stop interrupted.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	eng := newFakeEngines()
	s, c := newTestService(t, dir, delay, eng)
	ctx := context.Background()
	in := createInput("kept", 2)
	in.TransitEncryptionEnabled, in.AuthToken = aws.Bool(true), aws.String(oldToken)
	if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "kept", "available")
	if _, err := c.CreateReplicationGroup(ctx, createInput("interrupted", 1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	eng.running = map[string]int{}

	_, c = newTestService(t, dir, delay, eng)
	v := viewOf(describe(t, c, "kept"))
	got := []string{v.Status, v.Members, v.Primary, fmt.Sprint(v.AuthTokenEnabled)}
	if diff := cmp.Diff([]string{"available", "kept-001,kept-002", "127.0.0.1:40001", "true"}, got); diff != "" {
		t.Errorf("after restart: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"creating", "available"}, observe(t, c, "interrupted", "available")); diff != "" {
		t.Errorf("interrupted creation: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"interrupted-001", "kept-001", "kept-002"}, eng.runningNodes()); diff != "" {
		t.Errorf("running nodes: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{engines.RedisPasswordHash(oldToken)}, eng.hashes("kept-002")); diff != "" {
		t.Errorf("the replica's auth after restart: -want +got:\n%s", diff)
	}
}
