//go:build integration

package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/common"
	gcsv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/secretcache"
)

// wrongSecretAccessKey is a credential a test gives the provider on purpose.
const (
	wrongAccessKeyID     = "AKIAAPPINFRAWRONG001"
	wrongSecretAccessKey = "wrong-s3cr3t-never-logged-91ab"
)

// storeProxy stands in front of kumo and answers as other S3 servers do:
// NotImplemented (501) for sub-resources an S3-compatible store lacks, and
// 403 for requests signed with an access key it does not know (kumo checks
// no credentials). It also counts STS AssumeRole calls and the
// ExpectedBucketOwner header.
type storeProxy struct {
	*httptest.Server
	notImplemented []string // query keys, e.g. "publicAccessBlock"
	knownKey       string   // access key ID the store accepts; "" accepts any
	// invalidTags refuses every PUT of tags as S3 does a bad tag, each
	// answer with a request ID of its own.
	invalidTags bool

	mu          sync.Mutex
	assumeRoles int
	owners      map[string]int // ExpectedBucketOwner value -> requests
	// foreign are bucket names these credentials may no longer read:
	// every request for them is answered 403 (with no body to a HEAD, as
	// S3 does) and none reaches the store.
	foreign    []string
	foreignOps map[string]int // method -> requests for a foreign bucket
}

// refuse makes the store answer 403 to every request for bucket from now.
func (p *storeProxy) refuse(bucket string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.foreign = append(p.foreign, bucket)
}

func newStoreProxy(t *testing.T, target string, configure func(*storeProxy)) *storeProxy {
	t.Helper()
	p := &storeProxy{owners: map[string]int{}, foreignOps: map[string]int{}}
	configure(p)
	u, _ := url.Parse(target)
	forward := httputil.NewSingleHostReverseProxy(u)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.mu.Lock()
		if bytes.Contains(body, []byte("Action=AssumeRole")) {
			p.assumeRoles++
		}
		p.owners[r.Header.Get("X-Amz-Expected-Bucket-Owner")]++
		p.mu.Unlock()
		if p.knownKey != "" && !strings.Contains(r.Header.Get("Authorization"), "Credential="+p.knownKey+"/") {
			w.WriteHeader(http.StatusForbidden)
			if r.Method != http.MethodHead { // A HEAD answer has no body.
				_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message></Error>`)
			}
			return
		}
		p.mu.Lock()
		foreign := slices.Contains(p.foreign, s3Bucket(r))
		if foreign {
			p.foreignOps[r.Method]++
		}
		p.mu.Unlock()
		if foreign {
			w.WriteHeader(http.StatusForbidden)
			if r.Method != http.MethodHead {
				_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
			}
			return
		}
		if p.invalidTags && r.Method == http.MethodPut && r.URL.Query().Has("tagging") {
			id := fmt.Sprintf("%016X", rand.Uint64())
			w.Header().Set("x-amz-request-id", id)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidTag</Code><Message>The TagValue you have provided is invalid</Message><RequestId>%s</RequestId><HostId>%s</HostId></Error>`, id, id)
			return
		}
		for _, q := range p.notImplemented {
			if r.URL.Query().Has(q) {
				w.WriteHeader(http.StatusNotImplemented)
				_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message></Error>`)
				return
			}
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// clusterConfig creates a ClusterProviderConfig for the test's credentials
// at endpoint, changed by mutate.
func clusterConfig(t *testing.T, name, endpoint string, mutate ...func(*awsv1alpha1.ProviderConfigSpec)) {
	t.Helper()
	spec := awsv1alpha1.ProviderConfigSpec{
		Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceSecret,
			SecretRef: &common.SecretKeySelector{Namespace: "crossplane-system", Name: "aws-creds", Key: "credentials"}},
		Region:   "us-east-1",
		Endpoint: &awsv1alpha1.Endpoint{URL: endpoint},
		S3:       &awsv1alpha1.S3Options{UsePathStyle: true},
	}
	for _, m := range mutate {
		m(&spec)
	}
	create(t, &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec})
}

func usingConfig(kind, name string) func(*v1alpha1.Bucket) {
	return func(b *v1alpha1.Bucket) {
		b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: kind, Name: name}
	}
}

// TestS3CompatibleStoreWithoutEncryptionOrPublicAccessBlock runs a bucket
// against a store that answers NotImplemented for encryption and the public
// access block, as MinIO and others do: the secure defaults it cannot take
// are skipped with a Warning event and named in the status, and the bucket
// becomes Ready; a spec that asks for one of them explicitly fails clearly.
func TestS3CompatibleStoreWithoutEncryptionOrPublicAccessBlock(t *testing.T) {
	t.Parallel()
	p := newStoreProxy(t, kumoURL, func(p *storeProxy) { p.notImplemented = []string{"encryption", "publicAccessBlock"} })
	clusterConfig(t, "s3-compatible", p.URL)

	cr := bucket("it-compat", usingConfig("ClusterProviderConfig", "s3-compatible"))
	create(t, cr)
	eventually(t, converge, "bucket Ready on a store without encryption", func() error { return ready(cr) })
	if diff := slices.Compare([]string{"publicAccessBlock", "serverSideEncryption"}, sorted(cr.Status.AtProvider.UnsupportedByStore)); diff != 0 {
		t.Errorf("status.atProvider.unsupportedByStore: got %v, want serverSideEncryption and publicAccessBlock", cr.Status.AtProvider.UnsupportedByStore)
	}
	var warned int
	for _, e := range eventsOf(t, cr) {
		if e.Type == corev1.EventTypeWarning && e.Reason == "NotImplementedByStore" {
			warned++
		}
	}
	if warned == 0 {
		t.Error("no NotImplementedByStore Warning event for the skipped defaults")
	}
	// Steady: stays Ready and Synced over a few polls.
	time.Sleep(2 * pollInterval)
	if err := ready(cr); err != nil {
		t.Errorf("after polls: %v", err)
	}

	explicit := bucket("it-compat-explicit", usingConfig("ClusterProviderConfig", "s3-compatible"), func(b *v1alpha1.Bucket) {
		b.Spec.ForProvider.ServerSideEncryption = &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256}
	})
	create(t, explicit)
	eventually(t, converge, "explicit encryption refused", func() error {
		return hasCondition(explicit, xpv2.TypeSynced, corev1.ConditionFalse, "the store does not implement bucket serverSideEncryption")
	})
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestWrongCredentialsAreNamed: a 403 on HEAD has no body, so a store that
// refuses the credentials looked like a name taken by another account. The
// condition must say the credentials were refused.
func TestWrongCredentialsAreNamed(t *testing.T) {
	t.Parallel()
	p := newStoreProxy(t, kumoURL, func(p *storeProxy) { p.knownKey = accessKeyID })
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "crossplane-system", Name: "aws-wrong-creds"},
		StringData: map[string]string{"credentials": fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", wrongAccessKeyID, wrongSecretAccessKey)}})
	clusterConfig(t, "wrong-creds", p.URL, func(s *awsv1alpha1.ProviderConfigSpec) {
		s.Credentials.SecretRef.Name = "aws-wrong-creds"
	})
	cr := bucket("it-wrong-creds", usingConfig("ClusterProviderConfig", "wrong-creds"))
	create(t, cr)
	eventually(t, converge, "credentials refused condition", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "the store refused the ProviderConfig's credentials (InvalidAccessKeyId)")
	})
	if err := storeLacks("it-wrong-creds"); err != nil {
		t.Error(err)
	}
}

// TestRepeatedRefusalsFoldIntoOneEvent: S3 gives every answer a request ID
// of its own. The condition and the events carry the cloud's code and
// message without it, so the same refusal, again and again, is one event
// whose count grows, not an event per attempt.
func TestRepeatedRefusalsFoldIntoOneEvent(t *testing.T) {
	t.Parallel()
	p := newStoreProxy(t, kumoURL, func(p *storeProxy) { p.invalidTags = true })
	clusterConfig(t, "invalid-tags", p.URL)
	cr := bucket("it-invalid-tags", usingConfig("ClusterProviderConfig", "invalid-tags"), func(b *v1alpha1.Bucket) {
		b.Spec.ForProvider.Tags = map[string]string{"team": "a"}
	})
	create(t, cr)
	want := "InvalidTag: The TagValue you have provided is invalid"
	eventually(t, converge, "the refusal in the condition", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, want)
	})
	eventually(t, converge, "repeated refusals folded into one event", func() error {
		byReason := map[string]int{}
		var most int32
		var seen []string
		for _, e := range eventsOf(t, cr) {
			if e.Type != corev1.EventTypeWarning || !strings.Contains(e.Message, "InvalidTag") {
				continue
			}
			seen = append(seen, fmt.Sprintf("%s x%d: %s", e.Reason, e.Count, e.Message))
			byReason[e.Reason]++
			most = max(most, e.Count)
			if !strings.Contains(e.Message, want) || strings.Contains(e.Message, "RequestID") {
				return fmt.Errorf("an event says %q, want the cloud's code and message and no request ID", e.Message)
			}
		}
		for reason, n := range byReason {
			if n > 1 {
				return fmt.Errorf("%d events of reason %s for one refusal: %v", n, reason, seen)
			}
		}
		if most < 3 {
			return fmt.Errorf("want the refusal counted at least 3 times in one event: %v", seen)
		}
		return nil
	})
}

// TestS3BucketThatBecameUnreadableCanBeLetGo: a Ready bucket whose
// credentials lose access answers 403 to HEAD, with no body to say why: it
// may be another account's by now, or the user's own. Deleted, the resource
// cannot observe, so it could not finish: it must say how to go without the
// bucket, go when told, and send the bucket nothing but HEADs.
func TestS3BucketThatBecameUnreadableCanBeLetGo(t *testing.T) {
	t.Parallel()
	const name = "it-lost-access"
	p := newStoreProxy(t, kumoURL, func(*storeProxy) {})
	clusterConfig(t, "lost-access", p.URL)
	cr := bucket(name, usingConfig("ClusterProviderConfig", "lost-access"))
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	p.refuse(name)
	eventually(t, converge, "the unreadable bucket reported", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "exists but these credentials may not access it")
	})
	deleteWhenToldHow(t, cr)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.foreignOps) != 1 || p.foreignOps[http.MethodHead] == 0 {
		t.Errorf("requests for the unreadable bucket, by method: %v; want HEADs only", p.foreignOps)
	}
	if err := storeHas(name); err != nil {
		t.Errorf("the bucket was not kept: %v", err)
	}
}

// deleteWhenToldHow deletes cr, whose bucket it cannot report on, waits
// for its condition to say how to go without the bucket, does that, and
// waits for cr to be gone.
func deleteWhenToldHow(t *testing.T, cr conditioned) {
	t.Helper()
	if err := kube.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "told how to go without the bucket", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, `cannot finish deleting while this is so: to remove it and leave the external resource as it is, set spec.managementPolicies to ["Observe"]`)
	})
	observeOnly := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"managementPolicies":["Observe"]}}`))
	if err := kube.Patch(context.Background(), cr, observeOnly); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "gone once it may only observe", func() error { return gone(cr) })
}

// TestPolicyThatIsNotJSONIsRefusedBeforeAnyCall: kumo would store it and
// report Ready; S3 would answer MalformedPolicy.
func TestPolicyThatIsNotJSONIsRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	name := "it-bad-policy"
	cr := bucket(name, func(b *v1alpha1.Bucket) { b.Spec.ForProvider.Policy = ptr.To("allow everything please") })
	create(t, cr)
	eventually(t, converge, "policy refused", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "spec.forProvider.policy is not a JSON document")
	})
	if n := len(s3calls.of(name)); n != 0 {
		t.Errorf("%d calls were sent for a bucket with a malformed policy, want none", n)
	}
}

// TestExpectedBucketOwnerIsSent: with accountID in the config every bucket
// call names the account that must own the bucket.
func TestExpectedBucketOwnerIsSent(t *testing.T) {
	t.Parallel()
	p := newStoreProxy(t, kumoURL, func(*storeProxy) {})
	clusterConfig(t, "with-account", p.URL, func(s *awsv1alpha1.ProviderConfigSpec) { s.AccountID = "123456789012" })
	cr := bucket("it-owner", usingConfig("ClusterProviderConfig", "with-account"))
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.owners["123456789012"] == 0 || p.owners[""] > 1 {
		// Only CreateBucket, which has no such field, may go without it.
		t.Errorf("ExpectedBucketOwner per request: %v; want every request but CreateBucket to name 123456789012", p.owners)
	}
}

// TestCredentialsAreBuiltOncePerConfig: a role chain's AssumeRole and a
// service account's token exchange happen once per credential lifetime, not
// once per reconcile, and the provider builds one client configuration per
// config, however many reconciles.
func TestCredentialsAreBuiltOncePerConfig(t *testing.T) {
	t.Parallel()
	p := newStoreProxy(t, kumoURL, func(*storeProxy) {})
	clusterConfig(t, "role-chain", p.URL, func(s *awsv1alpha1.ProviderConfigSpec) {
		s.AssumeRoleChain = []awsv1alpha1.AssumeRole{{RoleARN: "arn:aws:iam::123456789012:role/appinfra-test"}}
	})
	var crs []*v1alpha1.Bucket
	for i := range 5 {
		cr := bucket(fmt.Sprintf("it-role-chain-%d", i), usingConfig("ClusterProviderConfig", "role-chain"))
		create(t, cr)
		crs = append(crs, cr)
	}
	for _, cr := range crs {
		eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	}
	time.Sleep(3 * pollInterval) // at least three more reconciles of each
	p.mu.Lock()
	assumed := p.assumeRoles
	p.mu.Unlock()
	if assumed != 1 {
		t.Errorf("5 buckets over several polls assumed the role %d times, want once (credentials cached per config)", assumed)
	}
}

// TestClientConfigurationsAreNotRebuiltPerReconcile reads the provider's
// own cache metrics: builds grow with configs, not with reconciles.
func TestClientConfigurationsAreNotRebuiltPerReconcile(t *testing.T) {
	// Not parallel: it measures builds across a quiet window.
	cr := bucket("it-cache-builds")
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	before := gauge(t, "appinfra_client_config_builds_total", "aws")
	time.Sleep(4 * pollInterval)
	if after := gauge(t, "appinfra_client_config_builds_total", "aws"); after != before {
		t.Errorf("client configurations built during four polls of unchanged configs: %v, want 0", after-before)
	}
	if live := gauge(t, "appinfra_client_configs", "aws"); live < 1 {
		t.Errorf("appinfra_client_configs{cloud=aws} = %v, want at least 1", live)
	}
}

func gauge(t *testing.T, name, cloud string) float64 {
	t.Helper()
	mfs, err := ctrlmetrics.Registry.(prometheus.Gatherer).Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if labelOf(m, "cloud") == cloud {
				if m.GetCounter() != nil {
					return m.GetCounter().GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("metric %s{cloud=%q} not found", name, cloud)
	return 0
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestNamespacedEndpointOverrideIsRefused: a tenant's ProviderConfig must
// not make the provider call an address of the tenant's choosing.
func TestNamespacedEndpointOverrideIsRefused(t *testing.T) {
	t.Parallel()
	const tenant = "it-tenant-endpoint"
	create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tenant}})
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: tenant, Name: "aws-creds"},
		StringData: map[string]string{"credentials": fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", accessKeyID, secretAccessKey)}})
	create(t, &awsv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: tenant, Name: "metadata"},
		Spec: awsv1alpha1.ProviderConfigSpec{
			Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceSecret, SecretRef: &common.SecretKeySelector{Name: "aws-creds", Key: "credentials"}},
			Endpoint:    &awsv1alpha1.Endpoint{URL: "http://169.254.169.254/latest/"},
		}})
	cr := bucket("it-tenant-endpoint", usingConfig("ProviderConfig", "metadata"))
	cr.Namespace = tenant
	create(t, cr)
	eventually(t, converge, "endpoint refused", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, `endpoint.url "http://169.254.169.254/latest/" is not allowed in a namespaced ProviderConfig`)
	})
}

// TestOnlyTheProvidersSecretsAreCached: the provider labels the connection
// Secrets it writes and caches those alone, so that a poll reads them from
// its cache, not from the API server. It never lists or watches any other
// Secret: a cache of every Secret would hold the cluster's Secrets in its
// memory.
func TestOnlyTheProvidersSecretsAreCached(t *testing.T) {
	t.Parallel()
	cr := bucket("it-secret-reads", func(b *v1alpha1.Bucket) {
		b.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "it-secret-reads"}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	eventually(t, 30*time.Second, "labelled connection Secret", func() error {
		s := &corev1.Secret{}
		if err := kube.Get(context.Background(), key(ns, "it-secret-reads"), s); err != nil {
			return err
		}
		if s.Labels[secretcache.LabelKey] != secretcache.LabelValue {
			return fmt.Errorf("labels %v", s.Labels)
		}
		return nil
	})

	// Three polls later, the Secret was published three more times, from
	// the cache: no request for it reached the API server.
	getsOfSecret := func() int {
		n := 0
		for _, r := range apiRequests.all() {
			if strings.HasPrefix(r, "GET ") && strings.Contains(r, "/namespaces/"+ns+"/secrets/it-secret-reads") {
				n++
			}
		}
		return n
	}
	heads := func() int {
		n := 0
		for _, c := range s3calls.of("it-secret-reads") {
			if c.Op == http.MethodHead {
				n++
			}
		}
		return n
	}
	before, polls := getsOfSecret(), heads()
	eventually(t, converge, "three polls", func() error {
		if n := heads() - polls; n < 3 {
			return fmt.Errorf("%d polls (HeadBucket) since", n)
		}
		return nil
	})
	if got := getsOfSecret() - before; got != 0 {
		t.Errorf("the provider read its own connection Secret from the API server %d times in three polls; want it read from its cache", got)
	}

	var lists int
	for _, r := range apiRequests.all() {
		path, query, _ := strings.Cut(strings.TrimPrefix(r, strings.SplitN(r, " ", 2)[0]+" "), "?")
		if !strings.HasSuffix(path, "/secrets") || !strings.HasPrefix(r, "GET") {
			continue
		}
		lists++
		if q, err := url.ParseQuery(query); err != nil || q.Get("labelSelector") != secretcache.LabelKey+"="+secretcache.LabelValue {
			t.Errorf("the provider listed or watched Secrets other than its own: %s", r)
		}
	}
	if lists == 0 {
		t.Error("no list or watch of Secrets recorded, so the check proves nothing")
	}
}

// TestNamespaceDeletionFinishes deletes a namespace holding a resource of
// each kind, one through a namespaced ProviderConfig and its Secret, which
// the namespace controller deletes at the same time. Deleting must finish:
// nothing on the delete path may need to create an object there.
func TestNamespaceDeletionFinishes(t *testing.T) {
	t.Parallel()
	const tenant = "it-ns-delete"
	nsObj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tenant}}
	create(t, nsObj)
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: tenant, Name: "aws-creds"},
		StringData: map[string]string{"credentials": fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", accessKeyID, secretAccessKey)}})
	create(t, &awsv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: tenant, Name: "team"},
		Spec: awsv1alpha1.ProviderConfigSpec{
			Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceSecret, SecretRef: &common.SecretKeySelector{Name: "aws-creds", Key: "credentials"}},
			Region:      "us-east-1",
			Endpoint:    &awsv1alpha1.Endpoint{URL: kumoURL},
			S3:          &awsv1alpha1.S3Options{UsePathStyle: true},
		}})
	s3Default := bucket("it-ns-delete-s3")
	s3Tenant := bucket("it-ns-delete-s3-tenant", usingConfig("ProviderConfig", "team"))
	gcs := gcsBucketCR("it-ns-delete-gcs", onEmulator)
	for _, o := range []conditioned{s3Default, s3Tenant, gcs} {
		o.SetNamespace(tenant)
		create(t, o)
	}
	for _, o := range []conditioned{s3Default, s3Tenant, gcs} {
		eventually(t, converge, o.GetName()+" Ready", func() error { return ready(o) })
	}

	if err := kube.Delete(context.Background(), nsObj); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*converge, "namespace gone", func() error {
		err := kube.Get(context.Background(), key("", tenant), &corev1.Namespace{})
		if kerrors.IsNotFound(err) {
			return nil
		}
		var left []string
		for _, o := range []conditioned{s3Default, s3Tenant, gcs} {
			if g := gone(o); g != nil {
				left = append(left, g.Error())
			}
		}
		return fmt.Errorf("namespace still there (%v); left: %v", err, left)
	})
	for _, name := range []string{"it-ns-delete-s3", "it-ns-delete-s3-tenant"} {
		if err := storeLacks(name); err != nil {
			t.Error(err)
		}
	}
	if err := emulatorLacks("it-ns-delete-gcs"); err != nil {
		t.Error(err)
	}
}

// TestGCSOwnershipIsExactForDottedNames: two namespaces each hold a Bucket
// named data.v2 (Kubernetes names may hold dots; GCS labels fold them). The
// second must be refused the first one's bucket, naming it exactly.
func TestGCSOwnershipIsExactForDottedNames(t *testing.T) {
	t.Parallel()
	const other = "it-gcs-dotted"
	create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: other}})
	const external = "it-gcs-dotted-shared"
	first := gcsBucketCR("data.v2", func(b *gcsv1alpha1.Bucket) {
		b.Annotations = map[string]string{"crossplane.io/external-name": external}
	})
	create(t, first)
	eventually(t, converge, "first Ready", func() error { return ready(first) })
	if got := gcsRecorder.Bucket(external)["labels"]; !strings.Contains(fmt.Sprint(got), "data_v2") {
		t.Fatalf("labels %v: want the folded name data_v2", got)
	}

	second := gcsBucketCR("data.v2", func(b *gcsv1alpha1.Bucket) {
		b.Namespace = other
		b.Annotations = map[string]string{"crossplane.io/external-name": external}
	})
	create(t, second)
	eventually(t, converge, "second refused", func() error {
		// The other namespace's resource is not named to this tenant.
		return hasCondition(second, xpv2.TypeSynced, corev1.ConditionFalse, "managed by a resource in another namespace")
	})
	// The refused resource wrote nothing: the bucket still names the first.
	labels, _ := gcsRecorder.Bucket(external)["labels"].(map[string]any)
	if labels["crossplane-namespace"] != ns || labels["crossplane-uid"] != string(first.UID) {
		t.Errorf("labels after the refusal: %v; want the first resource's", labels)
	}
}

// TestGCSBucketNowInAnotherProjectIsNotDeleted: a Ready bucket whose
// ProviderConfig is changed to another project is refused; deleted, the
// resource cannot tell whether it made the bucket, so it says how to go
// without it, goes when told, and the bucket stays.
func TestGCSBucketNowInAnotherProjectIsNotDeleted(t *testing.T) {
	t.Parallel()
	config := &gcpv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "changes-project"},
		Spec: gcpv1alpha1.ProviderConfigSpec{
			ProjectID: "appinfra-test", ProjectNumber: "123456789012",
			Credentials: gcpv1alpha1.Credentials{Source: gcpv1alpha1.CredentialsSourceNone},
			Endpoint:    &gcpv1alpha1.Endpoint{Storage: gcsRecorder.Endpoint()},
		}}
	create(t, config)
	const name = "it-gcs-changes-project"
	cr := gcsBucketCR(name, func(b *gcsv1alpha1.Bucket) {
		b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: config.Name}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })

	otherProject := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"projectID":"appinfra-other","projectNumber":"999999999999"}}`))
	if err := kube.Patch(context.Background(), config, otherProject); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "refused once the config names another project", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "belongs to project number 123456789012, not to project appinfra-other")
	})
	deleteWhenToldHow(t, cr)
	if gcsRecorder.Bucket(name) == nil {
		t.Error("the bucket was deleted")
	}
}

// TestGCSBucketOfAnotherProjectIsRefused: the recording server reports
// every bucket in project number 123456789012.
func TestGCSBucketOfAnotherProjectIsRefused(t *testing.T) {
	t.Parallel()
	create(t, &gcpv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "other-project"},
		Spec: gcpv1alpha1.ProviderConfigSpec{
			ProjectID: "appinfra-other", ProjectNumber: "999999999999",
			Credentials: gcpv1alpha1.Credentials{Source: gcpv1alpha1.CredentialsSourceNone},
			Endpoint:    &gcpv1alpha1.Endpoint{Storage: gcsRecorder.Endpoint()},
		}})
	const external = "it-gcs-other-project"
	owner := gcsBucketCR(external)
	create(t, owner)
	eventually(t, converge, "bucket Ready", func() error { return ready(owner) })

	reader := gcsBucketCR("it-gcs-other-project-reader", func(b *gcsv1alpha1.Bucket) {
		b.Annotations = map[string]string{"crossplane.io/external-name": external}
		b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "other-project"}
		b.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	})
	create(t, reader)
	eventually(t, converge, "other project refused", func() error {
		return hasCondition(reader, xpv2.TypeSynced, corev1.ConditionFalse, "belongs to project number 123456789012, not to project appinfra-other (number 999999999999)")
	})

}
