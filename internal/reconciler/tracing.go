package reconciler

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/internal/tracing"
)

// tracedReconciler gives each reconcile a span: the root of what it does
// (Observe, Create, Update, Delete) and of the cloud calls made for it.
// Setup installs it only when tracing is on.
type tracedReconciler struct {
	kind string
	next reconcile.Reconciler
}

func (t tracedReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	ctx, span := tracing.Start(ctx, "reconcile "+t.kind, trace.SpanKindInternal,
		attribute.String("appinfra.kind", t.kind),
		attribute.String("k8s.namespace.name", req.Namespace),
		attribute.String("appinfra.name", req.Name))
	res, err := t.next.Reconcile(ctx, req)
	if span.IsRecording() && res.RequeueAfter > 0 {
		span.SetAttributes(attribute.Float64("appinfra.requeue_after_seconds", res.RequeueAfter.Seconds()))
	}
	tracing.End(span, "done", err)
	return res, err
}

// The labels Crossplane puts on what a composite composes.
const (
	labelClaimName      = "crossplane.io/claim-name"
	labelClaimNamespace = "crossplane.io/claim-namespace"
	labelComposite      = "crossplane.io/composite"
)

// resourceAttributes name a resource, its cloud resource and the claim and
// composite it was composed for, if any.
func resourceAttributes(cr resource.Object) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attribute.String("appinfra.external_name", meta.GetExternalName(cr))}
	l := cr.GetLabels()
	if c := l[labelComposite]; c != "" {
		attrs = append(attrs, attribute.String("appinfra.composite", c))
	}
	// A claim's composed resources carry both labels.
	if c, ns := l[labelClaimName], l[labelClaimNamespace]; c != "" && ns != "" {
		attrs = append(attrs, attribute.String("appinfra.claim", ns+"/"+c))
	}
	return attrs
}

// traced gives each external call a span below the reconcile's, and names
// the resource's cloud resource, claim and composite on both. Connect
// installs it only when tracing is on.
type traced[T resource.Managed] struct {
	managed.TypedExternalClient[T]
}

func (t traced[T]) start(ctx context.Context, op string, cr T) (context.Context, trace.Span) {
	attrs := resourceAttributes(cr)
	trace.SpanFromContext(ctx).SetAttributes(attrs...)
	return tracing.Start(ctx, op, trace.SpanKindInternal, attrs...)
}

// end ends an external call's span; a failure marks the reconcile's span
// failed too, so a failed reconcile shows at its root.
func end(ctx context.Context, span trace.Span, result string, err error) {
	tracing.End(span, result, err)
	if err != nil {
		if root := trace.SpanFromContext(ctx); root.IsRecording() {
			tracing.Fail(root, err)
		}
	}
}

func (t traced[T]) Observe(ctx context.Context, cr T) (managed.ExternalObservation, error) {
	parent := ctx
	ctx, span := t.start(ctx, "Observe", cr)
	o, err := t.TypedExternalClient.Observe(ctx, cr)
	result := "error"
	switch {
	case err != nil:
	case !o.ResourceExists:
		result = "absent"
	case !o.ResourceUpToDate:
		result = "needs update"
	default:
		result = "up to date"
	}
	end(parent, span, result, err)
	return o, err
}

func (t traced[T]) Create(ctx context.Context, cr T) (managed.ExternalCreation, error) {
	return spanned(ctx, t, "Create", cr, t.TypedExternalClient.Create)
}

func (t traced[T]) Update(ctx context.Context, cr T) (managed.ExternalUpdate, error) {
	return spanned(ctx, t, "Update", cr, t.TypedExternalClient.Update)
}

func (t traced[T]) Delete(ctx context.Context, cr T) (managed.ExternalDelete, error) {
	return spanned(ctx, t, "Delete", cr, t.TypedExternalClient.Delete)
}

// spanned runs one of the external client's writes in a span of its own.
func spanned[T resource.Managed, R any](ctx context.Context, t traced[T], op string, cr T, call func(context.Context, T) (R, error)) (R, error) {
	sctx, span := t.start(ctx, op, cr)
	r, err := call(sctx, cr)
	end(ctx, span, okOrError(err), err)
	return r, err
}

func okOrError(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
