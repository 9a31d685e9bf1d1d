// Package aws turns a ProviderConfig or ClusterProviderConfig of the
// aws.appinfra.io group into an SDK configuration (credentials, role chain,
// region, endpoint overrides) and keeps it, built once per version of the
// config, for every AWS controller to share.
package aws

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
	"github.com/appinfra/provider-appinfra/internal/clients/clientcache"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
)

// idle is how long a configuration nobody uses is kept.
const idle = 15 * time.Minute

// Config is what an AWS controller needs to build its SDK client. One is
// shared by every reconcile of every resource using the same version of a
// ProviderConfig in the same region.
type Config struct {
	// AWS is the SDK configuration with credentials and region.
	AWS aws.Config

	// Spec is the ProviderConfig the configuration came from.
	Spec v1alpha1.ProviderConfigSpec

	// ProviderConfigName is the name of that ProviderConfig, for tagging.
	ProviderConfigName string

	// Values are service clients and facts learnt once per Config.
	Values clientcache.Values

	// limits make one token bucket per service, once per Config.
	limits apilimit.Limits
}

// Endpoint returns the URL requests to service (an AWS service ID in lower
// case, such as "s3") go to, or "" for the SDK's default.
func (c *Config) Endpoint(service string) string {
	if c.Spec.Endpoint == nil {
		return ""
	}
	if u, ok := c.Spec.Endpoint.Services[service]; ok {
		return u
	}
	return c.Spec.Endpoint.URL
}

// APIOptions are what every client of a service made from this Config
// adds to its APIOptions: each call counted and traced (cloudcall), and
// held to the service's rate limit, one token bucket per service and
// Config.
func (c *Config) APIOptions(service string) []func(*middleware.Stack) error {
	l, _ := clientcache.Value(&c.Values, "limit/"+service, func() (*apilimit.Limiter, error) {
		return c.limits.Limiter(service), nil
	})
	return []func(*middleware.Stack) error{CountCalls(service), RateLimit(l)}
}

// AccountID is the AWS account the credentials belong to: the config's
// accountID, or learnt once with sts:GetCallerIdentity (which needs no
// permission). It is "" for a config with an endpoint override and no
// accountID: S3-compatible stores have no accounts and often no STS.
func (c *Config) AccountID(ctx context.Context) (string, error) {
	if c.Spec.AccountID != "" {
		return c.Spec.AccountID, nil
	}
	if c.Endpoint("sts") != "" || c.Spec.Endpoint != nil {
		return "", nil
	}
	return clientcache.Value(&c.Values, "accountID", func() (string, error) {
		out, err := c.sts().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", errors.Wrap(err, "cannot learn the credentials' account with sts:GetCallerIdentity (set accountID in the ProviderConfig to skip this)")
		}
		return aws.ToString(out.Account), nil
	})
}

// close closes what the Config's clients hold. Their HTTP transports need
// nothing: idle connections close themselves after 90 seconds unused, long
// before a Config nobody uses is evicted.
func (c *Config) close() { c.Values.Close() }

// Kinds tells providerconfig how to read this group's configs.
var Kinds = providerconfig.Kinds[v1alpha1.ProviderConfigSpec]{
	Namespaced: func() providerconfig.Object[v1alpha1.ProviderConfigSpec] { return &v1alpha1.ProviderConfig{} },
	Cluster:    func() providerconfig.Object[v1alpha1.ProviderConfigSpec] { return &v1alpha1.ClusterProviderConfig{} },
}

// Clients resolves resources' ProviderConfigs to cached Configs.
type Clients struct {
	kube    client.Reader
	secrets client.Reader
	policy  providerconfig.EndpointPolicy
	limits  apilimit.Limits
	cache   *clientcache.Cache[*Config]
	// apiOptions go into every Config's SDK configuration, so every
	// client made from it has them.
	apiOptions []func(*middleware.Stack) error
}

// An Option changes how Clients build Configs.
type Option func(*Clients)

// WithAPIOptions adds API options to every client of every Config, STS's
// for role chains and web identities included: a plan's read-only guard.
func WithAPIOptions(o ...func(*middleware.Stack) error) Option {
	return func(c *Clients) { c.apiOptions = append(c.apiOptions, o...) }
}

// NewClients reads configs through kube (cached) and credentials Secrets
// through secrets, which should neither list nor watch them (a
// providerconfig.RecentSecrets): see docs/operations.md on the Secrets the
// provider reads. Each Config keeps its services' requests within limits (nil: no
// limits).
func NewClients(kube, secrets client.Reader, policy providerconfig.EndpointPolicy, limits apilimit.Limits, opts ...Option) *Clients {
	c := &Clients{kube: kube, secrets: secrets, policy: policy, limits: limits, cache: clientcache.New(idle, (*Config).close)}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Stats says how many Configs are cached and how many were built.
func (c *Clients) Stats() (live, built int) { return c.cache.Stats() }

// Connect returns the Config for the ProviderConfig mg references, in the
// given region. A resource being deleted whose config or Secret is already
// gone (its namespace is being deleted) gets the last Config built for it,
// so that it can still delete what it manages.
func (c *Clients) Connect(ctx context.Context, mg resource.ModernManaged, region string) (*Config, error) {
	return providerconfig.Resolve(ctx, c.kube, mg, Kinds, "/"+region,
		func(ref providerconfig.Ref[v1alpha1.ProviderConfigSpec]) (*Config, error) {
			return c.config(ctx, ref, region)
		},
		c.cache.Last)
}

// config checks a resolved config, reads its Secret and returns the cached
// Config for its version, building it if there is none.
func (c *Clients) config(ctx context.Context, ref providerconfig.Ref[v1alpha1.ProviderConfigSpec], region string) (*Config, error) {
	wrap := func(err error) error {
		return errors.Wrapf(err, "cannot configure AWS client from %s %q", ref.Kind, ref.Name)
	}
	if err := c.check(ref); err != nil {
		return nil, wrap(err)
	}
	spec := ref.Spec
	// Keyed by the region asked for, not the one it defaults to: Connect
	// finds the last Config of a resource being deleted by it, without
	// the config.
	key := clientcache.Key{Config: ref.Identity() + "/" + region}
	if region == "" {
		region = spec.Region
	}
	var secret providerconfig.SecretKey
	if spec.Credentials.Source == v1alpha1.CredentialsSourceSecret {
		var err error
		if secret, err = providerconfig.ReadSecretKey(ctx, c.secrets, ref.SecretNamespace, spec.Credentials.SecretRef); err != nil {
			return nil, wrap(err)
		}
	}
	key.Version = ref.Version() + "/" + secret.ResourceVersion
	cfg, err := c.cache.Get(key, func() (*Config, error) {
		cfg, err := build(ctx, spec, secret, region, c.apiOptions...)
		if err != nil {
			return nil, err
		}
		// Set before the Config is shared: reconciles read it concurrently.
		cfg.ProviderConfigName = ref.Name
		cfg.limits = c.limits
		return cfg, nil
	})
	if err != nil {
		return nil, wrap(err)
	}
	return cfg, nil
}

// check refuses what a namespaced ProviderConfig may not do: borrow the
// provider's own identity, or point it at an endpoint of its choosing.
func (c *Clients) check(ref providerconfig.Ref[v1alpha1.ProviderConfigSpec]) error {
	spec, namespaced := ref.Spec, ref.Kind == providerconfig.KindProviderConfig
	if namespaced && spec.Credentials.Source != v1alpha1.CredentialsSourceSecret {
		// Environment and WebIdentity are the provider's own identity: a
		// namespace's users must not borrow it, nor send its token to an
		// endpoint of their choosing.
		return errors.Errorf("a namespaced ProviderConfig must take credentials from a Secret, not %s: that would lend it the provider's own identity (use a ClusterProviderConfig)", spec.Credentials.Source)
	}
	if e := spec.Endpoint; e != nil {
		if err := c.policy.Check(namespaced, "endpoint.url", e.URL); err != nil {
			return err
		}
		for svc, u := range e.Services {
			if err := c.policy.Check(namespaced, "endpoint.services."+svc, u); err != nil {
				return err
			}
		}
	}
	return nil
}

// build makes the SDK configuration. It runs once per config version; the
// credentials cache and HTTP transport it makes are reused until then.
func build(ctx context.Context, spec v1alpha1.ProviderConfigSpec, secret providerconfig.SecretKey, region string, apiOptions ...func(*middleware.Stack) error) (*Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if len(apiOptions) > 0 {
		opts = append(opts, config.WithAPIOptions(apiOptions))
	}
	switch spec.Credentials.Source {
	case v1alpha1.CredentialsSourceSecret:
		creds, err := parseSharedCredentials(secret.Data, spec.Credentials.Profile)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot parse key %q of credentials Secret %s", spec.Credentials.SecretRef.Key, secret.Where)
		}
		opts = append(opts, config.WithCredentialsProvider(credentials.StaticCredentialsProvider{Value: creds}))
	case v1alpha1.CredentialsSourceEnvironment, v1alpha1.CredentialsSourceWebIdentity:
		// The SDK's default chain; WebIdentity replaces it below.
	default:
		return nil, errors.Errorf("unsupported credentials source %q", spec.Credentials.Source)
	}

	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, errors.Wrap(err, "cannot load AWS configuration")
	}
	c := &Config{AWS: awsCfg, Spec: spec}
	// The SDK's retryer, without its retry quota: that quota is one per
	// service client, so shared by every resource of a config, and a
	// partial outage empties it within seconds, after which every call of
	// every resource fails at its first error with "retry quota exceeded",
	// and each resource falls back to its own exponential backoff (up to a
	// minute). The provider already holds each API to a request rate of its
	// own (every attempt, retries included, takes a token) and backs off per
	// resource, which is what the quota is for.
	c.AWS.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
	}

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
func (c *Config) sts() *sts.Client {
	cfg := c.AWS.Copy()
	if cfg.Region == "" {
		cfg.Region = c.Spec.Region
	}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if u := c.Endpoint("sts"); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
		o.APIOptions = append(o.APIOptions, CountCalls("sts"))
	})
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
