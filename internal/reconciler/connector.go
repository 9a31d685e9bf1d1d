package reconciler

import (
	"context"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/trace"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/internal/tracing"
)

// A Connector connects managed resources of kind T to their cloud through a
// client of type C: it records that the resource uses its ProviderConfig,
// gets the client for that config (cached per config, not built per
// reconcile) and hands it to the kind's external client. Every kind
// connects through it.
type Connector[T resource.ModernManaged, C any] struct {
	// Usage records which config a resource uses.
	Usage resource.ModernTracker
	// Client returns the cached client for the resource's config.
	Client func(ctx context.Context, cr T) (C, error)
	// External makes the kind's external client for one reconcile.
	External func(c C) (managed.TypedExternalClient[T], error)
	// Tidy, if set, takes what changes from one attempt to the next out of
	// a cloud error's message (request IDs): conditions and events get the
	// tidy message, the debug log the whole.
	Tidy func(error) error
}

// Connect implements managed.TypedExternalConnector.
func (c *Connector[T, C]) Connect(ctx context.Context, cr T) (managed.TypedExternalClient[T], error) {
	parent := ctx
	ctx, span := tracing.Start(ctx, "Connect", trace.SpanKindInternal)
	ext, err := c.connect(ctx, cr)
	end(parent, span, okOrError(err), err)
	return ext, err
}

func (c *Connector[T, C]) connect(ctx context.Context, cr T) (managed.TypedExternalClient[T], error) {
	// A resource being deleted must be able to finish without creating
	// anything: in a namespace being deleted the API server refuses new
	// objects, and the usage would only be garbage-collected again.
	if !meta.WasDeleted(cr) {
		if err := c.Usage.Track(ctx, cr); err != nil {
			return nil, errors.Wrap(err, "cannot track ProviderConfig usage")
		}
	}
	cl, err := c.Client(ctx, cr)
	if err != nil {
		return nil, shortErrors[T]{tidy: c.Tidy}.short(ctx, err)
	}
	ext, err := c.External(cl)
	if err != nil {
		return nil, shortErrors[T]{tidy: c.Tidy}.short(ctx, err)
	}
	if tracing.Enabled() {
		// Spans get the whole error; conditions and events the short one.
		ext = traced[T]{ext}
	}
	return shortErrors[T]{TypedExternalClient: ext, tidy: c.Tidy}, nil
}

// maxErrorLen is how much of an error reaches conditions and events. Cloud
// errors can carry a whole response body, from an endpoint that may not be
// the cloud's; what matters comes first.
const maxErrorLen = 512

// shortErrors tidies the errors of an external client and cuts them to
// maxErrorLen, on one line; the whole error goes to the debug log.
type shortErrors[T resource.Managed] struct {
	managed.TypedExternalClient[T]
	tidy func(error) error
}

func (s shortErrors[T]) short(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	tidy := err
	if s.tidy != nil {
		tidy = s.tidy(err)
	}
	short := Shorten(tidy)
	if short.Error() != err.Error() {
		ctrllog.FromContext(ctx).V(1).Info("Cloud error in full", "error", err.Error())
	}
	return short
}

func (s shortErrors[T]) Observe(ctx context.Context, cr T) (managed.ExternalObservation, error) {
	o, err := s.TypedExternalClient.Observe(ctx, cr)
	return o, s.short(ctx, err)
}

func (s shortErrors[T]) Create(ctx context.Context, cr T) (managed.ExternalCreation, error) {
	c, err := s.TypedExternalClient.Create(ctx, cr)
	return c, s.short(ctx, err)
}

func (s shortErrors[T]) Update(ctx context.Context, cr T) (managed.ExternalUpdate, error) {
	u, err := s.TypedExternalClient.Update(ctx, cr)
	return u, s.short(ctx, err)
}

func (s shortErrors[T]) Delete(ctx context.Context, cr T) (managed.ExternalDelete, error) {
	d, err := s.TypedExternalClient.Delete(ctx, cr)
	return d, s.short(ctx, err)
}

// Shorten returns err with its message on one line and cut to
// maxErrorLen; an error already short is returned as it is.
func Shorten(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	one := strings.Join(strings.Fields(msg), " ")
	if one == msg && len(msg) <= maxErrorLen {
		return err
	}
	if len(one) > maxErrorLen {
		cut := maxErrorLen
		for cut > 0 && !utf8.RuneStart(one[cut]) {
			cut--
		}
		one = one[:cut] + " [cut]"
	}
	return errors.New(one)
}
