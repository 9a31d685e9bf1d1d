//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	ecv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	"github.com/appinfra/provider-appinfra/test/probe"
)

// A year in the life: what the cloud does on its own (maintenance windows
// with minor upgrades and deferred changes, storage autoscaling, failover,
// a stop) and what teams do (resize, rotate, label, delete and reuse a
// name), one after another on a database and a cache, each with an
// application that uses it throughout through its connection Secret. After
// each event the resource must be Synced and Ready within three polls,
// the cloud must refuse no request twice for the same cause, and the
// application must see no failed connection except while the cloud itself
// is down (an upgrade, a failover, a stop), which each step names and
// bounds. The local cloud's admin endpoint triggers the cloud's events;
// its maintenance window comes when the test says.
//
// Not here: a SQLDatabase claim's resize goes through Crossplane core, so
// the end-to-end suite covers it (AppEnvironment medium -> small).

// outageBound is the longest an application may fail to connect through
// a named outage of the cloud: a restart of the engine, a failover.
const outageBound = 45 * time.Second

// appProbe is an application: every 150 ms it re-reads its connection
// Secret, as an application that reloads would, and uses the database or
// cache with what it finds there.
type appProbe struct {
	mu      sync.Mutex
	outage  string                  // the outage the test has declared, "" for none
	spans   map[string][2]time.Time // first and last failure per outage
	fails   []string                // failures outside any declared outage
	uses    int
	stopped chan struct{}
	cancel  context.CancelFunc
}

func startProbe(t *testing.T, secret string, use func(conn map[string]string) error) *appProbe {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &appProbe{spans: map[string][2]time.Time{}, stopped: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(p.stopped)
		for ctx.Err() == nil {
			s := &corev1.Secret{}
			err := kube.Get(ctx, key(ns, secret), s)
			if err == nil {
				conn := map[string]string{}
				for k, v := range s.Data {
					conn[k] = string(v)
				}
				err = use(conn)
			}
			if ctx.Err() != nil {
				return
			}
			p.record(err)
			time.Sleep(150 * time.Millisecond)
		}
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *appProbe) record(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.uses++
	if err == nil {
		return
	}
	if p.outage == "" {
		p.fails = append(p.fails, time.Now().Format("15:04:05.000")+" "+err.Error())
		return
	}
	s, ok := p.spans[p.outage]
	if !ok {
		s[0] = time.Now()
	}
	s[1] = time.Now()
	p.spans[p.outage] = s
}

// during declares that the cloud is down for a while in f, under a name.
func (p *appProbe) during(name string, f func()) {
	p.mu.Lock()
	p.outage = name
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.outage = ""
		p.mu.Unlock()
	}()
	f()
}

func (p *appProbe) stop() {
	p.cancel()
	<-p.stopped
}

// check fails the test for failures outside the declared outages and for
// outages longer than outageBound, and logs what the application saw.
func (p *appProbe) check(t *testing.T) {
	t.Helper()
	p.stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.uses < 20 {
		t.Errorf("the application used the resource only %d times", p.uses)
	}
	for _, f := range p.fails {
		t.Errorf("the application failed outside any outage of the cloud: %s", f)
	}
	for name, s := range p.spans {
		d := s[1].Sub(s[0])
		t.Logf("outage %q: the application failed from its first to its last failure for %s", name, d.Round(time.Millisecond))
		if d > outageBound {
			t.Errorf("outage %q: the application failed for %s, more than %s", name, d, outageBound)
		}
	}
}

// cloudEvent triggers what the cloud does on its own, now.
func cloudEvent(t *testing.T, service, id, event string) {
	t.Helper()
	resp, err := http.Post(fmt.Sprintf("%s/%s/%s/%s", localCloudAdmin, service, id, event), "", nil)
	if err != nil {
		t.Fatalf("%s %s: %v", service, event, err)
	}
	defer resp.Body.Close() //nolint:errcheck // Read below.
	if resp.StatusCode != http.StatusNoContent {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s of %s: %s: %s", service, event, id, resp.Status, body)
	}
}

// settled waits for the resource to be Synced and Ready within three
// polls of the cloud being done.
func settled(t *testing.T, o conditioned, what string) {
	t.Helper()
	eventually(t, 3*pollInterval+10*time.Second, what+": Synced and Ready within three polls", func() error { return ready(o) })
}

// noRepeatedRefusal fails the test when the cloud refused two requests of
// the provider for id with the same action and code. A describe that
// finds nothing is an answer, not a refusal.
func noRepeatedRefusal(t *testing.T, id string) {
	t.Helper()
	seen := map[string]int{}
	for _, c := range rdsCalls.of(id) {
		if c.Refused != "" && !(strings.HasPrefix(c.Op, "Describe") && strings.Contains(c.Refused, "NotFound")) {
			seen[c.Op+" "+c.Refused]++
		}
	}
	for cause, n := range seen {
		if n > 1 {
			t.Errorf("the cloud refused %s %d times", cause, n)
		}
	}
}

// writes counts the provider's calls for id since start that change
// something.
func writes(id string, start int) []string {
	var out []string
	for _, c := range rdsCalls.of(id)[start:] {
		if !strings.HasPrefix(c.Op, "Describe") && !strings.HasPrefix(c.Op, "List") {
			out = append(out, c.Op)
		}
	}
	return out
}

// quietFor waits three polls of id and fails on any change the provider
// sent meanwhile.
func quietFor(t *testing.T, id, what string) {
	t.Helper()
	start := len(rdsCalls.of(id))
	time.Sleep(3*pollInterval + time.Second)
	if w := writes(id, start); len(w) > 0 {
		t.Errorf("%s: the provider sent %v", what, w)
	}
}

func cloudDB(t *testing.T, id string) func() error {
	return func() error {
		d, err := describe(id)
		if err != nil {
			return err
		}
		if st := aws.ToString(d.DBInstanceStatus); st != "available" {
			return fmt.Errorf("RDS says %s", st)
		}
		return nil
	}
}

func TestAYearInTheLife(t *testing.T) {
	t.Parallel()
	t.Run("Database", yearOfADatabase)
	t.Run("Cache", yearOfACache)
}

func yearOfADatabase(t *testing.T) {
	t.Parallel()
	const name = "yr-db"
	cr := dbInstance(name, func(d *v1alpha1.DBInstance) {
		// An older minor than the local cloud runs: the first window
		// with automatic minor upgrades moves it to the newest.
		d.Spec.ForProvider.EngineVersion = ptr.To("15.2")
		d.Spec.ForProvider.AutoMinorVersionUpgrade = ptr.To(true)
		d.Spec.ForProvider.MaxAllocatedStorage = ptr.To[int32](100)
		d.Spec.ForProvider.MultiAZ = ptr.To(true)
	})
	create(t, cr)
	eventually(t, dbConverge, "instance Ready", func() error { return ready(cr) })
	addCanary(connSecret(t, name+"-conn")["password"])
	app := startProbe(t, name+"-conn", func(conn map[string]string) error {
		_, err := probe.Query(conn["url"])
		return err
	})

	t.Run("AutomaticMinorUpgrade", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		// Ready already while RDS backs the new instance up; the window
		// finds it available.
		eventually(t, dbConverge, "available", cloudDB(t, name))
		start := len(rdsCalls.of(name))
		app.during("minor upgrade", func() {
			cloudEvent(t, "rds", name, "maintenance")
			eventually(t, dbConverge, "upgraded", func() error {
				d, err := describe(name)
				if err != nil {
					return err
				}
				if v := aws.ToString(d.EngineVersion); v == "15.2" || aws.ToString(d.DBInstanceStatus) != "available" {
					return fmt.Errorf("RDS says %s at %s", aws.ToString(d.DBInstanceStatus), v)
				}
				return nil
			})
			settled(t, cr, "after the upgrade")
		})
		if v := ptr.Deref(cr.Spec.ForProvider.EngineVersion, ""); v != "15.2" {
			t.Errorf("the spec's engineVersion became %q: the cloud's minor must not be pinned", v)
		}
		if w := writes(name, start); len(w) > 0 {
			t.Errorf("after an automatic minor upgrade the provider sent %v (a downgrade?)", w)
		}
	})

	t.Run("StorageAutoscaling", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		eventually(t, dbConverge, "available", cloudDB(t, name))
		start := len(rdsCalls.of(name))
		cloudEvent(t, "rds", name, "storage-low")
		eventually(t, dbConverge, "storage grown", func() error {
			d, err := describe(name)
			if err != nil {
				return err
			}
			if aws.ToInt32(d.AllocatedStorage) <= 20 || aws.ToString(d.DBInstanceStatus) != "available" {
				return fmt.Errorf("RDS says %s with %d GiB", aws.ToString(d.DBInstanceStatus), aws.ToInt32(d.AllocatedStorage))
			}
			return nil
		})
		settled(t, cr, "after autoscaling")
		quietFor(t, name, "after storage autoscaling")
		if w := writes(name, start); len(w) > 0 {
			t.Errorf("after storage autoscaling the provider sent %v (a shrink?)", w)
		}
	})

	t.Run("ResizeUpAndDown", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		for _, class := range []string{"db.t4g.small", "db.t4g.micro"} {
			edit(t, cr, "class "+class, func(d *v1alpha1.DBInstance) { d.Spec.ForProvider.DBInstanceClass = class })
			eventually(t, dbConverge, "class "+class, func() error {
				d, err := describe(name)
				if err != nil {
					return err
				}
				if aws.ToString(d.DBInstanceClass) != class {
					return fmt.Errorf("class %s", aws.ToString(d.DBInstanceClass))
				}
				return cloudDB(t, name)()
			})
			settled(t, cr, "after the resize to "+class)
		}
	})

	t.Run("DeferredToTheWindow", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		edit(t, cr, "deferred class change", func(d *v1alpha1.DBInstance) {
			d.Spec.ForProvider.ApplyImmediately = false
			d.Spec.ForProvider.DBInstanceClass = "db.t4g.small"
		})
		eventually(t, 3*pollInterval+10*time.Second, "pending", func() error {
			d, err := describe(name)
			if err != nil {
				return err
			}
			if p := d.PendingModifiedValues; p == nil || aws.ToString(p.DBInstanceClass) != "db.t4g.small" {
				return errors.New("no class change pending")
			}
			return nil
		})
		settled(t, cr, "with a change pending for the window")
		quietFor(t, name, "with a change pending for the window")
		eventually(t, dbConverge, "available", cloudDB(t, name))
		cloudEvent(t, "rds", name, "maintenance")
		eventually(t, dbConverge, "applied in the window", func() error {
			d, err := describe(name)
			if err != nil {
				return err
			}
			if aws.ToString(d.DBInstanceClass) != "db.t4g.small" {
				return fmt.Errorf("class %s", aws.ToString(d.DBInstanceClass))
			}
			return cloudDB(t, name)()
		})
		settled(t, cr, "after the window")
		edit(t, cr, "apply immediately again", func(d *v1alpha1.DBInstance) { d.Spec.ForProvider.ApplyImmediately = true })
	})

	t.Run("PasswordRotation", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		const rotated = "yr-db-rotated-password-0001"
		addCanary(rotated)
		s := &corev1.Secret{}
		if err := kube.Get(context.Background(), key(ns, name+"-master"), s); err != nil {
			t.Fatal(err)
		}
		s.Data["password"] = []byte(rotated)
		if err := kube.Update(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		// The connection Secret gets the new password once the reset is
		// done, never before (RDS refuses it until then). RDS has one
		// master password: when the reset completes, the old one stops
		// working, and an application that still holds it fails until the
		// provider's next poll publishes the new one. The test names that
		// moment; a rotation without it needs two users taking turns.
		app.during("password switch", func() {
			eventually(t, dbConverge, "new password published", func() error {
				if connSecret(t, name+"-conn")["password"] != rotated {
					return errors.New("not yet")
				}
				return nil
			})
		})
		settled(t, cr, "after the rotation")
	})

	t.Run("UnrelatedLabelOnTheSecret", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		s := &corev1.Secret{}
		if err := kube.Get(context.Background(), key(ns, name+"-master"), s); err != nil {
			t.Fatal(err)
		}
		s.Labels = map[string]string{"gitops.example.com/synced": "true"}
		if err := kube.Update(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		quietFor(t, name, "after a label was added to the password Secret")
	})

	t.Run("Failover", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		eventually(t, dbConverge, "available", cloudDB(t, name))
		app.during("failover", func() {
			cloudEvent(t, "rds", name, "failover")
			eventually(t, dbConverge, "failed over", cloudDB(t, name))
			settled(t, cr, "after the failover")
		})
		if d, err := describe(name); err != nil || aws.ToString(d.AvailabilityZone) != "us-east-1b" {
			t.Errorf("after a failover the primary is in %v (%v), want us-east-1b", aws.ToString(d.AvailabilityZone), err)
		}
	})

	t.Run("StopAndStart", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		eventually(t, dbConverge, "available", cloudDB(t, name))
		app.during("stopped", func() {
			if _, err := rdsStore.StopDBInstance(context.Background(), &rds.StopDBInstanceInput{DBInstanceIdentifier: aws.String(name)}); err != nil {
				t.Fatal(err)
			}
			eventually(t, dbConverge, "says stopped", func() error {
				if err := hasCondition(cr, xpv2.TypeReady, corev1.ConditionFalse, "stopped"); err != nil {
					return err
				}
				return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionTrue, "")
			})
			quietFor(t, name, "while stopped")
			if _, err := rdsStore.StartDBInstance(context.Background(), &rds.StartDBInstanceInput{DBInstanceIdentifier: aws.String(name)}); err != nil {
				t.Fatal(err)
			}
			eventually(t, dbConverge, "started", cloudDB(t, name))
			settled(t, cr, "after the start")
		})
	})

	app.check(t)
	noRepeatedRefusal(t, name)

	t.Run("DeleteAndReuseTheName", func(t *testing.T) {
		for round := 1; round <= 2; round++ {
			if round == 2 {
				cr = dbInstance(name)
				create(t, cr)
				eventually(t, dbConverge, "instance Ready again", func() error { return ready(cr) })
			}
			if err := kube.Delete(context.Background(), cr); err != nil {
				t.Fatal(err)
			}
			eventually(t, dbConverge, fmt.Sprintf("deletion %d done", round), func() error { return dbGone(name) })
			eventually(t, 30*time.Second, "resource gone", func() error { return gone(cr) })
		}
		out, err := rdsStore.DescribeDBSnapshots(context.Background(), &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DBSnapshots) != 2 {
			t.Errorf("two deletions of %s left %d final snapshots, want 2 of their own names", name, len(out.DBSnapshots))
		}
		noRepeatedRefusal(t, name)
	})
}

func yearOfACache(t *testing.T) {
	t.Parallel()
	const name = "yr-cache"
	cr := replicationGroup(name, func(g *ecv1alpha1.ReplicationGroup) {
		g.Spec.ForProvider.NumCacheClusters = 2
		g.Spec.ForProvider.AutomaticFailoverEnabled = true
		g.Spec.ForProvider.AuthTokenGracePeriod = &metav1.Duration{Duration: 5 * time.Second}
	})
	create(t, cr)
	eventually(t, dbConverge, "group Ready", func() error { return ready(cr) })
	addCanary(connSecret(t, name+"-conn")["password"])
	app := startProbe(t, name+"-conn", func(conn map[string]string) error {
		return probe.WithToken(conn["host"], conn["port"], conn["ca.crt"], conn["password"], func(c *probe.Redis) error {
			_, err := c.Do("SET", "last-seen", time.Now().Format(time.RFC3339Nano))
			return err
		})
	})
	group := func() (*elasticache.DescribeReplicationGroupsOutput, error) {
		return cacheStore.DescribeReplicationGroups(context.Background(), &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)})
	}
	available := func() error {
		out, err := group()
		if err != nil {
			return err
		}
		if st := aws.ToString(out.ReplicationGroups[0].Status); st != "available" {
			return fmt.Errorf("ElastiCache says %s", st)
		}
		return nil
	}

	t.Run("TokenRotation", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		old := connSecret(t, name+"-conn")
		const rotated = "yr-cache-rotated-token-0001-abcdef"
		addCanary(rotated)
		s := &corev1.Secret{}
		if err := kube.Get(context.Background(), key(ns, name+"-token"), s); err != nil {
			t.Fatal(err)
		}
		s.Data["token"] = []byte(rotated)
		if err := kube.Update(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		// Published only once ElastiCache takes it; the old one still
		// works for the grace period.
		eventually(t, dbConverge, "new token published", func() error {
			conn := connSecret(t, name+"-conn")
			if conn["password"] != rotated {
				return errors.New("not yet")
			}
			return nil
		})
		if err := probe.WithToken(old["host"], old["port"], old["ca.crt"], old["password"], probe.Ping); err != nil {
			t.Errorf("the old token was refused as soon as the new one was published: %v", err)
		}
		eventually(t, dbConverge, "SET after the grace period", func() error {
			if err := probe.WithToken(old["host"], old["port"], old["ca.crt"], old["password"], probe.Ping); err == nil {
				return errors.New("the old token still works")
			}
			return nil
		})
		eventually(t, dbConverge, "rotation finished", available)
		settled(t, cr, "after the rotation")
	})

	t.Run("DeferredToTheWindow", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		edit(t, cr, "deferred node type", func(g *ecv1alpha1.ReplicationGroup) {
			g.Spec.ForProvider.ApplyImmediately = false
			g.Spec.ForProvider.CacheNodeType = "cache.t4g.small"
		})
		eventually(t, 3*pollInterval+10*time.Second, "pending", func() error {
			out, err := cacheStore.DescribeCacheClusters(context.Background(), &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(name + "-001")})
			if err != nil {
				return err
			}
			if p := out.CacheClusters[0].PendingModifiedValues; p == nil || aws.ToString(p.CacheNodeType) != "cache.t4g.small" {
				return errors.New("no node type pending")
			}
			return nil
		})
		settled(t, cr, "with a change pending for the window")
		quietFor(t, name, "with a change pending for the window")
		cloudEvent(t, "elasticache", name, "maintenance")
		eventually(t, dbConverge, "applied in the window", func() error {
			out, err := group()
			if err != nil {
				return err
			}
			if nt := aws.ToString(out.ReplicationGroups[0].CacheNodeType); nt != "cache.t4g.small" {
				return fmt.Errorf("node type %s", nt)
			}
			return available()
		})
		settled(t, cr, "after the window")
		edit(t, cr, "apply immediately again", func(g *ecv1alpha1.ReplicationGroup) { g.Spec.ForProvider.ApplyImmediately = true })
	})

	t.Run("Failover", func(t *testing.T) {
		t.Logf("start %s", time.Now().Format("15:04:05.000"))
		primary := func() string {
			out, err := group()
			if err != nil || len(out.ReplicationGroups[0].NodeGroups) == 0 {
				return ""
			}
			for _, m := range out.ReplicationGroups[0].NodeGroups[0].NodeGroupMembers {
				if aws.ToString(m.CurrentRole) == "primary" {
					return aws.ToString(m.CacheClusterId)
				}
			}
			return ""
		}
		before := primary()
		app.during("failover", func() {
			cloudEvent(t, "elasticache", name, "failover")
			eventually(t, dbConverge, "failed over", func() error {
				if p := primary(); p == before || p == "" {
					return fmt.Errorf("primary %q", p)
				}
				return available()
			})
			settled(t, cr, "after the failover")
		})
	})

	app.check(t)
	noRepeatedRefusal(t, name)
	if err := kube.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, dbConverge, "group gone", func() error { return gone(cr) })
}
