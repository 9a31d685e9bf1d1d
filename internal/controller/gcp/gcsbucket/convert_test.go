package gcsbucket

import (
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

// rule is a lifecycle rule of action type t with condition c.
func rule(t string, c v1alpha1.LifecycleCondition) v1alpha1.LifecycleRule {
	return v1alpha1.LifecycleRule{Action: v1alpha1.LifecycleAction{Type: t}, Condition: c}
}

func TestDesired(t *testing.T) {
	cases := map[string]struct {
		reason string
		cr     *v1alpha1.Bucket
		want   map[string]string
	}{
		"ClusterProviderConfig": {
			reason: "The provider's labels, with the resource's UID, are added, fitted to GCS label rules, and the user's kept.",
			cr:     configuredBucket(),
			want:   allLabels(),
		},
		"ProviderConfig": {
			reason: "The providerconfig labels name the config the resource references.",
			cr: bucket(func(cr *v1alpha1.Bucket) {
				cr.SetNamespace("team-b")
				cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-b-gcp"})
			}),
			want: map[string]string{
				"crossplane-kind":                "bucket_storage_gcp_appinfra_io",
				"crossplane-name":                "my-bucket",
				"crossplane-namespace":           "team-b",
				"crossplane-providerconfig":      "team-b-gcp",
				"crossplane-providerconfig-kind": "providerconfig",
				"crossplane-uid":                 testUID,
			},
		},
		"Sanitised": {
			reason: "Names with dots or longer than 63 characters are fitted to GCS label rules; the UID, which identifies the manager exactly, fits as it is.",
			cr: bucket(func(cr *v1alpha1.Bucket) {
				cr.SetName("logs.v2." + strings.Repeat("x", 70))
				cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "prod.gcp"})
			}),
			want: map[string]string{
				"crossplane-kind":                "bucket_storage_gcp_appinfra_io",
				"crossplane-name":                "logs_v2_" + strings.Repeat("x", 55),
				"crossplane-namespace":           "team-a",
				"crossplane-providerconfig":      "prod_gcp",
				"crossplane-providerconfig-kind": "clusterproviderconfig",
				"crossplane-uid":                 testUID,
			},
		},
		"UserLabelWins": {
			reason: "A label the user sets is kept as given, even under a provider key.",
			cr:     bucket(withParams(func(p *v1alpha1.BucketParameters) { p.Labels = map[string]string{"crossplane-name": "custom"} })),
			want: func() map[string]string {
				l := providerLabels()
				l["crossplane-name"] = "custom"
				return l
			}(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			before := tc.cr.DeepCopy()
			got := desired(tc.cr)
			if diff := cmp.Diff(tc.want, got.Labels); diff != "" {
				t.Errorf("\n%s\ndesired(...).Labels: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.cr.Spec.ForProvider, got, cmpopts.IgnoreFields(v1alpha1.BucketParameters{}, "Labels")); diff != "" {
				t.Errorf("\n%s\ndesired(...): -want, +got (apart from labels):\n%s", tc.reason, diff)
			}
			// The result must not share what it points to with the resource.
			if got.StorageClass != nil {
				*got.StorageClass = "changed"
			}
			if diff := cmp.Diff(before, tc.cr); diff != "" {
				t.Errorf("\n%s\ndesired(...) must not change or share the resource: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestParameters(t *testing.T) {
	cases := map[string]struct {
		reason string
		a      *storage.BucketAttrs
		want   v1alpha1.BucketParameters
	}{
		"Full": {
			reason: "Every managed field is read, in spec terms.",
			a:      attrs(),
			want: params(func(p *v1alpha1.BucketParameters) {
				p.Location = "US-CENTRAL1"
				p.Labels = allLabels()
			}),
		},
		"Empty": {
			reason: "A bucket reporting nothing reads as the zero of every field, with no labels, rules, retention or key.",
			a:      &storage.BucketAttrs{},
			want: v1alpha1.BucketParameters{
				StorageClass:             ptr.To(""),
				Versioning:               ptr.To(false),
				Labels:                   map[string]string{},
				UniformBucketLevelAccess: ptr.To(false),
				PublicAccessPrevention:   ptr.To(v1alpha1.PublicAccessPreventionInherited),
				LifecycleRules:           []v1alpha1.LifecycleRule{},
			},
		},
		"EncryptionWithoutKey": {
			reason: "Encryption settings without a KMS key are no key.",
			a:      &storage.BucketAttrs{Encryption: &storage.BucketEncryption{}},
			want: v1alpha1.BucketParameters{
				StorageClass:             ptr.To(""),
				Versioning:               ptr.To(false),
				Labels:                   map[string]string{},
				UniformBucketLevelAccess: ptr.To(false),
				PublicAccessPrevention:   ptr.To(v1alpha1.PublicAccessPreventionInherited),
				LifecycleRules:           []v1alpha1.LifecycleRule{},
			},
		},
		"RetentionInSeconds": {
			reason: "The retention period is read in whole seconds.",
			a: attrs(func(a *storage.BucketAttrs) {
				a.RetentionPolicy = &storage.RetentionPolicy{RetentionPeriod: 90*time.Second + 500*time.Millisecond}
			}),
			want: params(func(p *v1alpha1.BucketParameters) {
				p.Location = "US-CENTRAL1"
				p.Labels = allLabels()
				p.RetentionPolicy = &v1alpha1.RetentionPolicy{RetentionPeriodSeconds: 90}
			}),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := parameters(tc.a)
			// What was read may change later: the parameters must hold copies.
			if tc.a.Labels != nil {
				tc.a.Labels["changed"] = "yes"
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nparameters(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPublicAccessPrevention(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      storage.PublicAccessPrevention
		want   string
	}{
		"Unknown":     {reason: "A bucket that does not report the setting does not enforce it.", p: storage.PublicAccessPreventionUnknown, want: "inherited"},
		"Unspecified": {reason: "unspecified is the old name of inherited.", p: storage.PublicAccessPreventionUnspecified, want: "inherited"},
		"Inherited":   {reason: "inherited is inherited.", p: storage.PublicAccessPreventionInherited, want: "inherited"},
		"Enforced":    {reason: "enforced is enforced.", p: storage.PublicAccessPreventionEnforced, want: "enforced"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, publicAccessPrevention(tc.p)); diff != "" {
				t.Errorf("\n%s\npublicAccessPrevention(%v): -want, +got:\n%s", tc.reason, tc.p, diff)
			}
		})
	}
}

func TestToPublicAccessPrevention(t *testing.T) {
	cases := map[string]struct {
		reason string
		s      string
		want   storage.PublicAccessPrevention
	}{
		"Inherited": {reason: "inherited is sent as inherited, not the deprecated unspecified.", s: "inherited", want: storage.PublicAccessPreventionInherited},
		"Enforced":  {reason: "enforced is sent as enforced.", s: "enforced", want: storage.PublicAccessPreventionEnforced},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, toPublicAccessPrevention(tc.s)); diff != "" {
				t.Errorf("\n%s\ntoPublicAccessPrevention(%q): -want, +got:\n%s", tc.reason, tc.s, diff)
			}
		})
	}
}

func TestConfigured(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      v1alpha1.BucketParameters
		want   []string
	}{
		"Nothing": {
			reason: "Parameters that set only a location manage nothing else.",
			p:      v1alpha1.BucketParameters{Location: testLocation},
		},
		"Everything": {
			reason: "Every field set is listed, in spec order.",
			p:      params(),
			want:   []string{"storageClass", "versioning", "labels", "uniformBucketLevelAccess", "publicAccessPrevention", "lifecycleRules", "retentionPolicy", "defaultKMSKeyName"},
		},
		"EmptyLabels": {
			reason: "An empty, non-nil label map still manages labels: it means none.",
			p:      v1alpha1.BucketParameters{Labels: map[string]string{}},
			want:   []string{"labels"},
		},
		"EmptyLifecycleRules": {
			reason: "An empty, non-nil rule list still manages lifecycle rules: it means none.",
			p:      v1alpha1.BucketParameters{LifecycleRules: []v1alpha1.LifecycleRule{}},
			want:   []string{"lifecycleRules"},
		},
		"FalseAndEmptyValues": {
			reason: "Fields set to false or empty are still managed.",
			p: v1alpha1.BucketParameters{
				StorageClass:             ptr.To(""),
				Versioning:               ptr.To(false),
				UniformBucketLevelAccess: ptr.To(false),
				DefaultKMSKeyName:        ptr.To(""),
			},
			want: []string{"storageClass", "versioning", "uniformBucketLevelAccess", "defaultKMSKeyName"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, configured(tc.p)); diff != "" {
				t.Errorf("\n%s\nconfigured(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDrifted(t *testing.T) {
	// read is params() as parameters() reads it back from GCS.
	read := func(mods ...func(*v1alpha1.BucketParameters)) v1alpha1.BucketParameters {
		return params(append([]func(*v1alpha1.BucketParameters){func(p *v1alpha1.BucketParameters) { p.Location = "US-CENTRAL1" }}, mods...)...)
	}
	withRules := func(r ...v1alpha1.LifecycleRule) func(*v1alpha1.BucketParameters) {
		return func(p *v1alpha1.BucketParameters) { p.LifecycleRules = r }
	}
	cases := map[string]struct {
		reason string
		want   v1alpha1.BucketParameters
		got    v1alpha1.BucketParameters
		drift  []string
	}{
		"Matches": {
			reason: "A bucket that matches every managed field has not drifted; location is not compared here.",
			want:   params(),
			got:    read(),
		},
		"UnsetIsIgnored": {
			reason: "What want leaves unset is not compared.",
			want:   v1alpha1.BucketParameters{Location: testLocation},
			got:    read(),
		},
		"StorageClassDiffers": {
			reason: "A different storage class is drift.",
			want:   params(),
			got:    read(func(p *v1alpha1.BucketParameters) { p.StorageClass = ptr.To("NEARLINE") }),
			drift:  []string{"storageClass"},
		},
		"VersioningDiffers": {
			reason: "Different versioning is drift.",
			want:   params(),
			got:    read(func(p *v1alpha1.BucketParameters) { p.Versioning = ptr.To(false) }),
			drift:  []string{"versioning"},
		},
		"ExtraLabel": {
			reason: "A label on the bucket the spec does not name is drift: labels are managed as a whole.",
			want:   params(),
			got:    read(func(p *v1alpha1.BucketParameters) { p.Labels = map[string]string{"team": "storage", "owner": "bob"} }),
			drift:  []string{"labels"},
		},
		"LabelValueDiffers": {
			reason: "A label with another value is drift.",
			want:   params(),
			got:    read(func(p *v1alpha1.BucketParameters) { p.Labels = map[string]string{"team": "other"} }),
			drift:  []string{"labels"},
		},
		"NoLabels": {
			reason: "No labels wanted and none present is no drift, whether read as empty or nil.",
			want:   params(func(p *v1alpha1.BucketParameters) { p.Labels = map[string]string{} }),
			got:    read(func(p *v1alpha1.BucketParameters) { p.Labels = nil }),
		},
		"UniformBucketLevelAccessDiffers": {
			reason: "Different uniform bucket-level access is drift.",
			want:   params(),
			got:    read(func(p *v1alpha1.BucketParameters) { p.UniformBucketLevelAccess = ptr.To(false) }),
			drift:  []string{"uniformBucketLevelAccess"},
		},
		"PublicAccessPreventionDiffers": {
			reason: "Different public access prevention is drift.",
			want:   params(),
			got: read(func(p *v1alpha1.BucketParameters) {
				p.PublicAccessPrevention = ptr.To(v1alpha1.PublicAccessPreventionInherited)
			}),
			drift: []string{"publicAccessPrevention"},
		},
		"LifecycleAgeDiffers": {
			reason: "A rule with another age is drift.",
			want:   params(),
			got:    read(withRules(deleteAfter(31))),
			drift:  []string{"lifecycleRules"},
		},
		"LifecycleAbsent": {
			reason: "A bucket without the rules wanted has drifted.",
			want:   params(),
			got:    read(withRules()),
			drift:  []string{"lifecycleRules"},
		},
		"LifecycleExtraRule": {
			reason: "A rule the spec does not list is drift.",
			want:   params(),
			got:    read(withRules(deleteAfter(30), deleteAfter(60))),
			drift:  []string{"lifecycleRules"},
		},
		"LifecycleNoneWanted": {
			reason: "An empty rule list matches a bucket without rules, whether read as empty or nil.",
			want:   params(withRules([]v1alpha1.LifecycleRule{}...)),
			got:    read(func(p *v1alpha1.BucketParameters) { p.LifecycleRules = nil }),
		},
		"LifecycleWithStateAnyIsUnset": {
			reason: "withState ANY is what GCS stores as no liveness condition, so it matches a rule without one.",
			want:   params(withRules(rule(v1alpha1.LifecycleActionDelete, v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](30), WithState: ptr.To(v1alpha1.WithStateAny)}))),
			got:    read(withRules(deleteAfter(30))),
		},
		"LifecycleWithStateLiveIsNotUnset": {
			reason: "withState LIVE is a condition: a rule without it has drifted.",
			want:   params(withRules(rule(v1alpha1.LifecycleActionDelete, v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](30), WithState: ptr.To(v1alpha1.WithStateLive)}))),
			got:    read(withRules(deleteAfter(30))),
			drift:  []string{"lifecycleRules"},
		},
		"LifecycleAgeZero": {
			reason: "ageDays 0 is sent as allObjects and read back as ageDays 0: no drift.",
			want:   params(withRules(deleteAfter(0))),
			got: read(func(p *v1alpha1.BucketParameters) {
				p.LifecycleRules = lifecycleRules([]storage.LifecycleRule{{
					Action:    storage.LifecycleAction{Type: storage.DeleteAction},
					Condition: storage.LifecycleCondition{AllObjects: true},
				}})
			}),
		},
		"LifecycleZeroCounts": {
			reason: "numNewerVersions and daysSinceNoncurrentTime 0 are what GCS stores as no condition.",
			want: params(withRules(rule(v1alpha1.LifecycleActionDelete, v1alpha1.LifecycleCondition{
				AgeDays: ptr.To[int64](30), NumNewerVersions: ptr.To[int64](0), DaysSinceNoncurrentTime: ptr.To[int64](0),
			}))),
			got: read(withRules(deleteAfter(30))),
		},
		"LifecycleEmptyMatchLists": {
			reason: "An empty match list is no match list.",
			want: params(withRules(rule(v1alpha1.LifecycleActionDelete, v1alpha1.LifecycleCondition{
				AgeDays: ptr.To[int64](30), MatchesPrefix: []string{},
			}))),
			got: read(withRules(deleteAfter(30))),
		},
		"RetentionDiffers": {
			reason: "A different retention period is drift.",
			want:   params(),
			got: read(func(p *v1alpha1.BucketParameters) {
				p.RetentionPolicy = &v1alpha1.RetentionPolicy{RetentionPeriodSeconds: 60}
			}),
			drift: []string{"retentionPolicy"},
		},
		"RetentionAbsent": {
			reason: "A bucket without the retention policy wanted has drifted.",
			want:   params(),
			got:    read(func(p *v1alpha1.BucketParameters) { p.RetentionPolicy = nil }),
			drift:  []string{"retentionPolicy"},
		},
		"KMSKeyDiffers": {
			reason: "A different default KMS key is drift.",
			want:   params(),
			got:    read(func(p *v1alpha1.BucketParameters) { p.DefaultKMSKeyName = ptr.To(testKMSKey + "2") }),
			drift:  []string{"defaultKMSKeyName"},
		},
		"KMSKeyAbsent": {
			reason: "A bucket without the default KMS key wanted has drifted.",
			want:   params(),
			got:    read(func(p *v1alpha1.BucketParameters) { p.DefaultKMSKeyName = nil }),
			drift:  []string{"defaultKMSKeyName"},
		},
		"Everything": {
			reason: "Every drifted field is listed, in spec order.",
			want:   params(),
			got:    parameters(&storage.BucketAttrs{Location: "US-CENTRAL1"}),
			drift:  []string{"storageClass", "versioning", "labels", "uniformBucketLevelAccess", "publicAccessPrevention", "lifecycleRules", "retentionPolicy", "defaultKMSKeyName"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.drift, drifted(tc.want, tc.got)); diff != "" {
				t.Errorf("\n%s\ndrifted(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	cases := map[string]struct {
		reason string
		want   v1alpha1.BucketParameters
		got    v1alpha1.BucketParameters
		empty  bool
	}{
		"NoDrift": {
			reason: "No drift is an empty diff, even if the bucket has settings want leaves unset.",
			want:   v1alpha1.BucketParameters{Location: testLocation, Labels: map[string]string{"team": "storage"}},
			got:    params(),
			empty:  true,
		},
		"Drift": {
			reason: "Drift is a non-empty diff.",
			want:   params(),
			got:    params(func(p *v1alpha1.BucketParameters) { p.Versioning = ptr.To(false) }),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := diff(tc.want, tc.got)
			if (got == "") != tc.empty {
				t.Errorf("\n%s\ndiff(...): got %q, want empty: %t", tc.reason, got, tc.empty)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	type want struct {
		spec    v1alpha1.BucketParameters
		changed bool
	}
	cases := map[string]struct {
		reason string
		spec   v1alpha1.BucketParameters
		got    v1alpha1.BucketParameters
		want   want
	}{
		"Unset": {
			reason: "Unset storageClass, versioning, uniform access and public access prevention are taken from the bucket; nothing else is.",
			spec:   v1alpha1.BucketParameters{Location: testLocation},
			got:    params(func(p *v1alpha1.BucketParameters) { p.StorageClass = ptr.To("NEARLINE"); p.Versioning = ptr.To(false) }),
			want: want{
				spec: v1alpha1.BucketParameters{Location: testLocation, StorageClass: ptr.To("NEARLINE"), Versioning: ptr.To(false),
					UniformBucketLevelAccess: ptr.To(true), PublicAccessPrevention: ptr.To(v1alpha1.PublicAccessPreventionEnforced)},
				changed: true,
			},
		},
		"Set": {
			reason: "Fields the spec sets are kept, even if the bucket differs.",
			spec: v1alpha1.BucketParameters{Location: testLocation, StorageClass: ptr.To("STANDARD"), Versioning: ptr.To(true),
				UniformBucketLevelAccess: ptr.To(false), PublicAccessPrevention: ptr.To(v1alpha1.PublicAccessPreventionInherited)},
			got: params(func(p *v1alpha1.BucketParameters) { p.StorageClass = ptr.To("NEARLINE"); p.Versioning = ptr.To(false) }),
			want: want{
				spec: v1alpha1.BucketParameters{Location: testLocation, StorageClass: ptr.To("STANDARD"), Versioning: ptr.To(true),
					UniformBucketLevelAccess: ptr.To(false), PublicAccessPrevention: ptr.To(v1alpha1.PublicAccessPreventionInherited)},
			},
		},
		"StorageClassUnreported": {
			reason: "An empty storage class is not taken; versioning still is.",
			spec:   v1alpha1.BucketParameters{Location: testLocation},
			got:    v1alpha1.BucketParameters{StorageClass: ptr.To(""), Versioning: ptr.To(true)},
			want: want{
				spec:    v1alpha1.BucketParameters{Location: testLocation, Versioning: ptr.To(true)},
				changed: true,
			},
		},
		"NothingRead": {
			reason: "Nothing is taken from a bucket that reports neither.",
			spec:   v1alpha1.BucketParameters{Location: testLocation},
			got:    v1alpha1.BucketParameters{},
			want:   want{spec: v1alpha1.BucketParameters{Location: testLocation}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			changed := lateInitialize(&tc.spec, tc.got)
			// What was read may change later: the spec must hold copies.
			if tc.got.StorageClass != nil {
				*tc.got.StorageClass = "changed"
			}
			if tc.got.Versioning != nil {
				*tc.got.Versioning = !*tc.got.Versioning
			}
			if diff := cmp.Diff(tc.want.changed, changed); diff != "" {
				t.Errorf("\n%s\nlateInitialize(...): -want changed, +got changed:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.spec, tc.spec); diff != "" {
				t.Errorf("\n%s\nlateInitialize(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCreateAttrs(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      v1alpha1.BucketParameters
		want   *storage.BucketAttrs
	}{
		"Minimal": {
			reason: "Only the location and labels are sent when nothing else is set.",
			p:      v1alpha1.BucketParameters{Location: testLocation, Labels: map[string]string{"a": "b"}},
			want:   &storage.BucketAttrs{Location: testLocation, Labels: map[string]string{"a": "b"}},
		},
		"Full": {
			reason: "Every field set is sent.",
			p:      params(),
			want: &storage.BucketAttrs{
				Location:                 testLocation,
				StorageClass:             "STANDARD",
				VersioningEnabled:        true,
				Labels:                   map[string]string{"team": "storage"},
				UniformBucketLevelAccess: storage.UniformBucketLevelAccess{Enabled: true},
				PublicAccessPrevention:   storage.PublicAccessPreventionEnforced,
				Lifecycle: storage.Lifecycle{Rules: []storage.LifecycleRule{{
					Action:    storage.LifecycleAction{Type: storage.DeleteAction},
					Condition: storage.LifecycleCondition{AgeInDays: 30},
				}}},
				RetentionPolicy: &storage.RetentionPolicy{RetentionPeriod: 24 * time.Hour},
				Encryption:      &storage.BucketEncryption{DefaultKMSKeyName: testKMSKey},
			},
		},
		"PublicAccessPreventionInherited": {
			reason: "inherited is sent as inherited.",
			p:      v1alpha1.BucketParameters{Location: testLocation, PublicAccessPrevention: ptr.To(v1alpha1.PublicAccessPreventionInherited)},
			want:   &storage.BucketAttrs{Location: testLocation, PublicAccessPrevention: storage.PublicAccessPreventionInherited},
		},
		"NoLifecycleRules": {
			reason: "An empty rule list is sent as a lifecycle without rules.",
			p:      v1alpha1.BucketParameters{Location: testLocation, LifecycleRules: []v1alpha1.LifecycleRule{}},
			want:   &storage.BucketAttrs{Location: testLocation, Lifecycle: storage.Lifecycle{Rules: []storage.LifecycleRule{}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, createAttrs(tc.p)); diff != "" {
				t.Errorf("\n%s\ncreateAttrs(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestUpdateAttrs(t *testing.T) {
	// update builds what updateAttrs should return: u, with labels set and
	// deleted as given.
	update := func(u storage.BucketAttrsToUpdate, set map[string]string, del ...string) storage.BucketAttrsToUpdate {
		for k, v := range set {
			u.SetLabel(k, v)
		}
		for _, k := range del {
			u.DeleteLabel(k)
		}
		return u
	}
	cases := map[string]struct {
		reason string
		want   v1alpha1.BucketParameters
		got    v1alpha1.BucketParameters
		fields []string
		u      storage.BucketAttrsToUpdate
	}{
		"NoFields": {
			reason: "Nothing drifted, nothing is sent.",
			want:   params(),
			got:    v1alpha1.BucketParameters{},
		},
		"OnlyFieldsNamed": {
			reason: "Only the fields named are sent, however much else differs.",
			want:   params(),
			got:    v1alpha1.BucketParameters{},
			fields: []string{"versioning"},
			u:      storage.BucketAttrsToUpdate{VersioningEnabled: true},
		},
		"VersioningOff": {
			reason: "Versioning turned off is sent as false, not left out.",
			want:   params(func(p *v1alpha1.BucketParameters) { p.Versioning = ptr.To(false) }),
			fields: []string{"versioning"},
			u:      storage.BucketAttrsToUpdate{VersioningEnabled: false},
		},
		"StorageClass": {
			reason: "The storage class is sent.",
			want:   params(),
			fields: []string{"storageClass"},
			u:      storage.BucketAttrsToUpdate{StorageClass: "STANDARD"},
		},
		"Labels": {
			reason: "Only labels that differ are set, and only labels not wanted are deleted.",
			want:   v1alpha1.BucketParameters{Labels: map[string]string{"same": "1", "changed": "2", "added": "3"}},
			got:    v1alpha1.BucketParameters{Labels: map[string]string{"same": "1", "changed": "9", "extra": "4"}},
			fields: []string{"labels"},
			u:      update(storage.BucketAttrsToUpdate{}, map[string]string{"changed": "2", "added": "3"}, "extra"),
		},
		"UniformBucketLevelAccessOff": {
			reason: "Uniform bucket-level access turned off is sent as disabled.",
			want:   params(func(p *v1alpha1.BucketParameters) { p.UniformBucketLevelAccess = ptr.To(false) }),
			fields: []string{"uniformBucketLevelAccess"},
			u:      storage.BucketAttrsToUpdate{UniformBucketLevelAccess: &storage.UniformBucketLevelAccess{Enabled: false}},
		},
		"PublicAccessPrevention": {
			reason: "Public access prevention is sent.",
			want: params(func(p *v1alpha1.BucketParameters) {
				p.PublicAccessPrevention = ptr.To(v1alpha1.PublicAccessPreventionInherited)
			}),
			fields: []string{"publicAccessPrevention"},
			u:      storage.BucketAttrsToUpdate{PublicAccessPrevention: storage.PublicAccessPreventionInherited},
		},
		"LifecycleRules": {
			reason: "The whole rule list is sent.",
			want:   params(),
			fields: []string{"lifecycleRules"},
			u: storage.BucketAttrsToUpdate{Lifecycle: &storage.Lifecycle{Rules: []storage.LifecycleRule{{
				Action:    storage.LifecycleAction{Type: storage.DeleteAction},
				Condition: storage.LifecycleCondition{AgeInDays: 30},
			}}}},
		},
		"NoLifecycleRules": {
			reason: "An empty rule list is sent as an empty lifecycle, which clears the rules.",
			want:   params(func(p *v1alpha1.BucketParameters) { p.LifecycleRules = []v1alpha1.LifecycleRule{} }),
			fields: []string{"lifecycleRules"},
			u:      storage.BucketAttrsToUpdate{Lifecycle: &storage.Lifecycle{Rules: []storage.LifecycleRule{}}},
		},
		"RetentionPolicy": {
			reason: "The retention period is sent as a duration.",
			want:   params(),
			fields: []string{"retentionPolicy"},
			u:      storage.BucketAttrsToUpdate{RetentionPolicy: &storage.RetentionPolicy{RetentionPeriod: 24 * time.Hour}},
		},
		"DefaultKMSKeyName": {
			reason: "The default KMS key is sent.",
			want:   params(),
			fields: []string{"defaultKMSKeyName"},
			u:      storage.BucketAttrsToUpdate{Encryption: &storage.BucketEncryption{DefaultKMSKeyName: testKMSKey}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := updateAttrs(tc.want, tc.got, tc.fields)
			if diff := cmp.Diff(tc.u, got, cmp.AllowUnexported(storage.BucketAttrsToUpdate{})); diff != "" {
				t.Errorf("\n%s\nupdateAttrs(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestToLifecycle(t *testing.T) {
	cases := map[string]struct {
		reason string
		rules  []v1alpha1.LifecycleRule
		want   []storage.LifecycleRule
	}{
		"None": {
			reason: "No rules are an empty, non-nil list: GCS needs it to clear the rules.",
			rules:  nil,
			want:   []storage.LifecycleRule{},
		},
		"Age": {
			reason: "A positive age is sent as the age.",
			rules:  []v1alpha1.LifecycleRule{deleteAfter(30)},
			want:   []storage.LifecycleRule{{Action: storage.LifecycleAction{Type: "Delete"}, Condition: storage.LifecycleCondition{AgeInDays: 30}}},
		},
		"AgeZero": {
			reason: "The client cannot send age 0, so it is sent as allObjects.",
			rules:  []v1alpha1.LifecycleRule{deleteAfter(0)},
			want:   []storage.LifecycleRule{{Action: storage.LifecycleAction{Type: "Delete"}, Condition: storage.LifecycleCondition{AllObjects: true}}},
		},
		"WithStateAny": {
			reason: "withState ANY is both live and archived objects: no liveness condition.",
			rules:  []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{WithState: ptr.To(v1alpha1.WithStateAny)})},
			want:   []storage.LifecycleRule{{Action: storage.LifecycleAction{Type: "Delete"}, Condition: storage.LifecycleCondition{Liveness: storage.LiveAndArchived}}},
		},
		"EveryCondition": {
			reason: "Every condition is sent as the client's field.",
			rules: []v1alpha1.LifecycleRule{{
				Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleActionSetStorageClass, StorageClass: ptr.To("COLDLINE")},
				Condition: v1alpha1.LifecycleCondition{
					AgeDays:                 ptr.To[int64](7),
					CreatedBefore:           ptr.To("2024-01-15"),
					WithState:               ptr.To(v1alpha1.WithStateArchived),
					NumNewerVersions:        ptr.To[int64](3),
					MatchesStorageClass:     []string{"STANDARD"},
					MatchesPrefix:           []string{"logs/"},
					MatchesSuffix:           []string{".gz"},
					DaysSinceNoncurrentTime: ptr.To[int64](5),
				},
			}},
			want: []storage.LifecycleRule{{
				Action: storage.LifecycleAction{Type: storage.SetStorageClassAction, StorageClass: "COLDLINE"},
				Condition: storage.LifecycleCondition{
					AgeInDays:               7,
					CreatedBefore:           time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC),
					Liveness:                storage.Archived,
					NumNewerVersions:        3,
					MatchesStorageClasses:   []string{"STANDARD"},
					MatchesPrefix:           []string{"logs/"},
					MatchesSuffix:           []string{".gz"},
					DaysSinceNoncurrentTime: 5,
				},
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, toLifecycle(tc.rules).Rules); diff != "" {
				t.Errorf("\n%s\ntoLifecycle(...).Rules: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLifecycleRules(t *testing.T) {
	cases := map[string]struct {
		reason string
		rules  []storage.LifecycleRule
		want   []v1alpha1.LifecycleRule
	}{
		"None": {
			reason: "No rules are an empty list.",
			rules:  nil,
			want:   []v1alpha1.LifecycleRule{},
		},
		"ZeroValues": {
			reason: "Zero counts, a zero time and both liveness states are no condition.",
			rules:  []storage.LifecycleRule{{Action: storage.LifecycleAction{Type: "Delete"}, Condition: storage.LifecycleCondition{Liveness: storage.LiveAndArchived}}},
			want:   []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{})},
		},
		"AllObjects": {
			reason: "allObjects is read as age 0.",
			rules:  []storage.LifecycleRule{{Action: storage.LifecycleAction{Type: "Delete"}, Condition: storage.LifecycleCondition{AllObjects: true}}},
			want:   []v1alpha1.LifecycleRule{deleteAfter(0)},
		},
		"Live": {
			reason: "Live objects only is withState LIVE.",
			rules:  []storage.LifecycleRule{{Action: storage.LifecycleAction{Type: "Delete"}, Condition: storage.LifecycleCondition{Liveness: storage.Live}}},
			want:   []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{WithState: ptr.To(v1alpha1.WithStateLive)})},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, lifecycleRules(tc.rules)); diff != "" {
				t.Errorf("\n%s\nlifecycleRules(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLifecycleRoundTrip(t *testing.T) {
	cases := map[string]struct {
		reason string
		rules  []v1alpha1.LifecycleRule
	}{
		"AgeDays": {
			reason: "A positive age reads back as written.",
			rules:  []v1alpha1.LifecycleRule{deleteAfter(30)},
		},
		"AgeDaysZero": {
			reason: "Age 0 reads back as written, through allObjects.",
			rules:  []v1alpha1.LifecycleRule{deleteAfter(0)},
		},
		"CreatedBefore": {
			reason: "A creation date reads back as written.",
			rules:  []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{CreatedBefore: ptr.To("2024-01-15")})},
		},
		"WithStateLive": {
			reason: "withState LIVE reads back as written.",
			rules:  []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{WithState: ptr.To(v1alpha1.WithStateLive)})},
		},
		"WithStateArchived": {
			reason: "withState ARCHIVED reads back as written.",
			rules:  []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{WithState: ptr.To(v1alpha1.WithStateArchived)})},
		},
		"NumNewerVersions": {
			reason: "A number of newer versions reads back as written.",
			rules:  []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{NumNewerVersions: ptr.To[int64](3)})},
		},
		"MatchesStorageClass": {
			reason: "Storage classes to match read back as written.",
			rules:  []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{MatchesStorageClass: []string{"STANDARD", "NEARLINE"}})},
		},
		"MatchesPrefix": {
			reason: "Prefixes to match read back as written.",
			rules:  []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{MatchesPrefix: []string{"logs/", "tmp/"}})},
		},
		"MatchesSuffix": {
			reason: "Suffixes to match read back as written.",
			rules:  []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{MatchesSuffix: []string{".gz"}})},
		},
		"DaysSinceNoncurrentTime": {
			reason: "Days since an object became noncurrent read back as written.",
			rules:  []v1alpha1.LifecycleRule{rule("Delete", v1alpha1.LifecycleCondition{DaysSinceNoncurrentTime: ptr.To[int64](7)})},
		},
		"ActionSetStorageClass": {
			reason: "A SetStorageClass action reads back with its storage class.",
			rules: []v1alpha1.LifecycleRule{{
				Action:    v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleActionSetStorageClass, StorageClass: ptr.To("COLDLINE")},
				Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](90)},
			}},
		},
		"ActionAbortIncompleteMultipartUpload": {
			reason: "An AbortIncompleteMultipartUpload action reads back as written.",
			rules:  []v1alpha1.LifecycleRule{rule(v1alpha1.LifecycleActionAbortIncompleteMultipartUpload, v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](1)})},
		},
		"SeveralRules": {
			reason: "Several rules read back in order.",
			rules: []v1alpha1.LifecycleRule{
				deleteAfter(365),
				rule(v1alpha1.LifecycleActionDelete, v1alpha1.LifecycleCondition{NumNewerVersions: ptr.To[int64](2), WithState: ptr.To(v1alpha1.WithStateArchived)}),
				rule(v1alpha1.LifecycleActionAbortIncompleteMultipartUpload, v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](0)}),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := lifecycleRules(toLifecycle(tc.rules).Rules)
			if diff := cmp.Diff(tc.rules, got); diff != "" {
				t.Errorf("\n%s\nlifecycleRules(toLifecycle(...).Rules): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestObservation(t *testing.T) {
	cases := map[string]struct {
		reason string
		a      *storage.BucketAttrs
		want   v1alpha1.BucketObservation
	}{
		"Full": {
			reason: "What GCS reports is observed, the project number as a string.",
			a:      attrs(),
			want:   observed(),
		},
		"Minimal": {
			reason: "A zero project number and creation time are left out; the URL is always known.",
			a:      &storage.BucketAttrs{Name: testName},
			want: v1alpha1.BucketObservation{
				URL:                    "gs://my-bucket",
				PublicAccessPrevention: v1alpha1.PublicAccessPreventionInherited,
			},
		},
		"LargeProjectNumber": {
			reason: "Project numbers are written in full, never in exponent form.",
			a:      &storage.BucketAttrs{Name: testName, ProjectNumber: 18446744073709551615, Created: testCreated},
			want: v1alpha1.BucketObservation{
				URL:                    "gs://my-bucket",
				ProjectNumber:          "18446744073709551615",
				PublicAccessPrevention: v1alpha1.PublicAccessPreventionInherited,
				Created:                &metav1.Time{Time: testCreated},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, observation(tc.a)); diff != "" {
				t.Errorf("\n%s\nobservation(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	part := func(n int) string { return strings.Repeat("a", n) }
	cases := map[string]struct {
		reason string
		name   string
		want   string // part of the error; "" for no error
	}{
		"Valid":               {reason: "Letters, digits, dashes, underscores and dots are valid.", name: "my-bucket_2.logs"},
		"ShortestValid":       {reason: "Three characters are enough.", name: "abc"},
		"LongestValid":        {reason: "63 characters without dots are allowed.", name: part(63)},
		"TooShort":            {reason: "Two characters are too few.", name: "ab", want: "3 to 63 characters"},
		"Empty":               {reason: "An empty name is too short.", name: "", want: "3 to 63 characters"},
		"TooLong":             {reason: "64 characters without dots are too many.", name: part(64), want: "3 to 63 characters"},
		"LongestDotted":       {reason: "A dotted name may be 222 characters.", name: part(63) + "." + part(63) + "." + part(63) + "." + part(30)},
		"TooLongDotted":       {reason: "A dotted name of 223 characters is too long.", name: part(63) + "." + part(63) + "." + part(63) + "." + part(31), want: "up to 222 if it contains dots"},
		"DottedPartTooLong":   {reason: "Each dot-separated part may be at most 63 characters.", name: part(64) + ".com", want: "each dot-separated part must be 1 to 63"},
		"EmptyDottedPart":     {reason: "Two dots in a row make an empty part.", name: "my..bucket", want: "each dot-separated part must be 1 to 63"},
		"UpperCase":           {reason: "Upper-case letters are not allowed.", name: "My-bucket", want: "only lower-case letters"},
		"OtherCharacter":      {reason: "Characters other than letters, digits, dashes, underscores and dots are not allowed.", name: "my!bucket", want: "only lower-case letters"},
		"StartsWithDash":      {reason: "A name must start with a letter or digit.", name: "-bucket", want: "start and end with a letter or digit"},
		"StartsWithUnderline": {reason: "A name must not start with an underscore.", name: "_bucket", want: "start and end with a letter or digit"},
		"EndsWithDot":         {reason: "A name must end with a letter or digit.", name: "bucket.", want: "start and end with a letter or digit"},
		"IPAddress":           {reason: "A name must not look like an IP address.", name: "192.168.5.4", want: "IP address"},
		"AlmostIPAddress":     {reason: "Four numbers that are not an address are allowed.", name: "192.168.5.400"},
		"GoogPrefix":          {reason: `A name must not start with "goog".`, name: "goog-bucket", want: `must not start with "goog"`},
		"GooPrefix":           {reason: `"goo" alone is allowed.`, name: "goo-bucket"},
		"ContainsGoogle":      {reason: `A name must not contain "google".`, name: "my-google-bucket", want: `contain "google"`},
		"ContainsG00gle":      {reason: `A name must not contain a misspelling of "google" either.`, name: "my-g00gle-bucket", want: `contain "google"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := validName(tc.name)
			if tc.want == "" {
				if diff := cmp.Diff(nil, err, cmpopts.EquateErrors()); diff != "" {
					t.Errorf("\n%s\nvalidName(%q): -want error, +got error:\n%s", tc.reason, tc.name, diff)
				}
				return
			}
			if !reconcilertest.ErrorContains(err, []string{"is not a valid GCS bucket name", tc.want}) {
				t.Errorf("\n%s\nvalidName(%q): error %v should contain %q", tc.reason, tc.name, err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      v1alpha1.BucketParameters
		msg    []string // empty: valid
	}{
		"Valid": {
			reason: "Lower-case label values and real dates are valid.",
			p: v1alpha1.BucketParameters{Labels: map[string]string{"team": "a_b-1"}, LifecycleRules: []v1alpha1.LifecycleRule{
				rule("Delete", v1alpha1.LifecycleCondition{CreatedBefore: ptr.To("2024-02-29")}),
			}},
		},
		"UpperCaseLabel": {
			reason: "GCS refuses upper-case label values; admission checks only their length.",
			p:      v1alpha1.BucketParameters{Labels: map[string]string{"team": "Payments"}},
			msg:    []string{`label "team" has a value GCS refuses`},
		},
		"ImpossibleDate": {
			reason: "A date that matches the pattern but does not exist must be refused: dropping it would widen the rule.",
			p: v1alpha1.BucketParameters{LifecycleRules: []v1alpha1.LifecycleRule{
				rule("Delete", v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](1)}),
				rule("Delete", v1alpha1.LifecycleCondition{CreatedBefore: ptr.To("2024-02-30"), MatchesPrefix: []string{"logs/"}}),
			}},
			msg: []string{`lifecycleRules[1].condition.createdBefore "2024-02-30" is not a date`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := validate(tc.p)
			if (err != nil) != (len(tc.msg) > 0) || !reconcilertest.ErrorContains(err, tc.msg) {
				t.Errorf("\n%s\nvalidate(...): got %v, want an error containing %q", tc.reason, err, tc.msg)
			}
		})
	}
}
