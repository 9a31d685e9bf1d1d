// Package aws turns a ProviderConfig or ClusterProviderConfig of the
// aws.appinfra.io group into an aws.Config: credentials, role chain,
// region and endpoint overrides. Every AWS controller connects through it.
package aws

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
)

// Config is what an AWS controller needs to build its SDK client.
type Config struct {
	// AWS is the SDK configuration with credentials and region.
	AWS aws.Config

	// Spec is the ProviderConfig the configuration came from.
	Spec v1alpha1.ProviderConfigSpec

	// ProviderConfigName is the name of that ProviderConfig, for tagging.
	ProviderConfigName string
}

// Endpoint returns the URL requests to service (an AWS service ID in lower
// case, such as "s3") go to, or "" for the SDK's default.
func (c Config) Endpoint(service string) string {
	if c.Spec.Endpoint == nil {
		return ""
	}
	if u, ok := c.Spec.Endpoint.Services[service]; ok {
		return u
	}
	return c.Spec.Endpoint.URL
}

// Kinds tells providerconfig how to read this group's configs.
var Kinds = providerconfig.Kinds[v1alpha1.ProviderConfigSpec]{
	Namespaced: func() providerconfig.Object[v1alpha1.ProviderConfigSpec] { return &v1alpha1.ProviderConfig{} },
	Cluster:    func() providerconfig.Object[v1alpha1.ProviderConfigSpec] { return &v1alpha1.ClusterProviderConfig{} },
}

// Connect reads the ProviderConfig mg references and returns a Config for
// the given region.
func Connect(ctx context.Context, kube client.Client, mg resource.ModernManaged, region string) (Config, error) {
	ref, err := providerconfig.Get(ctx, kube, mg, Kinds)
	if err != nil {
		return Config{}, err
	}
	cfg, err := NewConfig(ctx, kube, ref.Spec, ref.SecretNamespace, region)
	if err != nil {
		return Config{}, errors.Wrapf(err, "cannot configure AWS client from %s %q", ref.Kind, ref.Name)
	}
	cfg.ProviderConfigName = ref.Name
	return cfg, nil
}

// NewConfig builds a Config from a ProviderConfig spec. Secrets named without
// a namespace are read from secretNamespace.
func NewConfig(ctx context.Context, kube client.Client, spec v1alpha1.ProviderConfigSpec, secretNamespace, region string) (Config, error) {
	if region == "" {
		region = spec.Region
	}
	if secretNamespace != "" && spec.Credentials.Source != v1alpha1.CredentialsSourceSecret {
		// Environment and WebIdentity are the provider's own identity: a
		// namespace's users must not borrow it, nor send its token to an
		// endpoint of their choosing.
		return Config{}, errors.Errorf("a namespaced ProviderConfig must take credentials from a Secret, not %s: that would lend it the provider's own identity (use a ClusterProviderConfig)", spec.Credentials.Source)
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	switch spec.Credentials.Source {
	case v1alpha1.CredentialsSourceSecret:
		creds, err := secretCredentials(ctx, kube, spec.Credentials, secretNamespace)
		if err != nil {
			return Config{}, err
		}
		opts = append(opts, config.WithCredentialsProvider(credentials.StaticCredentialsProvider{Value: creds}))
	case v1alpha1.CredentialsSourceEnvironment, v1alpha1.CredentialsSourceWebIdentity:
		// The SDK's default chain; WebIdentity replaces it below.
	default:
		return Config{}, errors.Errorf("unsupported credentials source %q", spec.Credentials.Source)
	}

	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return Config{}, errors.Wrap(err, "cannot load AWS configuration")
	}
	c := Config{AWS: awsCfg, Spec: spec}

	if wi := spec.Credentials.WebIdentity; spec.Credentials.Source == v1alpha1.CredentialsSourceWebIdentity && wi != nil {
		c.AWS.Credentials = aws.NewCredentialsCache(stscreds.NewWebIdentityRoleProvider(
			c.sts(), wi.RoleARN, stscreds.IdentityTokenFile(wi.TokenFile),
			func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = wi.RoleSessionName }))
	}
	for _, hop := range spec.AssumeRoleChain {
		c.AWS.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(c.sts(), hop.RoleARN,
			func(o *stscreds.AssumeRoleOptions) {
				if hop.ExternalID != "" {
					o.ExternalID = aws.String(hop.ExternalID)
				}
				if hop.RoleSessionName != "" {
					o.RoleSessionName = hop.RoleSessionName
				}
			}))
	}
	return c, nil
}

// sts is an STS client using the credentials built so far, so that each hop
// of a role chain assumes the next with the previous one's credentials.
func (c Config) sts() *sts.Client {
	cfg := c.AWS.Copy()
	if cfg.Region == "" {
		cfg.Region = c.Spec.Region
	}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if u := c.Endpoint("sts"); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
	})
}

func secretCredentials(ctx context.Context, kube client.Client, c v1alpha1.Credentials, secretNamespace string) (aws.Credentials, error) {
	ref := c.SecretRef
	if ref == nil {
		return aws.Credentials{}, errors.New("credentials.secretRef is required when source is Secret")
	}
	ns, err := providerconfig.SecretNamespace(secretNamespace, ref.Namespace)
	if err != nil {
		return aws.Credentials{}, err
	}
	s := &corev1.Secret{}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, s); err != nil {
		return aws.Credentials{}, errors.Wrapf(err, "cannot get credentials Secret %s/%s", ns, ref.Name)
	}
	data, ok := s.Data[ref.Key]
	if !ok {
		return aws.Credentials{}, errors.Errorf("credentials Secret %s/%s has no key %q", ns, ref.Name, ref.Key)
	}
	creds, err := parseSharedCredentials(data, c.Profile)
	if err != nil {
		return aws.Credentials{}, errors.Wrapf(err, "cannot parse key %q of credentials Secret %s/%s", ref.Key, ns, ref.Name)
	}
	return creds, nil
}

// Partition returns the AWS partition of a region, for ARNs and hostnames.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	default:
		return "aws"
	}
}
