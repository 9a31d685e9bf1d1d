package ownership

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/common"
)

// labels folds as GCS labels do: dots become underscores, cut at 63.
var labels = Encoding{
	Fold: func(s string) string {
		s = strings.ReplaceAll(strings.ToLower(s), ".", "_")
		if len(s) > 63 {
			s = s[:63]
		}
		return s
	},
	Unfold: func(s string) string { return strings.ReplaceAll(s, "_", ".") },
}

func TestOwned(t *testing.T) {
	s := runtime.NewScheme()
	_ = v1alpha1.SchemeBuilder.AddToScheme(s)
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(
		&v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "data", UID: "b-uid"}},
		&v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "logs", UID: "a-logs-uid"}},
		&v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "data.v2", UID: "b-dotted-uid"}},
	).Build()
	me := func(name string, policies ...xpv2.ManagementAction) *v1alpha1.Bucket {
		b := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name, UID: "a-uid"}}
		b.Spec.ManagementPolicies = policies
		return b
	}
	deleting := func(b *v1alpha1.Bucket) *v1alpha1.Bucket {
		b.DeletionTimestamp = &metav1.Time{Time: time.Now()}
		return b
	}
	tags := func(ns, name, uid string) map[string]string {
		t := map[string]string{"crossplane-kind": "bucket.s3.aws.appinfra.io", "crossplane-namespace": ns, "crossplane-name": name}
		if uid != "" {
			t[KeyUID] = uid
		}
		return t
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	intends := func(b *v1alpha1.Bucket) *v1alpha1.Bucket {
		MarkIntent(key, b)
		return b
	}
	forged := func(b *v1alpha1.Bucket) *v1alpha1.Bucket {
		// What a tenant can write on its own resource: the runtime's
		// creation marks, and an intent made with another key or copied
		// from another resource.
		meta.SetExternalCreatePending(b, time.Now())
		meta.SetExternalCreateSucceeded(b, time.Now())
		other := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "data", UID: "another-uid"}}
		meta.SetExternalName(other, "data")
		meta.AddAnnotations(b, map[string]string{AnnotationIntent: Intent(key, other)})
		return b
	}
	cases := map[string]struct {
		reason   string
		mg       *v1alpha1.Bucket
		tags     map[string]string
		encoding Encoding
		untagged bool // the config allows untagged adoption
		owned    bool
		refusal  string // part of the refusal; "" for none
		hidden   string // what the refusal must not say
	}{
		"UntaggedRefused": {
			reason: "An external resource without provider tags is not taken over by a resource that may write, by default: naming it must not be enough to reset and delete it.",
			mg:     me("data"), refusal: "carries none of the provider's crossplane- tags",
		},
		"UntaggedAllowed": {
			reason: "A config whose adoption is AllowUntagged lets its resources take it over.",
			mg:     me("data"), untagged: true, owned: true,
		},
		"UntaggedObserveOnly": {
			reason: "Observe-only import of an untagged resource stays allowed.",
			mg:     me("data", xpv2.ManagementActionObserve), owned: true,
		},
		"UntaggedLateInitialize": {
			reason: "LateInitialize writes the spec from the cloud: it is not only observing.",
			mg:     me("data", xpv2.ManagementActionObserve, xpv2.ManagementActionLateInitialize), refusal: "AllowUntagged",
		},
		"UntaggedMadeHere": {
			reason: "A resource the provider was about to create an external resource for (made, not tagged yet) owns it: it carries the provider's mark of that intent.",
			mg:     intends(me("data")), owned: true,
		},
		"UntaggedForgedMarks": {
			reason: "Creation marks a tenant can write (create-pending, create-succeeded, another resource's intent) do not make an untagged external resource its own.",
			mg:     forged(me("data")), refusal: "AllowUntagged",
		},
		"UntaggedWhileDeleting": {
			reason: "A refused resource being deleted may go, leaving the external resource alone.",
			mg:     deleting(me("data")),
		},
		"OtherInTheSameNamespace": {
			reason: "A refusal names the managing resource when it is in the resource's own namespace.",
			mg:     me("data"), tags: tags("team-a", "logs", "a-logs-uid"), refusal: "bucket.s3.aws.appinfra.io team-a/logs",
		},
		"OursByUID": {
			reason: "Tags carrying this resource's UID are ours, whatever the names say.",
			mg:     me("data"), tags: tags("somewhere", "else", "a-uid"), owned: true,
		},
		"OtherByUID": {
			reason: "Tags carrying the UID of another live resource must be refused, without naming a resource of another namespace.",
			mg:     me("data"), tags: tags("team-b", "data", "b-uid"), refusal: "a resource in another namespace", hidden: "team-b",
		},
		"OtherDottedNameInLabels": {
			reason: "A dotted name folded into a label must still find its manager: the dotted resource of another namespace.",
			mg:     me("data.v2"), tags: tags("team-b", "data_v2", "b-dotted-uid"), encoding: labels,
			refusal: "a resource in another namespace", hidden: "team-b",
		},
		"OtherDottedNameInLabelsWithoutUID": {
			reason: "Labels written before UIDs were recorded unfold the name exactly, instead of looking up the folded one.",
			mg:     me("data.v2"), tags: tags("team-b", "data_v2", ""), encoding: labels,
			refusal: "a resource in another namespace", hidden: "team-b",
		},
		"OtherGone": {
			reason: "An external resource whose manager is gone (orphaned) may be adopted.",
			mg:     me("data"), tags: tags("team-c", "data", "c-uid"), owned: true,
		},
		"SameNameNewUID": {
			reason: "A resource re-created under the same name has a new UID; the old manager is gone, so it may adopt.",
			mg:     me("data"), tags: tags("team-a", "data", "old-uid"), owned: true,
		},
		"OtherKind": {
			reason:  "Tags naming another kind cannot be looked up, so the external resource is left to it.",
			mg:      me("data"),
			tags:    map[string]string{"crossplane-kind": "bucket.storage.gcp.appinfra.io", "crossplane-namespace": "team-b", "crossplane-name": "data", KeyUID: "x"},
			refusal: "a resource in another namespace", hidden: "team-b",
		},
		"OtherExistsWhileDeleting": {
			reason: "A resource being deleted whose external resource another live resource manages may go, leaving it alone.",
			mg:     deleting(me("data")), tags: tags("team-b", "data", "b-uid"),
		},
		"ObserveOnly": {
			reason: "A resource that only observes may read what another resource manages.",
			mg:     me("data", xpv2.ManagementActionObserve), tags: tags("team-b", "data", "b-uid"), owned: true,
		},
		"CreateOnly": {
			reason: "Policies that allow neither Update nor Delete cannot harm the other resource's external resource.",
			mg:     me("data", xpv2.ManagementActionObserve, xpv2.ManagementActionCreate), tags: tags("team-b", "data", "b-uid"), owned: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			enc := tc.encoding
			if enc.Fold == nil {
				enc = Exact
			}
			c := Checker{Kube: kube, Kind: v1alpha1.BucketGroupVersionKind.GroupKind(), NewList: func() client.ObjectList { return &v1alpha1.BucketList{} }, Encoding: enc, Key: key}
			if tc.untagged {
				c = c.ForAdoption(common.AdoptionAllowUntagged)
			}
			folded := map[string]string{}
			for k, v := range tc.tags {
				folded[k] = enc.Fold(v)
			}
			owned, err := c.Owned(context.Background(), tc.mg, folded)
			if owned != tc.owned || (err != nil) != (tc.refusal != "") {
				t.Fatalf("\n%s\nOwned(...): got %t, %v; want %t, refusal %q", tc.reason, owned, err, tc.owned, tc.refusal)
			}
			if err != nil && !strings.Contains(err.Error(), tc.refusal) {
				t.Errorf("\n%s\nOwned(...): error %q should name %q", tc.reason, err, tc.refusal)
			}
			if err != nil && tc.hidden != "" && strings.Contains(err.Error(), tc.hidden) {
				t.Errorf("\n%s\nOwned(...): error %q names %q", tc.reason, err, tc.hidden)
			}
		})
	}
}

func TestTags(t *testing.T) {
	b := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "data", UID: "a-uid"}}
	b.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	want := map[string]string{
		"crossplane-kind": "bucket.s3.aws.appinfra.io", "crossplane-name": "data", "crossplane-namespace": "team-a",
		"crossplane-providerconfig": "default", "crossplane-providerconfig-kind": "ClusterProviderConfig", KeyUID: "a-uid",
	}
	got := Tags(b, v1alpha1.BucketGroupVersionKind.GroupKind())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Tags: -want +got:\n%s", diff)
	}
	if len(got) != Count {
		t.Errorf("Count is %d but Tags adds %d", Count, len(got))
	}
}
