// Package v1alpha1 contains the ec2.aws.appinfra.io API: the namespaced
// SecurityGroup managed resource.
// +kubebuilder:object:generate=true
// +groupName=ec2.aws.appinfra.io
// +versionName=v1alpha1
package v1alpha1
