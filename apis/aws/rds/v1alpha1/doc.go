// Package v1alpha1 contains the rds.aws.appinfra.io API: the namespaced
// DBInstance and DBSubnetGroup managed resources.
// +kubebuilder:object:generate=true
// +groupName=rds.aws.appinfra.io
// +versionName=v1alpha1
package v1alpha1
