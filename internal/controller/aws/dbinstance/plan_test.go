package dbinstance

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

// TestCompared: Observe keeps what it compared, for a plan: the fields its
// Update would send, the spec's side and the instance's, also while RDS
// is busy and Update would wait.
func TestCompared(t *testing.T) {
	cases := map[string]struct {
		reason    string
		cr        *v1alpha1.DBInstance
		db        types.DBInstance
		fields    []string
		wantClass string
		gotClass  string
		waiting   bool
		upToDate  bool
	}{
		"InSync": {
			reason:    "An instance as the spec says compares equal.",
			cr:        instance(withSecretVersion(testVersion)),
			db:        dbInstance(t),
			wantClass: "db.t4g.micro", gotClass: "db.t4g.micro",
			upToDate: true,
		},
		"ClassChanged": {
			reason:    "A new class is a field to send, with both sides' values.",
			cr:        instance(withSecretVersion(testVersion), withParams(func(p *v1alpha1.DBInstanceParameters) { p.DBInstanceClass = "db.t4g.small" })),
			db:        dbInstance(t),
			fields:    []string{fieldClass},
			wantClass: "db.t4g.small", gotClass: "db.t4g.micro",
		},
		"Busy": {
			reason:    "While RDS modifies the instance nothing is sent, but the comparison says what will be, and why it waits.",
			cr:        instance(withSecretVersion(testVersion), withParams(func(p *v1alpha1.DBInstanceParameters) { p.DBInstanceClass = "db.t4g.small" })),
			db:        dbInstance(t, withStatus("modifying")),
			fields:    []string{fieldClass},
			wantClass: "db.t4g.small", gotClass: "db.t4g.micro",
			waiting:  true,
			upToDate: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newExternal(&mockAPI{MockDescribeDBInstances: describes(tc.db)}, withSecret(t), &reconcilertest.Recorder{})
			obs, err := e.Observe(context.Background(), tc.cr)
			if err != nil {
				t.Fatalf("\n%s\nObserve(...): %v", tc.reason, err)
			}
			var c reconciler.Compared = e
			got := c.Compared()
			if got == nil {
				t.Fatalf("\n%s\nCompared() is nil after an Observe that found the instance", tc.reason)
			}
			if diff := cmp.Diff(tc.fields, got.Fields); diff != "" {
				t.Errorf("\n%s\nFields: -want, +got:\n%s", tc.reason, diff)
			}
			if w, g := got.Want.(v1alpha1.DBInstanceParameters).DBInstanceClass, got.Got.(v1alpha1.DBInstanceParameters).DBInstanceClass; w != tc.wantClass || g != tc.gotClass {
				t.Errorf("\n%s\nclass compared: want side %q, cloud side %q; want %q and %q", tc.reason, w, g, tc.wantClass, tc.gotClass)
			}
			if tags := got.Got.(v1alpha1.DBInstanceParameters).Tags; tags["team"] != "orders" {
				t.Errorf("\n%s\nthe cloud side's tags %v lack the instance's", tc.reason, tags)
			}
			if (got.Waiting != "") != tc.waiting {
				t.Errorf("\n%s\nWaiting %q, want waiting %t", tc.reason, got.Waiting, tc.waiting)
			}
			if obs.ResourceUpToDate != tc.upToDate {
				t.Errorf("\n%s\nResourceUpToDate %t, want %t: the comparison must not change what Observe reports", tc.reason, obs.ResourceUpToDate, tc.upToDate)
			}
		})
	}
}

// TestDeletion: what a plan says a deletion does, from the input Delete
// sends.
func TestDeletion(t *testing.T) {
	cases := map[string]struct {
		reason   string
		cr       *v1alpha1.DBInstance
		observed *observed
		want     reconciler.Deletion
	}{
		"FinalSnapshot": {
			reason: "By default a final snapshot, named from the identifier and the UID, keeps the data.",
			cr:     instance(),
			want: reconciler.Deletion{
				Lost: []string{`DB instance "orders-db"`, "its automated backups: RDS removes them with the instance", `the master password Secret "orders-db-master", if the provider generated it`},
				Kept: []string{`its data, in the final snapshot "orders-db-final-3c9e1f20" taken as it is deleted (with the master password it had then)`},
			},
		},
		"NamedSnapshot": {
			reason: "finalDBSnapshotIdentifier names the snapshot.",
			cr:     instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.FinalDBSnapshotIdentifier = ptr.To("last") })),
			want: reconciler.Deletion{
				Lost: []string{`DB instance "orders-db"`, "its automated backups: RDS removes them with the instance", `the master password Secret "orders-db-master", if the provider generated it`},
				Kept: []string{`its data, in the final snapshot "last" taken as it is deleted (with the master password it had then)`},
			},
		},
		"SkipFinalSnapshot": {
			reason: "skipFinalSnapshot loses the data.",
			cr:     instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.SkipFinalSnapshot = true })),
			want: reconciler.Deletion{
				Lost: []string{`DB instance "orders-db" and every database in it: skipFinalSnapshot is true, so no final snapshot is taken`, "its automated backups: RDS removes them with the instance", `the master password Secret "orders-db-master", if the provider generated it`},
			},
		},
		"Protected": {
			reason:   "Deletion protection on in RDS and not turned off in the spec is refused.",
			cr:       instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.SkipFinalSnapshot, p.DeletionProtection = true, nil })),
			observed: &observed{params: v1alpha1.DBInstanceParameters{DeletionProtection: aws.Bool(true)}},
			want: reconciler.Deletion{
				Lost:    []string{`DB instance "orders-db" and every database in it: skipFinalSnapshot is true, so no final snapshot is taken`, "its automated backups: RDS removes them with the instance", `the master password Secret "orders-db-master", if the provider generated it`},
				Refused: "deletion protection is on: RDS refuses to delete the instance until spec.forProvider.deletionProtection is false",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{observed: tc.observed}
			var d reconciler.Deleter[*v1alpha1.DBInstance] = e
			if diff := cmp.Diff(tc.want, d.Deletion(tc.cr)); diff != "" {
				t.Errorf("\n%s\nDeletion(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
