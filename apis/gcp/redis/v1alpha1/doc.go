// Package v1alpha1 contains the redis.gcp.appinfra.io API: the namespaced
// Instance managed resource for Memorystore for Redis.
// +kubebuilder:object:generate=true
// +groupName=redis.gcp.appinfra.io
// +versionName=v1alpha1
package v1alpha1
