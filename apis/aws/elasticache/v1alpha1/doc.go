// Package v1alpha1 contains the elasticache.aws.appinfra.io API: the
// namespaced ReplicationGroup and CacheSubnetGroup managed resources.
// +kubebuilder:object:generate=true
// +groupName=elasticache.aws.appinfra.io
// +versionName=v1alpha1
package v1alpha1
