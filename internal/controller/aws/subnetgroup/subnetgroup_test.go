package subnetgroup

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDrifted(t *testing.T) {
	want := Params{Description: "private", SubnetIDs: []string{"subnet-a", "subnet-b"}, Tags: map[string]string{"team": "x"}}
	cases := map[string]struct {
		reason string
		got    Params
		want   []string
	}{
		"InSync": {
			reason: "subnets are a set: their order does not matter",
			got:    Params{Description: "private", SubnetIDs: []string{"subnet-b", "subnet-a"}, Tags: map[string]string{"team": "x"}},
		},
		"Everything": {
			reason: "a description, a subnet and a tag changed by hand",
			got:    Params{Description: "by hand", SubnetIDs: []string{"subnet-a"}, Tags: map[string]string{"team": "y"}},
			want:   []string{fieldDescription, fieldSubnets, fieldTags},
		},
		"ExtraTag": {
			reason: "the spec owns the tags whole: one added by hand is drift",
			got:    Params{Description: "private", SubnetIDs: []string{"subnet-a", "subnet-b"}, Tags: map[string]string{"team": "x", "owner": "me"}},
			want:   []string{fieldTags},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Drifted(want, tc.got)); diff != "" {
				t.Errorf("%s\nDrifted(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
