package s3bucket

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/utils/ptr"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

// params is a BucketParameters that sets every sub-configuration.
func params(mods ...func(*v1alpha1.BucketParameters)) v1alpha1.BucketParameters {
	p := v1alpha1.BucketParameters{
		Region:               testRegion,
		Versioning:           ptr.To(v1alpha1.VersioningEnabled),
		ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256},
		PublicAccessBlock:    publicAccessBlock(true),
		Tags:                 map[string]string{"team": "storage"},
		Policy:               ptr.To(testPolicy),
	}
	for _, m := range mods {
		m(&p)
	}
	return p
}

func TestConfigured(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      v1alpha1.BucketParameters
		want   []string
	}{
		"Nothing": {
			reason: "Parameters that set no sub-configuration configure nothing.",
			p:      v1alpha1.BucketParameters{Region: testRegion},
		},
		"Everything": {
			reason: "Every sub-configuration set is listed, in the order they are applied.",
			p:      params(),
			want:   []string{"versioning", "serverSideEncryption", "publicAccessBlock", "tags", "policy"},
		},
		"EmptyTags": {
			reason: "An empty, non-nil tag map still configures tags: it means no tags.",
			p:      v1alpha1.BucketParameters{Tags: map[string]string{}},
			want:   []string{"tags"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := configured(tc.p)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nconfigured(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDrifted(t *testing.T) {
	cases := map[string]struct {
		reason string
		want   v1alpha1.BucketParameters
		got    v1alpha1.BucketParameters
		drift  []string
	}{
		"Matches": {
			reason: "A bucket that matches every configured sub-configuration has not drifted.",
			want:   params(),
			got:    params(func(p *v1alpha1.BucketParameters) { p.Policy = ptr.To(testPolicyAsReturned) }),
		},
		"UnsetIsIgnored": {
			reason: "What want leaves unset is not compared.",
			want:   v1alpha1.BucketParameters{Region: testRegion},
			got:    params(),
		},
		"VersioningDiffers": {
			reason: "Different versioning is drift.",
			want:   params(),
			got:    params(func(p *v1alpha1.BucketParameters) { p.Versioning = ptr.To(v1alpha1.VersioningSuspended) }),
			drift:  []string{"versioning"},
		},
		"VersioningNeverSet": {
			reason: "A bucket that was never versioned reports an empty status, which differs from Suspended.",
			want:   params(func(p *v1alpha1.BucketParameters) { p.Versioning = ptr.To(v1alpha1.VersioningSuspended) }),
			got:    params(func(p *v1alpha1.BucketParameters) { p.Versioning = ptr.To("") }),
			drift:  []string{"versioning"},
		},
		"EncryptionAbsent": {
			reason: "A bucket without default encryption has drifted from one that wants it.",
			want:   params(),
			got:    params(func(p *v1alpha1.BucketParameters) { p.ServerSideEncryption = nil }),
			drift:  []string{"serverSideEncryption"},
		},
		"PublicAccessBlockDiffers": {
			reason: "One public access setting off is drift.",
			want:   params(),
			got: params(func(p *v1alpha1.BucketParameters) {
				p.PublicAccessBlock = publicAccessBlock(true)
				p.PublicAccessBlock.RestrictPublicBuckets = false
			}),
			drift: []string{"publicAccessBlock"},
		},
		"PublicAccessBlockAbsent": {
			reason: "A bucket without a public access block has drifted from one that wants it.",
			want:   params(),
			got:    params(func(p *v1alpha1.BucketParameters) { p.PublicAccessBlock = nil }),
			drift:  []string{"publicAccessBlock"},
		},
		"ExtraTag": {
			reason: "A tag on the bucket the spec does not name is drift: tags are set as a whole.",
			want:   params(),
			got:    params(func(p *v1alpha1.BucketParameters) { p.Tags = map[string]string{"team": "storage", "owner": "bob"} }),
			drift:  []string{"tags"},
		},
		"PolicyDiffers": {
			reason: "A policy with different content is drift.",
			want:   params(),
			got:    params(func(p *v1alpha1.BucketParameters) { p.Policy = ptr.To(strings.Replace(testPolicy, "Deny", "Allow", 1)) }),
			drift:  []string{"policy"},
		},
		"PolicyAbsent": {
			reason: "A bucket without a policy has drifted from one that wants it.",
			want:   params(),
			got:    params(func(p *v1alpha1.BucketParameters) { p.Policy = nil }),
			drift:  []string{"policy"},
		},
		"Everything": {
			reason: "Every drifted field is listed, in the order they are applied.",
			want:   params(),
			got:    v1alpha1.BucketParameters{Region: testRegion},
			drift:  []string{"versioning", "serverSideEncryption", "publicAccessBlock", "tags", "policy"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := drifted(tc.want, tc.got)
			if diff := cmp.Diff(tc.drift, got); diff != "" {
				t.Errorf("\n%s\ndrifted(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	cases := map[string]struct {
		reason string
		want   v1alpha1.BucketParameters
		got    v1alpha1.BucketParameters
		empty  bool
	}{
		"NoDrift": {
			reason: "No drift is an empty diff, even if the bucket has settings want leaves unset.",
			want:   v1alpha1.BucketParameters{Region: testRegion, Tags: map[string]string{"a": "b"}},
			got:    params(func(p *v1alpha1.BucketParameters) { p.Tags = map[string]string{"a": "b"} }),
			empty:  true,
		},
		"Drift": {
			reason: "Drift is a non-empty diff.",
			want:   params(),
			got:    params(func(p *v1alpha1.BucketParameters) { p.Versioning = ptr.To(v1alpha1.VersioningSuspended) }),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := diff(tc.want, tc.got)
			if (got == "") != tc.empty {
				t.Errorf("\n%s\ndiff(...): got %q, want empty: %t", tc.reason, got, tc.empty)
			}
		})
	}
}

func TestEncryptionMatches(t *testing.T) {
	kms := func(key *string, bucketKey *bool) v1alpha1.ServerSideEncryption {
		return v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmKMS, KMSKeyID: key, BucketKeyEnabled: bucketKey}
	}
	cases := map[string]struct {
		reason string
		want   v1alpha1.ServerSideEncryption
		got    *v1alpha1.ServerSideEncryption
		match  bool
	}{
		"Absent": {
			reason: "No encryption on the bucket does not match.",
			want:   kms(nil, nil),
		},
		"AlgorithmDiffers": {
			reason: "A different algorithm does not match.",
			want:   kms(nil, nil),
			got:    &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256},
		},
		"KeyUnset": {
			reason: "A key want leaves unset is S3's choice, so any key matches.",
			want:   kms(nil, nil),
			got:    ptr.To(kms(ptr.To("arn:aws:kms:us-west-2:111122223333:key/abc"), ptr.To(true))),
			match:  true,
		},
		"KeyMatches": {
			reason: "The same key matches.",
			want:   kms(ptr.To("alias/data"), nil),
			got:    ptr.To(kms(ptr.To("alias/data"), nil)),
			match:  true,
		},
		"KeyDiffers": {
			reason: "A different key does not match.",
			want:   kms(ptr.To("alias/data"), nil),
			got:    ptr.To(kms(ptr.To("alias/other"), nil)),
		},
		"KeyMissing": {
			reason: "A key want names but the bucket does not use does not match.",
			want:   kms(ptr.To("alias/data"), nil),
			got:    ptr.To(kms(nil, nil)),
		},
		"BucketKeyDiffers": {
			reason: "A different bucket key setting does not match.",
			want:   kms(nil, ptr.To(true)),
			got:    ptr.To(kms(nil, ptr.To(false))),
		},
		"BucketKeyOffUnreported": {
			reason: "A bucket that does not report its bucket key setting has it off.",
			want:   kms(nil, ptr.To(false)),
			got:    ptr.To(kms(nil, nil)),
			match:  true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := encryptionMatches(tc.want, tc.got)
			if diff := cmp.Diff(tc.match, got); diff != "" {
				t.Errorf("\n%s\nencryptionMatches(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPoliciesEqual(t *testing.T) {
	cases := map[string]struct {
		reason string
		a, b   string
		equal  bool
	}{
		"Whitespace": {
			reason: "Whitespace between JSON tokens does not matter.",
			a:      `{"Version":"2012-10-17","Statement":[]}`,
			b:      "{\n  \"Version\" : \"2012-10-17\",\n  \"Statement\" : [ ]\n}",
			equal:  true,
		},
		"KeyOrder": {
			reason: "The order of object keys does not matter.",
			a:      `{"Version":"2012-10-17","Id":"x"}`,
			b:      `{"Id":"x","Version":"2012-10-17"}`,
			equal:  true,
		},
		"OneElementListIsScalar": {
			reason: "A one-element list equals its element, as IAM writes it.",
			a:      `{"Action":["s3:GetObject"],"Statement":[{"Effect":"Allow"}]}`,
			b:      `{"Action":"s3:GetObject","Statement":{"Effect":"Allow"}}`,
			equal:  true,
		},
		"AccountRootPrincipal": {
			reason: "S3 stores an account ID principal as the account's root ARN; the two are the same principal.",
			a:      `{"Statement":[{"Principal":{"AWS":"123456789012"}}]}`,
			b:      `{"Statement":[{"Principal":{"AWS":"arn:aws:iam::123456789012:root"}}]}`,
			equal:  true,
		},
		"OtherAccountRoot": {
			reason: "Different accounts are different principals.",
			a:      `{"Statement":[{"Principal":{"AWS":"123456789012"}}]}`,
			b:      `{"Statement":[{"Principal":{"AWS":"arn:aws:iam::210987654321:root"}}]}`,
		},
		"Reformatted": {
			reason: "A policy S3 returns reformatted equals the one sent.",
			a:      testPolicy,
			b:      testPolicyAsReturned,
			equal:  true,
		},
		"DifferentActions": {
			reason: "Different actions are different policies.",
			a:      `{"Action":["s3:GetObject","s3:PutObject"]}`,
			b:      `{"Action":["s3:GetObject","s3:DeleteObject"]}`,
		},
		"ExtraAction": {
			reason: "A list with an extra action differs from its first element alone.",
			a:      `{"Action":"s3:GetObject"}`,
			b:      `{"Action":["s3:GetObject","s3:PutObject"]}`,
		},
		"InvalidJSONSameText": {
			reason: "Text that is not JSON is compared as text: the same text is equal.",
			a:      `not json`,
			b:      `not json`,
			equal:  true,
		},
		"InvalidJSONDifferentText": {
			reason: "Text that is not JSON is compared as text: different text is not equal.",
			a:      `{"Version":`,
			b:      `{"Version": `,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := policiesEqual(tc.a, tc.b)
			if diff := cmp.Diff(tc.equal, got); diff != "" {
				t.Errorf("\n%s\npoliciesEqual(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	sse := func(alg string, key *string, bucketKey *bool) *v1alpha1.ServerSideEncryption {
		return &v1alpha1.ServerSideEncryption{Algorithm: alg, KMSKeyID: key, BucketKeyEnabled: bucketKey}
	}
	withSSE := func(s *v1alpha1.ServerSideEncryption) v1alpha1.BucketParameters {
		return v1alpha1.BucketParameters{Region: testRegion, ServerSideEncryption: s}
	}
	const key = "arn:aws:kms:us-west-2:111122223333:key/abc"

	type want struct {
		spec    v1alpha1.BucketParameters
		changed bool
	}
	cases := map[string]struct {
		reason string
		spec   v1alpha1.BucketParameters
		got    v1alpha1.BucketParameters
		want   want
	}{
		"NoEncryptionInSpec": {
			reason: "A spec without encryption takes the bucket's whole.",
			spec:   withSSE(nil),
			got:    withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, ptr.To(true))),
			want:   want{spec: withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, ptr.To(true))), changed: true},
		},
		"NoPublicAccessBlockInSpec": {
			reason: "A spec without a public access block takes the bucket's, so adopting a bucket never opens or closes it.",
			spec:   func() v1alpha1.BucketParameters { p := withSSE(nil); p.PublicAccessBlock = nil; return p }(),
			got: func() v1alpha1.BucketParameters {
				p := withSSE(nil)
				p.PublicAccessBlock = &v1alpha1.PublicAccessBlock{BlockPublicPolicy: true}
				return p
			}(),
			want: want{spec: func() v1alpha1.BucketParameters {
				p := withSSE(nil)
				p.PublicAccessBlock = &v1alpha1.PublicAccessBlock{BlockPublicPolicy: true}
				return p
			}(), changed: true},
		},
		"NoEncryptionOnBucket": {
			reason: "Nothing is taken from a bucket without encryption.",
			spec:   withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, nil)),
			got:    withSSE(nil),
			want:   want{spec: withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, nil))},
		},
		"AlgorithmDiffers": {
			reason: "Settings of a different algorithm are drift, not taken.",
			spec:   withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, nil)),
			got:    withSSE(sse(v1alpha1.SSEAlgorithmKMS, ptr.To(key), ptr.To(true))),
			want:   want{spec: withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, nil))},
		},
		"BucketKeyEnabled": {
			reason: "An unset bucketKeyEnabled is taken from the bucket.",
			spec:   withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, nil)),
			got:    withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, ptr.To(false))),
			want:   want{spec: withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, ptr.To(false))), changed: true},
		},
		"BucketKeyEnabledSet": {
			reason: "A bucketKeyEnabled the spec sets is kept, even if the bucket differs.",
			spec:   withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, ptr.To(true))),
			got:    withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, ptr.To(false))),
			want:   want{spec: withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, ptr.To(true)))},
		},
		"BucketKeyUnreported": {
			reason: "Nothing is taken when the bucket does not report a bucket key setting.",
			spec:   withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, nil)),
			got:    withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, nil)),
			want:   want{spec: withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, nil))},
		},
		"KMSKey": {
			reason: "An unset KMS key is taken from a bucket using aws:kms.",
			spec:   withSSE(sse(v1alpha1.SSEAlgorithmKMS, nil, ptr.To(true))),
			got:    withSSE(sse(v1alpha1.SSEAlgorithmKMS, ptr.To(key), ptr.To(true))),
			want:   want{spec: withSSE(sse(v1alpha1.SSEAlgorithmKMS, ptr.To(key), ptr.To(true))), changed: true},
		},
		"NoKMSKeyForAES256": {
			reason: "A KMS key is never taken into an AES256 spec, which may not name one.",
			spec:   withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, ptr.To(true))),
			got:    withSSE(sse(v1alpha1.SSEAlgorithmAES256, ptr.To(key), ptr.To(true))),
			want:   want{spec: withSSE(sse(v1alpha1.SSEAlgorithmAES256, nil, ptr.To(true)))},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			changed := lateInitialize(&tc.spec, tc.got)
			// What was read may change later: the spec must hold copies.
			if s := tc.got.ServerSideEncryption; s != nil {
				if s.KMSKeyID != nil {
					*s.KMSKeyID = "changed"
				}
				if s.BucketKeyEnabled != nil {
					*s.BucketKeyEnabled = !*s.BucketKeyEnabled
				}
			}
			if diff := cmp.Diff(tc.want.changed, changed); diff != "" {
				t.Errorf("\n%s\nlateInitialize(...): -want changed, +got changed:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.spec, tc.spec); diff != "" {
				t.Errorf("\n%s\nlateInitialize(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDesired(t *testing.T) {
	cases := map[string]struct {
		reason string
		cr     *v1alpha1.Bucket
		want   map[string]string
	}{
		"ClusterProviderConfig": {
			reason: "The provider's tags, the resource's UID among them, are added and the user's kept.",
			cr:     bucket(withTags(map[string]string{"team": "storage", "cost-centre": "42"})),
			want: map[string]string{
				"crossplane-kind":                "bucket.s3.aws.appinfra.io",
				"crossplane-name":                "my-bucket",
				"crossplane-namespace":           "team-a",
				"crossplane-providerconfig":      "default",
				"crossplane-providerconfig-kind": "ClusterProviderConfig",
				"crossplane-uid":                 testUID,
				"team":                           "storage",
				"cost-centre":                    "42",
			},
		},
		"ProviderConfig": {
			reason: "The providerconfig tags name the config the resource references.",
			cr: bucket(func(cr *v1alpha1.Bucket) {
				cr.SetNamespace("team-b")
				cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-b-aws"})
			}),
			want: map[string]string{
				"crossplane-kind":                "bucket.s3.aws.appinfra.io",
				"crossplane-name":                "my-bucket",
				"crossplane-namespace":           "team-b",
				"crossplane-providerconfig":      "team-b-aws",
				"crossplane-providerconfig-kind": "ProviderConfig",
				"crossplane-uid":                 testUID,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			before := tc.cr.DeepCopy()
			got := desired(tc.cr)
			if diff := cmp.Diff(tc.want, got.Tags); diff != "" {
				t.Errorf("\n%s\ndesired(...).Tags: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(before, tc.cr); diff != "" {
				t.Errorf("\n%s\ndesired(...) must not change the resource: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPendingTags(t *testing.T) {
	cr := bucket(withTags(map[string]string{"team": "storage"}))
	before := cr.DeepCopy()
	want := providerTags()
	want["crossplane-secure-defaults"] = "pending"
	if diff := cmp.Diff(want, pendingTags(cr)); diff != "" {
		t.Errorf("pendingTags(...) should be the provider's tags and the marker, not the user's: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(before, cr); diff != "" {
		t.Errorf("pendingTags(...) must not change the resource: -want, +got:\n%s", diff)
	}
}

func TestWithSecureDefaults(t *testing.T) {
	aes := &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256}
	kms := &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmKMS, KMSKeyID: ptr.To("alias/data")}
	cases := map[string]struct {
		reason      string
		p           v1alpha1.BucketParameters
		unsupported []string
		want        v1alpha1.BucketParameters
	}{
		"Unset": {
			reason: "A spec that leaves encryption and the public access block unset gets AES256 and every block.",
			p:      v1alpha1.BucketParameters{Region: testRegion},
			want:   v1alpha1.BucketParameters{Region: testRegion, ServerSideEncryption: aes, PublicAccessBlock: publicAccessBlock(true)},
		},
		"Set": {
			reason: "What the spec sets is kept, even when it is less strict.",
			p:      v1alpha1.BucketParameters{ServerSideEncryption: kms, PublicAccessBlock: publicAccessBlock(false)},
			want:   v1alpha1.BucketParameters{ServerSideEncryption: kms, PublicAccessBlock: publicAccessBlock(false)},
		},
		"UnsupportedByStore": {
			reason:      "What the store does not implement gets no default.",
			p:           v1alpha1.BucketParameters{Region: testRegion},
			unsupported: []string{"publicAccessBlock"},
			want:        v1alpha1.BucketParameters{Region: testRegion, ServerSideEncryption: aes},
		},
		"NothingSupported": {
			reason:      "A store that implements neither gets neither.",
			p:           v1alpha1.BucketParameters{Region: testRegion},
			unsupported: []string{"serverSideEncryption", "publicAccessBlock"},
			want:        v1alpha1.BucketParameters{Region: testRegion},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, withSecureDefaults(tc.p, tc.unsupported)); diff != "" {
				t.Errorf("\n%s\nwithSecureDefaults(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestToRead(t *testing.T) {
	cases := map[string]struct {
		reason   string
		want     v1alpha1.BucketParameters
		lateInit bool
		read     []string
	}{
		"Configured": {
			reason: "Without late initialisation only what the spec sets is read.",
			want:   v1alpha1.BucketParameters{Tags: map[string]string{}},
			read:   []string{"tags"},
		},
		"LateInit": {
			reason:   "With late initialisation, encryption and the public access block, which every bucket has, are read too.",
			want:     v1alpha1.BucketParameters{Tags: map[string]string{}},
			lateInit: true,
			read:     []string{"serverSideEncryption", "publicAccessBlock", "tags"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.read, toRead(tc.want, tc.lateInit)); diff != "" {
				t.Errorf("\n%s\ntoRead(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := map[string]struct {
		reason string
		name   string
		p      v1alpha1.BucketParameters
		want   []string // parts of the error; nil for no error
	}{
		"Valid": {
			reason: "A valid name and a JSON policy pass.",
			name:   testName,
			p:      params(),
		},
		"NoPolicy": {
			reason: "A spec without a policy passes.",
			name:   testName,
			p:      v1alpha1.BucketParameters{Region: testRegion},
		},
		"BadName": {
			reason: "A name S3 would refuse is refused.",
			name:   "My_Bucket",
			want:   []string{"is not a valid S3 bucket name"},
		},
		"PolicyNotJSON": {
			reason: "A policy that is not JSON is refused: S3 answers MalformedPolicy, and some stores keep it.",
			name:   testName,
			p:      params(func(p *v1alpha1.BucketParameters) { p.Policy = ptr.To("Effect: Deny") }),
			want:   []string{"spec.forProvider.policy is not a JSON document"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := validate(tc.name, tc.p)
			if (err != nil) != (tc.want != nil) || !reconcilertest.ErrorContains(err, tc.want) {
				t.Errorf("\n%s\nvalidate(...): got error %v, want one containing %q", tc.reason, err, tc.want)
			}
		})
	}
}

func TestCreateInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		region string
		want   *s3.CreateBucketInput
	}{
		"USEast1": {
			reason: "us-east-1 is the one region S3 refuses as a location constraint.",
			region: "us-east-1",
			want:   &s3.CreateBucketInput{Bucket: aws.String(testName)},
		},
		"OtherRegion": {
			reason: "Every other region is sent as the location constraint.",
			region: "eu-west-1",
			want: &s3.CreateBucketInput{
				Bucket:                    aws.String(testName),
				CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := createInput(testName, v1alpha1.BucketParameters{Region: tc.region})
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreUnexported(s3.CreateBucketInput{}, types.CreateBucketConfiguration{})); diff != "" {
				t.Errorf("\n%s\ncreateInput(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	cases := map[string]struct {
		reason string
		name   string
		want   string // part of the error; "" for no error
	}{
		"Valid":             {reason: "Letters, digits, dots and hyphens are valid.", name: "my-bucket.logs-2"},
		"ShortestValid":     {reason: "Three characters are enough.", name: "abc"},
		"LongestValid":      {reason: "63 characters are allowed.", name: strings.Repeat("a", 63)},
		"TooShort":          {reason: "Two characters are too few.", name: "ab", want: "3 to 63 characters"},
		"Empty":             {reason: "An empty name is too short.", name: "", want: "3 to 63 characters"},
		"TooLong":           {reason: "64 characters are too many.", name: strings.Repeat("a", 64), want: "3 to 63 characters"},
		"UpperCase":         {reason: "Upper-case letters are not allowed.", name: "My-bucket", want: "only lower-case letters"},
		"Underscore":        {reason: "Underscores are not allowed.", name: "my_bucket", want: "only lower-case letters"},
		"StartsWithHyphen":  {reason: "A name must start with a letter or digit.", name: "-bucket", want: "start and end with a letter or digit"},
		"EndsWithDot":       {reason: "A name must end with a letter or digit.", name: "bucket.", want: "start and end with a letter or digit"},
		"TwoDots":           {reason: "Two dots in a row are not allowed.", name: "my..bucket", want: "two dots in a row"},
		"IPAddress":         {reason: "A name must not look like an IP address.", name: "192.168.5.4", want: "IP address"},
		"PrefixXN":          {reason: "xn-- is a reserved prefix.", name: "xn--bucket", want: "must not start with"},
		"PrefixSthree":      {reason: "sthree- is a reserved prefix.", name: "sthree-bucket", want: "must not start with"},
		"PrefixAmznS3Demo":  {reason: "amzn-s3-demo- is a reserved prefix.", name: "amzn-s3-demo-bucket", want: "must not start with"},
		"SuffixS3Alias":     {reason: "-s3alias is a reserved suffix.", name: "bucket-s3alias", want: "must not end with"},
		"SuffixObjectLamda": {reason: "--ol-s3 is a reserved suffix.", name: "bucket--ol-s3", want: "must not end with"},
		"SuffixMRAP":        {reason: ".mrap is a reserved suffix.", name: "bucket.mrap", want: "must not end with"},
		"SuffixDirectory":   {reason: "--x-s3 is a reserved suffix.", name: "bucket--x-s3", want: "must not end with"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := validName(tc.name)
			if tc.want == "" {
				if diff := cmp.Diff(nil, err, cmpopts.EquateErrors()); diff != "" {
					t.Errorf("\n%s\nvalidName(%q): -want error, +got error:\n%s", tc.reason, tc.name, diff)
				}
				return
			}
			if !reconcilertest.ErrorContains(err, []string{"is not a valid S3 bucket name", tc.want}) {
				t.Errorf("\n%s\nvalidName(%q): error %v should contain %q", tc.reason, tc.name, err, tc.want)
			}
		})
	}
}

func TestTagSet(t *testing.T) {
	cases := map[string]struct {
		reason string
		tags   map[string]string
		want   []types.Tag
	}{
		"Sorted": {
			reason: "Tags are sorted by key, so that the same tags make the same request.",
			tags:   map[string]string{"b": "2", "c": "3", "a": "1"},
			want: []types.Tag{
				{Key: aws.String("a"), Value: aws.String("1")},
				{Key: aws.String("b"), Value: aws.String("2")},
				{Key: aws.String("c"), Value: aws.String("3")},
			},
		},
		"Empty": {
			reason: "No tags are an empty, non-nil set: S3 needs the element to clear the tags.",
			tags:   nil,
			want:   []types.Tag{},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tagSet(tc.tags)
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreUnexported(types.Tag{})); diff != "" {
				t.Errorf("\n%s\ntagSet(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestObservation(t *testing.T) {
	cases := map[string]struct {
		reason   string
		got      observed
		endpoint string
		want     v1alpha1.BucketObservation
	}{
		"AWS": {
			reason:   "A bucket in a commercial region has an arn:aws ARN.",
			got:      observed{params: v1alpha1.BucketParameters{Region: "eu-west-1"}},
			endpoint: "https://s3.eu-west-1.amazonaws.com",
			want: v1alpha1.BucketObservation{
				ARN:      "arn:aws:s3:::my-bucket",
				Region:   "eu-west-1",
				Endpoint: "https://s3.eu-west-1.amazonaws.com",
			},
		},
		"China": {
			reason:   "A bucket in a China region has an arn:aws-cn ARN.",
			got:      observed{params: v1alpha1.BucketParameters{Region: "cn-north-1"}},
			endpoint: "https://s3.cn-north-1.amazonaws.com.cn",
			want: v1alpha1.BucketObservation{
				ARN:      "arn:aws-cn:s3:::my-bucket",
				Region:   "cn-north-1",
				Endpoint: "https://s3.cn-north-1.amazonaws.com.cn",
			},
		},
		"GovCloud": {
			reason:   "A bucket in GovCloud has an arn:aws-us-gov ARN.",
			got:      observed{params: v1alpha1.BucketParameters{Region: "us-gov-west-1"}},
			endpoint: "https://s3.us-gov-west-1.amazonaws.com",
			want: v1alpha1.BucketObservation{
				ARN:      "arn:aws-us-gov:s3:::my-bucket",
				Region:   "us-gov-west-1",
				Endpoint: "https://s3.us-gov-west-1.amazonaws.com",
			},
		},
		"Settings": {
			reason:   "What was read is reported, and versioning not read as empty.",
			got:      observed{params: params(func(p *v1alpha1.BucketParameters) { p.Versioning = nil })},
			endpoint: "https://s3.us-west-2.amazonaws.com",
			want: v1alpha1.BucketObservation{
				ARN:                  "arn:aws:s3:::my-bucket",
				Region:               testRegion,
				Endpoint:             "https://s3.us-west-2.amazonaws.com",
				ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256},
				PublicAccessBlock:    publicAccessBlock(true),
				Tags:                 map[string]string{"team": "storage"},
			},
		},
		"UnsupportedByStore": {
			reason:   "What the store does not implement is listed.",
			got:      observed{params: v1alpha1.BucketParameters{Region: testRegion}, unsupported: []string{"serverSideEncryption", "publicAccessBlock"}},
			endpoint: testStore,
			want: v1alpha1.BucketObservation{
				ARN:                "arn:aws:s3:::my-bucket",
				Region:             testRegion,
				Endpoint:           testStore,
				UnsupportedByStore: []string{"serverSideEncryption", "publicAccessBlock"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := observation(testName, tc.got, tc.endpoint)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nobservation(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnectionDetails(t *testing.T) {
	cases := map[string]struct {
		reason string
		o      v1alpha1.BucketObservation
		want   managed.ConnectionDetails
	}{
		"Bucket": {
			reason: "The details are exactly bucket, region, endpoint and arn, whatever else was observed.",
			o: v1alpha1.BucketObservation{
				ARN:        "arn:aws-cn:s3:::my-bucket",
				Region:     "cn-north-1",
				Endpoint:   "https://s3.cn-north-1.amazonaws.com.cn",
				Versioning: v1alpha1.VersioningEnabled,
				Tags:       map[string]string{"team": "storage"},
			},
			want: managed.ConnectionDetails{
				"bucket":   []byte("my-bucket"),
				"region":   []byte("cn-north-1"),
				"endpoint": []byte("https://s3.cn-north-1.amazonaws.com.cn"),
				"arn":      []byte("arn:aws-cn:s3:::my-bucket"),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, connectionDetails(tc.o, testName)); diff != "" {
				t.Errorf("\n%s\nconnectionDetails(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDefaultEndpoint(t *testing.T) {
	cases := map[string]struct {
		reason string
		region string
		want   string
	}{
		"AWS":      {reason: "Commercial regions are served from amazonaws.com.", region: "us-west-2", want: "https://s3.us-west-2.amazonaws.com"},
		"China":    {reason: "China regions are served from amazonaws.com.cn.", region: "cn-northwest-1", want: "https://s3.cn-northwest-1.amazonaws.com.cn"},
		"GovCloud": {reason: "GovCloud regions are served from amazonaws.com.", region: "us-gov-east-1", want: "https://s3.us-gov-east-1.amazonaws.com"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, defaultEndpoint(tc.region)); diff != "" {
				t.Errorf("\n%s\ndefaultEndpoint(%q): -want, +got:\n%s", tc.reason, tc.region, diff)
			}
		})
	}
}

func TestErrorCodes(t *testing.T) {
	type want struct {
		notFound, forbidden, owned, taken, notEmpty bool
	}
	cases := map[string]struct {
		reason string
		err    error
		want   want
	}{
		"Nil":                     {reason: "No error is no code.", err: nil},
		"NotAnAPIError":           {reason: "An error that is not an API error has no code.", err: errBoom},
		"NotFound":                {reason: "NotFound is what HeadBucket answers for a missing bucket.", err: apiError("NotFound"), want: want{notFound: true}},
		"NoSuchBucketWrapped":     {reason: "A code is found through wrapping, as the SDK wraps API errors.", err: errors.Wrap(apiError("NoSuchBucket"), "operation error S3: HeadBucket"), want: want{notFound: true}},
		"Forbidden":               {reason: "Forbidden is what HeadBucket answers for a bucket of another account.", err: apiError("Forbidden"), want: want{forbidden: true}},
		"AccessDenied":            {reason: "AccessDenied is forbidden too.", err: apiError("AccessDenied"), want: want{forbidden: true}},
		"BucketAlreadyOwnedByYou": {reason: "A bucket this account owns.", err: apiError("BucketAlreadyOwnedByYou"), want: want{owned: true}},
		"BucketAlreadyExists":     {reason: "A bucket another account owns.", err: apiError("BucketAlreadyExists"), want: want{taken: true}},
		"BucketNotEmpty":          {reason: "A bucket that still holds objects.", err: apiError("BucketNotEmpty"), want: want{notEmpty: true}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := want{
				notFound:  isNotFound(tc.err),
				forbidden: isForbidden(tc.err),
				owned:     isAlreadyOwned(tc.err),
				taken:     isTakenByOthers(tc.err),
				notEmpty:  isNotEmpty(tc.err),
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nis...(%v): -want, +got:\n%s", tc.reason, tc.err, diff)
			}
		})
	}
}

func TestEncryptionRoundTrip(t *testing.T) {
	cases := map[string]struct {
		reason string
		sse    v1alpha1.ServerSideEncryption
	}{
		"AES256": {
			reason: "AES256 with a bucket key reads back as written.",
			sse:    v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, BucketKeyEnabled: ptr.To(true)},
		},
		"KMS": {
			reason: "aws:kms with a key reads back as written.",
			sse:    v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmKMS, KMSKeyID: ptr.To("alias/data")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out := &s3.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: encryptionConfiguration(tc.sse)}
			if diff := cmp.Diff(&tc.sse, encryptionFrom(out)); diff != "" {
				t.Errorf("\n%s\nencryptionFrom(encryptionConfiguration(...)): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestKMSKey(t *testing.T) {
	cases := map[string]struct {
		reason string
		a, b   string
		same   bool
	}{
		"IDAndARN":         {reason: "A key ID and the key's ARN name one key.", a: "1234abcd-12ab-34cd-56ef-1234567890ab", b: "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", same: true},
		"AliasAndAliasARN": {reason: "An alias and its ARN name one alias.", a: "alias/audit", b: "arn:aws:kms:us-west-2:111122223333:alias/audit", same: true},
		"DifferentKeys":    {reason: "Different key IDs are different keys.", a: "key-a", b: "arn:aws:kms:us-west-2:111122223333:key/key-b"},
		"AliasIsNotKey":    {reason: "An alias and a key ID are not compared as equal, even with the same text.", a: "alias/x", b: "x"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := kmsKey(tc.a) == kmsKey(tc.b); got != tc.same {
				t.Errorf("\n%s\nkmsKey(%q) == kmsKey(%q): got %t, want %t", tc.reason, tc.a, tc.b, got, tc.same)
			}
		})
	}
}
