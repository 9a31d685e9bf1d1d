// Package common holds API types shared by every group of this provider.
// +kubebuilder:object:generate=true
package common

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
