package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

func TestCredentialsFlag(t *testing.T) {
	c := credentials{}
	for _, v := range []string{"A:a", "B:b, C:c:with-colon"} {
		if err := c.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(credentials{"A": "a", "B": "b", "C": "c:with-colon"}, c); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	if err := c.Set("no-secret"); err == nil {
		t.Errorf("a pair without a secret was accepted")
	}
}

// TestRun serves on a free port, answers the SDK, and stops cleanly when
// its context ends, as it does on SIGTERM.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	dataDir := localcloudtest.DataDir(t)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--data-dir", dataDir, "--credentials", "AKID:secret", "--delay", "0.2s"}, w)
		w.Close()
	}()
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		t.Fatalf("no output; run returned %v", <-done)
	}
	url, ok := strings.CutPrefix(lines.Text(), "localcloud: listening on ")
	if !ok {
		t.Fatalf("first line %q is not the listening address", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()

	c := rds.New(rds.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: awscreds.NewStaticCredentialsProvider("AKID", "secret", "")})
	if _, err := c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{}); err != nil {
		t.Fatalf("DescribeDBInstances: %v", err)
	}
	// The service account key it wrote works with Google's clients.
	key, err := os.ReadFile(filepath.Join(dataDir, "gcp-service-account.json"))
	if err != nil {
		t.Fatalf("no service account key file: %v", err)
	}
	sql, err := sqladmin.NewService(ctx, option.WithEndpoint(url+"/"), option.WithAuthCredentialsJSON(option.ServiceAccount, key))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sql.Instances.List("local-project").Do(); err != nil {
		t.Fatalf("Cloud SQL instances.list with the key file: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
}

// TestRunRefusesADataDirTheEnginesCannotEnter: as root the engines run as
// their own users; a data dir below a directory of mode 700 (root's home,
// any mktemp -d) would fail every instance later. The local cloud refuses
// to start, saying which user cannot enter what and what to do.
func TestRunRefusesADataDirTheEnginesCannotEnter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("engines run as the invoking user when it is not root: every dir it owns is reachable")
	}
	if _, err := user.Lookup("postgres"); err != nil {
		t.Skip("no postgres system user (make deps installs it): no engine here runs as another user")
	}
	dir := t.TempDir()
	private := filepath.Dir(dir) // t.TempDir's parent: mode 700
	// Bounded: were the dir accepted, run would serve until its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := run(ctx, []string{"--data-dir", filepath.Join(dir, "data"), "--credentials", "AKID:secret"}, io.Discard)
	if err == nil {
		t.Fatal("run started with a data dir the engines cannot enter")
	}
	for _, want := range []string{"which cannot enter " + private, "chmod o+x " + private} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
