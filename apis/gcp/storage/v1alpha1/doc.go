// Package v1alpha1 contains the storage.gcp.appinfra.io API: the namespaced
// Bucket managed resource for Google Cloud Storage.
// +kubebuilder:object:generate=true
// +groupName=storage.gcp.appinfra.io
// +versionName=v1alpha1
package v1alpha1
