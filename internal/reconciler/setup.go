package reconciler

import (
	"context"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"github.com/crossplane/crossplane-runtime/v2/pkg/statemetrics"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/appinfra/provider-appinfra/internal/tracing"
)

// Kind describes one managed resource kind to Setup.
type Kind[T resource.ModernManaged] struct {
	// GVK of the kind.
	GVK schema.GroupVersionKind
	// Object is an empty object of the kind, to watch.
	Object T
	// List is an empty list of the kind, for state metrics.
	List resource.ManagedList
	// Connector connects to the external API. It receives the event
	// recorder so external clients can explain what they do.
	Connector func(record event.Recorder) managed.TypedExternalConnector[T]
	// PollInterval, if set, chooses each resource's next poll, for kinds
	// whose resources are sometimes busy (creating, modifying).
	PollInterval managed.PollIntervalHook
	// IntentKey, if set, is the provider's own key, with which a resource
	// about to create its external resource is marked (see intending).
	IntentKey []byte
	// Finalize, if set, runs as a resource being deleted is let go (its
	// finalizer removed): after its cloud resource is gone, or at once
	// when it is orphaned. Its error is recorded as an event, and does not
	// hold the deletion: deleting must always be able to finish.
	Finalize func(ctx context.Context, mg T) error
}

// reasonCannotFinalize is the event of a Finalize that failed.
const reasonCannotFinalize event.Reason = "CannotFinalize"

// finalizer runs a kind's Finalize before removing the finalizer.
type finalizer[T resource.ModernManaged] struct {
	resource.Finalizer
	finalize func(context.Context, T) error
	record   event.Recorder
}

func (f finalizer[T]) RemoveFinalizer(ctx context.Context, obj resource.Object) error {
	if mg, ok := obj.(T); ok {
		if err := f.finalize(ctx, mg); err != nil {
			f.record.Event(obj, event.Warning(reasonCannotFinalize, err))
		}
	}
	return f.Finalizer.RemoveFinalizer(ctx, obj)
}

// liveReads is a client whose Get reads from the API server, not a cache.
type liveReads struct {
	client.Client
	live client.Reader
}

func (c liveReads) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	return c.live.Get(ctx, key, obj, opts...)
}

// Setup adds a controller that reconciles managed resources of kind k.
func Setup[T resource.ModernManaged](mgr ctrl.Manager, o controller.Options, k Kind[T]) error {
	name := managed.ControllerName(k.GVK.GroupKind().String())
	log := o.Logger.WithValues("controller", name)
	kube := keepStatus{Client: mgr.GetClient()}
	record := quietConflicts{Recorder: event.NewAPIRecorder(mgr.GetEventRecorderFor(name)), log: log}

	connector := k.Connector(record)
	if len(k.IntentKey) > 0 {
		connector = intending[T]{next: connector, key: k.IntentKey}
	}
	opts := []managed.ReconcilerOption{
		managed.WithTypedExternalConnector[T](connector),
		managed.WithLogger(log),
		managed.WithRecorder(record),
		managed.WithPollInterval(o.PollInterval),
		managed.WithManagementPolicies(),
		// Every kind here is named by its external name, so retrying a
		// create whose outcome is unknown cannot leak a second resource.
		managed.WithDeterministicExternalName(true),
		managed.WithTimeout(2 * time.Minute),
		// The annotations that record a create must reach the API server.
		// On a conflict the updater reads the object again and retries; a
		// read from the manager's cache can still be the stale version that
		// conflicted, so it reads from the API server itself.
		managed.WithCriticalAnnotationUpdater(managed.NewRetryingCriticalAnnotationUpdater(liveReads{Client: kube, live: mgr.GetAPIReader()})),
	}
	if k.Finalize != nil {
		opts = append(opts, managed.WithFinalizer(finalizer[T]{
			Finalizer: resource.NewAPIFinalizer(mgr.GetClient(), managed.FinalizerName), finalize: k.Finalize, record: record,
		}))
	}
	if k.PollInterval != nil {
		opts = append(opts, managed.WithPollIntervalHook(k.PollInterval))
	}
	if o.MetricOptions != nil {
		opts = append(opts, managed.WithMetricRecorder(o.MetricOptions.MRMetrics))
		if o.MetricOptions.MRStateMetrics != nil {
			sm := statemetrics.NewMRStateRecorder(mgr.GetClient(), o.Logger, o.MetricOptions.MRStateMetrics, k.List, o.MetricOptions.PollStateMetricInterval)
			if err := mgr.Add(sm); err != nil {
				return errors.Wrapf(err, "cannot register state metrics for %s", k.GVK.Kind)
			}
		}
	}

	var r reconcile.Reconciler = managed.NewReconciler(withClient{Manager: mgr, c: kube}, resource.ManagedKind(k.GVK), opts...)
	if tracing.Enabled() {
		// Group and kind: S3's and Cloud Storage's are both Bucket.
		r = tracedReconciler{kind: k.GVK.GroupKind().String(), next: r}
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named(name).
		WithOptions(o.ForControllerRuntime()).
		WithEventFilter(resource.DesiredStateChanged()).
		For(k.Object).
		Complete(ratelimiter.NewReconciler(name, r, o.GlobalRateLimiter))
}
