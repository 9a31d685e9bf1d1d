//go:build fault

package fault

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/appinfra/provider-appinfra/cluster/local"
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

// flakyClouds: 45% of all calls fail (5xx, throttling, resets after the
// cloud acted, truncated answers) and 5% are slowed, while resources of
// every kind are created and deleted. A bucket that was already there, imported with
// an Observe-only policy and then deleted, must survive.
// flakyFaults is how many faults flakyClouds injects at least, time
// allowing.
const flakyFaults = 1100

func flakyClouds(t *testing.T) {
	inSync := time.Minute // six polls: most of the suite's faults are injected here
	if d, err := time.ParseDuration(os.Getenv("FAULT_SOAK")); err == nil {
		inSync = d
	}
	s := begin(t, "flaky")
	ns := namespace(t, "flaky")
	var objs []*unstructured.Unstructured
	for i := range 40 {
		objs = append(objs, s3Bucket(ns, s.name("s3-%02d", i)))
	}
	for i := range 10 {
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
	// A bucket whose management policies leave out Delete: deleting its
	// managed resource orphans it, and it must stay too.
	orphan := s3Bucket(ns, s.name("orphan"))
	_ = unstructured.SetNestedStringSlice(orphan.Object, []string{"Observe", "Create", "Update", "LateInitialize"}, "spec", "managementPolicies")
	objs = append(objs, observed, orphan)

	create(t, objs...)
	faultWindow(allFaults(nil), 2*time.Minute, objs, readyAndSynced)
	s.converge(objs)
	// Polls, in sync, with the faults on again: Ready resources must stay
	// so, and nothing may be written twice. make soak makes this long.
	setFaults(allFaults(nil))
	synced := time.Now()
	time.Sleep(inSync)
	// Most of the suite's faults are injected here, and how many a minute
	// brings depends on the machine's speed (1,100 to 2,100 seen): keep the
	// faults on, up to two minutes more, until this scenario alone has
	// injected flakyFaults, so that the suite clears its 1,000 on any run.
	for n, _ := injected(); n-s.injected < flakyFaults && time.Since(synced) < inSync+2*time.Minute; n, _ = injected() {
		time.Sleep(5 * time.Second)
	}
	setFaults(cloudproxy.Faults{})
	s.note("in sync with faults on for %s", time.Since(synced).Round(time.Second))
	s.converge(objs)

	remove(t, managed(objs)...)
	faultWindow(allFaults(nil), time.Minute, objs, gone)
	s.vanish(objs)
	s.end(nil, objs, bystander, cloudResource{kindS3, orphan.GetName()})
	for _, b := range []string{bystander.name, orphan.GetName()} {
		if _, err := clouds.s3.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Error(err)
		}
	}
}

// killLeaderAfterCreate: the leader is killed with SIGKILL right after the
// cloud has created a resource and before the provider hears back, so the
// external-create-succeeded annotation is never written; then again right
// after the cloud has accepted a delete. The standby takes over once the
// lease runs out, and must neither create a second resource nor lose or
// leave behind the first. One kind at a time: a kill while another kind's
// call is in flight would be answered to a dead replica.
func killLeaderAfterCreate(t *testing.T) {
	s := begin(t, "kill")
	ns := namespace(t, "kill")
	// Each kind's calls come from its cloud's provider: that one's leader
	// is killed.
	kinds := []struct {
		proxy          *cloudproxy.Proxy
		fleet          *replicas
		create, delete string
		objs           []*unstructured.Unstructured
	}{
		{proxies.s3, fleets["aws"], "CreateBucket", "DeleteBucket", []*unstructured.Unstructured{s3Bucket(ns, s.name("s3"))}},
		{proxies.gcs, fleets["gcp"], "buckets.insert", "buckets.delete", []*unstructured.Unstructured{gcsBucket(ns, s.name("gcs"))}},
		{proxies.aws, fleets["aws"], "CreateDBInstance", "DeleteDBInstance", dbInstance(ns, s.name("db"))},
	}
	var objs []*unstructured.Unstructured
	for _, k := range kinds {
		kill := killOn(s, k.fleet, k.proxy, k.create)
		create(t, k.objs...)
		kill.wait(t, 2*time.Minute)
		objs = append(objs, k.objs...)
	}
	s.converge(objs)
	for _, k := range kinds {
		kill := killOn(s, k.fleet, k.proxy, k.delete)
		remove(t, managed(k.objs)...)
		kill.wait(t, 2*time.Minute)
	}
	s.vanish(objs)
	s.end(nil, objs)
}

// kill is one armed kill.
type kill struct {
	done  chan struct{}
	s     *scenario
	proxy *cloudproxy.Proxy
	op    string
}

// killOn kills fleet's leader once the cloud behind p has answered op
// about one of the scenario's resources with success, and waits for a new
// leader.
func killOn(s *scenario, fleet *replicas, p *cloudproxy.Proxy, op string) *kill {
	k := &kill{done: make(chan struct{}), s: s, proxy: p, op: op}
	p.OnAnswer(func(c cloudproxy.Call) bool {
		if c.Op != op || c.Status >= 300 || !strings.HasPrefix(c.Name, s.prefix) {
			return false
		}
		killed, err := fleet.killLeader()
		at := time.Now()
		if err != nil {
			s.violate("cannot kill the leader after %s %s: %v", op, c.Name, err)
			close(k.done)
			return true
		}
		s.addProcessFault()
		go func() {
			defer close(k.done)
			// The standby takes over once the dead leader's lease has run
			// out: the lease plus a few retry periods (1 s) at most.
			leader, err := fleet.waitLeader(context.Background(), leaseDuration+4*time.Second)
			if err != nil {
				s.violate("after killing provider-%s replica %d on %s %s: %v", fleet.cloud, killed, op, c.Name, err)
				return
			}
			s.note("killed provider-%s replica %d after %s %s; replica %d leads %s later", fleet.cloud, killed, op, c.Name, leader, time.Since(at).Round(100*time.Millisecond))
		}()
		return true
	})
	return k
}

func (k *kill) wait(t *testing.T, timeout time.Duration) {
	defer k.proxy.OnAnswer(nil)
	select {
	case <-k.done:
	case <-time.After(timeout):
		k.s.violate("the leader was not killed after %s within %s", k.op, timeout)
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
		s.addProcessFault()
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
	s.check(objs, nil)
	remove(t, managed(objs)...)
	s.vanish(objs)
	s.end(nil, objs)
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
	s.addProcessFault()
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
	s.check(objs, nil)
	remove(t, managed(objs)...)
	s.vanish(objs)
	s.end(nil, objs)
	if err := setAWSKey(context.Background(), awsKey); err != nil {
		t.Fatal(err)
	}
}

// throttlingBacksOff: every call is throttled for 40 seconds. Retries must
// back off: fewer calls per resource in the second 20 seconds than in the
// first, and no more than when all is well; everything recovers after.
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

	const window = 20 * time.Second
	calm := callsPerResourceMinute(s, window)
	setFaults(cloudproxy.Faults{Throttle: 1, Only: func(c cloudproxy.Call) bool { return strings.HasPrefix(c.Name, s.prefix) }})
	first := callsPerResourceMinute(s, window)
	second := callsPerResourceMinute(s, window)
	setFaults(cloudproxy.Faults{})
	s.note("calls per resource per minute: %.1f when all is well; every call throttled: %.1f in the first 20 s, %.1f in the next 20 s", calm, first, second)
	if second >= first || second > calm {
		s.violate("no backoff: %.1f then %.1f calls per resource per minute under throttling, against %.1f when all is well", first, second, calm)
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
	var logs string
	for _, cloud := range local.Clouds {
		l, err := fleets[cloud].logs()
		if err != nil {
			t.Fatal(err)
		}
		logs += l
	}
	places := map[string]string{"provider logs": logs}

	events := &corev1.EventList{}
	if err := kube.List(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	conflicts, reasons := 0, map[string]int{}
	for _, e := range events.Items {
		fmt.Fprintf(&b, "%s %s %s\n", e.Reason, e.Message, e.InvolvedObject.Name)
		if strings.Contains(e.Message, "the object has been modified") {
			conflicts += int(max(e.Count, 1))
			reasons[e.Reason+" on "+e.InvolvedObject.Kind]++
		}
	}
	s.note("update conflicts (\"the object has been modified\") in events: %d, by reason %v", conflicts, reasons)
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
		places[gvk] = string(j)
	}
	seen.Lock()
	for _, w := range seen.where {
		s.violate("a secret value appeared in a managed resource while the suite waited on it: %s", w)
	}
	seen.Unlock()
	checked := 0
	for where, text := range places {
		for _, c := range canaries {
			checked++
			if strings.Contains(text, c) {
				s.violate("a secret value (%s...) appears in %s", c[:10], where)
			}
		}
	}
	s.note("%d secret values looked for in %d places (%d bytes of provider logs, one replica of each provider at debug level; %d events; every managed resource each time a scenario read it): none found unless a violation says so", len(canaries), len(places), len(logs), len(events.Items))
	total := 0
	for _, sc := range report.scenarios[:len(report.scenarios)-1] {
		total += sc.faults
	}
	if total < 1000 {
		s.violate("the suite injected %d faults, fewer than the 1,000 it should", total)
	}
	for _, cloud := range local.Clouds {
		if fleets[cloud].restarts() == 0 {
			s.violate("no provider-%s replica was ever restarted: the kill scenarios did not run", cloud)
		}
	}
	s.end(nil, nil)
}
