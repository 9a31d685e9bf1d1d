package elasticache

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/netip"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// TestReplicationGroupGates follows a group in a cache subnet group
// through a failover, a replica added and removed, new security groups, a
// restart and its deletion: its primary and reader endpoints and each
// node have their own address in the subnet of the group's zone, with a
// gate that forwards to the node in that role; the primary endpoint keeps
// its address and port through the failover. A group outside a subnet
// group stays on 127.0.0.1 with no gate (AWS would place it in the
// default VPC, which the local cloud has not).
func TestReplicationGroupGates(t *testing.T) {
	dir := t.TempDir()
	eng, network, gates := newFakeEngines(), newFakeNetwork(), &localcloudtest.Gates{}
	s, c := newTestService(t, dir, 0, eng, withNetwork(network), withGates(gates))
	ctx := context.Background()
	if _, err := c.CreateCacheSubnetGroup(ctx, subnetGroupInput("private", "subnet-b", "subnet-a")); err != nil {
		t.Fatal(err)
	}
	in := createInput("cache", 2)
	in.CacheSubnetGroupName, in.SecurityGroupIds = aws.String("private"), []string{"sg-1"}
	in.AutomaticFailoverEnabled, in.TransitEncryptionEnabled = aws.Bool(true), aws.Bool(true)
	if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "cache", "available")
	if _, err := c.CreateReplicationGroup(ctx, createInput("plain", 1)); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "plain", "available")

	type state struct {
		Primary, Reader string
		Nodes, Gates    []string
		// Allowed and Other are what the primary's gate says of a source
		// sg-1 admits and of one it does not.
		Allowed, Other string
	}
	current := func() state {
		v := viewOf(describe(t, c, "cache"))
		return state{Primary: v.Primary, Reader: v.Reader, Nodes: clusterNodes(t, c), Gates: gates.Listening(),
			Allowed: gates.Admits(v.Primary, "192.0.2.9"), Other: gates.Admits(v.Primary, "198.51.100.9")}
	}
	created := state{
		Primary: "10.1.2.4:6379", Reader: "10.1.2.5:6379",
		Nodes:   []string{"cache-001 available 10.1.2.6:6379", "cache-002 available 10.1.2.7:6379", "plain-001 available 127.0.0.1:40003"},
		Gates:   []string{"10.1.2.4:6379->40001", "10.1.2.5:6379->40002", "10.1.2.6:6379->40001", "10.1.2.7:6379->40002"},
		Allowed: "admitted", Other: "refused",
	}
	if diff := cmp.Diff(created, current()); diff != "" {
		t.Errorf("created: -want +got:\n%s", diff)
	}

	failedOver := state{
		Primary: "10.1.2.4:6379", Reader: "10.1.2.5:6379",
		Nodes:   []string{"cache-001 available 10.1.2.6:6379", "cache-002 available 10.1.2.7:6379", "plain-001 available 127.0.0.1:40003"},
		Gates:   []string{"10.1.2.4:6379->40001", "10.1.2.5:6379->40002", "10.1.2.6:6379->40002", "10.1.2.7:6379->40001"},
		Allowed: "admitted", Other: "refused",
	}
	withReplica := failedOver
	withReplica.Nodes = []string{"cache-001 available 10.1.2.6:6379", "cache-002 available 10.1.2.7:6379", "cache-003 available 10.1.2.8:6379", "plain-001 available 127.0.0.1:40003"}
	withReplica.Gates = append(withReplica.Gates[:4:4], "10.1.2.8:6379->40004")
	regrouped := failedOver
	regrouped.Allowed = "refused"
	steps := []struct {
		reason string
		call   func() error
		want   state
	}{
		{
			reason: "A failover moves the node behind each address, not the primary endpoint.",
			call: func() error {
				_, err := c.TestFailover(ctx, &awsec.TestFailoverInput{ReplicationGroupId: aws.String("cache"), NodeGroupId: aws.String("0001")})
				return err
			},
			want: failedOver,
		},
		{
			reason: "A new replica gets an address and a gate of its own.",
			call: func() error {
				_, err := c.IncreaseReplicaCount(ctx, &awsec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("cache"), NewReplicaCount: aws.Int32(2), ApplyImmediately: aws.Bool(true)})
				return err
			},
			want: withReplica,
		},
		{
			reason: "A replica removed loses its gate.",
			call: func() error {
				_, err := c.DecreaseReplicaCount(ctx, &awsec.DecreaseReplicaCountInput{ReplicationGroupId: aws.String("cache"), ReplicasToRemove: []string{"cache-003"}, ApplyImmediately: aws.Bool(true)})
				return err
			},
			want: failedOver,
		},
		{
			reason: "New security groups hold for the next connection.",
			call: func() error {
				_, err := c.ModifyReplicationGroup(ctx, &awsec.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("cache"), SecurityGroupIds: []string{"sg-2"}, ApplyImmediately: aws.Bool(true)})
				return err
			},
			want: regrouped,
		},
	}
	for i, st := range steps {
		if err := st.call(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if err := s.Wait(ctx, "cache"); err != nil {
			t.Fatal(err)
		}
		observe(t, c, "cache", "available")
		if diff := cmp.Diff(st.want, current()); diff != "" {
			t.Errorf("step %d: %s\n-want +got:\n%s", i, st.reason, diff)
		}
	}
	held := map[string]string{
		"10.1.2.4": "elasticache/rg/cache/primary", "10.1.2.5": "elasticache/rg/cache/reader",
		"10.1.2.6": "elasticache/cluster/cache-001", "10.1.2.7": "elasticache/cluster/cache-002",
	}
	if diff := cmp.Diff(held, network.Held()); diff != "" {
		t.Errorf("addresses: -want +got:\n%s", diff)
	}
	groups, ok := s.SecurityGroupsAt(netip.MustParseAddr("10.1.2.7"))
	if diff := cmp.Diff([]string{"sg-2"}, groups); diff != "" || !ok {
		t.Errorf("SecurityGroupsAt(10.1.2.7) (ok %t): -want +got:\n%s", ok, diff)
	}
	checkCertificate(t, dir, eng, "cache-001", "127.0.0.1", "10.1.2.4", "10.1.2.5", "10.1.2.6", "10.1.2.7")

	// A new network knows nothing until the restarted service claims what
	// it saved; the gates open again with the nodes.
	s.Close()
	eng.running = map[string]int{}
	network = newFakeNetwork()
	_, c = newTestService(t, dir, 0, eng, withNetwork(network), withGates(gates))
	if diff := cmp.Diff(held, network.Held()); diff != "" {
		t.Errorf("addresses after restart: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(regrouped, current()); diff != "" {
		t.Errorf("after restart: -want +got:\n%s", diff)
	}

	if _, err := c.DeleteReplicationGroup(ctx, &awsec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("cache")}); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "cache", "")
	if diff := cmp.Diff([]string(nil), gates.Listening()); diff != "" {
		t.Errorf("gates after delete: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{}, network.Held()); diff != "" {
		t.Errorf("addresses after delete: -want +got:\n%s", diff)
	}
}

// checkCertificate verifies the certificate a node was given against the
// local cloud's CA for each host.
func checkCertificate(t *testing.T, dir string, eng *fakeEngines, clusterID string, hosts ...string) {
	t.Helper()
	eng.mu.Lock()
	n := eng.nodes[nodeKey(clusterID)]
	eng.mu.Unlock()
	if n.TLS == nil {
		t.Fatalf("node %s has no TLS", clusterID)
	}
	ca, err := engines.LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM())
	b, err := os.ReadFile(n.TLS.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range hosts {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("node %s's certificate for %s: %v", clusterID, host, err)
		}
	}
}
