// Package bucket reconciles S3 Bucket managed resources with aws-sdk-go-v2.
package bucket

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

	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/s3/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/controller/mr"
)

// api is the part of *s3.Client this controller uses; the real client
// satisfies it.
type api interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	CreateBucket(ctx context.Context, in *s3.CreateBucketInput, opts ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	DeleteBucket(ctx context.Context, in *s3.DeleteBucketInput, opts ...func(*s3.Options)) (*s3.DeleteBucketOutput, error)
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
}

func newAPI(c awsclient.Config) api {
	return s3.NewFromConfig(c.AWS, func(o *s3.Options) {
		if u := c.Endpoint("s3"); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
		o.UsePathStyle = c.Spec.S3 != nil && c.Spec.S3.UsePathStyle
	})
}

// Setup adds a controller that reconciles Buckets.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	return mr.Setup(mgr, o, mr.Kind[*v1alpha1.Bucket]{
		GVK:    v1alpha1.BucketGroupVersionKind,
		Object: &v1alpha1.Bucket{},
		List:   &v1alpha1.BucketList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.Bucket] {
			return &connector{
				kube:   mgr.GetClient(),
				usage:  resource.NewProviderConfigUsageTracker(mgr.GetClient(), &awsv1alpha1.ProviderConfigUsage{}),
				newAPI: newAPI,
				record: record,
			}
		},
	})
}

type connector struct {
	kube   client.Client
	usage  resource.ModernTracker
	newAPI func(awsclient.Config) api
	record event.Recorder
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.Bucket) (managed.TypedExternalClient[*v1alpha1.Bucket], error) {
	if err := c.usage.Track(ctx, cr); err != nil {
		return nil, errors.Wrap(err, "cannot track ProviderConfig usage")
	}
	cfg, err := awsclient.Connect(ctx, c.kube, cr, cr.Spec.ForProvider.Region)
	if err != nil {
		return nil, err
	}
	return &external{s3: c.newAPI(cfg), cfg: cfg, record: c.record, kube: c.kube}, nil
}

// external holds one reconcile's client. Observe keeps what it read so that
// Update acts on it without reading the bucket again.
type external struct {
	s3       api
	cfg      awsclient.Config
	record   event.Recorder
	kube     client.Reader
	observed *v1alpha1.BucketParameters
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	if err := validName(name); err != nil {
		return managed.ExternalObservation{}, err
	}
	p := cr.Spec.ForProvider
	head, err := e.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	switch {
	case isNotFound(err):
		return managed.ExternalObservation{ResourceExists: false}, nil
	case isMovedPermanently(err):
		// S3 answers 301 to a HEAD signed for the wrong region.
		return managed.ExternalObservation{}, errors.Errorf("bucket %q is not in region %s; a bucket cannot move, so create a new one or set spec.forProvider.region to the bucket's region", name, p.Region)
	case isForbidden(err):
		return managed.ExternalObservation{}, errors.Errorf("bucket %q exists but these credentials may not access it: the name may belong to another account (choose another with the crossplane.io/external-name annotation) or the credentials lack s3:ListBucket", name)
	case err != nil:
		return managed.ExternalObservation{}, errors.Wrap(err, "cannot get bucket")
	}
	if r := aws.ToString(head.BucketRegion); r != "" && r != p.Region {
		return managed.ExternalObservation{}, errors.Errorf("bucket %q is in region %s, not %s; a bucket cannot move, so create a new one", name, r, p.Region)
	}

	mayLateInit := mr.LateInitializes(cr)
	got, err := e.read(ctx, name, toRead(desired(cr, e.cfg.ProviderConfigName), mayLateInit))
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	got.Region = p.Region
	if owned, err := mr.Owned(ctx, e.kube, cr, got.Tags, identity, func() client.Object { return &v1alpha1.Bucket{} }); !owned {
		return managed.ExternalObservation{}, err
	}
	e.observed = &got

	lateInit := mayLateInit && lateInitialize(&cr.Spec.ForProvider, got)
	want := desired(cr, e.cfg.ProviderConfigName)
	cr.Status.AtProvider = observation(name, got, e.endpoint())
	cr.SetConditions(xpv2.Available())

	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(drifted(want, got)) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    diff(want, got),
		ConnectionDetails:       connectionDetails(cr.Status.AtProvider, name),
	}, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	if err := validName(name); err != nil {
		return managed.ExternalCreation{}, err
	}
	cr.SetConditions(xpv2.Creating())
	_, err := e.s3.CreateBucket(ctx, createInput(name, cr.Spec.ForProvider))
	switch {
	case isAlreadyOwned(err):
		// A retried create, or a bucket adopted by name: ours either way.
	case isTakenByOthers(err):
		return managed.ExternalCreation{}, errors.Errorf("bucket name %q is taken by another account; bucket names are global, so choose another with the crossplane.io/external-name annotation", name)
	case err != nil:
		return managed.ExternalCreation{}, errors.Wrap(err, "cannot create bucket")
	}
	want := withSecureDefaults(desired(cr, e.cfg.ProviderConfigName))
	if err := e.apply(ctx, name, want, configured(want)); err != nil {
		return managed.ExternalCreation{}, err
	}
	obs := observation(name, want, e.endpoint())
	return managed.ExternalCreation{ConnectionDetails: connectionDetails(obs, name)}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalUpdate, error) {
	name := meta.GetExternalName(cr)
	want := desired(cr, e.cfg.ProviderConfigName)
	if e.observed == nil {
		// The reconciler always observes first; this guards direct callers.
		got, err := e.read(ctx, name, configured(want))
		if err != nil {
			return managed.ExternalUpdate{}, err
		}
		got.Region = want.Region
		e.observed = &got
	}
	fields := drifted(want, *e.observed)
	if len(fields) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	mr.RecordDrift(e.record, cr, fields)
	return managed.ExternalUpdate{}, e.apply(ctx, name, want, fields)
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalDelete, error) {
	name := meta.GetExternalName(cr)
	cr.SetConditions(xpv2.Deleting())
	_, err := e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
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

// identity is how S3 tags store names: as they are.
func identity(s string) string { return s }

// endpoint is the S3 endpoint that serves buckets of this config's region.
func (e *external) endpoint() string {
	if u := e.cfg.Endpoint("s3"); u != "" {
		return u
	}
	return defaultEndpoint(e.cfg.AWS.Region)
}
