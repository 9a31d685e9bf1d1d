// Package gcp turns a ProviderConfig or ClusterProviderConfig of the
// gcp.appinfra.io group into Google API client options (credentials,
// impersonation, endpoint overrides) and keeps them, with the clients built
// from them, once per version of the config for every GCP controller.
package gcp

import (
	"context"
	"encoding/json"
	stderrors "errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"golang.org/x/oauth2/google"
	crm "google.golang.org/api/cloudresourcemanager/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/impersonate"
	"google.golang.org/api/option"
	redis "google.golang.org/api/redis/v1"
	sqladmin "google.golang.org/api/sqladmin/v1"
	htransport "google.golang.org/api/transport/http"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
	"github.com/appinfra/provider-appinfra/internal/clients/clientcache"
	"github.com/appinfra/provider-appinfra/internal/clients/cloudcall"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
)

// scope is what the provider's clients need: full control of the resources
// it manages.
const scope = "https://www.googleapis.com/auth/cloud-platform"

// idle is how long a configuration nobody uses is kept.
const idle = 15 * time.Minute

// Google's token endpoints, the ones a service account key names.
var googleTokenURIs = map[string]bool{
	"https://oauth2.googleapis.com/token":        true,
	"https://accounts.google.com/o/oauth2/token": true,
}

// Config is what a GCP controller needs to build its client. One is shared
// by every reconcile of every resource using the same version of a config.
type Config struct {
	// Spec is the ProviderConfig the configuration came from.
	Spec v1alpha1.ProviderConfigSpec

	// ProviderConfigName is the name of that ProviderConfig, for labels.
	ProviderConfigName string

	// Options authenticate a client; the endpoint is the controller's.
	Options []option.ClientOption

	// Values are clients and facts learnt once per Config.
	Values clientcache.Values

	// limits make the token bucket of each API, once per Config.
	limits apilimit.Limits

	// wrap, if set, wraps each API's authenticated transport.
	wrap Wrap
}

// A Wrap wraps the transport of an API's client (storage, sqladmin, redis,
// cloudresourcemanager) below counting and rate limiting, just above
// authentication: a plan's read-only guard.
type Wrap func(service string, next http.RoundTripper) http.RoundTripper

// DefaultLimits are the Google Cloud APIs' request rate limits, per
// ProviderConfig: Cloud Storage bucket reads are not rate limited; bucket
// creation and deletion are (about one per two seconds per project), and
// the server's 429s are retried with backoff. The Cloud SQL Admin and
// Memorystore APIs have per-minute request quotas per project (a few
// hundred a minute by default): the provider stays well inside them,
// 3 and 5 a second, and a project with raised quotas raises these with
// --cloud-api-rate-limits.
func DefaultLimits() apilimit.Limits {
	return apilimit.Limits{
		"storage":  {Rate: 200, Burst: 400},
		"sqladmin": {Rate: 3, Burst: 10},
		"redis":    {Rate: 5, Burst: 10},
	}
}

// StorageEndpoint is the Cloud Storage JSON API base URL, or "" for Google's.
func (c *Config) StorageEndpoint() string {
	if c.Spec.Endpoint == nil {
		return ""
	}
	return c.Spec.Endpoint.Storage
}

// SQLAdminEndpoint is the Cloud SQL Admin API base URL, or "" for Google's.
func (c *Config) SQLAdminEndpoint() string {
	if c.Spec.Endpoint == nil {
		return ""
	}
	return c.Spec.Endpoint.SQLAdmin
}

// RedisEndpoint is the Memorystore for Redis API base URL, or "" for
// Google's.
func (c *Config) RedisEndpoint() string {
	if c.Spec.Endpoint == nil {
		return ""
	}
	return c.Spec.Endpoint.Redis
}

// options are the client options of one API of this config: its
// credentials, its endpoint override, and an HTTP client that counts,
// traces and rate-limits each call around the authenticated transport
// (which the API's client would otherwise build inside itself).
func (c *Config) options(service, endpoint string, operation func(method, path string) string) ([]option.ClientOption, error) {
	// The client outlives the reconcile that makes it.
	ctx := context.Background()
	opts := c.Options
	if endpoint != "" {
		opts = append(opts[:len(opts):len(opts)], option.WithEndpoint(endpoint))
	}
	hc, _, err := htransport.NewClient(ctx, append(opts[:len(opts):len(opts)], option.WithScopes(scope))...)
	if err != nil {
		return nil, errors.Wrapf(err, "cannot create the %s HTTP client", service)
	}
	if c.wrap != nil {
		hc.Transport = c.wrap(service, hc.Transport)
	}
	hc.Transport = cloudcall.GoogleTransport(service, operation, apilimit.Transport(c.limits.Limiter(service), hc.Transport))
	return append(opts[:len(opts):len(opts)], option.WithHTTPClient(hc)), nil
}

// Storage is the Cloud Storage client of this config, made once.
func (c *Config) Storage() (*storage.Client, error) {
	return clientcache.Value(&c.Values, "storage", func() (*storage.Client, error) {
		opts, err := c.options("storage", c.StorageEndpoint(), cloudcall.StorageOperation)
		if err != nil {
			return nil, err
		}
		sc, err := storage.NewClient(context.Background(), opts...)
		return sc, errors.Wrap(err, "cannot create Cloud Storage client")
	})
}

// SQLAdmin is the Cloud SQL Admin API client of this config, made once.
func (c *Config) SQLAdmin() (*sqladmin.Service, error) {
	return clientcache.Value(&c.Values, "sqladmin", func() (*sqladmin.Service, error) {
		opts, err := c.options("sqladmin", c.SQLAdminEndpoint(), cloudcall.SQLAdminOperation)
		if err != nil {
			return nil, err
		}
		s, err := sqladmin.NewService(context.Background(), opts...)
		return s, errors.Wrap(err, "cannot create Cloud SQL Admin client")
	})
}

// Redis is the Memorystore for Redis API client of this config, made once.
func (c *Config) Redis() (*redis.Service, error) {
	return clientcache.Value(&c.Values, "redis", func() (*redis.Service, error) {
		opts, err := c.options("redis", c.RedisEndpoint(), cloudcall.RedisOperation)
		if err != nil {
			return nil, err
		}
		s, err := redis.NewService(context.Background(), opts...)
		return s, errors.Wrap(err, "cannot create Memorystore for Redis client")
	})
}

// ProjectNumber is the number of the config's project, which GCS reports
// for a bucket: the config's projectNumber, or learnt once from Resource
// Manager. It is "" when neither says, as with an emulator (an endpoint
// override and no projectNumber), or when Resource Manager refuses.
func (c *Config) ProjectNumber(ctx context.Context) string {
	if c.Spec.ProjectNumber != "" {
		return c.Spec.ProjectNumber
	}
	if c.Spec.Endpoint != nil {
		return ""
	}
	n, _ := clientcache.Value(&c.Values, "projectNumber", func() (string, error) {
		opts := c.Options
		if c.wrap != nil {
			hc, _, err := htransport.NewClient(ctx, append(opts[:len(opts):len(opts)], option.WithScopes(scope))...)
			if err != nil {
				return "", err
			}
			hc.Transport = c.wrap("cloudresourcemanager", hc.Transport)
			opts = append(opts[:len(opts):len(opts)], option.WithHTTPClient(hc))
		}
		svc, err := crm.NewService(ctx, opts...)
		if err != nil {
			return "", err
		}
		p, err := svc.Projects.Get("projects/" + c.Spec.ProjectID).Context(ctx).Do()
		var ge *googleapi.Error
		if stderrors.As(err, &ge) && (ge.Code == http.StatusForbidden || ge.Code == http.StatusNotFound) {
			// Reading a project needs resourcemanager.projects.get, which
			// a bucket admin may lack: the check is then skipped for this
			// config, not the whole provider blocked. projectNumber in the
			// config avoids the lookup. Other errors are retried.
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return strings.TrimPrefix(p.Name, "projects/"), nil
	})
	return n
}

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
	wrap    Wrap
}

// An Option changes how Clients build Configs.
type Option func(*Clients)

// WithTransport wraps the transport of every API client of every Config.
func WithTransport(w Wrap) Option { return func(c *Clients) { c.wrap = w } }

// NewClients reads configs through kube (cached) and credentials Secrets
// through secrets, which should neither list nor watch them (a
// providerconfig.RecentSecrets). Each Config keeps its APIs' requests
// within limits (nil: no limits).
func NewClients(kube, secrets client.Reader, policy providerconfig.EndpointPolicy, limits apilimit.Limits, opts ...Option) *Clients {
	c := &Clients{kube: kube, secrets: secrets, policy: policy, limits: limits, cache: clientcache.New(idle, func(c *Config) { c.Values.Close() })}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Stats says how many Configs are cached and how many were built.
func (c *Clients) Stats() (live, built int) { return c.cache.Stats() }

// Connect returns the Config for the ProviderConfig mg references. A
// resource being deleted whose config or Secret is already gone gets the
// last Config built for it.
func (c *Clients) Connect(ctx context.Context, mg resource.ModernManaged) (*Config, error) {
	return providerconfig.Resolve(ctx, c.kube, mg, Kinds, "",
		func(ref providerconfig.Ref[v1alpha1.ProviderConfigSpec]) (*Config, error) { return c.config(ctx, ref) },
		c.cache.Last)
}

func (c *Clients) config(ctx context.Context, ref providerconfig.Ref[v1alpha1.ProviderConfigSpec]) (*Config, error) {
	wrap := func(err error) error {
		return errors.Wrapf(err, "cannot configure Google Cloud client from %s %q", ref.Kind, ref.Name)
	}
	spec, namespaced := ref.Spec, ref.Kind == providerconfig.KindProviderConfig
	if err := c.check(spec, namespaced); err != nil {
		return nil, wrap(err)
	}
	var secret providerconfig.SecretKey
	if spec.Credentials.Source == v1alpha1.CredentialsSourceSecret {
		var err error
		if secret, err = providerconfig.ReadSecretKey(ctx, c.secrets, ref.SecretNamespace, spec.Credentials.SecretRef); err != nil {
			return nil, wrap(err)
		}
		tokenURI, err := checkServiceAccountKey(secret.Data)
		if err != nil {
			return nil, wrap(errors.Wrapf(err, "key %q of credentials Secret %s", spec.Credentials.SecretRef.Key, secret.Where))
		}
		// The policy's own error would quote the URI, which comes from
		// the Secret: say which key instead.
		if !googleTokenURIs[tokenURI] && c.policy.Check(namespaced, "token_uri", tokenURI) != nil {
			return nil, wrap(errors.Errorf("key %q of credentials Secret %s names a token_uri that is not Google's, which a namespaced ProviderConfig may use only when the provider's --namespaced-endpoint-prefixes cover it (or use a ClusterProviderConfig)", spec.Credentials.SecretRef.Key, secret.Where))
		}
	}
	key := clientcache.Key{Config: ref.Identity(), Version: ref.Version() + "/" + secret.ResourceVersion}
	cfg, err := c.cache.Get(key, func() (*Config, error) {
		cfg, err := build(spec, secret)
		if err != nil {
			return nil, err
		}
		// Set before the Config is shared: reconciles read it concurrently.
		cfg.ProviderConfigName = ref.Name
		cfg.limits = c.limits
		cfg.wrap = c.wrap
		return cfg, nil
	})
	if err != nil {
		return nil, wrap(err)
	}
	return cfg, nil
}

// check refuses what a namespaced ProviderConfig may not do, and what no
// config can do.
func (c *Clients) check(spec v1alpha1.ProviderConfigSpec, namespaced bool) error {
	if namespaced && spec.Credentials.Source == v1alpha1.CredentialsSourceEnvironment {
		// Application Default Credentials are the provider's own identity:
		// a namespace's users must not borrow it, nor send its token to an
		// endpoint of their choosing.
		return errors.New("a namespaced ProviderConfig must not use source Environment: that would lend it the provider's own identity (use a Secret, or a ClusterProviderConfig)")
	}
	if spec.Impersonate != nil && spec.Credentials.Source == v1alpha1.CredentialsSourceNone {
		return errors.New("impersonation needs credentials: source None cannot impersonate")
	}
	if spec.Endpoint != nil {
		e := spec.Endpoint
		if err := c.policy.Check(namespaced, "endpoint.storage", e.Storage); err != nil {
			return err
		}
		if err := c.policy.Check(namespaced, "endpoint.sqlAdmin", e.SQLAdmin); err != nil {
			return err
		}
		return c.policy.Check(namespaced, "endpoint.redis", e.Redis)
	}
	return nil
}

// build makes the client options once per config version. The token
// sources it makes outlive the reconcile that builds them, so they get a
// context of their own.
func build(spec v1alpha1.ProviderConfigSpec, secret providerconfig.SecretKey) (*Config, error) {
	ctx := context.Background()
	c := &Config{Spec: spec}
	switch spec.Credentials.Source {
	case v1alpha1.CredentialsSourceSecret:
		// Only service account keys are accepted: other credential types
		// can make the client fetch URLs or run commands named in the key.
		creds, err := google.CredentialsFromJSONWithType(ctx, secret.Data, google.ServiceAccount, scope)
		if err != nil {
			return nil, errors.Errorf("key %q of credentials Secret %s is not a usable service account key", spec.Credentials.SecretRef.Key, secret.Where)
		}
		c.Options = []option.ClientOption{option.WithCredentials(creds)}
	case v1alpha1.CredentialsSourceEnvironment:
		// Application Default Credentials: the client finds them.
	case v1alpha1.CredentialsSourceNone:
		c.Options = []option.ClientOption{option.WithoutAuthentication()}
	default:
		return nil, errors.Errorf("unsupported credentials source %q", spec.Credentials.Source)
	}
	if imp := spec.Impersonate; imp != nil {
		ts, err := impersonate.CredentialsTokenSource(ctx, impersonate.CredentialsConfig{
			TargetPrincipal: imp.ServiceAccount,
			Delegates:       imp.Delegates,
			Scopes:          []string{scope},
		}, c.Options...)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot impersonate %s", imp.ServiceAccount)
		}
		c.Options = []option.ClientOption{option.WithTokenSource(ts)}
	}
	return c, nil
}

// checkServiceAccountKey explains what is wrong with a key without quoting
// it (the JSON parser's own errors can echo bytes of the secret), and
// returns the token endpoint the key names.
func checkServiceAccountKey(data []byte) (tokenURI string, err error) {
	var k struct {
		Type        string `json:"type"`
		ClientEmail string `json:"client_email"`
		PrivateKey  string `json:"private_key"`
		TokenURI    string `json:"token_uri"`
	}
	if json.Unmarshal(data, &k) != nil {
		return "", errors.New("is not JSON; want a service account key as downloaded from Google Cloud")
	}
	if k.Type != "service_account" {
		return "", errors.New("is not a service account key: its type is not service_account")
	}
	if k.ClientEmail == "" || k.PrivateKey == "" {
		return "", errors.New("lacks client_email or private_key")
	}
	if k.TokenURI == "" {
		k.TokenURI = "https://oauth2.googleapis.com/token"
	}
	return k.TokenURI, nil
}

// FormatProjectNumber is how a bucket's project number compares with a
// config's.
func FormatProjectNumber(n uint64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatUint(n, 10)
}
