package reconciler

import (
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
)

func TestDiffFields(t *testing.T) {
	cases := map[string]struct {
		reason string
		fields []string
		want   string
	}{
		"None":   {reason: "No field, no diff: the resource is up to date.", want: ""},
		"Fields": {reason: "The diff names fields only, never values.", fields: []string{"cacheNodeType", "authToken"}, want: "fields differ: cacheNodeType, authToken"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := DiffFields(tc.fields); got != tc.want {
				t.Errorf("\n%s\nDiffFields(%v) = %q, want %q", tc.reason, tc.fields, got, tc.want)
			}
		})
	}
}

func TestUpdates(t *testing.T) {
	cases := map[string]struct {
		reason   string
		policies []xpv2.ManagementAction
		want     bool
	}{
		"Default":     {reason: "No policies is the API's default, *.", want: true},
		"All":         {reason: "* includes Update.", policies: []xpv2.ManagementAction{xpv2.ManagementActionAll}, want: true},
		"Update":      {reason: "Update, listed.", policies: []xpv2.ManagementAction{xpv2.ManagementActionObserve, xpv2.ManagementActionUpdate}, want: true},
		"ObserveOnly": {reason: "Observe alone changes nothing.", policies: []xpv2.ManagementAction{xpv2.ManagementActionObserve}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := &s3v1alpha1.Bucket{}
			b.SetManagementPolicies(tc.policies)
			if got := Updates(b); got != tc.want {
				t.Errorf("\n%s\nUpdates(...) = %t, want %t", tc.reason, got, tc.want)
			}
		})
	}
}
