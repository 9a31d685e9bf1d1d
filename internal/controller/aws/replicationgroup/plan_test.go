package replicationgroup

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// TestDeletion: what a plan says a deletion does, from the snapshot name
// Delete sends.
func TestDeletion(t *testing.T) {
	cases := map[string]struct {
		reason string
		cr     *v1alpha1.ReplicationGroup
		want   reconciler.Deletion
	}{
		"NoSnapshot": {
			reason: "Without finalSnapshotIdentifier every key goes.",
			cr:     group(),
			want: reconciler.Deletion{Lost: []string{
				`replication group "sessions" and every key in it: finalSnapshotIdentifier is not set, so no final snapshot is taken`,
				`the auth token Secret "sessions-token", if the provider generated it`,
			}},
		},
		"Snapshot": {
			reason: "finalSnapshotIdentifier keeps the data in that snapshot.",
			cr:     group(withoutToken(), withParams(func(p *v1alpha1.ReplicationGroupParameters) { p.FinalSnapshotIdentifier = ptr.To("last") })),
			want: reconciler.Deletion{
				Lost: []string{`replication group "sessions" and its nodes`},
				Kept: []string{`its data, in the final snapshot "last" taken as it is deleted`},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var d reconciler.Deleter[*v1alpha1.ReplicationGroup] = &external{}
			if diff := cmp.Diff(tc.want, d.Deletion(tc.cr)); diff != "" {
				t.Errorf("\n%s\nDeletion(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
