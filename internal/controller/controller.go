// Package controller sets up every controller of the provider.
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

	"github.com/appinfra/provider-appinfra/apis"
	ecv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	rdsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	gcsv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/dbinstance"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/replicationgroup"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/s3bucket"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcsbucket"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/secretcache"
)

// recentSecrets is how long a credentials Secret read is reused: a rotated
// key is in use this long after the Secret changes, at most.
const recentSecrets = 10 * time.Second

// Options are the provider's settings for every controller.
type Options struct {
	controller.Options

	// Endpoints says which endpoint overrides namespaced ProviderConfigs
	// may use.
	Endpoints providerconfig.EndpointPolicy

	// APILimits are the request rates each cloud API is held to, per
	// client configuration (nil: no limits).
	APILimits apilimit.Limits
}

// NewScheme returns what the manager's scheme must hold: Kubernetes' own
// types, CRDs (the safe-start gate watches them) and the provider's APIs.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, apis.AddToScheme} {
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

// Setup adds every controller to the manager. Its client must be made with
// ClientOptions.
func Setup(mgr ctrl.Manager, o Options) error {
	for _, g := range []providerconfig.Group{
		{
			ProviderConfig:        &awsv1alpha1.ProviderConfig{},
			ClusterProviderConfig: &awsv1alpha1.ClusterProviderConfig{},
			Usage:                 &awsv1alpha1.ProviderConfigUsage{},
			UsageList:             awsv1alpha1.ProviderConfigUsageListGroupVersionKind,
		},
		{
			ProviderConfig:        &gcpv1alpha1.ProviderConfig{},
			ClusterProviderConfig: &gcpv1alpha1.ClusterProviderConfig{},
			Usage:                 &gcpv1alpha1.ProviderConfigUsage{},
			UsageList:             gcpv1alpha1.ProviderConfigUsageListGroupVersionKind,
		},
	} {
		if err := providerconfig.Setup(mgr, o.Options, g); err != nil {
			return err
		}
	}
	// One client cache per cloud, shared by its kinds: resources of every
	// kind that use one config share one SDK configuration. Credentials
	// Secrets are read at most once per recentSecrets per Secret, however
	// many resources connect with them.
	secrets := providerconfig.NewRecentSecrets(mgr.GetClient(), recentSecrets)
	aws := awsclient.NewClients(mgr.GetClient(), secrets, o.Endpoints, o.APILimits)
	gcp := gcpclient.NewClients(mgr.GetClient(), secrets, o.Endpoints, o.APILimits)
	if err := registerCacheMetrics(map[string]func() (int, int){"aws": aws.Stats, "gcp": gcp.Stats}); err != nil {
		return err
	}
	kinds := []struct {
		gvk   schema.GroupVersionKind
		setup func() error
	}{
		{s3v1alpha1.BucketGroupVersionKind, func() error { return s3bucket.Setup(mgr, o.Options, aws) }},
		{rdsv1alpha1.DBInstanceGroupVersionKind, func() error { return dbinstance.Setup(mgr, o.Options, aws) }},
		{ecv1alpha1.ReplicationGroupGroupVersionKind, func() error { return replicationgroup.Setup(mgr, o.Options, aws) }},
		{gcsv1alpha1.BucketGroupVersionKind, func() error { return gcsbucket.Setup(mgr, o.Options, gcp) }},
	}
	if o.Gate == nil {
		for _, k := range kinds {
			if err := k.setup(); err != nil {
				return err
			}
		}
		return nil
	}
	// Safe start: a kind's controller starts once its CRD is established,
	// which, installed as a package, is once a ManagedResourceActivationPolicy
	// has activated its ManagedResourceDefinition. A kind nobody activates
	// costs no watch, no cache and no API server requests.
	for _, k := range kinds {
		o.Gate.Register(func() {
			if err := k.setup(); err != nil {
				o.Logger.Info("Cannot start a controller", "gvk", k.gvk.String(), "error", err)
				return
			}
			o.Logger.Info("Started the controller of an active kind", "gvk", k.gvk.String())
		}, k.gvk)
	}
	return customresourcesgate.Setup(mgr, o.Options)
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

// registerCacheMetrics exposes each cloud's client cache: how many configs
// it holds and how many it has built. Builds grow with config changes, not
// with reconciles; if they track reconciles, clients are being rebuilt.
func registerCacheMetrics(stats map[string]func() (live, built int)) error {
	for cloud, s := range stats {
		labels := prometheus.Labels{"cloud": cloud}
		for _, c := range []prometheus.Collector{
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "appinfra_client_configs", Help: "Cloud client configurations cached, one per ProviderConfig version and region in use.", ConstLabels: labels,
			}, func() float64 { live, _ := s(); return float64(live) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "appinfra_client_config_builds_total", Help: "Cloud client configurations built since start.", ConstLabels: labels,
			}, func() float64 { _, built := s(); return float64(built) }),
		} {
			if err := metrics.Registry.Register(c); err != nil {
				return err
			}
		}
	}
	return nil
}
