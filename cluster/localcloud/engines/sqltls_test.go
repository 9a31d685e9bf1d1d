package engines

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// tlsFixture is a CA and a server certificate it signed, for an instance in dir.
func tlsFixture(t *testing.T, dir string, required bool) (*ServerTLS, *x509.CertPool) {
	t.Helper()
	ca, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := &ServerTLS{CertFile: filepath.Join(dir, "server.crt"), KeyFile: filepath.Join(dir, "server.key"), Required: required}
	if err := ca.IssueServer(st.CertFile, st.KeyFile); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.PEM())
	return st, pool
}

// pgQuery runs one query on 127.0.0.1:port, over TLS verified with pool
// unless pool is nil.
func pgQuery(port int, user, password, db string, pool *x509.CertPool, query string) (string, error) {
	cfg, err := localcloudtest.Postgres("127.0.0.1", port, user, password, db, pool)
	if err != nil {
		return "", err
	}
	return localcloudtest.PostgresQuery(cfg, query)
}

// TestPostgresTLS: an instance given a certificate serves TLS with it,
// refuses plain connections when TLS is required and takes them again
// when it no longer is; users and databases are added and removed.
func TestPostgresTLS(t *testing.T) {
	pg := &Postgres{}
	if _, err := pg.Version(); err != nil {
		t.Skipf("PostgreSQL is not available: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := localcloudtest.DataDir(t)
	st, pool := tlsFixture(t, dir, true)
	s := NewSupervisor(pg)
	defer s.StopAll()
	spec := Spec{Dir: filepath.Join(dir, "db1"), MasterUsername: "postgres", MasterPassword: "first-pass-1", TLS: st}
	port, err := s.Start(ctx, "db1", "postgres", spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if got, err := pgQuery(port, "postgres", "first-pass-1", "postgres", pool, "select ssl::text from pg_stat_ssl where pid = pg_backend_pid()"); err != nil || got != "true" {
		t.Errorf("a verified TLS connection: %q, %v; want true", got, err)
	}
	if _, err := pgQuery(port, "postgres", "first-pass-1", "postgres", nil, "select 1::text"); err == nil || !strings.Contains(err.Error(), "no encryption") {
		t.Errorf("a plain connection to an instance requiring TLS: %v, want refused for no encryption", err)
	}

	if err := s.CreateUser(ctx, "db1", "app", "app-pass-1"); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := s.CreateDatabase(ctx, "db1", "shop", "postgres"); err != nil {
		t.Fatalf("CreateDatabase: %v", err)
	}
	if got, err := pgQuery(port, "app", "app-pass-1", "shop", pool, "select current_database()::text"); err != nil || got != "shop" {
		t.Errorf("the new user in the new database: %q, %v", got, err)
	}
	if err := s.DropDatabase(ctx, "db1", "shop"); err != nil {
		t.Fatalf("DropDatabase: %v", err)
	}
	if err := s.DropUser(ctx, "db1", "app"); err != nil {
		t.Fatalf("DropUser: %v", err)
	}
	if _, err := pgQuery(port, "app", "app-pass-1", "postgres", pool, "select 1::text"); err == nil {
		t.Errorf("a dropped user still logs in")
	}

	// TLS no longer required: plain connections are served again after a restart.
	if err := s.Stop("db1"); err != nil {
		t.Fatal(err)
	}
	spec.TLS = &ServerTLS{CertFile: st.CertFile, KeyFile: st.KeyFile}
	if port, err = s.Start(ctx, "db1", "postgres", spec); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if got, err := pgQuery(port, "postgres", "first-pass-1", "postgres", nil, "select 1::text"); err != nil || got != "1" {
		t.Errorf("a plain connection once TLS is optional: %q, %v", got, err)
	}
}

// TestMariaDBTLS: the same for MariaDB.
func TestMariaDBTLS(t *testing.T) {
	m := &MariaDB{Engine: "mysql"}
	if _, err := m.Version(); err != nil {
		t.Skipf("MariaDB is not available: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := localcloudtest.DataDir(t)
	st, pool := tlsFixture(t, dir, true)
	s := NewSupervisor(m)
	defer s.StopAll()
	port, err := s.Start(ctx, "db1", "mysql", Spec{Dir: filepath.Join(dir, "db1"), MasterUsername: "root", MasterPassword: "first-pass-1", TLS: st})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := mysql.RegisterTLSConfig("sqltls-test", &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatal(err)
	}
	query := func(user, password, db, tlsName, q string) (string, error) {
		conn, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(127.0.0.1:%d)/%s?tls=%s&timeout=5s", user, password, port, db, tlsName))
		if err != nil {
			return "", err
		}
		defer conn.Close()
		var out string
		err = conn.QueryRowContext(ctx, q).Scan(&out)
		return out, err
	}
	if got, err := query("root", "first-pass-1", "", "sqltls-test", "select variable_value from information_schema.session_status where variable_name = 'Ssl_version'"); err != nil {
		t.Errorf("a verified TLS connection: %q, %v", got, err)
	}
	// MariaDB 10.11 answers a plain connection that require_secure_transport
	// refuses with "Access denied" (the same password works over TLS).
	if _, err := query("root", "first-pass-1", "", "false", "select 1"); err == nil || !strings.Contains(err.Error(), "Access denied") {
		t.Errorf("a plain connection to an instance requiring TLS: %v, want refused", err)
	}
	if err := s.CreateUser(ctx, "db1", "app", "app-pass-1"); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := s.CreateDatabase(ctx, "db1", "shop", ""); err != nil {
		t.Fatalf("CreateDatabase: %v", err)
	}
	if got, err := query("app", "app-pass-1", "shop", "sqltls-test", "select database()"); err != nil || got != "shop" {
		t.Errorf("the new user in the new database: %q, %v", got, err)
	}
	if err := s.DropDatabase(ctx, "db1", "shop"); err != nil {
		t.Fatalf("DropDatabase: %v", err)
	}
	if err := s.DropUser(ctx, "db1", "app"); err != nil {
		t.Fatalf("DropUser: %v", err)
	}
}
