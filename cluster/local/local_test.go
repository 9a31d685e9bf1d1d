package local

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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
// directory of the user's under /var/tmp the engines can enter, linked
// from where it would have been; the next start finds the same one.
func TestCloudDataDirOutOfTheEnginesReach(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the engines run as the invoking user when it is not root: its own directories are in reach")
	}
	state := filepath.Join(t.TempDir(), "dev") // t.TempDir is mode 700
	got, note, err := cloudDataDir(state)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(got) })
	if !strings.HasPrefix(got, "/var/tmp/provider-appinfra-0/") {
		t.Errorf("data dir %s is not below /var/tmp/provider-appinfra-0", got)
	}
	if !strings.Contains(note, "cannot enter") || !strings.Contains(note, got) {
		t.Errorf("note %q does not say why and where", note)
	}
	if link, err := os.Readlink(filepath.Join(state, "localcloud")); err != nil || link != got {
		t.Errorf("%s/localcloud links to %q (%v), want %s", state, link, err, got)
	}
	again, _, err := cloudDataDir(state)
	if err != nil || again != got {
		t.Errorf("second start: %q, %v; want %s", again, err, got)
	}

	reachable := t.TempDir()
	if err := os.Chmod(reachable, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(reachable), 0o755); err != nil {
		t.Fatal(err)
	}
	inPlace, note, err := cloudDataDir(reachable)
	if err != nil || inPlace != filepath.Join(reachable, "localcloud") || note != "" {
		t.Errorf("reachable state dir: got %q, %q, %v; want its own localcloud and no note", inPlace, note, err)
	}
}
