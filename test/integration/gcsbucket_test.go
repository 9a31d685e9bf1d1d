//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
)

// Two GCP configs: "default" reaches the recording GCS server, which keeps
// every bucket field as GCS does; "fake-gcs" reaches fake-gcs-server, the
// emulator, which keeps only name and versioning (it drops labels, IAM
// configuration, location, storage class, lifecycle, retention and
// encryption, so against it the provider sees drift on every poll and
// patches it back; tests there check only what the emulator keeps).
func setupGCPProviderConfigs(ctx context.Context) error {
	for name, endpoint := range map[string]string{"default": gcsRecorder.Endpoint(), "fake-gcs": fakeGCSURL} {
		if err := kube.Create(ctx, &gcpv1alpha1.ClusterProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: gcpv1alpha1.ProviderConfigSpec{
				ProjectID:   "appinfra-test",
				Credentials: gcpv1alpha1.Credentials{Source: gcpv1alpha1.CredentialsSourceNone},
				Endpoint:    &gcpv1alpha1.Endpoint{Storage: endpoint},
			},
		}); err != nil {
			return err
		}
	}
	return nil
}

func gcsBucketCR(name string, mutate ...func(*v1alpha1.Bucket)) *v1alpha1.Bucket {
	b := &v1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.BucketSpec{ForProvider: v1alpha1.BucketParameters{Location: "us-central1"}},
	}
	for _, m := range mutate {
		m(b)
	}
	return b
}

func onEmulator(b *v1alpha1.Bucket) {
	b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "fake-gcs"}
}

func emulatorHas(name string) (*storage.BucketAttrs, error) {
	return fakeGCS.Bucket(name).Attrs(context.Background())
}

func emulatorLacks(name string) error {
	_, err := fakeGCS.Bucket(name).Attrs(context.Background())
	if errors.Is(err, storage.ErrBucketNotExist) {
		return nil
	}
	return fmt.Errorf("bucket %s still in fake-gcs-server (attrs error: %v)", name, err)
}

func TestGCSBucketLifecycleOnEmulator(t *testing.T) {
	t.Parallel()
	name := "it-gcs-lifecycle"
	cr := gcsBucketCR(name, onEmulator, func(b *v1alpha1.Bucket) {
		b.Spec.ForProvider.Versioning = ptr.To(true)
		b.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-conn"}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	// Only existence is checked here: fake-gcs-server drops labels, so the
	// provider patches them back every poll, and a PATCH that omits
	// versioning turns the emulator's versioning off. Versioning is checked
	// against the recording server in TestGCSBucketUpdateSendsOnlyWhatDiffers.
	if _, err := emulatorHas(name); err != nil {
		t.Fatal(err)
	}
	sec := &corev1.Secret{}
	if err := kube.Get(context.Background(), key(ns, name+"-conn"), sec); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k, v := range sec.Data {
		got[k] = string(v)
	}
	want := map[string]string{"bucket": name, "project": "appinfra-test", "location": "US-CENTRAL1", "endpoint": fakeGCSURL, "url": "gs://" + name}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("connection secret: -want +got:\n%s", diff)
	}

	if err := kube.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(cr) })
	if err := emulatorLacks(name); err != nil {
		t.Error(err)
	}
}

func TestGCSBucketImportAndOrphanOnEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := "it-gcs-import"
	if err := fakeGCS.Bucket(name).Create(ctx, "appinfra-test", &storage.BucketAttrs{VersioningEnabled: true}); err != nil {
		t.Fatal(err)
	}
	cr := gcsBucketCR("gcs-imported", onEmulator, func(b *v1alpha1.Bucket) {
		meta.SetExternalName(b, name)
		b.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
		// fake-gcs-server puts every bucket in US-CENTRAL1.
	})
	create(t, cr)
	eventually(t, converge, "imported bucket Ready", func() error { return ready(cr) })
	if !cr.Status.AtProvider.Versioning || cr.Status.AtProvider.URL != "gs://"+name {
		t.Errorf("status.atProvider = %+v", cr.Status.AtProvider)
	}
	for _, c := range gcsCalls.of(name) {
		if c.write() {
			t.Errorf("observe-only import wrote: %s", c.Op)
		}
	}
	if err := kube.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(cr) })
	if _, err := emulatorHas(name); err != nil {
		t.Errorf("observe-only resource deleted its bucket: %v", err)
	}

	// Policies without Delete orphan a bucket the provider created.
	orphan := gcsBucketCR("it-gcs-orphan", onEmulator, func(b *v1alpha1.Bucket) {
		b.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionLateInitialize}
	})
	create(t, orphan)
	eventually(t, converge, "bucket Ready", func() error { return ready(orphan) })
	if err := kube.Delete(ctx, orphan); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(orphan) })
	if _, err := emulatorHas("it-gcs-orphan"); err != nil {
		t.Errorf("orphaned bucket deleted: %v", err)
	}
}

func TestGCSBucketNotEmptyIsKeptOnEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := "it-gcs-not-empty-emu"
	cr := gcsBucketCR(name, onEmulator)
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	w := fakeGCS.Bucket(name).Object("data.txt").NewWriter(ctx)
	if _, err := w.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := kube.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	// GCS answers 409 "not empty"; fake-gcs-server answers 412, so here
	// the condition carries the raw error. The 409 message is checked in
	// TestGCSBucketNotEmptyIsKept against the recording server.
	eventually(t, converge, "delete refused", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "cannot delete bucket")
	})
	if _, err := emulatorHas(name); err != nil {
		t.Fatalf("non-empty bucket was deleted: %v", err)
	}
	if err := fakeGCS.Bucket(name).Object("data.txt").Delete(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(cr) })
}

func TestGCSBucketCreateSendsEverySetting(t *testing.T) {
	t.Parallel()
	name := "it-gcs-settings"
	cr := gcsBucketCR(name, func(b *v1alpha1.Bucket) {
		p := &b.Spec.ForProvider
		p.StorageClass = ptr.To("NEARLINE")
		p.Labels = map[string]string{"team": "payments"}
		p.RetentionPolicy = &v1alpha1.RetentionPolicy{RetentionPeriodSeconds: 3600}
		p.DefaultKMSKeyName = ptr.To("projects/p/locations/us/keyRings/r/cryptoKeys/k")
		p.LifecycleRules = []v1alpha1.LifecycleRule{
			{Action: v1alpha1.LifecycleAction{Type: "Delete"}, Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](30), WithState: ptr.To("ARCHIVED")}},
			{Action: v1alpha1.LifecycleAction{Type: "SetStorageClass", StorageClass: ptr.To("COLDLINE")}, Condition: v1alpha1.LifecycleCondition{CreatedBefore: ptr.To("2026-01-01"), MatchesPrefix: []string{"logs/"}}},
		}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })

	var posted map[string]any
	for _, r := range gcsRecorder.Requests(name) {
		if r.Method == "POST" {
			posted = r.Body
		}
	}
	if posted == nil {
		t.Fatal("no create request recorded")
	}
	want := map[string]any{
		"location":     "us-central1",
		"storageClass": "NEARLINE",
		"labels": map[string]any{
			"team": "payments", "crossplane-kind": "bucket_storage_gcp_appinfra_io", "crossplane-name": name,
			"crossplane-namespace": ns, "crossplane-providerconfig": "default", "crossplane-providerconfig-kind": "clusterproviderconfig",
			"crossplane-uid": string(cr.UID),
		},
		"iamConfiguration": map[string]any{"uniformBucketLevelAccess": map[string]any{"enabled": true}, "publicAccessPrevention": "enforced"},
		"retentionPolicy":  map[string]any{"retentionPeriod": "3600"},
		"encryption":       map[string]any{"defaultKmsKeyName": "projects/p/locations/us/keyRings/r/cryptoKeys/k"},
		"lifecycle": map[string]any{"rule": []any{
			map[string]any{"action": map[string]any{"type": "Delete"}, "condition": map[string]any{"age": float64(30), "isLive": false}},
			map[string]any{"action": map[string]any{"type": "SetStorageClass", "storageClass": "COLDLINE"}, "condition": map[string]any{"createdBefore": "2026-01-01", "matchesPrefix": []any{"logs/"}}},
		}},
	}
	for k, w := range want {
		if diff := cmp.Diff(w, posted[k]); diff != "" {
			t.Errorf("create request field %s: -want +got:\n%s", k, diff)
		}
	}

	// Once settled, each poll is one read and nothing else: over several
	// polls, every request is a GET and no two come within half a poll of
	// each other (two reads in one reconcile would).
	start := len(gcsRecorder.Requests(name))
	eventually(t, 6*pollInterval+10*time.Second, "five polls", func() error {
		if n := len(gcsRecorder.Requests(name)) - start; n < 5 {
			return fmt.Errorf("%d requests so far", n)
		}
		return nil
	})
	reqs := gcsRecorder.Requests(name)[start:]
	for i, r := range reqs {
		if r.Method != "GET" {
			t.Errorf("steady state sent %s %v", r.Method, r.Body)
		}
		if i > 0 && r.At.Sub(reqs[i-1].At) < pollInterval/2 {
			t.Errorf("requests %d and %d came %s apart: more than one request in a poll", i-1, i, r.At.Sub(reqs[i-1].At))
		}
	}
}

func TestGCSBucketUpdateSendsOnlyWhatDiffers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := "it-gcs-update"
	cr := gcsBucketCR(name, func(b *v1alpha1.Bucket) {
		b.Spec.ForProvider.Labels = map[string]string{"team": "payments", "tier": "gold"}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })

	start := len(gcsRecorder.Requests(name))
	eventually(t, converge, "spec update accepted", func() error {
		if err := kube.Get(ctx, key(ns, name), cr); err != nil {
			return err
		}
		cr.Spec.ForProvider.Versioning = ptr.To(true)
		cr.Spec.ForProvider.Labels = map[string]string{"team": "ledger"}
		return kube.Update(ctx, cr)
	})
	var patch map[string]any
	eventually(t, converge, "patch sent", func() error {
		for _, r := range gcsRecorder.Requests(name)[start:] {
			if r.Method == "PATCH" {
				patch = r.Body
				return nil
			}
		}
		return errors.New("no PATCH yet")
	})
	// Only versioning and the changed labels: a PATCH that named other
	// fields could reset settings the spec does not manage.
	want := map[string]any{
		"versioning": map[string]any{"enabled": true},
		"labels":     map[string]any{"team": "ledger", "tier": nil},
	}
	if diff := cmp.Diff(want, patch); diff != "" {
		t.Errorf("PATCH body: -want +got:\n%s", diff)
	}
	eventually(t, converge, "update stored", func() error {
		b := gcsRecorder.Bucket(name)
		l, _ := b["labels"].(map[string]any)
		if v, _ := b["versioning"].(map[string]any); v["enabled"] != true || l["team"] != "ledger" || l["tier"] != nil {
			return fmt.Errorf("stored versioning %v labels %v", b["versioning"], l)
		}
		return nil
	})
}

func TestGCSBucketDriftIsReportedAndCorrected(t *testing.T) {
	t.Parallel()
	name := "it-gcs-drift"
	cr := gcsBucketCR(name)
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })

	gcsRecorder.Patch(name, map[string]any{
		"iamConfiguration": map[string]any{"uniformBucketLevelAccess": map[string]any{"enabled": false}, "publicAccessPrevention": "inherited"},
		"labels":           map[string]any{"rogue": "yes"},
	})
	eventually(t, withinPoll, "drift corrected", func() error {
		b := gcsRecorder.Bucket(name)
		iam, _ := b["iamConfiguration"].(map[string]any)
		ubla, _ := iam["uniformBucketLevelAccess"].(map[string]any)
		labels, _ := b["labels"].(map[string]any)
		if ubla["enabled"] != true || iam["publicAccessPrevention"] != "enforced" || labels["rogue"] != nil {
			return fmt.Errorf("stored iam %v labels %v", iam, labels)
		}
		return nil
	})
	// The event is recorded asynchronously: it may reach the API server
	// after the correction reached the cloud.
	eventually(t, withinPoll, "a DriftDetected event naming each field", func() error {
		var msg string
		for _, e := range eventsOf(t, cr) {
			if e.Reason == "DriftDetected" {
				msg = e.Message
			}
		}
		for _, f := range []string{"labels", "uniformBucketLevelAccess", "publicAccessPrevention"} {
			if !strings.Contains(msg, f) {
				return fmt.Errorf("DriftDetected event %q does not name %s", msg, f)
			}
		}
		return nil
	})
}

func TestGCSBucketNotEmptyIsKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := "it-gcs-not-empty"
	cr := gcsBucketCR(name)
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	gcsRecorder.AddObject(name)
	if err := kube.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "not-empty condition", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "is not empty, so it was kept")
	})
	gcsRecorder.RemoveObjects(name)
	eventually(t, converge, "resource gone", func() error { return gone(cr) })
	if gcsRecorder.Bucket(name) != nil {
		t.Error("bucket still stored after deletion")
	}
}

func TestGCSBucketBadLabelValueGetsACondition(t *testing.T) {
	t.Parallel()
	// Admission checks label values only for length (see the API type), so
	// the provider refuses other bad values before calling GCS.
	cr := gcsBucketCR("it-gcs-bad-label", func(b *v1alpha1.Bucket) { b.Spec.ForProvider.Labels = map[string]string{"team": "Payments"} })
	create(t, cr)
	eventually(t, converge, "bad label condition", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, `label "team" has a value GCS refuses`)
	})
	if n := len(gcsRecorder.Requests("it-gcs-bad-label")); n != 0 {
		t.Errorf("%d requests sent for a bucket with a bad label", n)
	}
}

func TestGCSBucketBadSpecRefusedAtAdmission(t *testing.T) {
	t.Parallel()
	expectRefused(t, map[string]refusal{
		"NameWithGoogle": {
			reason: "GCS refuses names containing google",
			obj:    gcsBucketCR("my-google-bucket"),
			want:   "not containing google",
		},
		"LongLabelValue": {
			reason: "GCS label values are at most 63 characters",
			obj: gcsBucketCR("bad-label", func(b *v1alpha1.Bucket) {
				b.Spec.ForProvider.Labels = map[string]string{"team": strings.Repeat("a", 64)}
			}),
			want: "label values must be at most 63 characters",
		},
		"ReservedLabel": {
			reason: "crossplane- labels are the provider's",
			obj:    gcsBucketCR("bad-label-key", func(b *v1alpha1.Bucket) { b.Spec.ForProvider.Labels = map[string]string{"crossplane-name": "x"} }),
			want:   "not start with crossplane-",
		},
		"UnknownStorageClass": {
			reason: "storage classes are an enum",
			obj:    gcsBucketCR("bad-class", func(b *v1alpha1.Bucket) { b.Spec.ForProvider.StorageClass = ptr.To("GLACIER") }),
			want:   `supported values: "STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"`,
		},
		"UnknownPublicAccessPrevention": {
			reason: "public access prevention is enforced or inherited",
			obj:    gcsBucketCR("bad-pap", func(b *v1alpha1.Bucket) { b.Spec.ForProvider.PublicAccessPrevention = ptr.To("off") }),
			want:   `supported values: "enforced", "inherited"`,
		},
		"SetStorageClassWithoutClass": {
			reason: "SetStorageClass needs the class to set",
			obj: gcsBucketCR("bad-rule", func(b *v1alpha1.Bucket) {
				b.Spec.ForProvider.LifecycleRules = []v1alpha1.LifecycleRule{{Action: v1alpha1.LifecycleAction{Type: "SetStorageClass"}, Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](1)}}}
			}),
			want: "storageClass is required for SetStorageClass",
		},
		"EmptyCondition": {
			reason: "a rule without conditions would match everything by accident",
			obj: gcsBucketCR("bad-cond", func(b *v1alpha1.Bucket) {
				b.Spec.ForProvider.LifecycleRules = []v1alpha1.LifecycleRule{{Action: v1alpha1.LifecycleAction{Type: "Delete"}}}
			}),
			want: "a lifecycle condition needs at least one field",
		},
		"BadDate": {
			reason: "createdBefore is a date",
			obj: gcsBucketCR("bad-date", func(b *v1alpha1.Bucket) {
				b.Spec.ForProvider.LifecycleRules = []v1alpha1.LifecycleRule{{Action: v1alpha1.LifecycleAction{Type: "Delete"}, Condition: v1alpha1.LifecycleCondition{CreatedBefore: ptr.To("1 Jan 2026")}}}
			}),
			want: "createdBefore",
		},
	})

	t.Run("LocationIsImmutable", func(t *testing.T) {
		cr := gcsBucketCR("it-gcs-immutable", func(b *v1alpha1.Bucket) {
			b.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
		})
		expectImmutable(t, cr, func() { cr.Spec.ForProvider.Location = "EU" }, "location is immutable")
	})

}

func TestGCSBucketEmptyLifecycleIsKept(t *testing.T) {
	t.Parallel()
	name := "it-gcs-no-rules"
	cr := gcsBucketCR(name, func(b *v1alpha1.Bucket) { b.Spec.ForProvider.LifecycleRules = []v1alpha1.LifecycleRule{} })
	create(t, cr)
	// Late initialisation writes the whole object back; the empty list,
	// which means "no rules", must still be there afterwards.
	eventually(t, converge, "bucket Ready and late-initialised", func() error {
		if err := ready(cr); err != nil {
			return err
		}
		if cr.Spec.ForProvider.StorageClass == nil {
			return errors.New("not late-initialised yet")
		}
		return nil
	})
	if cr.Spec.ForProvider.LifecycleRules == nil {
		t.Fatal("lifecycleRules: [] was lost from the spec")
	}
	// So rules added behind the provider's back are removed.
	gcsRecorder.Patch(name, map[string]any{"lifecycle": map[string]any{"rule": []any{map[string]any{"action": map[string]any{"type": "Delete"}, "condition": map[string]any{"age": 1}}}}})
	eventually(t, withinPoll, "added rule removed", func() error {
		lc, _ := gcsRecorder.Bucket(name)["lifecycle"].(map[string]any)
		if rules, _ := lc["rule"].([]any); len(rules) != 0 {
			return fmt.Errorf("rules still stored: %v", rules)
		}
		return nil
	})
}
