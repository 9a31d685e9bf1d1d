// Package gcplabels is how Google Cloud labels (Cloud Storage bucket labels,
// Cloud SQL user labels) carry the provider's ownership tags: their values
// folded to Google's label rules, and the rules checked on users' own.
package gcplabels

import (
	"maps"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/internal/ownership"
)

var (
	notLabelChar = regexp.MustCompile(`[^a-z0-9_-]`)
	labelValueRe = regexp.MustCompile(`^[a-z0-9_-]{0,63}$`)
)

// Encoding is how Google labels store the provider's tags: folded to their
// character set. Kubernetes names never hold an underscore, so a folded dot
// maps back exactly (the UID label is what identifies the manager).
var Encoding = ownership.Encoding{
	Fold:   Value,
	Unfold: func(s string) string { return strings.ReplaceAll(s, "_", ".") },
}

// Value fits a value to Google's label rules: lower-case letters, digits, _
// and -, at most 63 characters. Kubernetes names may hold dots.
func Value(v string) string {
	v = notLabelChar.ReplaceAllString(strings.ToLower(v), "_")
	if len(v) > 63 {
		v = v[:63]
	}
	return v
}

// Desired is the labels a resource mg of kind gk wants on its cloud
// resource: the provider's own, folded, and the user's, which win.
func Desired(mg resource.Managed, gk schema.GroupKind, user map[string]string) map[string]string {
	labels := map[string]string{}
	for k, v := range ownership.Tags(mg, gk) {
		labels[k] = Value(v)
	}
	maps.Copy(labels, user)
	return labels
}

// Check refuses label values service (GCS, Cloud SQL) refuses, naming the
// key, never the value. Admission checks the keys; a per-value pattern is
// over the API server's CEL cost budget.
func Check(service string, labels map[string]string) error {
	for k, v := range labels {
		if !labelValueRe.MatchString(v) {
			return xperrors.Errorf("label %q has a value %s refuses: values may hold only lower-case letters, digits, _ and -, at most 63 characters", k, service)
		}
	}
	return nil
}
