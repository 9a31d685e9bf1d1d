// Package gcp turns a ProviderConfig or ClusterProviderConfig of the
// gcp.appinfra.io group into Google API client options: credentials,
// impersonation and endpoint overrides. Every GCP controller connects
// through it.
package gcp

import (
	"context"
	"encoding/json"

	"golang.org/x/oauth2/google"
	"google.golang.org/api/impersonate"
	"google.golang.org/api/option"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
)

// scope is what the provider's clients need: full control of the resources
// it manages.
const scope = "https://www.googleapis.com/auth/cloud-platform"

// Config is what a GCP controller needs to build its client.
type Config struct {
	// Spec is the ProviderConfig the configuration came from.
	Spec v1alpha1.ProviderConfigSpec

	// ProviderConfigName is the name of that ProviderConfig, for labels.
	ProviderConfigName string

	// Options authenticate the client; the endpoint is the controller's.
	Options []option.ClientOption
}

// Kinds tells providerconfig how to read this group's configs.
var Kinds = providerconfig.Kinds[v1alpha1.ProviderConfigSpec]{
	Namespaced: func() providerconfig.Object[v1alpha1.ProviderConfigSpec] { return &v1alpha1.ProviderConfig{} },
	Cluster:    func() providerconfig.Object[v1alpha1.ProviderConfigSpec] { return &v1alpha1.ClusterProviderConfig{} },
}

// Connect reads the ProviderConfig mg references and returns a Config.
func Connect(ctx context.Context, kube client.Client, mg resource.ModernManaged) (Config, error) {
	ref, err := providerconfig.Get(ctx, kube, mg, Kinds)
	if err != nil {
		return Config{}, err
	}
	cfg, err := NewConfig(ctx, kube, ref.Spec, ref.SecretNamespace)
	if err != nil {
		return Config{}, errors.Wrapf(err, "cannot configure Google Cloud client from %s %q", ref.Kind, ref.Name)
	}
	cfg.ProviderConfigName = ref.Name
	return cfg, nil
}

// NewConfig builds a Config from a ProviderConfig spec. Secrets named without
// a namespace are read from secretNamespace.
func NewConfig(ctx context.Context, kube client.Client, spec v1alpha1.ProviderConfigSpec, secretNamespace string) (Config, error) {
	c := Config{Spec: spec}
	if secretNamespace != "" && spec.Credentials.Source == v1alpha1.CredentialsSourceEnvironment {
		// Application Default Credentials are the provider's own identity:
		// a namespace's users must not borrow it, nor send its token to an
		// endpoint of their choosing.
		return Config{}, errors.New("a namespaced ProviderConfig must not use source Environment: that would lend it the provider's own identity (use a Secret, or a ClusterProviderConfig)")
	}
	switch spec.Credentials.Source {
	case v1alpha1.CredentialsSourceSecret:
		creds, err := secretCredentials(ctx, kube, spec.Credentials, secretNamespace)
		if err != nil {
			return Config{}, err
		}
		c.Options = []option.ClientOption{option.WithCredentials(creds)}
	case v1alpha1.CredentialsSourceEnvironment:
		// Application Default Credentials: the client finds them.
	case v1alpha1.CredentialsSourceNone:
		c.Options = []option.ClientOption{option.WithoutAuthentication()}
	default:
		return Config{}, errors.Errorf("unsupported credentials source %q", spec.Credentials.Source)
	}
	if imp := spec.Impersonate; imp != nil {
		ts, err := impersonate.CredentialsTokenSource(ctx, impersonate.CredentialsConfig{
			TargetPrincipal: imp.ServiceAccount,
			Delegates:       imp.Delegates,
			Scopes:          []string{scope},
		}, c.Options...)
		if err != nil {
			return Config{}, errors.Wrapf(err, "cannot impersonate %s", imp.ServiceAccount)
		}
		c.Options = []option.ClientOption{option.WithTokenSource(ts)}
	}
	return c, nil
}

// StorageEndpoint is the Cloud Storage JSON API base URL, or "" for Google's.
func (c Config) StorageEndpoint() string {
	if c.Spec.Endpoint == nil {
		return ""
	}
	return c.Spec.Endpoint.Storage
}

func secretCredentials(ctx context.Context, kube client.Client, c v1alpha1.Credentials, secretNamespace string) (*google.Credentials, error) {
	ref := c.SecretRef
	if ref == nil {
		return nil, errors.New("credentials.secretRef is required when source is Secret")
	}
	ns, err := providerconfig.SecretNamespace(secretNamespace, ref.Namespace)
	if err != nil {
		return nil, err
	}
	s := &corev1.Secret{}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, s); err != nil {
		return nil, errors.Wrapf(err, "cannot get credentials Secret %s/%s", ns, ref.Name)
	}
	data, ok := s.Data[ref.Key]
	if !ok {
		return nil, errors.Errorf("credentials Secret %s/%s has no key %q", ns, ref.Name, ref.Key)
	}
	if err := checkServiceAccountKey(data); err != nil {
		return nil, errors.Wrapf(err, "key %q of credentials Secret %s/%s", ref.Key, ns, ref.Name)
	}
	// Only service account keys are accepted: other credential types can
	// make the client fetch URLs or run commands named in the key.
	creds, err := google.CredentialsFromJSONWithType(ctx, data, google.ServiceAccount, scope)
	if err != nil {
		return nil, errors.Errorf("key %q of credentials Secret %s/%s is not a usable service account key", ref.Key, ns, ref.Name)
	}
	return creds, nil
}

// checkServiceAccountKey explains what is wrong with a key without quoting
// it: the JSON parser's own errors can echo bytes of the secret.
func checkServiceAccountKey(data []byte) error {
	var k struct {
		Type        string `json:"type"`
		ClientEmail string `json:"client_email"`
		PrivateKey  string `json:"private_key"`
	}
	if json.Unmarshal(data, &k) != nil {
		return errors.New("is not JSON; want a service account key as downloaded from Google Cloud")
	}
	if k.Type != "service_account" {
		return errors.New("is not a service account key: its type is not service_account")
	}
	if k.ClientEmail == "" || k.PrivateKey == "" {
		return errors.New("lacks client_email or private_key")
	}
	return nil
}
