package reconciler

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
)

// conflict is what the API server says when an update carries a
// resourceVersion that is no longer the latest.
const conflict = "the object has been modified; please apply your changes to the latest version"

// reasonCannotUpdateManaged is the reason crossplane-runtime gives a failed
// update of a managed resource.
const reasonCannotUpdateManaged event.Reason = "CannotUpdateManagedResource"

// quietConflicts is a recorder that logs, instead of recording as a warning
// event, the update conflict of a late-initialising update. The managed
// reconciler reads a resource from the manager's cache, which trails the
// provider's own writes by a moment: the reconcile right after a create can
// late-initialise a resource read before the create's writes arrived, and
// its update then conflicts. The reconcile is retried at once from a fresh
// read and succeeds, so the warning only alarms users. crossplane-runtime
// requeues quietly on the other conflicts of a routine reconcile; it records
// this one with the API server's error as it is, unwrapped, which is how it
// is told apart from the conflicts worth a warning (such as failing to
// record that a create failed, which it wraps).
type quietConflicts struct {
	event.Recorder
	log logging.Logger
}

func (r quietConflicts) Event(obj runtime.Object, e event.Event) {
	if e.Type == event.TypeWarning && e.Reason == reasonCannotUpdateManaged &&
		strings.HasPrefix(e.Message, "Operation cannot be fulfilled") && strings.Contains(e.Message, conflict) {
		r.log.Debug("Update conflict: the resource was read before the provider's own last write reached the cache; retrying", "reason", e.Reason)
		return
	}
	r.Recorder.Event(obj, e)
}

func (r quietConflicts) WithAnnotations(keysAndValues ...string) event.Recorder {
	return quietConflicts{Recorder: r.Recorder.WithAnnotations(keysAndValues...), log: r.log}
}
