package reconciler

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
)

// Deps are what a kind's connector is made of besides its cloud's clients.
// Setup passes the manager's; a plan (internal/plan) passes a read-only
// client, a usage tracker that records nothing and no events, so that it
// observes with the controller's own external client and writes nothing.
type Deps struct {
	// Kube reads the kind's resources (which one manages a cloud resource)
	// and the Secrets of their passwords and tokens; Setup's also writes
	// the ones it generates.
	Kube client.Client
	// Usage records which config a resource uses.
	Usage resource.ModernTracker
	// Record explains what external clients do.
	Record event.Recorder
	// Key is the provider's own key (secretkey.LoadKey): credential
	// versions are hashed with it, and a resource about to create its
	// cloud resource is marked with it.
	Key []byte
}

// NoUsage is a usage tracker that records nothing, for a plan.
var NoUsage = resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { return nil })

// A Comparison is what an external client's last Observe compared, in the
// kind's spec terms: the fields that differ, by their spec.forProvider
// names (masterPassword and authToken name a credential that differs from
// its Secret's), and the parameters on each side. The reconciler does not
// use it: a plan shows each field's values from it.
type Comparison struct {
	// Fields that differ, as the controller's own drift check lists them:
	// what its Update would change.
	Fields []string
	// Want is what the spec asks for (the kind's Parameters, with what
	// the provider adds, such as its tags); Got is the cloud's.
	Want, Got any
	// Waiting, if set, says why Update would change nothing yet (the
	// cloud resource is busy): Fields are what it changes afterwards.
	Waiting string
}

// Compared is an external client that keeps its last Comparison; nil
// before an Observe found the cloud resource.
type Compared interface {
	Compared() *Comparison
}

// A Deletion is what deleting a resource's cloud resource would do, from
// what the controller's Delete acts on (the spec, and what the last Observe
// read): for a plan, which says it before anything is deleted.
type Deletion struct {
	// Lost is what goes and cannot be had back.
	Lost []string
	// Kept is what stays (a final snapshot, a bucket that is not empty).
	Kept []string
	// Refused, if set, is why the cloud resource would not be deleted
	// now: the provider refuses (deletion protection is on), or the cloud
	// does (a bucket that holds objects).
	Refused string
}

// Deleter is an external client that can say what its Delete would do
// to the resource it last observed.
type Deleter[T resource.Managed] interface {
	Deletion(cr T) Deletion
}

// A DeletionReader is a Deleter that can also read, from the cloud, what
// its Delete would meet (whether a bucket holds objects), with the clients
// its Observe read through, and only reading: a plan prefers it, and falls
// back to Deletion, which says what happens either way, when the read
// fails.
type DeletionReader[T resource.Managed] interface {
	Deleter[T]
	ReadDeletion(ctx context.Context, cr T) (Deletion, error)
}
