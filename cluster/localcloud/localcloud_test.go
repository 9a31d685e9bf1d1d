package localcloud

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/ec2"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

const (
	accessKey = "AKIDLOCALCLOUD"
	secretKey = "local-cloud-secret"
)

// start runs a cloud on dir behind httptest; stop ends both, as SIGTERM does.
func start(t *testing.T, dir string) (c *Cloud, url string, stop func()) {
	t.Helper()
	c, err := New(context.Background(), Config{DataDir: dir, Credentials: map[string]string{accessKey: secretKey}, Delay: 200 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(c)
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		srv.Close()
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	t.Cleanup(stop)
	return c, srv.URL, stop
}

// The SDK's default retryer stays on: it retries net.ErrClosed, a known
// transient of Go's HTTP client under load (aws-sdk-go-v2#2737), and none
// of the API errors these tests expect.
func client(url, key, secret string) *awsrds.Client {
	return awsrds.New(awsrds.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
	})
}

func TestSignatures(t *testing.T) {
	_, url, _ := start(t, localcloudtest.DataDir(t))
	cases := map[string]struct {
		reason      string
		key, secret string
		wantCode    string
	}{
		"Valid":        {reason: "A request signed with a configured pair is served.", key: accessKey, secret: secretKey},
		"WrongSecret":  {reason: "A wrong secret is SignatureDoesNotMatch.", key: accessKey, secret: "wrong", wantCode: "SignatureDoesNotMatch"},
		"UnknownKeyID": {reason: "An unknown key is InvalidClientTokenId.", key: "AKIDUNKNOWN", secret: secretKey, wantCode: "InvalidClientTokenId"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := client(url, tc.key, tc.secret).DescribeDBInstances(context.Background(), &awsrds.DescribeDBInstancesInput{})
			code, status := "", 200
			var ae interface{ ErrorCode() string }
			if errors.As(err, &ae) {
				code = ae.ErrorCode()
			}
			var re *awshttp.ResponseError
			if errors.As(err, &re) {
				status = re.HTTPStatusCode()
			}
			want := map[string]any{"code": tc.wantCode, "status": 200}
			if tc.wantCode != "" {
				want["status"] = 403
			}
			if diff := cmp.Diff(want, map[string]any{"code": code, "status": status}); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// psql runs `select 1` against the instance as user with password.
func psql(t *testing.T, port int32, user, password, db string) error {
	t.Helper()
	pg := &engines.Postgres{}
	if _, err := pg.Version(); err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("psql")
	if err != nil {
		bin = filepath.Join(engines.DefaultPostgresBinDir, "psql")
	}
	cmd := exec.Command(bin, "-X", "-tA", "-h", "127.0.0.1", "-p", strconv.Itoa(int(port)), "-U", user, "-d", db, "-c", "select 1")
	cmd.Env = []string{"PGPASSWORD=" + password, "PGCONNECT_TIMEOUT=5"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return errors.New(strings.TrimSpace(string(out)))
	}
	if got := strings.TrimSpace(string(out)); got != "1" {
		return errors.New("select 1 answered " + got)
	}
	return nil
}

func waitFor(t *testing.T, c *awsrds.Client, id, until string) []string {
	t.Helper()
	var seen []string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out, err := c.DescribeDBInstances(context.Background(), &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
		var nf *types.DBInstanceNotFoundFault
		if until == "" && errors.As(err, &nf) {
			return seen
		}
		if err != nil {
			t.Fatalf("DescribeDBInstances: %v", err)
		}
		st := aws.ToString(out.DBInstances[0].DBInstanceStatus)
		if len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		if st == until {
			return seen
		}
		if st == "failed" {
			t.Fatalf("%s failed; statuses %v", id, seen)
		}
	}
	t.Fatalf("%s did not reach %q; statuses %v", id, until, seen)
	return nil
}

// TestPostgres drives a real PostgreSQL instance through its whole life
// with the SDK: create, connect, change the password, restart the local
// cloud, delete with a final snapshot.
func TestPostgres(t *testing.T) {
	if _, err := (&engines.Postgres{}).Version(); err != nil {
		t.Skipf("PostgreSQL is not installed here: %v", err)
	}
	ctx := context.Background()
	dir := localcloudtest.DataDir(t)
	_, url, stop := start(t, dir)
	c := client(url, accessKey, secretKey)

	_, err := c.CreateDBInstance(ctx, &awsrds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("app-db"),
		DBInstanceClass:      aws.String("db.t3.micro"),
		Engine:               aws.String("postgres"),
		EngineVersion:        aws.String("15"),
		MasterUsername:       aws.String("appadmin"),
		MasterUserPassword:   aws.String("first-pass-1"),
		AllocatedStorage:     aws.Int32(20),
		DBName:               aws.String("app"),
		Tags:                 []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}},
	})
	if err != nil {
		t.Fatalf("CreateDBInstance: %v", err)
	}
	if diff := cmp.Diff([]string{"creating", "backing-up", "available"}, waitFor(t, c, "app-db", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	out, err := c.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("app-db")})
	if err != nil {
		t.Fatal(err)
	}
	in := out.DBInstances[0]
	if in.Endpoint == nil || aws.ToString(in.Endpoint.Address) != "127.0.0.1" || aws.ToInt32(in.Endpoint.Port) == 0 {
		t.Fatalf("Endpoint: %+v", in.Endpoint)
	}
	if v := aws.ToString(in.EngineVersion); !strings.HasPrefix(v, "15.") {
		t.Errorf("EngineVersion: want 15.x, got %s", v)
	}
	port := aws.ToInt32(in.Endpoint.Port)
	if err := psql(t, port, "appadmin", "first-pass-1", "app"); err != nil {
		t.Fatalf("connect with the master password: %v", err)
	}

	if _, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("app-db"), MasterUserPassword: aws.String("second-pass-2"), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatalf("ModifyDBInstance: %v", err)
	}
	// A password-only change shows RDS's own status for it.
	if diff := cmp.Diff([]string{"resetting-master-credentials", "available"}, waitFor(t, c, "app-db", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	if err := psql(t, port, "appadmin", "first-pass-1", "app"); err == nil {
		t.Errorf("the old password still works")
	}
	if err := psql(t, port, "appadmin", "second-pass-2", "app"); err != nil {
		t.Errorf("the new password is refused: %v", err)
	}
	for _, f := range []string{"rds/state.json", "rds/instances/app-db/postgres.log"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || bytes.Contains(b, []byte("first-pass-1")) || bytes.Contains(b, []byte("second-pass-2")) {
			t.Errorf("%s must exist and hold no password (read error %v)", f, err)
		}
	}

	// Restart: a new cloud on the same data dir brings the instance back.
	stop()
	_, url, _ = start(t, dir)
	c = client(url, accessKey, secretKey)
	out, err = c.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("app-db")})
	if err != nil {
		t.Fatalf("DescribeDBInstances after restart: %v", err)
	}
	in = out.DBInstances[0]
	got := []string{aws.ToString(in.DBInstanceStatus), aws.ToString(in.MasterUsername), aws.ToString(in.TagList[0].Value)}
	if diff := cmp.Diff([]string{"available", "appadmin", "payments"}, got); diff != "" {
		t.Errorf("after restart: -want +got:\n%s", diff)
	}
	if err := psql(t, aws.ToInt32(in.Endpoint.Port), "appadmin", "second-pass-2", "app"); err != nil {
		t.Errorf("connect after restart: %v", err)
	}

	if _, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("app-db"), FinalDBSnapshotIdentifier: aws.String("app-db-final")}); err != nil {
		t.Fatalf("DeleteDBInstance: %v", err)
	}
	if diff := cmp.Diff([]string{"deleting"}, waitFor(t, c, "app-db", "")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	snaps, err := c.DescribeDBSnapshots(ctx, &awsrds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("app-db-final")})
	if err != nil {
		t.Fatalf("DescribeDBSnapshots: %v", err)
	}
	if got := aws.ToString(snaps.DBSnapshots[0].Status); got != "available" {
		t.Errorf("snapshot status: want available, got %s", got)
	}
	dump, err := os.ReadFile(filepath.Join(dir, "rds", "snapshots", "app-db-final.dump"))
	if err != nil || !bytes.HasPrefix(dump, []byte("PGDMP")) {
		t.Errorf("final snapshot file: want a pg_dump archive, got %d bytes, %v", len(dump), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rds", "instances", "app-db")); !os.IsNotExist(err) {
		t.Errorf("the instance's data dir is still there: %v", err)
	}
	if err := psql(t, port, "appadmin", "second-pass-2", "app"); err == nil {
		t.Errorf("the deleted instance still answers")
	}
}

// TestEC2DescribeVpcs proves a signed SDK EC2 client reaches EC2 through
// the real endpoint, and that a refused signature comes back in EC2's
// error document, which the client parses into a code.
func TestEC2DescribeVpcs(t *testing.T) {
	_, url, _ := start(t, localcloudtest.DataDir(t))
	cases := map[string]struct {
		reason   string
		secret   string
		want     []string
		wantCode string
	}{
		"Signed":      {reason: "A request signed with a configured pair sees the pre-made VPC.", secret: secretKey, want: []string{ec2.VPCID + " 127.0.0.0/16"}},
		"WrongSecret": {reason: "A wrong secret is SignatureDoesNotMatch.", secret: "wrong", wantCode: "SignatureDoesNotMatch"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := awsec2.New(awsec2.Options{
				Region:       "us-east-1",
				BaseEndpoint: aws.String(url),
				Credentials:  credentials.NewStaticCredentialsProvider(accessKey, tc.secret, ""),
			})
			out, err := c.DescribeVpcs(context.Background(), &awsec2.DescribeVpcsInput{})
			var got []string
			if out != nil {
				for _, v := range out.Vpcs {
					got = append(got, aws.ToString(v.VpcId)+" "+aws.ToString(v.CidrBlock))
				}
			}
			code := ""
			var ae interface{ ErrorCode() string }
			if errors.As(err, &ae) {
				code = ae.ErrorCode()
			} else if err != nil {
				t.Fatalf("DescribeVpcs: %v", err)
			}
			if diff := cmp.Diff(map[string]any{"vpcs": tc.want, "code": tc.wantCode}, map[string]any{"vpcs": got, "code": code}); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
