package elasticache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// sunday is 2026-12-06, a Sunday, 00:00 UTC.
var sunday = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

const nodeSmall = "cache.t4g.small"

// clusterNodes describes every member cluster as "id status endpoint".
func clusterNodes(t *testing.T, c *awsec.Client) []string {
	t.Helper()
	out, err := c.DescribeCacheClusters(context.Background(), &awsec.DescribeCacheClustersInput{ShowCacheNodeInfo: aws.Bool(true)})
	if err != nil {
		t.Fatalf("DescribeCacheClusters: %v", err)
	}
	var got []string
	for _, cc := range out.CacheClusters {
		got = append(got, fmt.Sprintf("%s %s %s", aws.ToString(cc.CacheClusterId), aws.ToString(cc.CacheClusterStatus), endpointString(cc.CacheNodes[0].Endpoint)))
	}
	return got
}

// pendingNodeType is the node type a member cluster reports as pending.
func pendingNodeType(t *testing.T, c *awsec.Client, clusterID string) string {
	t.Helper()
	out, err := c.DescribeCacheClusters(context.Background(), &awsec.DescribeCacheClustersInput{CacheClusterId: aws.String(clusterID)})
	if err != nil {
		t.Fatalf("DescribeCacheClusters(%s): %v", clusterID, err)
	}
	return aws.ToString(out.CacheClusters[0].PendingModifiedValues.CacheNodeType)
}

// TestMaintenance: a node type deferred to the maintenance window is
// applied, through "modifying", when the maintenance event comes or when
// a tick of the clock sees the window open, and not otherwise.
func TestMaintenance(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), delay, newFakeEngines())
	ctx := context.Background()
	event := func(id string) {
		if err := s.Event(ctx, id, "maintenance"); err != nil {
			t.Fatalf("Event(%s, maintenance): %v", id, err)
		}
	}
	tick := func(from, to time.Duration) func(string) {
		return func(string) { s.Tick(sunday.Add(from), sunday.Add(to)) }
	}
	cases := map[string]struct {
		reason   string
		deferred bool
		trigger  func(id string)
		statuses []string
		nodeType string
		pending  string
	}{
		"EventApplies": {
			reason:   "The maintenance event applies the deferred node type through modifying.",
			deferred: true, trigger: event,
			statuses: []string{"modifying", "available"}, nodeType: nodeSmall,
		},
		"EventWithNothingPending": {
			reason:   "With nothing deferred the maintenance event changes nothing.",
			trigger:  event,
			statuses: []string{"available"}, nodeType: nodeMicro,
		},
		"TickAcrossTheOpening": {
			reason:   "A tick whose interval holds the window's opening applies the deferred node type.",
			deferred: true, trigger: tick(4*time.Hour+59*time.Minute, 5*time.Hour+time.Minute),
			statuses: []string{"modifying", "available"}, nodeType: nodeSmall,
		},
		"TickInsideTheWindow": {
			reason:   "A tick after the window opened (the opening was an earlier tick's) applies nothing.",
			deferred: true, trigger: tick(5*time.Hour+time.Minute, 5*time.Hour+2*time.Minute),
			statuses: []string{"available"}, nodeType: nodeMicro, pending: nodeSmall,
		},
		"TickOnAnotherDay": {
			reason:   "A tick on another day applies nothing.",
			deferred: true, trigger: tick(28*time.Hour, 30*time.Hour),
			statuses: []string{"available"}, nodeType: nodeMicro, pending: nodeSmall,
		},
		"TickWithNothingPending": {
			reason:   "The window opening with nothing deferred changes nothing.",
			trigger:  tick(4*time.Hour, 6*time.Hour),
			statuses: []string{"available"}, nodeType: nodeMicro,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			id := strings.ToLower(name)
			in := createInput(id, 2)
			in.PreferredMaintenanceWindow = aws.String("sun:05:00-sun:06:00")
			if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
				t.Fatal(err)
			}
			observe(t, c, id, "available")
			if tc.deferred {
				if _, err := c.ModifyReplicationGroup(ctx, &awsec.ModifyReplicationGroupInput{ReplicationGroupId: aws.String(id), CacheNodeType: aws.String(nodeSmall)}); err != nil {
					t.Fatalf("ModifyReplicationGroup: %v", err)
				}
			}
			tc.trigger(id)
			if diff := cmp.Diff(tc.statuses, observe(t, c, id, "available")); diff != "" {
				t.Errorf("%s\nstatuses: -want +got:\n%s", tc.reason, diff)
			}
			got := []string{viewOf(describe(t, c, id)).NodeType, pendingNodeType(t, c, id+"-002")}
			if diff := cmp.Diff([]string{tc.nodeType, tc.pending}, got); diff != "" {
				t.Errorf("%s\n(node type, pending node type): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestEventRefusals: Event refuses with errors that carry ElastiCache's
// code and an HTTP status for the admin endpoint.
func TestEventRefusals(t *testing.T) {
	ctx := context.Background()
	s, c := newTestService(t, t.TempDir(), 0, newFakeEngines())
	if _, err := c.CreateReplicationGroup(ctx, createInput("ready", 1)); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "ready", "available")
	slow, sc := newTestService(t, t.TempDir(), time.Minute, newFakeEngines())
	in := createInput("busy", 2)
	in.AutomaticFailoverEnabled = aws.Bool(true)
	if _, err := sc.CreateReplicationGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		s      *Service
		id     string
		event  string
		code   string
		status int
		says   string
	}{
		"MaintenanceOfMissingGroup": {
			reason: "An unknown group is ReplicationGroupNotFoundFault, 404.",
			s:      s, id: "nope", event: "maintenance", code: "ReplicationGroupNotFoundFault", status: 404,
		},
		"FailoverOfMissingGroup": {
			reason: "An unknown group is ReplicationGroupNotFoundFault, 404.",
			s:      s, id: "nope", event: "failover", code: "ReplicationGroupNotFoundFault", status: 404,
		},
		"MaintenanceWhileCreating": {
			reason: "A group that is not available is InvalidReplicationGroupState.",
			s:      slow, id: "busy", event: "maintenance", code: "InvalidReplicationGroupState", status: 400,
		},
		"FailoverWhileCreating": {
			reason: "A group that is not available is InvalidReplicationGroupState.",
			s:      slow, id: "BUSY", event: "failover", code: "InvalidReplicationGroupState", status: 400,
		},
		"FailoverWithoutAutomaticFailover": {
			reason: "As TestFailover, a group without automatic failover cannot fail over.",
			s:      s, id: "ready", event: "failover", code: "TestFailoverNotAvailableFault", status: 400,
		},
		"UnknownEvent": {
			reason: "An unknown event is refused with the list of known ones.",
			s:      s, id: "ready", event: "reboot", code: "InvalidParameterValue", status: 400, says: "failover, maintenance",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.s.Event(ctx, tc.id, tc.event)
			var e *awsquery.Error
			if !errors.As(err, &e) {
				t.Fatalf("%s\nwant an *awsquery.Error, got %v", tc.reason, err)
			}
			if diff := cmp.Diff([]any{tc.code, tc.status}, []any{e.Code, e.Status}); diff != "" {
				t.Errorf("%s\n(code, status): -want +got:\n%s", tc.reason, diff)
			}
			if !strings.Contains(e.Message, tc.says) {
				t.Errorf("%s\nmessage %q does not say %q", tc.reason, e.Message, tc.says)
			}
		})
	}
}

// TestFailover: TestFailover promotes the replica behind the reader
// endpoint. The roles move, the primary and reader endpoints keep their
// address (the two nodes swap ports), the nodes are told whom to
// replicate, and all of it survives a restart.
func TestFailover(t *testing.T) {
	dir := t.TempDir()
	eng := newFakeEngines()
	s, c := newTestService(t, dir, delay, eng)
	ctx := context.Background()
	in := createInput("g1", 3)
	in.AutomaticFailoverEnabled = aws.Bool(true)
	if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "g1", "available")

	type state struct {
		Roles, Primary, Reader string
		Nodes                  []string
		ReplicaOf              map[string]int
	}
	current := func() state {
		v := viewOf(describe(t, c, "g1"))
		return state{Roles: v.Roles, Primary: v.Primary, Reader: v.Reader, Nodes: clusterNodes(t, c), ReplicaOf: map[string]int{
			"g1-001": eng.primaryOf("g1-001"), "g1-002": eng.primaryOf("g1-002"), "g1-003": eng.primaryOf("g1-003"),
		}}
	}
	original := state{
		Roles: "g1-001=primary,g1-002=replica,g1-003=replica", Primary: "127.0.0.1:40001", Reader: "127.0.0.1:40002",
		Nodes:     []string{"g1-001 available 127.0.0.1:40001", "g1-002 available 127.0.0.1:40002", "g1-003 available 127.0.0.1:40003"},
		ReplicaOf: map[string]int{"g1-001": 0, "g1-002": 40001, "g1-003": 40001},
	}
	failedOver := state{
		Roles: "g1-002=primary,g1-001=replica,g1-003=replica", Primary: "127.0.0.1:40001", Reader: "127.0.0.1:40002",
		Nodes:     []string{"g1-001 available 127.0.0.1:40002", "g1-002 available 127.0.0.1:40001", "g1-003 available 127.0.0.1:40003"},
		ReplicaOf: map[string]int{"g1-001": 40001, "g1-002": 0, "g1-003": 40001},
	}
	if diff := cmp.Diff(original, current()); diff != "" {
		t.Fatalf("before the failover: -want +got:\n%s", diff)
	}
	for i, want := range []state{failedOver, original} {
		out, err := c.TestFailover(ctx, &awsec.TestFailoverInput{ReplicationGroupId: aws.String("G1"), NodeGroupId: aws.String("0001")})
		if err != nil {
			t.Fatalf("TestFailover %d: %v", i+1, err)
		}
		if got := aws.ToString(out.ReplicationGroup.Status); got != "modifying" {
			t.Errorf("TestFailover %d answered %s, want modifying", i+1, got)
		}
		if diff := cmp.Diff([]string{"modifying", "available"}, observe(t, c, "g1", "available")); diff != "" {
			t.Errorf("TestFailover %d: statuses: -want +got:\n%s", i+1, diff)
		}
		if diff := cmp.Diff(want, current()); diff != "" {
			t.Errorf("after TestFailover %d: -want +got:\n%s", i+1, diff)
		}
	}

	// The admin event is the same failover; a restart keeps its roles.
	if err := s.Event(ctx, "g1", "failover"); err != nil {
		t.Fatalf("Event(failover): %v", err)
	}
	observe(t, c, "g1", "available")
	s.Close()
	eng.running = map[string]int{}
	_, c = newTestService(t, dir, delay, eng)
	if diff := cmp.Diff(failedOver, current()); diff != "" {
		t.Errorf("after a restart: -want +got:\n%s", diff)
	}
}

// TestFailoverResumesAfterRestart: while a failover runs, the two nodes
// whose roles swap are "modifying"; a stop in the middle leaves it saved,
// and the next start finishes it.
func TestFailoverResumesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	eng := newFakeEngines()
	s, c := newTestService(t, dir, 0, eng)
	ctx := context.Background()
	in := createInput("g1", 3)
	in.AutomaticFailoverEnabled = aws.Bool(true)
	if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "g1", "available")
	s.Close()

	// Statuses that last a minute: the failover is still to come when the
	// service stops.
	s, c = newTestService(t, dir, time.Minute, eng)
	if _, err := c.TestFailover(ctx, &awsec.TestFailoverInput{ReplicationGroupId: aws.String("g1"), NodeGroupId: aws.String("0001")}); err != nil {
		t.Fatalf("TestFailover: %v", err)
	}
	during := []string{"g1-001 modifying 127.0.0.1:40001", "g1-002 modifying 127.0.0.1:40002", "g1-003 available 127.0.0.1:40003"}
	if diff := cmp.Diff(during, clusterNodes(t, c)); diff != "" {
		t.Errorf("member clusters during the failover: -want +got:\n%s", diff)
	}
	s.Close()
	eng.running = map[string]int{}

	_, c = newTestService(t, dir, delay, eng)
	if diff := cmp.Diff([]string{"modifying", "available"}, observe(t, c, "g1", "available")); diff != "" {
		t.Errorf("statuses after the restart: -want +got:\n%s", diff)
	}
	v := viewOf(describe(t, c, "g1"))
	got := []string{v.Roles, v.Primary, v.Reader}
	want := []string{"g1-002=primary,g1-001=replica,g1-003=replica", "127.0.0.1:40001", "127.0.0.1:40002"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(roles, primary, reader) after the resumed failover: -want +got:\n%s", diff)
	}
}

func TestPromotable(t *testing.T) {
	cases := map[string]struct {
		reason  string
		members []*member
		want    string
	}{
		"NoReplica": {
			reason:  "A lone primary has no one to fail over to.",
			members: []*member{{ID: "g-001", Port: 1}},
		},
		"FirstServingReplica": {
			reason:  "Replicas being added or removed are skipped.",
			members: []*member{{ID: "g-001", Port: 1}, {ID: "g-002", Port: 2, Removing: true}, {ID: "g-003", Adding: true}, {ID: "g-004", Port: 4}},
			want:    "g-004",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ""
			if m := promotable(&group{Members: tc.members}); m != nil {
				got = m.ID
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
