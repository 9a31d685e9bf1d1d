// Package bucket reconciles GCS Bucket managed resources with
// cloud.google.com/go/storage.
package gcsbucket

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcplabels"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// api is the bucket operations of *storage.Client this controller uses,
// keyed by bucket name; gcs adapts the real client to it.
type api interface {
	Attrs(ctx context.Context, bucket string) (*storage.BucketAttrs, error)
	Create(ctx context.Context, bucket, project string, attrs *storage.BucketAttrs) error
	Update(ctx context.Context, bucket string, metageneration int64, u storage.BucketAttrsToUpdate) (*storage.BucketAttrs, error)
	Delete(ctx context.Context, bucket string) error
	// HoldsObjects is a plan's (ReadDeletion): the reconciler never lists.
	HoldsObjects(ctx context.Context, bucket string) (bool, error)
}

var _ reconciler.DeletionReader[*v1alpha1.Bucket] = &external{}

type gcs struct{ c *storage.Client }

func (g gcs) Attrs(ctx context.Context, b string) (*storage.BucketAttrs, error) {
	return g.c.Bucket(b).Attrs(ctx)
}

func (g gcs) Create(ctx context.Context, b, project string, attrs *storage.BucketAttrs) error {
	return g.c.Bucket(b).Create(ctx, project, attrs)
}

// Update only applies if nobody changed the bucket since it was read.
func (g gcs) Update(ctx context.Context, b string, metageneration int64, u storage.BucketAttrsToUpdate) (*storage.BucketAttrs, error) {
	return g.c.Bucket(b).If(storage.BucketConditions{MetagenerationMatch: metageneration}).Update(ctx, u)
}

func (g gcs) Delete(ctx context.Context, b string) error { return g.c.Bucket(b).Delete(ctx) }

// HoldsObjects says whether a bucket holds an object, live or noncurrent,
// listing at most one (objects.list, maxResults=1, versions=true).
// Noncurrent versions are always asked for: buckets.delete "fails if there
// are any live or noncurrent objects in the bucket", and a bucket whose
// Object Versioning was turned off keeps those it had.
func (g gcs) HoldsObjects(ctx context.Context, b string) (bool, error) {
	it := g.c.Bucket(b).Objects(ctx, &storage.Query{Versions: true})
	it.PageInfo().MaxSize = 1
	_, err := it.Next()
	if errors.Is(err, iterator.Done) {
		return false, nil
	}
	return err == nil, err
}

// newAPI returns the Cloud Storage client of a cached config: it is made
// once per config and closed when the config is evicted, never per
// reconcile.
func newAPI(c *gcpclient.Config) (api, error) {
	sc, err := c.Storage()
	if err != nil {
		return nil, err
	}
	return gcs{c: sc}, nil
}

// Setup adds a controller that reconciles GCS Buckets. clients is shared by
// every GCP controller; key is the provider's own, which marks a Bucket
// about to create its bucket (see ownership.Intent).
func Setup(mgr ctrl.Manager, o controller.Options, clients *gcpclient.Clients, key []byte) error {
	return reconciler.Setup(mgr, o, reconciler.Kind[*v1alpha1.Bucket]{
		IntentKey: key,
		GVK:       v1alpha1.BucketGroupVersionKind,
		Object:    &v1alpha1.Bucket{},
		List:      &v1alpha1.BucketList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.Bucket] {
			return Connector(reconciler.Deps{
				Kube: mgr.GetClient(), Usage: resource.NewProviderConfigUsageTracker(mgr.GetClient(), &gcpv1alpha1.ProviderConfigUsage{}),
				Record: record, Key: key,
			}, clients)
		},
	})
}

// Connector returns how Buckets connect to Cloud Storage: Setup's, and a
// plan's, which observes with the same external client through read-only
// clients.
func Connector(d reconciler.Deps, clients *gcpclient.Clients) *reconciler.Connector[*v1alpha1.Bucket, *gcpclient.Config] {
	owners := ownership.Checker{
		Kube:     d.Kube,
		Kind:     v1alpha1.BucketGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.BucketList{} },
		Encoding: gcplabels.Encoding,
		Key:      d.Key,
	}
	return connector(d.Usage, clients, newAPI, d.Record, owners)
}

func connector(usage resource.ModernTracker, clients *gcpclient.Clients, newAPI func(*gcpclient.Config) (api, error), record event.Recorder, owners ownership.Checker) *reconciler.Connector[*v1alpha1.Bucket, *gcpclient.Config] {
	return &reconciler.Connector[*v1alpha1.Bucket, *gcpclient.Config]{
		Usage: usage,
		Client: func(ctx context.Context, cr *v1alpha1.Bucket) (*gcpclient.Config, error) {
			return clients.Connect(ctx, cr)
		},
		External: func(cfg *gcpclient.Config) (managed.TypedExternalClient[*v1alpha1.Bucket], error) {
			g, err := newAPI(cfg)
			if err != nil {
				return nil, err
			}
			return &external{gcs: g, cfg: cfg, record: record, owners: owners.ForAdoption(providerconfig.AdoptionOf(cfg.Spec))}, nil
		},
		Tidy: gcpclient.WithoutTransportDetail,
	}
}

// external holds one reconcile's client. Observe keeps what it read so that
// Update sends only what differs, guarded by the metageneration it saw.
type external struct {
	gcs      api
	cfg      *gcpclient.Config
	record   event.Recorder
	owners   ownership.Checker
	observed *storage.BucketAttrs
	compared *reconciler.Comparison
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	if err := validName(name); err != nil {
		return managed.ExternalObservation{}, err
	}
	if err := validate(cr.Spec.ForProvider); err != nil {
		return managed.ExternalObservation{}, err
	}
	attrs, err := e.gcs.Attrs(ctx, name)
	switch {
	case errors.Is(err, storage.ErrBucketNotExist):
		return managed.ExternalObservation{ResourceExists: false}, nil
	case hasStatus(err, http.StatusForbidden):
		return managed.ExternalObservation{}, reconciler.StuckDeleting(cr, xperrors.Errorf("bucket %q exists but these credentials may not read it: the name may belong to another project (choose another with the crossplane.io/external-name annotation) or the credentials lack storage.buckets.get", name))
	case err != nil:
		return managed.ExternalObservation{}, xperrors.Wrap(err, "cannot get bucket")
	}
	p := cr.Spec.ForProvider
	// A bucket in another location cannot be brought in line; but a
	// resource being deleted must still be able to delete it.
	if !strings.EqualFold(attrs.Location, p.Location) && !meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, xperrors.Errorf("bucket %q is in location %s, not %s; a bucket cannot move, so create a new one", name, attrs.Location, p.Location)
	}
	if err := e.sameProject(ctx, name, attrs); err != nil {
		return managed.ExternalObservation{}, reconciler.StuckDeleting(cr, err)
	}
	if owned, err := e.owners.Owned(ctx, cr, attrs.Labels); !owned {
		return managed.ExternalObservation{}, err
	}
	e.observed = attrs

	got := parameters(attrs)
	lateInit := reconciler.LateInitializes(cr) && lateInitialize(&cr.Spec.ForProvider, got)
	want := desired(cr)
	cr.Status.AtProvider = observation(attrs)
	cr.SetConditions(xpv2.Available())
	e.compared = &reconciler.Comparison{Fields: drifted(want, got), Want: want, Got: got}

	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(e.compared.Fields) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    diff(want, got),
		ConnectionDetails:       e.connectionDetails(name, attrs.Location),
	}, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	if err := validName(name); err != nil {
		return managed.ExternalCreation{}, err
	}
	if err := validate(cr.Spec.ForProvider); err != nil {
		return managed.ExternalCreation{}, err
	}
	cr.SetConditions(xpv2.Creating())
	want := desired(cr)
	err := e.gcs.Create(ctx, name, e.cfg.Spec.ProjectID, createAttrs(withSecureDefaults(want)))
	if hasStatus(err, http.StatusConflict) {
		// GCS answers 409 both to a retried create of our own bucket and
		// for a name someone else holds: whether we can read it tells.
		existing, aerr := e.gcs.Attrs(ctx, name)
		switch {
		case hasStatus(aerr, http.StatusForbidden):
			return managed.ExternalCreation{}, xperrors.Errorf("bucket name %q is taken, by another project or account; bucket names are global, so choose another with the crossplane.io/external-name annotation", name)
		case aerr != nil:
			return managed.ExternalCreation{}, xperrors.Wrap(aerr, "bucket already exists and cannot be read")
		}
		if err := e.sameProject(ctx, name, existing); err != nil {
			return managed.ExternalCreation{}, err
		}
		if owned, err := e.owners.OwnedAfterConflict(ctx, cr, existing.Labels); !owned {
			return managed.ExternalCreation{}, xperrors.Wrapf(err, "cannot adopt bucket %q", name)
		}
		// Ours: the next observation brings it in line with the spec.
		err = nil
	}
	if err != nil {
		if ge := (*googleapi.Error)(nil); errors.As(err, &ge) && ge.Code >= 400 && ge.Code < 500 {
			// Refused: this call made no bucket, and the mark of the
			// intent to make one goes (see ownership.Intent).
			meta.RemoveAnnotations(cr, ownership.AnnotationIntent)
		}
		return managed.ExternalCreation{}, xperrors.Wrap(err, "cannot create bucket")
	}
	// GCS reports locations in upper case; say it the same way Observe will.
	return managed.ExternalCreation{ConnectionDetails: e.connectionDetails(name, strings.ToUpper(want.Location))}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalUpdate, error) {
	name := meta.GetExternalName(cr)
	if e.observed == nil {
		// The reconciler always observes first; this guards direct callers.
		attrs, err := e.gcs.Attrs(ctx, name)
		if err != nil {
			return managed.ExternalUpdate{}, xperrors.Wrap(err, "cannot get bucket")
		}
		e.observed = attrs
	}
	want, got := desired(cr), parameters(e.observed)
	fields := drifted(want, got)
	if len(fields) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	reconciler.RecordDrift(e.record, cr, fields)
	_, err := e.gcs.Update(ctx, name, e.observed.MetaGeneration, updateAttrs(want, got, fields))
	if hasStatus(err, http.StatusPreconditionFailed) {
		return managed.ExternalUpdate{}, xperrors.New("bucket changed while it was being updated; the next reconcile retries with what it has become")
	}
	return managed.ExternalUpdate{}, xperrors.Wrap(err, "cannot update bucket")
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalDelete, error) {
	name := meta.GetExternalName(cr)
	cr.SetConditions(xpv2.Deleting())
	err := e.gcs.Delete(ctx, name)
	switch {
	case err == nil, errors.Is(err, storage.ErrBucketNotExist), hasStatus(err, http.StatusNotFound):
		return managed.ExternalDelete{}, nil
	case hasStatus(err, http.StatusConflict):
		return managed.ExternalDelete{}, xperrors.Errorf("bucket %q is not empty, so it was kept: delete its objects (and noncurrent versions), or remove Delete from spec.managementPolicies to leave the bucket behind", name)
	default:
		return managed.ExternalDelete{}, xperrors.Wrap(err, "cannot delete bucket")
	}
}

// Disconnect leaves the client open: it is the config's, shared and cached.
func (e *external) Disconnect(context.Context) error { return nil }

// Compared is what the last Observe compared (reconciler.Compared).
func (e *external) Compared() *reconciler.Comparison { return e.compared }

// Deletion says what Delete would do (reconciler.Deleter), whether the
// bucket is empty or not: Cloud Storage deletes no bucket that holds
// objects, and the provider deletes none.
func (e *external) Deletion(cr *v1alpha1.Bucket) reconciler.Deletion {
	return deletion(meta.GetExternalName(cr), nil)
}

// ReadDeletion says what Delete would do to the bucket as it is now
// (reconciler.DeletionReader): whether it holds an object is read,
// listing at most one.
func (e *external) ReadDeletion(ctx context.Context, cr *v1alpha1.Bucket) (reconciler.Deletion, error) {
	name := meta.GetExternalName(cr)
	holds, err := e.gcs.HoldsObjects(ctx, name)
	if err != nil {
		return reconciler.Deletion{}, xperrors.Wrap(err, "cannot list the bucket's objects")
	}
	return deletion(name, &holds), nil
}

// sameProject refuses a bucket of another project than the config's: it
// would be adopted, written and reported under the wrong project.
func (e *external) sameProject(ctx context.Context, name string, attrs *storage.BucketAttrs) error {
	want, got := e.cfg.ProjectNumber(ctx), gcpclient.FormatProjectNumber(attrs.ProjectNumber)
	if want == "" || got == "" || want == got {
		return nil
	}
	return xperrors.Errorf("bucket %q belongs to project number %s, not to project %s (number %s) of the ProviderConfig; choose another name with the crossplane.io/external-name annotation, or use a ProviderConfig of that project", name, got, e.cfg.Spec.ProjectID, want)
}

// connectionDetails follow the provider's connection Secret contract: see
// docs/connection-secrets.md.
func (e *external) connectionDetails(name, location string) managed.ConnectionDetails {
	endpoint := e.cfg.StorageEndpoint()
	if endpoint == "" {
		endpoint = "https://storage.googleapis.com"
	}
	return managed.ConnectionDetails{
		"bucket":   []byte(name),
		"project":  []byte(e.cfg.Spec.ProjectID),
		"location": []byte(location),
		"endpoint": []byte(endpoint),
		"url":      []byte("gs://" + name),
	}
}

func hasStatus(err error, code int) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}
