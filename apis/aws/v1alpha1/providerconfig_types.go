package v1alpha1

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/common"
)

// A CredentialsSource says where the provider gets AWS credentials from.
// +kubebuilder:validation:Enum=Secret;Environment;WebIdentity
type CredentialsSource string

// Credential sources.
const (
	// CredentialsSourceSecret reads an AWS shared-credentials file (INI, as
	// written by `aws configure`) from a key of a Kubernetes Secret.
	CredentialsSourceSecret CredentialsSource = "Secret"

	// CredentialsSourceEnvironment uses the SDK's default chain: environment
	// variables, shared config files, IRSA / EKS Pod Identity and instance
	// metadata, in that order.
	CredentialsSourceEnvironment CredentialsSource = "Environment"

	// CredentialsSourceWebIdentity exchanges a projected service account
	// token for role credentials with sts:AssumeRoleWithWebIdentity.
	CredentialsSourceWebIdentity CredentialsSource = "WebIdentity"
)

// WebIdentity configures sts:AssumeRoleWithWebIdentity.
type WebIdentity struct {
	// RoleARN to assume.
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`
	RoleARN string `json:"roleARN"`

	// TokenFile is the path of the web identity token inside the provider's
	// container, usually a projected service account token.
	// +kubebuilder:default="/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
	// +optional
	TokenFile string `json:"tokenFile,omitempty"`

	// RoleSessionName names the session; defaults to a name the SDK picks.
	// +optional
	RoleSessionName string `json:"roleSessionName,omitempty"`
}

// Credentials say how the provider authenticates to AWS.
// +kubebuilder:validation:XValidation:rule="self.source != 'Secret' || has(self.secretRef)",message="credentials.secretRef is required when source is Secret"
// +kubebuilder:validation:XValidation:rule="self.source != 'WebIdentity' || has(self.webIdentity)",message="credentials.webIdentity is required when source is WebIdentity"
type Credentials struct {
	// Source of the credentials.
	Source CredentialsSource `json:"source"`

	// SecretRef selects a Secret key holding an AWS shared-credentials file
	// with aws_access_key_id, aws_secret_access_key and optionally
	// aws_session_token. Used when source is Secret.
	// +optional
	SecretRef *common.SecretKeySelector `json:"secretRef,omitempty"`

	// Profile within the shared-credentials file. Defaults to "default".
	// +optional
	Profile string `json:"profile,omitempty"`

	// WebIdentity configures the role to assume. Used when source is
	// WebIdentity.
	// +optional
	WebIdentity *WebIdentity `json:"webIdentity,omitempty"`
}

// AssumeRole is one hop of a role chain.
type AssumeRole struct {
	// RoleARN to assume.
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`
	RoleARN string `json:"roleARN"`

	// ExternalID the role's trust policy requires, if any.
	// +optional
	ExternalID string `json:"externalID,omitempty"`

	// RoleSessionName names the session.
	// +optional
	RoleSessionName string `json:"roleSessionName,omitempty"`
}

// Endpoint overrides where the SDK sends requests: an S3-compatible store
// (MinIO, Ceph), an emulator, or a private endpoint.
type Endpoint struct {
	// URL used for every service that has no entry in services.
	// +kubebuilder:validation:Pattern=`^https?://`
	// +optional
	URL string `json:"url,omitempty"`

	// Services maps an AWS service ID in lower case (s3, rds, elasticache,
	// ec2, sts) to the URL used for it.
	// +optional
	Services map[string]string `json:"services,omitempty"`

	// ResourceCABundle is the PEM certificate of a private CA that signs
	// the TLS certificates of the resources reached through this endpoint:
	// the nodes of an ElastiCache stand-in, for example. The provider puts
	// it into those resources' connection Secrets as ca.crt, so that
	// clients can verify them. AWS's own endpoints use public CAs and
	// need none.
	// +kubebuilder:validation:MaxLength=65536
	// +kubebuilder:validation:XValidation:rule="self.contains('-----BEGIN CERTIFICATE-----')",message="resourceCABundle must hold PEM certificates (-----BEGIN CERTIFICATE-----)"
	// +optional
	ResourceCABundle string `json:"resourceCABundle,omitempty"`
}

// S3Options tunes the S3 client.
type S3Options struct {
	// UsePathStyle addresses buckets as https://host/bucket instead of
	// https://bucket.host. Most S3-compatible stores need it.
	// +optional
	UsePathStyle bool `json:"usePathStyle,omitempty"`
}

// A ProviderConfigSpec says how to reach and authenticate to AWS.
type ProviderConfigSpec struct {
	// Credentials used to authenticate.
	Credentials Credentials `json:"credentials"`

	// AssumeRoleChain is a list of roles assumed in order, each with the
	// credentials of the one before, starting from credentials.
	// +optional
	// +kubebuilder:validation:MaxItems=5
	AssumeRoleChain []AssumeRole `json:"assumeRoleChain,omitempty"`

	// Region used for calls that are not tied to a resource's region, such
	// as STS. Defaults to us-east-1.
	// +kubebuilder:default=us-east-1
	// +optional
	Region string `json:"region,omitempty"`

	// AccountID of the AWS account the credentials belong to. Every S3 call
	// then says which account must own the bucket (ExpectedBucketOwner),
	// so a bucket of another account is never read, changed or adopted.
	// Without it the provider learns the account once with
	// sts:GetCallerIdentity, except with an endpoint override (S3-compatible
	// stores have no accounts), where no owner is checked.
	// +kubebuilder:validation:Pattern=`^[0-9]{12}$`
	// +optional
	AccountID string `json:"accountID,omitempty"`

	// Endpoint overrides the AWS endpoints. A namespaced ProviderConfig
	// may only use endpoints the provider's --namespaced-endpoint-prefixes
	// allow.
	// +optional
	Endpoint *Endpoint `json:"endpoint,omitempty"`

	// S3 tunes the S3 client.
	// +optional
	S3 *S3Options `json:"s3,omitempty"`

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
// AWS. It may only read credentials from a Secret in its own namespace.
// +kubebuilder:validation:XValidation:rule="self.spec.credentials.source == 'Secret'",message="a namespaced ProviderConfig must take credentials from a Secret: Environment and WebIdentity would lend it the provider's own identity (use a ClusterProviderConfig for those)"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.namespaceSelector)",message="namespaceSelector is for ClusterProviderConfigs: a ProviderConfig serves only its own namespace"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="SOURCE",type="string",JSONPath=".spec.credentials.source"
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,aws}
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
// reach AWS. Managed resources use the one named "default" unless they say
// otherwise.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="SOURCE",type="string",JSONPath=".spec.credentials.source"
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Cluster,categories={crossplane,provider,aws}
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
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,aws}
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
	ProviderConfigKind                      = reflect.TypeOf(ProviderConfig{}).Name()
	ProviderConfigGroupVersionKind          = SchemeGroupVersion.WithKind(ProviderConfigKind)
	ClusterProviderConfigKind               = reflect.TypeOf(ClusterProviderConfig{}).Name()
	ClusterProviderConfigGroupVersionKind   = SchemeGroupVersion.WithKind(ClusterProviderConfigKind)
	ProviderConfigUsageGroupVersionKind     = SchemeGroupVersion.WithKind(reflect.TypeOf(ProviderConfigUsage{}).Name())
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
