package local

import (
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// TestWaitListeningSaysWhyAProcessNeverServed: a process that exits
// before it listens is reported at once with what it said, not after the
// timeout as "connection refused".
func TestWaitListeningSaysWhyAProcessNeverServed(t *testing.T) {
	p, err := Start(&strings.Builder{}, "/bin/sh", "-c", "echo starting; echo 'the engine cannot enter /root' >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = p.WaitListening("127.0.0.1:"+strconv.Itoa(port), time.Minute)
	if err == nil {
		t.Fatal("WaitListening succeeded for a process that exited")
	}
	for _, want := range []string{"sh exited (exit status 3)", "starting | the engine cannot enter /root"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if waited := time.Since(start); waited > 30*time.Second {
		t.Errorf("WaitListening took %s to notice the exit", waited)
	}
}

// TestWaitServingWaitsForWhatComesBeforeServing: a process that listens,
// then does work its callers need (the local cloud writes its GCP key
// file), then serves, is waited for past the work: a TCP connect alone
// returned while the file was missing, and the fault suite failed on a
// slow machine.
func TestWaitServingWaitsForWhatComesBeforeServing(t *testing.T) {
	if addr := os.Getenv("APPINFRA_TEST_SERVE_LATE"); addr != "" {
		serveLate(addr)
		return
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	marker := filepath.Join(t.TempDir(), "written-before-serving")
	// The child is this test binary running serveLate.
	p, err := Start(&strings.Builder{}, "env", "APPINFRA_TEST_SERVE_LATE="+addr, "APPINFRA_TEST_MARKER="+marker,
		os.Args[0], "-test.run=^TestWaitServingWaitsForWhatComesBeforeServing$")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := p.WaitServing("http://"+addr+"/", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("WaitServing returned before the work done ahead of serving: %v", err)
	}
}

// serveLate listens on addr, works a while, writes $APPINFRA_TEST_MARKER
// and only then serves HTTP.
func serveLate(addr string) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		os.Exit(2)
	}
	time.Sleep(time.Second)
	if err := os.WriteFile(os.Getenv("APPINFRA_TEST_MARKER"), nil, 0o600); err != nil {
		os.Exit(3)
	}
	_ = http.Serve(l, http.NotFoundHandler())
}

// TestProcessLoggingToAFileOutlivesTheCallersCopy: a process whose log is
// a file writes to it itself, so a caller that closes its copy right
// after Start (as the fault suite's replicas do) neither loses the output
// nor kills the process with a broken pipe; an early exit names the file.
func TestProcessLoggingToAFileOutlivesTheCallersCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "child.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Start(f, "/bin/sh", "-c", "sleep 0.3; echo still here; exit 4")
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	err = p.WaitListening("127.0.0.1:1", time.Minute)
	if err == nil || !strings.Contains(err.Error(), "exit status 4") || !strings.Contains(err.Error(), "its output is in "+path) {
		t.Errorf("WaitListening: %v, want the exit status and the log file", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "still here\n" {
		t.Errorf("the log holds %q, want the child's output", b)
	}
}

func TestTailWriterKeepsTheEnd(t *testing.T) {
	w := &tailWriter{max: 16}
	for _, s := range []string{"first line\n", "second line\n", "third\n"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := w.lastLines(5), "cond line | third"; got != want {
		t.Errorf("lastLines: got %q, want %q", got, want)
	}
}

// TestCloudDataDirOutOfTheEnginesReach: a state dir below a directory of
// mode 700 (root's home, any mktemp -d) gets the local cloud's data in a
// directory the engines can enter, linked from where it would have been,
// and the next start finds the same one; an earlier run's data moves
// along; removing the state dir starts afresh; without relocation the
// reason is the error.
func TestCloudDataDirOutOfTheEnginesReach(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the engines run as the invoking user when it is not root: its own directories are in reach")
	}
	if _, err := user.Lookup("postgres"); err != nil {
		t.Skip("no postgres system user (make deps installs it): no engine here runs as another user")
	}
	relocatedData = localcloudtest.DataDir(t)
	state := filepath.Join(t.TempDir(), "dev") // t.TempDir's parent is mode 700

	if _, _, err := cloudDataDir(state, false); err == nil || !strings.Contains(err.Error(), "cannot enter") {
		t.Errorf("without relocation: %v, want the reason the engines cannot use it", err)
	}
	// What that run (or an earlier version) left there moves along.
	if err := os.WriteFile(filepath.Join(state, "localcloud", "state.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, note, err := cloudDataDir(state, true)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(got) != relocatedData {
		t.Errorf("data dir %s is not below %s", got, relocatedData)
	}
	if !strings.Contains(note, "cannot enter") || !strings.Contains(note, got) {
		t.Errorf("note %q does not say why and where", note)
	}
	if link, err := os.Readlink(filepath.Join(state, "localcloud")); err != nil || link != got {
		t.Errorf("%s/localcloud links to %q (%v), want %s", state, link, err, got)
	}
	if _, err := os.Stat(filepath.Join(got, "state.json")); err != nil {
		t.Errorf("the earlier data did not move along: %v", err)
	}
	again, _, err := cloudDataDir(state, true)
	if err != nil || again != got {
		t.Errorf("second start: %q, %v; want %s", again, err, got)
	}

	// rm -rf .dev: the next start begins with no data.
	if err := os.RemoveAll(state); err != nil {
		t.Fatal(err)
	}
	fresh, _, err := cloudDataDir(state, true)
	if err != nil || fresh != got {
		t.Fatalf("after removing the state dir: %q, %v; want %s", fresh, err, got)
	}
	if _, err := os.Stat(filepath.Join(fresh, "state.json")); !os.IsNotExist(err) {
		t.Errorf("the removed state dir's data is still there: %v", err)
	}

	reachable := localcloudtest.DataDir(t)
	inPlace, note, err := cloudDataDir(reachable, true)
	if err != nil || inPlace != filepath.Join(reachable, "localcloud") || note != "" {
		t.Errorf("reachable state dir: got %q, %q, %v; want its own localcloud and no note", inPlace, note, err)
	}
}

// TestEnsureReachableRefusesWhatIsNotOurs: a link or a file planted where
// the relocated data goes is refused, not followed.
func TestEnsureReachableRefusesWhatIsNotOurs(t *testing.T) {
	base := localcloudtest.DataDir(t)
	planted := filepath.Join(base, "planted")
	if err := os.Symlink(t.TempDir(), planted); err != nil {
		t.Fatal(err)
	}
	if err := ensureReachable(planted); err == nil || !strings.Contains(err.Error(), "not a directory of this user's") {
		t.Errorf("a planted link: %v, want a refusal", err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ensureReachable(file); err == nil {
		t.Error("a file in the directory's place was accepted")
	}
}

// TestFunctionsBuiltAsDeclared: the composition functions the Configuration
// depends on (crossplane.yaml) are the ones cluster/tools builds for the
// stack and the render tests, version for version.
func TestFunctionsBuiltAsDeclared(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	fns, err := Functions(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) == 0 {
		t.Fatal("crossplane.yaml declares no function")
	}
	mod, err := os.ReadFile(filepath.Join(root, "cluster", "tools", "functions", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range fns {
		module := "github.com/" + strings.TrimPrefix(fn.Source, UpstreamRegistry+"/")
		if !strings.Contains(string(mod), "\t"+module+" "+fn.Version+"\n") {
			t.Errorf("crossplane.yaml depends on %s %s, but cluster/tools/functions/go.mod does not require %s %s", fn.Name, fn.Version, module, fn.Version)
		}
	}
}
