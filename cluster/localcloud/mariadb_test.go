package localcloud

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// mariadb runs `select 1` over TCP as user with password, which it passes
// in a 0600 defaults file, never on the command line.
func mariadb(t *testing.T, port int32, user, password, db string) error {
	t.Helper()
	client, err := exec.LookPath("mariadb")
	if err != nil {
		t.Fatal(err)
	}
	cnf := filepath.Join(t.TempDir(), "client.cnf")
	if err := os.WriteFile(cnf, []byte("[client]\nuser="+user+"\npassword=\""+password+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(client, "--defaults-file="+cnf, "--protocol=TCP", "--host=127.0.0.1", "--port="+strconv.Itoa(int(port)),
		"--connect-timeout=5", "--batch", "--skip-column-names", "--execute=select 1", db)
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return errors.New(strings.TrimSpace(string(out)))
	}
	if got := strings.TrimSpace(string(out)); got != "1" {
		return errors.New("select 1 answered " + got)
	}
	return nil
}

// TestMySQL drives a mysql instance, a real MariaDB server, through its
// whole life with the SDK: create, connect, change the password, restart
// the local cloud, delete with a final snapshot.
func TestMySQL(t *testing.T) {
	if _, err := (&engines.MariaDB{Engine: "mysql"}).Version(); err != nil {
		t.Skipf("MariaDB is not installed here: %v", err)
	}
	ctx := context.Background()
	dir := localcloudtest.DataDir(t)
	_, url, stop := start(t, dir)
	c := client(url, accessKey, secretKey)

	_, err := c.CreateDBInstance(ctx, &awsrds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("shop-db"),
		DBInstanceClass:      aws.String("db.t3.micro"),
		Engine:               aws.String("mysql"),
		EngineVersion:        aws.String("8.0"),
		MasterUsername:       aws.String("shopadmin"),
		MasterUserPassword:   aws.String("first-pass-1"),
		AllocatedStorage:     aws.Int32(20),
		DBName:               aws.String("shop"),
	})
	if err != nil {
		t.Fatalf("CreateDBInstance: %v", err)
	}
	if diff := cmp.Diff([]string{"creating", "backing-up", "available"}, waitFor(t, c, "shop-db", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	out, err := c.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("shop-db")})
	if err != nil {
		t.Fatal(err)
	}
	in := out.DBInstances[0]
	if in.Endpoint == nil || aws.ToString(in.Endpoint.Address) != "127.0.0.1" || aws.ToInt32(in.Endpoint.Port) == 0 {
		t.Fatalf("Endpoint: %+v", in.Endpoint)
	}
	got := []string{aws.ToString(in.Engine), aws.ToString(in.EngineVersion), aws.ToString(in.LicenseModel)}
	if diff := cmp.Diff([]string{"mysql", engines.MySQLVersion, "general-public-license"}, got); diff != "" {
		t.Errorf("engine: -want +got:\n%s", diff)
	}
	port := aws.ToInt32(in.Endpoint.Port)
	if err := mariadb(t, port, "shopadmin", "first-pass-1", "shop"); err != nil {
		t.Fatalf("connect with the master password: %v", err)
	}

	if _, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("shop-db"), MasterUserPassword: aws.String("second-pass-2"), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatalf("ModifyDBInstance: %v", err)
	}
	if diff := cmp.Diff([]string{"resetting-master-credentials", "available"}, waitFor(t, c, "shop-db", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	if err := mariadb(t, port, "shopadmin", "first-pass-1", "shop"); err == nil || !strings.Contains(err.Error(), "Access denied") {
		t.Errorf("the old password must be refused, got %v", err)
	}
	if err := mariadb(t, port, "shopadmin", "second-pass-2", "shop"); err != nil {
		t.Errorf("the new password is refused: %v", err)
	}
	for _, f := range []string{"rds/state.json", "rds/instances/shop-db/mysql.log"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || bytes.Contains(b, []byte("first-pass-1")) || bytes.Contains(b, []byte("second-pass-2")) {
			t.Errorf("%s must exist and hold no password (read error %v)", f, err)
		}
	}

	// Restart: a new cloud on the same data dir brings the instance back.
	stop()
	_, url, _ = start(t, dir)
	c = client(url, accessKey, secretKey)
	out, err = c.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("shop-db")})
	if err != nil {
		t.Fatalf("DescribeDBInstances after restart: %v", err)
	}
	in = out.DBInstances[0]
	if diff := cmp.Diff("available", aws.ToString(in.DBInstanceStatus)); diff != "" {
		t.Errorf("status after restart: -want +got:\n%s", diff)
	}
	if err := mariadb(t, aws.ToInt32(in.Endpoint.Port), "shopadmin", "second-pass-2", "shop"); err != nil {
		t.Errorf("connect after restart: %v", err)
	}

	if _, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("shop-db"), FinalDBSnapshotIdentifier: aws.String("shop-db-final")}); err != nil {
		t.Fatalf("DeleteDBInstance: %v", err)
	}
	if diff := cmp.Diff([]string{"deleting"}, waitFor(t, c, "shop-db", "")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	snaps, err := c.DescribeDBSnapshots(ctx, &awsrds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("shop-db-final")})
	if err != nil {
		t.Fatalf("DescribeDBSnapshots: %v", err)
	}
	got = []string{aws.ToString(snaps.DBSnapshots[0].Status), aws.ToString(snaps.DBSnapshots[0].Engine)}
	if diff := cmp.Diff([]string{"available", "mysql"}, got); diff != "" {
		t.Errorf("snapshot: -want +got:\n%s", diff)
	}
	dump, err := os.ReadFile(filepath.Join(dir, "rds", "snapshots", "shop-db-final.dump"))
	if err != nil || !bytes.Contains(dump, []byte("-- MariaDB dump")) || !bytes.Contains(dump, []byte("CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop`")) {
		t.Errorf("final snapshot file: want a mariadb-dump of every database, got %d bytes, %v", len(dump), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rds", "instances", "shop-db")); !os.IsNotExist(err) {
		t.Errorf("the instance's data dir is still there: %v", err)
	}
	if err := mariadb(t, port, "shopadmin", "second-pass-2", "shop"); err == nil {
		t.Errorf("the deleted instance still answers")
	}
}

// TestMariaDBEngine checks the mariadb engine reports the server's own
// version, and a requested version of another major is refused.
func TestMariaDBEngine(t *testing.T) {
	installed, err := (&engines.MariaDB{Engine: "mariadb"}).Version()
	if err != nil {
		t.Skipf("MariaDB is not installed here: %v", err)
	}
	_, url, _ := start(t, localcloudtest.DataDir(t))
	c := client(url, accessKey, secretKey)
	input := func(id string, version *string) *awsrds.CreateDBInstanceInput {
		return &awsrds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(id), DBInstanceClass: aws.String("db.t3.micro"), Engine: aws.String("mariadb"),
			EngineVersion: version, MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("maria-pass-1"), AllocatedStorage: aws.Int32(20),
		}
	}
	if _, err := c.CreateDBInstance(context.Background(), input("old-maria", aws.String("10.6"))); err == nil || !strings.Contains(err.Error(), "Cannot find version 10.6") {
		t.Errorf("CreateDBInstance of MariaDB 10.6: want Cannot find version, got %v", err)
	}
	out, err := c.CreateDBInstance(context.Background(), input("maria", nil))
	if err != nil {
		t.Fatalf("CreateDBInstance: %v", err)
	}
	if diff := cmp.Diff(installed, aws.ToString(out.DBInstance.EngineVersion)); diff != "" {
		t.Errorf("EngineVersion: -want +got:\n%s", diff)
	}
	waitFor(t, c, "maria", "available")
	desc, err := c.DescribeDBInstances(context.Background(), &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("maria")})
	if err != nil {
		t.Fatal(err)
	}
	if err := mariadb(t, aws.ToInt32(desc.DBInstances[0].Endpoint.Port), "admin", "maria-pass-1", "mysql"); err != nil {
		t.Errorf("connect with the master password: %v", err)
	}
	if _, err := c.DeleteDBInstance(context.Background(), &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("maria"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
		t.Fatalf("DeleteDBInstance: %v", err)
	}
	waitFor(t, c, "maria", "")
}
