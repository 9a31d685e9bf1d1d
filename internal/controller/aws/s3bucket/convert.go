package s3bucket

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// The sub-configurations of a bucket, by their spec field names. Each is
// read with one call and written with one call.
const (
	fieldVersioning = "versioning"
	fieldEncryption = "serverSideEncryption"
	fieldPublic     = "publicAccessBlock"
	fieldTags       = "tags"
	fieldPolicy     = "policy"
)

// desired is the spec with the provider's own tags added.
func desired(cr *v1alpha1.Bucket) v1alpha1.BucketParameters {
	p := *cr.Spec.ForProvider.DeepCopy()
	tags := ownership.Tags(cr, v1alpha1.BucketGroupVersionKind.GroupKind())
	maps.Copy(tags, p.Tags)
	p.Tags = tags
	return p
}

// keyPending marks a bucket whose create has not yet applied the secure
// defaults. It is the only tag the provider writes that the spec does not
// hold, and the final tag write of a create removes it.
const keyPending = "crossplane-secure-defaults"

// pendingTags are the first tags a new bucket gets: the provider's own,
// which mark it as cr's, and the pending marker.
func pendingTags(cr *v1alpha1.Bucket) map[string]string {
	tags := ownership.Tags(cr, v1alpha1.BucketGroupVersionKind.GroupKind())
	tags[keyPending] = "pending"
	return tags
}

// configured lists the sub-configurations p sets, in the order they are
// applied.
func configured(p v1alpha1.BucketParameters) []string {
	var f []string
	if p.Versioning != nil {
		f = append(f, fieldVersioning)
	}
	if p.ServerSideEncryption != nil {
		f = append(f, fieldEncryption)
	}
	if p.PublicAccessBlock != nil {
		f = append(f, fieldPublic)
	}
	if p.Tags != nil {
		f = append(f, fieldTags)
	}
	if p.Policy != nil {
		f = append(f, fieldPolicy)
	}
	return f
}

// toRead lists the sub-configurations Observe reads: those want sets, and,
// when the spec may be late-initialised, the two every bucket has.
func toRead(want v1alpha1.BucketParameters, lateInit bool) []string {
	if lateInit {
		if want.ServerSideEncryption == nil {
			want.ServerSideEncryption = &v1alpha1.ServerSideEncryption{}
		}
		if want.PublicAccessBlock == nil {
			want.PublicAccessBlock = &v1alpha1.PublicAccessBlock{}
		}
	}
	return configured(want)
}

// withSecureDefaults fills what a new bucket gets when the spec leaves it
// unset: AES256 and every public access block, but not those the store does
// not implement. An existing bucket is never given these; its own settings
// are late-initialised instead.
func withSecureDefaults(p v1alpha1.BucketParameters, unsupported []string) v1alpha1.BucketParameters {
	if p.ServerSideEncryption == nil && !slices.Contains(unsupported, fieldEncryption) {
		p.ServerSideEncryption = &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256}
	}
	if p.PublicAccessBlock == nil && !slices.Contains(unsupported, fieldPublic) {
		p.PublicAccessBlock = &v1alpha1.PublicAccessBlock{BlockPublicACLs: true, IgnorePublicACLs: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
	}
	return p
}

// explicit says whether the spec itself sets a sub-configuration: a store
// that does not implement one the user asked for is an error, one the
// provider only defaults is skipped.
func explicit(spec v1alpha1.BucketParameters, field string) bool {
	switch field {
	case fieldEncryption:
		return spec.ServerSideEncryption != nil
	case fieldPublic:
		return spec.PublicAccessBlock != nil
	}
	return true
}

// drifted lists the sub-configurations want sets that got does not match.
func drifted(want, got v1alpha1.BucketParameters) []string {
	var f []string
	for _, field := range configured(want) {
		var same bool
		switch field {
		case fieldVersioning:
			same = ptr.Deref(got.Versioning, "") == *want.Versioning
		case fieldEncryption:
			same = encryptionMatches(*want.ServerSideEncryption, got.ServerSideEncryption)
		case fieldPublic:
			same = got.PublicAccessBlock != nil && *got.PublicAccessBlock == *want.PublicAccessBlock
		case fieldTags:
			same = maps.Equal(want.Tags, got.Tags)
		case fieldPolicy:
			same = got.Policy != nil && policiesEqual(*want.Policy, *got.Policy)
		}
		if !same {
			f = append(f, field)
		}
	}
	return f
}

// encryptionMatches ignores what want leaves unset: the key S3 picks and
// whether a bucket key is used.
func encryptionMatches(want v1alpha1.ServerSideEncryption, got *v1alpha1.ServerSideEncryption) bool {
	if got == nil || got.Algorithm != want.Algorithm {
		return false
	}
	if want.KMSKeyID != nil && kmsKey(ptr.Deref(got.KMSKeyID, "")) != kmsKey(*want.KMSKeyID) {
		return false
	}
	return want.BucketKeyEnabled == nil || ptr.Deref(got.BucketKeyEnabled, false) == *want.BucketKeyEnabled
}

// kmsKey reduces the forms a KMS key can be named in (key ID, key ARN,
// alias name, alias ARN) to key/ID or alias/NAME, so that a key S3 reports as
// an ARN matches the ID or alias the spec gives.
func kmsKey(k string) string {
	if strings.HasPrefix(k, "arn:") {
		if i := strings.Index(k, ":key/"); i >= 0 {
			return k[i+1:]
		}
		if i := strings.Index(k, ":alias/"); i >= 0 {
			return k[i+1:]
		}
		return k
	}
	if strings.HasPrefix(k, "alias/") {
		return k
	}
	return "key/" + k
}

// policiesEqual compares two policy documents as JSON values. S3 may return
// a policy reformatted, and IAM writes a one-element list as its element.
func policiesEqual(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return a == b
	}
	return cmp.Equal(normalizePolicy(va), normalizePolicy(vb))
}

var accountRootARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):root$`)

// normalizePolicy also writes an account's root principal as its ID: S3
// stores "AWS": "123456789012" as arn:aws:iam::123456789012:root.
func normalizePolicy(v any) any {
	switch t := v.(type) {
	case string:
		if m := accountRootARN.FindStringSubmatch(t); m != nil {
			return m[1]
		}
		return t
	case []any:
		if len(t) == 1 {
			return normalizePolicy(t[0])
		}
		out := make([]any, len(t))
		for i := range t {
			out[i] = normalizePolicy(t[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalizePolicy(e)
		}
		return out
	default:
		return v
	}
}

// diff is a readable difference of what want sets, for debug logs.
func diff(want, got v1alpha1.BucketParameters) string {
	if len(drifted(want, got)) == 0 {
		return ""
	}
	seen := v1alpha1.BucketParameters{Region: want.Region}
	for _, f := range configured(want) {
		switch f {
		case fieldVersioning:
			seen.Versioning = got.Versioning
		case fieldEncryption:
			seen.ServerSideEncryption = got.ServerSideEncryption
		case fieldPublic:
			seen.PublicAccessBlock = got.PublicAccessBlock
		case fieldTags:
			seen.Tags = got.Tags
		case fieldPolicy:
			seen.Policy = got.Policy
		}
	}
	return cmp.Diff(want, seen)
}

// lateInitialize fills spec fields left unset with what the bucket has, and
// says whether it changed anything: a missing encryption or public access
// block whole, and within a matching encryption the key and bucket key. A
// different algorithm is drift, corrected instead.
func lateInitialize(spec *v1alpha1.BucketParameters, got v1alpha1.BucketParameters) bool {
	changed := false
	if spec.PublicAccessBlock == nil && got.PublicAccessBlock != nil {
		spec.PublicAccessBlock, changed = ptr.To(*got.PublicAccessBlock), true
	}
	if spec.ServerSideEncryption == nil && got.ServerSideEncryption != nil {
		spec.ServerSideEncryption, changed = got.ServerSideEncryption.DeepCopy(), true
	}
	want, seen := spec.ServerSideEncryption, got.ServerSideEncryption
	if want == nil || seen == nil || want.Algorithm != seen.Algorithm {
		return changed
	}
	if want.KMSKeyID == nil && seen.KMSKeyID != nil && want.Algorithm != v1alpha1.SSEAlgorithmAES256 {
		want.KMSKeyID, changed = ptr.To(*seen.KMSKeyID), true
	}
	if want.BucketKeyEnabled == nil && seen.BucketKeyEnabled != nil {
		want.BucketKeyEnabled, changed = ptr.To(*seen.BucketKeyEnabled), true
	}
	return changed
}

func encryptionFrom(out *s3.GetBucketEncryptionOutput) *v1alpha1.ServerSideEncryption {
	if out == nil || out.ServerSideEncryptionConfiguration == nil || len(out.ServerSideEncryptionConfiguration.Rules) == 0 {
		return nil
	}
	r := out.ServerSideEncryptionConfiguration.Rules[0]
	if r.ApplyServerSideEncryptionByDefault == nil {
		return nil
	}
	return &v1alpha1.ServerSideEncryption{
		Algorithm:        string(r.ApplyServerSideEncryptionByDefault.SSEAlgorithm),
		KMSKeyID:         r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID,
		BucketKeyEnabled: r.BucketKeyEnabled,
	}
}

func encryptionConfiguration(p v1alpha1.ServerSideEncryption) *types.ServerSideEncryptionConfiguration {
	return &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{
			SSEAlgorithm:   types.ServerSideEncryption(p.Algorithm),
			KMSMasterKeyID: p.KMSKeyID,
		},
		BucketKeyEnabled: p.BucketKeyEnabled,
	}}}
}

func publicAccessBlockFrom(out *s3.GetPublicAccessBlockOutput) *v1alpha1.PublicAccessBlock {
	if out == nil || out.PublicAccessBlockConfiguration == nil {
		return &v1alpha1.PublicAccessBlock{}
	}
	c := out.PublicAccessBlockConfiguration
	return &v1alpha1.PublicAccessBlock{
		BlockPublicACLs:       aws.ToBool(c.BlockPublicAcls),
		IgnorePublicACLs:      aws.ToBool(c.IgnorePublicAcls),
		BlockPublicPolicy:     aws.ToBool(c.BlockPublicPolicy),
		RestrictPublicBuckets: aws.ToBool(c.RestrictPublicBuckets),
	}
}

// tagSet is sorted so that the request is the same for the same tags.
func tagSet(tags map[string]string) []types.Tag {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		set = append(set, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return set
}

func createInput(name string, p v1alpha1.BucketParameters) *s3.CreateBucketInput {
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	// us-east-1 is the one region S3 refuses as a location constraint.
	if p.Region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(p.Region)}
	}
	return in
}

func observation(name string, got observed, endpoint string) v1alpha1.BucketObservation {
	p := got.params
	return v1alpha1.BucketObservation{
		ARN:                  fmt.Sprintf("arn:%s:s3:::%s", awsclient.Partition(p.Region), name),
		Region:               p.Region,
		Endpoint:             endpoint,
		Versioning:           ptr.Deref(p.Versioning, ""),
		ServerSideEncryption: p.ServerSideEncryption,
		PublicAccessBlock:    p.PublicAccessBlock,
		Tags:                 p.Tags,
		UnsupportedByStore:   got.unsupported,
	}
}

// connectionDetails follow the provider's connection Secret contract: see
// docs/connection-secrets.md.
func connectionDetails(o v1alpha1.BucketObservation, name string) managed.ConnectionDetails {
	return managed.ConnectionDetails{
		"bucket":   []byte(name),
		"region":   []byte(o.Region),
		"endpoint": []byte(o.Endpoint),
		"arn":      []byte(o.ARN),
	}
}

func defaultEndpoint(region string) string {
	if awsclient.Partition(region) == "aws-cn" {
		return "https://s3." + region + ".amazonaws.com.cn"
	}
	return "https://s3." + region + ".amazonaws.com"
}

// validate refuses, before any call, what S3 would: a bad name, and a
// policy that is not JSON (S3 answers MalformedPolicy; some stores keep it).
func validate(name string, p v1alpha1.BucketParameters) error {
	if err := validName(name); err != nil {
		return err
	}
	if p.Policy != nil && !json.Valid([]byte(*p.Policy)) {
		return xperrors.New("spec.forProvider.policy is not a JSON document; write the bucket policy as JSON")
	}
	return nil
}

var bucketNameChars = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)

// validName applies S3's bucket naming rules, so that a bad name is refused
// with a reason before any call.
func validName(name string) error {
	why := ""
	switch {
	case len(name) < 3 || len(name) > 63:
		why = "it must be 3 to 63 characters long"
	case !bucketNameChars.MatchString(name):
		why = "it may hold only lower-case letters, digits, dots and hyphens, and must start and end with a letter or digit"
	case strings.Contains(name, ".."):
		why = "it must not contain two dots in a row"
	case net.ParseIP(name) != nil:
		why = "it must not look like an IP address"
	case strings.HasPrefix(name, "xn--"), strings.HasPrefix(name, "sthree-"), strings.HasPrefix(name, "amzn-s3-demo-"):
		why = "it must not start with xn--, sthree- or amzn-s3-demo-"
	case strings.HasSuffix(name, "-s3alias"), strings.HasSuffix(name, "--ol-s3"), strings.HasSuffix(name, ".mrap"), strings.HasSuffix(name, "--x-s3"):
		why = "it must not end with -s3alias, --ol-s3, .mrap or --x-s3"
	default:
		return nil
	}
	return xperrors.Errorf("external name %q is not a valid S3 bucket name: %s", name, why)
}

// contents is what a bucket holds, as far as deleting it goes.
type contents int

const (
	// unread: what the bucket holds is not known.
	unread contents = iota
	empty
	// holdsObjects: at least one object.
	holdsObjects
	// holdsVersions: no object, but object versions or delete markers.
	holdsVersions
)

// deletion says what deleting bucket name does, given what it holds.
func deletion(name string, c contents) reconciler.Deletion {
	bucket := fmt.Sprintf("bucket %q with its configuration (tags, versioning, encryption, public access block, policy)", name)
	const free = "its name is then free for any account to take"
	refused := func(what string) string {
		return fmt.Sprintf("bucket %q holds %s: S3 refuses to delete it, the provider deletes no object, and the resource stays deleting until it is emptied (every object, object version and delete marker), or until Delete is removed from spec.managementPolicies to leave the bucket behind", name, what)
	}
	switch c {
	case empty:
		return reconciler.Deletion{Lost: []string{bucket + ": it holds no object, object version or delete marker; " + free}}
	case holdsObjects:
		return reconciler.Deletion{Kept: []string{bucket + ", and every object in it"}, Refused: refused("objects")}
	case holdsVersions:
		return reconciler.Deletion{Kept: []string{bucket + ", and its object versions and delete markers"}, Refused: refused("object versions or delete markers (no current object)")}
	}
	return reconciler.Deletion{
		Lost: []string{bucket + ", if it is empty; " + free},
		Kept: []string{"every object and object version: S3 deletes no bucket that holds any, and the provider deletes none, so a bucket that is not empty is kept and the resource waits, saying so"},
	}
}

func isNotFound(err error) bool  { return awsclient.HasCode(err, "NotFound", "NoSuchBucket") }
func isForbidden(err error) bool { return awsclient.HasCode(err, "Forbidden", "AccessDenied") }
func isMovedPermanently(err error) bool {
	return awsclient.HasCode(err, "MovedPermanently", "PermanentRedirect", "301")
}
func isAlreadyOwned(err error) bool  { return awsclient.HasCode(err, "BucketAlreadyOwnedByYou") }
func isTakenByOthers(err error) bool { return awsclient.HasCode(err, "BucketAlreadyExists") }
func isNotEmpty(err error) bool      { return awsclient.HasCode(err, "BucketNotEmpty") }
