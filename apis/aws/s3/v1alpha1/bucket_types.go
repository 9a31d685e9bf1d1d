package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// Versioning states a bucket can be put in. A bucket that was never
// versioned cannot be returned to that state, only suspended.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// Server-side encryption algorithms.
const (
	SSEAlgorithmAES256  = "AES256"
	SSEAlgorithmKMS     = "aws:kms"
	SSEAlgorithmKMSDSSE = "aws:kms:dsse"
)

// ServerSideEncryption is the bucket's default encryption for new objects.
// +kubebuilder:validation:XValidation:rule="self.algorithm != 'AES256' || !has(self.kmsKeyID)",message="kmsKeyID can only be set with algorithm aws:kms or aws:kms:dsse"
type ServerSideEncryption struct {
	// Algorithm: AES256 (S3-managed keys), aws:kms or aws:kms:dsse.
	// +kubebuilder:validation:Enum=AES256;"aws:kms";"aws:kms:dsse"
	// +kubebuilder:default=AES256
	Algorithm string `json:"algorithm"`

	// KMSKeyID is the KMS key ID, ARN or alias. Unset with aws:kms means
	// the AWS managed key aws/s3.
	// +optional
	KMSKeyID *string `json:"kmsKeyID,omitempty"`

	// BucketKeyEnabled makes S3 use a bucket-level key to cut KMS calls.
	// Late-initialised from the bucket when unset.
	// +optional
	BucketKeyEnabled *bool `json:"bucketKeyEnabled,omitempty"`
}

// PublicAccessBlock is the bucket's public access block. Every setting is
// on unless turned off.
type PublicAccessBlock struct {
	// BlockPublicACLs rejects requests that add public ACLs.
	// +kubebuilder:default=true
	BlockPublicACLs bool `json:"blockPublicAcls"`

	// IgnorePublicACLs ignores public ACLs on the bucket and its objects.
	// +kubebuilder:default=true
	IgnorePublicACLs bool `json:"ignorePublicAcls"`

	// BlockPublicPolicy rejects bucket policies that grant public access.
	// +kubebuilder:default=true
	BlockPublicPolicy bool `json:"blockPublicPolicy"`

	// RestrictPublicBuckets limits access to buckets with public policies
	// to AWS principals and the bucket owner's account.
	// +kubebuilder:default=true
	RestrictPublicBuckets bool `json:"restrictPublicBuckets"`
}

// BucketParameters are the configurable fields of a Bucket. A field left
// unset is neither read nor changed, except serverSideEncryption and
// publicAccessBlock: a new bucket gets the secure defaults, an existing one
// keeps what it has and the spec is late-initialised from it.
type BucketParameters struct {
	// Region the bucket lives in, such as eu-west-1; S3-compatible stores
	// may name theirs differently (Ceph RGW's "default"). A bucket cannot
	// move, so this cannot be changed after creation.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: a bucket cannot move to another region"
	Region string `json:"region"`

	// Versioning of objects: Enabled or Suspended. Unset leaves versioning
	// as it is.
	// +kubebuilder:validation:Enum=Enabled;Suspended
	// +optional
	Versioning *string `json:"versioning,omitempty"`

	// ServerSideEncryption is the default encryption of new objects. Unset:
	// AES256 for a bucket the provider creates; an existing bucket's is
	// late-initialised.
	// +optional
	ServerSideEncryption *ServerSideEncryption `json:"serverSideEncryption,omitempty"`

	// PublicAccessBlock blocks public access. Unset: all four settings on
	// for a bucket the provider creates; an existing bucket's are
	// late-initialised. Settings left out of a block given are on.
	// +optional
	PublicAccessBlock *PublicAccessBlock `json:"publicAccessBlock,omitempty"`

	// Tags to set on the bucket. The provider adds crossplane-kind,
	// crossplane-name, crossplane-namespace, crossplane-providerconfig,
	// crossplane-providerconfig-kind and crossplane-uid. S3 allows 50 tags,
	// so 44 are left.
	// +kubebuilder:validation:MaxProperties=44
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('aws:') && !k.startsWith('crossplane-') && k.size() <= 128)",message="tag keys must be at most 128 characters and must not start with aws: or crossplane- (reserved)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k].size() <= 256)",message="tag values must be at most 256 characters"
	// +optional
	Tags map[string]string `json:"tags,omitempty"`

	// Policy is the bucket policy, a JSON document. Unset leaves the
	// bucket's policy as it is.
	// +kubebuilder:validation:MinLength=2
	// +optional
	Policy *string `json:"policy,omitempty"`
}

// BucketObservation is the observed state of a Bucket.
type BucketObservation struct {
	// ARN of the bucket.
	ARN string `json:"arn,omitempty"`

	// Region the bucket lives in, as S3 reports it.
	Region string `json:"region,omitempty"`

	// Endpoint is the S3 endpoint that serves the bucket.
	Endpoint string `json:"endpoint,omitempty"`

	// Versioning status as S3 reports it; empty if never enabled.
	Versioning string `json:"versioning,omitempty"`

	// ServerSideEncryption as S3 reports it.
	ServerSideEncryption *ServerSideEncryption `json:"serverSideEncryption,omitempty"`

	// PublicAccessBlock as S3 reports it.
	PublicAccessBlock *PublicAccessBlock `json:"publicAccessBlock,omitempty"`

	// Tags as S3 reports them, including the provider's own.
	Tags map[string]string `json:"tags,omitempty"`

	// UnsupportedByStore lists the sub-configurations the store answered
	// NotImplemented for, as S3-compatible stores do for what they lack.
	// The provider neither applies its secure defaults for them nor
	// late-initialises them; one the spec sets explicitly is an error.
	// +optional
	UnsupportedByStore []string `json:"unsupportedByStore,omitempty"`
}

// A BucketSpec defines the desired state of a Bucket.
type BucketSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              BucketParameters `json:"forProvider"`
}

// A BucketStatus represents the observed state of a Bucket.
type BucketStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 BucketObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A Bucket is an Amazon S3 bucket (or one in an S3-compatible store). Its
// name is the crossplane.io/external-name annotation, defaulting to
// metadata.name, and must be a valid S3 bucket name.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="REGION",type="string",JSONPath=".spec.forProvider.region"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,aws}
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) >= 3 && size(self.metadata.name) <= 63",message="metadata.name is the default bucket name and must be 3 to 63 characters"
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.matches('^[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+$') && !self.metadata.name.startsWith('xn--') && !self.metadata.name.startsWith('sthree-') && !self.metadata.name.endsWith('-s3alias') && !self.metadata.name.endsWith('--ol-s3')",message="metadata.name is the default bucket name and must be a valid S3 bucket name: not an IP address, no xn-- or sthree- prefix, no -s3alias or --ol-s3 suffix"
type Bucket struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   BucketSpec   `json:"spec"`
	Status BucketStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// BucketList contains a list of Bucket.
type BucketList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Bucket `json:"items"`
}

// Bucket type metadata.
var (
	BucketKind             = reflect.TypeOf(Bucket{}).Name()
	BucketGroupKind        = schema.GroupKind{Group: Group, Kind: BucketKind}.String()
	BucketGroupVersionKind = SchemeGroupVersion.WithKind(BucketKind)
)

// A Bucket is a namespaced managed resource with a typed provider config
// reference and a local connection Secret.
var _ resource.ModernManaged = &Bucket{}

func init() {
	SchemeBuilder.Register(&Bucket{}, &BucketList{})
}
