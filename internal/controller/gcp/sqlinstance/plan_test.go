package sqlinstance

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	sqladmin "google.golang.org/api/sqladmin/v1"
	"k8s.io/utils/ptr"

	"github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// TestDeletion: what a plan says a deletion does: no final backup, and
// deletion protection as Delete reads it.
func TestDeletion(t *testing.T) {
	lost := []string{
		`Cloud SQL instance "orders-db" and every database in it: the provider takes no final backup`,
		"its automated and on-demand backups: Cloud SQL deletes them with the instance",
		`the master password Secret "orders-db-master", if the provider generated it`,
	}
	protected := &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{DeletionProtectionEnabled: true}}
	cases := map[string]struct {
		reason   string
		cr       *v1alpha1.DatabaseInstance
		observed *sqladmin.DatabaseInstance
		want     reconciler.Deletion
	}{
		"Unprotected": {
			reason: "Everything goes.",
			cr:     instance(),
			want:   reconciler.Deletion{Lost: lost},
		},
		"Protected": {
			reason:   "Protection on in Cloud SQL, and not turned off in the spec, is refused.",
			cr:       instance(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.DeletionProtectionEnabled = nil })),
			observed: protected,
			want:     reconciler.Deletion{Lost: lost, Refused: "deletion protection is on: the provider does not delete the instance until spec.forProvider.deletionProtectionEnabled is false"},
		},
		"TurnedOff": {
			reason:   "Protection the spec turns off is turned off, then the instance deleted.",
			cr:       instance(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.DeletionProtectionEnabled = ptr.To(false) })),
			observed: protected,
			want:     reconciler.Deletion{Lost: lost},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var d reconciler.Deleter[*v1alpha1.DatabaseInstance] = &external{observed: tc.observed}
			if diff := cmp.Diff(tc.want, d.Deletion(tc.cr)); diff != "" {
				t.Errorf("\n%s\nDeletion(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
