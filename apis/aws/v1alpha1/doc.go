// Package v1alpha1 contains the aws.appinfra.io API: the ProviderConfig and
// ClusterProviderConfig that tell the provider how to reach and authenticate
// to AWS or an S3-compatible store, and the usages that protect them from
// deletion while managed resources depend on them.
// +kubebuilder:object:generate=true
// +groupName=aws.appinfra.io
// +versionName=v1alpha1
package v1alpha1
