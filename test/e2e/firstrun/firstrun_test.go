//go:build e2e

// Package firstrun runs the README's first command, make dev, as a
// newcomer has it: a checkout under a directory of mode 700 (root's home,
// where `git clone` then `make dev` as root puts it), a tools cache
// without kube-apiserver and kube-controller-manager (the build a first
// run once had to finish inside the start-up wait), then make dev-down;
// and a start that fails. Nothing either leaves running may outlive it.
//
// The Go build cache stays the machine's: what is tested is the start
// path, not the compiler's speed (a truly cold run is measured by hand,
// as the README says).
package firstrun

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/local"
)

// The tools make dev runs (cluster/tools.sh names).
var devTools = []string{"kube", "kubectl", "etcd", "kumo", "fake-gcs", "crossplane", "functions"}

// TestMakeDevFromAPrivateCheckoutWithKubeUnbuilt: make dev builds kube
// before anything starts, its engines work although the state directory
// is out of their users' reach, the claim ends in a database, a cache and
// a bucket it really uses, and make dev-down leaves no process behind.
func TestMakeDevFromAPrivateCheckoutWithKubeUnbuilt(t *testing.T) {
	root := repoRoot(t)
	cache := toolsCacheWithout(t, root, "kube")
	state := filepath.Join(t.TempDir(), "dev") // below a directory of mode 700
	mark := marker(t)
	env := devEnv(t, state, mark, "XDG_CACHE_HOME="+cache)
	t.Cleanup(func() { removeMovedCloudData(t, state) })

	out, err := run(t, root, env, 30*time.Minute, "make", "dev")
	if err != nil {
		_, _ = run(t, root, env, 2*time.Minute, "make", "dev-down")
		t.Fatalf("make dev: %v\n%s", err, out)
	}
	built, started := strings.Index(out, "tools: built kube "), strings.Index(out, "devstack: starting etcd")
	if built < 0 || started < 0 || built > started {
		t.Errorf("kube was not built before the first process started (built at %d, started at %d):\n%s", built, started, out)
	}
	if os.Geteuid() == 0 && !strings.Contains(out, "cannot enter") {
		t.Errorf("make dev did not say where the engines' data went although its state dir is out of their reach:\n%s", out)
	}
	for _, want := range []string{"connected to", "PONG", "hello from make dev"} {
		if !strings.Contains(out, want) {
			t.Errorf("make dev's output lacks %q: the claim's resources were not used:\n%s", want, out)
		}
	}

	if out, err := run(t, root, env, 2*time.Minute, "make", "dev-down"); err != nil {
		t.Fatalf("make dev-down: %v\n%s", err, out)
	}
	assertNothingLeft(t, mark)
}

// TestMakeDevStartThatFailsLeavesNothingRunning: a start that does not
// come up in time stops every process it started, the control plane's
// included, and says so.
func TestMakeDevStartThatFailsLeavesNothingRunning(t *testing.T) {
	root := repoRoot(t)
	for _, tool := range devTools {
		if _, err := local.ToolDir(root, tool); err != nil {
			t.Fatal(err)
		}
	}
	state := filepath.Join(t.TempDir(), "dev")
	mark := marker(t)
	env := devEnv(t, state, mark, "DEV_START_TIMEOUT=1")
	t.Cleanup(func() { removeMovedCloudData(t, state) })

	out, err := run(t, root, env, 10*time.Minute, "make", "dev")
	if err == nil {
		_, _ = run(t, root, env, 2*time.Minute, "make", "dev-down")
		t.Fatalf("make dev succeeded although the stack had 1 s to start:\n%s", out)
	}
	if !strings.Contains(out, "did not come up in 1 s") {
		t.Errorf("make dev failed without saying the stack did not come up:\n%s", out)
	}
	assertNothingLeft(t, mark)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := local.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// toolsCacheWithout is a tools cache holding every tool make dev runs but
// skip, linked from the machine's own (built there first when missing).
func toolsCacheWithout(t *testing.T, root, skip string) string {
	t.Helper()
	for _, tool := range devTools {
		if _, err := local.ToolDir(root, tool); err != nil {
			t.Fatal(err)
		}
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		base = filepath.Join(home, ".cache")
	}
	real := filepath.Join(base, "provider-appinfra", "tools")
	entries, err := os.ReadDir(real)
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	tools := filepath.Join(cache, "provider-appinfra", "tools")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), skip+"-") {
			continue
		}
		if err := os.Symlink(filepath.Join(real, e.Name()), filepath.Join(tools, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return cache
}

// devEnv is the environment make dev runs with: the machine's, its state
// in state, a marker every process it starts inherits, and the Go build
// cache pinned to the machine's whatever XDG_CACHE_HOME says.
func devEnv(t *testing.T, state, mark string, extra ...string) []string {
	t.Helper()
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "DEV_DIR="+state, "APPINFRA_FIRSTRUN_MARK="+mark, "GOCACHE="+strings.TrimSpace(string(gocache)))
	return append(env, extra...)
}

func marker(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// run runs a command in root and returns its combined output, logged as it
// is when the test fails.
func run(t *testing.T, root string, env []string, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = root, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s %s: %s, %v", name, strings.Join(args, " "), time.Since(start).Round(time.Second), err)
	return out.String(), err
}

// assertNothingLeft fails for each process still running with the marker
// in its environment. The engines get a clean environment and carry no
// marker: they stop with the local cloud (Pdeathsig), which carries it.
func assertNothingLeft(t *testing.T, mark string) {
	t.Helper()
	want := []byte("APPINFRA_FIRSTRUN_MARK=" + mark)
	var left []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		left = left[:0]
		procs, _ := filepath.Glob("/proc/[0-9]*/environ")
		for _, p := range procs {
			env, err := os.ReadFile(p)
			if err != nil || !bytes.Contains(env, want) {
				continue
			}
			dir := filepath.Dir(p)
			cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
			left = append(left, fmt.Sprintf("%s: %s", filepath.Base(dir), bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, l := range left {
		t.Errorf("still running: %s", l)
	}
}

// removeMovedCloudData removes the local cloud's data where make dev moved
// it out of a private state dir (a link to a directory of /var/tmp).
func removeMovedCloudData(t *testing.T, state string) {
	target, err := os.Readlink(filepath.Join(state, "localcloud"))
	if err != nil {
		return
	}
	if err := os.RemoveAll(target); err != nil {
		t.Errorf("cannot remove %s: %v", target, err)
	}
}
