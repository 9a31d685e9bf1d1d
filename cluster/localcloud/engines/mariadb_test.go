package engines

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// mariadbSelect1 runs `select 1` over TCP as user with password, which it
// passes in a 0600 defaults file, never on the command line.
func mariadbSelect1(t *testing.T, port int, user, password, db string) error {
	t.Helper()
	got, err := mariadbQuery(t, port, user, password, db, "select 1")
	if err == nil && got != "1" {
		return errors.New("select 1 answered " + got)
	}
	return err
}

// mariadbQuery runs one statement with the mariadb client and returns its
// output.
func mariadbQuery(t *testing.T, port int, user, password, db, sql string) (string, error) {
	t.Helper()
	cnf := filepath.Join(t.TempDir(), "client.cnf")
	body := "[client]\nuser=" + user + "\npassword=\"" + password + "\"\n"
	if err := os.WriteFile(cnf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	client, err := exec.LookPath("mariadb")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--defaults-file=" + cnf, "--protocol=TCP", "--host=127.0.0.1", "--port=" + strconv.Itoa(port),
		"--connect-timeout=5", "--batch", "--skip-column-names", "--execute=" + sql}
	if db != "" {
		args = append(args, db)
	}
	cmd := exec.Command(client, args...)
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", errors.New(strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

func TestMariaDBVersion(t *testing.T) {
	if _, err := (&MariaDB{Engine: "mariadb"}).Version(); err != nil {
		t.Skipf("MariaDB is not available: %v", err)
	}
	cases := map[string]struct {
		reason string
		engine string
		want   *regexp.Regexp
	}{
		"MariaDB": {reason: "The mariadb engine reports the server's own version.", engine: "mariadb", want: regexp.MustCompile(`^10\.11\.\d+$`)},
		"MySQL":   {reason: "The mysql engine reports a MySQL 8.0 label, as its server is MariaDB.", engine: "mysql", want: regexp.MustCompile(`^8\.0\.35$`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := (&MariaDB{Engine: tc.engine}).Version()
			if err != nil || !tc.want.MatchString(got) {
				t.Errorf("%s\nVersion() = %q, %v; want a match of %s", tc.reason, got, err, tc.want)
			}
		})
	}
}

func TestNativePasswordHash(t *testing.T) {
	// MariaDB's SELECT PASSWORD('password').
	if diff := cmp.Diff("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", nativePasswordHash("password")); diff != "" {
		t.Errorf("nativePasswordHash: -want +got:\n%s", diff)
	}
}

func TestSQLQuoting(t *testing.T) {
	cases := map[string]struct {
		reason string
		got    string
		want   string
	}{
		"Account":   {reason: "An account is two quoted strings.", got: account("app", "%"), want: `'app'@'%'`},
		"Quote":     {reason: "A quote in a string is escaped.", got: sqlString(`it's`), want: `'it\'s'`},
		"Backslash": {reason: "A backslash escapes under the default sql_mode, so it is doubled.", got: sqlString(`a\'`), want: `'a\\\''`},
		"Backquote": {reason: "A backquote in an identifier is doubled.", got: backquote("a`b"), want: "`a``b`"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestMariaDBLifecycle(t *testing.T) {
	m := &MariaDB{Engine: "mysql"}
	if _, err := m.Version(); err != nil {
		t.Skipf("MariaDB is not available: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	s := NewSupervisor(m)
	defer s.StopAll()
	spec := Spec{Dir: filepath.Join(localcloudtest.DataDir(t), "db1"), MasterUsername: "master", MasterPassword: "first-pass-1", DBName: "app"}
	port, err := s.Start(ctx, "db1", "mysql", spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := mariadbSelect1(t, port, "master", "first-pass-1", "app"); err != nil {
		t.Fatalf("connect with the master password: %v", err)
	}
	// Each server keeps its temporary files to itself: at start, mariadbd
	// deletes every "#sql" file in its tmpdir, which in a shared /tmp are
	// other servers' temporary tables.
	if got, err := mariadbQuery(t, port, "master", "first-pass-1", "app", "select @@tmpdir"); err != nil || got != filepath.Join(spec.Dir, "tmp") {
		t.Errorf("tmpdir = %q (%v), want the instance's own %s", got, err, filepath.Join(spec.Dir, "tmp"))
	}
	if err := mariadbSelect1(t, port, "root", "", ""); err == nil {
		t.Errorf("root logs in without a password")
	}
	if err := s.SetPassword(ctx, "db1", "master", "second-pass-2"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if err := mariadbSelect1(t, port, "master", "first-pass-1", "app"); err == nil || !strings.Contains(err.Error(), "Access denied") {
		t.Errorf("the old password must be refused, got %v", err)
	}
	if err := mariadbSelect1(t, port, "master", "second-pass-2", "app"); err != nil {
		t.Errorf("the new password is refused: %v", err)
	}
	var dump bytes.Buffer
	if err := s.Dump(ctx, "db1", "app", &dump); err != nil {
		t.Fatalf("Dump: %v", err)
	}
	for _, want := range []string{"-- MariaDB dump", "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `app`"} {
		if !strings.Contains(dump.String(), want) {
			t.Errorf("the dump lacks %q", want)
		}
	}
	log, err := os.ReadFile(filepath.Join(spec.Dir, "mysql.log"))
	if err != nil || bytes.Contains(log, []byte("first-pass-1")) || bytes.Contains(log, []byte("second-pass-2")) {
		t.Errorf("the server log must exist and hold no password (read error %v)", err)
	}

	// A second start after a stop reuses the data and keeps the port.
	if err := s.Stop("db1"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(m.PIDFile(spec.Dir)); !os.IsNotExist(err) {
		t.Errorf("the server did not stop cleanly: its PID file is still there (%v)", err)
	}
	spec.Port = port
	again, err := s.Start(ctx, "db1", "mysql", spec)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	if diff := cmp.Diff(port, again); diff != "" {
		t.Errorf("restart port: -want +got:\n%s", diff)
	}
	if err := mariadbSelect1(t, again, "master", "second-pass-2", "app"); err != nil {
		t.Errorf("connect after restart: %v", err)
	}
}
