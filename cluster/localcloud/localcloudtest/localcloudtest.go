// Package localcloudtest has what the local cloud's tests share.
package localcloudtest

import (
	"os"
	"testing"
)

// DataDir is a data dir the engines' system users can enter when the
// tests run as root (t.TempDir's parent is root's and mode 700), removed
// when the test ends.
func DataDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "localcloud-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
