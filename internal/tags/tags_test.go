package tags

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChanges(t *testing.T) {
	cases := map[string]struct {
		reason      string
		want, got   map[string]string
		set, remove []string
	}{
		"InSync":  {reason: "Equal sets need nothing.", want: map[string]string{"a": "1"}, got: map[string]string{"a": "1"}},
		"New":     {reason: "Every wanted key is set on an untagged resource, sorted.", want: map[string]string{"b": "2", "a": "1"}, set: []string{"a", "b"}},
		"Changed": {reason: "A key with another value is set again; an extra key is removed.", want: map[string]string{"a": "1"}, got: map[string]string{"a": "0", "z": "9"}, set: []string{"a"}, remove: []string{"z"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			set, remove := Changes(tc.want, tc.got)
			if diff := cmp.Diff(tc.set, set); diff != "" {
				t.Errorf("\n%s\nChanges(...): -want set, +got set:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.remove, remove); diff != "" {
				t.Errorf("\n%s\nChanges(...): -want remove, +got remove:\n%s", tc.reason, diff)
			}
		})
	}
}
