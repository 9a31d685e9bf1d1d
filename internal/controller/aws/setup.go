// Package aws sets up provider-appinfra-aws's controllers: its
// ProviderConfig kinds and its managed resources (S3, RDS, ElastiCache,
// and the security groups and subnet groups they are placed in).
package aws

import (
	"context"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	ec2v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
	ecv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	rdsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/controller"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/cachesubnetgroup"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/dbinstance"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/dbsubnetgroup"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/replicationgroup"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/s3bucket"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/securitygroup"
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
	// One client cache, shared by the kinds: resources of every kind that
	// use one config share one SDK configuration.
	clients := awsclient.NewClients(mgr.GetClient(), secrets, o.Endpoints, o.APILimits)
	if err := controller.RegisterCacheMetrics("aws", clients.Stats); err != nil {
		return nil, err
	}
	// Database passwords and cache tokens are recorded by a keyed hash of
	// their value, and a Bucket about to create its bucket is marked with
	// one (ownership.Intent): the key is loaded before the manager starts,
	// from the API server.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	versionKey, err := secretkey.LoadKey(ctx, mgr.GetAPIReader(), mgr.GetClient(), o.Namespace)
	if err != nil {
		return nil, err
	}
	return []controller.Kind{
		{GVK: s3v1alpha1.BucketGroupVersionKind, Setup: func() error { return s3bucket.Setup(mgr, o.Options, clients, versionKey) }},
		{GVK: rdsv1alpha1.DBInstanceGroupVersionKind, Setup: func() error { return dbinstance.Setup(mgr, o.Options, clients, versionKey) }},
		{GVK: ecv1alpha1.ReplicationGroupGroupVersionKind, Setup: func() error { return replicationgroup.Setup(mgr, o.Options, clients, versionKey) }},
		{GVK: rdsv1alpha1.DBSubnetGroupGroupVersionKind, Setup: func() error { return dbsubnetgroup.Setup(mgr, o.Options, clients) }},
		{GVK: ecv1alpha1.CacheSubnetGroupGroupVersionKind, Setup: func() error { return cachesubnetgroup.Setup(mgr, o.Options, clients) }},
		{GVK: ec2v1alpha1.SecurityGroupGroupVersionKind, Setup: func() error { return securitygroup.Setup(mgr, o.Options, clients) }},
	}, nil
}
