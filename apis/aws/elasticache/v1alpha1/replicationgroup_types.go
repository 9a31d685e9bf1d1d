package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// Engines the provider manages.
const (
	EngineRedis  = "redis"
	EngineValkey = "valkey"
)

// A LocalSecretKeySelector selects a key of a Secret in the resource's own
// namespace.
type LocalSecretKeySelector struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Key within the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:default=token
	Key string `json:"key"`
}

// ReplicationGroupParameters are the configurable fields of a
// ReplicationGroup.
// +kubebuilder:validation:XValidation:rule="!has(self.authTokenSecretRef) || self.transitEncryptionEnabled",message="an auth token needs transitEncryptionEnabled: ElastiCache sends it only over TLS"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.authTokenSecretRef) || has(self.authTokenSecretRef)",message="authTokenSecretRef cannot be removed once set: the group keeps requiring its token, and clients would be told to connect without one"
// +kubebuilder:validation:XValidation:rule="!self.automaticFailoverEnabled || self.numCacheClusters >= 2",message="automaticFailoverEnabled needs numCacheClusters of 2 or more (a replica to fail over to)"
// +kubebuilder:validation:XValidation:rule="!has(self.multiAZEnabled) || !self.multiAZEnabled || self.automaticFailoverEnabled",message="multiAZEnabled needs automaticFailoverEnabled"
// +kubebuilder:validation:XValidation:rule="self.atRestEncryptionEnabled || !has(self.kmsKeyID)",message="kmsKeyID needs atRestEncryptionEnabled"
type ReplicationGroupParameters struct {
	// Region of the group. Immutable.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: a replication group cannot move; create a new one"
	Region string `json:"region"`

	// Description of the group.
	// +kubebuilder:default="Managed by provider-appinfra"
	// +kubebuilder:validation:MinLength=1
	Description string `json:"description"`

	// Engine: redis or valkey. Immutable.
	// +kubebuilder:validation:Enum=redis;valkey
	// +kubebuilder:default=redis
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="engine is immutable here: create a new group to change engine"
	Engine string `json:"engine"`

	// EngineVersion, such as 7.1. Late-initialised.
	// +optional
	EngineVersion *string `json:"engineVersion,omitempty"`

	// CacheNodeType, such as cache.t4g.micro.
	// +kubebuilder:validation:Pattern=`^cache\.[a-z0-9]+\.[a-z0-9]+$`
	CacheNodeType string `json:"cacheNodeType"`

	// NumCacheClusters is the number of nodes: the primary and its
	// replicas (1 to 6). A change adds or removes replicas.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=6
	// +kubebuilder:default=1
	NumCacheClusters int32 `json:"numCacheClusters"`

	// AutomaticFailoverEnabled promotes a replica when the primary fails.
	// +kubebuilder:default=false
	AutomaticFailoverEnabled bool `json:"automaticFailoverEnabled"`

	// MultiAZEnabled places replicas in other availability zones.
	// +optional
	MultiAZEnabled *bool `json:"multiAZEnabled,omitempty"`

	// TransitEncryptionEnabled serves TLS only. Immutable here.
	// +kubebuilder:default=true
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="transitEncryptionEnabled is immutable here: clients must move between plain and TLS connections together with the group"
	TransitEncryptionEnabled bool `json:"transitEncryptionEnabled"`

	// AtRestEncryptionEnabled encrypts data on disk. Immutable.
	// +kubebuilder:default=true
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="atRestEncryptionEnabled is immutable: ElastiCache cannot change it in place"
	AtRestEncryptionEnabled bool `json:"atRestEncryptionEnabled"`

	// KMSKeyID encrypts data at rest with this key. Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="kmsKeyID is immutable: ElastiCache cannot change a group's key"
	// +optional
	KMSKeyID *string `json:"kmsKeyID,omitempty"`

	// AuthTokenSecretRef is the Secret key, in the resource's namespace,
	// holding the auth token (needs transit encryption). When the key does
	// not exist, the provider generates a token (192 bits) there before it
	// creates the group. Changing the value rotates the token: ROTATE
	// first, so clients holding the old token keep working; once the group
	// accepts both, the new token goes into the connection Secret; after
	// authTokenGracePeriod, SET revokes the old one. Once set it cannot be
	// removed.
	// +optional
	AuthTokenSecretRef *LocalSecretKeySelector `json:"authTokenSecretRef,omitempty"`

	// AuthTokenGracePeriod is how long both tokens stay valid after a
	// rotation, counted from the moment the new token is in the connection
	// Secret, before SET revokes the old one. Applications that read the
	// token only at start must be restarted (or reload it) within it.
	// Default 5m.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	AuthTokenGracePeriod *metav1.Duration `json:"authTokenGracePeriod,omitempty"`

	// Port the nodes listen on. Immutable. Late-initialised (6379).
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="port is immutable: ElastiCache cannot change a group's port"
	// +optional
	Port *int32 `json:"port,omitempty"`

	// CacheParameterGroupName applies a parameter group. Late-initialised,
	// unless it is a default one (default.redis7), whose family an engine
	// upgrade changes; a default group written here is satisfied by the
	// default group of any family.
	// +optional
	CacheParameterGroupName *string `json:"cacheParameterGroupName,omitempty"`

	// CacheSubnetGroupName places the group in a VPC's subnets. Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="cacheSubnetGroupName is immutable: moving a group to another VPC needs a new group"
	// +optional
	CacheSubnetGroupName *string `json:"cacheSubnetGroupName,omitempty"`

	// CacheSubnetGroupNameRef names a CacheSubnetGroup in this namespace
	// whose name fills cacheSubnetGroupName.
	// +optional
	CacheSubnetGroupNameRef *xpv2.Reference `json:"cacheSubnetGroupNameRef,omitempty"`

	// CacheSubnetGroupNameSelector selects a CacheSubnetGroup in this
	// namespace whose name fills cacheSubnetGroupName.
	// +optional
	CacheSubnetGroupNameSelector *xpv2.Selector `json:"cacheSubnetGroupNameSelector,omitempty"`

	// SecurityGroupIDs control network access. Late-initialised.
	// +optional
	SecurityGroupIDs []string `json:"securityGroupIDs,omitempty"`

	// SecurityGroupIDRefs name SecurityGroups in this namespace whose ids
	// fill securityGroupIDs.
	// +optional
	SecurityGroupIDRefs []xpv2.Reference `json:"securityGroupIDRefs,omitempty"`

	// SecurityGroupIDSelector selects SecurityGroups in this namespace
	// whose ids fill securityGroupIDs.
	// +optional
	SecurityGroupIDSelector *xpv2.Selector `json:"securityGroupIDSelector,omitempty"`

	// SnapshotRetentionLimit in days; 0 turns automatic snapshots off.
	// Late-initialised.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=35
	// +optional
	SnapshotRetentionLimit *int32 `json:"snapshotRetentionLimit,omitempty"`

	// SnapshotWindow, hh24:mi-hh24:mi in UTC. Late-initialised.
	// +kubebuilder:validation:Pattern=`^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$`
	// +optional
	SnapshotWindow *string `json:"snapshotWindow,omitempty"`

	// PreferredMaintenanceWindow, ddd:hh24:mi-ddd:hh24:mi in UTC.
	// Late-initialised.
	// +kubebuilder:validation:Pattern=`^(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]$`
	// +optional
	PreferredMaintenanceWindow *string `json:"preferredMaintenanceWindow,omitempty"`

	// FinalSnapshotIdentifier, if set, names a snapshot taken when the
	// group is deleted.
	// +optional
	FinalSnapshotIdentifier *string `json:"finalSnapshotIdentifier,omitempty"`

	// ApplyImmediately applies changes now instead of in the next
	// maintenance window.
	// +kubebuilder:default=true
	ApplyImmediately bool `json:"applyImmediately"`

	// Tags to set on the group. The provider adds its crossplane- tags.
	// +kubebuilder:validation:MaxProperties=44
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('aws:') && !k.startsWith('crossplane-') && k.size() <= 128)",message="tag keys must be at most 128 characters and must not start with aws: or crossplane- (reserved)"
	// +optional
	Tags map[string]string `json:"tags,omitempty"`
}

// ReplicationGroupObservation is what ElastiCache reports about a group.
type ReplicationGroupObservation struct {
	// Status as ElastiCache reports it: creating, available, modifying, ...
	Status string `json:"status,omitempty"`
	// PrimaryAddress and ReaderAddress of the group's endpoints.
	PrimaryAddress string `json:"primaryAddress,omitempty"`
	ReaderAddress  string `json:"readerAddress,omitempty"`
	// Port of the primary endpoint.
	Port int32 `json:"port,omitempty"`
	// ReaderPort of the reader endpoint: the same as port on AWS, where
	// every node of a group listens on one port; it differs where nodes
	// share an address, as in the project's local cloud.
	ReaderPort int32 `json:"readerPort,omitempty"`
	// ARN of the group.
	ARN string `json:"arn,omitempty"`
	// MemberClusters are the group's nodes.
	MemberClusters []string `json:"memberClusters,omitempty"`
	// EngineVersion running.
	EngineVersion string `json:"engineVersion,omitempty"`
	// PrimaryNode is what the primary's cache cluster reported when it was
	// last described: ElastiCache reports these per node, not per group.
	// It is described when the group first becomes available, when it
	// comes back to available after a change, and while the spec differs
	// from what it says; an in-sync poll does not describe it.
	// +optional
	PrimaryNode *NodeObservation `json:"primaryNode,omitempty"`
	// AuthTokenSecretVersion is the version of the token in place: a keyed
	// hash of it (HMAC-SHA256, with a key only the provider holds), which
	// reveals nothing of the token.
	AuthTokenSecretVersion string `json:"authTokenSecretVersion,omitempty"`
	// AuthTokenRotating is the version of the token being rotated in: ElastiCache
	// accepts both tokens until the rotation is completed with SET.
	AuthTokenRotating string `json:"authTokenRotating,omitempty"`
	// AuthTokenRotated is when ElastiCache finished the ROTATE, and the new
	// token went into the connection Secret; the grace period counts from
	// it.
	// +optional
	AuthTokenRotated *metav1.Time `json:"authTokenRotated,omitempty"`
}

// NodeObservation is what a cache cluster (a node) of the group reports.
type NodeObservation struct {
	SecurityGroupIDs           []string `json:"securityGroupIDs,omitempty"`
	CacheParameterGroupName    string   `json:"cacheParameterGroupName,omitempty"`
	PreferredMaintenanceWindow string   `json:"preferredMaintenanceWindow,omitempty"`
	// PendingCacheNodeType and PendingEngineVersion are changes
	// ElastiCache holds for the maintenance window (applyImmediately
	// false).
	PendingCacheNodeType string `json:"pendingCacheNodeType,omitempty"`
	PendingEngineVersion string `json:"pendingEngineVersion,omitempty"`
}

// A ReplicationGroupSpec defines the desired state of a ReplicationGroup.
type ReplicationGroupSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              ReplicationGroupParameters `json:"forProvider"`
}

// A ReplicationGroupStatus represents the observed state of a
// ReplicationGroup.
type ReplicationGroupStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 ReplicationGroupObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A ReplicationGroup is an Amazon ElastiCache (Redis OSS or Valkey)
// replication group. Its ID is the crossplane.io/external-name annotation,
// defaulting to metadata.name.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="STATUS",type="string",JSONPath=".status.atProvider.status"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,aws}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z][a-z0-9-]{0,39}$') && !self.metadata.name.endsWith('-') && !self.metadata.name.contains('--')",message="metadata.name is the default replication group ID: 1 to 40 lower-case letters, digits and single hyphens, starting with a letter"
type ReplicationGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ReplicationGroupSpec   `json:"spec"`
	Status ReplicationGroupStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ReplicationGroupList contains a list of ReplicationGroup.
type ReplicationGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ReplicationGroup `json:"items"`
}

// ReplicationGroup type metadata.
var (
	ReplicationGroupKind             = reflect.TypeOf(ReplicationGroup{}).Name()
	ReplicationGroupGroupKind        = schema.GroupKind{Group: Group, Kind: ReplicationGroupKind}.String()
	ReplicationGroupGroupVersionKind = SchemeGroupVersion.WithKind(ReplicationGroupKind)
)

// A ReplicationGroup is a namespaced managed resource.
var _ resource.ModernManaged = &ReplicationGroup{}

func init() {
	SchemeBuilder.Register(&ReplicationGroup{}, &ReplicationGroupList{})
}
