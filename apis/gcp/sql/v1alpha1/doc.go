// Package v1alpha1 contains the sql.gcp.appinfra.io API: the namespaced
// DatabaseInstance managed resource for Cloud SQL.
// +kubebuilder:object:generate=true
// +groupName=sql.gcp.appinfra.io
// +versionName=v1alpha1
package v1alpha1
