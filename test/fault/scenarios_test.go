//go:build fault

package fault

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/appinfra/provider-appinfra/test/cloudproxy"
)

// TestFaults runs the scenarios in order: each leaves the clouds as it
// found them, and the last checks what all of them logged.
func TestFaults(t *testing.T) {
	t.Run("FlakyClouds", flakyClouds)
	t.Run("KillLeaderAfterCreate", killLeaderAfterCreate)
	t.Run("APIServerRestart", apiServerRestart)
	t.Run("EventualConsistency", eventualConsistency)
	t.Run("ExpiredCredentials", expiredCredentials)
	t.Run("ThrottlingBacksOff", throttlingBacksOff)
	t.Run("SecretCanary", secretCanary)
}

// faultWindow keeps faults on while waiting for objs to satisfy ok, for
// at most d, then turns them off.
func faultWindow(f cloudproxy.Faults, d time.Duration, objs []*unstructured.Unstructured, ok func(*unstructured.Unstructured, error) (bool, string)) {
	setFaults(f)
	defer setFaults(cloudproxy.Faults{})
	_ = waitFor(managed(objs), d, ok)
}

// flakyClouds: a third of all calls fail (5xx, throttling, latency, resets
// after the cloud acted, truncated answers) while resources of every kind
// are created and deleted. A bucket that was already there, imported with
// an Observe-only policy and then deleted, must survive.
func flakyClouds(t *testing.T) {
	s := begin(t, "flaky")
	ns := namespace(t, "flaky")
	var objs []*unstructured.Unstructured
	for i := range 16 {
		objs = append(objs, s3Bucket(ns, s.name("s3-%02d", i)))
	}
	for i := range 6 {
		objs = append(objs, gcsBucket(ns, s.name("gcs-%02d", i)))
	}
	objs = append(objs, dbInstance(ns, s.name("db"))...)
	objs = append(objs, replicationGroup(ns, s.name("cache"))...)

	// Someone else's bucket, imported to be watched: deleting the managed
	// resource must leave it.
	bystander := cloudResource{kindS3, s.name("bystander")}
	if _, err := clouds.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bystander.name)}); err != nil {
		t.Fatal(err)
	}
	observed := s3Bucket(ns, "watched")
	observed.SetAnnotations(map[string]string{"crossplane.io/external-name": bystander.name})
	_ = unstructured.SetNestedStringSlice(observed.Object, []string{"Observe"}, "spec", "managementPolicies")
	objs = append(objs, observed)

	create(t, objs...)
	faultWindow(allFaults(nil), 2*time.Minute, objs, readyAndSynced)
	s.converge(objs)

	remove(t, managed(objs)...)
	faultWindow(allFaults(nil), time.Minute, objs, gone)
	s.vanish(objs)
	s.end(nil, objs, bystander)
	if _, err := clouds.s3.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String(bystander.name)}); err != nil {
		t.Error(err)
	}
}

// killLeaderAfterCreate: the leader is killed with SIGKILL right after the
// cloud has created a resource and before the provider hears back, so the
// external-create-succeeded annotation is never written; then again in the
// middle of deleting. The standby takes over once the lease runs out, and
// must neither create a second resource nor lose the first.
func killLeaderAfterCreate(t *testing.T) {
	s := begin(t, "kill")
	ns := namespace(t, "kill")
	objs := []*unstructured.Unstructured{s3Bucket(ns, s.name("s3")), gcsBucket(ns, s.name("gcs"))}
	objs = append(objs, dbInstance(ns, s.name("db"))...)

	kills := killOn(s, map[*cloudproxy.Proxy]string{proxies.s3: "CreateBucket", proxies.gcs: "buckets.insert", proxies.aws: "CreateDBInstance"})
	create(t, objs...)
	kills.wait(t, 3*time.Minute)
	s.converge(objs)

	kills = killOn(s, map[*cloudproxy.Proxy]string{proxies.s3: "DeleteBucket", proxies.gcs: "buckets.delete", proxies.aws: "DeleteDBInstance"})
	remove(t, managed(objs)...)
	kills.wait(t, 3*time.Minute)
	s.vanish(objs)
	s.end(nil, objs)
}

// kills arms one kill per proxy, on the first successful answer to op.
type kills struct {
	wg sync.WaitGroup
	s  *scenario
}

func killOn(s *scenario, ops map[*cloudproxy.Proxy]string) *kills {
	k := &kills{s: s}
	var mu sync.Mutex // one kill at a time: each waits out a takeover
	for p, op := range ops {
		k.wg.Add(1)
		p.OnAnswer(func(c cloudproxy.Call) bool {
			if c.Op != op || c.Status >= 300 || !strings.HasPrefix(c.Name, s.prefix) {
				return false
			}
			mu.Lock()
			killed, err := fleet.killLeader()
			at := time.Now()
			mu.Unlock()
			if err != nil {
				s.violate("cannot kill the leader after %s %s: %v", op, c.Name, err)
				k.wg.Done()
				return true
			}
			go func() {
				defer k.wg.Done()
				// The standby takes over once the dead leader's lease has
				// run out: the lease plus a few retry periods at most.
				leader, err := fleet.waitLeader(context.Background(), leaseDuration+10*time.Second)
				if err != nil {
					s.violate("after killing replica %d on %s %s: %v", killed, op, c.Name, err)
					return
				}
				s.note("killed replica %d after %s %s; replica %d leads %s later", killed, op, c.Name, leader, time.Since(at).Round(100*time.Millisecond))
			}()
			return true
		})
	}
	return k
}

func (k *kills) wait(t *testing.T, timeout time.Duration) {
	done := make(chan struct{})
	go func() { k.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		k.s.violate("not every armed kill happened within %s", timeout)
	}
	for _, p := range []*cloudproxy.Proxy{proxies.s3, proxies.aws, proxies.gcs} {
		p.OnAnswer(nil)
	}
}

// apiServerRestart: kube-apiserver is restarted while resources are being
// created, and again while they are being deleted. Watches break, requests
// fail, the leader may lose its lease; everything must still converge.
func apiServerRestart(t *testing.T) {
	s := begin(t, "api")
	ns := namespace(t, "api")
	var objs []*unstructured.Unstructured
	for i := range 6 {
		objs = append(objs, s3Bucket(ns, s.name("s3-%d", i)))
	}
	objs = append(objs, gcsBucket(ns, s.name("gcs-0")), gcsBucket(ns, s.name("gcs-1")))
	create(t, objs...)
	restart := func() {
		start := time.Now()
		if err := stack.ControlPlane.RestartAPIServer(); err != nil {
			t.Fatal(err)
		}
		s.faults++ // a process fault, not a cloud one: counted by hand
		s.note("kube-apiserver restarted in %s", time.Since(start).Round(100*time.Millisecond))
	}
	restart()
	s.converge(objs)
	remove(t, managed(objs)...)
	restart()
	s.vanish(objs)
	s.end(nil, objs)
}

// eventualConsistency: for a while after a create, the cloud answers reads
// of the new resource with "not found", as eventually consistent APIs do.
// The provider must not create a second one, nor report the first lost.
func eventualConsistency(t *testing.T) {
	s := begin(t, "eventual")
	ns := namespace(t, "eventual")
	var objs []*unstructured.Unstructured
	for i := range 4 {
		objs = append(objs, s3Bucket(ns, s.name("s3-%d", i)))
	}
	objs = append(objs, gcsBucket(ns, s.name("gcs-0")), gcsBucket(ns, s.name("gcs-1")))
	objs = append(objs, dbInstance(ns, s.name("db"))...)
	objs = append(objs, replicationGroup(ns, s.name("cache"))...)
	create(t, objs...)
	faultWindow(cloudproxy.Faults{NotFoundAfterCreate: 8 * time.Second}, 90*time.Second, objs, readyAndSynced)
	s.converge(objs)
	s.end(objs, nil)
	remove(t, managed(objs)...)
	s.vanish(objs)
}

// expiredCredentials: the credentials Secret's key stops being accepted
// mid-run. The resources say so in their Synced condition, without the
// secret; a change made meanwhile waits; once the key is rotated to a
// valid one, everything converges without a restart.
func expiredCredentials(t *testing.T) {
	s := begin(t, "creds")
	ns := namespace(t, "creds")
	objs := dbInstance(ns, s.name("db"))
	objs = append(objs, replicationGroup(ns, s.name("cache"))...)
	create(t, objs...)
	s.converge(objs)

	if err := setAWSKey(context.Background(), expiredKey); err != nil {
		t.Fatal(err)
	}
	s.faults++
	for _, v := range waitFor(managed(objs), 3*poll, func(u *unstructured.Unstructured, err error) (bool, string) {
		if u == nil {
			return false, "not found"
		}
		st, reason, msg := condition(u, "Synced")
		if st == "False" {
			s.note("%s with an expired key: Synced=False %s: %s", u.GetKind(), reason, msg)
		}
		return st == "False", "Synced=" + st
	}) {
		s.violate("an expired key was not reported within three polls: %s", v)
	}

	if err := setAWSKey(context.Background(), rotatedKey); err != nil {
		t.Fatal(err)
	}
	s.converge(objs)
	s.end(objs, nil)
	remove(t, managed(objs)...)
	s.vanish(objs)
	if err := setAWSKey(context.Background(), awsKey); err != nil {
		t.Fatal(err)
	}
}

// throttlingBacksOff: every call is throttled for a minute. Retries must
// back off: the calls per resource per minute under throttling stay no
// higher than when all is well, and everything recovers after.
func throttlingBacksOff(t *testing.T) {
	s := begin(t, "throttle")
	ns := namespace(t, "throttle")
	var objs []*unstructured.Unstructured
	for i := range 6 {
		objs = append(objs, s3Bucket(ns, s.name("s3-%d", i)))
	}
	objs = append(objs, gcsBucket(ns, s.name("gcs-0")), gcsBucket(ns, s.name("gcs-1")))
	objs = append(objs, dbInstance(ns, s.name("db"))...)
	create(t, objs...)
	s.converge(objs)

	const window = time.Minute
	calm := callsPerResourceMinute(s, window)
	setFaults(cloudproxy.Faults{Throttle: 1, Only: func(c cloudproxy.Call) bool { return strings.HasPrefix(c.Name, s.prefix) }})
	throttled := callsPerResourceMinute(s, window)
	setFaults(cloudproxy.Faults{})
	s.note("calls per resource per minute: %.1f when all is well, %.1f when every call is throttled", calm, throttled)
	if throttled > calm {
		s.violate("retry storm: %.1f calls per resource per minute under throttling, against %.1f when all is well", throttled, calm)
	}
	s.converge(objs)
	remove(t, managed(objs)...)
	s.vanish(objs)
	s.end(nil, objs)
}

// callsPerResourceMinute counts, over d, the calls about the scenario's
// resources at every proxy.
func callsPerResourceMinute(s *scenario, d time.Duration) float64 {
	count := func() (calls, resources int) {
		for _, p := range []*cloudproxy.Proxy{proxies.s3, proxies.aws, proxies.gcs} {
			for name, n := range p.Stats().ByName {
				if strings.HasPrefix(name, s.prefix) {
					calls += n
					resources++
				}
			}
		}
		return calls, resources
	}
	before, _ := count()
	time.Sleep(d)
	after, resources := count()
	return float64(after-before) / float64(max(resources, 1)) / d.Minutes()
}

// secretCanary: none of the secret values that ran through the suite
// (access keys, the master password, the auth token) may appear in the
// provider's logs, in events, or in any managed resource or config.
func secretCanary(t *testing.T) {
	s := begin(t, "canary")
	logs, err := fleet.logs()
	if err != nil {
		t.Fatal(err)
	}
	places := map[string]string{"provider logs": logs}

	events := &corev1.EventList{}
	if err := kube.List(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range events.Items {
		fmt.Fprintf(&b, "%s %s %s\n", e.Reason, e.Message, e.InvolvedObject.Name)
	}
	places["events"] = b.String()

	for _, gvk := range []string{
		"s3.aws.appinfra.io/v1alpha1/BucketList", "storage.gcp.appinfra.io/v1alpha1/BucketList",
		"rds.aws.appinfra.io/v1alpha1/DBInstanceList", "elasticache.aws.appinfra.io/v1alpha1/ReplicationGroupList",
		"aws.appinfra.io/v1alpha1/ClusterProviderConfigList", "aws.appinfra.io/v1alpha1/ProviderConfigUsageList",
		"gcp.appinfra.io/v1alpha1/ClusterProviderConfigList",
	} {
		i := strings.LastIndex(gvk, "/")
		l := &unstructured.UnstructuredList{}
		l.SetAPIVersion(gvk[:i])
		l.SetKind(gvk[i+1:])
		if err := kube.List(context.Background(), l, client.InNamespace("")); err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(l)
		places[gvk[i+1:]] = string(j)
	}
	checked := 0
	for where, text := range places {
		for _, c := range canaries {
			checked++
			if strings.Contains(text, c) {
				s.violate("a secret value (%s...) appears in %s", c[:10], where)
			}
		}
	}
	s.note("%d secret values looked for in %d places (%d bytes of provider logs, %d events): none found unless a violation says so", len(canaries), len(places), len(logs), len(events.Items))
	if fleet.restarts() == 0 {
		s.violate("no provider replica was ever restarted: the kill scenarios did not run")
	}
	s.end(nil, nil)
}
