// Package aws holds the APIs of provider-appinfra-aws: its ProviderConfig
// kinds and its managed resources (S3, RDS, ElastiCache, EC2 security groups).
package aws

import (
	"k8s.io/apimachinery/pkg/runtime"

	ec2v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
	elasticachev1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	rdsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
)

// AddToScheme adds every API of provider-appinfra-aws to a scheme.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		awsv1alpha1.SchemeBuilder.AddToScheme,
		s3v1alpha1.SchemeBuilder.AddToScheme,
		rdsv1alpha1.SchemeBuilder.AddToScheme,
		elasticachev1alpha1.SchemeBuilder.AddToScheme,
		ec2v1alpha1.SchemeBuilder.AddToScheme,
	} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}
