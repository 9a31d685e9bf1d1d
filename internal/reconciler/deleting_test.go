package reconciler

import (
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
)

func TestStuckDeleting(t *testing.T) {
	refused := errors.New(`bucket "data" exists but these credentials may not access it`)
	deleting := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{Time: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}}}
	cases := map[string]struct {
		reason string
		cr     *v1alpha1.Bucket
		err    error
		want   string
	}{
		"NoError":     {reason: "No error stays none.", cr: deleting, err: nil, want: ""},
		"NotDeleting": {reason: "A resource not being deleted has nothing to finish: the error is kept as it is.", cr: &v1alpha1.Bucket{}, err: refused, want: refused.Error()},
		"Deleting": {reason: "A resource being deleted is told how to go without deleting what it cannot read.", cr: deleting, err: refused,
			want: refused.Error() + `; this resource cannot finish deleting while this is so: to remove it and leave the external resource as it is, set spec.managementPolicies to ["Observe"]`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := StuckDeleting(tc.cr, tc.err)
			if (got == nil) != (tc.want == "") || (got != nil && got.Error() != tc.want) {
				t.Errorf("%s\nStuckDeleting(...) = %v, want %q", tc.reason, got, tc.want)
			}
		})
	}
}
