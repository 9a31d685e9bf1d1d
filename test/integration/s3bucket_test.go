//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"github.com/appinfra/provider-appinfra/apis/common"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
)

const (
	ns = "default"
	// withinPoll is how long a change made behind the provider's back may
	// take to be corrected: a poll plus reconcile time.
	withinPoll = pollInterval + 8*time.Second
	// converge bounds creation and deletion, which take a few reconciles.
	// crossplane-runtime waits out a 30 s creation grace period before it
	// trusts that a just-created resource is gone (S3 is eventually
	// consistent), so a deletion right after creation takes that long.
	converge = 60 * time.Second
)

func bucket(name string, mutate ...func(*v1alpha1.Bucket)) *v1alpha1.Bucket {
	b := &v1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.BucketSpec{
			ForProvider: v1alpha1.BucketParameters{Region: "us-east-1"},
		},
	}
	for _, m := range mutate {
		m(b)
	}
	return b
}

// inStore reads a bucket's configuration straight from kumo.
type stored struct {
	Versioning string
	Encryption string
	Public     *s3types.PublicAccessBlockConfiguration
	Tags       map[string]string
}

func readStore(name string) (stored, error) {
	ctx := context.Background()
	var s stored
	if _, err := store.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err != nil {
		return s, err
	}
	if v, err := store.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &name}); err == nil {
		s.Versioning = string(v.Status)
	}
	if e, err := store.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &name}); err == nil && len(e.ServerSideEncryptionConfiguration.Rules) > 0 {
		s.Encryption = string(e.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm)
	}
	if p, err := store.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &name}); err == nil {
		s.Public = p.PublicAccessBlockConfiguration
	}
	s.Tags = map[string]string{}
	if tg, err := store.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &name}); err == nil {
		for _, t := range tg.TagSet {
			s.Tags[*t.Key] = *t.Value
		}
	}
	return s, nil
}

func storeHas(name string) error {
	_, err := store.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: &name})
	return err
}

func storeLacks(name string) error {
	_, err := store.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: &name})
	var nf *s3types.NotFound
	if errors.As(err, &nf) {
		return nil
	}
	return fmt.Errorf("bucket %s still in the store (head: %v)", name, err)
}

func allBlocked(p *s3types.PublicAccessBlockConfiguration) bool {
	return p != nil && aws.ToBool(p.BlockPublicAcls) && aws.ToBool(p.IgnorePublicAcls) && aws.ToBool(p.BlockPublicPolicy) && aws.ToBool(p.RestrictPublicBuckets)
}

func TestBucketLifecycle(t *testing.T) {
	t.Parallel()
	name := "it-lifecycle"
	cr := bucket(name, func(b *v1alpha1.Bucket) {
		b.Spec.ForProvider.Versioning = ptr.To(v1alpha1.VersioningEnabled)
		b.Spec.ForProvider.Tags = map[string]string{"team": "payments"}
		b.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-conn"}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })

	s, err := readStore(name)
	if err != nil {
		t.Fatal(err)
	}
	wantTags := map[string]string{
		"team":                           "payments",
		"crossplane-kind":                "bucket.s3.aws.appinfra.io",
		"crossplane-name":                name,
		"crossplane-namespace":           ns,
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "ClusterProviderConfig",
		"crossplane-uid":                 string(cr.UID),
	}
	if diff := cmp.Diff(wantTags, s.Tags); diff != "" {
		t.Errorf("tags in the store: -want +got:\n%s", diff)
	}
	if s.Versioning != "Enabled" || s.Encryption != "AES256" || !allBlocked(s.Public) {
		t.Errorf("store has versioning %q, encryption %q, public access block %+v; want Enabled, AES256 and all four blocks", s.Versioning, s.Encryption, s.Public)
	}
	if cr.Status.AtProvider.ARN != "arn:aws:s3:::"+name {
		t.Errorf("status.atProvider.arn = %q", cr.Status.AtProvider.ARN)
	}

	sec := &corev1.Secret{}
	if err := kube.Get(context.Background(), key(ns, name+"-conn"), sec); err != nil {
		t.Fatalf("connection secret: %v", err)
	}
	gotKeys := map[string]string{}
	for k, v := range sec.Data {
		gotKeys[k] = string(v)
	}
	if gotKeys["bucket"] != name || gotKeys["region"] != "us-east-1" || gotKeys["arn"] != "arn:aws:s3:::"+name || !strings.HasPrefix(gotKeys["endpoint"], "http://127.0.0.1:") {
		t.Errorf("connection secret = %v", gotKeys)
	}

	// A spec change reaches the store.
	eventually(t, converge, "spec update accepted", func() error {
		if err := kube.Get(context.Background(), key(ns, name), cr); err != nil {
			return err
		}
		cr.Spec.ForProvider.Versioning = ptr.To(v1alpha1.VersioningSuspended)
		cr.Spec.ForProvider.Tags = map[string]string{"team": "ledger", "tier": "gold"}
		cr.Spec.ForProvider.PublicAccessBlock.RestrictPublicBuckets = false
		return kube.Update(context.Background(), cr)
	})
	eventually(t, converge, "update in store", func() error {
		s, err := readStore(name)
		if err != nil {
			return err
		}
		if s.Versioning != "Suspended" || s.Tags["team"] != "ledger" || s.Tags["tier"] != "gold" || aws.ToBool(s.Public.RestrictPublicBuckets) {
			return fmt.Errorf("store: versioning %q tags %v restrict %v", s.Versioning, s.Tags, aws.ToBool(s.Public.RestrictPublicBuckets))
		}
		return nil
	})

	// Deleting the resource deletes the bucket. A resource created less
	// than 30 s ago is not trusted to be gone until that much has passed
	// (the managed reconciler's creation grace period), and its retries
	// back off meanwhile: a fast run waits up to a minute more.
	if err := kube.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*converge, "resource gone", func() error { return gone(cr) })
	if err := storeLacks(name); err != nil {
		t.Error(err)
	}
}

func TestBucketDriftIsReportedAndCorrected(t *testing.T) {
	t.Parallel()
	name := "it-drift"
	cr := bucket(name, func(b *v1alpha1.Bucket) {
		b.Spec.ForProvider.Tags = map[string]string{"team": "payments"}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	before, _ := readStore(name)

	// Someone changes the bucket behind the provider's back.
	ctx := context.Background()
	if _, err := store.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &name, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String("rogue")}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: &name, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false),
	}}); err != nil {
		t.Fatal(err)
	}

	eventually(t, withinPoll, "drift corrected", func() error {
		s, err := readStore(name)
		if err != nil {
			return err
		}
		if !maps.Equal(s.Tags, before.Tags) || !allBlocked(s.Public) {
			return fmt.Errorf("store tags %v public %+v", s.Tags, s.Public)
		}
		return nil
	})

	var found string
	for _, e := range eventsOf(t, cr) {
		if e.Reason == "DriftDetected" {
			found = e.Message
		}
	}
	if !strings.Contains(found, "publicAccessBlock") || !strings.Contains(found, "tags") {
		t.Errorf("want a DriftDetected event naming publicAccessBlock and tags, got %q", found)
	}
}

func TestBucketSteadyStateOnlyReads(t *testing.T) {
	t.Parallel()
	name := "it-steady"
	cr := bucket(name, func(b *v1alpha1.Bucket) {
		b.Spec.ForProvider.Versioning = ptr.To(v1alpha1.VersioningEnabled)
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })

	// Wait for three observations after the bucket settled, then check the
	// calls between the first and the last.
	start := len(s3calls.of(name))
	heads := func(cs []call) []int {
		var at []int
		for i, c := range cs {
			if c.Op == "HEAD" {
				at = append(at, i)
			}
		}
		return at
	}
	eventually(t, 4*pollInterval+10*time.Second, "three polls", func() error {
		if n := len(heads(s3calls.of(name)[start:])); n < 3 {
			return fmt.Errorf("%d polls so far", n)
		}
		return nil
	})
	cs := s3calls.of(name)[start:]
	at := heads(cs)
	window := cs[at[0]:at[len(at)-1]]
	// Spec sets versioning, plus the defaulted encryption and public
	// access block, plus tags (the provider's own): four sub-configurations.
	const subConfigs = 4
	polls := len(at) - 1
	if len(window) != polls*(1+subConfigs) {
		t.Errorf("%d polls made %d calls, want %d (1 + %d each): %v", polls, len(window), polls*(1+subConfigs), subConfigs, window)
	}
	for _, c := range window {
		if c.write() {
			t.Errorf("steady state wrote: %s", c.Op)
		}
	}
}

func TestBucketImportObserveOnly(t *testing.T) {
	t.Parallel()
	name := "it-import"
	ctx := context.Background()
	if _, err := store.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &name, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("owner"), Value: aws.String("legacy")}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &name, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}

	cr := bucket("imported", func(b *v1alpha1.Bucket) {
		meta.SetExternalName(b, name)
		b.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
		b.Spec.ForProvider.Versioning = ptr.To(v1alpha1.VersioningSuspended)
	})
	create(t, cr)
	eventually(t, converge, "imported bucket Ready", func() error { return ready(cr) })

	if cr.Status.AtProvider.ARN != "arn:aws:s3:::"+name || cr.Status.AtProvider.Versioning != "Enabled" || cr.Status.AtProvider.Tags["owner"] != "legacy" {
		t.Errorf("status.atProvider = %+v, want the bucket's ARN, versioning Enabled and tag owner=legacy", cr.Status.AtProvider)
	}
	for _, c := range s3calls.of(name) {
		if c.write() {
			t.Errorf("observe-only import wrote: %s", c.Op)
		}
	}
	s, _ := readStore(name)
	if s.Versioning != "Enabled" || !maps.Equal(s.Tags, map[string]string{"owner": "legacy"}) {
		t.Errorf("store changed: versioning %q tags %v", s.Versioning, s.Tags)
	}

	// Deleting an observe-only resource leaves the bucket.
	if err := kube.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(cr) })
	if err := storeHas(name); err != nil {
		t.Errorf("bucket deleted by an observe-only resource: %v", err)
	}
}

func TestBucketOrphanedWithoutDeletePolicy(t *testing.T) {
	t.Parallel()
	name := "it-orphan"
	cr := bucket(name, func(b *v1alpha1.Bucket) {
		b.Spec.ManagementPolicies = xpv2.ManagementPolicies{
			xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionLateInitialize,
		}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	if err := kube.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(cr) })
	if err := storeHas(name); err != nil {
		t.Errorf("orphaned bucket was deleted: %v", err)
	}
}

func TestBucketNotEmptyIsKept(t *testing.T) {
	t.Parallel()
	name := "it-not-empty"
	cr := bucket(name)
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })
	ctx := context.Background()
	if _, err := store.PutObject(ctx, &s3.PutObjectInput{Bucket: &name, Key: aws.String("data.txt"), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	if err := kube.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "not-empty condition", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "is not empty, so it was kept")
	})
	if err := storeHas(name); err != nil {
		t.Fatalf("non-empty bucket was deleted: %v", err)
	}

	// Once emptied, the deletion goes through.
	if _, err := store.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("data.txt")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(cr) })
	if err := storeLacks(name); err != nil {
		t.Error(err)
	}
}

func TestBucketMissingProviderConfigOrSecret(t *testing.T) {
	t.Parallel()
	noConfig := bucket("it-no-config", func(b *v1alpha1.Bucket) {
		b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "absent"}
	})
	create(t, noConfig)
	eventually(t, converge, "missing config condition", func() error {
		return hasCondition(noConfig, xpv2.TypeSynced, corev1.ConditionFalse, `cannot get ClusterProviderConfig "absent"`)
	})

	// A namespaced ProviderConfig whose Secret does not exist, and one that
	// tries to read a Secret in another namespace.
	for _, pc := range []*awsv1alpha1.ProviderConfig{
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "no-secret"}, Spec: awsv1alpha1.ProviderConfigSpec{Credentials: awsv1alpha1.Credentials{
			Source: awsv1alpha1.CredentialsSourceSecret, SecretRef: &common.SecretKeySelector{Name: "absent", Key: "credentials"}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other-ns"}, Spec: awsv1alpha1.ProviderConfigSpec{Credentials: awsv1alpha1.Credentials{
			Source: awsv1alpha1.CredentialsSourceSecret, SecretRef: &common.SecretKeySelector{Namespace: "crossplane-system", Name: "aws-creds", Key: "credentials"}}}},
	} {
		create(t, pc)
	}
	for name, want := range map[string]string{
		"no-secret": "cannot get credentials Secret default/absent",
		"other-ns":  `a ProviderConfig can only read Secrets in its own namespace "default", not "crossplane-system"`,
	} {
		cr := bucket("it-pc-"+name, func(b *v1alpha1.Bucket) {
			b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: name}
		})
		create(t, cr)
		eventually(t, converge, name+" condition", func() error {
			return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, want)
		})
		if c := cr.GetCondition(xpv2.TypeReady); c.Status == corev1.ConditionTrue {
			t.Errorf("%s: a resource that never reached the cloud must not be Ready: %+v", name, c)
		}
	}
	for _, n := range []string{"it-no-config", "it-pc-no-secret", "it-pc-other-ns"} {
		if err := storeLacks(n); err != nil {
			t.Error(err)
		}
	}
}

func TestBucketBadSpecRefusedAtAdmission(t *testing.T) {
	t.Parallel()
	expectRefused(t, map[string]refusal{
		"NameTooLong": {
			reason: "metadata.name is the default bucket name, which S3 limits to 63 characters",
			obj:    bucket(strings.Repeat("a", 64)),
			want:   "must be 3 to 63 characters",
		},
		"NameLooksLikeIP": {
			reason: "S3 refuses bucket names formatted as IP addresses",
			obj:    bucket("192.168.5.4"),
			want:   "not an IP address",
		},
		"ReservedPrefix": {
			reason: "S3 reserves the xn-- prefix",
			obj:    bucket("xn--bucket"),
			want:   "no xn-- or sthree- prefix",
		},
		"UnknownVersioning": {
			reason: "versioning is Enabled or Suspended",
			obj:    bucket("bad-versioning", func(b *v1alpha1.Bucket) { b.Spec.ForProvider.Versioning = ptr.To("On") }),
			want:   `supported values: "Enabled", "Suspended"`,
		},
		"UnknownAlgorithm": {
			reason: "encryption algorithms are an enum",
			obj: bucket("bad-sse", func(b *v1alpha1.Bucket) {
				b.Spec.ForProvider.ServerSideEncryption = &v1alpha1.ServerSideEncryption{Algorithm: "DES"}
			}),
			want: `supported values: "AES256", "aws:kms", "aws:kms:dsse"`,
		},
		"KMSKeyWithAES256": {
			reason: "a KMS key means nothing with S3-managed keys",
			obj: bucket("bad-kms", func(b *v1alpha1.Bucket) {
				b.Spec.ForProvider.ServerSideEncryption = &v1alpha1.ServerSideEncryption{Algorithm: "AES256", KMSKeyID: ptr.To("alias/x")}
			}),
			want: "kmsKeyID can only be set with algorithm aws:kms",
		},
		"BadRegion": {
			reason: "regions are lower-case names such as eu-west-1",
			obj:    bucket("bad-region", func(b *v1alpha1.Bucket) { b.Spec.ForProvider.Region = "Europe" }),
			want:   "spec.forProvider.region",
		},
		"ReservedTag": {
			reason: "crossplane- tags are the provider's",
			obj:    bucket("bad-tag", func(b *v1alpha1.Bucket) { b.Spec.ForProvider.Tags = map[string]string{"crossplane-name": "x"} }),
			want:   "must not start with aws: or crossplane-",
		},
	})

	t.Run("RegionIsImmutable", func(t *testing.T) {
		cr := bucket("it-immutable", func(b *v1alpha1.Bucket) {
			b.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
		})
		expectImmutable(t, cr, func() { cr.Spec.ForProvider.Region = "eu-west-1" }, "region is immutable")
	})

}

func TestBucketAdoptionKeepsExistingSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := "it-adopt"
	if _, err := store.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &name, ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/existing")}}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: &name, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false),
	}}); err != nil {
		t.Fatal(err)
	}

	// The bucket carries none of the provider's tags (made outside
	// Crossplane): a resource that may write does not take it over
	// through the default config, and writes nothing.
	cr := bucket(name)
	create(t, cr)
	eventually(t, converge, "adoption refused", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "carries none of the provider's crossplane- tags")
	})
	for _, c := range s3calls.of(name) {
		if c.write() {
			t.Errorf("a refused adoption sent %s", c.Op)
		}
	}

	// A config whose adoption is AllowUntagged (the platform team's import
	// config) takes it over. Full management, leaving encryption and the
	// public access block unset: the bucket's own settings must be taken,
	// not the defaults a new bucket gets.
	def := &awsv1alpha1.ClusterProviderConfig{}
	if err := kube.Get(ctx, key("", "default"), def); err != nil {
		t.Fatal(err)
	}
	importer := &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "importer"}, Spec: def.Spec}
	importer.Spec.Adoption = common.AdoptionAllowUntagged
	create(t, importer)
	edit(t, cr, "moved to the import config", func(b *v1alpha1.Bucket) {
		b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "importer"}
	})
	eventually(t, converge, "adopted bucket Ready and late-initialised", func() error {
		if err := ready(cr); err != nil {
			return err
		}
		if cr.Spec.ForProvider.ServerSideEncryption == nil || cr.Spec.ForProvider.PublicAccessBlock == nil {
			return fmt.Errorf("spec not late-initialised: %+v", cr.Spec.ForProvider)
		}
		return nil
	})
	p := cr.Spec.ForProvider
	if p.ServerSideEncryption.Algorithm != v1alpha1.SSEAlgorithmKMS || ptr.Deref(p.ServerSideEncryption.KMSKeyID, "") != "alias/existing" || *p.PublicAccessBlock != (v1alpha1.PublicAccessBlock{}) {
		t.Errorf("spec late-initialised as encryption %+v, public access block %+v; want the bucket's aws:kms alias/existing and nothing blocked", *p.ServerSideEncryption, *p.PublicAccessBlock)
	}
	s, err := readStore(name)
	if err != nil {
		t.Fatal(err)
	}
	if s.Encryption != "aws:kms" || aws.ToBool(s.Public.BlockPublicAcls) || aws.ToBool(s.Public.RestrictPublicBuckets) {
		t.Errorf("adoption changed the bucket: encryption %q, public access block %+v", s.Encryption, s.Public)
	}
	for _, c := range s3calls.of(name) {
		if c.Op == "PUT ?encryption" || c.Op == "PUT ?publicAccessBlock" {
			t.Errorf("adoption wrote %s", c.Op)
		}
	}
}

func TestBucketManagedByAnotherResourceIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := bucket("it-shared-name")
	create(t, first)
	eventually(t, converge, "first bucket Ready", func() error { return ready(first) })

	if err := kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "it-second-team"}}); err != nil {
		t.Fatal(err)
	}
	second := bucket("it-shared-name", func(b *v1alpha1.Bucket) { b.Namespace = "it-second-team" })
	create(t, second)
	eventually(t, converge, "second resource refused", func() error {
		// The other namespace's resource is not named to this tenant.
		if err := hasCondition(second, xpv2.TypeSynced, corev1.ConditionFalse, "managed by a resource in another namespace"); err != nil {
			return err
		}
		if c := second.GetCondition(xpv2.TypeSynced); strings.Contains(c.Message, "it-shared-name") && strings.Contains(c.Message, "default/") {
			return fmt.Errorf("the refusal names the other namespace's resource: %q", c.Message)
		}
		return nil
	})
	// Deleting the refused resource must not delete the first one's bucket.
	if err := kube.Delete(ctx, second); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "second resource gone", func() error { return gone(second) })
	if err := storeHas("it-shared-name"); err != nil {
		t.Fatalf("the first resource's bucket was deleted: %v", err)
	}
	if err := ready(first); err != nil {
		t.Errorf("first resource: %v", err)
	}
}

// TestClusterProviderConfigServesSelectedNamespaces: a ClusterProviderConfig
// with a namespaceSelector refuses a resource in a namespace it does not
// select, with a condition that says so and no cloud call, and serves it
// once the namespace is labelled.
func TestClusterProviderConfigServesSelectedNamespaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	def := &awsv1alpha1.ClusterProviderConfig{}
	if err := kube.Get(ctx, key("", "default"), def); err != nil {
		t.Fatal(err)
	}
	selective := &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "trusted-only"}, Spec: def.Spec}
	selective.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"platform.example.com/tier": "trusted"}}
	create(t, selective)
	team := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "it-untrusted-team"}}
	create(t, team)

	const name = "it-selected-ns"
	cr := bucket(name, func(b *v1alpha1.Bucket) {
		b.Namespace = team.Name
		b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: selective.Name}
	})
	create(t, cr)
	eventually(t, converge, "refused", func() error {
		return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, `does not serve namespace "it-untrusted-team"`)
	})
	time.Sleep(2 * pollInterval)
	if calls := s3calls.of(name); len(calls) > 0 {
		t.Errorf("a resource in a namespace the config does not select made cloud calls: %v", calls)
	}

	edit(t, team, "namespace labelled", func(n *corev1.Namespace) {
		n.Labels = map[string]string{"platform.example.com/tier": "trusted"}
	})
	eventually(t, converge, "served once selected", func() error { return ready(cr) })
	if err := kube.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "bucket deleted", func() error { return gone(cr) })
}
