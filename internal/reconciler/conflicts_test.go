package reconciler

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"

	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

func TestQuietConflicts(t *testing.T) {
	// The API server's own error (its storage's OptimisticLockErrorMsg), as
	// the managed reconciler puts it in an event after a late-initialising
	// update.
	conflictErr := kerrors.NewConflict(schema.GroupResource{Group: "s3.aws.appinfra.io", Resource: "buckets"}, "b",
		errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	cases := map[string]struct {
		reason string
		e      event.Event
		kept   bool
	}{
		"Conflict": {
			reason: "A warning about an update conflict is not recorded.",
			e:      event.Warning("CannotUpdateManagedResource", conflictErr),
		},
		"WrappedConflict": {
			reason: "A conflict the reconciler wraps (failing to record that a create failed, after retries) is recorded.",
			e:      event.Warning("CannotUpdateManagedResource", fmt.Errorf("cannot update managed resource annotations: %w", conflictErr)),
			kept:   true,
		},
		"OtherReason": {
			reason: "A conflict reported with another reason is recorded.",
			e:      event.Warning("CannotCreateExternalResource", conflictErr),
			kept:   true,
		},
		"OtherWarning": {
			reason: "Other warnings are recorded.",
			e:      event.Warning("CannotUpdateManagedResource", kerrors.NewForbidden(schema.GroupResource{Resource: "buckets"}, "b", nil)),
			kept:   true,
		},
		"Normal": {
			reason: "Normal events are recorded, whatever they say.",
			e:      event.Normal("CreatedExternalResource", conflictErr.Error()),
			kept:   true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for _, via := range []string{"Recorder", "WithAnnotations"} {
				inner := &reconcilertest.Recorder{}
				var r event.Recorder = quietConflicts{Recorder: inner, log: logging.NewNopLogger()}
				if via == "WithAnnotations" {
					r = r.WithAnnotations("external-name", "b")
				}
				r.Event(nil, tc.e)
				var want []event.Event
				if tc.kept {
					want = []event.Event{tc.e}
				}
				if diff := cmp.Diff(want, inner.Events); diff != "" {
					t.Errorf("\n%s\n%s: events recorded: -want, +got:\n%s", tc.reason, via, diff)
				}
			}
		})
	}
}
