package reconciler

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/ownership"
)

// observing answers every Observe with obs.
type observing struct {
	managed.TypedExternalClient[*v1alpha1.Bucket]
	obs managed.ExternalObservation
}

func (o observing) Observe(context.Context, *v1alpha1.Bucket) (managed.ExternalObservation, error) {
	return o.obs, nil
}

func TestIntendingMarksOnlyWhatMayBeCreated(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	cases := map[string]struct {
		reason   string
		exists   bool
		policies xpv2.ManagementPolicies
		deleting bool
		marked   bool
	}{
		"AboutToCreate": {reason: "An absent external resource a resource may create is about to be created: marked.", marked: true},
		"Exists":        {reason: "An external resource that exists is not about to be created.", exists: true},
		"ObserveOnly":   {reason: "A resource that may not create makes nothing.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve}},
		"Deleting":      {reason: "A resource being deleted creates nothing.", deleting: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cr := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "data", UID: "a-uid"}}
			cr.Spec.ManagementPolicies = tc.policies
			if tc.deleting {
				cr.DeletionTimestamp = &metav1.Time{Time: time.Now()}
			}
			e := intendingClient[*v1alpha1.Bucket]{TypedExternalClient: observing{obs: managed.ExternalObservation{ResourceExists: tc.exists}}, key: key}
			if _, err := e.Observe(context.Background(), cr); err != nil {
				t.Fatal(err)
			}
			got := cr.GetAnnotations()[ownership.AnnotationIntent]
			if marked := got == ownership.Intent(key, cr); marked != tc.marked || (!tc.marked && got != "") {
				t.Errorf("%s\nintent annotation %q, want marked %t", tc.reason, got, tc.marked)
			}
		})
	}
}
