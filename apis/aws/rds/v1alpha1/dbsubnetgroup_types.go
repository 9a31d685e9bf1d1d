package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// DBSubnetGroupParameters are the configurable fields of a DBSubnetGroup.
type DBSubnetGroupParameters struct {
	// Region of the group. Immutable.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: a subnet group cannot move; create a new one"
	Region string `json:"region"`

	// Description of the group.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Description string `json:"description"`

	// SubnetIDs of one VPC, in at least two availability zones (RDS
	// places a Multi-AZ standby in another zone). Subnets a database
	// should use are private ones: RDS gives an instance the subnet's
	// routes.
	// +kubebuilder:validation:MinItems=2
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:Pattern=`^subnet-[0-9a-z]{8,17}$`
	// +listType=set
	SubnetIDs []string `json:"subnetIDs"`

	// Tags to set on the group. The provider adds its crossplane- tags.
	// +kubebuilder:validation:MaxProperties=44
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('aws:') && !k.startsWith('crossplane-') && k.size() <= 128)",message="tag keys must be at most 128 characters and must not start with aws: or crossplane- (reserved)"
	// +optional
	Tags map[string]string `json:"tags,omitempty"`
}

// DBSubnetGroupObservation is the observed state of a DBSubnetGroup.
type DBSubnetGroupObservation struct {
	// ARN of the group.
	ARN string `json:"arn,omitempty"`
	// VPCID is the VPC of its subnets.
	VPCID string `json:"vpcID,omitempty"`
	// Status as RDS reports it (Complete).
	Status string `json:"status,omitempty"`
	// AvailabilityZones its subnets are in.
	AvailabilityZones []string `json:"availabilityZones,omitempty"`
}

// A DBSubnetGroupSpec defines the desired state of a DBSubnetGroup.
type DBSubnetGroupSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              DBSubnetGroupParameters `json:"forProvider"`
}

// A DBSubnetGroupStatus represents the observed state of a DBSubnetGroup.
type DBSubnetGroupStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 DBSubnetGroupObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A DBSubnetGroup is an Amazon RDS DB subnet group: the subnets, of one
// VPC, a DBInstance is placed in. Its name is the crossplane.io/external-name
// annotation, defaulting to metadata.name.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="VPC",type="string",JSONPath=".status.atProvider.vpcID"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,aws}
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 255 && self.metadata.name != 'default'",message="metadata.name is the default subnet group name: at most 255 characters, not default (reserved by RDS)"
type DBSubnetGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   DBSubnetGroupSpec   `json:"spec"`
	Status DBSubnetGroupStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DBSubnetGroupList contains a list of DBSubnetGroup.
type DBSubnetGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DBSubnetGroup `json:"items"`
}

// DBSubnetGroup type metadata.
var (
	DBSubnetGroupKind             = reflect.TypeOf(DBSubnetGroup{}).Name()
	DBSubnetGroupGroupKind        = schema.GroupKind{Group: Group, Kind: DBSubnetGroupKind}.String()
	DBSubnetGroupGroupVersionKind = SchemeGroupVersion.WithKind(DBSubnetGroupKind)
)

var _ resource.ModernManaged = &DBSubnetGroup{}

func init() {
	SchemeBuilder.Register(&DBSubnetGroup{}, &DBSubnetGroupList{})
}
