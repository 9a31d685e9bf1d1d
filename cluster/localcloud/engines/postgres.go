package engines

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// DefaultPostgresBinDir is where Debian's postgresql-15 package puts the
// server binaries; they are not on PATH there.
const DefaultPostgresBinDir = "/usr/lib/postgresql/15/bin"

// adminUser is the engine's own superuser, like RDS's rdsadmin: the local
// cloud administers the instance with it, so it never needs (or keeps) the
// customer's master password.
const adminUser = "rdsadmin"

// Postgres runs PostgreSQL servers.
type Postgres struct {
	// BinDir holds initdb, postgres, psql and pg_dump; empty finds them on
	// PATH or in DefaultPostgresBinDir.
	BinDir string

	once    sync.Once
	bin     string
	version string
	err     error
}

// Name implements Driver.
func (p *Postgres) Name() string { return "postgres" }

// SystemUser implements Driver.
func (p *Postgres) SystemUser() string { return "postgres" }

// StopSignal is SIGINT, PostgreSQL's "fast" shutdown: it does not wait for
// clients to disconnect.
func (p *Postgres) StopSignal() syscall.Signal { return syscall.SIGINT }

// PIDFile implements Driver.
func (p *Postgres) PIDFile(dir string) string { return filepath.Join(dir, "pgdata", "postmaster.pid") }

var pgVersion = regexp.MustCompile(`\(PostgreSQL\) (\d+(?:\.\d+)*)`)

// Version implements Driver, e.g. "15.18".
func (p *Postgres) Version() (string, error) {
	p.once.Do(func() {
		p.bin, p.err = findPostgres(p.BinDir)
		if p.err != nil {
			return
		}
		out, err := exec.Command(filepath.Join(p.bin, "postgres"), "--version").Output()
		if err != nil {
			p.err = fmt.Errorf("cannot run %s/postgres --version: %w", p.bin, err)
			return
		}
		m := pgVersion.FindStringSubmatch(string(out))
		if m == nil {
			p.err = fmt.Errorf("cannot read the version in %q", strings.TrimSpace(string(out)))
			return
		}
		p.version = m[1]
	})
	return p.version, p.err
}

// findPostgres looks for initdb on PATH (following a symlink such as
// /usr/local/bin/initdb to its real bin dir), then in the default dir.
func findPostgres(dir string) (string, error) {
	if dir == "" {
		if path, err := exec.LookPath("initdb"); err == nil {
			if real, err := filepath.EvalSymlinks(path); err == nil {
				dir = filepath.Dir(real)
			}
		}
	}
	candidates := []string{dir, DefaultPostgresBinDir}
	for _, d := range candidates {
		if d != "" && hasAll(d, "initdb", "postgres", "psql", "pg_dump") {
			return d, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL server binaries (initdb, postgres, psql, pg_dump) are not on PATH nor in %s: install the Debian package postgresql-15", DefaultPostgresBinDir)
}

func hasAll(dir string, names ...string) bool {
	for _, n := range names {
		if fi, err := os.Stat(filepath.Join(dir, n)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// Init implements Driver: initdb with the admin superuser, then a pg_hba
// that accepts only SCRAM password logins over TCP from 127.0.0.1.
func (p *Postgres) Init(ctx context.Context, rt *Runtime, s Spec) error {
	pgdata := filepath.Join(s.Dir, "pgdata")
	if err := os.Mkdir(pgdata, 0o700); err != nil {
		return err
	}
	if err := rt.Own(pgdata); err != nil {
		return err
	}
	admin, err := randomHex(24)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "admin.pw"), []byte(admin), 0o600); err != nil {
		return err
	}
	// initdb reads the password from a file its own user must be able to read.
	pwfile := filepath.Join(s.Dir, "initdb.pw")
	if err := os.WriteFile(pwfile, []byte(admin+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if err := rt.Own(pwfile); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, "initdb"),
		"-D", pgdata, "-U", adminUser, "--pwfile="+pwfile, "--auth=scram-sha-256",
		"--encoding=UTF8", "--no-locale", "--no-sync")
	cmd.Env = baseEnv()
	cmd.Dir = s.Dir
	rt.Apply(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return writeHBA(rt, s.Dir, false)
}

// writeHBA writes a pg_hba that accepts only SCRAM password logins over
// TCP from 127.0.0.1, over TLS only when required.
func writeHBA(rt *Runtime, dir string, tlsOnly bool) error {
	kind := "host"
	if tlsOnly {
		kind = "hostssl"
	}
	hba := "# Written by localcloud: SCRAM password logins over TCP from 127.0.0.1 only.\n" +
		kind + " all all 127.0.0.1/32 scram-sha-256\n"
	path := filepath.Join(dir, "pgdata", "pg_hba.conf")
	if err := os.WriteFile(path, []byte(hba), 0o600); err != nil {
		return err
	}
	return rt.Own(path)
}

// Command implements Driver. Unix sockets are off, so the server needs no
// writable socket dir and is reachable only on 127.0.0.1. An instance
// given a certificate (Spec.TLS) serves TLS, and only TLS when required:
// its pg_hba is written again at each start to say so.
func (p *Postgres) Command(rt *Runtime, dir string, port int) (*exec.Cmd, error) {
	cert, key, tlsOn, required := serverTLS(dir)
	if err := writeHBA(rt, dir, tlsOn && required); err != nil {
		return nil, err
	}
	args := []string{
		"-D", filepath.Join(dir, "pgdata"),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "port=" + strconv.Itoa(port),
		"-c", "unix_socket_directories=",
		"-c", "password_encryption=scram-sha-256",
		// Small footprint: many instances share a developer's machine.
		"-c", "shared_buffers=16MB",
		"-c", "max_connections=50",
	}
	if tlsOn {
		args = append(args, "-c", "ssl=on", "-c", "ssl_cert_file="+cert, "-c", "ssl_key_file="+key)
	}
	cmd := exec.Command(filepath.Join(p.bin, "postgres"), args...)
	cmd.Env = baseEnv()
	cmd.Dir = dir
	return cmd, nil
}

// Ready implements Driver.
func (p *Postgres) Ready(ctx context.Context, dir string, port int) error {
	return p.psql(ctx, dir, port, "postgres", "SELECT 1;")
}

// Bootstrap implements Driver. The master user gets what RDS's master user
// can do with databases and roles, not superuser; its password reaches the
// server only as a SCRAM verifier.
func (p *Postgres) Bootstrap(ctx context.Context, s Spec, port int) error {
	verifier, err := scramVerifier(s.MasterPassword)
	if err != nil {
		return err
	}
	sql := fmt.Sprintf("CREATE ROLE %s WITH LOGIN CREATEDB CREATEROLE PASSWORD %s;\n", ident(s.MasterUsername), literal(verifier))
	sql += fmt.Sprintf("GRANT pg_monitor, pg_signal_backend TO %s;\n", ident(s.MasterUsername))
	if s.DBName != "" {
		sql += fmt.Sprintf("CREATE DATABASE %s OWNER %s;\n", ident(s.DBName), ident(s.MasterUsername))
	}
	return p.psql(ctx, s.Dir, port, "postgres", sql)
}

// SetPassword implements Driver.
func (p *Postgres) SetPassword(ctx context.Context, dir string, port int, user, password string) error {
	verifier, err := scramVerifier(password)
	if err != nil {
		return err
	}
	return p.psql(ctx, dir, port, "postgres", fmt.Sprintf("ALTER ROLE %s WITH PASSWORD %s;\n", ident(user), literal(verifier)))
}

// CreateUser implements accounts: a login role that can create databases
// and roles, as the master user can.
func (p *Postgres) CreateUser(ctx context.Context, dir string, port int, user, password string) error {
	verifier, err := scramVerifier(password)
	if err != nil {
		return err
	}
	return p.psql(ctx, dir, port, "postgres", fmt.Sprintf("CREATE ROLE %s WITH LOGIN CREATEDB CREATEROLE PASSWORD %s;\n", ident(user), literal(verifier)))
}

// DropUser implements accounts.
func (p *Postgres) DropUser(ctx context.Context, dir string, port int, user string) error {
	return p.psql(ctx, dir, port, "postgres", fmt.Sprintf("DROP ROLE %s;\n", ident(user)))
}

// CreateDatabase implements accounts.
func (p *Postgres) CreateDatabase(ctx context.Context, dir string, port int, name, owner string) error {
	sql := fmt.Sprintf("CREATE DATABASE %s", ident(name))
	if owner != "" {
		sql += " OWNER " + ident(owner)
	}
	return p.psql(ctx, dir, port, "postgres", sql+";\n")
}

// DropDatabase implements accounts.
func (p *Postgres) DropDatabase(ctx context.Context, dir string, port int, name string) error {
	return p.psql(ctx, dir, port, "postgres", fmt.Sprintf("DROP DATABASE %s;\n", ident(name)))
}

// Dump implements Driver with pg_dump's custom format, which pg_restore reads.
func (p *Postgres) Dump(ctx context.Context, dir string, port int, db string, w io.Writer) error {
	cmd, err := p.client(ctx, dir, port, "pg_dump", "--format=custom", "--dbname="+db)
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_dump %s: %w: %s", db, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// psql runs sql as the admin user. Statements go through stdin, never the
// command line, and only ERROR/FATAL lines reach the returned error, so a
// password verifier does not end up in a process list or a log.
func (p *Postgres) psql(ctx context.Context, dir string, port int, db, sql string) error {
	cmd, err := p.client(ctx, dir, port, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname="+db, "-f", "-")
	if err != nil {
		return err
	}
	cmd.Stdin = strings.NewReader(sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("psql: %w: %s", err, errorLines(string(out)))
	}
	return nil
}

// client builds a client command connecting as the admin user over TCP.
// Clients run as the invoking user; only the server refuses root.
func (p *Postgres) client(ctx context.Context, dir string, port int, name string, args ...string) (*exec.Cmd, error) {
	admin, err := os.ReadFile(filepath.Join(dir, "admin.pw"))
	if err != nil {
		return nil, fmt.Errorf("cannot read the instance's admin password: %w", err)
	}
	args = append([]string{"--host=127.0.0.1", "--port=" + strconv.Itoa(port), "--username=" + adminUser, "--no-password"}, args...)
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, name), args...)
	cmd.Env = append(baseEnv(), "PGPASSWORD="+strings.TrimSpace(string(admin)), "PGCONNECT_TIMEOUT=5")
	return cmd, nil
}

// baseEnv is a clean environment, so PG* variables of the caller (a
// PGPASSWORD, a PGHOST) never leak into what the local cloud runs.
func baseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
}

func errorLines(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "FATAL") || strings.Contains(l, "error:") {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	if len(keep) == 0 {
		return "no error message"
	}
	return strings.Join(keep, "; ")
}

// ident quotes a PostgreSQL identifier.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// literal quotes a PostgreSQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
