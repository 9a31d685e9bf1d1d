//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	localec2 "github.com/appinfra/provider-appinfra/cluster/localcloud/ec2"
	"github.com/appinfra/provider-appinfra/test/probe"
)

func replicationGroup(name string, mutate ...func(*v1alpha1.ReplicationGroup)) *v1alpha1.ReplicationGroup {
	g := &v1alpha1.ReplicationGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ReplicationGroupSpec{ForProvider: v1alpha1.ReplicationGroupParameters{
			Region:                   "us-east-1",
			Description:              "integration test",
			Engine:                   v1alpha1.EngineRedis,
			CacheNodeType:            "cache.t4g.micro",
			NumCacheClusters:         1,
			TransitEncryptionEnabled: true,
			AtRestEncryptionEnabled:  true,
			ApplyImmediately:         true,
			AuthTokenSecretRef:       &v1alpha1.LocalSecretKeySelector{Name: name + "-token", Key: "token"},
		}},
	}
	g.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-conn"}
	for _, m := range mutate {
		m(g)
	}
	return g
}

// cacheCalls are the local cloud actions the provider sent for group id.
func cacheCalls(id string) []call { return rdsCalls.of(id) }

// TestReplicationGroup runs a group against the local cloud and real
// Redis: Ready once available, reachable over TLS (verified with the CA in
// its connection Secret) with the token from that Secret, two reads per
// in-sync poll, a replica added and read from at the reader endpoint, the
// token rotated without breaking clients, drift corrected, deleted.
func TestReplicationGroup(t *testing.T) {
	t.Parallel()
	const name = "it-cache"
	// A short grace period, so that the rotation below ends with SET
	// within the test.
	cr := replicationGroup(name, func(g *v1alpha1.ReplicationGroup) {
		g.Spec.ForProvider.AuthTokenGracePeriod = &metav1.Duration{Duration: 3 * time.Second}
	})
	create(t, cr)
	eventually(t, dbConverge, "group Ready", func() error { return ready(cr) })
	conn := connSecret(t, name+"-conn")
	addCanary(conn["password"])
	for _, k := range []string{"host", "port", "password", "url", "ca.crt"} {
		if conn[k] == "" {
			t.Errorf("connection Secret lacks %q", k)
		}
	}
	if !strings.HasPrefix(conn["url"], "rediss://") {
		t.Errorf("url %q: want rediss:// with transit encryption", strings.ReplaceAll(conn["url"], conn["password"], "<token>"))
	}
	if err := probe.WithToken(conn["host"], conn["port"], conn["ca.crt"], conn["password"], func(c *probe.Redis) error {
		if err := probe.Ping(c); err != nil {
			return err
		}
		if _, err := c.Do("SET", "greeting", "hello"); err != nil {
			return err
		}
		v, err := c.Do("GET", "greeting")
		if err != nil || v != "hello" {
			return fmt.Errorf("GET: %q, %v", v, err)
		}
		return nil
	}); err != nil {
		t.Fatalf("using the cache through its connection Secret: %v", err)
	}

	t.Run("SteadyStateTwoReads", func(t *testing.T) {
		// Three polls of an in-sync group: a Describe and a ListTags each.
		start := len(cacheCalls(name))
		eventually(t, 4*pollInterval+10*time.Second, "three polls", func() error {
			if n := len(cacheCalls(name)) - start; n < 6 {
				return fmt.Errorf("%d calls so far", n)
			}
			return nil
		})
		for _, c := range cacheCalls(name)[start:] {
			if c.Op != "DescribeReplicationGroups" && c.Op != "ListTagsForResource" {
				t.Errorf("an in-sync poll sent %s", c.Op)
			}
		}
	})

	t.Run("AddReplica", func(t *testing.T) {
		eventually(t, 30*time.Second, "replicas changed", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			cr.Spec.ForProvider.NumCacheClusters = 2
			return kube.Update(context.Background(), cr)
		})
		eventually(t, dbConverge, "replica serving reads", func() error {
			if err := ready(cr); err != nil {
				return err
			}
			conn := connSecret(t, name+"-conn")
			if conn["readerHost"] == "" || len(cr.Status.AtProvider.MemberClusters) != 2 {
				return fmt.Errorf("readerHost %q, members %v", conn["readerHost"], cr.Status.AtProvider.MemberClusters)
			}
			// The local cloud's nodes share 127.0.0.1 and so have ports
			// of their own: the reader's is readerPort (on AWS, the same
			// as port).
			if conn["readerPort"] == conn["port"] {
				return fmt.Errorf("readerPort %s is the primary's port", conn["readerPort"])
			}
			return probe.WithToken(conn["readerHost"], conn["readerPort"], conn["ca.crt"], conn["password"], func(c *probe.Redis) error {
				v, err := c.Do("GET", "greeting")
				if err != nil || v != "hello" {
					return fmt.Errorf("GET on the reader: %q, %v", v, err)
				}
				if _, err := c.Do("SET", "greeting", "changed"); err == nil || !strings.Contains(err.Error(), "READONLY") {
					return fmt.Errorf("SET on the reader endpoint: %v, want READONLY (a replica)", err)
				}
				return nil
			})
		})
	})

	t.Run("RotateToken", func(t *testing.T) {
		eventually(t, dbConverge, "available", func() error { return ready(cr) })
		old := connSecret(t, name+"-conn")
		s := &corev1.Secret{}
		if err := kube.Get(context.Background(), key(ns, name+"-token"), s); err != nil {
			t.Fatal(err)
		}
		const rotated = "rotated-token-for-it-cache-0001-abcdef"
		addCanary(rotated)
		s.Data["token"] = []byte(rotated)
		if err := kube.Update(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		// After ROTATE and before SET both tokens work, and the
		// connection Secret has the new one.
		eventually(t, dbConverge, "ROTATE sent", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			if cr.Status.AtProvider.AuthTokenRotating != credentialVersion(t, ns, name+"-token", "token", rotated) {
				return fmt.Errorf("rotating %q", cr.Status.AtProvider.AuthTokenRotating)
			}
			return probe.WithToken(old["host"], old["port"], old["ca.crt"], rotated, probe.Ping)
		})
		if err := probe.WithToken(old["host"], old["port"], old["ca.crt"], old["password"], probe.Ping); err != nil {
			t.Errorf("the old token was refused during ROTATE: %v", err)
		}
		eventually(t, 30*time.Second, "new token published", func() error {
			if got := connSecret(t, name+"-conn")["password"]; got != rotated {
				return errors.New("the connection Secret does not have the new token")
			}
			return nil
		})
		eventually(t, dbConverge, "rotation completed with SET", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			if cr.Status.AtProvider.AuthTokenRotating != "" || cr.Status.AtProvider.AuthTokenSecretVersion != credentialVersion(t, ns, name+"-token", "token", rotated) {
				return fmt.Errorf("rotating %q, applied %q", cr.Status.AtProvider.AuthTokenRotating, cr.Status.AtProvider.AuthTokenSecretVersion)
			}
			return probe.WithToken(old["host"], old["port"], old["ca.crt"], rotated, probe.Ping)
		})
		eventually(t, 30*time.Second, "old token refused after SET", func() error {
			if err := probe.WithToken(old["host"], old["port"], old["ca.crt"], old["password"], probe.Ping); err == nil {
				return errors.New("the old token still works after SET")
			}
			return nil
		})
	})

	t.Run("DriftCorrected", func(t *testing.T) {
		eventually(t, dbConverge, "available", func() error { return ready(cr) })
		if _, err := cacheStore.ModifyReplicationGroup(context.Background(), &elasticache.ModifyReplicationGroupInput{
			ReplicationGroupId: aws.String(name), ReplicationGroupDescription: aws.String("changed behind the provider's back"), ApplyImmediately: aws.Bool(true),
		}); err != nil {
			t.Fatal(err)
		}
		eventually(t, dbConverge, "drift corrected", func() error {
			out, err := cacheStore.DescribeReplicationGroups(context.Background(), &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)})
			if err != nil {
				return err
			}
			if got := aws.ToString(out.ReplicationGroups[0].Description); got != cr.Spec.ForProvider.Description {
				return fmt.Errorf("description %q", got)
			}
			for _, e := range eventsOf(t, cr) {
				if e.Reason == "DriftDetected" {
					return nil
				}
			}
			return errors.New("no DriftDetected event")
		})
	})

	// What ElastiCache reports per node (security groups, maintenance
	// window) is compared and sent: it used to be set at creation only, so
	// a spec that cut network access reported Synced while nothing changed.
	t.Run("NodeSettingsSent", func(t *testing.T) {
		// The VPC's default group: the local cloud, like EC2, refuses a
		// group that does not exist.
		const sg, window = localec2.DefaultSecurityGroupID, "tue:03:00-tue:04:00"
		eventually(t, dbConverge, "available", func() error { return ready(cr) })
		eventually(t, 30*time.Second, "spec changed", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			cr.Spec.ForProvider.SecurityGroupIDs = []string{sg}
			cr.Spec.ForProvider.PreferredMaintenanceWindow = ptr.To(window)
			return kube.Update(context.Background(), cr)
		})
		eventually(t, dbConverge, "the nodes report the new settings", func() error {
			out, err := cacheStore.DescribeCacheClusters(context.Background(), &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(cr.Status.AtProvider.MemberClusters[0])})
			if err != nil {
				return err
			}
			c := out.CacheClusters[0]
			if len(c.SecurityGroups) != 1 || aws.ToString(c.SecurityGroups[0].SecurityGroupId) != sg || aws.ToString(c.PreferredMaintenanceWindow) != window {
				return fmt.Errorf("security groups %v, window %q", c.SecurityGroups, aws.ToString(c.PreferredMaintenanceWindow))
			}
			return ready(cr)
		})
	})

	// A change ElastiCache holds for the maintenance window is sent once:
	// not again, with a DriftDetected event, on every poll until the
	// window. (The local cloud's window never comes.)
	t.Run("DeferredChangeSentOnce", func(t *testing.T) {
		eventually(t, dbConverge, "available", func() error { return ready(cr) })
		start := len(cacheCalls(name))
		eventually(t, 30*time.Second, "spec changed", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			cr.Spec.ForProvider.ApplyImmediately = false
			cr.Spec.ForProvider.CacheNodeType = "cache.t4g.medium"
			return kube.Update(context.Background(), cr)
		})
		eventually(t, dbConverge, "the change pending, and three polls after it", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			n := cr.Status.AtProvider.PrimaryNode
			if n == nil || n.PendingCacheNodeType != "cache.t4g.medium" {
				return fmt.Errorf("pending: %+v", n)
			}
			describes := 0
			for _, c := range cacheCalls(name)[start:] {
				if c.Op == "DescribeReplicationGroups" {
					describes++
				}
			}
			if describes < 4 {
				return fmt.Errorf("%d polls so far", describes)
			}
			return ready(cr)
		})
		modifies := 0
		for _, c := range cacheCalls(name)[start:] {
			if c.Op == "ModifyReplicationGroup" {
				modifies++
			}
		}
		if modifies != 1 {
			t.Errorf("ModifyReplicationGroup sent %d times for one deferred change, want 1", modifies)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		if err := kube.Delete(context.Background(), cr); err != nil {
			t.Fatal(err)
		}
		eventually(t, dbConverge, "resource gone", func() error { return gone(cr) })
		if _, err := cacheStore.DescribeReplicationGroups(context.Background(), &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)}); err == nil {
			t.Error("the group is still described after its resource is gone")
		}
	})
}

// TestReplicationGroupOrphanThenImport: a resource without Delete in its
// policies leaves its group when deleted; an Observe-only resource then
// imports that group by external name, reports it, and leaves it too.
func TestReplicationGroupOrphanThenImport(t *testing.T) {
	t.Parallel()
	const name = "it-cache-orphan"
	cr := replicationGroup(name, func(g *v1alpha1.ReplicationGroup) {
		g.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionLateInitialize}
	})
	create(t, cr)
	t.Cleanup(func() {
		_, _ = cacheStore.DeleteReplicationGroup(context.Background(), &elasticache.DeleteReplicationGroupInput{ReplicationGroupId: aws.String(name)})
	})
	eventually(t, dbConverge, "group Ready", func() error { return ready(cr) })
	if err := kube.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(cr) })
	available := func() error {
		out, err := cacheStore.DescribeReplicationGroups(context.Background(), &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)})
		if err != nil {
			return err
		}
		if s := aws.ToString(out.ReplicationGroups[0].Status); s != "available" {
			return fmt.Errorf("status %s", s)
		}
		return nil
	}
	if err := available(); err != nil {
		t.Fatalf("the orphaned group should still be available: %v", err)
	}

	view := replicationGroup("it-cache-import-view", func(g *v1alpha1.ReplicationGroup) {
		g.Annotations = map[string]string{"crossplane.io/external-name": name}
		g.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
		g.Spec.ForProvider.AuthTokenSecretRef = nil
	})
	create(t, view)
	eventually(t, converge, "observed", func() error {
		if err := ready(view); err != nil {
			return err
		}
		at := view.Status.AtProvider
		if at.ARN == "" || at.PrimaryAddress == "" || at.Port == 0 || at.EngineVersion == "" {
			return fmt.Errorf("status.atProvider not filled: %+v", at)
		}
		return nil
	})
	if err := kube.Delete(context.Background(), view); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "view gone", func() error { return gone(view) })
	if err := available(); err != nil {
		t.Errorf("an Observe-only resource's deletion touched the group: %v", err)
	}
}

// TestReplicationGroupBadSpecRefusedAtAdmission: what ElastiCache would
// refuse is refused before it reaches the provider.
func TestReplicationGroupBadSpecRefusedAtAdmission(t *testing.T) {
	t.Parallel()
	expectRefused(t, map[string]refusal{
		"TokenWithoutTLS": {reason: "ElastiCache sends a token only over TLS", obj: replicationGroup("it-bad-token", func(g *v1alpha1.ReplicationGroup) {
			g.Spec.ForProvider.TransitEncryptionEnabled = false
		}), want: "an auth token needs transitEncryptionEnabled"},
		"FailoverWithoutReplica": {reason: "failover needs a replica", obj: replicationGroup("it-bad-failover", func(g *v1alpha1.ReplicationGroup) {
			g.Spec.ForProvider.AutomaticFailoverEnabled = true
		}), want: "automaticFailoverEnabled needs numCacheClusters of 2 or more"},
		"TooMany": {reason: "at most six nodes", obj: replicationGroup("it-bad-nodes", func(g *v1alpha1.ReplicationGroup) {
			g.Spec.ForProvider.NumCacheClusters = 7
		}), want: "numCacheClusters"},
	})
	o := replicationGroup("it-immutable-cache", func(g *v1alpha1.ReplicationGroup) {
		g.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	})
	expectImmutable(t, o, func() { o.Spec.ForProvider.AtRestEncryptionEnabled = false }, "atRestEncryptionEnabled is immutable")
	// The group keeps requiring its token: a spec without the reference
	// would publish a REDIS_URL without credentials.
	tok := replicationGroup("it-token-kept", func(g *v1alpha1.ReplicationGroup) {
		g.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	})
	expectImmutable(t, tok, func() { tok.Spec.ForProvider.AuthTokenSecretRef = nil }, "authTokenSecretRef cannot be removed once set")
}
