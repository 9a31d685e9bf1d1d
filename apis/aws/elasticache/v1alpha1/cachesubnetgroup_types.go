package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// CacheSubnetGroupParameters are the configurable fields of a CacheSubnetGroup.
type CacheSubnetGroupParameters struct {
	// Region of the group. Immutable.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: a subnet group cannot move; create a new one"
	Region string `json:"region"`

	// Description of the group.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Description string `json:"description"`

	// SubnetIDs of one VPC; subnets in several availability zones let
	// ElastiCache place replicas apart. Subnets a cache should use are
	// private ones.
	// +kubebuilder:validation:MinItems=1
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

// CacheSubnetGroupObservation is the observed state of a CacheSubnetGroup.
type CacheSubnetGroupObservation struct {
	// ARN of the group.
	ARN string `json:"arn,omitempty"`
	// VPCID is the VPC of its subnets.
	VPCID string `json:"vpcID,omitempty"`
	// AvailabilityZones its subnets are in.
	AvailabilityZones []string `json:"availabilityZones,omitempty"`
}

// A CacheSubnetGroupSpec defines the desired state of a CacheSubnetGroup.
type CacheSubnetGroupSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              CacheSubnetGroupParameters `json:"forProvider"`
}

// A CacheSubnetGroupStatus represents the observed state of a CacheSubnetGroup.
type CacheSubnetGroupStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 CacheSubnetGroupObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A CacheSubnetGroup is an Amazon ElastiCache cache subnet group: the subnets, of one
// VPC, a ReplicationGroup's nodes are placed in. Its name is the crossplane.io/external-name
// annotation, defaulting to metadata.name.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="VPC",type="string",JSONPath=".status.atProvider.vpcID"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,aws}
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 255 && !self.metadata.name.contains('.') && self.metadata.name != 'default'",message="metadata.name is the default subnet group name: at most 255 letters, digits and hyphens, not default (reserved by ElastiCache)"
type CacheSubnetGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CacheSubnetGroupSpec   `json:"spec"`
	Status CacheSubnetGroupStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// CacheSubnetGroupList contains a list of CacheSubnetGroup.
type CacheSubnetGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CacheSubnetGroup `json:"items"`
}

// CacheSubnetGroup type metadata.
var (
	CacheSubnetGroupKind             = reflect.TypeOf(CacheSubnetGroup{}).Name()
	CacheSubnetGroupGroupKind        = schema.GroupKind{Group: Group, Kind: CacheSubnetGroupKind}.String()
	CacheSubnetGroupGroupVersionKind = SchemeGroupVersion.WithKind(CacheSubnetGroupKind)
)

var _ resource.ModernManaged = &CacheSubnetGroup{}

func init() {
	SchemeBuilder.Register(&CacheSubnetGroup{}, &CacheSubnetGroupList{})
}
