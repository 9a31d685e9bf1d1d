package mr

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/s3/v1alpha1"
)

func TestOwned(t *testing.T) {
	s := runtime.NewScheme()
	_ = v1alpha1.SchemeBuilder.AddToScheme(s)
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(
		&v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "data", UID: "b-uid"}},
	).Build()
	tags := func(ns, name string) map[string]string {
		return map[string]string{"crossplane-namespace": ns, "crossplane-name": name}
	}
	me := func(policies ...xpv2.ManagementAction) *v1alpha1.Bucket {
		b := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "data", UID: "a-uid"}}
		b.Spec.ManagementPolicies = policies
		return b
	}
	cases := map[string]struct {
		reason string
		mg     *v1alpha1.Bucket
		tags   map[string]string
		fold   func(string) string
		owned  bool
		refuse bool
	}{
		"Untagged": {
			reason: "A bucket without provider tags may be adopted.",
			mg:     me(), tags: nil,
			owned: true,
		},
		"Ours": {
			reason: "A bucket tagged with this resource is ours.",
			mg:     me(), tags: tags("team-a", "data"),
			owned: true,
		},
		"OursFolded": {
			reason: "Tags compare after folding the name the way the cloud stores it.",
			mg:     func() *v1alpha1.Bucket { b := me(); b.Name = "data.v2"; return b }(),
			tags:   tags("team-a", "data_v2"),
			fold:   func(s string) string { return strings.ReplaceAll(s, ".", "_") },
			owned:  true,
		},
		"OtherExists": {
			reason: "A bucket another live resource manages must be refused.",
			mg:     me(), tags: tags("team-b", "data"), refuse: true,
		},
		"OtherExistsWhileDeleting": {
			reason: "A resource being deleted whose bucket another live resource manages may go, leaving the bucket alone.",
			mg: func() *v1alpha1.Bucket {
				b := me()
				b.DeletionTimestamp = &metav1.Time{Time: time.Now()}
				return b
			}(),
			tags: tags("team-b", "data"),
		},
		"OtherGone": {
			reason: "A bucket whose manager is gone (orphaned) may be adopted.",
			mg:     me(), tags: tags("team-c", "data"),
			owned: true,
		},
		"ObserveOnly": {
			reason: "A resource that only observes may read a bucket another resource manages.",
			mg:     me(xpv2.ManagementActionObserve), tags: tags("team-b", "data"),
			owned: true,
		},
		"CreateOnly": {
			reason: "Policies that allow neither Update nor Delete cannot harm the other resource's bucket.",
			mg:     me(xpv2.ManagementActionObserve, xpv2.ManagementActionCreate), tags: tags("team-b", "data"),
			owned: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fold := tc.fold
			if fold == nil {
				fold = func(s string) string { return s }
			}
			owned, err := Owned(context.Background(), kube, tc.mg, tc.tags, fold, func() client.Object { return &v1alpha1.Bucket{} })
			if owned != tc.owned || (err != nil) != tc.refuse {
				t.Errorf("\n%s\nOwned(...): got %t, %v; want %t, refused %t", tc.reason, owned, err, tc.owned, tc.refuse)
			}
			if err != nil && !strings.Contains(err.Error(), "managed by team-b/data") {
				t.Errorf("\n%s\nOwned(...): error %q should name the other resource", tc.reason, err)
			}
		})
	}
}

func TestLateInitializes(t *testing.T) {
	cases := map[string]struct {
		reason   string
		policies xpv2.ManagementPolicies
		want     bool
	}{
		"Default":        {reason: "No policies means the API default, all.", want: true},
		"All":            {reason: "* includes LateInitialize.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionAll}, want: true},
		"Explicit":       {reason: "LateInitialize named.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionLateInitialize}, want: true},
		"ObserveOnly":    {reason: "Observe alone does not late-initialise.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve}},
		"WithoutLateIni": {reason: "Full control without LateInitialize does not.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := &v1alpha1.Bucket{}
			b.Spec.ManagementPolicies = tc.policies
			if got := LateInitializes(b); got != tc.want {
				t.Errorf("\n%s\nLateInitializes(...): got %t, want %t", tc.reason, got, tc.want)
			}
		})
	}
}
