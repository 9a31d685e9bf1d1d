package plan

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/plan/readonly"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

var errBoom = errors.New("boom")

// fakeExternal observes what it is told to, and fails the test if the
// plan calls anything that would write.
type fakeExternal struct {
	t        *testing.T
	obs      managed.ExternalObservation
	err      error
	compared *reconciler.Comparison
	deletion *reconciler.Deletion
	// lateInit is set in the spec by Observe, as a controller's late
	// initialisation does.
	lateInit *string
}

func (f *fakeExternal) Observe(_ context.Context, cr *s3v1alpha1.Bucket) (managed.ExternalObservation, error) {
	if f.lateInit != nil {
		cr.Spec.ForProvider.Versioning = f.lateInit
	}
	return f.obs, f.err
}

func (f *fakeExternal) Create(context.Context, *s3v1alpha1.Bucket) (managed.ExternalCreation, error) {
	f.t.Error("the plan called Create")
	return managed.ExternalCreation{}, nil
}

func (f *fakeExternal) Update(context.Context, *s3v1alpha1.Bucket) (managed.ExternalUpdate, error) {
	f.t.Error("the plan called Update")
	return managed.ExternalUpdate{}, nil
}

func (f *fakeExternal) Delete(context.Context, *s3v1alpha1.Bucket) (managed.ExternalDelete, error) {
	f.t.Error("the plan called Delete")
	return managed.ExternalDelete{}, nil
}

func (f *fakeExternal) Disconnect(context.Context) error { return nil }

func (f *fakeExternal) Compared() *reconciler.Comparison { return f.compared }

// deleter adds Deletion to a fakeExternal.
type deleter struct{ *fakeExternal }

func (d deleter) Deletion(*s3v1alpha1.Bucket) reconciler.Deletion { return *d.deletion }

func bucket(policies ...xpv2.ManagementAction) *s3v1alpha1.Bucket {
	b := &s3v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "assets", UID: "uid-1"}}
	b.Spec.ForProvider.Region = "us-east-1"
	b.SetManagementPolicies(policies)
	b.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	return b
}

func tagsComparison() *reconciler.Comparison {
	return &reconciler.Comparison{
		Fields: []string{"tags"},
		Want:   s3v1alpha1.BucketParameters{Tags: map[string]string{"team": "b"}},
		Got:    s3v1alpha1.BucketParameters{Tags: map[string]string{"team": "a"}},
	}
}

// TestObserveTranslation: what the controller's Observe reports, and what
// its comparison found, become the plan's action, reason and changes.
func TestObserveTranslation(t *testing.T) {
	forbidden := kerrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "aws-creds", errors.New("no"))
	cases := map[string]struct {
		reason     string
		cr         *s3v1alpha1.Bucket
		exists     bool // in the cluster
		specChange bool
		deleting   bool
		noKey      string
		connectErr error
		ext        *fakeExternal
		deletion   *reconciler.Deletion
		want       Resource
	}{
		"Create": {
			reason: "No cloud resource: create.",
			cr:     bucket(),
			ext:    &fakeExternal{},
			want:   Resource{Action: ActionCreate, Cloud: Cloud{Read: true}},
		},
		"CreateExcluded": {
			reason: "Without Create in the policies, nothing is created.",
			cr:     bucket(xpv2.ManagementActionObserve),
			ext:    &fakeExternal{},
			want:   Resource{Action: ActionNoChange, Cloud: Cloud{Read: true}},
		},
		"NoChange": {
			reason: "A comparison with no field is no change.",
			cr:     bucket(), exists: true,
			ext:  &fakeExternal{obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, compared: &reconciler.Comparison{}},
			want: Resource{Action: ActionNoChange, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true, Exists: true}},
		},
		"Update": {
			reason: "Fields that differ are an update, each with its values.",
			cr:     bucket(), exists: true,
			ext: &fakeExternal{obs: managed.ExternalObservation{ResourceExists: true}, compared: tagsComparison()},
			want: Resource{
				Action: ActionUpdate, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true, Exists: true},
				Changes: []Change{{Field: "tags.team", Before: "a", After: "b"}},
			},
		},
		"UpdateWaits": {
			reason: "A busy cloud resource is updated once it settles: the plan says so.",
			cr:     bucket(), exists: true,
			ext: &fakeExternal{obs: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, compared: func() *reconciler.Comparison {
				c := tagsComparison()
				c.Waiting = "busy"
				return c
			}()},
			want: Resource{
				Action: ActionUpdate, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true, Exists: true, Waiting: "busy"},
				Changes: []Change{{Field: "tags.team", Before: "a", After: "b"}},
			},
		},
		"UpdateExcluded": {
			reason: "Without Update in the policies, drift is shown and not corrected.",
			cr:     bucket(xpv2.ManagementActionObserve, xpv2.ManagementActionDelete), exists: true,
			ext: &fakeExternal{obs: managed.ExternalObservation{ResourceExists: true}, compared: tagsComparison()},
			want: Resource{
				Action: ActionNoChange, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true, Exists: true},
				Changes: []Change{{Field: "tags.team", Before: "a", After: "b"}},
			},
		},
		"NoKey": {
			reason: "Without the providers' key a credential cannot be compared: it is left out, and the plan says why.",
			cr:     bucket(), exists: true, noKey: "no key",
			ext:  &fakeExternal{obs: managed.ExternalObservation{ResourceExists: true}, compared: &reconciler.Comparison{Fields: []string{"masterPassword"}}},
			want: Resource{Action: ActionNoChange, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true, Exists: true}, Notes: []string{"no key"}},
		},
		"LateInit": {
			reason: "What the provider would late-initialise is noted.",
			cr:     bucket(), exists: true,
			ext:  &fakeExternal{obs: managed.ExternalObservation{ResourceExists: true, ResourceLateInitialized: true}, compared: &reconciler.Comparison{}, lateInit: ptr.To("Enabled")},
			want: Resource{Action: ActionNoChange, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true, Exists: true}, Notes: []string{`the provider would fill in spec.forProvider.versioning: (unset) -> "Enabled" from the cloud (late initialisation)`}},
		},
		"ObserveFails": {
			reason: "Observe's error is what the provider would report.",
			cr:     bucket(), exists: true,
			ext:  &fakeExternal{err: errBoom},
			want: Resource{Action: ActionError, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Error: "boom"}},
		},
		"Forbidden": {
			reason: "A credentials Secret the user may not read: the cloud is not read, and the Kubernetes side says what changes.",
			cr:     bucket(), exists: true, specChange: true, connectErr: forbidden,
			ext:  &fakeExternal{},
			want: Resource{Action: ActionUpdate, Kubernetes: Kubernetes{Exists: true, SpecChanges: []Change{{Field: "forProvider.versioning"}}}, Cloud: Cloud{Unavailable: "you may not read what its ClusterProviderConfig/default needs: " + forbidden.Error()}},
		},
		"ConnectFails": {
			reason: "Any other connect error is what the provider would report.",
			cr:     bucket(), exists: true, connectErr: errBoom,
			ext:  &fakeExternal{},
			want: Resource{Action: ActionError, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Error: "boom"}},
		},
		"Delete": {
			reason: "Deleting an existing cloud resource is destructive, and says what it loses and keeps.",
			cr:     bucket(), exists: true, deleting: true,
			ext:      &fakeExternal{obs: managed.ExternalObservation{ResourceExists: true}},
			deletion: &reconciler.Deletion{Lost: []string{"the bucket"}, Kept: []string{"its objects"}},
			want: Resource{
				Action: ActionDelete, Destructive: true, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true, Exists: true},
				Deletion: &Deletion{Lost: []string{"the bucket"}, Kept: []string{"its objects"}},
			},
		},
		"DeleteRefused": {
			reason: "A deletion the provider refuses destroys nothing.",
			cr:     bucket(), exists: true, deleting: true,
			ext:      &fakeExternal{obs: managed.ExternalObservation{ResourceExists: true}},
			deletion: &reconciler.Deletion{Lost: []string{"the bucket"}, Refused: "protected"},
			want: Resource{
				Action: ActionDelete, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true, Exists: true},
				Deletion: &Deletion{Lost: []string{"the bucket"}, Refused: "protected"},
			},
		},
		"DeleteNothing": {
			reason: "Deleting a resource whose cloud resource is gone destroys nothing.",
			cr:     bucket(), exists: true, deleting: true,
			ext:  &fakeExternal{},
			want: Resource{Action: ActionDelete, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true}},
		},
		"Orphan": {
			reason: "Without Delete in the policies, the cloud resource stays.",
			cr:     bucket(xpv2.ManagementActionObserve, xpv2.ManagementActionUpdate), exists: true, deleting: true,
			ext:  &fakeExternal{obs: managed.ExternalObservation{ResourceExists: true}},
			want: Resource{Action: ActionOrphan, Kubernetes: Kubernetes{Exists: true}, Cloud: Cloud{Read: true, Exists: true}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tc.ext.t = t
			var ext managed.TypedExternalClient[*s3v1alpha1.Bucket] = tc.ext
			if tc.deletion != nil {
				tc.ext.deletion = tc.deletion
				ext = deleter{tc.ext}
			}
			k := kind[*s3v1alpha1.Bucket, struct{}]{
				gvk: s3v1alpha1.BucketGroupVersionKind,
				new: func() *s3v1alpha1.Bucket { return &s3v1alpha1.Bucket{} },
				conn: &reconciler.Connector[*s3v1alpha1.Bucket, struct{}]{
					Client: func(context.Context, *s3v1alpha1.Bucket) (struct{}, error) { return struct{}{}, tc.connectErr },
					External: func(struct{}) (managed.TypedExternalClient[*s3v1alpha1.Bucket], error) {
						return ext, nil
					},
				},
			}
			g := &readonly.Guard{}
			p := &Planner{read: g.Kube(fake.NewClientBuilder().Build()), guard: g, noKey: tc.noKey}
			r := Resource{Kubernetes: Kubernetes{Exists: tc.exists}}
			if tc.specChange {
				r.Kubernetes.SpecChanges = []Change{{Field: "forProvider.versioning"}}
			}
			got := observe(context.Background(), p, k, r, tc.cr, tc.deleting)
			if got.ExternalName != "assets" {
				t.Errorf("%s: external name %q, want the resource's name, as the managed reconciler sets it", tc.reason, got.ExternalName)
			}
			if got.Reason == "" {
				t.Errorf("%s: no reason given", tc.reason)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(Resource{}, "ExternalName", "Reason"), cmpopts.IgnoreFields(Cloud{}, "ProviderConfig")); diff != "" {
				t.Errorf("%s: observe(...): -want, +got:\n%s", tc.reason, diff)
			}
			if r := g.Refused(); len(r) != 0 {
				t.Errorf("%s: the guards refused %v", tc.reason, r)
			}
		})
	}
}
