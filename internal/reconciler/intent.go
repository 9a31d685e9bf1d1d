package reconciler

import (
	"context"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/internal/ownership"
)

// intending connects as next does, and marks a resource whose external
// resource does not exist, and that may create it, with the provider's
// intent to create it (ownership.MarkIntent). The managed reconciler saves
// the mark with its create-pending annotation before it calls Create: an
// external resource that Create made but could not tag (a provider that
// died between the two calls) is then known as this resource's, where an
// untagged one made outside Crossplane is refused.
type intending[T resource.ModernManaged] struct {
	next managed.TypedExternalConnector[T]
	key  []byte
}

func (c intending[T]) Connect(ctx context.Context, mg T) (managed.TypedExternalClient[T], error) {
	ext, err := c.next.Connect(ctx, mg)
	if err != nil {
		return nil, err
	}
	return intendingClient[T]{TypedExternalClient: ext, key: c.key}, nil
}

type intendingClient[T resource.ModernManaged] struct {
	managed.TypedExternalClient[T]
	key []byte
}

func (e intendingClient[T]) Observe(ctx context.Context, mg T) (managed.ExternalObservation, error) {
	obs, err := e.TypedExternalClient.Observe(ctx, mg)
	if err == nil && !obs.ResourceExists && !meta.WasDeleted(mg) && ownership.MayCreate(mg) {
		ownership.MarkIntent(e.key, mg)
	}
	return obs, err
}
