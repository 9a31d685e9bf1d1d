// Package v1alpha1 contains the gcp.appinfra.io API: the ProviderConfig and
// ClusterProviderConfig that tell the provider which Google Cloud project to
// work in and how to authenticate, and the usages that protect them from
// deletion while managed resources depend on them.
// +kubebuilder:object:generate=true
// +groupName=gcp.appinfra.io
// +versionName=v1alpha1
package v1alpha1
