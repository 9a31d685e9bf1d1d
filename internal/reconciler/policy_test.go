package reconciler

import "testing"

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
