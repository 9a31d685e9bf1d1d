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
	EnginePostgres = "postgres"
	EngineMySQL    = "mysql"
	EngineMariaDB  = "mariadb"
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

// DBInstanceParameters are the configurable fields of a DBInstance.
// +kubebuilder:validation:XValidation:rule="!has(self.iops) || (has(self.storageType) && self.storageType in ['io1', 'io2', 'gp3'])",message="iops needs storageType io1, io2 or gp3"
// +kubebuilder:validation:XValidation:rule="!has(self.maxAllocatedStorage) || self.maxAllocatedStorage > self.allocatedStorage",message="maxAllocatedStorage must be greater than allocatedStorage (it turns on storage autoscaling up to that size)"
// +kubebuilder:validation:XValidation:rule="self.storageEncrypted || !has(self.kmsKeyID)",message="kmsKeyID needs storageEncrypted"
type DBInstanceParameters struct {
	// Region of the instance. Immutable: an instance cannot move.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: an instance cannot move; create a new one"
	Region string `json:"region"`

	// Engine: postgres, mysql or mariadb. Immutable.
	// +kubebuilder:validation:Enum=postgres;mysql;mariadb
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="engine is immutable: an instance cannot change engine; create a new one and migrate"
	Engine string `json:"engine"`

	// EngineVersion, such as 15 or 15.7, matched at the precision written:
	// 15 is satisfied by any 15.x, and, with autoMinorVersionUpgrade, 15.7
	// by a later 15.x that RDS upgraded to in the maintenance window. Not
	// late-initialised (RDS moves the minor version by itself; the running
	// version is status.atProvider.engineVersion). Upgrading is a change of
	// this field, a major one included; RDS cannot go down a version.
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="!self.matches('^[0-9]+([.][0-9]+){0,2}$') || !oldSelf.matches('^[0-9]+([.][0-9]+){0,2}$') || int(self.split('.')[0]) > int(oldSelf.split('.')[0]) || (int(self.split('.')[0]) == int(oldSelf.split('.')[0]) && (size(self.split('.')) < 2 || size(oldSelf.split('.')) < 2 || int(self.split('.')[1]) > int(oldSelf.split('.')[1]) || (int(self.split('.')[1]) == int(oldSelf.split('.')[1]) && (size(self.split('.')) < 3 || size(oldSelf.split('.')) < 3 || int(self.split('.')[2]) >= int(oldSelf.split('.')[2])))))",message="engineVersion cannot go down: RDS upgrades in place and never downgrades; restore a snapshot into a new instance to run an older version"
	// +optional
	EngineVersion *string `json:"engineVersion,omitempty"`

	// DBInstanceClass, such as db.t4g.micro.
	// +kubebuilder:validation:Pattern=`^db\.[a-z0-9]+\.[a-z0-9]+$`
	DBInstanceClass string `json:"dbInstanceClass"`

	// AllocatedStorage in GiB: the least the instance has. An instance
	// with more (grown by storage autoscaling, or by hand) is in sync.
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=65536
	// +kubebuilder:validation:XValidation:rule="self >= oldSelf",message="allocatedStorage cannot be reduced: RDS never shrinks an instance's storage (a smaller instance class keeps its storage; to have less, restore into a new instance)"
	AllocatedStorage int32 `json:"allocatedStorage"`

	// MaxAllocatedStorage turns on storage autoscaling up to this many GiB:
	// RDS grows allocated storage by itself when the instance runs low.
	// +optional
	MaxAllocatedStorage *int32 `json:"maxAllocatedStorage,omitempty"`

	// StorageType: gp2, gp3, io1, io2 or standard. Late-initialised.
	// +kubebuilder:validation:Enum=gp2;gp3;io1;io2;standard
	// +optional
	StorageType *string `json:"storageType,omitempty"`

	// IOPS provisioned, with io1, io2 or gp3.
	// +optional
	IOPS *int32 `json:"iops,omitempty"`

	// StorageEncrypted encrypts the instance's storage. Immutable.
	// +kubebuilder:default=true
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="storageEncrypted is immutable: RDS cannot encrypt or decrypt an instance in place"
	StorageEncrypted bool `json:"storageEncrypted"`

	// KMSKeyID encrypts storage with this key instead of aws/rds.
	// Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="kmsKeyID is immutable: RDS cannot change an instance's storage key"
	// +optional
	KMSKeyID *string `json:"kmsKeyID,omitempty"`

	// MultiAZ keeps a standby in another availability zone.
	// +optional
	MultiAZ *bool `json:"multiAZ,omitempty"`

	// PubliclyAccessible gives the instance a public address.
	// +kubebuilder:default=false
	PubliclyAccessible bool `json:"publiclyAccessible"`

	// DBName is the database created with the instance. Immutable.
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_]{0,62}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="dbName is immutable: RDS creates the initial database once"
	// +optional
	DBName *string `json:"dbName,omitempty"`

	// MasterUsername of the instance. Immutable.
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_]{0,15}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="masterUsername is immutable: RDS cannot rename the master user"
	// +kubebuilder:validation:XValidation:rule="!(self in ['admin', 'postgres', 'rdsadmin', 'root', 'mysql'])",message="masterUsername must not be a reserved word (admin, postgres, rdsadmin, root, mysql)"
	MasterUsername string `json:"masterUsername"`

	// MasterPasswordSecretRef is the Secret key, in the resource's
	// namespace, holding the master password. When the key does not
	// exist, the provider generates a password (160 bits or more) and
	// writes it there before it creates the instance. Changing the value
	// rotates the password.
	MasterPasswordSecretRef LocalSecretKeySelector `json:"masterPasswordSecretRef"`

	// BackupRetentionPeriod in days; 0 turns automated backups off.
	// Late-initialised.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=35
	// +optional
	BackupRetentionPeriod *int32 `json:"backupRetentionPeriod,omitempty"`

	// PreferredBackupWindow, hh24:mi-hh24:mi in UTC. Late-initialised.
	// +kubebuilder:validation:Pattern=`^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$`
	// +optional
	PreferredBackupWindow *string `json:"preferredBackupWindow,omitempty"`

	// PreferredMaintenanceWindow, ddd:hh24:mi-ddd:hh24:mi in UTC.
	// Late-initialised.
	// +kubebuilder:validation:Pattern=`^(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]$`
	// +optional
	PreferredMaintenanceWindow *string `json:"preferredMaintenanceWindow,omitempty"`

	// AutoMinorVersionUpgrade lets RDS apply minor versions in the
	// maintenance window. Late-initialised.
	// +optional
	AutoMinorVersionUpgrade *bool `json:"autoMinorVersionUpgrade,omitempty"`

	// DeletionProtection makes RDS refuse to delete the instance.
	// +optional
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// SkipFinalSnapshot deletes the instance without a final snapshot.
	// Off by default: a deleted instance leaves a snapshot named
	// finalDBSnapshotIdentifier, or <identifier>-final-<the first 8 hex
	// digits of this resource's UID> (an identifier used again, by a new
	// resource or in another namespace, leaves a snapshot of its own).
	// +kubebuilder:default=false
	SkipFinalSnapshot bool `json:"skipFinalSnapshot"`

	// FinalDBSnapshotIdentifier names the final snapshot. Deleting two
	// instances with the same name given fails for the second: RDS
	// refuses a snapshot name already taken.
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9-]{0,254}$`
	// +optional
	FinalDBSnapshotIdentifier *string `json:"finalDBSnapshotIdentifier,omitempty"`

	// ApplyImmediately applies changes now instead of in the next
	// maintenance window.
	// +kubebuilder:default=true
	ApplyImmediately bool `json:"applyImmediately"`

	// DBSubnetGroupName places the instance in a VPC's subnets. Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="dbSubnetGroupName is immutable here: moving an instance to another VPC needs a new instance"
	// +optional
	DBSubnetGroupName *string `json:"dbSubnetGroupName,omitempty"`

	// DBSubnetGroupNameRef names a DBSubnetGroup in this namespace whose
	// name fills dbSubnetGroupName.
	// +optional
	DBSubnetGroupNameRef *xpv2.Reference `json:"dbSubnetGroupNameRef,omitempty"`

	// DBSubnetGroupNameSelector selects a DBSubnetGroup in this namespace
	// whose name fills dbSubnetGroupName.
	// +optional
	DBSubnetGroupNameSelector *xpv2.Selector `json:"dbSubnetGroupNameSelector,omitempty"`

	// VPCSecurityGroupIDs control network access. Late-initialised.
	// +optional
	VPCSecurityGroupIDs []string `json:"vpcSecurityGroupIDs,omitempty"`

	// VPCSecurityGroupIDRefs name SecurityGroups in this namespace whose
	// ids fill vpcSecurityGroupIDs.
	// +optional
	VPCSecurityGroupIDRefs []xpv2.Reference `json:"vpcSecurityGroupIDRefs,omitempty"`

	// VPCSecurityGroupIDSelector selects SecurityGroups in this namespace
	// whose ids fill vpcSecurityGroupIDs.
	// +optional
	VPCSecurityGroupIDSelector *xpv2.Selector `json:"vpcSecurityGroupIDSelector,omitempty"`

	// DBParameterGroupName applies a parameter group. A group RDS chose
	// (default.<family>) is not late-initialised: its family changes with
	// a major upgrade, and a spec that named the old one would ask for a
	// group RDS refuses. A default group written here is satisfied by the
	// default group of whichever family the instance runs.
	// +optional
	DBParameterGroupName *string `json:"dbParameterGroupName,omitempty"`

	// Port the engine listens on. Late-initialised (5432 for postgres,
	// 3306 for mysql and mariadb).
	// +kubebuilder:validation:Minimum=1150
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Port *int32 `json:"port,omitempty"`

	// Tags to set on the instance. The provider adds its crossplane- tags.
	// +kubebuilder:validation:MaxProperties=44
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('aws:') && !k.startsWith('crossplane-') && k.size() <= 128)",message="tag keys must be at most 128 characters and must not start with aws: or crossplane- (reserved)"
	// +optional
	Tags map[string]string `json:"tags,omitempty"`
}

// PendingModifiedValues are changes RDS will apply in the next maintenance
// window, or is applying now.
type PendingModifiedValues struct {
	DBInstanceClass       string `json:"dbInstanceClass,omitempty"`
	AllocatedStorage      *int32 `json:"allocatedStorage,omitempty"`
	EngineVersion         string `json:"engineVersion,omitempty"`
	BackupRetentionPeriod *int32 `json:"backupRetentionPeriod,omitempty"`
	MultiAZ               *bool  `json:"multiAZ,omitempty"`
	StorageType           string `json:"storageType,omitempty"`
	IOPS                  *int32 `json:"iops,omitempty"`
	// MasterUserPassword says a password change is pending; never the value.
	MasterUserPassword bool `json:"masterUserPassword,omitempty"`
}

// DBInstanceObservation is what RDS reports about an instance.
type DBInstanceObservation struct {
	// Status as RDS reports it: creating, available, modifying, ...
	Status string `json:"status,omitempty"`
	// Address and Port of the instance's endpoint.
	Address string `json:"address,omitempty"`
	Port    int32  `json:"port,omitempty"`
	// ARN of the instance.
	ARN string `json:"arn,omitempty"`
	// ResourceID is the instance's DbiResourceId.
	ResourceID string `json:"resourceID,omitempty"`
	// EngineVersion running.
	EngineVersion string `json:"engineVersion,omitempty"`
	// PendingModifiedValues not applied yet.
	PendingModifiedValues *PendingModifiedValues `json:"pendingModifiedValues,omitempty"`
	// PasswordSecretVersion is the version of the password last applied:
	// a keyed hash of it (HMAC-SHA256, with a key only the provider holds),
	// which reveals nothing of the password. A new password in the Secret
	// sends it again; another write to the Secret does not.
	PasswordSecretVersion string `json:"passwordSecretVersion,omitempty"`
	// PasswordResetting is the version of a password RDS is resetting the
	// master user to. RDS takes minutes to reset it, and the old password
	// works until it is done: the connection Secret gets the new one once
	// the reset has completed, not before.
	PasswordResetting string `json:"passwordResetting,omitempty"`
}

// A DBInstanceSpec defines the desired state of a DBInstance.
type DBInstanceSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              DBInstanceParameters `json:"forProvider"`
}

// A DBInstanceStatus represents the observed state of a DBInstance.
type DBInstanceStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 DBInstanceObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A DBInstance is an Amazon RDS database instance. Its identifier is the
// crossplane.io/external-name annotation, defaulting to metadata.name.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="ENGINE",type="string",JSONPath=".spec.forProvider.engine"
// +kubebuilder:printcolumn:name="STATUS",type="string",JSONPath=".status.atProvider.status"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,aws}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z][a-z0-9-]{0,62}$') && !self.metadata.name.endsWith('-') && !self.metadata.name.contains('--')",message="metadata.name is the default instance identifier: 1 to 63 lower-case letters, digits and single hyphens, starting with a letter"
type DBInstance struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   DBInstanceSpec   `json:"spec"`
	Status DBInstanceStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DBInstanceList contains a list of DBInstance.
type DBInstanceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DBInstance `json:"items"`
}

// DBInstance type metadata.
var (
	DBInstanceKind             = reflect.TypeOf(DBInstance{}).Name()
	DBInstanceGroupKind        = schema.GroupKind{Group: Group, Kind: DBInstanceKind}.String()
	DBInstanceGroupVersionKind = SchemeGroupVersion.WithKind(DBInstanceKind)
)

// A DBInstance is a namespaced managed resource with a typed provider config
// reference and a local connection Secret.
var _ resource.ModernManaged = &DBInstance{}

func init() {
	SchemeBuilder.Register(&DBInstance{}, &DBInstanceList{})
}
