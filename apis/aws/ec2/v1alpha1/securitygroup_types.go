package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// A Rule admits traffic of one protocol and port range from (ingress) or
// to (egress) the CIDR blocks and security groups it names. The provider
// compares rules as a set of single permissions (protocol, ports, one
// source), as EC2 stores them: their order, and how they are grouped into
// rules, do not matter.
// +kubebuilder:validation:XValidation:rule="self.protocol in ['tcp', 'udp'] ? (has(self.fromPort) && has(self.toPort)) : true",message="tcp and udp rules need fromPort and toPort"
// +kubebuilder:validation:XValidation:rule="self.protocol == '-1' ? (!has(self.fromPort) && !has(self.toPort)) : true",message="a rule for all protocols (-1) covers every port: leave fromPort and toPort out"
// +kubebuilder:validation:XValidation:rule="!has(self.fromPort) || !has(self.toPort) || self.protocol == 'icmp' || self.fromPort <= self.toPort",message="fromPort must not be greater than toPort"
// +kubebuilder:validation:XValidation:rule="!(self.protocol in ['tcp', 'udp']) || !has(self.fromPort) || !has(self.toPort) || (self.fromPort >= 0 && self.toPort >= 0)",message="tcp and udp ports are 0 to 65535 (-1 is for icmp and all protocols)"
// +kubebuilder:validation:XValidation:rule="self.protocol != 'icmp' || !has(self.fromPort) || self.fromPort != -1 || (has(self.toPort) && self.toPort == -1)",message="an icmp rule for every type (fromPort -1) covers every code: toPort must be -1 too"
// +kubebuilder:validation:XValidation:rule="(has(self.cidrBlocks) && size(self.cidrBlocks) > 0) || (has(self.sourceSecurityGroupIDs) && size(self.sourceSecurityGroupIDs) > 0) || (has(self.sourceSecurityGroupIDRefs) && size(self.sourceSecurityGroupIDRefs) > 0) || has(self.sourceSecurityGroupIDSelector)",message="a rule needs at least one source: cidrBlocks or security groups (by id, reference or selector)"
type Rule struct {
	// Protocol: tcp, udp, icmp, or -1 for all.
	// +kubebuilder:validation:Enum=tcp;udp;icmp;"-1"
	Protocol string `json:"protocol"`

	// FromPort and ToPort bound the port range (for icmp, the type and
	// the code; -1 for all).
	// +kubebuilder:validation:Minimum=-1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	FromPort *int32 `json:"fromPort,omitempty"`
	// +kubebuilder:validation:Minimum=-1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	ToPort *int32 `json:"toPort,omitempty"`

	// CIDRBlocks (IPv4) the rule admits.
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MaxLength=18
	// +kubebuilder:validation:items:XValidation:rule="isCIDR(self) && cidr(self).ip().family() == 4",message="cidrBlocks must be IPv4 CIDR blocks, such as 10.0.1.0/24"
	// +kubebuilder:validation:items:XValidation:rule="!isCIDR(self) || string(cidr(self).masked()) == self",message="cidrBlocks must name networks by their first address (10.0.1.0/24, not 10.0.1.5/24): EC2 stores them so, and a block written otherwise would never match what EC2 reports"
	// +listType=set
	// +optional
	CIDRBlocks []string `json:"cidrBlocks,omitempty"`

	// SourceSecurityGroupIDs the rule admits (for egress: the groups
	// traffic may go to), by id.
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:Pattern=`^sg-[0-9a-f]{8,17}$`
	// +listType=set
	// +optional
	SourceSecurityGroupIDs []string `json:"sourceSecurityGroupIDs,omitempty"`

	// SourceSecurityGroupIDRefs name SecurityGroups in this namespace
	// whose ids fill sourceSecurityGroupIDs.
	// +optional
	SourceSecurityGroupIDRefs []xpv2.Reference `json:"sourceSecurityGroupIDRefs,omitempty"`

	// SourceSecurityGroupIDSelector selects SecurityGroups in this
	// namespace whose ids fill sourceSecurityGroupIDs.
	// +optional
	SourceSecurityGroupIDSelector *xpv2.Selector `json:"sourceSecurityGroupIDSelector,omitempty"`
}

// SecurityGroupParameters are the configurable fields of a SecurityGroup.
type SecurityGroupParameters struct {
	// Region of the group. Immutable.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: a security group cannot move; create a new one"
	Region string `json:"region"`

	// VPCID is the VPC the group belongs to. Immutable. The group name
	// (the external name) is unique within it.
	// +kubebuilder:validation:Pattern=`^vpc-[0-9a-z]{8,17}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="vpcID is immutable: a security group cannot move to another VPC; create a new one"
	VPCID string `json:"vpcID"`

	// Description of the group. Immutable: EC2 cannot change it.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="description is immutable: EC2 cannot change a security group's description"
	Description string `json:"description"`

	// Ingress rules: exactly these are allowed in; none when empty.
	// +kubebuilder:validation:MaxItems=60
	// +optional
	Ingress []Rule `json:"ingress,omitempty"`

	// Egress rules: exactly these are allowed out. When left out, the
	// group's egress rules are not managed (EC2 gives a new group one
	// that allows all traffic out); an empty list allows nothing out. (A
	// pointer, so that an empty list survives being written back.)
	// +kubebuilder:validation:MaxItems=60
	// +optional
	Egress *[]Rule `json:"egress,omitempty"`

	// Tags to set on the group. The provider adds its crossplane- tags.
	// +kubebuilder:validation:MaxProperties=44
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('aws:') && !k.startsWith('crossplane-') && k.size() <= 128)",message="tag keys must be at most 128 characters and must not start with aws: or crossplane- (reserved)"
	// +optional
	Tags map[string]string `json:"tags,omitempty"`
}

// SecurityGroupObservation is the observed state of a SecurityGroup.
type SecurityGroupObservation struct {
	// ID of the group (sg-...), which DBInstances and ReplicationGroups
	// reference.
	ID string `json:"id,omitempty"`
	// ARN of the group.
	ARN string `json:"arn,omitempty"`
	// OwnerID is the account that owns the group.
	OwnerID string `json:"ownerID,omitempty"`
}

// A SecurityGroupSpec defines the desired state of a SecurityGroup.
type SecurityGroupSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              SecurityGroupParameters `json:"forProvider"`
}

// A SecurityGroupStatus represents the observed state of a SecurityGroup.
type SecurityGroupStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 SecurityGroupObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A SecurityGroup is an Amazon EC2 VPC security group. Its external name
// (the crossplane.io/external-name annotation, defaulting to
// metadata.name) is the group name, unique in its VPC: the provider finds
// the group by name and VPC, so a create whose answer was lost cannot
// leave a second group behind. Its id is status.atProvider.id.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="ID",type="string",JSONPath=".status.atProvider.id"
// +kubebuilder:printcolumn:name="VPC",type="string",JSONPath=".spec.forProvider.vpcID"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,aws}
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 255 && !self.metadata.name.startsWith('sg-')",message="metadata.name is the default group name: at most 255 characters, not starting with sg- (EC2 reserves it for ids)"
// +kubebuilder:validation:XValidation:rule="self.metadata.name != 'default'",message="a VPC's default security group is the VPC's own: it cannot be managed or deleted as a SecurityGroup"
type SecurityGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SecurityGroupSpec   `json:"spec"`
	Status SecurityGroupStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// SecurityGroupList contains a list of SecurityGroup.
type SecurityGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SecurityGroup `json:"items"`
}

// SecurityGroup type metadata.
var (
	SecurityGroupKind             = reflect.TypeOf(SecurityGroup{}).Name()
	SecurityGroupGroupKind        = schema.GroupKind{Group: Group, Kind: SecurityGroupKind}.String()
	SecurityGroupGroupVersionKind = SchemeGroupVersion.WithKind(SecurityGroupKind)
)

// A SecurityGroup is a namespaced managed resource with a typed provider
// config reference and a local connection Secret.
var _ resource.ModernManaged = &SecurityGroup{}

func init() {
	SchemeBuilder.Register(&SecurityGroup{}, &SecurityGroupList{})
}
