package s3bucket

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

var errBoom = errors.New("boom")

// mockAPI answers each call with its function field and records the
// operations called, in order. A call whose field is nil fails.
type mockAPI struct {
	calls []string

	MockHeadBucket           func(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	MockCreateBucket         func(ctx context.Context, in *s3.CreateBucketInput, opts ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	MockDeleteBucket         func(ctx context.Context, in *s3.DeleteBucketInput, opts ...func(*s3.Options)) (*s3.DeleteBucketOutput, error)
	MockGetBucketVersioning  func(ctx context.Context, in *s3.GetBucketVersioningInput, opts ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	MockPutBucketVersioning  func(ctx context.Context, in *s3.PutBucketVersioningInput, opts ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error)
	MockGetBucketEncryption  func(ctx context.Context, in *s3.GetBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	MockPutBucketEncryption  func(ctx context.Context, in *s3.PutBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error)
	MockGetPublicAccessBlock func(ctx context.Context, in *s3.GetPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	MockPutPublicAccessBlock func(ctx context.Context, in *s3.PutPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error)
	MockGetBucketTagging     func(ctx context.Context, in *s3.GetBucketTaggingInput, opts ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error)
	MockPutBucketTagging     func(ctx context.Context, in *s3.PutBucketTaggingInput, opts ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error)
	MockGetBucketPolicy      func(ctx context.Context, in *s3.GetBucketPolicyInput, opts ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	MockPutBucketPolicy      func(ctx context.Context, in *s3.PutBucketPolicyInput, opts ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error)
}

var _ api = &mockAPI{}

func unexpected(op string) error { return errors.Errorf("unexpected call to %s", op) }

func (m *mockAPI) HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	m.calls = append(m.calls, "HeadBucket")
	if m.MockHeadBucket == nil {
		return nil, unexpected("HeadBucket")
	}
	return m.MockHeadBucket(ctx, in, opts...)
}

func (m *mockAPI) CreateBucket(ctx context.Context, in *s3.CreateBucketInput, opts ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	m.calls = append(m.calls, "CreateBucket")
	if m.MockCreateBucket == nil {
		return nil, unexpected("CreateBucket")
	}
	return m.MockCreateBucket(ctx, in, opts...)
}

func (m *mockAPI) DeleteBucket(ctx context.Context, in *s3.DeleteBucketInput, opts ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
	m.calls = append(m.calls, "DeleteBucket")
	if m.MockDeleteBucket == nil {
		return nil, unexpected("DeleteBucket")
	}
	return m.MockDeleteBucket(ctx, in, opts...)
}

func (m *mockAPI) GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, opts ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	m.calls = append(m.calls, "GetBucketVersioning")
	if m.MockGetBucketVersioning == nil {
		return nil, unexpected("GetBucketVersioning")
	}
	return m.MockGetBucketVersioning(ctx, in, opts...)
}

func (m *mockAPI) PutBucketVersioning(ctx context.Context, in *s3.PutBucketVersioningInput, opts ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error) {
	m.calls = append(m.calls, "PutBucketVersioning")
	if m.MockPutBucketVersioning == nil {
		return nil, unexpected("PutBucketVersioning")
	}
	return m.MockPutBucketVersioning(ctx, in, opts...)
}

func (m *mockAPI) GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	m.calls = append(m.calls, "GetBucketEncryption")
	if m.MockGetBucketEncryption == nil {
		return nil, unexpected("GetBucketEncryption")
	}
	return m.MockGetBucketEncryption(ctx, in, opts...)
}

func (m *mockAPI) PutBucketEncryption(ctx context.Context, in *s3.PutBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error) {
	m.calls = append(m.calls, "PutBucketEncryption")
	if m.MockPutBucketEncryption == nil {
		return nil, unexpected("PutBucketEncryption")
	}
	return m.MockPutBucketEncryption(ctx, in, opts...)
}

func (m *mockAPI) GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	m.calls = append(m.calls, "GetPublicAccessBlock")
	if m.MockGetPublicAccessBlock == nil {
		return nil, unexpected("GetPublicAccessBlock")
	}
	return m.MockGetPublicAccessBlock(ctx, in, opts...)
}

func (m *mockAPI) PutPublicAccessBlock(ctx context.Context, in *s3.PutPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	m.calls = append(m.calls, "PutPublicAccessBlock")
	if m.MockPutPublicAccessBlock == nil {
		return nil, unexpected("PutPublicAccessBlock")
	}
	return m.MockPutPublicAccessBlock(ctx, in, opts...)
}

func (m *mockAPI) GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, opts ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	m.calls = append(m.calls, "GetBucketTagging")
	if m.MockGetBucketTagging == nil {
		return nil, unexpected("GetBucketTagging")
	}
	return m.MockGetBucketTagging(ctx, in, opts...)
}

func (m *mockAPI) PutBucketTagging(ctx context.Context, in *s3.PutBucketTaggingInput, opts ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
	m.calls = append(m.calls, "PutBucketTagging")
	if m.MockPutBucketTagging == nil {
		return nil, unexpected("PutBucketTagging")
	}
	return m.MockPutBucketTagging(ctx, in, opts...)
}

func (m *mockAPI) GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, opts ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	m.calls = append(m.calls, "GetBucketPolicy")
	if m.MockGetBucketPolicy == nil {
		return nil, unexpected("GetBucketPolicy")
	}
	return m.MockGetBucketPolicy(ctx, in, opts...)
}

func (m *mockAPI) PutBucketPolicy(ctx context.Context, in *s3.PutBucketPolicyInput, opts ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
	m.calls = append(m.calls, "PutBucketPolicy")
	if m.MockPutBucketPolicy == nil {
		return nil, unexpected("PutBucketPolicy")
	}
	return m.MockPutBucketPolicy(ctx, in, opts...)
}

func apiError(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "the store says " + code}
}

// The bucket every test works on, unless an option says otherwise.
const (
	testName   = "my-bucket"
	testRegion = "us-west-2"
	testPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::my-bucket/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	// What S3 returns for testPolicy: reformatted, keys reordered and the
	// one-element Statement list written as its element.
	testPolicyAsReturned = `{
  "Statement": {"Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Resource": "arn:aws:s3:::my-bucket/*", "Action": ["s3:*"], "Principal": "*", "Effect": "Deny"},
  "Version": "2012-10-17"
}`
)

type bucketOption func(*v1alpha1.Bucket)

// bucket returns a Bucket in namespace team-a named my-bucket, in region
// us-west-2, using the ClusterProviderConfig "default". It sets no
// sub-configuration.
func bucket(opts ...bucketOption) *v1alpha1.Bucket {
	cr := &v1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Name: testName, Namespace: "team-a"},
		Spec:       v1alpha1.BucketSpec{ForProvider: v1alpha1.BucketParameters{Region: testRegion}},
	}
	cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	meta.SetExternalName(cr, testName)
	for _, o := range opts {
		o(cr)
	}
	return cr
}

// configuredBucket is a bucket that sets every sub-configuration.
func configuredBucket(opts ...bucketOption) *v1alpha1.Bucket {
	return bucket(append([]bucketOption{
		withVersioning(v1alpha1.VersioningEnabled),
		withEncryption(v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, BucketKeyEnabled: ptr.To(false)}),
		withPublicAccessBlock(true),
		withTags(map[string]string{"team": "storage"}),
		withPolicy(testPolicy),
	}, opts...)...)
}

func withName(n string) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.SetName(n) }
}

func withExternalName(n string) bucketOption {
	return func(cr *v1alpha1.Bucket) { meta.SetExternalName(cr, n) }
}

func withRegion(r string) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Spec.ForProvider.Region = r }
}

func withVersioning(s string) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Spec.ForProvider.Versioning = ptr.To(s) }
}

func withEncryption(e v1alpha1.ServerSideEncryption) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Spec.ForProvider.ServerSideEncryption = &e }
}

func withPublicAccessBlock(on bool) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Spec.ForProvider.PublicAccessBlock = publicAccessBlock(on) }
}

func withTags(t map[string]string) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Spec.ForProvider.Tags = t }
}

func withPolicy(p string) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Spec.ForProvider.Policy = ptr.To(p) }
}

func withAtProvider(o v1alpha1.BucketObservation) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Status.AtProvider = o }
}

func withConditions(c ...xpv2.Condition) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.SetConditions(c...) }
}

// withoutLateInit sets management policies that do not allow late
// initialisation.
func withoutLateInit() bucketOption {
	return func(cr *v1alpha1.Bucket) {
		cr.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete}
	}
}

func publicAccessBlock(on bool) *v1alpha1.PublicAccessBlock {
	return &v1alpha1.PublicAccessBlock{BlockPublicACLs: on, IgnorePublicACLs: on, BlockPublicPolicy: on, RestrictPublicBuckets: on}
}

// providerTags are the tags the provider adds to bucket().
func providerTags() map[string]string {
	return map[string]string{
		"crossplane-kind":                "bucket.s3.aws.appinfra.io",
		"crossplane-name":                testName,
		"crossplane-namespace":           "team-a",
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "ClusterProviderConfig",
	}
}

// allTags are the tags configuredBucket() wants on the bucket.
func allTags() map[string]string {
	t := providerTags()
	t["team"] = "storage"
	return t
}

func config() awsclient.Config {
	return awsclient.Config{AWS: aws.Config{Region: testRegion}, ProviderConfigName: "default"}
}

// Answers of the read calls.

func headIn(region string) func(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	return func(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
		return &s3.HeadBucketOutput{BucketRegion: aws.String(region)}, nil
	}
}

func headFails(err error) func(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	return func(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
		return nil, err
	}
}

func versioningIs(s types.BucketVersioningStatus) func(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	return func(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
		return &s3.GetBucketVersioningOutput{Status: s}, nil
	}
}

func encryptionIs(algorithm types.ServerSideEncryption, bucketKey *bool) func(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	return func(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
		return &s3.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
			Rules: []types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: algorithm},
				BucketKeyEnabled:                   bucketKey,
			}},
		}}, nil
	}
}

func publicAccessIs(on bool) func(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	return func(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
		return &s3.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(on), IgnorePublicAcls: aws.Bool(on), BlockPublicPolicy: aws.Bool(on), RestrictPublicBuckets: aws.Bool(on),
		}}, nil
	}
}

func tagsAre(tags map[string]string) func(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	return func(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
		out := &s3.GetBucketTaggingOutput{}
		for k, v := range tags {
			out.TagSet = append(out.TagSet, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		return out, nil
	}
}

func policyIs(p string) func(context.Context, *s3.GetBucketPolicyInput, ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	return func(context.Context, *s3.GetBucketPolicyInput, ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
		return &s3.GetBucketPolicyOutput{Policy: aws.String(p)}, nil
	}
}

// inSync answers every read as a bucket that matches configuredBucket(),
// then applies mods.
func inSync(mods ...func(*mockAPI)) *mockAPI {
	m := &mockAPI{
		MockHeadBucket:           headIn(testRegion),
		MockGetBucketVersioning:  versioningIs(types.BucketVersioningStatusEnabled),
		MockGetBucketEncryption:  encryptionIs(types.ServerSideEncryptionAes256, aws.Bool(false)),
		MockGetPublicAccessBlock: publicAccessIs(true),
		MockGetBucketTagging:     tagsAre(allTags()),
		MockGetBucketPolicy:      policyIs(testPolicyAsReturned),
	}
	for _, mod := range mods {
		mod(m)
	}
	return m
}

// withPuts makes every put m does not already answer succeed.
func withPuts(m *mockAPI) *mockAPI {
	if m.MockPutBucketVersioning == nil {
		m.MockPutBucketVersioning = func(context.Context, *s3.PutBucketVersioningInput, ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error) {
			return &s3.PutBucketVersioningOutput{}, nil
		}
	}
	if m.MockPutBucketEncryption == nil {
		m.MockPutBucketEncryption = func(context.Context, *s3.PutBucketEncryptionInput, ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error) {
			return &s3.PutBucketEncryptionOutput{}, nil
		}
	}
	if m.MockPutPublicAccessBlock == nil {
		m.MockPutPublicAccessBlock = func(context.Context, *s3.PutPublicAccessBlockInput, ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
			return &s3.PutPublicAccessBlockOutput{}, nil
		}
	}
	if m.MockPutBucketTagging == nil {
		m.MockPutBucketTagging = func(context.Context, *s3.PutBucketTaggingInput, ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
			return &s3.PutBucketTaggingOutput{}, nil
		}
	}
	if m.MockPutBucketPolicy == nil {
		m.MockPutBucketPolicy = func(context.Context, *s3.PutBucketPolicyInput, ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
			return &s3.PutBucketPolicyOutput{}, nil
		}
	}
	return m
}

// Every read, in the order Observe makes them for configuredBucket().
var allReads = []string{"HeadBucket", "GetBucketVersioning", "GetBucketEncryption", "GetPublicAccessBlock", "GetBucketTagging", "GetBucketPolicy"}

func TestObserve(t *testing.T) {
	upToDateObservation := v1alpha1.BucketObservation{
		ARN:                  "arn:aws:s3:::my-bucket",
		Region:               testRegion,
		Endpoint:             "https://s3.us-west-2.amazonaws.com",
		Versioning:           v1alpha1.VersioningEnabled,
		ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, BucketKeyEnabled: ptr.To(false)},
		PublicAccessBlock:    publicAccessBlock(true),
		Tags:                 allTags(),
	}
	connection := managed.ConnectionDetails{
		"bucket":   []byte(testName),
		"region":   []byte(testRegion),
		"endpoint": []byte("https://s3.us-west-2.amazonaws.com"),
		"arn":      []byte("arn:aws:s3:::my-bucket"),
	}

	type want struct {
		o     managed.ExternalObservation
		diff  bool // whether o.Diff is non-empty
		err   error
		msg   []string
		cr    *v1alpha1.Bucket
		calls []string
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		cfg    awsclient.Config
		cr     *v1alpha1.Bucket
		want   want
	}{
		"InvalidExternalName": {
			reason: "An external name S3 would refuse should be an error, before any call.",
			api:    inSync(),
			cr:     bucket(withExternalName("My_Bucket")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`external name "My_Bucket" is not a valid S3 bucket name`},
				cr:  bucket(withExternalName("My_Bucket")),
			},
		},
		"NotFound": {
			reason: "A HeadBucket answered NotFound means the bucket does not exist.",
			api:    &mockAPI{MockHeadBucket: headFails(apiError("NotFound"))},
			cr:     configuredBucket(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket"},
			},
		},
		"NoSuchBucket": {
			reason: "A HeadBucket answered NoSuchBucket means the bucket does not exist.",
			api:    &mockAPI{MockHeadBucket: headFails(errors.Wrap(apiError("NoSuchBucket"), "operation error"))},
			cr:     configuredBucket(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket"},
			},
		},
		"Forbidden": {
			reason: "A bucket these credentials may not see probably belongs to another account, and the error should say so.",
			api:    &mockAPI{MockHeadBucket: headFails(apiError("Forbidden"))},
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" exists`, "another account", "crossplane.io/external-name"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket"},
			},
		},
		"WrongRegion": {
			reason: "S3 answers 301 to a HEAD for a bucket in another region; the error should say the bucket cannot move.",
			api:    &mockAPI{MockHeadBucket: headFails(apiError("MovedPermanently"))},
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" is not in region us-west-2`, "cannot move"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket"},
			},
		},
		"HeadBucketFailed": {
			reason: "Any other HeadBucket error should be returned wrapped.",
			api:    &mockAPI{MockHeadBucket: headFails(errBoom)},
			cr:     configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get bucket: boom"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket"},
			},
		},
		"InAnotherRegion": {
			reason: "A bucket in another region than the spec says cannot be fixed: the error should say it cannot move.",
			api:    inSync(func(m *mockAPI) { m.MockHeadBucket = headIn("eu-west-1") }),
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"is in region eu-west-1, not us-west-2", "cannot move"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket"},
			},
		},
		"GetVersioningFailed": {
			reason: "A failed versioning read should be returned wrapped, and nothing more read.",
			api: inSync(func(m *mockAPI) {
				m.MockGetBucketVersioning = func(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
					return nil, errBoom
				}
			}),
			cr: configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get bucket versioning"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket", "GetBucketVersioning"},
			},
		},
		"GetEncryptionFailed": {
			reason: "A failed encryption read should be returned wrapped.",
			api: inSync(func(m *mockAPI) {
				m.MockGetBucketEncryption = func(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
					return nil, errBoom
				}
			}),
			cr: configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get bucket encryption"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket", "GetBucketVersioning", "GetBucketEncryption"},
			},
		},
		"GetPublicAccessBlockFailed": {
			reason: "A failed public access block read should be returned wrapped.",
			api: inSync(func(m *mockAPI) {
				m.MockGetPublicAccessBlock = func(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
					return nil, apiError("AccessDenied")
				}
			}),
			cr: configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"cannot get bucket public access block", "AccessDenied"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket", "GetBucketVersioning", "GetBucketEncryption", "GetPublicAccessBlock"},
			},
		},
		"GetTagsFailed": {
			reason: "A failed tags read should be returned wrapped.",
			api: inSync(func(m *mockAPI) {
				m.MockGetBucketTagging = func(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
					return nil, errBoom
				}
			}),
			cr: configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get bucket tags"},
				cr:    configuredBucket(),
				calls: allReads[:5],
			},
		},
		"GetPolicyFailed": {
			reason: "A failed policy read should be returned wrapped.",
			api: inSync(func(m *mockAPI) {
				m.MockGetBucketPolicy = func(context.Context, *s3.GetBucketPolicyInput, ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
					return nil, errBoom
				}
			}),
			cr: configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get bucket policy"},
				cr:    configuredBucket(),
				calls: allReads,
			},
		},
		"AbsentConfigurationsAreEmpty": {
			reason: "The codes S3 answers for a configuration never set should read as empty and be drift, not errors.",
			api: inSync(func(m *mockAPI) {
				m.MockGetBucketEncryption = func(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
					return nil, apiError("ServerSideEncryptionConfigurationNotFoundError")
				}
				m.MockGetPublicAccessBlock = func(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
					return nil, apiError("NoSuchPublicAccessBlockConfiguration")
				}
				m.MockGetBucketTagging = func(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
					return nil, apiError("NoSuchTagSet")
				}
				m.MockGetBucketPolicy = func(context.Context, *s3.GetBucketPolicyInput, ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
					return nil, apiError("NoSuchBucketPolicy")
				}
			}),
			cr: configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  false,
					ConnectionDetails: connection,
				},
				diff: true,
				cr: configuredBucket(
					withAtProvider(v1alpha1.BucketObservation{
						ARN:        "arn:aws:s3:::my-bucket",
						Region:     testRegion,
						Endpoint:   "https://s3.us-west-2.amazonaws.com",
						Versioning: v1alpha1.VersioningEnabled,
						// No public access block configuration blocks nothing.
						PublicAccessBlock: &v1alpha1.PublicAccessBlock{},
						Tags:              map[string]string{},
					}),
					withConditions(xpv2.Available()),
				),
				calls: allReads,
			},
		},
		"UpToDate": {
			reason: "A bucket that matches the spec should be up to date, with one read per configured sub-configuration; a reformatted policy is no drift.",
			api:    inSync(),
			cr:     configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  true,
					ConnectionDetails: connection,
				},
				cr:    configuredBucket(withAtProvider(upToDateObservation), withConditions(xpv2.Available())),
				calls: allReads,
			},
		},
		"LateInitializesEncryptionAndPublicAccessBlock": {
			reason: "A spec that leaves encryption and the public access block unset takes the bucket's own, rather than imposing defaults on an existing bucket.",
			api:    inSync(func(m *mockAPI) { m.MockGetBucketTagging = tagsAre(providerTags()) }),
			cr:     bucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:          true,
					ResourceUpToDate:        true,
					ResourceLateInitialized: true,
					ConnectionDetails:       connection,
				},
				cr: bucket(
					withEncryption(v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, BucketKeyEnabled: ptr.To(false)}),
					withPublicAccessBlock(true),
					withAtProvider(v1alpha1.BucketObservation{
						ARN:                  "arn:aws:s3:::my-bucket",
						Region:               testRegion,
						Endpoint:             "https://s3.us-west-2.amazonaws.com",
						ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, BucketKeyEnabled: ptr.To(false)},
						PublicAccessBlock:    publicAccessBlock(true),
						Tags:                 providerTags(),
					}),
					withConditions(xpv2.Available()),
				),
				calls: []string{"HeadBucket", "GetBucketEncryption", "GetPublicAccessBlock", "GetBucketTagging"},
			},
		},
		"OnlyTagsConfigured": {
			reason: "A spec that sets nothing, under policies without LateInitialize, still has the provider's tags: Observe should read only HeadBucket and the tags.",
			api:    inSync(func(m *mockAPI) { m.MockGetBucketTagging = tagsAre(providerTags()) }),
			cr:     bucket(withoutLateInit()),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  true,
					ConnectionDetails: connection,
				},
				cr: bucket(withoutLateInit(),
					withAtProvider(v1alpha1.BucketObservation{
						ARN:      "arn:aws:s3:::my-bucket",
						Region:   testRegion,
						Endpoint: "https://s3.us-west-2.amazonaws.com",
						Tags:     providerTags(),
					}),
					withConditions(xpv2.Available()),
				),
				calls: []string{"HeadBucket", "GetBucketTagging"},
			},
		},
		"Drift": {
			reason: "A bucket whose versioning differs from the spec should not be up to date, and say how.",
			api:    inSync(func(m *mockAPI) { m.MockGetBucketVersioning = versioningIs(types.BucketVersioningStatusSuspended) }),
			cr:     configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  false,
					ConnectionDetails: connection,
				},
				diff: true,
				cr: configuredBucket(
					withAtProvider(func() v1alpha1.BucketObservation {
						o := upToDateObservation
						o.Versioning = v1alpha1.VersioningSuspended
						return o
					}()),
					withConditions(xpv2.Available()),
				),
				calls: allReads,
			},
		},
		"LateInitializeBucketKey": {
			reason: "serverSideEncryption.bucketKeyEnabled left unset should be taken from the bucket, and reported as late-initialised.",
			api: inSync(func(m *mockAPI) {
				m.MockGetBucketEncryption = encryptionIs(types.ServerSideEncryptionAes256, aws.Bool(true))
			}),
			cr: configuredBucket(withEncryption(v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256})),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:          true,
					ResourceUpToDate:        true,
					ResourceLateInitialized: true,
					ConnectionDetails:       connection,
				},
				cr: configuredBucket(
					withEncryption(v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, BucketKeyEnabled: ptr.To(true)}),
					withAtProvider(func() v1alpha1.BucketObservation {
						o := upToDateObservation
						o.ServerSideEncryption = &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, BucketKeyEnabled: ptr.To(true)}
						return o
					}()),
					withConditions(xpv2.Available()),
				),
				calls: allReads,
			},
		},
		"RegionNotReported": {
			reason: "Stores that do not report a bucket's region should not fail the region check.",
			api:    inSync(func(m *mockAPI) { m.MockHeadBucket = headIn("") }),
			cfg: awsclient.Config{
				AWS:                aws.Config{Region: testRegion},
				Spec:               awsv1alpha1.ProviderConfigSpec{Endpoint: &awsv1alpha1.Endpoint{URL: "http://localhost:4566"}},
				ProviderConfigName: "default",
			},
			cr: configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:   true,
					ResourceUpToDate: true,
					ConnectionDetails: managed.ConnectionDetails{
						"bucket":   []byte(testName),
						"region":   []byte(testRegion),
						"endpoint": []byte("http://localhost:4566"),
						"arn":      []byte("arn:aws:s3:::my-bucket"),
					},
				},
				cr: configuredBucket(
					withAtProvider(func() v1alpha1.BucketObservation {
						o := upToDateObservation
						o.Endpoint = "http://localhost:4566"
						return o
					}()),
					withConditions(xpv2.Available()),
				),
				calls: allReads,
			},
		},
		"UsesExternalName": {
			reason: "The bucket read should be the one the external name names, not metadata.name.",
			api: inSync(func(m *mockAPI) {
				m.MockHeadBucket = func(_ context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
					if got := aws.ToString(in.Bucket); got != testName {
						return nil, errors.Errorf("HeadBucket of %q, want %q", got, testName)
					}
					return &s3.HeadBucketOutput{BucketRegion: aws.String(testRegion)}, nil
				}
				m.MockGetBucketTagging = func(_ context.Context, in *s3.GetBucketTaggingInput, _ ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
					if got := aws.ToString(in.Bucket); got != testName {
						return nil, errors.Errorf("GetBucketTagging of %q, want %q", got, testName)
					}
					return tagsAre(nil)(context.Background(), in)
				}
			}),
			cr: bucket(withName("claim-x7k2p"), withoutLateInit()),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  false,
					ConnectionDetails: connection,
				},
				diff: true,
				cr: bucket(
					withName("claim-x7k2p"), withoutLateInit(),
					withAtProvider(v1alpha1.BucketObservation{
						ARN:      "arn:aws:s3:::my-bucket",
						Region:   testRegion,
						Endpoint: "https://s3.us-west-2.amazonaws.com",
						Tags:     map[string]string{},
					}),
					withConditions(xpv2.Available()),
				),
				calls: []string{"HeadBucket", "GetBucketTagging"},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := tc.cfg
			if cfg.ProviderConfigName == "" {
				cfg = config()
			}
			e := &external{s3: tc.api, cfg: cfg, record: &reconcilertest.Recorder{}}
			got, err := e.Observe(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nObserve(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.o, got, cmpopts.IgnoreFields(managed.ExternalObservation{}, "Diff")); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want, +got:\n%s", tc.reason, diff)
			}
			if (got.Diff != "") != tc.want.diff {
				t.Errorf("\n%s\nObserve(...): Diff is %q, want non-empty: %t", tc.reason, got.Diff, tc.want.diff)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	created := managed.ExternalCreation{ConnectionDetails: managed.ConnectionDetails{
		"bucket":   []byte(testName),
		"region":   []byte(testRegion),
		"endpoint": []byte("https://s3.us-west-2.amazonaws.com"),
		"arn":      []byte("arn:aws:s3:::my-bucket"),
	}}
	createOK := func(_ context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
		if got := aws.ToString(in.Bucket); got != testName {
			return nil, errors.Errorf("CreateBucket of %q, want %q", got, testName)
		}
		return &s3.CreateBucketOutput{}, nil
	}
	createFails := func(err error) func(context.Context, *s3.CreateBucketInput, ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
		return func(context.Context, *s3.CreateBucketInput, ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
			return nil, err
		}
	}
	allPuts := []string{"CreateBucket", "PutBucketVersioning", "PutBucketEncryption", "PutPublicAccessBlock", "PutBucketTagging", "PutBucketPolicy"}

	type want struct {
		c     managed.ExternalCreation
		err   error
		msg   []string
		cr    *v1alpha1.Bucket
		calls []string
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		cr     *v1alpha1.Bucket
		want   want
	}{
		"InvalidExternalName": {
			reason: "An external name S3 would refuse should be an error, before any call.",
			api:    withPuts(&mockAPI{MockCreateBucket: createOK}),
			cr:     bucket(withExternalName("192.168.5.4")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{"not a valid S3 bucket name", "IP address"},
				cr:  bucket(withExternalName("192.168.5.4")),
			},
		},
		"Success": {
			reason: "Create should create the bucket and then apply every configured sub-configuration, in order.",
			api: withPuts(&mockAPI{
				MockCreateBucket: createOK,
				MockPutBucketTagging: func(_ context.Context, in *s3.PutBucketTaggingInput, _ ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
					want := []types.Tag{
						{Key: aws.String("crossplane-kind"), Value: aws.String("bucket.s3.aws.appinfra.io")},
						{Key: aws.String("crossplane-name"), Value: aws.String(testName)},
						{Key: aws.String("crossplane-namespace"), Value: aws.String("team-a")},
						{Key: aws.String("crossplane-providerconfig"), Value: aws.String("default")},
						{Key: aws.String("crossplane-providerconfig-kind"), Value: aws.String("ClusterProviderConfig")},
						{Key: aws.String("team"), Value: aws.String("storage")},
					}
					if diff := cmp.Diff(want, in.Tagging.TagSet, cmpopts.IgnoreUnexported(types.Tag{})); diff != "" {
						return nil, errors.Errorf("PutBucketTagging: -want, +got:\n%s", diff)
					}
					return &s3.PutBucketTaggingOutput{}, nil
				},
				MockPutBucketPolicy: func(_ context.Context, in *s3.PutBucketPolicyInput, _ ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
					if got := aws.ToString(in.Policy); got != testPolicy {
						return nil, errors.Errorf("PutBucketPolicy: policy %s, want %s", got, testPolicy)
					}
					return &s3.PutBucketPolicyOutput{}, nil
				},
			}),
			cr: configuredBucket(),
			want: want{
				c:     created,
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: allPuts,
			},
		},
		"AlreadyOwnedByYou": {
			reason: "A bucket this account already owns is ours: Create should succeed and configure it.",
			api:    withPuts(&mockAPI{MockCreateBucket: createFails(apiError("BucketAlreadyOwnedByYou"))}),
			cr:     configuredBucket(),
			want: want{
				c:     created,
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: allPuts,
			},
		},
		"AlreadyExists": {
			reason: "A name another account holds should be an error that says how to choose another name.",
			api:    withPuts(&mockAPI{MockCreateBucket: createFails(apiError("BucketAlreadyExists"))}),
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket name "my-bucket" is taken by another account`, "crossplane.io/external-name"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []string{"CreateBucket"},
			},
		},
		"CreateFailed": {
			reason: "Any other CreateBucket error should be returned wrapped, and nothing applied.",
			api:    withPuts(&mockAPI{MockCreateBucket: createFails(errBoom)}),
			cr:     configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot create bucket: boom"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []string{"CreateBucket"},
			},
		},
		"PutFailed": {
			reason: "A failed put should be returned wrapped with the field it sets, and stop the puts after it.",
			api: withPuts(&mockAPI{
				MockCreateBucket: createOK,
				MockPutPublicAccessBlock: func(context.Context, *s3.PutPublicAccessBlockInput, ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
					return nil, errBoom
				},
			}),
			cr: configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot set bucket publicAccessBlock: boom"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []string{"CreateBucket", "PutBucketVersioning", "PutBucketEncryption", "PutPublicAccessBlock"},
			},
		},
		"SecureDefaults": {
			reason: "A spec that sets nothing should create the bucket with AES256, every public access block and the provider's tags.",
			api:    withPuts(&mockAPI{MockCreateBucket: createOK}),
			cr:     bucket(),
			want: want{
				c:     created,
				cr:    bucket(withConditions(xpv2.Creating())),
				calls: []string{"CreateBucket", "PutBucketEncryption", "PutPublicAccessBlock", "PutBucketTagging"},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{s3: tc.api, cfg: config(), record: &reconcilertest.Recorder{}}
			got, err := e.Create(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nCreate(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.c, got); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	// observed is what Observe read of a bucket matching configuredBucket().
	observed := func(mods ...func(*v1alpha1.BucketParameters)) *v1alpha1.BucketParameters {
		p := desired(configuredBucket(), "default")
		p.Policy = ptr.To(testPolicyAsReturned)
		for _, m := range mods {
			m(&p)
		}
		return &p
	}

	type want struct {
		err   error
		msg   []string
		drift []string // the fields one DriftDetected event names; nil for no event
		calls []string
	}
	cases := map[string]struct {
		reason   string
		api      *mockAPI
		observed *v1alpha1.BucketParameters
		cr       *v1alpha1.Bucket
		want     want
	}{
		"NoDrift": {
			reason:   "A bucket that matches the spec should cause no call and no event.",
			api:      withPuts(&mockAPI{}),
			observed: observed(),
			cr:       configuredBucket(),
			want:     want{},
		},
		"Drift": {
			reason: "Update should record one event naming only the drifted fields, then put only those.",
			api:    withPuts(&mockAPI{}),
			observed: observed(func(p *v1alpha1.BucketParameters) {
				p.Versioning = ptr.To(v1alpha1.VersioningSuspended)
				p.Tags = map[string]string{"team": "secret-value"}
			}),
			cr: configuredBucket(),
			want: want{
				drift: []string{"versioning", "tags"},
				calls: []string{"PutBucketVersioning", "PutBucketTagging"},
			},
		},
		"PutFailed": {
			reason: "A failed put should be returned wrapped with the field it sets.",
			api: withPuts(&mockAPI{
				MockPutBucketPolicy: func(context.Context, *s3.PutBucketPolicyInput, ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
					return nil, errBoom
				},
			}),
			observed: observed(func(p *v1alpha1.BucketParameters) { p.Policy = nil }),
			cr:       configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot set bucket policy: boom"},
				drift: []string{"policy"},
				calls: []string{"PutBucketPolicy"},
			},
		},
		"NotObserved": {
			reason: "Called without Observe first, Update should read what it needs and then put only what drifted.",
			api:    withPuts(&mockAPI{MockGetBucketTagging: tagsAre(nil)}),
			cr:     bucket(),
			want: want{
				drift: []string{"tags"},
				calls: []string{"GetBucketTagging", "PutBucketTagging"},
			},
		},
		"NotObservedReadFailed": {
			reason: "Called without Observe first, a failed read should be returned and nothing put.",
			api: withPuts(&mockAPI{
				MockGetBucketTagging: func(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
					return nil, errBoom
				},
			}),
			cr: bucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get bucket tags"},
				calls: []string{"GetBucketTagging"},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &reconcilertest.Recorder{}
			e := &external{s3: tc.api, cfg: config(), record: r, observed: tc.observed}
			got, err := e.Update(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nUpdate(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(managed.ExternalUpdate{}, got); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want, +got:\n%s", tc.reason, diff)
			}
			var events []event.Event
			if tc.want.drift != nil {
				events = []event.Event{{Type: event.TypeNormal, Reason: "DriftDetected"}}
			}
			if diff := cmp.Diff(events, r.Events, cmpopts.IgnoreFields(event.Event{}, "Message", "Annotations")); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want events, +got events:\n%s", tc.reason, diff)
			}
			// The message names exactly the drifted fields, and never a value.
			for _, e := range r.Events {
				if fields := " in " + strings.Join(tc.want.drift, ", ") + ";"; !strings.Contains(e.Message, fields) {
					t.Errorf("\n%s\nUpdate(...): event message %q should name exactly the fields %q", tc.reason, e.Message, tc.want.drift)
				}
				if strings.Contains(e.Message, "secret-value") {
					t.Errorf("\n%s\nUpdate(...): event message %q should not contain a value", tc.reason, e.Message)
				}
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	deleteReturns := func(err error) func(context.Context, *s3.DeleteBucketInput, ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
		return func(_ context.Context, in *s3.DeleteBucketInput, _ ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
			if got := aws.ToString(in.Bucket); got != testName {
				return nil, errors.Errorf("DeleteBucket of %q, want %q", got, testName)
			}
			if err != nil {
				return nil, err
			}
			return &s3.DeleteBucketOutput{}, nil
		}
	}

	type want struct {
		err error
		msg []string
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		want   want
	}{
		"Success": {
			reason: "A deleted bucket should be no error.",
			api:    &mockAPI{MockDeleteBucket: deleteReturns(nil)},
		},
		"NotFound": {
			reason: "A bucket already gone should be no error.",
			api:    &mockAPI{MockDeleteBucket: deleteReturns(apiError("NoSuchBucket"))},
		},
		"NotEmpty": {
			reason: "A bucket with objects is kept, and the error should say so and how to leave it behind.",
			api:    &mockAPI{MockDeleteBucket: deleteReturns(apiError("BucketNotEmpty"))},
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`bucket "my-bucket" is not empty, so it was kept`, "managementPolicies"},
			},
		},
		"DeleteFailed": {
			reason: "Any other DeleteBucket error should be returned wrapped.",
			api:    &mockAPI{MockDeleteBucket: deleteReturns(errBoom)},
			want: want{
				err: errBoom,
				msg: []string{"cannot delete bucket: boom"},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cr := configuredBucket()
			e := &external{s3: tc.api, cfg: config(), record: &reconcilertest.Recorder{}}
			got, err := e.Delete(context.Background(), cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nDelete(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(managed.ExternalDelete{}, got); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(configuredBucket(withConditions(xpv2.Deleting())), cr); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff([]string{"DeleteBucket"}, tc.api.calls); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnect(t *testing.T) {
	s := runtime.NewScheme()
	if err := awsv1alpha1.SchemeBuilder.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	withConfig := fake.NewClientBuilder().WithScheme(s).WithObjects(&awsv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: awsv1alpha1.ProviderConfigSpec{
			Region:      "us-east-1",
			Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceEnvironment},
		},
	}).Build()
	tracked := resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { return nil })

	type want struct {
		providerConfig string
		region         string
		err            error
		msg            []string
	}
	cases := map[string]struct {
		reason string
		kube   client.Client
		usage  resource.ModernTracker
		want   want
	}{
		"TrackFailed": {
			reason: "A failure to track the ProviderConfig's use should be returned wrapped.",
			kube:   withConfig,
			usage:  resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { return errBoom }),
			want:   want{err: errBoom, msg: []string{"cannot track ProviderConfig usage"}},
		},
		"NoProviderConfig": {
			reason: "A ProviderConfig that does not exist should be an error naming it.",
			kube:   fake.NewClientBuilder().WithScheme(s).Build(),
			usage:  tracked,
			want:   want{err: cmpopts.AnyError, msg: []string{`cannot get ClusterProviderConfig "default"`}},
		},
		"Success": {
			reason: "The S3 client should be built for the bucket's region from the ProviderConfig it references.",
			kube:   withConfig,
			usage:  tracked,
			want:   want{providerConfig: "default", region: testRegion},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			var built []awsclient.Config
			m, r := &mockAPI{}, &reconcilertest.Recorder{}
			c := &connector{kube: tc.kube, usage: tc.usage, record: r, newAPI: func(cfg awsclient.Config) api {
				built = append(built, cfg)
				return m
			}}
			got, err := c.Connect(context.Background(), bucket())
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nConnect(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if err != nil {
				if len(built) != 0 {
					t.Errorf("\n%s\nConnect(...): built %d clients, want none", tc.reason, len(built))
				}
				return
			}
			if len(built) != 1 {
				t.Fatalf("\n%s\nConnect(...): built %d clients, want 1", tc.reason, len(built))
			}
			if diff := cmp.Diff(tc.want.providerConfig, built[0].ProviderConfigName); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want ProviderConfigName, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.region, built[0].AWS.Region); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want region, +got region:\n%s", tc.reason, diff)
			}
			e, ok := got.(*external)
			if !ok || e.s3 != api(m) || e.record != event.Recorder(r) {
				t.Errorf("\n%s\nConnect(...): got %#v, want an external using the client built and the connector's recorder", tc.reason, got)
			}
		})
	}
}

// isolate keeps the SDK from reading the machine's AWS files, profile or
// instance metadata, so that a test sees only what it sets up.
func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE"} {
		t.Setenv(v, "")
	}
}
