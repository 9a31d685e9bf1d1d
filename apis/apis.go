// Package apis contains the Go types of every managed resource and provider
// configuration this provider serves.
package apis

import (
	"k8s.io/apimachinery/pkg/runtime"

	elasticachev1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	rdsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	storagev1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
)

// AddToScheme adds every API of this provider to a scheme.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		awsv1alpha1.SchemeBuilder.AddToScheme,
		s3v1alpha1.SchemeBuilder.AddToScheme,
		rdsv1alpha1.SchemeBuilder.AddToScheme,
		elasticachev1alpha1.SchemeBuilder.AddToScheme,
		gcpv1alpha1.SchemeBuilder.AddToScheme,
		storagev1alpha1.SchemeBuilder.AddToScheme,
	} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}
