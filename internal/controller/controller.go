// Package controller holds what every provider of the family sets up the
// same way: the scheme, the manager's cache and client, and the safe-start
// gate its kinds start behind. Each cloud's kinds are set up by its own
// package (internal/controller/aws, internal/controller/gcp).
package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/customresourcesgate"

	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/secretcache"
)

// RecentSecrets is how long a credentials Secret read is reused: a rotated
// key is in use this long after the Secret changes, at most.
const RecentSecrets = 10 * time.Second

// Options are the provider's settings for every controller.
type Options struct {
	controller.Options

	// Endpoints says which endpoint overrides namespaced ProviderConfigs
	// may use.
	Endpoints providerconfig.EndpointPolicy

	// APILimits are the request rates each cloud API is held to, per
	// client configuration (nil: no limits).
	APILimits apilimit.Limits

	// Namespace is the provider's own: the Secret of the key credential
	// versions are hashed with is kept there (secretkey.LoadKey).
	Namespace string
}

// NewScheme returns what the manager's scheme must hold: Kubernetes' own
// types, CRDs (the safe-start gate watches them) and the provider's APIs
// (adds).
func NewScheme(adds ...func(*runtime.Scheme) error) (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range append([]func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme}, adds...) {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ClientOptions make the manager's client read and write Secrets at the API
// server rather than through its cache of every kind: that would watch
// every Secret of every namespace and hold them all in the provider's
// memory. The manager's NewClient (secretcache.NewClient) reads the Secrets
// the provider wrote itself from a cache of those alone (CacheOptions).
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}

// SetupProviderConfigs adds the controllers of a cloud's ProviderConfig
// kinds and returns what its client cache reads credentials Secrets with:
// each at most once per RecentSecrets, however many resources connect with
// them.
func SetupProviderConfigs(mgr ctrl.Manager, o Options, g providerconfig.Group) (client.Reader, error) {
	if err := providerconfig.Setup(mgr, o.Options, g); err != nil {
		return nil, err
	}
	return providerconfig.NewRecentSecrets(mgr.GetClient(), RecentSecrets), nil
}

// A Kind is a managed resource kind and how to start its controller.
type Kind struct {
	GVK   schema.GroupVersionKind
	Setup func() error
}

// SetupKinds starts the kinds' controllers: at once without a gate (as
// tests run them), or each once its CRD is established. Installed as a
// package, that is once a ManagedResourceActivationPolicy has activated its
// ManagedResourceDefinition: a kind nobody activates costs no watch, no
// cache and no API server requests.
func SetupKinds(mgr ctrl.Manager, o controller.Options, kinds []Kind) error {
	if o.Gate == nil {
		for _, k := range kinds {
			if err := k.Setup(); err != nil {
				return err
			}
		}
		return nil
	}
	for _, k := range kinds {
		o.Gate.Register(func() {
			if err := k.Setup(); err != nil {
				o.Logger.Info("Cannot start a controller", "gvk", k.GVK.String(), "error", err)
				return
			}
			o.Logger.Info("Started the controller of an active kind", "gvk", k.GVK.String())
		}, k.GVK)
	}
	return customresourcesgate.Setup(mgr, o)
}

// CacheOptions are the manager's cache settings. Cached objects keep no
// managed fields: nothing reads them, an update that omits them leaves them
// as they are, and they are often the larger part of a managed resource
// (every field the provider, Crossplane and kubectl have each set), so
// dropping them shrinks the cache by about as much as everything else. For
// safe start, the CRD gate watches CRDs but needs neither their schemas nor
// their managed fields. Of Secrets, only the provider's own are cached
// (see ClientOptions). Every watched object is resynced every sync.
func CacheOptions(sync *time.Duration) cache.Options {
	return cache.Options{
		SyncPeriod:       sync,
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&apiextensionsv1.CustomResourceDefinition{}: {Transform: customresourcesgate.TransformStripCRDSchema},
			&corev1.Secret{}: secretcache.ByObject(),
		},
	}
}

// RegisterCacheMetrics exposes a cloud's client cache: how many configs it
// holds and how many it has built (stats). Builds grow with config changes,
// not with reconciles; if they track reconciles, clients are being rebuilt.
func RegisterCacheMetrics(cloud string, stats func() (live, built int)) error {
	labels := prometheus.Labels{"cloud": cloud}
	for _, c := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "appinfra_client_configs", Help: "Cloud client configurations cached, one per ProviderConfig version and region in use.", ConstLabels: labels,
		}, func() float64 { live, _ := stats(); return float64(live) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "appinfra_client_config_builds_total", Help: "Cloud client configurations built since start.", ConstLabels: labels,
		}, func() float64 { _, built := stats(); return float64(built) }),
	} {
		if err := metrics.Registry.Register(c); err != nil {
			return err
		}
	}
	return nil
}
