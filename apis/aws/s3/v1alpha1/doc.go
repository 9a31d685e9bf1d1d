// Package v1alpha1 contains the s3.aws.appinfra.io API: the namespaced
// Bucket managed resource.
// +kubebuilder:object:generate=true
// +groupName=s3.aws.appinfra.io
// +versionName=v1alpha1
package v1alpha1
