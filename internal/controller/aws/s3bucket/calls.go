package s3bucket

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"k8s.io/utils/ptr"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
)

// ReasonNotImplemented is the event reason for a secure default the store
// could not take.
const ReasonNotImplemented event.Reason = "NotImplementedByStore"

// read fetches the named sub-configurations, one call each. A store that
// does not implement encryption or the public access block (S3-compatible
// stores often do not) is noted, not an error, unless spec sets it.
func (e *external) read(ctx context.Context, name string, spec v1alpha1.BucketParameters, fields []string) (observed, error) {
	got := observed{}
	p := &got.params
	b := aws.String(name)
	for _, field := range fields {
		var err error
		switch field {
		case fieldVersioning:
			var out *s3.GetBucketVersioningOutput
			if out, err = e.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b, ExpectedBucketOwner: e.owner}); err == nil {
				p.Versioning = ptr.To(string(out.Status))
			}
		case fieldEncryption:
			var out *s3.GetBucketEncryptionOutput
			out, err = e.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b, ExpectedBucketOwner: e.owner})
			if awsclient.HasCode(err, "ServerSideEncryptionConfigurationNotFoundError") {
				err = nil
			}
			p.ServerSideEncryption = encryptionFrom(out)
		case fieldPublic:
			var out *s3.GetPublicAccessBlockOutput
			out, err = e.s3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b, ExpectedBucketOwner: e.owner})
			if awsclient.HasCode(err, "NoSuchPublicAccessBlockConfiguration") {
				err = nil // No configuration blocks nothing.
			}
			p.PublicAccessBlock = publicAccessBlockFrom(out)
		case fieldTags:
			p.Tags, err = e.tags(ctx, name)
			got.pending = p.Tags[keyPending] != ""
		case fieldPolicy:
			var out *s3.GetBucketPolicyOutput
			out, err = e.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b, ExpectedBucketOwner: e.owner})
			if awsclient.HasCode(err, "NoSuchBucketPolicy") {
				err = nil
			}
			if out != nil {
				p.Policy = out.Policy
			}
		}
		switch {
		case err == nil:
		case awsclient.IsNotImplemented(err) && !explicit(spec, field):
			got.unsupported = append(got.unsupported, field)
			clear(field, p)
		case awsclient.IsNotImplemented(err):
			return got, errors.Errorf("the store does not implement bucket %s (it answered NotImplemented): remove spec.forProvider.%s", field, field)
		default:
			return got, errors.Wrapf(err, "cannot get bucket %s", field)
		}
	}
	return got, nil
}

// clear forgets what a failed read left of field.
func clear(field string, p *v1alpha1.BucketParameters) {
	switch field {
	case fieldEncryption:
		p.ServerSideEncryption = nil
	case fieldPublic:
		p.PublicAccessBlock = nil
	}
}

// tags reads a bucket's tags; a bucket without any has an empty set.
func (e *external) tags(ctx context.Context, name string) (map[string]string, error) {
	out, err := e.s3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(name), ExpectedBucketOwner: e.owner})
	if err != nil && !awsclient.HasCode(err, "NoSuchTagSet") {
		return nil, err
	}
	tags := map[string]string{}
	if out != nil {
		for _, t := range out.TagSet {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}

// applySkipping applies the named sub-configurations of want. One the store
// does not implement is skipped with a Warning event when only the
// provider's default asked for it, and returned; when the spec asked for
// it, the error says so.
func (e *external) applySkipping(ctx context.Context, cr *v1alpha1.Bucket, name string, want v1alpha1.BucketParameters, fields []string) (unsupported []string, err error) {
	for _, field := range fields {
		err := e.apply(ctx, name, want, []string{field})
		switch {
		case err == nil:
		case awsclient.IsNotImplemented(err) && !explicit(cr.Spec.ForProvider, field):
			unsupported = append(unsupported, field)
			e.record.Event(cr, event.Warning(ReasonNotImplemented, errors.Errorf("the store does not implement bucket %s, so the provider's secure default for it was skipped; status.atProvider.unsupportedByStore lists it", field)))
		case awsclient.IsNotImplemented(err):
			return unsupported, errors.Errorf("the store does not implement bucket %s (it answered NotImplemented): remove spec.forProvider.%s", field, field)
		default:
			return unsupported, err
		}
	}
	return unsupported, nil
}

// apply writes the named sub-configurations of want, one call each.
func (e *external) apply(ctx context.Context, name string, want v1alpha1.BucketParameters, fields []string) error {
	b := aws.String(name)
	for _, field := range fields {
		var err error
		switch field {
		case fieldVersioning:
			_, err = e.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, ExpectedBucketOwner: e.owner,
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatus(*want.Versioning)}})
		case fieldEncryption:
			_, err = e.s3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b, ExpectedBucketOwner: e.owner,
				ServerSideEncryptionConfiguration: encryptionConfiguration(*want.ServerSideEncryption)})
		case fieldPublic:
			p := want.PublicAccessBlock
			_, err = e.s3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, ExpectedBucketOwner: e.owner,
				PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
					BlockPublicAcls: aws.Bool(p.BlockPublicACLs), IgnorePublicAcls: aws.Bool(p.IgnorePublicACLs),
					BlockPublicPolicy: aws.Bool(p.BlockPublicPolicy), RestrictPublicBuckets: aws.Bool(p.RestrictPublicBuckets),
				}})
		case fieldTags:
			_, err = e.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, ExpectedBucketOwner: e.owner, Tagging: &types.Tagging{TagSet: tagSet(want.Tags)}})
		case fieldPolicy:
			_, err = e.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, ExpectedBucketOwner: e.owner, Policy: want.Policy})
		}
		if err != nil {
			return errors.Wrapf(err, "cannot set bucket %s", field)
		}
	}
	return nil
}

// contents reads what the bucket holds that DeleteBucket would refuse
// over: "All objects (including all object versions and delete markers)
// in the bucket must be deleted before the bucket itself can be deleted"
// (S3's DeleteBucket reference). An object is looked for first
// (ListObjectsV2), then, in a bucket that was ever versioned, an object
// version or delete marker (ListObjectVersions: a versioned bucket whose
// objects were all deleted keeps them); each lists at most one.
func (e *external) contents(ctx context.Context, name string) (contents, error) {
	if err := e.expectOwner(ctx); err != nil {
		return unread, err
	}
	b := aws.String(name)
	objects, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b, MaxKeys: aws.Int32(1), ExpectedBucketOwner: e.owner})
	if err != nil {
		return unread, errors.Wrap(err, "cannot list the bucket's objects")
	}
	if len(objects.Contents) > 0 {
		return holdsObjects, nil
	}
	if !e.everVersioned(ctx, name) {
		return empty, nil
	}
	versions, err := e.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, MaxKeys: aws.Int32(1), ExpectedBucketOwner: e.owner})
	if err != nil {
		return unread, errors.Wrap(err, "cannot list the bucket's object versions")
	}
	if len(versions.Versions)+len(versions.DeleteMarkers) > 0 {
		return holdsVersions, nil
	}
	return empty, nil
}

// everVersioned says whether the bucket's versioning was ever turned on
// (it is Enabled, or Suspended since): a bucket that never was holds no
// version or delete marker that ListObjectsV2 does not list. What Observe
// read is used when it read versioning; a bucket whose versioning cannot
// be read is taken to have been.
func (e *external) everVersioned(ctx context.Context, name string) bool {
	if e.observed != nil && e.observed.params.Versioning != nil {
		return *e.observed.params.Versioning != ""
	}
	out, err := e.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(name), ExpectedBucketOwner: e.owner})
	return err != nil || out.Status != ""
}
