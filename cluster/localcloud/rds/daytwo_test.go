package rds

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// newAvailable creates an instance and waits until it is available.
func newAvailable(t *testing.T, c *awsrds.Client, id string, mutate ...func(*awsrds.CreateDBInstanceInput)) {
	t.Helper()
	in := createInput(id)
	for _, m := range mutate {
		m(in)
	}
	if _, err := c.CreateDBInstance(context.Background(), in); err != nil {
		t.Fatalf("CreateDBInstance: %v", err)
	}
	observe(t, c, id, "available")
}

func event(t *testing.T, s *Service, id, ev string) {
	t.Helper()
	if err := s.Event(context.Background(), id, ev); err != nil {
		t.Fatalf("Event(%s, %s): %v", id, ev, err)
	}
}

// TestMaintenance: the window applies what was deferred and, with
// AutoMinorVersionUpgrade, moves an older minor version to the newest one
// the cloud runs (15.18 here), restarting the engine as an upgrade does.
func TestMaintenance(t *testing.T) {
	eng := newFakeEngines()
	s, c := newTestService(t, t.TempDir(), delay, eng)
	ctx := context.Background()
	newAvailable(t, c, "db1", func(in *awsrds.CreateDBInstanceInput) { in.EngineVersion = aws.String("15.2") })
	if _, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), DBInstanceClass: aws.String("db.t3.large")}); err != nil {
		t.Fatal(err)
	}
	starts := eng.starts
	event(t, s, "db1", "maintenance")
	if diff := cmp.Diff([]string{"upgrading", "available"}, observe(t, c, "db1", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	got := viewOf(describe(t, c, "db1"))
	if diff := cmp.Diff("db.t3.large/15.18/", got.Class+"/"+got.EngineVersion+"/"+got.Pending); diff != "" {
		t.Errorf("class/version/pending after maintenance: -want +got:\n%s", diff)
	}
	if eng.starts != starts+1 {
		t.Errorf("an upgrade restarts the engine once; it started %d times", eng.starts-starts)
	}

	// Up to date, nothing pending: the next window does nothing.
	event(t, s, "db1", "maintenance")
	if st := aws.ToString(describe(t, c, "db1").DBInstanceStatus); st != "available" {
		t.Errorf("a window with nothing to do made the instance %s", st)
	}

	// Without AutoMinorVersionUpgrade, the old minor stays.
	newAvailable(t, c, "db2", func(in *awsrds.CreateDBInstanceInput) {
		in.EngineVersion, in.AutoMinorVersionUpgrade = aws.String("15.2"), aws.Bool(false)
	})
	event(t, s, "db2", "maintenance")
	if v := aws.ToString(describe(t, c, "db2").EngineVersion); v != "15.2" {
		t.Errorf("without automatic minor upgrades the version moved to %s", v)
	}
}

// TestTickRunsTheWindow: the clock applies deferred changes when the
// instance's window opens in the interval, not otherwise.
func TestTickRunsTheWindow(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), delay, newFakeEngines())
	ctx := context.Background()
	newAvailable(t, c, "db1", func(in *awsrds.CreateDBInstanceInput) {
		in.PreferredMaintenanceWindow = aws.String("sun:05:00-sun:05:30")
	})
	if _, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), DBInstanceClass: aws.String("db.t3.large")}); err != nil {
		t.Fatal(err)
	}
	sunday := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	s.Tick(sunday.Add(5*time.Hour+time.Minute), sunday.Add(6*time.Hour))
	if got := viewOf(describe(t, c, "db1")); got.Status != "available" || got.Pending != "class=db.t3.large" {
		t.Fatalf("a tick after the window opened changed the instance: %s, pending %q", got.Status, got.Pending)
	}
	s.Tick(sunday.Add(4*time.Hour), sunday.Add(5*time.Hour+time.Minute))
	observe(t, c, "db1", "available")
	if got := viewOf(describe(t, c, "db1")); got.Class != "db.t3.large" || got.Pending != "" {
		t.Errorf("the window did not apply the deferred class: %s, pending %q", got.Class, got.Pending)
	}
}

// TestStorage: storage autoscaling grows by the larger of 10 GiB and 10%
// up to the maximum, then optimises; without autoscaling the instance is
// storage-full until a modify adds storage; another storage change waits
// for the optimisation to end.
func TestStorage(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), delay, newFakeEngines())
	ctx := context.Background()
	newAvailable(t, c, "auto", func(in *awsrds.CreateDBInstanceInput) { in.MaxAllocatedStorage = aws.Int32(25) })
	event(t, s, "auto", "storage-low")
	if diff := cmp.Diff([]string{"modifying", "storage-optimization", "available"}, observe(t, c, "auto", "available")); diff != "" {
		t.Errorf("autoscaling statuses: -want +got:\n%s", diff)
	}
	if got := aws.ToInt32(describe(t, c, "auto").AllocatedStorage); got != 25 {
		t.Errorf("autoscaling from 20 GiB with a 25 GiB maximum: got %d GiB", got)
	}
	event(t, s, "auto", "storage-low")
	if st := aws.ToString(describe(t, c, "auto").DBInstanceStatus); st != "storage-full" {
		t.Errorf("at its maximum, low storage is storage-full; got %s", st)
	}

	newAvailable(t, c, "fixed")
	event(t, s, "fixed", "storage-low")
	if st := aws.ToString(describe(t, c, "fixed").DBInstanceStatus); st != "storage-full" {
		t.Fatalf("without autoscaling, low storage is storage-full; got %s", st)
	}
	// A modify that does not add storage leaves it full.
	if _, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("fixed"), MasterUserPassword: aws.String("second-pass-2")}); err != nil {
		t.Fatalf("a modify of a storage-full instance: %v", err)
	}
	if diff := cmp.Diff([]string{"resetting-master-credentials", "storage-full"}, observe(t, c, "fixed", "storage-full")); diff != "" {
		t.Errorf("password reset while full: -want +got:\n%s", diff)
	}
	if _, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("fixed"), AllocatedStorage: aws.Int32(30), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatalf("adding storage to a storage-full instance: %v", err)
	}
	if diff := cmp.Diff([]string{"modifying", "storage-optimization"}, observe(t, c, "fixed", "storage-optimization")); diff != "" {
		t.Errorf("adding storage: -want +got:\n%s", diff)
	}
	_, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("fixed"), AllocatedStorage: aws.Int32(40), ApplyImmediately: aws.Bool(true)})
	if code, _ := apiError(err); code != "InvalidParameterCombination" {
		t.Errorf("a storage change during storage-optimization: got %v, want InvalidParameterCombination", err)
	}
	if _, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("fixed"), DeletionProtection: aws.Bool(false)}); err != nil {
		t.Errorf("other changes during storage-optimization are taken: %v", err)
	}
	observe(t, c, "fixed", "available")
}

// TestStopStartFailover: stop and start move the engine; a stopped
// instance takes no modify and is deleted with its final snapshot; a
// failover is for Multi-AZ instances and moves the primary's zone.
func TestStopStartFailover(t *testing.T) {
	eng := newFakeEngines()
	_, c := newTestService(t, t.TempDir(), delay, eng)
	ctx := context.Background()
	newAvailable(t, c, "db1")
	if _, err := c.StopDBInstance(ctx, &awsrds.StopDBInstanceInput{DBInstanceIdentifier: aws.String("db1")}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"stopping", "stopped"}, observe(t, c, "db1", "stopped")); diff != "" {
		t.Errorf("stop: -want +got:\n%s", diff)
	}
	if _, running := eng.running[key("db1")]; running {
		t.Error("a stopped instance's engine runs")
	}
	_, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), DeletionProtection: aws.Bool(true)})
	if code, _ := apiError(err); code != "InvalidDBInstanceState" {
		t.Errorf("modify while stopped: got %v, want InvalidDBInstanceState", err)
	}
	_, err = c.StopDBInstance(ctx, &awsrds.StopDBInstanceInput{DBInstanceIdentifier: aws.String("db1")})
	if code, _ := apiError(err); code != "InvalidDBInstanceState" {
		t.Errorf("stopping a stopped instance: got %v, want InvalidDBInstanceState", err)
	}
	if _, err := c.StartDBInstance(ctx, &awsrds.StartDBInstanceInput{DBInstanceIdentifier: aws.String("db1")}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"starting", "available"}, observe(t, c, "db1", "available")); diff != "" {
		t.Errorf("start: -want +got:\n%s", diff)
	}

	_, err = c.RebootDBInstance(ctx, &awsrds.RebootDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), ForceFailover: aws.Bool(true)})
	if code, _ := apiError(err); code != "InvalidParameterCombination" {
		t.Errorf("failover of a single-AZ instance: got %v, want InvalidParameterCombination", err)
	}
	newAvailable(t, c, "multi", func(in *awsrds.CreateDBInstanceInput) { in.MultiAZ = aws.Bool(true) })
	if _, err := c.RebootDBInstance(ctx, &awsrds.RebootDBInstanceInput{DBInstanceIdentifier: aws.String("multi"), ForceFailover: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"rebooting", "available"}, observe(t, c, "multi", "available")); diff != "" {
		t.Errorf("failover: -want +got:\n%s", diff)
	}
	got := describe(t, c, "multi")
	if diff := cmp.Diff("us-east-1b/us-east-1a", aws.ToString(got.AvailabilityZone)+"/"+aws.ToString(got.SecondaryAvailabilityZone)); diff != "" {
		t.Errorf("zones after failover: -want +got:\n%s", diff)
	}

	// Deleting a stopped instance takes its final snapshot.
	if _, err := c.StopDBInstance(ctx, &awsrds.StopDBInstanceInput{DBInstanceIdentifier: aws.String("db1")}); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "db1", "stopped")
	if _, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), FinalDBSnapshotIdentifier: aws.String("db1-final")}); err != nil {
		t.Fatalf("deleting a stopped instance with a final snapshot: %v", err)
	}
	observe(t, c, "db1", "")
	snaps, err := c.DescribeDBSnapshots(ctx, &awsrds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("db1-final")})
	if err != nil || len(snaps.DBSnapshots) != 1 || aws.ToString(snaps.DBSnapshots[0].Status) != "available" {
		t.Errorf("final snapshot of a stopped instance: %v, %+v", err, snaps)
	}
}

// TestSlowPasswordReset: as on RDS, the old password works and the new one
// does not until the reset has completed.
func TestSlowPasswordReset(t *testing.T) {
	eng := newFakeEngines()
	s, err := New(context.Background(), Config{DataDir: t.TempDir(), Region: "us-east-1", Account: "000000000000", Delay: delay, ResetDelay: 500 * time.Millisecond, Engines: eng, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := serve(t, s)
	ctx := context.Background()
	newAvailable(t, c, "db1")
	if _, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), MasterUserPassword: aws.String("second-pass-2")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := eng.password("db1"); got != "first-pass-1" {
		t.Errorf("during the reset the engine has %q, want the old password", got)
	}
	observe(t, c, "db1", "available")
	if got := eng.password("db1"); got != "second-pass-2" {
		t.Errorf("after the reset the engine has %q", got)
	}
}

func TestUnknownEvent(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), delay, newFakeEngines())
	newAvailable(t, c, "db1")
	var e *awsquery.Error
	if err := s.Event(context.Background(), "db1", "meteor"); !errors.As(err, &e) || e.Code != "InvalidParameterValue" {
		t.Errorf("unknown event: got %v", err)
	}
	if err := s.Event(context.Background(), "nope", "stop"); !errors.As(err, &e) || e.Code != "DBInstanceNotFound" {
		t.Errorf("an event for an unknown instance: got %v, want DBInstanceNotFound", err)
	}
}
