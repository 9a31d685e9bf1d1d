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
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
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

	out, err := run(t, root, env, untilDeadline(t), "make", "dev")
	sid := session(t, state)
	if err != nil {
		_, _ = run(t, root, env, 2*time.Minute, "make", "dev-down")
		t.Fatalf("make dev: %v\n%s", err, out)
	}
	built, started := strings.Index(out, "tools: built kube "), strings.Index(out, "devstack: starting etcd")
	if built < 0 || started < 0 || built > started {
		t.Errorf("kube was not built before the first process started (built at %d, started at %d):\n%s", built, started, out)
	}
	// A quiet first screen: no Go stack trace (controller-runtime prints
	// one when a process logs through it without a logger, once a start
	// has taken 30 s, as a new machine's builds make it).
	if strings.Contains(out, "goroutine 1 [running]") || strings.Contains(out, "was never called") {
		t.Errorf("make dev printed a stack trace into its first screen:\n%s", out)
	}
	if os.Geteuid() == 0 && !strings.Contains(out, "cannot enter") {
		t.Errorf("make dev did not say where the engines' data went although its state dir is out of their reach:\n%s", out)
	}
	for _, want := range []string{"connected to", "PONG", "hello from make dev"} {
		if !strings.Contains(out, want) {
			t.Errorf("make dev's output lacks %q: the claim's resources were not used:\n%s", want, out)
		}
	}
	// What applying the claim would do, as it is, resized and deleted:
	// nothing, the class and node type changes, everything lost but the
	// bucket that holds hello.txt.
	for _, want := range []string{
		"appinfra plan -f examples/platform/appenvironment.yaml   (exit 0)",
		`dbInstanceClass: "db.t4g.micro" -> "db.t4g.medium"`,
		`cacheNodeType: "cache.t4g.micro" -> "cache.t4g.medium"`,
		"appinfra plan --delete -f examples/platform/appenvironment.yaml   (exit 3)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("make dev's output lacks %q: the plan of its claim is not what applying it does:\n%s", want, out)
		}
	}
	if strings.Contains(out, "was expected: the plan above says why") {
		t.Errorf("a plan of make dev's claim exited unexpectedly:\n%s", out)
	}
	// The links to the traces of the reconciles that created the claim's
	// resources: one per resource, each a page of its spans.
	links := regexp.MustCompile(`(?m)^\s+reconcile (\S+)\t.*\t(http://127\.0\.0\.1:\d+/trace/[0-9a-f]+)$`).FindAllStringSubmatch(out, -1)
	kinds := map[string]bool{}
	for _, l := range links {
		kinds[l[1]] = true
		page, err := httpGet(l[2])
		if err != nil || !strings.Contains(page, "<b>Create</b>") {
			t.Errorf("trace %s: %v; want a page with its Create span", l[2], err)
		}
	}
	for _, k := range []string{"Bucket.s3.aws.appinfra.io", "DBInstance.rds.aws.appinfra.io", "ReplicationGroup.elasticache.aws.appinfra.io"} {
		if !kinds[k] {
			t.Errorf("make dev printed no creation trace of a %s:\n%s", k, out)
		}
	}

	// devstack dies without stopping anything (SIGKILL): etcd,
	// kube-apiserver, the emulators, the local cloud and its engines are
	// left running, and make dev-down must still stop them all.
	if err := syscall.Kill(sid, syscall.SIGKILL); err != nil {
		t.Fatalf("cannot kill devstack: %v", err)
	}
	if n := len(inSession(sid)); n < 5 {
		t.Errorf("only %d processes left in devstack's session after it was killed: the test proves less than it should", n)
	}
	if out, err := run(t, root, env, 2*time.Minute, "make", "dev-down"); err != nil {
		t.Fatalf("make dev-down: %v\n%s", err, out)
	}
	assertNothingLeft(t, mark, sid)
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

	out, err := run(t, root, env, untilDeadline(t), "make", "dev")
	if err == nil {
		_, _ = run(t, root, env, 2*time.Minute, "make", "dev-down")
		t.Fatalf("make dev succeeded although the stack had 1 s to start:\n%s", out)
	}
	for _, want := range []string{"did not come up in 1 s", "stopping what it started", "local stack stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("make dev's output lacks %q:\n%s", want, out)
		}
	}
	assertNothingLeft(t, mark, 0)
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
	var real string
	for _, tool := range devTools {
		bin, err := local.ToolDir(root, tool)
		if err != nil {
			t.Fatal(err)
		}
		real = filepath.Dir(filepath.Dir(bin)) // <cache>/provider-appinfra/tools
	}
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

// untilDeadline leaves two minutes of the test's time for cleaning up.
func untilDeadline(t *testing.T) time.Duration {
	d, ok := t.Deadline()
	if !ok {
		return 30 * time.Minute
	}
	return time.Until(d) - 2*time.Minute
}

// session is devstack's PID, which is its session's ID, from its pid file.
func session(t *testing.T, state string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(state, "devstack.pid"))
	if err != nil {
		t.Fatalf("no devstack pid file: %v", err)
	}
	var pid int
	if _, err := fmt.Sscan(string(b), &pid); err != nil {
		t.Fatalf("devstack.pid: %v", err)
	}
	return pid
}

// inSession lists the processes of session sid, engines included (they
// carry no marker: the local cloud gives them a clean environment).
func inSession(sid int) []string {
	var out []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session ...; comm may hold spaces.
		i := bytes.LastIndexByte(b, ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 3 && f[3] == strconv.Itoa(sid) {
			out = append(out, string(b[:i+1]))
		}
	}
	return out
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
// in its environment or in devstack's session sid (when not 0).
func assertNothingLeft(t *testing.T, mark string, sid int) {
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
		if sid != 0 {
			left = append(left, inSession(sid)...)
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
// it out of a private state dir (a link to a directory of /var/lib/provider-appinfra).
func removeMovedCloudData(t *testing.T, state string) {
	target, err := os.Readlink(filepath.Join(state, "localcloud"))
	if err != nil {
		return
	}
	if err := os.RemoveAll(target); err != nil {
		t.Errorf("cannot remove %s: %v", target, err)
	}
}

func httpGet(url string) (string, error) {
	resp, err := http.Get(url) //nolint:noctx // Test.
	if err != nil {
		return "", err
	}
	defer resp.Body.Close() //nolint:errcheck // Test.
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s", resp.Status)
	}
	return string(b), err
}
