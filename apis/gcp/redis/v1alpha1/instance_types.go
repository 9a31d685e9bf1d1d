package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// Service tiers.
const (
	TierBasic      = "BASIC"
	TierStandardHA = "STANDARD_HA"
)

// Transit encryption modes.
const (
	TransitEncryptionServerAuthentication = "SERVER_AUTHENTICATION"
	TransitEncryptionDisabled             = "DISABLED"
)

// Read replicas modes.
const (
	ReadReplicasDisabled = "READ_REPLICAS_DISABLED"
	ReadReplicasEnabled  = "READ_REPLICAS_ENABLED"
)

// Connect modes.
const (
	ConnectModeDirectPeering        = "DIRECT_PEERING"
	ConnectModePrivateServiceAccess = "PRIVATE_SERVICE_ACCESS"
)

// TimeOfDay is a time of day in UTC, on the hour.
type TimeOfDay struct {
	// Hours of the day, 0 to 23.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=23
	Hours int64 `json:"hours"`
}

// WeeklyMaintenanceWindow is the hour of the week Memorystore may run
// maintenance in.
type WeeklyMaintenanceWindow struct {
	// Day of the week.
	// +kubebuilder:validation:Enum=MONDAY;TUESDAY;WEDNESDAY;THURSDAY;FRIDAY;SATURDAY;SUNDAY
	Day string `json:"day"`

	// StartTime of the window, which lasts an hour.
	StartTime TimeOfDay `json:"startTime"`
}

// MaintenancePolicy says when Memorystore may run maintenance.
type MaintenancePolicy struct {
	// WeeklyMaintenanceWindow: Memorystore takes one.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=1
	WeeklyMaintenanceWindow []WeeklyMaintenanceWindow `json:"weeklyMaintenanceWindow"`
}

// InstanceParameters are the configurable fields of an Instance, named as
// the Memorystore for Redis API names them. A field left unset is neither
// changed nor removed, except the late-initialised ones.
// +kubebuilder:validation:XValidation:rule="!has(self.replicaCount) || self.tier == 'STANDARD_HA'",message="replicaCount applies to the STANDARD_HA tier only: a BASIC instance has no replica"
// +kubebuilder:validation:XValidation:rule="!has(self.readReplicasMode) || self.readReplicasMode == 'READ_REPLICAS_DISABLED' || self.tier == 'STANDARD_HA'",message="read replicas need the STANDARD_HA tier"
// +kubebuilder:validation:XValidation:rule="!has(self.replicaCount) || self.replicaCount == 1 || (has(self.readReplicasMode) && self.readReplicasMode == 'READ_REPLICAS_ENABLED')",message="replicaCount other than 1 needs readReplicasMode READ_REPLICAS_ENABLED: without read replicas a STANDARD_HA instance has exactly one replica"
// +kubebuilder:validation:XValidation:rule="!has(self.readReplicasMode) || self.readReplicasMode != 'READ_REPLICAS_ENABLED' || self.memorySizeGb >= 5",message="read replicas need memorySizeGb of 5 or more"
type InstanceParameters struct {
	// Region of the instance, such as us-central1: the location in its
	// name. Immutable.
	// +kubebuilder:validation:Pattern=`^[a-z]+(-[a-z]+)+[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: an instance cannot move; create a new one"
	Region string `json:"region"`

	// Tier: BASIC (a standalone node) or STANDARD_HA (a primary and
	// replicas in other zones, with automatic failover). Immutable.
	// +kubebuilder:validation:Enum=BASIC;STANDARD_HA
	// +kubebuilder:default=BASIC
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="tier is immutable: Memorystore cannot change an instance's tier; create a new one"
	Tier string `json:"tier"`

	// MemorySizeGb is the instance's memory in GiB, 1 to 300. A change
	// scales the instance in place (a BASIC instance's cache is flushed
	// when it is scaled).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=300
	MemorySizeGb int64 `json:"memorySizeGb"`

	// RedisVersion is the least Redis version the instance runs: REDIS_6_X,
	// REDIS_7_0 or REDIS_7_2. Unset: Memorystore's default, and whatever it
	// runs is in sync. A higher version upgrades the instance; a running
	// version higher than this one (an upgrade Memorystore made by itself,
	// or written by hand) is in sync, since Memorystore cannot downgrade.
	// Not late-initialised: status.atProvider.redisVersion is what runs.
	// +kubebuilder:validation:Enum=REDIS_6_X;REDIS_7_0;REDIS_7_2
	// +kubebuilder:validation:XValidation:rule="self >= oldSelf",message="redisVersion can only be raised: Memorystore upgrades an instance but cannot downgrade it"
	// +optional
	RedisVersion *string `json:"redisVersion,omitempty"`

	// ReplicaCount is the number of replicas of a STANDARD_HA instance: 1
	// without read replicas, 1 to 5 with them. Late-initialised.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=5
	// +optional
	ReplicaCount *int64 `json:"replicaCount,omitempty"`

	// ReadReplicasMode of a STANDARD_HA instance: READ_REPLICAS_ENABLED
	// gives it a read endpoint served by its replicas (memorySizeGb 5 or
	// more). Set at creation here: enabling read replicas on an existing
	// instance needs a secondary IP range, which this resource does not
	// manage. Late-initialised.
	// +kubebuilder:validation:Enum=READ_REPLICAS_DISABLED;READ_REPLICAS_ENABLED
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="readReplicasMode is set at creation here: create a new instance to change it"
	// +optional
	ReadReplicasMode *string `json:"readReplicasMode,omitempty"`

	// AuthEnabled makes clients AUTH with the instance's AUTH string,
	// which Memorystore generates; it is published in the connection
	// Secret. Unset: on for an instance the provider creates; an existing
	// instance's setting is late-initialised.
	// +optional
	AuthEnabled *bool `json:"authEnabled,omitempty"`

	// TransitEncryptionMode: SERVER_AUTHENTICATION serves TLS only (port
	// 6378), with a certificate of the instance's own CA, published in the
	// connection Secret; DISABLED serves plain connections. Unset:
	// SERVER_AUTHENTICATION for an instance the provider creates; an
	// existing instance's mode is late-initialised. Immutable.
	// +kubebuilder:validation:Enum=SERVER_AUTHENTICATION;DISABLED
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="transitEncryptionMode is immutable: Memorystore cannot change it in place; create a new instance"
	// +optional
	TransitEncryptionMode *string `json:"transitEncryptionMode,omitempty"`

	// ConnectMode is how the instance joins the network: DIRECT_PEERING
	// (Memorystore's default) or PRIVATE_SERVICE_ACCESS (needed with
	// Shared VPC). Late-initialised. Immutable.
	// +kubebuilder:validation:Enum=DIRECT_PEERING;PRIVATE_SERVICE_ACCESS
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="connectMode is immutable: create a new instance to change it"
	// +optional
	ConnectMode *string `json:"connectMode,omitempty"`

	// AuthorizedNetwork is the VPC network the instance is reachable from,
	// projects/{project}/global/networks/{network}; Memorystore's default
	// is the project's default network. Late-initialised. Immutable.
	// +kubebuilder:validation:Pattern=`^projects/[^/]+/global/networks/[^/]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="authorizedNetwork is immutable: an instance cannot move to another network; create a new one"
	// +optional
	AuthorizedNetwork *string `json:"authorizedNetwork,omitempty"`

	// MaintenancePolicy is when Memorystore may run maintenance. Unset:
	// left as it is (Memorystore's default is any time).
	// +optional
	MaintenancePolicy *MaintenancePolicy `json:"maintenancePolicy,omitempty"`

	// RedisConfigs are Redis configuration parameters Memorystore lets
	// you set (maxmemory-policy, notify-keyspace-events, ...). Unset: left
	// as they are; set (even empty): exactly these.
	// +optional
	RedisConfigs map[string]string `json:"redisConfigs,omitempty"`

	// Labels to set on the instance. The provider adds crossplane-kind,
	// crossplane-name, crossplane-namespace, crossplane-providerconfig,
	// crossplane-providerconfig-kind and crossplane-uid (Google allows
	// 64). Values may hold only lower-case letters, digits, _ and -
	// (checked by the provider: a per-value pattern exceeds the API
	// server's CEL cost budget).
	// +kubebuilder:validation:MaxProperties=58
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[a-z][a-z0-9_-]{0,62}$') && !k.startsWith('crossplane-'))",message="label keys must start with a lower-case letter, hold only lower-case letters, digits, _ and -, be at most 63 characters, and not start with crossplane- (reserved)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k].size() <= 63)",message="label values must be at most 63 characters"
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// DisplayName of the instance. Unset: left as it is.
	// +kubebuilder:validation:MaxLength=80
	// +optional
	DisplayName *string `json:"displayName,omitempty"`
}

// Operation is a long-running operation the provider started.
type Operation struct {
	// Name of the operation,
	// projects/{project}/locations/{region}/operations/{id}.
	Name string `json:"name"`
	// Verb: create, update, upgrade or delete.
	Verb string `json:"verb"`
}

// InstanceObservation is what Memorystore reports about an instance.
type InstanceObservation struct {
	// Name of the instance,
	// projects/{project}/locations/{region}/instances/{id}.
	Name string `json:"name,omitempty"`

	// State as Memorystore reports it: CREATING, READY, UPDATING,
	// MAINTENANCE, FAILING_OVER, REPAIRING, DELETING, ...
	State string `json:"state,omitempty"`

	// StatusMessage says more about the state, when Memorystore does.
	StatusMessage string `json:"statusMessage,omitempty"`

	// Host and Port of the primary endpoint.
	Host string `json:"host,omitempty"`
	Port int64  `json:"port,omitempty"`

	// ReadEndpoint and ReadEndpointPort, served by the replicas of an
	// instance with read replicas.
	ReadEndpoint     string `json:"readEndpoint,omitempty"`
	ReadEndpointPort int64  `json:"readEndpointPort,omitempty"`

	// LocationID is the zone the instance was placed in;
	// CurrentLocationID the zone of its primary now (a failover moves it).
	LocationID        string `json:"locationId,omitempty"`
	CurrentLocationID string `json:"currentLocationId,omitempty"`

	// RedisVersion running.
	RedisVersion string `json:"redisVersion,omitempty"`

	// MemorySizeGb and ReplicaCount as Memorystore reports them.
	MemorySizeGb int64 `json:"memorySizeGb,omitempty"`
	ReplicaCount int64 `json:"replicaCount,omitempty"`

	// AuthEnabled and TransitEncryptionMode as Memorystore reports them.
	AuthEnabled           bool   `json:"authEnabled,omitempty"`
	TransitEncryptionMode string `json:"transitEncryptionMode,omitempty"`

	// MaintenanceVersion the instance runs, such as 20260712_00_00.
	MaintenanceVersion string `json:"maintenanceVersion,omitempty"`

	// ServerCACertExpireTime is when the first of the instance's server CA
	// certificates (serverCaCerts) to expire does: clients must trust the
	// new CA before then.
	// +optional
	ServerCACertExpireTime *metav1.Time `json:"serverCaCertExpireTime,omitempty"`

	// Labels as Memorystore reports them, including the provider's own.
	Labels map[string]string `json:"labels,omitempty"`

	// CreateTime is when the instance was created.
	// +optional
	CreateTime *metav1.Time `json:"createTime,omitempty"`

	// Operation is the long-running operation the provider started and
	// has not yet seen done: no change is sent while it runs.
	// +optional
	Operation *Operation `json:"operation,omitempty"`
}

// An InstanceSpec defines the desired state of an Instance.
type InstanceSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              InstanceParameters `json:"forProvider"`
}

// An InstanceStatus represents the observed state of an Instance.
type InstanceStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 InstanceObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// An Instance is a Memorystore for Redis instance. Its id is the
// crossplane.io/external-name annotation, defaulting to metadata.name; its
// project is its ProviderConfig's.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="STATE",type="string",JSONPath=".status.atProvider.state"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,gcp}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$')",message="metadata.name is the default instance id: 1 to 40 lower-case letters, digits and hyphens, starting with a letter and ending with a letter or digit"
type Instance struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   InstanceSpec   `json:"spec"`
	Status InstanceStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// InstanceList contains a list of Instance.
type InstanceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Instance `json:"items"`
}

// Instance type metadata.
var (
	InstanceKind             = reflect.TypeOf(Instance{}).Name()
	InstanceGroupKind        = schema.GroupKind{Group: Group, Kind: InstanceKind}.String()
	InstanceGroupVersionKind = SchemeGroupVersion.WithKind(InstanceKind)
)

// An Instance is a namespaced managed resource with a typed provider config
// reference and a local connection Secret.
var _ resource.ModernManaged = &Instance{}

func init() {
	SchemeBuilder.Register(&Instance{}, &InstanceList{})
}
