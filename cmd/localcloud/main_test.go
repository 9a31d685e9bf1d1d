package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/google/go-cmp/cmp"
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
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--data-dir", reachableDir(t), "--credentials", "AKID:secret", "--delay", "0.2s"}, w)
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
	dir := t.TempDir()
	private := filepath.Dir(dir) // t.TempDir's parent: mode 700
	err := run(context.Background(), []string{"--data-dir", filepath.Join(dir, "data"), "--credentials", "AKID:secret"}, io.Discard)
	if err == nil {
		t.Fatal("run started with a data dir the engines cannot enter")
	}
	for _, want := range []string{"which cannot enter " + private, "chmod o+x " + private} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// reachableDir is a data dir the engines' users can enter when the tests
// run as root: t.TempDir's parent is root's and 0700.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "localcloud-run-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
