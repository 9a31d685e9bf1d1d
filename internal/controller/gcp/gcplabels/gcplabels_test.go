package gcplabels

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
)

func TestValue(t *testing.T) {
	cases := map[string]struct {
		reason string
		v      string
		want   string
	}{
		"Valid":      {reason: "A value that fits Google's label rules is kept.", v: "team-a_1", want: "team-a_1"},
		"Empty":      {reason: "An empty value is allowed.", v: "", want: ""},
		"UpperCase":  {reason: "Upper-case letters are lowered.", v: "ClusterProviderConfig", want: "clusterproviderconfig"},
		"Dots":       {reason: "Dots, which Kubernetes names may hold, become underscores.", v: "Bucket.storage.gcp.appinfra.io", want: "bucket_storage_gcp_appinfra_io"},
		"Other":      {reason: "Every other character becomes one underscore.", v: "a b/c:dé", want: "a_b_c_d_"},
		"Longest":    {reason: "63 characters are kept.", v: strings.Repeat("a", 63), want: strings.Repeat("a", 63)},
		"OneTooLong": {reason: "64 characters are cut to 63.", v: strings.Repeat("a", 64), want: strings.Repeat("a", 63)},
		"TooLong":    {reason: "Longer values are cut to 63 characters.", v: strings.Repeat("ab", 40), want: strings.Repeat("ab", 31) + "a"},
		"LongDotted": {reason: "Values are fitted before they are cut.", v: strings.Repeat("A.", 40), want: strings.Repeat("a_", 31) + "a"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Value(tc.v)); diff != "" {
				t.Errorf("\n%s\nValue(%q): -want, +got:\n%s", tc.reason, tc.v, diff)
			}
		})
	}
}

func TestUnfold(t *testing.T) {
	if got := Encoding.Unfold(Value("data.v2")); got != "data.v2" {
		t.Errorf("a folded dotted name should map back exactly: got %q", got)
	}
}

func TestDesired(t *testing.T) {
	gk := schema.GroupKind{Group: "sql.gcp.appinfra.io", Kind: "DatabaseInstance"}
	mg := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Name: "app.db", Namespace: "team-a", UID: "0c6d3b6e-uid"}}
	mg.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	cases := map[string]struct {
		reason string
		user   map[string]string
		want   map[string]string
	}{
		"ProviderLabels": {
			reason: "The provider's labels are folded to Google's rules.",
			want: map[string]string{
				"crossplane-kind": "databaseinstance_sql_gcp_appinfra_io", "crossplane-name": "app_db", "crossplane-namespace": "team-a",
				"crossplane-providerconfig": "default", "crossplane-providerconfig-kind": "clusterproviderconfig", "crossplane-uid": "0c6d3b6e-uid",
			},
		},
		"UserLabelsWin": {
			reason: "A user's label is kept as given, even under a provider key.",
			user:   map[string]string{"team": "a", "crossplane-name": "custom"},
			want: map[string]string{
				"crossplane-kind": "databaseinstance_sql_gcp_appinfra_io", "crossplane-name": "custom", "crossplane-namespace": "team-a",
				"crossplane-providerconfig": "default", "crossplane-providerconfig-kind": "clusterproviderconfig", "crossplane-uid": "0c6d3b6e-uid",
				"team": "a",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Desired(mg, gk, tc.user)); diff != "" {
				t.Errorf("\n%s\nDesired(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	cases := map[string]struct {
		reason string
		labels map[string]string
		want   string
	}{
		"Valid":     {reason: "Lower-case letters, digits, _ and - are allowed.", labels: map[string]string{"team": "a_1-b"}},
		"UpperCase": {reason: "Upper-case values are refused, naming the key and the service, not the value.", labels: map[string]string{"team": "Secret"}, want: `label "team" has a value Cloud SQL refuses`},
		"TooLong":   {reason: "Values longer than 63 characters are refused.", labels: map[string]string{"x": strings.Repeat("a", 64)}, want: `label "x"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := Check("Cloud SQL", tc.labels)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("\n%s\nCheck(...): %v, want nil", tc.reason, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("\n%s\nCheck(...): %v, want an error containing %q", tc.reason, err, tc.want)
			case err != nil && strings.Contains(err.Error(), "Secret"):
				t.Errorf("\n%s\nCheck(...) quotes the value: %v", tc.reason, err)
			}
		})
	}
}
