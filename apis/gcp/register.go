// Package gcp holds the APIs of provider-appinfra-gcp: its ProviderConfig
// kinds and its managed resources (Cloud Storage, Cloud SQL, Memorystore
// for Redis).
package gcp

import (
	"k8s.io/apimachinery/pkg/runtime"

	redisv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
	sqlv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
	storagev1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
)

// AddToScheme adds every API of provider-appinfra-gcp to a scheme.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		gcpv1alpha1.SchemeBuilder.AddToScheme,
		storagev1alpha1.SchemeBuilder.AddToScheme,
		sqlv1alpha1.SchemeBuilder.AddToScheme,
		redisv1alpha1.SchemeBuilder.AddToScheme,
	} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}
