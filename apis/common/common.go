// Package common holds API types shared by every group of this provider.
// +kubebuilder:object:generate=true
package common

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Tenancy limits which namespaces may use a config. Both kinds of config
// share the spec; namespaceSelector is for ClusterProviderConfigs (a
// ProviderConfig serves its own namespace only).
type Tenancy struct {
	// NamespaceSelector selects the namespaces whose managed resources may
	// use this ClusterProviderConfig; a resource in another namespace gets
	// Synced=False and makes no cloud call. Unset: every namespace.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
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
