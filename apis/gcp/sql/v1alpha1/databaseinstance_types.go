package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// Database versions the provider manages: major versions, as Cloud SQL
// names them.
const (
	DatabaseVersionPostgres15 = "POSTGRES_15"
	DatabaseVersionPostgres16 = "POSTGRES_16"
	DatabaseVersionMySQL80    = "MYSQL_8_0"
)

// SSL modes of an instance's IP configuration.
const (
	SSLModeAllowUnencrypted  = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
	SSLModeEncryptedOnly     = "ENCRYPTED_ONLY"
	SSLModeTrustedClientCert = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
)

// A LocalSecretKeySelector selects a key of a Secret in the resource's own
// namespace.
type LocalSecretKeySelector struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Key within the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:default=password
	Key string `json:"key"`
}

// BackupConfiguration is the instance's automated backups.
// +kubebuilder:validation:XValidation:rule="!has(self.pointInTimeRecoveryEnabled) || !self.pointInTimeRecoveryEnabled || (has(self.enabled) && self.enabled)",message="pointInTimeRecoveryEnabled needs enabled: point-in-time recovery starts from the automated backups"
type BackupConfiguration struct {
	// Enabled takes a backup every day.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// StartTime of the daily backup window, HH:MM in UTC.
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]$`
	// +optional
	StartTime *string `json:"startTime,omitempty"`

	// PointInTimeRecoveryEnabled keeps the transaction log for
	// point-in-time recovery. For MYSQL_* instances Cloud SQL calls it
	// binaryLogEnabled; the provider sends and reads that field for them.
	// +optional
	PointInTimeRecoveryEnabled *bool `json:"pointInTimeRecoveryEnabled,omitempty"`
}

// MaintenanceWindow is when Cloud SQL may restart the instance for
// maintenance.
type MaintenanceWindow struct {
	// Day of the week, 1 (Monday) to 7 (Sunday).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=7
	Day int64 `json:"day"`

	// Hour of the day, 0 to 23, in UTC.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=23
	Hour int64 `json:"hour"`
}

// An AuthorizedNetwork may connect to the instance's public address.
type AuthorizedNetwork struct {
	// Name, a label for people.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Name string `json:"name,omitempty"`

	// Value is an IPv4 address or CIDR range.
	// +kubebuilder:validation:Pattern=`^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/([0-9]|[12][0-9]|3[0-2]))?$`
	Value string `json:"value"`
}

// IPConfiguration is how the instance is reached.
// +kubebuilder:validation:XValidation:rule="!has(self.ipv4Enabled) || self.ipv4Enabled || has(self.privateNetwork)",message="an instance needs a public address (ipv4Enabled) or a privateNetwork"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.privateNetwork) || has(self.privateNetwork)",message="privateNetwork cannot be removed: Cloud SQL cannot take private IP off an instance"
type IPConfiguration struct {
	// IPv4Enabled gives the instance a public (PRIMARY) address, which
	// admits only the authorizedNetworks. Late-initialised (Cloud SQL's
	// default for a new instance is true).
	// +optional
	IPv4Enabled *bool `json:"ipv4Enabled,omitempty"`

	// PrivateNetwork gives the instance a PRIVATE address on this VPC
	// network, projects/PROJECT/global/networks/NETWORK. It cannot be
	// changed or removed once set.
	// +kubebuilder:validation:Pattern=`^projects/[^/]+/global/networks/[^/]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="privateNetwork is immutable: Cloud SQL cannot move an instance to another network"
	// +optional
	PrivateNetwork *string `json:"privateNetwork,omitempty"`

	// AuthorizedNetworks may connect to the public address: exactly these
	// when set ([] allows none); unset leaves them as they are.
	// Late-initialised when the instance has some. Not omitempty, so that
	// an empty list survives the provider writing the spec back.
	// +kubebuilder:validation:MaxItems=100
	// +optional
	AuthorizedNetworks []AuthorizedNetwork `json:"authorizedNetworks"`

	// SSLMode: ALLOW_UNENCRYPTED_AND_ENCRYPTED, ENCRYPTED_ONLY, or
	// TRUSTED_CLIENT_CERTIFICATE_REQUIRED (client certificates, which this
	// provider does not issue). Late-initialised.
	// +kubebuilder:validation:Enum=ALLOW_UNENCRYPTED_AND_ENCRYPTED;ENCRYPTED_ONLY;TRUSTED_CLIENT_CERTIFICATE_REQUIRED
	// +optional
	SSLMode *string `json:"sslMode,omitempty"`
}

// A DatabaseFlag sets a database engine flag.
type DatabaseFlag struct {
	// Name of the flag, as Cloud SQL lists it (max_connections, ...).
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9_.]{0,127}$`
	Name string `json:"name"`

	// Value of the flag; empty for flags that take none.
	// +optional
	Value string `json:"value,omitempty"`
}

// DatabaseInstanceParameters are the configurable fields of a
// DatabaseInstance, named as Cloud SQL's settings name them. A field left
// unset is neither changed nor removed; the late-initialised ones take the
// instance's values.
// +kubebuilder:validation:XValidation:rule="!has(self.storageAutoResizeLimit) || self.storageAutoResizeLimit == 0 || !has(self.dataDiskSizeGb) || self.storageAutoResizeLimit >= self.dataDiskSizeGb",message="storageAutoResizeLimit must be 0 (no limit) or at least dataDiskSizeGb"
// +kubebuilder:validation:XValidation:rule="!self.databaseVersion.startsWith('POSTGRES_') || !self.tier.startsWith('db-n1-')",message="db-n1-* tiers are for MYSQL_* only: Cloud SQL allows only custom (db-custom-*), shared-core (db-f1-micro, db-g1-small) or db-perf-optimized-N-* tiers for PostgreSQL"
// +kubebuilder:validation:XValidation:rule="!has(self.dataDiskType) || self.dataDiskType != 'PD_HDD' || !self.tier.startsWith('db-perf-optimized-')",message="dataDiskType PD_HDD cannot go with a db-perf-optimized-N-* tier: Cloud SQL Enterprise Plus stores on PD_SSD only"
type DatabaseInstanceParameters struct {
	// Region of the instance. Immutable: an instance cannot move.
	// +kubebuilder:validation:Pattern=`^[a-z]+-[a-z]+[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: a Cloud SQL instance cannot move; create a new one"
	Region string `json:"region"`

	// DatabaseVersion is the engine's major version. Immutable here. The
	// minor version Cloud SQL runs, and moves in maintenance, is
	// status.atProvider.databaseInstalledVersion: it is never pinned.
	// +kubebuilder:validation:Enum=POSTGRES_15;POSTGRES_16;MYSQL_8_0
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="databaseVersion is immutable: this provider does not upgrade major versions; create a new instance and migrate"
	DatabaseVersion string `json:"databaseVersion"`

	// Tier is the machine type, and with it the edition. Cloud SQL
	// Enterprise: db-custom-<vCPUs>-<memory MiB> (such as
	// db-custom-2-7680), the shared-core db-f1-micro and db-g1-small, and,
	// for MYSQL_* only (Cloud SQL refuses them for PostgreSQL),
	// db-n1-standard-<vCPUs> and db-n1-highmem-<vCPUs>. Enterprise Plus:
	// db-perf-optimized-N-<vCPUs>, on PD_SSD only. Changing it restarts
	// the instance.
	// +kubebuilder:validation:Pattern=`^db-(f1-micro|g1-small|custom-[1-9][0-9]*-[1-9][0-9]*|n1-(standard|highmem)-[1-9][0-9]*|perf-optimized-N-[1-9][0-9]*)$`
	Tier string `json:"tier"`

	// DataDiskSizeGb is the least disk the instance has, in GB. With
	// storageAutoResize Cloud SQL grows the disk by itself: a larger disk
	// is in sync. Cloud SQL never shrinks a disk, so this cannot be
	// lowered. Late-initialised (Cloud SQL's default is 10).
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=65536
	// +kubebuilder:validation:XValidation:rule="self >= oldSelf",message="dataDiskSizeGb cannot be lowered: Cloud SQL cannot shrink a disk (to have less, export into a new instance)"
	// +optional
	DataDiskSizeGb *int64 `json:"dataDiskSizeGb,omitempty"`

	// DataDiskType: PD_SSD or PD_HDD. Immutable. Late-initialised.
	// +kubebuilder:validation:Enum=PD_SSD;PD_HDD
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="dataDiskType is immutable: Cloud SQL cannot change an instance's disk type"
	// +optional
	DataDiskType *string `json:"dataDiskType,omitempty"`

	// StorageAutoResize lets Cloud SQL grow the disk when it runs low.
	// Late-initialised (Cloud SQL's default is true).
	// +optional
	StorageAutoResize *bool `json:"storageAutoResize,omitempty"`

	// StorageAutoResizeLimit caps automatic growth, in GB; 0 is no limit.
	// Late-initialised.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65536
	// +optional
	StorageAutoResizeLimit *int64 `json:"storageAutoResizeLimit,omitempty"`

	// AvailabilityType: ZONAL, or REGIONAL (a standby in another zone).
	// Late-initialised.
	// +kubebuilder:validation:Enum=ZONAL;REGIONAL
	// +optional
	AvailabilityType *string `json:"availabilityType,omitempty"`

	// BackupConfiguration of automated backups. Late-initialised.
	// +optional
	BackupConfiguration *BackupConfiguration `json:"backupConfiguration,omitempty"`

	// MaintenanceWindow for Cloud SQL's restarts. Late-initialised when
	// the instance has one.
	// +optional
	MaintenanceWindow *MaintenanceWindow `json:"maintenanceWindow,omitempty"`

	// DeletionProtectionEnabled makes Cloud SQL, and the provider, refuse
	// to delete the instance: deleting the resource waits, saying so,
	// until this is false. Late-initialised.
	// +optional
	DeletionProtectionEnabled *bool `json:"deletionProtectionEnabled,omitempty"`

	// IPConfiguration: public and private addresses, who may connect, and
	// TLS. Late-initialised field by field.
	// +optional
	IPConfiguration *IPConfiguration `json:"ipConfiguration,omitempty"`

	// DatabaseFlags of the engine: exactly these when set ([] removes
	// every flag); unset leaves them as they are. Not omitempty, so that
	// an empty list survives the provider writing the spec back.
	// +kubebuilder:validation:MaxItems=100
	// +listType=map
	// +listMapKey=name
	// +optional
	DatabaseFlags []DatabaseFlag `json:"databaseFlags"`

	// UserLabels to set on the instance. The provider adds crossplane-kind,
	// crossplane-name, crossplane-namespace, crossplane-providerconfig,
	// crossplane-providerconfig-kind and crossplane-uid. Values may hold
	// only lower-case letters, digits, _ and - (checked by the provider:
	// a per-value pattern exceeds the API server's CEL cost budget).
	// +kubebuilder:validation:MaxProperties=58
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[a-z][a-z0-9_-]{0,62}$') && !k.startsWith('crossplane-'))",message="label keys must start with a lower-case letter, hold only lower-case letters, digits, _ and -, be at most 63 characters, and not start with crossplane- (reserved)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k].size() <= 63)",message="label values must be at most 63 characters"
	// +optional
	UserLabels map[string]string `json:"userLabels,omitempty"`

	// DatabaseName is a database the provider creates (databases.insert)
	// once the instance is RUNNABLE, for the connection Secret. Immutable
	// once set.
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_-]{0,62}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="databaseName is immutable: the provider creates the database once and never drops one"
	// +optional
	DatabaseName *string `json:"databaseName,omitempty"`

	// MasterPasswordSecretRef is the Secret key, in the resource's
	// namespace, holding the password of the built-in user (postgres for
	// POSTGRES_*, root for MYSQL_*). When the key does not exist, the
	// provider generates a password (32 letters and digits) and writes it
	// there before it creates the instance. A new value rotates the
	// password.
	MasterPasswordSecretRef LocalSecretKeySelector `json:"masterPasswordSecretRef"`
}

// An IPAddress of the instance.
type IPAddress struct {
	// Type: PRIMARY (public), PRIVATE or OUTGOING.
	Type string `json:"type"`
	// IPAddress itself.
	IPAddress string `json:"ipAddress"`
}

// An Operation is a Cloud SQL long-running operation on the instance.
type Operation struct {
	// Name of the operation, for operations.get.
	Name string `json:"name"`
	// OperationType as Cloud SQL names it: UPDATE, UPDATE_USER,
	// CREATE_DATABASE, DELETE, MAINTENANCE, ...
	OperationType string `json:"operationType,omitempty"`
}

// DatabaseInstanceObservation is what Cloud SQL reports about an instance.
type DatabaseInstanceObservation struct {
	// State as Cloud SQL reports it: PENDING_CREATE, RUNNABLE,
	// MAINTENANCE, SUSPENDED, FAILED, PENDING_DELETE.
	State string `json:"state,omitempty"`

	// DatabaseInstalledVersion is the minor version running, such as
	// POSTGRES_15_8; Cloud SQL moves it in maintenance.
	DatabaseInstalledVersion string `json:"databaseInstalledVersion,omitempty"`

	// ConnectionName is PROJECT:REGION:INSTANCE, for connectors and the
	// Cloud SQL Auth Proxy.
	ConnectionName string `json:"connectionName,omitempty"`

	// Project the instance belongs to.
	Project string `json:"project,omitempty"`

	// IPAddresses of the instance.
	IPAddresses []IPAddress `json:"ipAddresses,omitempty"`

	// ServerCACertExpirationTime is when the server CA certificate
	// (ca.crt of the connection Secret) expires.
	ServerCACertExpirationTime *metav1.Time `json:"serverCaCertExpirationTime,omitempty"`

	// SettingsVersion of the instance's settings, which every patch
	// carries: a patch made against older settings is refused.
	SettingsVersion int64 `json:"settingsVersion,omitempty"`

	// DataDiskSizeGb the instance has now: more than the spec's after
	// Cloud SQL grew it by itself.
	DataDiskSizeGb int64 `json:"dataDiskSizeGb,omitempty"`

	// UserLabels as Cloud SQL reports them, the provider's included.
	UserLabels map[string]string `json:"userLabels,omitempty"`

	// PendingOperation is a long-running operation on the instance that
	// has not finished: one the provider started, or one it found
	// running when Cloud SQL refused a change (operationInProgress).
	// Changes wait until it is done.
	PendingOperation *Operation `json:"pendingOperation,omitempty"`

	// Database is spec.forProvider.databaseName once the database exists.
	Database string `json:"database,omitempty"`

	// PasswordSecretVersion is the version of the password the built-in
	// user last got: a keyed hash of it (HMAC-SHA256, with a key only the
	// provider holds), which reveals nothing of the password.
	PasswordSecretVersion string `json:"passwordSecretVersion,omitempty"`

	// PasswordResetting is the version of a password Cloud SQL is setting
	// (an UPDATE_USER operation runs): the connection Secret gets it once
	// the operation is done.
	PasswordResetting string `json:"passwordResetting,omitempty"`
}

// A DatabaseInstanceSpec defines the desired state of a DatabaseInstance.
type DatabaseInstanceSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              DatabaseInstanceParameters `json:"forProvider"`
}

// A DatabaseInstanceStatus represents the observed state of a
// DatabaseInstance.
type DatabaseInstanceStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 DatabaseInstanceObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A DatabaseInstance is a Cloud SQL instance (PostgreSQL or MySQL). Its
// instance ID is the crossplane.io/external-name annotation, defaulting to
// metadata.name.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="VERSION",type="string",JSONPath=".spec.forProvider.databaseVersion"
// +kubebuilder:printcolumn:name="STATE",type="string",JSONPath=".status.atProvider.state"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,gcp}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 98",message="metadata.name is the default Cloud SQL instance ID: lower-case letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most 98 characters"
type DatabaseInstance struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   DatabaseInstanceSpec   `json:"spec"`
	Status DatabaseInstanceStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DatabaseInstanceList contains a list of DatabaseInstance.
type DatabaseInstanceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DatabaseInstance `json:"items"`
}

// DatabaseInstance type metadata.
var (
	DatabaseInstanceKind             = reflect.TypeOf(DatabaseInstance{}).Name()
	DatabaseInstanceGroupKind        = schema.GroupKind{Group: Group, Kind: DatabaseInstanceKind}.String()
	DatabaseInstanceGroupVersionKind = SchemeGroupVersion.WithKind(DatabaseInstanceKind)
)

// A DatabaseInstance is a namespaced managed resource with a typed provider
// config reference and a local connection Secret.
var _ resource.ModernManaged = &DatabaseInstance{}

func init() {
	SchemeBuilder.Register(&DatabaseInstance{}, &DatabaseInstanceList{})
}
