package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/common"
)

// A CredentialsSource says where the provider gets Google credentials from.
// +kubebuilder:validation:Enum=Secret;Environment;None
type CredentialsSource string

// Credential sources.
const (
	// CredentialsSourceSecret reads a service account JSON key from a key
	// of a Kubernetes Secret.
	CredentialsSourceSecret CredentialsSource = "Secret"

	// CredentialsSourceEnvironment uses Application Default Credentials:
	// GOOGLE_APPLICATION_CREDENTIALS, workload identity on GKE, or the
	// metadata server.
	CredentialsSourceEnvironment CredentialsSource = "Environment"

	// CredentialsSourceNone sends no credentials. For emulators only.
	CredentialsSourceNone CredentialsSource = "None"
)

// Credentials say how the provider authenticates to Google Cloud.
// +kubebuilder:validation:XValidation:rule="self.source != 'Secret' || has(self.secretRef)",message="credentials.secretRef is required when source is Secret"
type Credentials struct {
	// Source of the credentials.
	Source CredentialsSource `json:"source"`

	// SecretRef selects a Secret key holding a service account JSON key.
	// Used when source is Secret.
	// +optional
	SecretRef *common.SecretKeySelector `json:"secretRef,omitempty"`
}

// Impersonation makes the provider act as another service account, using
// its own credentials only to mint that account's tokens.
type Impersonation struct {
	// ServiceAccount to act as, by email.
	// +kubebuilder:validation:Pattern=`^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$`
	ServiceAccount string `json:"serviceAccount"`

	// Delegates is the chain of service accounts each granting the next
	// roles/iam.serviceAccountTokenCreator, ending at serviceAccount.
	// +optional
	Delegates []string `json:"delegates,omitempty"`
}

// Endpoint overrides where the client sends requests.
type Endpoint struct {
	// Storage is the base URL of the Cloud Storage JSON API, for example
	// http://127.0.0.1:4443/storage/v1/ for an emulator.
	// +kubebuilder:validation:Pattern=`^https?://`
	// +optional
	Storage string `json:"storage,omitempty"`

	// SQLAdmin is the base URL of the Cloud SQL Admin API, for example
	// http://127.0.0.1:4566/ for the project's local cloud.
	// +kubebuilder:validation:Pattern=`^https?://`
	// +optional
	SQLAdmin string `json:"sqlAdmin,omitempty"`

	// Redis is the base URL of the Memorystore for Redis API, for example
	// http://127.0.0.1:4566/ for the project's local cloud.
	// +kubebuilder:validation:Pattern=`^https?://`
	// +optional
	Redis string `json:"redis,omitempty"`
}

// A ProviderConfigSpec says which project to use and how to authenticate.
// +kubebuilder:validation:XValidation:rule="!has(self.impersonate) || self.credentials.source != 'None'",message="impersonation needs credentials: source None cannot impersonate"
type ProviderConfigSpec struct {
	// ProjectID of the Google Cloud project resources are created in.
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`
	ProjectID string `json:"projectID"`

	// ProjectNumber of that project. A bucket GCS reports in another
	// project is refused. Without it the provider looks the number up once
	// with Resource Manager (resourcemanager.projects.get), and skips the
	// check if it may not, or when an endpoint override points at an
	// emulator.
	// +kubebuilder:validation:Pattern=`^[0-9]{1,20}$`
	// +optional
	ProjectNumber string `json:"projectNumber,omitempty"`

	// Credentials used to authenticate.
	Credentials Credentials `json:"credentials"`

	// Impersonate acts as another service account.
	// +optional
	Impersonate *Impersonation `json:"impersonate,omitempty"`

	// Endpoint overrides the Google Cloud endpoints. A namespaced
	// ProviderConfig may only use endpoints the provider's
	// --namespaced-endpoint-prefixes allow.
	// +optional
	Endpoint *Endpoint `json:"endpoint,omitempty"`

	// Tenancy: which namespaces may use the config, and whether their
	// resources may adopt untagged cloud resources.
	common.Tenancy `json:",inline"`
}

// A ProviderConfigStatus reflects the observed state of a ProviderConfig.
type ProviderConfigStatus struct {
	xpv2.ProviderConfigStatus `json:",inline"`
}

// +kubebuilder:object:root=true

// A ProviderConfig configures how managed resources in its namespace reach
// Google Cloud. It may only read credentials from a Secret in its own
// namespace.
// +kubebuilder:validation:XValidation:rule="self.spec.credentials.source != 'Environment'",message="a namespaced ProviderConfig must not use source Environment: that would lend it the provider's own identity (use a Secret, or a ClusterProviderConfig)"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.namespaceSelector)",message="namespaceSelector is for ClusterProviderConfigs: a ProviderConfig serves only its own namespace"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="PROJECT",type="string",JSONPath=".spec.projectID"
// +kubebuilder:printcolumn:name="SOURCE",type="string",JSONPath=".spec.credentials.source"
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,gcp}
type ProviderConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ProviderConfigSpec   `json:"spec"`
	Status ProviderConfigStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ProviderConfigList contains a list of ProviderConfig.
type ProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProviderConfig `json:"items"`
}

// +kubebuilder:object:root=true

// A ClusterProviderConfig configures how managed resources in any namespace
// reach Google Cloud. Managed resources use the one named "default" unless
// they say otherwise.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="PROJECT",type="string",JSONPath=".spec.projectID"
// +kubebuilder:printcolumn:name="SOURCE",type="string",JSONPath=".spec.credentials.source"
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Cluster,categories={crossplane,provider,gcp}
type ClusterProviderConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ProviderConfigSpec   `json:"spec"`
	Status ProviderConfigStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ClusterProviderConfigList contains a list of ClusterProviderConfig.
type ClusterProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterProviderConfig `json:"items"`
}

// +kubebuilder:object:root=true

// A ProviderConfigUsage records that a managed resource uses a
// ProviderConfig or ClusterProviderConfig, so that it cannot be deleted
// while in use. It lives in the managed resource's namespace.
// +kubebuilder:printcolumn:name="CONFIG-KIND",type="string",JSONPath=".providerConfigRef.kind"
// +kubebuilder:printcolumn:name="CONFIG-NAME",type="string",JSONPath=".providerConfigRef.name"
// +kubebuilder:printcolumn:name="RESOURCE-KIND",type="string",JSONPath=".resourceRef.kind"
// +kubebuilder:printcolumn:name="RESOURCE-NAME",type="string",JSONPath=".resourceRef.name"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,gcp}
type ProviderConfigUsage struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	xpv2.TypedProviderConfigUsage `json:",inline"`
}

// +kubebuilder:object:root=true

// ProviderConfigUsageList contains a list of ProviderConfigUsage.
type ProviderConfigUsageList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProviderConfigUsage `json:"items"`
}

// Kind metadata.
var (
	ProviderConfigUsageListGroupVersionKind = SchemeGroupVersion.WithKind(reflect.TypeOf(ProviderConfigUsageList{}).Name())
)

// ConfigSpec returns the spec; the provider reads both kinds through it.
func (p *ProviderConfig) ConfigSpec() ProviderConfigSpec { return p.Spec }

// ConfigSpec returns the spec; the provider reads both kinds through it.
func (p *ClusterProviderConfig) ConfigSpec() ProviderConfigSpec { return p.Spec }

func init() {
	SchemeBuilder.Register(
		&ProviderConfig{}, &ProviderConfigList{},
		&ClusterProviderConfig{}, &ClusterProviderConfigList{},
		&ProviderConfigUsage{}, &ProviderConfigUsageList{},
	)
}
