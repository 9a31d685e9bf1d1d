package gcsbucket

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcplabels"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

var errBoom = errors.New("boom")

// call is one call the mock received, with the arguments it was given.
type call struct {
	Op             string
	Bucket         string
	Project        string
	Attrs          *storage.BucketAttrs
	Metageneration int64
	Update         *storage.BucketAttrsToUpdate
}

// callOpts compare calls, including the labels an update sets and deletes.
var callOpts = cmp.AllowUnexported(storage.BucketAttrsToUpdate{})

// mockAPI answers each call with its function field and records the calls,
// in order. A call whose field is nil fails. Close is not part of api: it
// records a call if the controller ever closes the shared client.
type mockAPI struct {
	calls []call

	MockAttrs  func(ctx context.Context, bucket string) (*storage.BucketAttrs, error)
	MockCreate func(ctx context.Context, bucket, project string, attrs *storage.BucketAttrs) error
	MockUpdate func(ctx context.Context, bucket string, metageneration int64, u storage.BucketAttrsToUpdate) (*storage.BucketAttrs, error)
	MockDelete func(ctx context.Context, bucket string) error
	MockHolds  func(ctx context.Context, bucket string) (bool, error)
	MockClose  func() error
}

var _ api = &mockAPI{}

func unexpected(op string) error { return errors.Errorf("unexpected call to %s", op) }

func (m *mockAPI) Attrs(ctx context.Context, bucket string) (*storage.BucketAttrs, error) {
	m.calls = append(m.calls, call{Op: "Attrs", Bucket: bucket})
	if m.MockAttrs == nil {
		return nil, unexpected("Attrs")
	}
	return m.MockAttrs(ctx, bucket)
}

func (m *mockAPI) Create(ctx context.Context, bucket, project string, attrs *storage.BucketAttrs) error {
	m.calls = append(m.calls, call{Op: "Create", Bucket: bucket, Project: project, Attrs: attrs})
	if m.MockCreate == nil {
		return unexpected("Create")
	}
	return m.MockCreate(ctx, bucket, project, attrs)
}

func (m *mockAPI) Update(ctx context.Context, bucket string, metageneration int64, u storage.BucketAttrsToUpdate) (*storage.BucketAttrs, error) {
	m.calls = append(m.calls, call{Op: "Update", Bucket: bucket, Metageneration: metageneration, Update: &u})
	if m.MockUpdate == nil {
		return nil, unexpected("Update")
	}
	return m.MockUpdate(ctx, bucket, metageneration, u)
}

func (m *mockAPI) Delete(ctx context.Context, bucket string) error {
	m.calls = append(m.calls, call{Op: "Delete", Bucket: bucket})
	if m.MockDelete == nil {
		return unexpected("Delete")
	}
	return m.MockDelete(ctx, bucket)
}

func (m *mockAPI) HoldsObjects(ctx context.Context, bucket string) (bool, error) {
	m.calls = append(m.calls, call{Op: "HoldsObjects", Bucket: bucket})
	if m.MockHolds == nil {
		return false, unexpected("HoldsObjects")
	}
	return m.MockHolds(ctx, bucket)
}

func (m *mockAPI) Close() error {
	m.calls = append(m.calls, call{Op: "Close"})
	if m.MockClose == nil {
		return unexpected("Close")
	}
	return m.MockClose()
}

// apiError is an error as the Cloud Storage JSON API answers it.
func apiError(code int) error {
	return &googleapi.Error{Code: code, Message: "the store says " + http.StatusText(code)}
}

// The bucket every test works on, unless an option says otherwise.
const (
	testName           = "my-bucket"
	testLocation       = "us-central1"
	testProject        = "my-project"
	testProjectNumber  = 123456789012
	testUID            = "5f0c8a1e-0000-4000-8000-00000000b0c1"
	testMetageneration = 7
	testKMSKey         = "projects/my-project/locations/us-central1/keyRings/ring/cryptoKeys/key"
)

var testCreated = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type bucketOption func(*v1alpha1.Bucket)

// bucket returns a Bucket in namespace team-a named my-bucket, with UID
// testUID, in location us-central1, using the ClusterProviderConfig
// "default". It sets nothing else.
func bucket(opts ...bucketOption) *v1alpha1.Bucket {
	cr := &v1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Name: testName, Namespace: "team-a", UID: testUID},
		Spec:       v1alpha1.BucketSpec{ForProvider: v1alpha1.BucketParameters{Location: testLocation}},
	}
	cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	meta.SetExternalName(cr, testName)
	// Made by this resource, as most resources under test were: an
	// untagged external resource is then its own (see unmade).
	meta.SetExternalCreateSucceeded(cr, testCreated)
	for _, o := range opts {
		o(cr)
	}
	return cr
}

// configuredBucket is a bucket that sets every field: params().
func configuredBucket(opts ...bucketOption) *v1alpha1.Bucket {
	return bucket(append([]bucketOption{func(cr *v1alpha1.Bucket) { cr.Spec.ForProvider = params() }}, opts...)...)
}

func withExternalName(n string) bucketOption {
	return func(cr *v1alpha1.Bucket) { meta.SetExternalName(cr, n) }
}

func withParams(m func(*v1alpha1.BucketParameters)) bucketOption {
	return func(cr *v1alpha1.Bucket) { m(&cr.Spec.ForProvider) }
}

func withAtProvider(o v1alpha1.BucketObservation) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Status.AtProvider = o }
}

// owners decides ownership as the controller does, against an API server
// holding team-b/other and team-b/data.v2, Buckets a bucket's labels may
// name as its manager.
func owners() ownership.Checker {
	s := runtime.NewScheme()
	_ = v1alpha1.SchemeBuilder.AddToScheme(s)
	return ownership.Checker{
		Kube: fake.NewClientBuilder().WithScheme(s).WithObjects(
			&v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "other", UID: "other-uid"}},
			&v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "data.v2", UID: "data-v2-uid"}},
		).Build(),
		Kind:     v1alpha1.BucketGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.BucketList{} },
		Encoding: gcplabels.Encoding,
	}
}

// managedBy are the labels the provider puts on a bucket that
// namespace/name with uid manages, folded to GCS label rules.
func managedBy(namespace, name, uid string) map[string]string {
	return map[string]string{
		"crossplane-kind":      "bucket_storage_gcp_appinfra_io",
		"crossplane-name":      gcplabels.Value(name),
		"crossplane-namespace": namespace,
		"crossplane-uid":       uid,
	}
}

func withDeletionTimestamp() bucketOption {
	return func(cr *v1alpha1.Bucket) {
		cr.SetDeletionTimestamp(&metav1.Time{Time: testCreated})
		cr.SetFinalizers([]string{"finalizer.managedresource.crossplane.io"})
	}
}

func withPolicies(p ...xpv2.ManagementAction) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Spec.ManagementPolicies = p }
}

func withConditions(c ...xpv2.Condition) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.SetConditions(c...) }
}

// deleteAfter is a rule that deletes objects older than days.
func deleteAfter(days int64) v1alpha1.LifecycleRule {
	return v1alpha1.LifecycleRule{
		Action:    v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleActionDelete},
		Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To(days)},
	}
}

// params is a BucketParameters that sets every field.
func params(mods ...func(*v1alpha1.BucketParameters)) v1alpha1.BucketParameters {
	p := v1alpha1.BucketParameters{
		Location:                 testLocation,
		StorageClass:             ptr.To("STANDARD"),
		Versioning:               ptr.To(true),
		Labels:                   map[string]string{"team": "storage"},
		UniformBucketLevelAccess: ptr.To(true),
		PublicAccessPrevention:   ptr.To(v1alpha1.PublicAccessPreventionEnforced),
		LifecycleRules:           []v1alpha1.LifecycleRule{deleteAfter(30)},
		RetentionPolicy:          &v1alpha1.RetentionPolicy{RetentionPeriodSeconds: 86400},
		DefaultKMSKeyName:        ptr.To(testKMSKey),
	}
	for _, m := range mods {
		m(&p)
	}
	return p
}

// providerLabels are the labels the provider adds to bucket(), fitted to GCS
// label rules.
func providerLabels() map[string]string {
	return map[string]string{
		"crossplane-kind":                "bucket_storage_gcp_appinfra_io",
		"crossplane-name":                testName,
		"crossplane-namespace":           "team-a",
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "clusterproviderconfig",
		"crossplane-uid":                 testUID,
	}
}

// allLabels are the labels configuredBucket() wants on the bucket.
func allLabels() map[string]string {
	l := providerLabels()
	l["team"] = "storage"
	return l
}

// config is the config of the ClusterProviderConfig "default", which names
// its project's number so that no test asks Resource Manager.
func config() *gcpclient.Config {
	return &gcpclient.Config{
		Spec:               gcpv1alpha1.ProviderConfigSpec{ProjectID: testProject, ProjectNumber: "123456789012"},
		ProviderConfigName: "default",
	}
}

// attrs is what GCS reports for a bucket matching configuredBucket(), with
// mods applied. GCS reports locations in upper case.
func attrs(mods ...func(*storage.BucketAttrs)) *storage.BucketAttrs {
	a := &storage.BucketAttrs{
		Name:                     testName,
		Location:                 "US-CENTRAL1",
		StorageClass:             "STANDARD",
		VersioningEnabled:        true,
		Labels:                   allLabels(),
		UniformBucketLevelAccess: storage.UniformBucketLevelAccess{Enabled: true},
		PublicAccessPrevention:   storage.PublicAccessPreventionEnforced,
		Lifecycle: storage.Lifecycle{Rules: []storage.LifecycleRule{{
			Action:    storage.LifecycleAction{Type: storage.DeleteAction},
			Condition: storage.LifecycleCondition{AgeInDays: 30},
		}}},
		RetentionPolicy: &storage.RetentionPolicy{RetentionPeriod: 24 * time.Hour},
		Encryption:      &storage.BucketEncryption{DefaultKMSKeyName: testKMSKey},
		MetaGeneration:  testMetageneration,
		ProjectNumber:   testProjectNumber,
		Created:         testCreated,
	}
	for _, m := range mods {
		m(a)
	}
	return a
}

// observed is the status.atProvider of attrs().
func observed(mods ...func(*v1alpha1.BucketObservation)) v1alpha1.BucketObservation {
	o := v1alpha1.BucketObservation{
		URL:                      "gs://my-bucket",
		ProjectNumber:            "123456789012",
		Location:                 "US-CENTRAL1",
		StorageClass:             "STANDARD",
		Versioning:               true,
		UniformBucketLevelAccess: true,
		PublicAccessPrevention:   v1alpha1.PublicAccessPreventionEnforced,
		Labels:                   allLabels(),
		Metageneration:           testMetageneration,
		Created:                  &metav1.Time{Time: testCreated},
	}
	for _, m := range mods {
		m(&o)
	}
	return o
}

// connection is the connection details of my-bucket in location.
func connection(location, endpoint string) managed.ConnectionDetails {
	return managed.ConnectionDetails{
		"bucket":   []byte(testName),
		"project":  []byte(testProject),
		"location": []byte(location),
		"endpoint": []byte(endpoint),
		"url":      []byte("gs://my-bucket"),
	}
}

const googleEndpoint = "https://storage.googleapis.com"

func attrsAre(a *storage.BucketAttrs) func(context.Context, string) (*storage.BucketAttrs, error) {
	return func(context.Context, string) (*storage.BucketAttrs, error) { return a, nil }
}

func attrsFail(err error) func(context.Context, string) (*storage.BucketAttrs, error) {
	return func(context.Context, string) (*storage.BucketAttrs, error) { return nil, err }
}

func createReturns(err error) func(context.Context, string, string, *storage.BucketAttrs) error {
	return func(context.Context, string, string, *storage.BucketAttrs) error { return err }
}

func updateReturns(err error) func(context.Context, string, int64, storage.BucketAttrsToUpdate) (*storage.BucketAttrs, error) {
	return func(context.Context, string, int64, storage.BucketAttrsToUpdate) (*storage.BucketAttrs, error) {
		if err != nil {
			return nil, err
		}
		return attrs(), nil
	}
}

func deleteReturns(err error) func(context.Context, string) error {
	return func(context.Context, string) error { return err }
}

func TestObserveDeletingBucketInAnotherLocation(t *testing.T) {
	// The location cannot be fixed, but deleting must finish: Observe
	// reports the bucket so that the reconciler deletes it.
	cr := configuredBucket(withParams(func(p *v1alpha1.BucketParameters) { p.Location = "US" }))
	now := metav1.Now()
	cr.SetDeletionTimestamp(&now)
	e := &external{gcs: &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) { a.Location = "EU" }))}, cfg: config(), record: &reconcilertest.Recorder{}, owners: owners()}
	o, err := e.Observe(context.Background(), cr)
	if err != nil || !o.ResourceExists {
		t.Errorf("Observe(a deleted resource's bucket in another location) = exists %t, %v; want exists, no error", o.ResourceExists, err)
	}
}

func TestObserve(t *testing.T) {
	attrsCall := []call{{Op: "Attrs", Bucket: testName}}

	type want struct {
		o        managed.ExternalObservation
		diff     bool // whether o.Diff is non-empty
		err      error
		msg      []string
		cr       *v1alpha1.Bucket
		observed *storage.BucketAttrs // what Observe keeps for Update
		calls    []call
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		cfg    *gcpclient.Config
		cr     *v1alpha1.Bucket
		want   want
	}{
		"InvalidExternalName": {
			reason: "An external name GCS would refuse should be an error, before any call.",
			api:    &mockAPI{MockAttrs: attrsAre(attrs())},
			cr:     configuredBucket(withExternalName("My_Bucket")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`external name "My_Bucket" is not a valid GCS bucket name`},
				cr:  configuredBucket(withExternalName("My_Bucket")),
			},
		},
		"NotFound": {
			reason: "A bucket GCS says does not exist does not exist.",
			api:    &mockAPI{MockAttrs: attrsFail(storage.ErrBucketNotExist)},
			cr:     configuredBucket(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    configuredBucket(),
				calls: attrsCall,
			},
		},
		"Forbidden": {
			reason: "A bucket these credentials may not read probably belongs to another project, and the error should say so.",
			api:    &mockAPI{MockAttrs: attrsFail(apiError(http.StatusForbidden))},
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" exists`, "another project", "crossplane.io/external-name"},
				cr:    configuredBucket(),
				calls: attrsCall,
			},
		},
		"ForbiddenWhileDeleting": {
			reason: "A resource being deleted whose bucket these credentials may not read cannot tell another project's bucket from its own: the error should say how to go without it.",
			api:    &mockAPI{MockAttrs: attrsFail(apiError(http.StatusForbidden))},
			cr:     configuredBucket(withDeletionTimestamp()),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" exists`, `set spec.managementPolicies to ["Observe"]`},
				cr:    configuredBucket(withDeletionTimestamp()),
				calls: attrsCall,
			},
		},
		"AttrsFailed": {
			reason: "Any other error reading the bucket should be returned wrapped.",
			api:    &mockAPI{MockAttrs: attrsFail(errBoom)},
			cr:     configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get bucket: boom"},
				cr:    configuredBucket(),
				calls: attrsCall,
			},
		},
		"InAnotherLocation": {
			reason: "A bucket in another location than the spec says cannot be fixed: the error should say it cannot move.",
			api:    &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) { a.Location = "EU" }))},
			cr:     configuredBucket(withParams(func(p *v1alpha1.BucketParameters) { p.Location = "US" })),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" is in location EU, not US`, "cannot move"},
				cr:    configuredBucket(withParams(func(p *v1alpha1.BucketParameters) { p.Location = "US" })),
				calls: attrsCall,
			},
		},
		"UpToDate": {
			reason: "A bucket of the config's project number that matches the spec should be up to date after exactly one read; GCS's upper-case US-CENTRAL1 is the spec's us-central1.",
			api:    &mockAPI{MockAttrs: attrsAre(attrs())},
			cr:     configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  true,
					ConnectionDetails: connection("US-CENTRAL1", googleEndpoint),
				},
				cr:       configuredBucket(withAtProvider(observed()), withConditions(xpv2.Available())),
				observed: attrs(),
				calls:    attrsCall,
			},
		},
		"Drift": {
			reason: "A bucket whose versioning differs from the spec should not be up to date, and say how.",
			api:    &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) { a.VersioningEnabled = false }))},
			cr:     configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  false,
					ConnectionDetails: connection("US-CENTRAL1", googleEndpoint),
				},
				diff: true,
				cr: configuredBucket(
					withAtProvider(observed(func(o *v1alpha1.BucketObservation) { o.Versioning = false })),
					withConditions(xpv2.Available()),
				),
				observed: attrs(func(a *storage.BucketAttrs) { a.VersioningEnabled = false }),
				calls:    attrsCall,
			},
		},
		"LabelRemoved": {
			reason: "A bucket that lost one of the provider's labels has drifted.",
			api: &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) {
				delete(a.Labels, "crossplane-name")
			}))},
			cr: configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  false,
					ConnectionDetails: connection("US-CENTRAL1", googleEndpoint),
				},
				diff: true,
				cr: configuredBucket(
					withAtProvider(observed(func(o *v1alpha1.BucketObservation) { delete(o.Labels, "crossplane-name") })),
					withConditions(xpv2.Available()),
				),
				observed: attrs(func(a *storage.BucketAttrs) { delete(a.Labels, "crossplane-name") }),
				calls:    attrsCall,
			},
		},
		"LateInitialize": {
			reason: "storageClass, versioning, uniform access and public access prevention left unset should be taken from the bucket, and reported as late-initialised; the rest is not managed.",
			api: &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) {
				a.StorageClass = "NEARLINE"
				a.VersioningEnabled = false
				a.Labels = providerLabels()
			}))},
			cr: bucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:          true,
					ResourceUpToDate:        true,
					ResourceLateInitialized: true,
					ConnectionDetails:       connection("US-CENTRAL1", googleEndpoint),
				},
				cr: bucket(
					withParams(func(p *v1alpha1.BucketParameters) {
						p.StorageClass = ptr.To("NEARLINE")
						p.Versioning = ptr.To(false)
						p.UniformBucketLevelAccess = ptr.To(true)
						p.PublicAccessPrevention = ptr.To(v1alpha1.PublicAccessPreventionEnforced)
					}),
					withAtProvider(observed(func(o *v1alpha1.BucketObservation) {
						o.StorageClass = "NEARLINE"
						o.Versioning = false
						o.Labels = providerLabels()
					})),
					withConditions(xpv2.Available()),
				),
				observed: attrs(func(a *storage.BucketAttrs) {
					a.StorageClass = "NEARLINE"
					a.VersioningEnabled = false
					a.Labels = providerLabels()
				}),
				calls: attrsCall,
			},
		},
		"NoLateInitializeWithoutThePolicy": {
			reason: "Under policies without LateInitialize the spec must be left alone: the runtime persists the whole object when it adds its finalizer.",
			api: &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) {
				a.StorageClass = "NEARLINE"
				a.VersioningEnabled = false
				a.Labels = providerLabels()
			}))},
			cr: bucket(withPolicies(xpv2.ManagementActionObserve)),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  true,
					ConnectionDetails: connection("US-CENTRAL1", googleEndpoint),
				},
				cr: bucket(
					withPolicies(xpv2.ManagementActionObserve),
					withAtProvider(observed(func(o *v1alpha1.BucketObservation) {
						o.StorageClass = "NEARLINE"
						o.Versioning = false
						o.Labels = providerLabels()
					})),
					withConditions(xpv2.Available()),
				),
				observed: attrs(func(a *storage.BucketAttrs) {
					a.StorageClass = "NEARLINE"
					a.VersioningEnabled = false
					a.Labels = providerLabels()
				}),
				calls: attrsCall,
			},
		},
		"ClaimedByDottedOther": {
			reason: "A bucket whose labels carry the UID of another live Bucket must be refused, without naming a resource of another namespace (team-b/data.v2, whose dotted name the labels hold folded).",
			api:    &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) { a.Labels = managedBy("team-b", "data.v2", "data-v2-uid") }))},
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"the external resource is managed by a resource in another namespace", "crossplane.io/external-name"},
				cr:    configuredBucket(),
				calls: attrsCall,
			},
		},
		"ClaimedByAnotherWhileDeleting": {
			reason: "A resource being deleted whose bucket another live Bucket manages should be told the bucket does not exist, so that it goes without touching it.",
			api:    &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) { a.Labels = managedBy("team-b", "data.v2", "data-v2-uid") }))},
			cr:     configuredBucket(withDeletionTimestamp()),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    configuredBucket(withDeletionTimestamp()),
				calls: attrsCall,
			},
		},
		"OtherProject": {
			reason: "A bucket of another project than the config's must be refused before it is adopted, naming both project numbers.",
			api:    &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) { a.ProjectNumber = 999 }))},
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" belongs to project number 999, not to project my-project (number 123456789012)`},
				cr:    configuredBucket(),
				calls: attrsCall,
			},
		},
		"OtherProjectWhileDeleting": {
			reason: "A resource being deleted whose bucket is in another project than the config's cannot tell whether it created the bucket before the config changed: the error should say how to go without it.",
			api:    &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) { a.ProjectNumber = 999 }))},
			cr:     configuredBucket(withDeletionTimestamp()),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" belongs to project number 999`, `set spec.managementPolicies to ["Observe"]`},
				cr:    configuredBucket(withDeletionTimestamp()),
				calls: attrsCall,
			},
		},
		"ProjectNumberUnknown": {
			reason: "With no number to compare (an emulator: an endpoint override and no projectNumber), any project passes.",
			api:    &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) { a.ProjectNumber = 999 }))},
			cfg: &gcpclient.Config{
				Spec: gcpv1alpha1.ProviderConfigSpec{
					ProjectID: testProject,
					Endpoint:  &gcpv1alpha1.Endpoint{Storage: "http://127.0.0.1:4443/storage/v1/"},
				},
				ProviderConfigName: "default",
			},
			cr: configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  true,
					ConnectionDetails: connection("US-CENTRAL1", "http://127.0.0.1:4443/storage/v1/"),
				},
				cr:       configuredBucket(withAtProvider(observed(func(o *v1alpha1.BucketObservation) { o.ProjectNumber = "999" })), withConditions(xpv2.Available())),
				observed: attrs(func(a *storage.BucketAttrs) { a.ProjectNumber = 999 }),
				calls:    attrsCall,
			},
		},
		"StorageEndpoint": {
			reason: "The connection details should name the ProviderConfig's storage endpoint when it sets one.",
			api:    &mockAPI{MockAttrs: attrsAre(attrs())},
			cfg: &gcpclient.Config{
				Spec: gcpv1alpha1.ProviderConfigSpec{
					ProjectID: testProject,
					Endpoint:  &gcpv1alpha1.Endpoint{Storage: "http://127.0.0.1:4443/storage/v1/"},
				},
				ProviderConfigName: "default",
			},
			cr: configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  true,
					ConnectionDetails: connection("US-CENTRAL1", "http://127.0.0.1:4443/storage/v1/"),
				},
				cr:       configuredBucket(withAtProvider(observed()), withConditions(xpv2.Available())),
				observed: attrs(),
				calls:    attrsCall,
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := config()
			if tc.cfg != nil {
				cfg = tc.cfg
			}
			e := &external{gcs: tc.api, cfg: cfg, record: &reconcilertest.Recorder{}, owners: owners()}
			got, err := e.Observe(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nObserve(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if (got.Diff != "") != tc.want.diff {
				t.Errorf("\n%s\nObserve(...): Diff %q, want non-empty: %t", tc.reason, got.Diff, tc.want.diff)
			}
			if diff := cmp.Diff(tc.want.o, got, cmpopts.IgnoreFields(managed.ExternalObservation{}, "Diff")); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.observed, e.observed); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want kept attrs, +got kept attrs:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls, callOpts); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	// allAttrs is what Create sends for configuredBucket().
	allAttrs := &storage.BucketAttrs{
		Location:                 testLocation,
		StorageClass:             "STANDARD",
		VersioningEnabled:        true,
		Labels:                   allLabels(),
		UniformBucketLevelAccess: storage.UniformBucketLevelAccess{Enabled: true},
		PublicAccessPrevention:   storage.PublicAccessPreventionEnforced,
		Lifecycle: storage.Lifecycle{Rules: []storage.LifecycleRule{{
			Action:    storage.LifecycleAction{Type: storage.DeleteAction},
			Condition: storage.LifecycleCondition{AgeInDays: 30},
		}}},
		RetentionPolicy: &storage.RetentionPolicy{RetentionPeriod: 24 * time.Hour},
		Encryption:      &storage.BucketEncryption{DefaultKMSKeyName: testKMSKey},
	}
	createCall := call{Op: "Create", Bucket: testName, Project: testProject, Attrs: allAttrs}
	created := managed.ExternalCreation{ConnectionDetails: connection(strings.ToUpper(testLocation), googleEndpoint)}

	type want struct {
		c     managed.ExternalCreation
		err   error
		msg   []string
		cr    *v1alpha1.Bucket
		calls []call
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		cr     *v1alpha1.Bucket
		want   want
	}{
		"InvalidExternalName": {
			reason: "An external name GCS would refuse should be an error, before any call.",
			api:    &mockAPI{MockCreate: createReturns(nil)},
			cr:     configuredBucket(withExternalName("goog-bucket")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`external name "goog-bucket" is not a valid GCS bucket name`},
				cr:  configuredBucket(withExternalName("goog-bucket")),
			},
		},
		"Success": {
			reason: "Create should send every configured field and the provider's labels, in the config's project.",
			api:    &mockAPI{MockCreate: createReturns(nil)},
			cr:     configuredBucket(),
			want: want{
				c:     created,
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []call{createCall},
			},
		},
		"SecureDefaults": {
			reason: "A spec that sets only a location should create the bucket with the provider's labels, uniform access and enforced public access prevention.",
			api:    &mockAPI{MockCreate: createReturns(nil)},
			cr:     bucket(),
			want: want{
				c:  created,
				cr: bucket(withConditions(xpv2.Creating())),
				calls: []call{{
					Op: "Create", Bucket: testName, Project: testProject,
					Attrs: &storage.BucketAttrs{Location: testLocation, Labels: providerLabels(),
						UniformBucketLevelAccess: storage.UniformBucketLevelAccess{Enabled: true}, PublicAccessPrevention: storage.PublicAccessPreventionEnforced},
				}},
			},
		},
		"ConflictOurs": {
			reason: "A 409 for a bucket these credentials can read, of the config's project and labelled with our UID, is our own, created by an earlier attempt: Create should succeed.",
			api: &mockAPI{
				MockCreate: createReturns(apiError(http.StatusConflict)),
				MockAttrs:  attrsAre(attrs()),
			},
			cr: configuredBucket(),
			want: want{
				c:     created,
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []call{createCall, {Op: "Attrs", Bucket: testName}},
			},
		},
		"ConflictClaimedByAnother": {
			reason: "A readable bucket whose provider labels name another managed resource must not be adopted: two resources would fight over it.",
			api: &mockAPI{
				MockCreate: createReturns(apiError(http.StatusConflict)),
				MockAttrs: attrsAre(func() *storage.BucketAttrs {
					a := attrs()
					a.Labels = map[string]string{"crossplane-name": "other", "crossplane-namespace": "team-b"}
					return a
				}()),
			},
			cr: configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`cannot adopt bucket "my-bucket"`, "the external resource is managed by a resource in another namespace"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []call{createCall, {Op: "Attrs", Bucket: testName}},
			},
		},
		"ConflictClaimedByDottedOther": {
			reason: "A readable bucket whose labels carry the UID of another live Bucket must not be adopted, and the error names it exactly.",
			api: &mockAPI{
				MockCreate: createReturns(apiError(http.StatusConflict)),
				MockAttrs:  attrsAre(attrs(func(a *storage.BucketAttrs) { a.Labels = managedBy("team-b", "data.v2", "data-v2-uid") })),
			},
			cr: configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`cannot adopt bucket "my-bucket"`, "managed by a resource in another namespace"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []call{createCall, {Op: "Attrs", Bucket: testName}},
			},
		},
		"ConflictOtherProject": {
			reason: "A 409 for a readable bucket of another project must not be adopted, even one labelled as ours: the error names both project numbers.",
			api: &mockAPI{
				MockCreate: createReturns(apiError(http.StatusConflict)),
				MockAttrs:  attrsAre(attrs(func(a *storage.BucketAttrs) { a.ProjectNumber = 999 })),
			},
			cr: configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" belongs to project number 999, not to project my-project (number 123456789012)`},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []call{createCall, {Op: "Attrs", Bucket: testName}},
			},
		},
		"ConflictTaken": {
			reason: "A 409 for a bucket these credentials cannot read is someone else's: the error should say how to choose another name.",
			api: &mockAPI{
				MockCreate: createReturns(errors.Wrap(apiError(http.StatusConflict), "googleapi")),
				MockAttrs:  attrsFail(apiError(http.StatusForbidden)),
			},
			cr: configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket name "my-bucket" is taken`, "crossplane.io/external-name"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []call{createCall, {Op: "Attrs", Bucket: testName}},
			},
		},
		"ConflictUnreadable": {
			reason: "A 409 followed by a failed read that is not a 403 says nothing about ownership: the read error should be returned, not a claim that the name is taken.",
			api: &mockAPI{
				MockCreate: createReturns(apiError(http.StatusConflict)),
				MockAttrs:  attrsFail(apiError(http.StatusServiceUnavailable)),
			},
			cr: configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"bucket already exists and cannot be read"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []call{createCall, {Op: "Attrs", Bucket: testName}},
			},
		},
		"CreateFailed": {
			reason: "Any other error should be returned wrapped, with no further call.",
			api:    &mockAPI{MockCreate: createReturns(errBoom)},
			cr:     configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot create bucket: boom"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []call{createCall},
			},
		},
		"Forbidden": {
			reason: "A 403 is not a conflict: it should be returned wrapped, without a read.",
			api:    &mockAPI{MockCreate: createReturns(apiError(http.StatusForbidden))},
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"cannot create bucket", "Forbidden"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []call{createCall},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{gcs: tc.api, cfg: config(), record: &reconcilertest.Recorder{}, owners: owners()}
			got, err := e.Create(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nCreate(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.c, got); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls, callOpts); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	attrsCall := call{Op: "Attrs", Bucket: testName}
	updateCall := func(u storage.BucketAttrsToUpdate) call {
		return call{Op: "Update", Bucket: testName, Metageneration: testMetageneration, Update: &u}
	}
	versioningOff := attrs(func(a *storage.BucketAttrs) { a.VersioningEnabled = false })

	type want struct {
		err   error
		msg   []string
		drift []string // the fields one DriftDetected event names; nil for no event
		calls []call
	}
	cases := map[string]struct {
		reason  string
		api     *mockAPI
		observe bool // whether Observe runs first on the same client
		cr      *v1alpha1.Bucket
		want    want
	}{
		"NoDrift": {
			reason:  "A bucket that matches the spec should cause no update and no event.",
			api:     &mockAPI{MockAttrs: attrsAre(attrs()), MockUpdate: updateReturns(nil)},
			observe: true,
			cr:      configuredBucket(),
			want:    want{calls: []call{attrsCall}},
		},
		"Drift": {
			reason:  "Update should use what Observe read, without reading again, send only the drifted field guarded by the metageneration read, and record one event naming it.",
			api:     &mockAPI{MockAttrs: attrsAre(versioningOff), MockUpdate: updateReturns(nil)},
			observe: true,
			cr:      configuredBucket(),
			want: want{
				drift: []string{"versioning"},
				calls: []call{attrsCall, updateCall(storage.BucketAttrsToUpdate{VersioningEnabled: true})},
			},
		},
		"LabelsDrifted": {
			reason: "Update should set only the labels that differ and delete only those the spec does not want, and name no label value.",
			api: &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) {
				a.Labels["team"] = "secret-value"
				a.Labels["owner"] = "bob"
			})), MockUpdate: updateReturns(nil)},
			observe: true,
			cr:      configuredBucket(),
			want: want{
				drift: []string{"labels"},
				calls: []call{attrsCall, updateCall(func() storage.BucketAttrsToUpdate {
					var u storage.BucketAttrsToUpdate
					u.SetLabel("team", "storage")
					u.DeleteLabel("owner")
					return u
				}())},
			},
		},
		"EveryFieldDrifted": {
			reason: "Every drifted field should be sent and named, in the order the spec lists them.",
			api: &mockAPI{MockAttrs: attrsAre(attrs(func(a *storage.BucketAttrs) {
				a.StorageClass = "NEARLINE"
				a.VersioningEnabled = false
				a.Labels = providerLabels()
				a.UniformBucketLevelAccess = storage.UniformBucketLevelAccess{}
				a.PublicAccessPrevention = storage.PublicAccessPreventionInherited
				a.Lifecycle = storage.Lifecycle{}
				a.RetentionPolicy = nil
				a.Encryption = nil
			})), MockUpdate: updateReturns(nil)},
			observe: true,
			cr:      configuredBucket(),
			want: want{
				drift: []string{"storageClass", "versioning", "labels", "uniformBucketLevelAccess", "publicAccessPrevention", "lifecycleRules", "retentionPolicy", "defaultKMSKeyName"},
				calls: []call{attrsCall, updateCall(func() storage.BucketAttrsToUpdate {
					u := storage.BucketAttrsToUpdate{
						StorageClass:             "STANDARD",
						VersioningEnabled:        true,
						UniformBucketLevelAccess: &storage.UniformBucketLevelAccess{Enabled: true},
						PublicAccessPrevention:   storage.PublicAccessPreventionEnforced,
						Lifecycle: &storage.Lifecycle{Rules: []storage.LifecycleRule{{
							Action:    storage.LifecycleAction{Type: storage.DeleteAction},
							Condition: storage.LifecycleCondition{AgeInDays: 30},
						}}},
						RetentionPolicy: &storage.RetentionPolicy{RetentionPeriod: 24 * time.Hour},
						Encryption:      &storage.BucketEncryption{DefaultKMSKeyName: testKMSKey},
					}
					u.SetLabel("team", "storage")
					return u
				}())},
			},
		},
		"PreconditionFailed": {
			reason:  "A 412 means someone changed the bucket since it was read: the error should say so.",
			api:     &mockAPI{MockAttrs: attrsAre(versioningOff), MockUpdate: updateReturns(apiError(http.StatusPreconditionFailed))},
			observe: true,
			cr:      configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"bucket changed while it was being updated"},
				drift: []string{"versioning"},
				calls: []call{attrsCall, updateCall(storage.BucketAttrsToUpdate{VersioningEnabled: true})},
			},
		},
		"UpdateFailed": {
			reason:  "Any other update error should be returned wrapped.",
			api:     &mockAPI{MockAttrs: attrsAre(versioningOff), MockUpdate: updateReturns(errBoom)},
			observe: true,
			cr:      configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot update bucket: boom"},
				drift: []string{"versioning"},
				calls: []call{attrsCall, updateCall(storage.BucketAttrsToUpdate{VersioningEnabled: true})},
			},
		},
		"NotObserved": {
			reason: "Called without Observe first, Update should read the bucket and then send only what drifted.",
			api:    &mockAPI{MockAttrs: attrsAre(versioningOff), MockUpdate: updateReturns(nil)},
			cr:     configuredBucket(),
			want: want{
				drift: []string{"versioning"},
				calls: []call{attrsCall, updateCall(storage.BucketAttrsToUpdate{VersioningEnabled: true})},
			},
		},
		"NotObservedReadFailed": {
			reason: "Called without Observe first, a failed read should be returned wrapped, with no update and no event.",
			api:    &mockAPI{MockAttrs: attrsFail(errBoom)},
			cr:     configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get bucket: boom"},
				calls: []call{attrsCall},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &reconcilertest.Recorder{}
			e := &external{gcs: tc.api, cfg: config(), record: r, owners: owners()}
			if tc.observe {
				if _, err := e.Observe(context.Background(), tc.cr); err != nil {
					t.Fatalf("\n%s\nObserve(...): %v", tc.reason, err)
				}
			}
			got, err := e.Update(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nUpdate(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(managed.ExternalUpdate{}, got); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want, +got:\n%s", tc.reason, diff)
			}
			var events []event.Event
			if tc.want.drift != nil {
				events = []event.Event{{Type: event.TypeNormal, Reason: "DriftDetected"}}
			}
			if diff := cmp.Diff(events, r.Events, cmpopts.IgnoreFields(event.Event{}, "Message", "Annotations")); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want events, +got events:\n%s", tc.reason, diff)
			}
			// The message names exactly the drifted fields, and never a value.
			for _, e := range r.Events {
				if fields := " in " + strings.Join(tc.want.drift, ", ") + ";"; !strings.Contains(e.Message, fields) {
					t.Errorf("\n%s\nUpdate(...): event message %q should name exactly the fields %q", tc.reason, e.Message, tc.want.drift)
				}
				if strings.Contains(e.Message, "secret-value") {
					t.Errorf("\n%s\nUpdate(...): event message %q should not contain a value", tc.reason, e.Message)
				}
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls, callOpts); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	type want struct {
		err error
		msg []string
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		want   want
	}{
		"Success": {
			reason: "A deleted bucket should be no error.",
			api:    &mockAPI{MockDelete: deleteReturns(nil)},
		},
		"BucketNotExist": {
			reason: "A bucket already gone should be no error.",
			api:    &mockAPI{MockDelete: deleteReturns(storage.ErrBucketNotExist)},
		},
		"NotFound": {
			reason: "A 404 should be no error: the bucket is gone.",
			api:    &mockAPI{MockDelete: deleteReturns(apiError(http.StatusNotFound))},
		},
		"NotEmpty": {
			reason: "A bucket with objects is kept, and the error should say so and how to leave it behind.",
			api:    &mockAPI{MockDelete: deleteReturns(apiError(http.StatusConflict))},
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`bucket "my-bucket" is not empty, so it was kept`, "managementPolicies"},
			},
		},
		"Forbidden": {
			reason: "A 403 should be returned wrapped.",
			api:    &mockAPI{MockDelete: deleteReturns(apiError(http.StatusForbidden))},
			want: want{
				err: cmpopts.AnyError,
				msg: []string{"cannot delete bucket", "Forbidden"},
			},
		},
		"DeleteFailed": {
			reason: "Any other error should be returned wrapped.",
			api:    &mockAPI{MockDelete: deleteReturns(errBoom)},
			want: want{
				err: errBoom,
				msg: []string{"cannot delete bucket: boom"},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cr := configuredBucket()
			e := &external{gcs: tc.api, cfg: config(), record: &reconcilertest.Recorder{}, owners: owners()}
			got, err := e.Delete(context.Background(), cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nDelete(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(managed.ExternalDelete{}, got); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(configuredBucket(withConditions(xpv2.Deleting())), cr); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff([]call{{Op: "Delete", Bucket: testName}}, tc.api.calls, callOpts); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDisconnect(t *testing.T) {
	m := &mockAPI{}
	e := &external{gcs: m, cfg: config(), record: &reconcilertest.Recorder{}, owners: owners()}
	if err := e.Disconnect(context.Background()); err != nil {
		t.Errorf("Disconnect(...): %v, want no error", err)
	}
	// The client is the cached config's, shared by every reconcile: closing
	// it here would break the others.
	if diff := cmp.Diff([]call(nil), m.calls, callOpts); diff != "" {
		t.Errorf("Disconnect(...) must leave the shared client alone: -want calls, +got calls:\n%s", diff)
	}
}

func TestConnect(t *testing.T) {
	s := runtime.NewScheme()
	if err := gcpv1alpha1.SchemeBuilder.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	spec := gcpv1alpha1.ProviderConfigSpec{
		ProjectID:     testProject,
		ProjectNumber: "123456789012",
		Credentials:   gcpv1alpha1.Credentials{Source: gcpv1alpha1.CredentialsSourceNone},
	}
	withConfig := func() client.Client {
		return fake.NewClientBuilder().WithScheme(s).WithObjects(&gcpv1alpha1.ClusterProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: "default", UID: "default-uid", Generation: 1},
			Spec:       spec,
		}).Build()
	}
	tracked := resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { return nil })
	trackFails := resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { return errBoom })
	builtFrom := &gcpclient.Config{Spec: spec, ProviderConfigName: "default", Options: []option.ClientOption{option.WithoutAuthentication()}}

	type want struct {
		cfg *gcpclient.Config // the config the client was made from; nil for none
		err error
		msg []string
	}
	cases := map[string]struct {
		reason string
		kube   client.Client
		usage  resource.ModernTracker
		cr     *v1alpha1.Bucket
		newAPI error
		want   want
	}{
		"TrackFailed": {
			reason: "A failure to track the ProviderConfig's use should be returned wrapped.",
			kube:   withConfig(),
			usage:  trackFails,
			cr:     bucket(),
			want:   want{err: errBoom, msg: []string{"cannot track ProviderConfig usage"}},
		},
		"DeletingNotTracked": {
			reason: "A resource being deleted should connect without recording a usage: in a namespace being deleted the API server refuses new objects.",
			kube:   withConfig(),
			usage:  trackFails,
			cr:     bucket(withDeletionTimestamp()),
			want:   want{cfg: builtFrom},
		},
		"NoProviderConfig": {
			reason: "A ProviderConfig that does not exist should be an error naming it.",
			kube:   fake.NewClientBuilder().WithScheme(s).Build(),
			usage:  tracked,
			cr:     bucket(),
			want:   want{err: cmpopts.AnyError, msg: []string{`cannot get ClusterProviderConfig "default"`}},
		},
		"NewAPIFailed": {
			reason: "A failure to make the client should be returned.",
			kube:   withConfig(),
			usage:  tracked,
			cr:     bucket(),
			newAPI: errBoom,
			want:   want{cfg: builtFrom, err: errBoom},
		},
		"Success": {
			reason: "The client should be made from the ProviderConfig the bucket references.",
			kube:   withConfig(),
			usage:  tracked,
			cr:     bucket(),
			want:   want{cfg: builtFrom},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var from []*gcpclient.Config
			m, r := &mockAPI{}, &reconcilertest.Recorder{}
			newAPI := func(cfg *gcpclient.Config) (api, error) {
				from = append(from, cfg)
				if tc.newAPI != nil {
					return nil, tc.newAPI
				}
				return m, nil
			}
			clients := gcpclient.NewClients(tc.kube, tc.kube, providerconfig.EndpointPolicy{}, nil)
			c := connector(tc.usage, clients, newAPI, r, owners())
			got, err := c.Connect(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nConnect(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			var built *gcpclient.Config
			if len(from) > 0 {
				built = from[0]
			}
			// Options are compared by value: each is a different type.
			if diff := cmp.Diff(tc.want.cfg, built, cmpopts.IgnoreFields(gcpclient.Config{}, "Values"), cmpopts.IgnoreUnexported(gcpclient.Config{}),
				cmp.Comparer(func(a, b option.ClientOption) bool { return a == b })); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want config the client was made from, +got:\n%s", tc.reason, diff)
			}
			if err != nil {
				return
			}

			// The external client uses the client made, the config's
			// project and the connector's recorder.
			m.MockCreate = createReturns(nil)
			if _, err := got.Create(context.Background(), bucket()); err != nil {
				t.Fatalf("\n%s\nConnect(...).Create(...): %v", tc.reason, err)
			}
			m.MockAttrs = attrsAre(attrs(func(a *storage.BucketAttrs) { a.VersioningEnabled = false }))
			m.MockUpdate = updateReturns(nil)
			if _, err := got.Update(context.Background(), configuredBucket()); err != nil {
				t.Fatalf("\n%s\nConnect(...).Update(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff([]string{"Create", "Attrs", "Update"}, ops(m.calls)); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want calls on the client made, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(testProject, m.calls[0].Project); diff != "" {
				t.Errorf("\n%s\nConnect(...).Create(...): -want project, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(1, len(r.Events)); diff != "" {
				t.Errorf("\n%s\nConnect(...).Update(...): -want events on the connector's recorder, +got:\n%s", tc.reason, diff)
			}

			// Conditions and events get Cloud Storage's code and message,
			// not the details the client prints with them.
			m.MockAttrs = attrsFail(googleapi.CheckResponse(&http.Response{
				StatusCode: http.StatusServiceUnavailable,
				Body: io.NopCloser(strings.NewReader(`{"error":{"code":503,"message":"Backend Error","errors":[{"message":"Backend Error","domain":"global","reason":"backendError"}],` +
					`"details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":"req-1"}]}}`)),
			}))
			_, err = got.Observe(context.Background(), bucket())
			if diff := cmp.Diff("cannot get bucket: 503 backendError: Backend Error", fmt.Sprint(err)); diff != "" {
				t.Errorf("\n%s\nConnect(...).Observe(...): -want error, +got:\n%s", tc.reason, diff)
			}
			if ge := (*googleapi.Error)(nil); !errors.As(err, &ge) || ge.Code != http.StatusServiceUnavailable {
				t.Errorf("\n%s\nConnect(...).Observe(...): errors.As finds no *googleapi.Error of code 503 in %v", tc.reason, err)
			}

			// A second reconcile reuses the cached config.
			if _, err := c.Connect(context.Background(), tc.cr); err != nil {
				t.Fatalf("\n%s\nsecond Connect(...): %v", tc.reason, err)
			}
			if len(from) != 2 || from[1] != from[0] {
				t.Errorf("\n%s\nsecond Connect(...): the client should be made from the first Connect's config, got %d configs", tc.reason, len(from))
			}
			if _, n := clients.Stats(); n != 1 {
				t.Errorf("\n%s\nStats(): built %d configs over two Connects, want 1", tc.reason, n)
			}
		})
	}
}

// ops are the operations of calls, in order.
func ops(calls []call) []string {
	var o []string
	for _, c := range calls {
		o = append(o, c.Op)
	}
	return o
}

func TestNewAPI(t *testing.T) {
	cases := map[string]struct {
		reason   string
		endpoint *gcpv1alpha1.Endpoint
	}{
		"DefaultEndpoint": {
			reason: "A client should be made for Google's endpoint.",
		},
		"StorageEndpoint": {
			reason:   "A client should be made for the config's endpoint, without writing into the config's options.",
			endpoint: &gcpv1alpha1.Endpoint{Storage: "http://127.0.0.1:4443/storage/v1/"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// Spare capacity would let an append write into the caller's array.
			opts := make([]option.ClientOption, 1, 2)
			opts[0] = option.WithoutAuthentication()
			cfg := &gcpclient.Config{Spec: gcpv1alpha1.ProviderConfigSpec{ProjectID: testProject, Endpoint: tc.endpoint}, Options: opts}
			defer cfg.Values.Close()
			first, err := newAPI(cfg)
			if err != nil {
				t.Fatalf("\n%s\nnewAPI(...): %v", tc.reason, err)
			}
			g, ok := first.(gcs)
			if !ok || g.c == nil {
				t.Fatalf("\n%s\nnewAPI(...): got %#v, want gcs with a client", tc.reason, first)
			}
			if extra := opts[:2][1]; extra != nil {
				t.Errorf("\n%s\nnewAPI(...): wrote %T into the config's options", tc.reason, extra)
			}
			// Every reconcile of the config shares one storage client.
			second, err := newAPI(cfg)
			if err != nil {
				t.Fatalf("\n%s\nsecond newAPI(...): %v", tc.reason, err)
			}
			if g2, ok := second.(gcs); !ok || g2.c != g.c {
				t.Errorf("\n%s\nsecond newAPI(...): made another storage client, want the config's one", tc.reason)
			}
		})
	}
}

func TestHasStatus(t *testing.T) {
	cases := map[string]struct {
		reason string
		err    error
		code   int
		want   bool
	}{
		"Nil":            {reason: "No error has no status.", err: nil, code: http.StatusNotFound},
		"NotAPI":         {reason: "An error that is not an API error has no status.", err: errBoom, code: http.StatusNotFound},
		"Same":           {reason: "An API error has its code.", err: apiError(http.StatusConflict), code: http.StatusConflict, want: true},
		"Other":          {reason: "An API error does not have another code.", err: apiError(http.StatusConflict), code: http.StatusNotFound},
		"Wrapped":        {reason: "The code is found through wrapping.", err: errors.Wrap(apiError(http.StatusPreconditionFailed), "update"), code: http.StatusPreconditionFailed, want: true},
		"BucketNotExist": {reason: "ErrBucketNotExist is not an API error.", err: storage.ErrBucketNotExist, code: http.StatusNotFound},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, hasStatus(tc.err, tc.code)); diff != "" {
				t.Errorf("\n%s\nhasStatus(%v, %d): -want, +got:\n%s", tc.reason, tc.err, tc.code, diff)
			}
		})
	}
}

// unmade is a resource that has not made its external resource (it is
// creating it, or names one made elsewhere): an untagged one is not its.
func unmade() bucketOption {
	return func(cr *v1alpha1.Bucket) {
		meta.RemoveAnnotations(cr, meta.AnnotationKeyExternalCreateSucceeded)
	}
}
