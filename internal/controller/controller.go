// Package controller sets up every controller of the provider.
package controller

import (
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"

	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	s3bucket "github.com/appinfra/provider-appinfra/internal/controller/s3/bucket"
	gcsbucket "github.com/appinfra/provider-appinfra/internal/controller/storage/bucket"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
)

// Setup adds every controller to the manager.
func Setup(mgr ctrl.Manager, o controller.Options) error {
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
		if err := providerconfig.Setup(mgr, o, g); err != nil {
			return err
		}
	}
	for _, setup := range []func(ctrl.Manager, controller.Options) error{
		s3bucket.Setup,
		gcsbucket.Setup,
	} {
		if err := setup(mgr, o); err != nil {
			return err
		}
	}
	return nil
}
