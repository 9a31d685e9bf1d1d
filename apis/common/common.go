// Package common holds API types shared by every group of this provider.
// +kubebuilder:object:generate=true
package common

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Adoption says whether a config's resources may take over cloud resources
// that carry none of the provider's tags.
// +kubebuilder:validation:Enum=Refuse;AllowUntagged
type Adoption string

// Adoption policies.
const (
	// AdoptionRefuse: a resource that may write (any management policy
	// but Observe) refuses an existing cloud resource without the
	// provider's tags. Observe-only import stays allowed.
	AdoptionRefuse Adoption = "Refuse"
	// AdoptionAllowUntagged: such a resource takes it over, and tags it.
	AdoptionAllowUntagged Adoption = "AllowUntagged"
)

// Tenancy limits which namespaces may use a config and what their
// resources may take over. Both kinds of config take it; namespaceSelector
// is for ClusterProviderConfigs (a ProviderConfig serves its own namespace).
type Tenancy struct {
	// NamespaceSelector selects the namespaces whose managed resources may
	// use this ClusterProviderConfig; a resource in another namespace gets
	// Synced=False and makes no cloud call. Unset: every namespace.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// Adoption of existing cloud resources that carry none of the
	// provider's crossplane- tags (made outside Crossplane, or by another
	// tool): Refuse (the default) unless the resource only observes
	// (managementPolicies ["Observe"]), or AllowUntagged. Give
	// AllowUntagged only to a config that serves the namespaces of the
	// team allowed to import.
	// +kubebuilder:default=Refuse
	// +optional
	Adoption Adoption `json:"adoption,omitempty"`
}

// TenancySpec returns t: a config spec that embeds Tenancy has it.
func (t Tenancy) TenancySpec() Tenancy { return t }

// A SecretKeySelector selects one key of a Secret.
type SecretKeySelector struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Namespace of the Secret. Required for a ClusterProviderConfig; a
	// ProviderConfig always reads Secrets from its own namespace and
	// refuses any other.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Key within the Secret.
	// +kubebuilder:validation:MinLength=1
	Key string `json:"key"`
}
