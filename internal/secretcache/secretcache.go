// Package secretcache lets controllers read the Secrets the provider writes
// itself (connection Secrets, generated passwords and tokens) from the
// manager's cache, and every other Secret from the API server.
//
// The manager's client reads Secrets from the API server (see
// internal/controller.ClientOptions): a cache of every Secret in the cluster
// would hold them all in the provider's memory. But a database or cache
// reconcile reads its password Secret and its connection Secret on every
// poll, so 1,000 of them at a one-minute poll would make about 2,000 Secret
// reads a minute. The Secrets the provider writes carry a label; the
// manager caches those alone, and Client reads them from there.
package secretcache

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// LabelKey and LabelValue mark the Secrets the provider writes.
const (
	LabelKey   = "app.kubernetes.io/managed-by"
	LabelValue = "provider-appinfra"
)

// ByObject is the manager's cache configuration for Secrets: only those
// labelled as the provider's own.
func ByObject() cache.ByObject {
	return cache.ByObject{Label: labels.SelectorFromSet(labels.Set{LabelKey: LabelValue})}
}

// NewClient is the manager's client (manager.Options.NewClient): the
// client o describes, which must not cache Secrets (ClientOptions in
// internal/controller), wrapped in a Client that reads the provider's own
// Secrets from the manager's cache.
func NewClient(config *rest.Config, o client.Options) (client.Client, error) {
	c, err := client.New(config, o)
	if err != nil {
		return nil, err
	}
	if o.Cache == nil || o.Cache.Reader == nil {
		return c, nil
	}
	return Client{Client: c, Cache: o.Cache.Reader}, nil
}

// Client reads Secrets from Cache, and from the API server (through the
// embedded Client, which must not cache Secrets) when the cache does not
// hold them: a Secret someone else wrote, or one the provider wrote a moment
// ago that the cache has not seen yet.
//
// It labels each Secret it creates or patches as the provider's own. The
// provider creates only Secrets of its own (connection Secrets, generated
// values), and patches only connection Secrets, which the runtime writes
// without labels: a patch when their data changed, so one written before
// the label existed is labelled with its next change. A Secret someone else
// created that the provider only adds a generated value to is updated, not
// patched, and keeps its labels.
type Client struct {
	client.Client
	Cache client.Reader
}

// Get implements client.Reader.
func (c Client) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*corev1.Secret); !ok {
		return c.Client.Get(ctx, key, obj, opts...)
	}
	err := c.Cache.Get(ctx, key, obj, opts...)
	if !kerrors.IsNotFound(err) {
		return err
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

// Create implements client.Writer.
func (c Client) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	label(obj)
	return c.Client.Create(ctx, obj, opts...)
}

// Patch implements client.Writer.
func (c Client) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	label(obj)
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func label(obj client.Object) {
	if _, ok := obj.(*corev1.Secret); !ok {
		return
	}
	l := obj.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	l[LabelKey] = LabelValue
	obj.SetLabels(l)
}
