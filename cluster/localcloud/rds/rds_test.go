package rds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"
)

const delay = 50 * time.Millisecond

func TestCreateMovesThroughStatuses(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), delay, newFakeEngines())
	ctx := context.Background()
	in := createInput("Orders-DB")
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}
	in.DeletionProtection = aws.Bool(true)
	in.StorageEncrypted = aws.Bool(true)
	out, err := c.CreateDBInstance(ctx, in)
	if err != nil {
		t.Fatalf("CreateDBInstance: %v", err)
	}
	want := view{
		ID: "orders-db", Status: "creating", Class: "db.t3.micro", Engine: "postgres", EngineVersion: "15.18",
		MasterUsername: "master", DBName: "app", AllocatedStorage: 20, BackupRetentionPeriod: 1,
		DeletionProtection: true, StorageEncrypted: true,
		PreferredBackupWindow: "03:00-03:30", PreferredMaintenanceWindow: "sun:05:00-sun:05:30",
		Tags: "team=payments", ARN: "arn:aws:rds:us-east-1:000000000000:db:orders-db",
	}
	if diff := cmp.Diff(want, viewOf(*out.DBInstance)); diff != "" {
		t.Errorf("CreateDBInstance: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"creating", "backing-up", "available"}, observe(t, c, "orders-db", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	got := describe(t, c, "ORDERS-DB")
	want.Status, want.Endpoint = "available", "127.0.0.1:40001"
	if diff := cmp.Diff(want, viewOf(got)); diff != "" {
		t.Errorf("DescribeDBInstances: -want +got:\n%s", diff)
	}
	if got.InstanceCreateTime == nil || aws.ToString(got.DbiResourceId) == "" {
		t.Errorf("InstanceCreateTime %v, DbiResourceId %q: want both set", got.InstanceCreateTime, aws.ToString(got.DbiResourceId))
	}
}

func TestFailedEngineStartFails(t *testing.T) {
	eng := newFakeEngines()
	eng.startErr = errors.New("boom")
	_, c := newTestService(t, t.TempDir(), delay, eng)
	if _, err := c.CreateDBInstance(context.Background(), createInput("db1")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"creating", "failed"}, observe(t, c, "db1", "failed")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
}

func TestDescribePages(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), 0, newFakeEngines())
	ctx := context.Background()
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("db-%02d", i)
		want = append(want, id)
		if _, err := c.CreateDBInstance(ctx, createInput(id)); err != nil {
			t.Fatal(err)
		}
	}
	first, err := c.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{MaxRecords: aws.Int32(20)})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.DBInstances) != 20 || first.Marker == nil {
		t.Fatalf("first page: %d instances, marker %v; want 20 and a marker", len(first.DBInstances), first.Marker)
	}
	var got []string
	p := awsrds.NewDescribeDBInstancesPaginator(c, &awsrds.DescribeDBInstancesInput{MaxRecords: aws.Int32(20)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, in := range out.DBInstances {
			got = append(got, aws.ToString(in.DBInstanceIdentifier))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paginated ids: -want +got:\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("pages: want 2, got %d", pages)
	}
	for _, id := range want {
		if err := s.Wait(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
}

func TestModify(t *testing.T) {
	eng := newFakeEngines()
	_, c := newTestService(t, t.TempDir(), delay, eng)
	ctx := context.Background()
	if _, err := c.CreateDBInstance(ctx, createInput("db1")); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "db1", "available")

	// Without ApplyImmediately: deferrable settings wait, the others apply.
	out, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{
		DBInstanceIdentifier:       aws.String("db1"),
		DBInstanceClass:            aws.String("db.t3.large"),
		AllocatedStorage:           aws.Int32(30),
		MultiAZ:                    aws.Bool(true),
		BackupRetentionPeriod:      aws.Int32(7),
		DeletionProtection:         aws.Bool(true),
		MaxAllocatedStorage:        aws.Int32(100),
		PreferredBackupWindow:      aws.String("01:00-01:30"),
		PreferredMaintenanceWindow: aws.String("Mon:02:00-Mon:02:30"),
		PubliclyAccessible:         aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("ModifyDBInstance: %v", err)
	}
	want := view{
		ID: "db1", Status: "available", Class: "db.t3.micro", Engine: "postgres", EngineVersion: "15.18",
		MasterUsername: "master", DBName: "app", Endpoint: "127.0.0.1:40001", AllocatedStorage: 20, MaxAllocatedStorage: 100,
		BackupRetentionPeriod: 7, DeletionProtection: true, PubliclyAccessible: true,
		PreferredBackupWindow: "01:00-01:30", PreferredMaintenanceWindow: "mon:02:00-mon:02:30",
		Pending: "class=db.t3.large,storage=30,multiaz=true", ARN: "arn:aws:rds:us-east-1:000000000000:db:db1",
	}
	if diff := cmp.Diff(want, viewOf(*out.DBInstance)); diff != "" {
		t.Errorf("deferred modify: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(want, viewOf(describe(t, c, "db1"))); diff != "" {
		t.Errorf("pending stays pending: -want +got:\n%s", diff)
	}

	// ApplyImmediately applies the new change and what was pending.
	out, err = c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{
		DBInstanceIdentifier: aws.String("db1"), ApplyImmediately: aws.Bool(true), AllocatedStorage: aws.Int32(40),
	})
	if err != nil {
		t.Fatalf("ModifyDBInstance: %v", err)
	}
	want.Status, want.Pending = "modifying", "class=db.t3.large,storage=40,multiaz=true"
	if diff := cmp.Diff(want, viewOf(*out.DBInstance)); diff != "" {
		t.Errorf("immediate modify: -want +got:\n%s", diff)
	}
	// A storage change is optimised afterwards, as on RDS.
	if diff := cmp.Diff([]string{"modifying", "storage-optimization", "available"}, observe(t, c, "db1", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	want.Status, want.Pending, want.Class, want.AllocatedStorage, want.MultiAZ = "available", "", "db.t3.large", 40, true
	if diff := cmp.Diff(want, viewOf(describe(t, c, "db1"))); diff != "" {
		t.Errorf("applied: -want +got:\n%s", diff)
	}

	// A new password is applied as soon as possible, and never echoed.
	out, err = c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), MasterUserPassword: aws.String("second-pass-2")})
	if err != nil {
		t.Fatalf("ModifyDBInstance: %v", err)
	}
	if diff := cmp.Diff("resetting-master-credentials/password=****", aws.ToString(out.DBInstance.DBInstanceStatus)+"/"+viewOf(*out.DBInstance).Pending); diff != "" {
		t.Errorf("password modify: -want +got:\n%s", diff)
	}
	observe(t, c, "db1", "available")
	if diff := cmp.Diff("second-pass-2", eng.password("db1")); diff != "" {
		t.Errorf("engine password: -want +got:\n%s", diff)
	}
	if got := viewOf(describe(t, c, "db1")).Pending; got != "" {
		t.Errorf("pending after the password change: %q", got)
	}
}

func TestTags(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines())
	ctx := context.Background()
	in := createInput("db1")
	in.Tags = []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}
	if _, err := c.CreateDBInstance(ctx, in); err != nil {
		t.Fatal(err)
	}
	arn := aws.String("arn:aws:rds:us-east-1:000000000000:db:db1")
	if _, err := c.AddTagsToResource(ctx, &awsrds.AddTagsToResourceInput{ResourceName: arn, Tags: []types.Tag{
		{Key: aws.String("b"), Value: aws.String("two")}, {Key: aws.String("c"), Value: aws.String("3")},
	}}); err != nil {
		t.Fatalf("AddTagsToResource: %v", err)
	}
	if _, err := c.RemoveTagsFromResource(ctx, &awsrds.RemoveTagsFromResourceInput{ResourceName: arn, TagKeys: []string{"a", "zz"}}); err != nil {
		t.Fatalf("RemoveTagsFromResource: %v", err)
	}
	out, err := c.ListTagsForResource(ctx, &awsrds.ListTagsForResourceInput{ResourceName: arn})
	if err != nil {
		t.Fatalf("ListTagsForResource: %v", err)
	}
	if diff := cmp.Diff("b=two,c=3", tagString(out.TagList)); diff != "" {
		t.Errorf("ListTagsForResource: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff("b=two,c=3", viewOf(describe(t, c, "db1")).Tags); diff != "" {
		t.Errorf("DescribeDBInstances TagList: -want +got:\n%s", diff)
	}
}

func TestDeleteWithFinalSnapshot(t *testing.T) {
	dir := t.TempDir()
	s, c := newTestService(t, dir, delay, newFakeEngines())
	ctx := context.Background()
	in := createInput("db1")
	in.CopyTagsToSnapshot = aws.Bool(true)
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}
	if _, err := c.CreateDBInstance(ctx, in); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "db1", "available")
	out, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), FinalDBSnapshotIdentifier: aws.String("db1-final")})
	if err != nil {
		t.Fatalf("DeleteDBInstance: %v", err)
	}
	if got := aws.ToString(out.DBInstance.DBInstanceStatus); got != "deleting" {
		t.Errorf("DeleteDBInstance status: want deleting, got %s", got)
	}
	if diff := cmp.Diff([]string{"deleting"}, observe(t, c, "db1", "")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	snaps, err := c.DescribeDBSnapshots(ctx, &awsrds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String("db1")})
	if err != nil {
		t.Fatalf("DescribeDBSnapshots: %v", err)
	}
	var got []string
	for _, sn := range snaps.DBSnapshots {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", aws.ToString(sn.DBSnapshotIdentifier), aws.ToString(sn.Status),
			aws.ToString(sn.SnapshotType), aws.ToString(sn.DBSnapshotArn), tagString(sn.TagList)))
	}
	if diff := cmp.Diff([]string{"db1-final available manual arn:aws:rds:us-east-1:000000000000:snapshot:db1-final team=payments"}, got); diff != "" {
		t.Errorf("DescribeDBSnapshots: -want +got:\n%s", diff)
	}
	b, err := os.ReadFile(s.SnapshotFile("db1-final"))
	if diff := cmp.Diff("dump of rds/db/db1/app", string(b)); err != nil || diff != "" {
		t.Errorf("snapshot file (%v): -want +got:\n%s", err, diff)
	}
}

func TestDeleteWhileCreating(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), time.Second, newFakeEngines())
	ctx := context.Background()
	if _, err := c.CreateDBInstance(ctx, createInput("db1")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
		t.Fatalf("DeleteDBInstance: %v", err)
	}
	if diff := cmp.Diff([]string{"deleting"}, observe(t, c, "db1", "")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
}

func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	eng := newFakeEngines()
	s, c := newTestService(t, dir, 0, eng)
	ctx := context.Background()
	if _, err := c.CreateDBInstance(ctx, createInput("db1")); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "db1", "available")
	before := viewOf(describe(t, c, "db1"))
	s.Close()
	_ = eng.Stop(key("db1"))

	_, c = newTestService(t, dir, 0, eng)
	if diff := cmp.Diff(before, viewOf(describe(t, c, "db1"))); diff != "" {
		t.Errorf("after restart: -want +got:\n%s", diff)
	}
	if eng.starts != 2 {
		t.Errorf("engine starts: want 2 (create, restart), got %d", eng.starts)
	}
}

func TestModifyPortAndMetadata(t *testing.T) {
	eng := newFakeEngines()
	_, c := newTestService(t, t.TempDir(), delay, eng)
	ctx := context.Background()
	in := createInput("db1")
	in.EngineVersion = aws.String("15.4")
	if _, err := c.CreateDBInstance(ctx, in); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "db1", "available")
	port := freePort(t)
	out, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{
		DBInstanceIdentifier: aws.String("db1"),
		DBPortNumber:         aws.Int32(port),
		DBParameterGroupName: aws.String("custom-pg15"),
		StorageType:          aws.String("gp3"),
		Iops:                 aws.Int32(3000),
		EngineVersion:        aws.String("15.7"),
	})
	if err != nil {
		t.Fatalf("ModifyDBInstance: %v", err)
	}
	got := out.DBInstance
	pv := got.PendingModifiedValues
	type summary struct {
		Status, Group, PendingType, PendingVersion string
		PendingPort, PendingIops                   int32
	}
	want := summary{"modifying", "custom-pg15", "gp3", "15.7", port, 3000}
	if diff := cmp.Diff(want, summary{aws.ToString(got.DBInstanceStatus), aws.ToString(got.DBParameterGroups[0].DBParameterGroupName),
		aws.ToString(pv.StorageType), aws.ToString(pv.EngineVersion), aws.ToInt32(pv.Port), aws.ToInt32(pv.Iops)}); diff != "" {
		t.Errorf("ModifyDBInstance: -want +got:\n%s", diff)
	}
	observe(t, c, "db1", "available")
	db := describe(t, c, "db1")
	type after struct {
		Endpoint, Version, StorageType string
		Iops                           int32
	}
	if diff := cmp.Diff(after{fmt.Sprintf("127.0.0.1:%d", port), "15.4", "gp2", 0},
		after{viewOf(db).Endpoint, aws.ToString(db.EngineVersion), aws.ToString(db.StorageType), aws.ToInt32(db.Iops)}); diff != "" {
		t.Errorf("the port moves at once; the rest waits for the window: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff("15.7 gp3 3000", fmt.Sprintf("%s %s %d", aws.ToString(db.PendingModifiedValues.EngineVersion),
		aws.ToString(db.PendingModifiedValues.StorageType), aws.ToInt32(db.PendingModifiedValues.Iops))); diff != "" {
		t.Errorf("pending: -want +got:\n%s", diff)
	}
}

func freePort(t *testing.T) int32 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return int32(l.Addr().(*net.TCPAddr).Port)
}
