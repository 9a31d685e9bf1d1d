package s3bucket

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
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
	"github.com/appinfra/provider-appinfra/apis/common"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

var errBoom = errors.New("boom")

// mockAPI answers each call with its function field and records the
// operations called and their inputs, in order. A call whose field is nil
// fails.
type mockAPI struct {
	calls  []string
	inputs []any

	MockHeadBucket           func(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	MockCreateBucket         func(ctx context.Context, in *s3.CreateBucketInput, opts ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	MockDeleteBucket         func(ctx context.Context, in *s3.DeleteBucketInput, opts ...func(*s3.Options)) (*s3.DeleteBucketOutput, error)
	MockListBuckets          func(ctx context.Context, in *s3.ListBucketsInput, opts ...func(*s3.Options)) (*s3.ListBucketsOutput, error)
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
	MockListObjectsV2        func(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	MockListObjectVersions   func(ctx context.Context, in *s3.ListObjectVersionsInput, opts ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
}

var _ api = &mockAPI{}

func unexpected(op string) error { return errors.Errorf("unexpected call to %s", op) }

// called records a call and its input.
func (m *mockAPI) called(op string, in any) {
	m.calls = append(m.calls, op)
	m.inputs = append(m.inputs, in)
}

func (m *mockAPI) HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	m.called("HeadBucket", in)
	if m.MockHeadBucket == nil {
		return nil, unexpected("HeadBucket")
	}
	return m.MockHeadBucket(ctx, in, opts...)
}

func (m *mockAPI) CreateBucket(ctx context.Context, in *s3.CreateBucketInput, opts ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	m.called("CreateBucket", in)
	if m.MockCreateBucket == nil {
		return nil, unexpected("CreateBucket")
	}
	return m.MockCreateBucket(ctx, in, opts...)
}

func (m *mockAPI) DeleteBucket(ctx context.Context, in *s3.DeleteBucketInput, opts ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
	m.called("DeleteBucket", in)
	if m.MockDeleteBucket == nil {
		return nil, unexpected("DeleteBucket")
	}
	return m.MockDeleteBucket(ctx, in, opts...)
}

func (m *mockAPI) ListBuckets(ctx context.Context, in *s3.ListBucketsInput, opts ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	m.called("ListBuckets", in)
	if m.MockListBuckets == nil {
		return nil, unexpected("ListBuckets")
	}
	return m.MockListBuckets(ctx, in, opts...)
}

func (m *mockAPI) GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, opts ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	m.called("GetBucketVersioning", in)
	if m.MockGetBucketVersioning == nil {
		return nil, unexpected("GetBucketVersioning")
	}
	return m.MockGetBucketVersioning(ctx, in, opts...)
}

func (m *mockAPI) PutBucketVersioning(ctx context.Context, in *s3.PutBucketVersioningInput, opts ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error) {
	m.called("PutBucketVersioning", in)
	if m.MockPutBucketVersioning == nil {
		return nil, unexpected("PutBucketVersioning")
	}
	return m.MockPutBucketVersioning(ctx, in, opts...)
}

func (m *mockAPI) GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	m.called("GetBucketEncryption", in)
	if m.MockGetBucketEncryption == nil {
		return nil, unexpected("GetBucketEncryption")
	}
	return m.MockGetBucketEncryption(ctx, in, opts...)
}

func (m *mockAPI) PutBucketEncryption(ctx context.Context, in *s3.PutBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error) {
	m.called("PutBucketEncryption", in)
	if m.MockPutBucketEncryption == nil {
		return nil, unexpected("PutBucketEncryption")
	}
	return m.MockPutBucketEncryption(ctx, in, opts...)
}

func (m *mockAPI) GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	m.called("GetPublicAccessBlock", in)
	if m.MockGetPublicAccessBlock == nil {
		return nil, unexpected("GetPublicAccessBlock")
	}
	return m.MockGetPublicAccessBlock(ctx, in, opts...)
}

func (m *mockAPI) PutPublicAccessBlock(ctx context.Context, in *s3.PutPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	m.called("PutPublicAccessBlock", in)
	if m.MockPutPublicAccessBlock == nil {
		return nil, unexpected("PutPublicAccessBlock")
	}
	return m.MockPutPublicAccessBlock(ctx, in, opts...)
}

func (m *mockAPI) GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, opts ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	m.called("GetBucketTagging", in)
	if m.MockGetBucketTagging == nil {
		return nil, unexpected("GetBucketTagging")
	}
	return m.MockGetBucketTagging(ctx, in, opts...)
}

func (m *mockAPI) PutBucketTagging(ctx context.Context, in *s3.PutBucketTaggingInput, opts ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
	m.called("PutBucketTagging", in)
	if m.MockPutBucketTagging == nil {
		return nil, unexpected("PutBucketTagging")
	}
	return m.MockPutBucketTagging(ctx, in, opts...)
}

func (m *mockAPI) GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, opts ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	m.called("GetBucketPolicy", in)
	if m.MockGetBucketPolicy == nil {
		return nil, unexpected("GetBucketPolicy")
	}
	return m.MockGetBucketPolicy(ctx, in, opts...)
}

func (m *mockAPI) PutBucketPolicy(ctx context.Context, in *s3.PutBucketPolicyInput, opts ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
	m.called("PutBucketPolicy", in)
	if m.MockPutBucketPolicy == nil {
		return nil, unexpected("PutBucketPolicy")
	}
	return m.MockPutBucketPolicy(ctx, in, opts...)
}

func (m *mockAPI) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	m.called("ListObjectsV2", in)
	if m.MockListObjectsV2 == nil {
		return nil, unexpected("ListObjectsV2")
	}
	return m.MockListObjectsV2(ctx, in, opts...)
}

func (m *mockAPI) ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, opts ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	m.called("ListObjectVersions", in)
	if m.MockListObjectVersions == nil {
		return nil, unexpected("ListObjectVersions")
	}
	return m.MockListObjectVersions(ctx, in, opts...)
}

func apiError(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "the store says " + code}
}

// httpError is an API error as the SDK returns it from an HTTP answer.
func httpError(status int, code string) error {
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: apiError(code)},
	}
}

// The bucket every test works on, unless an option says otherwise.
const (
	testName    = "my-bucket"
	testUID     = "8f0c6a52-my-bucket-uid"
	testRegion  = "us-west-2"
	testAccount = "111122223333"
	testStore   = "http://minio.storage.svc:9000"
	testPolicy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::my-bucket/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
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
		ObjectMeta: metav1.ObjectMeta{Name: testName, Namespace: "team-a", UID: testUID},
		Spec:       v1alpha1.BucketSpec{ForProvider: v1alpha1.BucketParameters{Region: testRegion}},
	}
	cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	meta.SetExternalName(cr, testName)
	// Made by this resource, as most resources under test were: it
	// carries the provider's mark of its intent to create it, and an
	// untagged external resource is then its own (see unmade).
	meta.SetExternalCreateSucceeded(cr, testCreated)
	ownership.MarkIntent(testKey, cr)
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

func withPolicies(p ...xpv2.ManagementAction) bucketOption {
	return func(cr *v1alpha1.Bucket) { cr.Spec.ManagementPolicies = p }
}

// withoutLateInit sets management policies that do not allow late
// initialisation.
func withoutLateInit() bucketOption {
	return withPolicies(xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete)
}

// deleting marks a resource deleted, at a fixed time: two resources made
// with it compare equal.
func deleting() bucketOption {
	return func(cr *v1alpha1.Bucket) {
		cr.SetDeletionTimestamp(&metav1.Time{Time: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)})
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
		"crossplane-uid":                 testUID,
	}
}

// allTags are the tags configuredBucket() wants on the bucket.
func allTags() map[string]string {
	t := providerTags()
	t["team"] = "storage"
	return t
}

// pending are the tags a create writes first: the provider's and the
// marker saying the secure defaults are still to come.
func pending() map[string]string {
	t := providerTags()
	t["crossplane-secure-defaults"] = "pending"
	return t
}

// managedBy are the tags another Bucket, team-b/data, writes.
func managedBy(uid string) map[string]string {
	return map[string]string{
		"crossplane-kind":                "bucket.s3.aws.appinfra.io",
		"crossplane-name":                "data",
		"crossplane-namespace":           "team-b",
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "ClusterProviderConfig",
		"crossplane-uid":                 uid,
	}
}

// The UIDs of the Bucket team-b/data: the one that exists, and an earlier
// one since deleted, whose bucket was orphaned.
const (
	otherUID = "5d1e7b90-team-b-data-uid"
	goneUID  = "0a2b4c6d-deleted-uid"
)

func scheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, awsv1alpha1.SchemeBuilder.AddToScheme, v1alpha1.SchemeBuilder.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// owners checks ownership against a cluster holding this test's bucket and
// the Bucket team-b/data.
func owners(t *testing.T) ownership.Checker {
	t.Helper()
	kube := fake.NewClientBuilder().WithScheme(scheme(t)).WithObjects(
		bucket(),
		&v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "data", UID: otherUID}},
	).Build()
	return ownership.Checker{
		Kube:     kube,
		Kind:     v1alpha1.BucketGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.BucketList{} },
		Encoding: ownership.Exact,
		Key:      testKey,
	}
}

// config is an AWS config that names its account.
func config() *awsclient.Config {
	return &awsclient.Config{AWS: aws.Config{Region: testRegion}, Spec: awsv1alpha1.ProviderConfigSpec{AccountID: testAccount}}
}

// storeConfig is the config of an S3-compatible store: an endpoint
// override, no account.
func storeConfig() *awsclient.Config {
	return &awsclient.Config{AWS: aws.Config{Region: testRegion}, Spec: awsv1alpha1.ProviderConfigSpec{Endpoint: &awsv1alpha1.Endpoint{URL: testStore}}}
}

// Answers of the calls.

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

func listBuckets(err error) func(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	return func(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
		if err != nil {
			return nil, err
		}
		return &s3.ListBucketsOutput{}, nil
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

func encryptionFails(err error) func(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	return func(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
		return nil, err
	}
}

func publicAccessIs(on bool) func(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	return func(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
		return &s3.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(on), IgnorePublicAcls: aws.Bool(on), BlockPublicPolicy: aws.Bool(on), RestrictPublicBuckets: aws.Bool(on),
		}}, nil
	}
}

func publicAccessFails(err error) func(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	return func(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
		return nil, err
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

// noTags is what S3 answers for a bucket that has never been tagged.
func noTags(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	return nil, apiError("NoSuchTagSet")
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

func publicAccessPutFails(err error) func(context.Context, *s3.PutPublicAccessBlockInput, ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	return func(context.Context, *s3.PutPublicAccessBlockInput, ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
		return nil, err
	}
}

// tagsPut are the tags of each PutBucketTagging m received, in order.
func tagsPut(m *mockAPI) []map[string]string {
	var puts []map[string]string
	for _, in := range m.inputs {
		if in, ok := in.(*s3.PutBucketTaggingInput); ok {
			tags := map[string]string{}
			for _, t := range in.Tagging.TagSet {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			puts = append(puts, tags)
		}
	}
	return puts
}

// applied describes what the encryption and public access block puts m
// received set, in order.
func applied(m *mockAPI) []string {
	var puts []string
	for _, in := range m.inputs {
		switch in := in.(type) {
		case *s3.PutBucketEncryptionInput:
			d := in.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault
			puts = append(puts, "encryption "+string(d.SSEAlgorithm))
		case *s3.PutPublicAccessBlockInput:
			c := in.PublicAccessBlockConfiguration
			puts = append(puts, fmt.Sprintf("public access block %t %t %t %t",
				aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.RestrictPublicBuckets)))
		}
	}
	return puts
}

// Every read, in the order Observe makes them for configuredBucket().
var allReads = []string{"HeadBucket", "GetBucketVersioning", "GetBucketEncryption", "GetPublicAccessBlock", "GetBucketTagging", "GetBucketPolicy"}

// The connection details of my-bucket on AWS and on the store.
var (
	connection = managed.ConnectionDetails{
		"bucket":   []byte(testName),
		"region":   []byte(testRegion),
		"endpoint": []byte("https://s3.us-west-2.amazonaws.com"),
		"arn":      []byte("arn:aws:s3:::my-bucket"),
	}
	storeConnection = managed.ConnectionDetails{
		"bucket":   []byte(testName),
		"region":   []byte(testRegion),
		"endpoint": []byte(testStore),
		"arn":      []byte("arn:aws:s3:::my-bucket"),
	}
)

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
	// A key ID the store echoes in its refusal: it must not reach the error.
	const accessKeyID = "AKIAIOSFODNN7EXAMPLE"
	refused := &smithy.GenericAPIError{Code: "InvalidAccessKeyId", Message: "The AWS Access Key Id " + accessKeyID + " does not exist in our records."}

	type want struct {
		o     managed.ExternalObservation
		diff  bool // whether o.Diff is non-empty
		err   error
		msg   []string
		notIn string // what the error must not contain
		cr    *v1alpha1.Bucket
		calls []string
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		cfg    *awsclient.Config // config() when nil
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
		"PolicyNotJSON": {
			reason: "A policy that is not JSON should be refused before any call: some stores would keep it.",
			api:    inSync(),
			cr:     configuredBucket(withPolicy(`{"Version": "2012-10-17",`)),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{"spec.forProvider.policy is not a JSON document"},
				cr:  configuredBucket(withPolicy(`{"Version": "2012-10-17",`)),
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
			reason: "A bucket these credentials may not see, with credentials the store accepts, probably belongs to another account, and the error should say so.",
			api:    &mockAPI{MockHeadBucket: headFails(apiError("Forbidden")), MockListBuckets: listBuckets(nil)},
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" exists but is not in account ` + testAccount, "another account", "crossplane.io/external-name"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket", "ListBuckets"},
			},
		},
		"ForbiddenOnStore": {
			reason: "Without an account to name, a 403 should still say the name may belong to someone else.",
			api:    &mockAPI{MockHeadBucket: headFails(apiError("AccessDenied")), MockListBuckets: listBuckets(nil)},
			cfg:    storeConfig(),
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" exists but these credentials may not access it`, "another account"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket", "ListBuckets"},
			},
		},
		"ForbiddenListingDenied": {
			reason: "Credentials that may not list buckets are still credentials the store accepted: the error is the usual one.",
			api:    &mockAPI{MockHeadBucket: headFails(apiError("Forbidden")), MockListBuckets: listBuckets(apiError("AccessDenied"))},
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" exists`, "another account"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket", "ListBuckets"},
			},
		},
		"CredentialsRefused": {
			reason: "A 403 on HEAD with credentials the store refuses outright should say so, naming the code and never the key.",
			api:    &mockAPI{MockHeadBucket: headFails(apiError("Forbidden")), MockListBuckets: listBuckets(refused)},
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"the store refused the ProviderConfig's credentials (InvalidAccessKeyId)", "Secret"},
				notIn: accessKeyID,
				cr:    configuredBucket(),
				calls: []string{"HeadBucket", "ListBuckets"},
			},
		},
		"ForbiddenWhileDeleting": {
			reason: "A resource being deleted whose bucket these credentials may not see cannot tell another account's bucket from its own: the error should say how to go without it.",
			api:    &mockAPI{MockHeadBucket: headFails(apiError("Forbidden")), MockListBuckets: listBuckets(nil)},
			cr:     configuredBucket(deleting()),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`bucket "my-bucket" exists but is not in account ` + testAccount, `set spec.managementPolicies to ["Observe"]`},
				cr:    configuredBucket(deleting()),
				calls: []string{"HeadBucket", "ListBuckets"},
			},
		},
		"CredentialsRefusedWhileDeleting": {
			reason: "Refused credentials are to be fixed, not a reason to let a bucket go: the error should not suggest it.",
			api:    &mockAPI{MockHeadBucket: headFails(apiError("Forbidden")), MockListBuckets: listBuckets(refused)},
			cr:     configuredBucket(deleting()),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"the store refused the ProviderConfig's credentials (InvalidAccessKeyId)"},
				notIn: "managementPolicies",
				cr:    configuredBucket(deleting()),
				calls: []string{"HeadBucket", "ListBuckets"},
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
			api:    inSync(func(m *mockAPI) { m.MockGetBucketEncryption = encryptionFails(errBoom) }),
			cr:     configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get bucket serverSideEncryption"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket", "GetBucketVersioning", "GetBucketEncryption"},
			},
		},
		"GetPublicAccessBlockFailed": {
			reason: "A failed public access block read should be returned wrapped.",
			api:    inSync(func(m *mockAPI) { m.MockGetPublicAccessBlock = publicAccessFails(apiError("AccessDenied")) }),
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"cannot get bucket publicAccessBlock", "AccessDenied"},
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
				m.MockGetBucketEncryption = encryptionFails(apiError("ServerSideEncryptionConfigurationNotFoundError"))
				m.MockGetPublicAccessBlock = publicAccessFails(apiError("NoSuchPublicAccessBlockConfiguration"))
				m.MockGetBucketTagging = noTags
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
		"ManagedByAnotherResource": {
			reason: "A bucket whose tags carry the UID of another live Bucket must be refused, naming that Bucket, and the resource left as it was.",
			api:    inSync(func(m *mockAPI) { m.MockGetBucketTagging = tagsAre(managedBy(otherUID)) }),
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"managed by a resource in another namespace", "crossplane.io/external-name"},
				cr:    configuredBucket(),
				calls: allReads,
			},
		},
		"ObserveOnlyIsNotRefused": {
			reason: "A resource that may only observe is never refused: reading a bucket another resource manages is harmless.",
			api:    inSync(func(m *mockAPI) { m.MockGetBucketTagging = tagsAre(managedBy(otherUID)) }),
			cr:     bucket(withPolicies(xpv2.ManagementActionObserve)),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  false,
					ConnectionDetails: connection,
				},
				diff: true,
				cr: bucket(withPolicies(xpv2.ManagementActionObserve),
					withAtProvider(v1alpha1.BucketObservation{
						ARN:      "arn:aws:s3:::my-bucket",
						Region:   testRegion,
						Endpoint: "https://s3.us-west-2.amazonaws.com",
						Tags:     managedBy(otherUID),
					}),
					withConditions(xpv2.Available()),
				),
				calls: []string{"HeadBucket", "GetBucketTagging"},
			},
		},
		"ManagerGone": {
			reason: "A bucket whose tags name a Bucket that no longer exists was orphaned, and may be adopted: its tags are drift.",
			api:    inSync(func(m *mockAPI) { m.MockGetBucketTagging = tagsAre(managedBy(goneUID)) }),
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
						o.Tags = managedBy(goneUID)
						return o
					}()),
					withConditions(xpv2.Available()),
				),
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
		"PendingSecureDefaults": {
			reason: "A bucket whose create stopped before its secure defaults (its tags carry the marker) should be late-initialised with them, not with what the store defaulted to, and not be up to date.",
			api: inSync(func(m *mockAPI) {
				m.MockGetBucketEncryption = encryptionIs(types.ServerSideEncryptionAwsKms, nil)
				m.MockGetPublicAccessBlock = publicAccessIs(false)
				m.MockGetBucketTagging = tagsAre(pending())
			}),
			cr: bucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:          true,
					ResourceUpToDate:        false,
					ResourceLateInitialized: true,
					ConnectionDetails:       connection,
				},
				diff: true,
				cr: bucket(
					withEncryption(v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256}),
					withPublicAccessBlock(true),
					withAtProvider(v1alpha1.BucketObservation{
						ARN:                  "arn:aws:s3:::my-bucket",
						Region:               testRegion,
						Endpoint:             "https://s3.us-west-2.amazonaws.com",
						ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmKMS},
						PublicAccessBlock:    publicAccessBlock(false),
						Tags:                 pending(),
					}),
					withConditions(xpv2.Available()),
				),
				calls: []string{"HeadBucket", "GetBucketEncryption", "GetPublicAccessBlock", "GetBucketTagging"},
			},
		},
		"NotImplementedByStore": {
			reason: "A store that does not implement encryption or the public access block, which the spec leaves unset, should list them as unsupported, neither late-initialise nor compare them.",
			api: inSync(func(m *mockAPI) {
				m.MockHeadBucket = headIn("")
				m.MockGetBucketEncryption = encryptionFails(apiError("NotImplemented"))
				m.MockGetPublicAccessBlock = publicAccessFails(apiError("NotImplemented"))
				m.MockGetBucketTagging = tagsAre(providerTags())
			}),
			cfg: storeConfig(),
			cr:  bucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  true,
					ConnectionDetails: storeConnection,
				},
				cr: bucket(
					withAtProvider(v1alpha1.BucketObservation{
						ARN:                "arn:aws:s3:::my-bucket",
						Region:             testRegion,
						Endpoint:           testStore,
						Tags:               providerTags(),
						UnsupportedByStore: []string{"serverSideEncryption", "publicAccessBlock"},
					}),
					withConditions(xpv2.Available()),
				),
				calls: []string{"HeadBucket", "GetBucketEncryption", "GetPublicAccessBlock", "GetBucketTagging"},
			},
		},
		"NotImplementedButExplicit": {
			reason: "A store that does not implement encryption the spec asks for should be an error saying so.",
			api: inSync(func(m *mockAPI) {
				m.MockHeadBucket = headIn("")
				m.MockGetBucketEncryption = encryptionFails(apiError("NotImplemented"))
			}),
			cfg: storeConfig(),
			cr:  configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"the store does not implement bucket serverSideEncryption", "remove spec.forProvider.serverSideEncryption"},
				cr:    configuredBucket(),
				calls: []string{"HeadBucket", "GetBucketVersioning", "GetBucketEncryption"},
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
			cfg:    storeConfig(),
			cr:     configuredBucket(),
			want: want{
				o: managed.ExternalObservation{
					ResourceExists:    true,
					ResourceUpToDate:  true,
					ConnectionDetails: storeConnection,
				},
				cr: configuredBucket(
					withAtProvider(func() v1alpha1.BucketObservation {
						o := upToDateObservation
						o.Endpoint = testStore
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
			if cfg == nil {
				cfg = config()
			}
			e := &external{s3: tc.api, cfg: cfg, record: &reconcilertest.Recorder{}, owners: owners(t)}
			got, err := e.Observe(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nObserve(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if tc.want.notIn != "" && reconcilertest.ErrorContains(err, []string{tc.want.notIn}) {
				t.Errorf("\n%s\nObserve(...): error %v must not contain %q", tc.reason, err, tc.want.notIn)
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

func TestForbiddenChecksCredentialsOnce(t *testing.T) {
	// Each reconcile gets a new external; the config, and what was learnt
	// with it, is shared until the config changes.
	cfg := config()
	m := &mockAPI{MockHeadBucket: headFails(apiError("Forbidden")), MockListBuckets: listBuckets(apiError("SignatureDoesNotMatch"))}
	for i := range 2 {
		e := &external{s3: m, cfg: cfg, record: &reconcilertest.Recorder{}, owners: owners(t)}
		_, err := e.Observe(context.Background(), bucket())
		if !reconcilertest.ErrorContains(err, []string{"refused the ProviderConfig's credentials (SignatureDoesNotMatch)"}) {
			t.Errorf("Observe #%d: error %v should say the credentials were refused", i+1, err)
		}
	}
	want := []string{"HeadBucket", "ListBuckets", "HeadBucket"}
	if diff := cmp.Diff(want, m.calls); diff != "" {
		t.Errorf("Two Observes with one config should list buckets once: -want calls, +got calls:\n%s", diff)
	}
}

func TestCreate(t *testing.T) {
	created := managed.ExternalCreation{ConnectionDetails: connection}
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
	// What marks the bucket as ours comes first, then the rest in order.
	allPuts := []string{"CreateBucket", "GetBucketTagging", "PutBucketTagging", "PutBucketVersioning", "PutBucketEncryption", "PutPublicAccessBlock", "PutBucketTagging", "PutBucketPolicy"}
	secureDefaults := []string{"encryption AES256", "public access block true true true true"}
	adopted := []string{"CreateBucket", "GetBucketTagging"}

	type want struct {
		c       managed.ExternalCreation
		err     error
		msg     []string
		cr      *v1alpha1.Bucket
		calls   []string
		tags    []map[string]string // of each PutBucketTagging, in order
		applied []string            // encryption and public access block puts, in order
		events  []event.Event       // Message and Annotations ignored
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		cfg    *awsclient.Config // config() when nil
		// allow is the config's adoption policy: AllowUntagged.
		allow bool
		cr    *v1alpha1.Bucket
		want  want
	}{
		"InvalidExternalName": {
			reason: "An external name S3 would refuse should be an error, before any call.",
			api:    withPuts(&mockAPI{MockCreateBucket: createOK, MockGetBucketTagging: noTags}),
			cr:     bucket(withExternalName("192.168.5.4")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{"not a valid S3 bucket name", "IP address"},
				cr:  bucket(withExternalName("192.168.5.4")),
			},
		},
		"PolicyNotJSON": {
			reason: "A policy that is not JSON should be refused before any call, so that no bucket is left half made.",
			api:    withPuts(&mockAPI{MockCreateBucket: createOK, MockGetBucketTagging: noTags}),
			cr:     configuredBucket(withPolicy("Deny everyone")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{"spec.forProvider.policy is not a JSON document"},
				cr:  configuredBucket(withPolicy("Deny everyone")),
			},
		},
		"Success": {
			reason: "Create should create the bucket, check it has no tags, mark it as ours with the pending marker and no user tags, then apply every configured sub-configuration, tags last without the marker.",
			api: withPuts(&mockAPI{
				MockCreateBucket:     createOK,
				MockGetBucketTagging: noTags,
				MockPutBucketPolicy: func(_ context.Context, in *s3.PutBucketPolicyInput, _ ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
					if got := aws.ToString(in.Policy); got != testPolicy {
						return nil, errors.Errorf("PutBucketPolicy: policy %s, want %s", got, testPolicy)
					}
					return &s3.PutBucketPolicyOutput{}, nil
				},
			}),
			cr: configuredBucket(),
			want: want{
				c:       created,
				cr:      configuredBucket(withConditions(xpv2.Creating()), createdHere()),
				calls:   allPuts,
				tags:    []map[string]string{pending(), allTags()},
				applied: []string{"encryption AES256", "public access block true true true true"},
			},
		},
		"SecureDefaults": {
			reason: "A spec that sets nothing should create the bucket with AES256, every public access block and the provider's tags.",
			api:    withPuts(&mockAPI{MockCreateBucket: createOK, MockGetBucketTagging: noTags}),
			cr:     bucket(),
			want: want{
				c:       created,
				cr:      bucket(withConditions(xpv2.Creating()), createdHere()),
				calls:   []string{"CreateBucket", "GetBucketTagging", "PutBucketTagging", "PutBucketEncryption", "PutPublicAccessBlock", "PutBucketTagging"},
				tags:    []map[string]string{pending(), providerTags()},
				applied: secureDefaults,
			},
		},
		"AlreadyOwnedByYou": {
			reason: "A bucket this account already owns, untagged, was made outside Crossplane: a resource that may write must not take it over through a config that refuses untagged adoption; its intent to create is dropped, as this create did not make it.",
			api:    withPuts(&mockAPI{MockCreateBucket: createFails(apiError("BucketAlreadyOwnedByYou")), MockGetBucketTagging: noTags}),
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`cannot adopt bucket "my-bucket"`, "carries none of the provider's crossplane- tags", "AllowUntagged"},
				cr:    configuredBucket(withConditions(xpv2.Creating()), intentDropped()),
				calls: adopted,
			},
		},
		"AlreadyOwnedByYouAllowUntagged": {
			reason: "Through a config whose adoption is AllowUntagged, an untagged bucket this account owns is adopted: Create should succeed without a put, leaving it to be late-initialised rather than given secure defaults.",
			api:    withPuts(&mockAPI{MockCreateBucket: createFails(apiError("BucketAlreadyOwnedByYou")), MockGetBucketTagging: noTags}),
			cr:     configuredBucket(),
			allow:  true,
			want: want{
				cr:    configuredBucket(withConditions(xpv2.Creating()), intentDropped()),
				calls: adopted,
			},
		},
		"AlreadyOwnedByYouManagedByAnother": {
			reason: "A bucket this account already owns but another live Bucket manages must be refused, without a put.",
			api:    withPuts(&mockAPI{MockCreateBucket: createFails(apiError("BucketAlreadyOwnedByYou")), MockGetBucketTagging: tagsAre(managedBy(otherUID))}),
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`cannot adopt bucket "my-bucket"`, "managed by a resource in another namespace"},
				cr:    configuredBucket(withConditions(xpv2.Creating()), intentDropped()),
				calls: adopted,
			},
		},
		"CreatedButManagedByAnother": {
			reason: "A store that answers success for a bucket that exists (as some do) must not hand over a bucket another live Bucket manages: its tags give it away.",
			api:    withPuts(&mockAPI{MockCreateBucket: createOK, MockGetBucketTagging: tagsAre(managedBy(otherUID))}),
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{`cannot adopt bucket "my-bucket"`, "managed by a resource in another namespace"},
				cr:    configuredBucket(withConditions(xpv2.Creating()), intentDropped()),
				calls: adopted,
			},
		},
		"CreatedButOrphaned": {
			reason: "A bucket with the tags of a Bucket since deleted may be adopted, as Observe would: no put, no secure defaults.",
			api:    withPuts(&mockAPI{MockCreateBucket: createOK, MockGetBucketTagging: tagsAre(managedBy(goneUID))}),
			cr:     configuredBucket(),
			want: want{
				cr:    configuredBucket(withConditions(xpv2.Creating()), intentDropped()),
				calls: adopted,
			},
		},
		"RetriedCreate": {
			reason: "A create retried after one that tagged the bucket finds its own tags: the bucket is ours, and the next Observe applies the pending secure defaults.",
			api:    withPuts(&mockAPI{MockCreateBucket: createFails(apiError("BucketAlreadyOwnedByYou")), MockGetBucketTagging: tagsAre(pending())}),
			cr:     bucket(),
			want: want{
				cr:    bucket(withConditions(xpv2.Creating()), intentDropped()),
				calls: adopted,
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
		"CreateRefused": {
			reason: "A create S3 refuses (a 4xx) made no bucket: the mark of the intent to make one goes, so that it cannot stand for a bucket someone else makes under this name later.",
			api:    withPuts(&mockAPI{MockCreateBucket: createFails(httpError(400, "InvalidLocationConstraint"))}),
			cr:     configuredBucket(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"cannot create bucket", "InvalidLocationConstraint"},
				cr:    configuredBucket(withConditions(xpv2.Creating()), intentDropped()),
				calls: []string{"CreateBucket"},
			},
		},
		"CreateFailed": {
			reason: "Any other CreateBucket error (no answer, whose bucket may have been made) should be returned wrapped, nothing applied, and the mark kept.",
			api:    withPuts(&mockAPI{MockCreateBucket: createFails(errBoom)}),
			cr:     configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot create bucket: boom"},
				cr:    configuredBucket(withConditions(xpv2.Creating())),
				calls: []string{"CreateBucket"},
			},
		},
		"GetTagsFailed": {
			reason: "A bucket whose tags cannot be read may belong to another resource: nothing should be applied.",
			api: withPuts(&mockAPI{
				MockCreateBucket: createOK,
				MockGetBucketTagging: func(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
					return nil, errBoom
				},
			}),
			cr: configuredBucket(),
			want: want{
				err:   errBoom,
				cr:    configuredBucket(withConditions(xpv2.Creating()), createdHere()),
				calls: adopted,
			},
		},
		"MarkFailed": {
			reason: "A failed first tag write should be returned wrapped, and nothing applied after it.",
			api: withPuts(&mockAPI{
				MockCreateBucket:     createOK,
				MockGetBucketTagging: noTags,
				MockPutBucketTagging: func(context.Context, *s3.PutBucketTaggingInput, ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
					return nil, errBoom
				},
			}),
			cr: configuredBucket(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot set bucket tags: boom"},
				cr:    configuredBucket(withConditions(xpv2.Creating()), createdHere()),
				calls: []string{"CreateBucket", "GetBucketTagging", "PutBucketTagging"},
				tags:  []map[string]string{pending()},
			},
		},
		"PutFailed": {
			reason: "A failed put should be returned wrapped with the field it sets, and stop the puts after it: the marker stays, for Observe to finish.",
			api: withPuts(&mockAPI{
				MockCreateBucket:         createOK,
				MockGetBucketTagging:     noTags,
				MockPutPublicAccessBlock: publicAccessPutFails(errBoom),
			}),
			cr: configuredBucket(),
			want: want{
				err:     errBoom,
				msg:     []string{"cannot set bucket publicAccessBlock: boom"},
				cr:      configuredBucket(withConditions(xpv2.Creating()), createdHere()),
				calls:   allPuts[:6],
				tags:    []map[string]string{pending()},
				applied: secureDefaults,
			},
		},
		"NotImplementedByStore": {
			reason: "A store that does not implement the public access block should have that secure default skipped with a Warning event, and the create succeed.",
			api: withPuts(&mockAPI{
				MockCreateBucket:         createOK,
				MockGetBucketTagging:     noTags,
				MockPutPublicAccessBlock: publicAccessPutFails(apiError("NotImplemented")),
			}),
			cfg: storeConfig(),
			cr:  bucket(),
			want: want{
				c:       managed.ExternalCreation{ConnectionDetails: storeConnection},
				cr:      bucket(withConditions(xpv2.Creating()), createdHere()),
				calls:   []string{"CreateBucket", "GetBucketTagging", "PutBucketTagging", "PutBucketEncryption", "PutPublicAccessBlock", "PutBucketTagging"},
				tags:    []map[string]string{pending(), providerTags()},
				applied: secureDefaults,
				events:  []event.Event{{Type: event.TypeWarning, Reason: ReasonNotImplemented}},
			},
		},
		"NotImplementedButExplicit": {
			reason: "A store that does not implement a public access block the spec asks for should be an error saying so.",
			api: withPuts(&mockAPI{
				MockCreateBucket:         createOK,
				MockGetBucketTagging:     noTags,
				MockPutPublicAccessBlock: publicAccessPutFails(apiError("NotImplemented")),
			}),
			cfg: storeConfig(),
			cr:  configuredBucket(),
			want: want{
				err:     cmpopts.AnyError,
				msg:     []string{"the store does not implement bucket publicAccessBlock", "remove spec.forProvider.publicAccessBlock"},
				cr:      configuredBucket(withConditions(xpv2.Creating()), createdHere()),
				calls:   allPuts[:6],
				tags:    []map[string]string{pending()},
				applied: secureDefaults,
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := tc.cfg
			if cfg == nil {
				cfg = config()
			}
			r := &reconcilertest.Recorder{}
			o := owners(t)
			o.AllowUntagged = tc.allow
			e := &external{s3: tc.api, cfg: cfg, record: r, owners: o}
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
			if diff := cmp.Diff(tc.want.tags, tagsPut(tc.api)); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want tags put, +got tags put:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.applied, applied(tc.api)); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want encryption and public access block puts, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.events, r.Events, cmpopts.IgnoreFields(event.Event{}, "Message", "Annotations")); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want events, +got events:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	// seen is what Observe read of a bucket matching configuredBucket().
	seen := func(mods ...func(*v1alpha1.BucketParameters)) *observed {
		p := desired(configuredBucket())
		p.Policy = ptr.To(testPolicyAsReturned)
		for _, m := range mods {
			m(&p)
		}
		return &observed{params: p}
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
		observed *observed
		cr       *v1alpha1.Bucket
		want     want
	}{
		"NoDrift": {
			reason:   "A bucket that matches the spec should cause no call and no event.",
			api:      withPuts(&mockAPI{}),
			observed: seen(),
			cr:       configuredBucket(),
			want:     want{},
		},
		"Drift": {
			reason: "Update should record one event naming only the drifted fields, then put only those.",
			api:    withPuts(&mockAPI{}),
			observed: seen(func(p *v1alpha1.BucketParameters) {
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
			observed: seen(func(p *v1alpha1.BucketParameters) { p.Policy = nil }),
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
			e := &external{s3: tc.api, cfg: config(), record: r, owners: owners(t), observed: tc.observed}
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

// TestFinishPendingCreate follows a bucket whose create stopped after the
// marker was written: the reconciler's Observe, then its Update.
func TestFinishPendingCreate(t *testing.T) {
	type want struct {
		upToDate bool
		lateInit bool
		spec     v1alpha1.BucketParameters // after Observe
		calls    []string                  // of Update
		tags     []map[string]string       // put by Update
		applied  []string                  // encryption and public access block puts of Update
		drift    []string                  // fields Update's event names
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		cfg    *awsclient.Config
		cr     *v1alpha1.Bucket
		want   want
	}{
		"LateInitializesSecureDefaults": {
			reason: "With LateInitialize allowed, the spec takes the secure defaults rather than the store's own settings, and Update applies them and removes the marker.",
			api: withPuts(inSync(func(m *mockAPI) {
				m.MockGetBucketEncryption = encryptionIs(types.ServerSideEncryptionAwsKms, nil)
				m.MockGetPublicAccessBlock = publicAccessIs(false)
				m.MockGetBucketTagging = tagsAre(pending())
			})),
			cfg: config(),
			cr:  bucket(),
			want: want{
				lateInit: true,
				spec: v1alpha1.BucketParameters{
					Region:               testRegion,
					ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256},
					PublicAccessBlock:    publicAccessBlock(true),
				},
				calls:   []string{"PutBucketEncryption", "PutPublicAccessBlock", "PutBucketTagging"},
				tags:    []map[string]string{providerTags()},
				applied: []string{"encryption AES256", "public access block true true true true"},
				drift:   []string{"serverSideEncryption", "publicAccessBlock", "tags"},
			},
		},
		"WithoutLateInit": {
			reason: "Without LateInitialize the spec is left alone, but the secure defaults are still wanted, and applied.",
			api:    withPuts(inSync(func(m *mockAPI) { m.MockGetBucketTagging = tagsAre(pending()) })),
			cfg:    config(),
			cr:     bucket(withoutLateInit()),
			want: want{
				spec:    v1alpha1.BucketParameters{Region: testRegion},
				calls:   []string{"PutBucketEncryption", "PutPublicAccessBlock", "PutBucketTagging"},
				tags:    []map[string]string{providerTags()},
				applied: []string{"encryption AES256", "public access block true true true true"},
				drift:   []string{"serverSideEncryption", "publicAccessBlock", "tags"},
			},
		},
		"StoreWithoutEncryption": {
			reason: "On a store that implements neither encryption nor the public access block, only the marker is left to remove.",
			api: withPuts(inSync(func(m *mockAPI) {
				m.MockGetBucketEncryption = encryptionFails(apiError("NotImplemented"))
				m.MockGetPublicAccessBlock = publicAccessFails(apiError("NotImplemented"))
				m.MockGetBucketTagging = tagsAre(pending())
			})),
			cfg: storeConfig(),
			cr:  bucket(),
			want: want{
				spec:  v1alpha1.BucketParameters{Region: testRegion},
				calls: []string{"PutBucketTagging"},
				tags:  []map[string]string{providerTags()},
				drift: []string{"tags"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &reconcilertest.Recorder{}
			e := &external{s3: tc.api, cfg: tc.cfg, record: r, owners: owners(t)}
			o, err := e.Observe(context.Background(), tc.cr)
			if err != nil {
				t.Fatalf("\n%s\nObserve(...): %v", tc.reason, err)
			}
			if o.ResourceUpToDate != tc.want.upToDate || o.ResourceLateInitialized != tc.want.lateInit {
				t.Errorf("\n%s\nObserve(...): up to date %t, late-initialised %t; want %t, %t", tc.reason, o.ResourceUpToDate, o.ResourceLateInitialized, tc.want.upToDate, tc.want.lateInit)
			}
			if diff := cmp.Diff(tc.want.spec, tc.cr.Spec.ForProvider); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}

			reads := len(tc.api.calls)
			if _, err := e.Update(context.Background(), tc.cr); err != nil {
				t.Fatalf("\n%s\nUpdate(...): %v", tc.reason, err)
			}
			tc.api.calls, tc.api.inputs = tc.api.calls[reads:], tc.api.inputs[reads:]
			if diff := cmp.Diff(tc.want.calls, tc.api.calls); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.tags, tagsPut(tc.api)); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want tags put, +got tags put:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.applied, applied(tc.api)); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want encryption and public access block puts, +got:\n%s", tc.reason, diff)
			}
			want := []event.Event{{Type: event.TypeNormal, Reason: "DriftDetected", Message: "External resource differs from the spec in " + strings.Join(tc.want.drift, ", ") + "; updating"}}
			if diff := cmp.Diff(want, r.Events, cmpopts.IgnoreFields(event.Event{}, "Annotations")); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want events, +got events:\n%s", tc.reason, diff)
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
			e := &external{s3: tc.api, cfg: config(), record: &reconcilertest.Recorder{}, owners: owners(t)}
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

func TestExpectedBucketOwner(t *testing.T) {
	// every is each operation whose input has ExpectedBucketOwner, and
	// which account it should name.
	every := func(account string) map[string]string {
		m := map[string]string{}
		for _, op := range []string{
			"HeadBucket", "DeleteBucket",
			"GetBucketVersioning", "GetBucketEncryption", "GetPublicAccessBlock", "GetBucketTagging", "GetBucketPolicy",
			"PutBucketVersioning", "PutBucketEncryption", "PutPublicAccessBlock", "PutBucketTagging", "PutBucketPolicy",
		} {
			m[op] = account
		}
		return m
	}
	cases := map[string]struct {
		reason string
		cfg    *awsclient.Config
		want   map[string]string
	}{
		"AccountID": {
			reason: "With the config's account known, every call that can say which account must own the bucket should say it.",
			cfg:    config(),
			want:   every(testAccount),
		},
		"EndpointOverride": {
			reason: "An S3-compatible store has no accounts: no call should name one.",
			cfg:    storeConfig(),
			want:   every(""),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			// Each reconcile on its own external, as the reconciler does.
			observe := inSync(func(m *mockAPI) { m.MockHeadBucket = headIn("") })
			create := withPuts(&mockAPI{MockCreateBucket: func(context.Context, *s3.CreateBucketInput, ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
				return &s3.CreateBucketOutput{}, nil
			}, MockGetBucketTagging: noTags})
			remove := &mockAPI{MockDeleteBucket: func(context.Context, *s3.DeleteBucketInput, ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
				return &s3.DeleteBucketOutput{}, nil
			}}
			if _, err := (&external{s3: observe, cfg: tc.cfg, owners: owners(t)}).Observe(ctx, configuredBucket()); err != nil {
				t.Fatalf("Observe(...): %v", err)
			}
			if _, err := (&external{s3: create, cfg: tc.cfg, owners: owners(t), record: &reconcilertest.Recorder{}}).Create(ctx, configuredBucket()); err != nil {
				t.Fatalf("Create(...): %v", err)
			}
			if _, err := (&external{s3: remove, cfg: tc.cfg, owners: owners(t)}).Delete(ctx, configuredBucket()); err != nil {
				t.Fatalf("Delete(...): %v", err)
			}

			got := map[string]string{}
			for _, m := range []*mockAPI{observe, create, remove} {
				for i, in := range m.inputs {
					f := reflect.ValueOf(in).Elem().FieldByName("ExpectedBucketOwner")
					if !f.IsValid() {
						continue // CreateBucket, ListBuckets
					}
					op, owner := m.calls[i], aws.ToString(f.Interface().(*string))
					if prev, ok := got[op]; ok && prev != owner {
						t.Errorf("\n%s\n%s: ExpectedBucketOwner %q in one call, %q in another", tc.reason, op, prev, owner)
					}
					got[op] = owner
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\n-want ExpectedBucketOwner by operation, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnect(t *testing.T) {
	const secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	cfgObj := &awsv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "default", UID: "default-uid", Generation: 1},
		Spec: awsv1alpha1.ProviderConfigSpec{
			Region:    "us-east-1",
			AccountID: testAccount,
			Credentials: awsv1alpha1.Credentials{
				Source:    awsv1alpha1.CredentialsSourceSecret,
				SecretRef: &common.SecretKeySelector{Name: "aws-creds", Namespace: "crossplane-system", Key: "credentials"},
			},
		},
	}
	creds := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "crossplane-system", Name: "aws-creds"},
		Data: map[string][]byte{"credentials": []byte("[default]\n" +
			"aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n" +
			"aws_secret_access_key = " + secretAccessKey + "\n")},
	}

	type want struct {
		tracked bool
		err     error
		msg     []string
	}
	cases := map[string]struct {
		reason   string
		objects  []client.Object
		cr       *v1alpha1.Bucket
		trackErr error
		want     want
	}{
		"Live": {
			reason:  "A live resource should have its use of the ProviderConfig tracked, and get an S3 client built for its region from that config.",
			objects: []client.Object{cfgObj, creds},
			cr:      bucket(),
			want:    want{tracked: true},
		},
		"Deleting": {
			reason:  "A resource being deleted must not track usage: in a namespace being deleted the API server refuses new objects.",
			objects: []client.Object{cfgObj, creds},
			cr:      bucket(deleting()),
			want:    want{tracked: false},
		},
		"TrackFailed": {
			reason:   "A failure to track the ProviderConfig's use should be returned wrapped.",
			objects:  []client.Object{cfgObj, creds},
			cr:       bucket(),
			trackErr: errBoom,
			want:     want{tracked: true, err: errBoom, msg: []string{"cannot track ProviderConfig usage"}},
		},
		"NoProviderConfig": {
			reason: "A ProviderConfig that does not exist should be an error naming it.",
			cr:     bucket(),
			want:   want{tracked: true, err: cmpopts.AnyError, msg: []string{`cannot get ClusterProviderConfig "default"`}},
		},
		"NoCredentialsSecret": {
			reason:  "A credentials Secret that does not exist should be an error naming it.",
			objects: []client.Object{cfgObj},
			cr:      bucket(),
			want:    want{tracked: true, err: cmpopts.AnyError, msg: []string{"cannot get credentials Secret crossplane-system/aws-creds"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			kube := fake.NewClientBuilder().WithScheme(scheme(t)).WithObjects(tc.objects...).Build()
			tracked := false
			usage := resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error {
				tracked = true
				if !tc.want.tracked {
					t.Errorf("\n%s\nConnect(...): tracked usage of a resource being deleted", tc.reason)
				}
				return tc.trackErr
			})
			var built []*awsclient.Config
			m := &mockAPI{MockDeleteBucket: func(context.Context, *s3.DeleteBucketInput, ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
				return &s3.DeleteBucketOutput{}, nil
			}}
			newAPI := func(cfg *awsclient.Config) api {
				built = append(built, cfg)
				return m
			}
			c := connector(usage, awsclient.NewClients(kube, kube, providerconfig.EndpointPolicy{}, nil), newAPI, &reconcilertest.Recorder{}, owners(t))

			got, err := c.Connect(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nConnect(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if reconcilertest.ErrorContains(err, []string{secretAccessKey}) {
				t.Errorf("\n%s\nConnect(...): error %v must not contain the secret access key", tc.reason, err)
			}
			if tracked != tc.want.tracked {
				t.Errorf("\n%s\nConnect(...): tracked usage %t, want %t", tc.reason, tracked, tc.want.tracked)
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
			if diff := cmp.Diff("default", built[0].ProviderConfigName); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want ProviderConfigName, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(testRegion, built[0].AWS.Region); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want region, +got region:\n%s", tc.reason, diff)
			}
			// The external uses the client built, for the config's account.
			if _, err := got.Delete(context.Background(), tc.cr); err != nil {
				t.Fatalf("\n%s\nDelete(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff([]string{"DeleteBucket"}, m.calls); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			if got := aws.ToString(m.inputs[0].(*s3.DeleteBucketInput).ExpectedBucketOwner); got != testAccount {
				t.Errorf("\n%s\nDelete(...): ExpectedBucketOwner %q, want the config's account %q", tc.reason, got, testAccount)
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

// testCreated is when the resources under test were created.
var testCreated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// unmade is a resource that has not made its external resource (it names
// one made elsewhere): an untagged one is not its.
func unmade() bucketOption {
	return func(cr *v1alpha1.Bucket) {
		meta.RemoveAnnotations(cr, meta.AnnotationKeyExternalCreateSucceeded, ownership.AnnotationIntent)
	}
}

// testKey is the provider's key in these tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// intentDropped is a Bucket whose Create found its bucket already there:
// it did not make it, and loses the mark of its intent to.
func intentDropped() bucketOption {
	return func(cr *v1alpha1.Bucket) { meta.RemoveAnnotations(cr, ownership.AnnotationIntent) }
}

// createdHere is a Bucket the provider was about to create a bucket for:
// it carries the provider's mark of that intent (saved before Create), so
// that a failure before the bucket is tagged does not make it look made
// elsewhere.
func createdHere() bucketOption {
	return func(cr *v1alpha1.Bucket) { ownership.MarkIntent(testKey, cr) }
}
