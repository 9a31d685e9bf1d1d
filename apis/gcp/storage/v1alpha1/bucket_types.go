package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// Public access prevention settings.
const (
	PublicAccessPreventionEnforced  = "enforced"
	PublicAccessPreventionInherited = "inherited"
)

// Lifecycle action types.
const (
	LifecycleActionDelete                         = "Delete"
	LifecycleActionSetStorageClass                = "SetStorageClass"
	LifecycleActionAbortIncompleteMultipartUpload = "AbortIncompleteMultipartUpload"
)

// Object states a lifecycle condition can match.
const (
	WithStateLive     = "LIVE"
	WithStateArchived = "ARCHIVED"
	WithStateAny      = "ANY"
)

// LifecycleAction is what a lifecycle rule does.
// +kubebuilder:validation:XValidation:rule="(self.type == 'SetStorageClass') == has(self.storageClass)",message="storageClass is required for SetStorageClass and only allowed there"
type LifecycleAction struct {
	// Type of the action.
	// +kubebuilder:validation:Enum=Delete;SetStorageClass;AbortIncompleteMultipartUpload
	Type string `json:"type"`

	// StorageClass objects move to, for SetStorageClass.
	// +kubebuilder:validation:Enum=STANDARD;NEARLINE;COLDLINE;ARCHIVE;REGIONAL;MULTI_REGIONAL;DURABLE_REDUCED_AVAILABILITY
	// +optional
	StorageClass *string `json:"storageClass,omitempty"`
}

// LifecycleCondition says which objects a rule applies to. Every condition
// set must hold.
// +kubebuilder:validation:XValidation:rule="has(self.ageDays) || has(self.createdBefore) || has(self.withState) || has(self.numNewerVersions) || has(self.matchesStorageClass) || has(self.matchesPrefix) || has(self.matchesSuffix) || has(self.daysSinceNoncurrentTime)",message="a lifecycle condition needs at least one field"
type LifecycleCondition struct {
	// AgeDays matches objects at least this many days old.
	// +kubebuilder:validation:Minimum=0
	// +optional
	AgeDays *int64 `json:"ageDays,omitempty"`

	// CreatedBefore matches objects created before this date (UTC),
	// YYYY-MM-DD.
	// +kubebuilder:validation:Format=date
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	// +optional
	CreatedBefore *string `json:"createdBefore,omitempty"`

	// WithState matches LIVE, ARCHIVED (noncurrent) or ANY objects.
	// +kubebuilder:validation:Enum=LIVE;ARCHIVED;ANY
	// +optional
	WithState *string `json:"withState,omitempty"`

	// NumNewerVersions matches noncurrent objects with at least this many
	// newer versions.
	// +kubebuilder:validation:Minimum=0
	// +optional
	NumNewerVersions *int64 `json:"numNewerVersions,omitempty"`

	// MatchesStorageClass matches objects of these storage classes.
	// +optional
	MatchesStorageClass []string `json:"matchesStorageClass,omitempty"`

	// MatchesPrefix matches objects whose names start with one of these.
	// +optional
	MatchesPrefix []string `json:"matchesPrefix,omitempty"`

	// MatchesSuffix matches objects whose names end with one of these.
	// +optional
	MatchesSuffix []string `json:"matchesSuffix,omitempty"`

	// DaysSinceNoncurrentTime matches objects noncurrent for at least this
	// many days.
	// +kubebuilder:validation:Minimum=0
	// +optional
	DaysSinceNoncurrentTime *int64 `json:"daysSinceNoncurrentTime,omitempty"`
}

// LifecycleRule is one object lifecycle rule.
type LifecycleRule struct {
	Action    LifecycleAction    `json:"action"`
	Condition LifecycleCondition `json:"condition"`
}

// RetentionPolicy keeps every object for a minimum time.
type RetentionPolicy struct {
	// RetentionPeriodSeconds objects are kept; at most 100 years.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3155760000
	RetentionPeriodSeconds int64 `json:"retentionPeriodSeconds"`
}

// BucketParameters are the configurable fields of a Bucket. A field left
// unset is neither changed nor removed, except the late-initialised ones:
// storageClass, versioning, uniformBucketLevelAccess and
// publicAccessPrevention take the bucket's values (a new bucket gets
// uniform bucket-level access and enforced public access prevention).
type BucketParameters struct {
	// Location of the bucket: a region (us-central1), dual-region (nam4) or
	// multi-region (US, EU, ASIA). A bucket cannot move, so this cannot be
	// changed after creation.
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$`
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii() == oldSelf.lowerAscii()",message="location is immutable: a bucket cannot move to another location"
	Location string `json:"location"`

	// StorageClass of new objects. Late-initialised from the bucket when
	// unset. REGIONAL, MULTI_REGIONAL and DURABLE_REDUCED_AVAILABILITY are
	// legacy classes older buckets still report.
	// +kubebuilder:validation:Enum=STANDARD;NEARLINE;COLDLINE;ARCHIVE;REGIONAL;MULTI_REGIONAL;DURABLE_REDUCED_AVAILABILITY
	// +optional
	StorageClass *string `json:"storageClass,omitempty"`

	// Versioning keeps noncurrent versions of overwritten and deleted
	// objects. Late-initialised from the bucket when unset.
	// +optional
	Versioning *bool `json:"versioning,omitempty"`

	// Labels to set on the bucket. The provider adds crossplane-kind,
	// crossplane-name, crossplane-namespace, crossplane-providerconfig,
	// crossplane-providerconfig-kind and crossplane-uid (GCS allows 64).
	// Values may hold only lower-case letters, digits, _ and - (checked by
	// the provider: a per-value pattern exceeds the API server's CEL cost
	// budget).
	// +kubebuilder:validation:MaxProperties=58
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[a-z][a-z0-9_-]{0,62}$') && !k.startsWith('crossplane-'))",message="label keys must start with a lower-case letter, hold only lower-case letters, digits, _ and -, be at most 63 characters, and not start with crossplane- (reserved)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k].size() <= 63)",message="label values must be at most 63 characters"
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// UniformBucketLevelAccess turns off object ACLs so that IAM alone
	// controls access. Unset: on for a bucket the provider creates; an
	// existing bucket's setting is late-initialised.
	// +optional
	UniformBucketLevelAccess *bool `json:"uniformBucketLevelAccess,omitempty"`

	// PublicAccessPrevention: "enforced" refuses any public access;
	// "inherited" follows the organisation policy. Unset: enforced for a
	// bucket the provider creates; an existing bucket's setting is
	// late-initialised.
	// +kubebuilder:validation:Enum=enforced;inherited
	// +optional
	PublicAccessPrevention *string `json:"publicAccessPrevention,omitempty"`

	// LifecycleRules replace the bucket's lifecycle rules. Unset leaves them
	// as they are; an empty list removes them all. Not omitempty: the
	// provider writes the whole object back, and an empty list must survive
	// that (a nil list is sent as null, which the API server prunes).
	// +kubebuilder:validation:MaxItems=100
	// +optional
	LifecycleRules []LifecycleRule `json:"lifecycleRules"`

	// RetentionPolicy keeps objects for a minimum time. Unset leaves the
	// bucket's policy as it is. The provider never locks a policy: locking
	// cannot be undone.
	// +optional
	RetentionPolicy *RetentionPolicy `json:"retentionPolicy,omitempty"`

	// DefaultKMSKeyName encrypts new objects with this Cloud KMS key.
	// +kubebuilder:validation:Pattern=`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`
	// +optional
	DefaultKMSKeyName *string `json:"defaultKMSKeyName,omitempty"`
}

// BucketObservation is the observed state of a Bucket.
type BucketObservation struct {
	// URL of the bucket, gs://name.
	URL string `json:"url,omitempty"`

	// ProjectNumber the bucket belongs to.
	ProjectNumber string `json:"projectNumber,omitempty"`

	// Location as GCS reports it (upper case).
	Location string `json:"location,omitempty"`

	// StorageClass as GCS reports it.
	StorageClass string `json:"storageClass,omitempty"`

	// Versioning as GCS reports it.
	Versioning bool `json:"versioning,omitempty"`

	// UniformBucketLevelAccess as GCS reports it.
	UniformBucketLevelAccess bool `json:"uniformBucketLevelAccess,omitempty"`

	// PublicAccessPrevention as GCS reports it.
	PublicAccessPrevention string `json:"publicAccessPrevention,omitempty"`

	// Labels as GCS reports them, including the provider's own.
	Labels map[string]string `json:"labels,omitempty"`

	// Metageneration of the bucket's metadata.
	Metageneration int64 `json:"metageneration,omitempty"`

	// Created is when the bucket was created.
	Created *metav1.Time `json:"created,omitempty"`
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

// A Bucket is a Google Cloud Storage bucket. Its name is the
// crossplane.io/external-name annotation, defaulting to metadata.name, and
// must be a valid GCS bucket name.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="LOCATION",type="string",JSONPath=".spec.forProvider.location"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,gcp}
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) >= 3 && size(self.metadata.name) <= 63",message="metadata.name is the default bucket name and must be 3 to 63 characters"
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.matches('^[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+$') && !self.metadata.name.startsWith('goog') && !self.metadata.name.contains('google')",message="metadata.name is the default bucket name and must be a valid GCS bucket name: not an IP address, not starting with goog, not containing google"
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
