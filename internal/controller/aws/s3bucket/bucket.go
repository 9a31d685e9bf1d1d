// Package s3bucket reconciles S3 Bucket managed resources with aws-sdk-go-v2.
package s3bucket

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/clients/clientcache"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// api is the part of *s3.Client this controller uses; the real client
// satisfies it.
type api interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	CreateBucket(ctx context.Context, in *s3.CreateBucketInput, opts ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	DeleteBucket(ctx context.Context, in *s3.DeleteBucketInput, opts ...func(*s3.Options)) (*s3.DeleteBucketOutput, error)
	ListBuckets(ctx context.Context, in *s3.ListBucketsInput, opts ...func(*s3.Options)) (*s3.ListBucketsOutput, error)
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, opts ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	PutBucketVersioning(ctx context.Context, in *s3.PutBucketVersioningInput, opts ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error)
	GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	PutBucketEncryption(ctx context.Context, in *s3.PutBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error)
	GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	PutPublicAccessBlock(ctx context.Context, in *s3.PutPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error)
	GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, opts ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error)
	PutBucketTagging(ctx context.Context, in *s3.PutBucketTaggingInput, opts ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error)
	GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, opts ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	PutBucketPolicy(ctx context.Context, in *s3.PutBucketPolicyInput, opts ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error)
	// A plan lists at most one object, and one version, to say what a
	// deletion would meet (ReadDeletion); the reconciler never lists.
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, opts ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
}

var _ reconciler.DeletionReader[*v1alpha1.Bucket] = &external{}

// newAPI returns the S3 client of a cached config, made once per config.
func newAPI(c *awsclient.Config) api {
	cl, _ := clientcache.Value(&c.Values, "s3", func() (*s3.Client, error) {
		return s3.NewFromConfig(c.AWS, func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, c.APIOptions("s3")...)
			if u := c.Endpoint("s3"); u != "" {
				o.BaseEndpoint = aws.String(u)
			}
			o.UsePathStyle = c.Spec.S3 != nil && c.Spec.S3.UsePathStyle
		}), nil
	})
	return cl
}

// Setup adds a controller that reconciles Buckets. clients is shared by
// every AWS controller; key is the provider's own, which marks a Bucket
// about to create its bucket (see ownership.Intent).
func Setup(mgr ctrl.Manager, o controller.Options, clients *awsclient.Clients, key []byte) error {
	return reconciler.Setup(mgr, o, reconciler.Kind[*v1alpha1.Bucket]{
		IntentKey: key,
		GVK:       v1alpha1.BucketGroupVersionKind,
		Object:    &v1alpha1.Bucket{},
		List:      &v1alpha1.BucketList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.Bucket] {
			return Connector(reconciler.Deps{
				Kube: mgr.GetClient(), Usage: resource.NewProviderConfigUsageTracker(mgr.GetClient(), &awsv1alpha1.ProviderConfigUsage{}),
				Record: record, Key: key,
			}, clients)
		},
	})
}

// Connector returns how Buckets connect to S3: Setup's, and a plan's,
// which observes with the same external client through read-only clients.
func Connector(d reconciler.Deps, clients *awsclient.Clients) *reconciler.Connector[*v1alpha1.Bucket, *awsclient.Config] {
	owners := ownership.Checker{
		Kube:     d.Kube,
		Kind:     v1alpha1.BucketGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.BucketList{} },
		Encoding: ownership.Exact,
		Key:      d.Key,
	}
	return connector(d.Usage, clients, newAPI, d.Record, owners)
}

func connector(usage resource.ModernTracker, clients *awsclient.Clients, newAPI func(*awsclient.Config) api, record event.Recorder, owners ownership.Checker) *reconciler.Connector[*v1alpha1.Bucket, *awsclient.Config] {
	return &reconciler.Connector[*v1alpha1.Bucket, *awsclient.Config]{
		Usage: usage,
		Client: func(ctx context.Context, cr *v1alpha1.Bucket) (*awsclient.Config, error) {
			return clients.Connect(ctx, cr, cr.Spec.ForProvider.Region)
		},
		External: func(cfg *awsclient.Config) (managed.TypedExternalClient[*v1alpha1.Bucket], error) {
			return &external{s3: newAPI(cfg), cfg: cfg, record: record, owners: owners.ForAdoption(providerconfig.AdoptionOf(cfg.Spec))}, nil
		},
		Tidy: awsclient.WithoutTransportDetail,
	}
}

// external holds one reconcile's client. Observe keeps what it read so that
// Update acts on it without reading the bucket again.
type external struct {
	s3     api
	cfg    *awsclient.Config
	record event.Recorder
	owners ownership.Checker

	// owner is the account that must own the bucket, nil for any; known
	// says whether it has been learnt this reconcile.
	owner    *string
	known    bool
	observed *observed
	compared *reconciler.Comparison
}

// observed is what Observe read of a bucket.
type observed struct {
	params v1alpha1.BucketParameters
	// pending: the bucket's create did not finish applying the secure
	// defaults (its tags carry the marker).
	pending bool
	// unsupported: sub-configurations the store does not implement.
	unsupported []string
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	if err := validate(name, cr.Spec.ForProvider); err != nil {
		return managed.ExternalObservation{}, err
	}
	if err := e.expectOwner(ctx); err != nil {
		return managed.ExternalObservation{}, err
	}
	p := cr.Spec.ForProvider
	head, err := e.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name), ExpectedBucketOwner: e.owner})
	switch {
	case isNotFound(err):
		return managed.ExternalObservation{ResourceExists: false}, nil
	case isMovedPermanently(err):
		// S3 answers 301 to a HEAD signed for the wrong region.
		return managed.ExternalObservation{}, errors.Errorf("bucket %q is not in region %s; a bucket cannot move, so create a new one or set spec.forProvider.region to the bucket's region", name, p.Region)
	case isForbidden(err):
		return managed.ExternalObservation{}, e.forbidden(ctx, cr, name)
	case err != nil:
		return managed.ExternalObservation{}, errors.Wrap(err, "cannot get bucket")
	}
	if r := aws.ToString(head.BucketRegion); r != "" && r != p.Region {
		return managed.ExternalObservation{}, errors.Errorf("bucket %q is in region %s, not %s; a bucket cannot move, so create a new one", name, r, p.Region)
	}

	mayLateInit := reconciler.LateInitializes(cr)
	want := desired(cr)
	got, err := e.read(ctx, name, cr.Spec.ForProvider, toRead(want, mayLateInit))
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	got.params.Region = p.Region
	if owned, err := e.owners.Owned(ctx, cr, got.params.Tags); !owned {
		return managed.ExternalObservation{}, err
	}
	e.observed = &got

	lateInit := false
	if mayLateInit {
		// A bucket whose create stopped before its secure defaults were
		// applied gets them: late-initialising from the store would keep
		// whatever the store defaulted to, for good.
		source := got.params
		if got.pending {
			source = withSecureDefaults(v1alpha1.BucketParameters{}, got.unsupported)
		}
		lateInit = lateInitialize(&cr.Spec.ForProvider, source)
		want = desired(cr)
	}
	if got.pending {
		want = withSecureDefaults(want, got.unsupported)
	}
	cr.Status.AtProvider = observation(name, got, e.endpoint())
	cr.SetConditions(xpv2.Available())
	e.compared = &reconciler.Comparison{Fields: drifted(want, got.params), Want: want, Got: got.params}

	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(e.compared.Fields) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    diff(want, got.params),
		ConnectionDetails:       connectionDetails(cr.Status.AtProvider, name),
	}, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	if err := validate(name, cr.Spec.ForProvider); err != nil {
		return managed.ExternalCreation{}, err
	}
	cr.SetConditions(xpv2.Creating())
	// One attempt: a create whose answer was lost and that the SDK tried
	// again would meet BucketAlreadyOwnedByYou for the bucket it made, and
	// take it for one made elsewhere. The next reconcile finds the bucket
	// instead, as this resource's by the mark of its intent.
	_, createErr := e.s3.CreateBucket(ctx, createInput(name, cr.Spec.ForProvider), func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	switch {
	case isTakenByOthers(createErr):
		return managed.ExternalCreation{}, errors.Errorf("bucket name %q is taken by another account; bucket names are global, so choose another with the crossplane.io/external-name annotation", name)
	case createErr != nil && !isAlreadyOwned(createErr):
		if status := awsclient.HTTPStatus(createErr); status >= 400 && status < 500 {
			// Refused: this call made no bucket, and the mark of the
			// intent to make one goes, so that it cannot stand for a
			// bucket someone else makes under this name later.
			meta.RemoveAnnotations(cr, ownership.AnnotationIntent)
		}
		return managed.ExternalCreation{}, errors.Wrap(createErr, "cannot create bucket")
	}
	// Ours even if tagging it below fails: the resource carries the
	// provider's mark of its intent to create it (saved before Create), so
	// the next Observe does not take it for an untagged bucket made
	// outside Crossplane.
	if err := e.expectOwner(ctx); err != nil {
		return managed.ExternalCreation{}, err
	}
	// A bucket S3 has just made has no tags. One with tags, or one S3 says
	// the account already owns (a retried create, or a race with another
	// creator in this account), may be adopted only as Observe would.
	existing, err := e.tags(ctx, name)
	if err != nil {
		return managed.ExternalCreation{}, errors.Wrap(err, "cannot get bucket tags")
	}
	if isAlreadyOwned(createErr) || len(existing) > 0 {
		// Not made by this call after all (a store that answers success
		// for a bucket that exists): it is adopted only as Observe would.
		if owned, err := e.owners.OwnedAfterConflict(ctx, cr, existing); !owned {
			return managed.ExternalCreation{}, errors.Wrapf(err, "cannot adopt bucket %q", name)
		}
		// Ours to adopt: the next observation late-initialises and tags it.
		return managed.ExternalCreation{}, nil
	}

	// What marks the bucket as ours goes first, with a marker saying the
	// secure defaults are still to come: if a later call fails, the next
	// Observe knows this bucket is new and applies them, instead of
	// late-initialising whatever the store defaulted to. The users' tags
	// come last, so that the marker never takes one of their 50 places.
	want := desired(cr)
	if err := e.apply(ctx, name, v1alpha1.BucketParameters{Tags: pendingTags(cr)}, []string{fieldTags}); err != nil {
		return managed.ExternalCreation{}, err
	}
	secure := withSecureDefaults(want, nil)
	unsupported, err := e.applySkipping(ctx, cr, name, secure, configured(secure))
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	obs := observation(name, observed{params: withSecureDefaults(want, unsupported), unsupported: unsupported}, e.endpoint())
	return managed.ExternalCreation{ConnectionDetails: connectionDetails(obs, name)}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalUpdate, error) {
	name := meta.GetExternalName(cr)
	want := desired(cr)
	if e.observed == nil {
		// The reconciler always observes first; this guards direct callers.
		if err := e.expectOwner(ctx); err != nil {
			return managed.ExternalUpdate{}, err
		}
		got, err := e.read(ctx, name, cr.Spec.ForProvider, configured(want))
		if err != nil {
			return managed.ExternalUpdate{}, err
		}
		got.params.Region = want.Region
		e.observed = &got
	}
	if e.observed.pending {
		want = withSecureDefaults(want, e.observed.unsupported)
	}
	fields := drifted(want, e.observed.params)
	if len(fields) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	reconciler.RecordDrift(e.record, cr, fields)
	_, err := e.applySkipping(ctx, cr, name, want, fields)
	return managed.ExternalUpdate{}, err
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalDelete, error) {
	name := meta.GetExternalName(cr)
	cr.SetConditions(xpv2.Deleting())
	if err := e.expectOwner(ctx); err != nil {
		return managed.ExternalDelete{}, err
	}
	_, err := e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name), ExpectedBucketOwner: e.owner})
	switch {
	case err == nil, isNotFound(err):
		return managed.ExternalDelete{}, nil
	case isNotEmpty(err):
		return managed.ExternalDelete{}, errors.Errorf("bucket %q is not empty, so it was kept: empty it (every object and object version), or remove Delete from spec.managementPolicies to leave the bucket behind", name)
	default:
		return managed.ExternalDelete{}, errors.Wrap(err, "cannot delete bucket")
	}
}

func (e *external) Disconnect(context.Context) error { return nil }

// Compared is what the last Observe compared (reconciler.Compared).
func (e *external) Compared() *reconciler.Comparison { return e.compared }

// Deletion says what Delete would do (reconciler.Deleter), whether the
// bucket is empty or not: S3 deletes no bucket that holds objects, and the
// provider deletes none.
func (e *external) Deletion(cr *v1alpha1.Bucket) reconciler.Deletion {
	return deletion(meta.GetExternalName(cr), unread)
}

// ReadDeletion says what Delete would do to the bucket as it is now
// (reconciler.DeletionReader): whether it holds anything S3 refuses to
// delete a bucket over is read, listing at most one of each.
func (e *external) ReadDeletion(ctx context.Context, cr *v1alpha1.Bucket) (reconciler.Deletion, error) {
	name := meta.GetExternalName(cr)
	c, err := e.contents(ctx, name)
	if err != nil {
		return reconciler.Deletion{}, err
	}
	return deletion(name, c), nil
}

// expectOwner learns, once per reconcile (and once per config: the config
// caches it), which account must own the bucket.
func (e *external) expectOwner(ctx context.Context) error {
	if e.known {
		return nil
	}
	id, err := e.cfg.AccountID(ctx)
	if err != nil {
		return err
	}
	if id != "" {
		e.owner = aws.String(id)
	}
	e.known = true
	return nil
}

// forbidden explains a 403 on HEAD, which has no body to say why. One call
// that has one, made once per config, tells refused credentials from a
// bucket these credentials may not read.
//
// A resource being deleted is told how to go without the bucket, unless
// the credentials were refused: then fixing them is the way out.
func (e *external) forbidden(ctx context.Context, cr *v1alpha1.Bucket, name string) error {
	refused, _ := clientcache.Value(&e.cfg.Values, "credentialsRefused", func() (string, error) {
		_, err := e.s3.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1)})
		if awsclient.IsCredentialsRefused(err) {
			return awsclient.ErrorCode(err), nil
		}
		return "", nil
	})
	switch {
	case refused != "":
		return errors.Errorf("the store refused the ProviderConfig's credentials (%s): check the access key and secret in its Secret", refused)
	case aws.ToString(e.owner) != "":
		return reconciler.StuckDeleting(cr, errors.Errorf("bucket %q exists but is not in account %s, or these credentials may not access it: the name may belong to another account (choose another with the crossplane.io/external-name annotation) or the credentials lack s3:ListBucket", name, aws.ToString(e.owner)))
	}
	return reconciler.StuckDeleting(cr, errors.Errorf("bucket %q exists but these credentials may not access it: the name may belong to another account (choose another with the crossplane.io/external-name annotation) or the credentials lack s3:ListBucket", name))
}

// endpoint is the S3 endpoint that serves buckets of this config's region.
func (e *external) endpoint() string {
	if u := e.cfg.Endpoint("s3"); u != "" {
		return u
	}
	return defaultEndpoint(e.cfg.AWS.Region)
}
