// Package gcp sets up provider-appinfra-gcp's controllers: its
// ProviderConfig kinds and its managed resources (Cloud Storage, Cloud SQL,
// Memorystore for Redis).
package gcp

import (
	"context"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	redisv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
	sqlv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
	storagev1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/controller"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcsbucket"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/redisinstance"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/sqlinstance"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
)

// Setup adds the ProviderConfig controllers to the manager and returns the
// managed resource kinds, for controller.SetupKinds to start. The
// manager's client must be made with controller.ClientOptions.
func Setup(mgr ctrl.Manager, o controller.Options) ([]controller.Kind, error) {
	secrets, err := controller.SetupProviderConfigs(mgr, o, providerconfig.Group{
		ProviderConfig:        &v1alpha1.ProviderConfig{},
		ClusterProviderConfig: &v1alpha1.ClusterProviderConfig{},
		Usage:                 &v1alpha1.ProviderConfigUsage{},
		UsageList:             v1alpha1.ProviderConfigUsageListGroupVersionKind,
	})
	if err != nil {
		return nil, err
	}
	// One client cache, shared by the kinds (see the AWS provider's).
	clients := gcpclient.NewClients(mgr.GetClient(), secrets, o.Endpoints, o.APILimits)
	if err := controller.RegisterCacheMetrics("gcp", clients.Stats); err != nil {
		return nil, err
	}
	// A resource about to create its bucket is marked with a keyed hash
	// (ownership.Intent), and database password versions are keyed hashes,
	// with the key the AWS provider shares: loaded before the manager
	// starts, from the API server.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key, err := secretkey.LoadKey(ctx, mgr.GetAPIReader(), mgr.GetClient(), o.Namespace)
	if err != nil {
		return nil, err
	}
	return []controller.Kind{
		{GVK: storagev1alpha1.BucketGroupVersionKind, Setup: func() error { return gcsbucket.Setup(mgr, o.Options, clients, key) }},
		{GVK: sqlv1alpha1.DatabaseInstanceGroupVersionKind, Setup: func() error { return sqlinstance.Setup(mgr, o.Options, clients, key) }},
		{GVK: redisv1alpha1.InstanceGroupVersionKind, Setup: func() error { return redisinstance.Setup(mgr, o.Options, clients) }},
	}, nil
}
