//go:build fault

package fault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"google.golang.org/api/iterator"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// Every cloud resource of the suite is named with this prefix, so the
// checks know which ones are the suite's.
const prefix = "f-"

// The kinds, as the clouds call them.
const (
	kindS3    = "S3 bucket"
	kindGCS   = "GCS bucket"
	kindDB    = "DB instance"
	kindCache = "replication group"
)

func object(doc string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		panic(err)
	}
	return u
}

func s3Bucket(ns, name string) *unstructured.Unstructured {
	return object(fmt.Sprintf(`
apiVersion: s3.aws.appinfra.io/v1alpha1
kind: Bucket
metadata: {name: %s, namespace: %s}
spec:
  forProvider:
    region: us-east-1
    tags: {suite: fault}
`, name, ns))
}

// fake-gcs-server reports every bucket in US-CENTRAL1, whatever it was
// created with: the suite asks for that location.
func gcsBucket(ns, name string) *unstructured.Unstructured {
	return object(fmt.Sprintf(`
apiVersion: storage.gcp.appinfra.io/v1alpha1
kind: Bucket
metadata: {name: %s, namespace: %s}
spec:
  forProvider:
    location: us-central1
`, name, ns))
}

// dbInstance is a PostgreSQL instance whose master password is the canary,
// given in a Secret of the namespace.
func dbInstance(ns, name string) []*unstructured.Unstructured {
	return []*unstructured.Unstructured{secret(ns, name+"-master", "password", dbPassword), object(fmt.Sprintf(`
apiVersion: rds.aws.appinfra.io/v1alpha1
kind: DBInstance
metadata: {name: %s, namespace: %s}
spec:
  forProvider:
    region: us-east-1
    engine: postgres
    engineVersion: "15"
    dbInstanceClass: db.t4g.micro
    allocatedStorage: 20
    dbName: app
    masterUsername: appadmin
    masterPasswordSecretRef: {name: %s-master, key: password}
    skipFinalSnapshot: true
    applyImmediately: true
  writeConnectionSecretToRef: {name: %s-conn}
`, name, ns, name, name))}
}

// replicationGroup is a one-node Redis group with TLS whose auth token is
// the canary, given in a Secret of the namespace.
func replicationGroup(ns, name string) []*unstructured.Unstructured {
	return []*unstructured.Unstructured{secret(ns, name+"-token", "token", cacheToken), object(fmt.Sprintf(`
apiVersion: elasticache.aws.appinfra.io/v1alpha1
kind: ReplicationGroup
metadata: {name: %s, namespace: %s}
spec:
  forProvider:
    region: us-east-1
    description: fault suite
    engine: redis
    cacheNodeType: cache.t4g.micro
    numCacheClusters: 1
    transitEncryptionEnabled: true
    authTokenSecretRef: {name: %s-token, key: token}
    applyImmediately: true
  writeConnectionSecretToRef: {name: %s-conn}
`, name, ns, name, name))}
}

func secret(ns, name, key, value string) *unstructured.Unstructured {
	return object(fmt.Sprintf(`
apiVersion: v1
kind: Secret
metadata: {name: %s, namespace: %s}
stringData: {%s: %s}
`, name, ns, key, value))
}

// managed keeps the managed resources of a list, leaving Secrets out.
func managed(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != "Secret" {
			out = append(out, o)
		}
	}
	return out
}

// kindOf names a managed resource's kind as the clouds do.
func kindOf(u *unstructured.Unstructured) string {
	switch u.GetObjectKind().GroupVersionKind().Group {
	case "s3.aws.appinfra.io":
		return kindS3
	case "storage.gcp.appinfra.io":
		return kindGCS
	case "rds.aws.appinfra.io":
		return kindDB
	default:
		return kindCache
	}
}

// externalName is the name of a managed resource in its cloud.
func externalName(u *unstructured.Unstructured) string {
	if n := u.GetAnnotations()["crossplane.io/external-name"]; n != "" {
		return n
	}
	return u.GetName()
}

func namespace(t *testing.T, name string) string {
	t.Helper()
	err := kube.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !kerrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return name
}

// create creates the objects; the API server is up in every scenario at
// the moment objects are created.
func create(t *testing.T, objs ...*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		if err := kube.Create(context.Background(), o); err != nil {
			t.Fatalf("cannot create %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
}

// remove deletes the managed resources, retrying while the API server is
// away.
func remove(t *testing.T, objs ...*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		err := retry(time.Minute, func() error { return client.IgnoreNotFound(kube.Delete(context.Background(), o)) })
		if err != nil {
			t.Fatalf("cannot delete %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
}

func retry(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// condition is a managed resource's condition of type typ.
func condition(u *unstructured.Unstructured, typ string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			s, _ := m["status"].(string)
			r, _ := m["reason"].(string)
			msg, _ := m["message"].(string)
			return s, r, msg
		}
	}
	return "", "", ""
}

// waitFor polls each object until ok says it is done, for at most
// timeout; it returns the objects that never were, each with why.
func waitFor(objs []*unstructured.Unstructured, timeout time.Duration, ok func(u *unstructured.Unstructured, err error) (bool, string)) []string {
	deadline := time.Now().Add(timeout)
	pending := slices.Clone(objs)
	why := map[*unstructured.Unstructured]string{}
	for {
		var still []*unstructured.Unstructured
		for _, o := range pending {
			u := o.DeepCopy()
			err := kube.Get(context.Background(), client.ObjectKeyFromObject(o), u)
			if kerrors.IsNotFound(err) {
				u = nil
			}
			if u != nil {
				lookForSecrets(u)
			}
			if done, w := ok(u, err); !done {
				why[o] = w
				still = append(still, o)
			}
		}
		pending = still
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var out []string
			for _, o := range pending {
				out = append(out, fmt.Sprintf("%s %s/%s: %s", o.GetKind(), o.GetNamespace(), o.GetName(), why[o]))
			}
			return out
		}
		time.Sleep(time.Second)
	}
}

// seen are the secret values found in managed resources while the
// scenarios waited on them, where, for the secret canary.
var seen struct {
	sync.Mutex
	where []string
}

// lookForSecrets records any secret value in a managed resource: status,
// conditions (their messages carry errors), annotations.
func lookForSecrets(u *unstructured.Unstructured) {
	j, err := json.Marshal(u.Object)
	if err != nil {
		return
	}
	for _, c := range canaries {
		if strings.Contains(string(j), c) {
			seen.Lock()
			seen.where = append(seen.where, fmt.Sprintf("%s...  in %s %s/%s", c[:10], u.GetKind(), u.GetNamespace(), u.GetName()))
			seen.Unlock()
		}
	}
}

// readyAndSynced is done when the resource is Ready and Synced.
func readyAndSynced(u *unstructured.Unstructured, err error) (bool, string) {
	switch {
	case err != nil && u != nil:
		return false, err.Error()
	case u == nil:
		return false, "not found"
	}
	rs, _, rm := condition(u, "Ready")
	ss, _, sm := condition(u, "Synced")
	return rs == "True" && ss == "True", fmt.Sprintf("Ready=%s %q, Synced=%s %q", rs, rm, ss, sm)
}

// gone is done when the resource no longer exists.
func gone(u *unstructured.Unstructured, err error) (bool, string) {
	if u == nil {
		return true, ""
	}
	_, _, sm := condition(u, "Synced")
	return false, fmt.Sprintf("still there, being deleted: %v, Synced: %q", u.GetDeletionTimestamp() != nil, sm)
}

// cloudResource is one resource a cloud holds.
type cloudResource struct{ kind, name string }

func (c cloudResource) String() string { return c.kind + " " + c.name }

// inventory lists the suite's resources in every cloud, directly (not
// through the proxies). Resources being deleted count: they are not gone.
func inventory(ctx context.Context) ([]cloudResource, error) {
	var out []cloudResource
	buckets, err := clouds.s3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		return nil, fmt.Errorf("cannot list S3 buckets: %w", err)
	}
	for _, b := range buckets.Buckets {
		out = append(out, cloudResource{kindS3, aws.ToString(b.Name)})
	}
	it := clouds.gcs.Buckets(ctx, "local-project")
	for {
		b, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot list GCS buckets: %w", err)
		}
		out = append(out, cloudResource{kindGCS, b.Name})
	}
	dbs := rds.NewDescribeDBInstancesPaginator(clouds.rds, &rds.DescribeDBInstancesInput{})
	for dbs.HasMorePages() {
		p, err := dbs.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("cannot list DB instances: %w", err)
		}
		for _, db := range p.DBInstances {
			out = append(out, cloudResource{kindDB, aws.ToString(db.DBInstanceIdentifier)})
		}
	}
	groups := elasticache.NewDescribeReplicationGroupsPaginator(clouds.cache, &elasticache.DescribeReplicationGroupsInput{})
	for groups.HasMorePages() {
		p, err := groups.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("cannot list replication groups: %w", err)
		}
		for _, g := range p.ReplicationGroups {
			out = append(out, cloudResource{kindCache, aws.ToString(g.ReplicationGroupId)})
		}
	}
	kept := out[:0]
	for _, r := range out {
		if strings.HasPrefix(r.name, prefix) {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// scenario records one scenario for the report; check and end check the
// clouds. Notes and violations may come from a kill's goroutine too.
type scenario struct {
	*scenarioReport
	mu sync.Mutex
	t  *testing.T
	// processFaults are the faults not injected by a proxy: kills,
	// restarts, expired keys.
	processFaults int
	// prefix starts the names of the scenario's resources.
	prefix   string
	start    time.Time
	injected int
}

func begin(t *testing.T, short string) *scenario {
	n, _ := injected()
	s := &scenario{scenarioReport: &scenarioReport{name: t.Name()[strings.Index(t.Name(), "/")+1:]}, t: t, prefix: prefix + short + "-", start: time.Now(), injected: n}
	report.scenarios = append(report.scenarios, s.scenarioReport)
	return s
}

// name is a resource name of the scenario.
func (s *scenario) name(format string, args ...any) string {
	return s.prefix + fmt.Sprintf(format, args...)
}

func (s *scenario) violate(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := fmt.Sprintf(format, args...)
	s.violations = append(s.violations, v)
	s.t.Error(v)
}

func (s *scenario) note(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
	s.t.Logf(format, args...)
}

func (s *scenario) addProcessFault() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.processFaults++
}

// converge waits, after the faults have stopped, for the resources to be
// Ready and Synced: longer than three poll intervals is stuck.
func (s *scenario) converge(objs []*unstructured.Unstructured) {
	for _, v := range waitFor(managed(objs), stuck, readyAndSynced) {
		s.violate("not Ready and Synced within three poll intervals (%s) of the faults ending: %s", stuck, v)
	}
}

// vanish waits, after the faults have stopped, for the deleted resources
// to be gone.
func (s *scenario) vanish(objs []*unstructured.Unstructured) {
	for _, v := range waitFor(managed(objs), stuck, gone) {
		s.violate("not gone within three poll intervals (%s) of the faults ending: %s", stuck, v)
	}
}

// stuck is how long a resource may take to converge once faults stop:
// three poll intervals, as the issue asks, or a full backoff of the
// workqueue (60 s, crossplane-runtime's ceiling) plus one poll if that is
// longer: a resource that failed a dozen times in a row is retried at the
// backoff's pace, not the poll's.
var stuck = max(3*poll, 60*time.Second+poll)

// end checks the clouds one last time and completes the report.
func (s *scenario) end(live, deleted []*unstructured.Unstructured, kept ...cloudResource) {
	s.check(live, deleted, kept...)
	n, _ := injected()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = n - s.injected + s.processFaults
	s.took = time.Since(s.start)
	s.resources = len(managed(live)) + len(managed(deleted)) + len(kept)
}

// check checks the invariants against the clouds: every live managed
// resource's cloud resource is there; no cloud resource of a deleted one
// is left; whatever was kept on purpose is still there; and every cloud
// resource named with the scenario's prefix belongs to a live resource or
// was kept. The clouds key resources by name, so a duplicate would have to
// appear under another name: the last check is the one that finds it.
func (s *scenario) check(live, deleted []*unstructured.Unstructured, kept ...cloudResource) {
	in, err := inventory(context.Background())
	if err != nil {
		s.violate("cannot take the clouds' inventory: %v", err)
		return
	}
	count := map[cloudResource]int{}
	for _, r := range in {
		count[r]++
	}
	owners := map[cloudResource]int{}
	for _, o := range managed(live) {
		r := cloudResource{kindOf(o), externalName(o)}
		owners[r]++
		if count[r] == 0 {
			s.violate("lost: %s of %s/%s is not in the cloud", r, o.GetNamespace(), o.GetName())
		}
	}
	for _, k := range kept {
		owners[k]++
		if count[k] == 0 {
			s.violate("deleted what should not be: %s", k)
		}
	}
	mine := map[cloudResource]bool{}
	for _, o := range managed(deleted) {
		mine[cloudResource{kindOf(o), externalName(o)}] = true
	}
	for r := range count {
		if owners[r] == 0 && mine[r] {
			s.violate("leaked: %s is still in the cloud after its managed resource was deleted", r)
		}
	}
	for r := range count {
		if owners[r] == 0 && !mine[r] && strings.HasPrefix(r.name, s.prefix) {
			s.violate("stray or duplicate: %s is in the cloud and belongs to no managed resource", r)
		}
	}
}
