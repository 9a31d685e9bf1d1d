package engines

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// connect runs `psql -c 'select 1'` as the user with password.
func connect(t *testing.T, bin string, port int, user, password, db string) error {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "psql"), "-X", "-tA", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", user, "-d", db, "-c", "select 1")
	cmd.Env = []string{"PGPASSWORD=" + password, "PGCONNECT_TIMEOUT=5"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &exec.ExitError{ProcessState: cmd.ProcessState, Stderr: out}
	}
	if got := strings.TrimSpace(string(out)); got != "1" {
		t.Errorf("select 1 answered %q", got)
	}
	return nil
}

func TestPostgresLifecycle(t *testing.T) {
	pg := &Postgres{}
	version, err := pg.Version()
	if err != nil {
		t.Skipf("PostgreSQL is not available: %v", err)
	}
	if !strings.HasPrefix(version, "15.") {
		t.Logf("PostgreSQL version %s (the local cloud targets 15)", version)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	s := NewSupervisor(pg)
	defer s.StopAll()
	spec := Spec{Dir: filepath.Join(localcloudtest.DataDir(t), "db1"), MasterUsername: "master", MasterPassword: "first-pass-1", DBName: "app"}
	port, err := s.Start(ctx, "db1", "postgres", spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := connect(t, pg.bin, port, "master", "first-pass-1", "app"); err != nil {
		t.Fatalf("connect with the master password: %v: %s", err, err.(*exec.ExitError).Stderr)
	}
	if err := s.SetPassword(ctx, "db1", "master", "second-pass-2"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if err := connect(t, pg.bin, port, "master", "first-pass-1", "app"); err == nil {
		t.Errorf("the old password still works")
	}
	if err := connect(t, pg.bin, port, "master", "second-pass-2", "app"); err != nil {
		t.Errorf("the new password is refused: %s", err.(*exec.ExitError).Stderr)
	}
	var dump bytes.Buffer
	if err := s.Dump(ctx, "db1", "app", &dump); err != nil {
		t.Fatalf("Dump: %v", err)
	}
	if !bytes.HasPrefix(dump.Bytes(), []byte("PGDMP")) {
		t.Errorf("the dump is not in pg_dump's custom format: %q", dump.Bytes()[:min(16, dump.Len())])
	}

	// A second start after a stop reuses the data and keeps the port.
	if err := s.Stop("db1"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	spec.Port = port
	again, err := s.Start(ctx, "db1", "postgres", spec)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	if diff := cmp.Diff(port, again); diff != "" {
		t.Errorf("restart port: -want +got:\n%s", diff)
	}
	if err := connect(t, pg.bin, again, "master", "second-pass-2", "app"); err != nil {
		t.Errorf("connect after restart: %s", err.(*exec.ExitError).Stderr)
	}
}

func TestPlannedNamesThePackage(t *testing.T) {
	p := &Planned{Engine: "mysql", Binary: "localcloud-no-such-binary", Package: "mariadb-server"}
	_, err := p.Version()
	if err == nil || !strings.Contains(err.Error(), "mariadb-server") {
		t.Errorf("Version() error = %v, want one naming mariadb-server", err)
	}
}
