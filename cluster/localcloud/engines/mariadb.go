package engines

import (
	"context"
	"crypto/sha1"
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

// MySQLVersion is the version the mysql engine reports. The server behind
// it is really MariaDB (Debian ships no MySQL), so this is a label the SDK
// and controllers accept as an RDS MySQL 8.0 version, not the server's own:
// a deliberate gap, where MySQL 8.0 and MariaDB differ (caching_sha2 auth,
// some SQL), the local cloud behaves like MariaDB.
const MySQLVersion = "8.0.35"

// maxSocketPath is the longest path a unix socket can have on Linux.
const maxSocketPath = 107

// mariadbOptions tune every server for a developer's machine, where many
// instances share little memory. They are given to mariadb-install-db too,
// so the files it creates match what the server expects.
var mariadbOptions = []string{
	"--innodb-buffer-pool-size=32M",
	"--innodb-log-file-size=8M",
	"--max-connections=50",
	"--character-set-server=utf8mb4",
	"--skip-name-resolve",
}

// masterPrivileges are the global privileges of an RDS for MySQL master
// user: everything but SUPER and the file and shutdown privileges.
const masterPrivileges = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, " +
	"SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, " +
	"CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER"

// MariaDB runs MariaDB servers for the RDS engines mysql and mariadb.
type MariaDB struct {
	// Engine is the API name, "mysql" or "mariadb"; it decides only the
	// version reported.
	Engine string

	once    sync.Once
	bin     mariadbBinaries
	version string
	err     error
}

type mariadbBinaries struct {
	server, installDB, client, dump string
}

// Name implements Driver.
func (m *MariaDB) Name() string { return m.Engine }

// SystemUser implements Driver.
func (m *MariaDB) SystemUser() string { return "mysql" }

// StopSignal is SIGTERM, on which mariadbd shuts down cleanly.
func (m *MariaDB) StopSignal() syscall.Signal { return syscall.SIGTERM }

// PIDFile implements Driver.
func (m *MariaDB) PIDFile(dir string) string { return filepath.Join(dir, "data", "mariadbd.pid") }

var mariadbVersion = regexp.MustCompile(`Ver (\d+\.\d+\.\d+)-MariaDB`)

// Version implements Driver: the server's version (e.g. "10.11.19") for
// mariadb, MySQLVersion for mysql.
func (m *MariaDB) Version() (string, error) {
	m.once.Do(func() {
		m.bin, m.err = findMariaDB()
		if m.err != nil {
			return
		}
		out, err := exec.Command(m.bin.server, "--version").Output()
		if err != nil {
			m.err = fmt.Errorf("cannot run %s --version: %w", m.bin.server, err)
			return
		}
		v := mariadbVersion.FindStringSubmatch(string(out))
		if v == nil {
			m.err = fmt.Errorf("cannot read the version in %q", strings.TrimSpace(string(out)))
			return
		}
		m.version = v[1]
		if m.Engine == "mysql" {
			m.version = MySQLVersion
		}
	})
	return m.version, m.err
}

// findMariaDB looks for the binaries on PATH, then where Debian puts them:
// a user's PATH often lacks /usr/sbin.
func findMariaDB() (mariadbBinaries, error) {
	var b mariadbBinaries
	for _, f := range []struct {
		dst  *string
		name string
		dir  string
	}{
		{&b.server, "mariadbd", "/usr/sbin"},
		{&b.installDB, "mariadb-install-db", "/usr/bin"},
		{&b.client, "mariadb", "/usr/bin"},
		{&b.dump, "mariadb-dump", "/usr/bin"},
	} {
		path, err := exec.LookPath(f.name)
		if err != nil {
			path, err = exec.LookPath(filepath.Join(f.dir, f.name))
		}
		if err != nil {
			return b, fmt.Errorf("MariaDB binaries (mariadbd, mariadb-install-db, mariadb, mariadb-dump) are not installed, %s is missing: install the Debian package mariadb-server", f.name)
		}
		*f.dst = path
	}
	return b, nil
}

// Init implements Driver: mariadb-install-db into dir/data, whose only
// account afterwards is the admin user, over TCP from 127.0.0.1. The
// admin's password reaches the server as a hash; the local cloud keeps it
// in a 0600 client defaults file.
func (m *MariaDB) Init(ctx context.Context, rt *Runtime, s Spec) error {
	data := filepath.Join(s.Dir, "data")
	if err := checkSocketPath(data); err != nil {
		return err
	}
	if err := os.Mkdir(data, 0o700); err != nil {
		return err
	}
	if err := rt.Own(data); err != nil {
		return err
	}
	tmp, err := tmpDir(rt, s.Dir)
	if err != nil {
		return err
	}
	admin, err := randomHex(24)
	if err != nil {
		return err
	}
	cnf := "[client]\nuser=" + adminUser + "\npassword=" + admin + "\nhost=127.0.0.1\nprotocol=TCP\n"
	if err := os.WriteFile(filepath.Join(s.Dir, "admin.cnf"), []byte(cnf), 0o600); err != nil {
		return err
	}
	// Run by mariadbd --bootstrap after the system tables: drop the
	// accounts install-db makes for the OS root user, then add the admin.
	sql := "DELETE FROM mysql.global_priv WHERE User <> 'mariadb.sys';\n" +
		"DELETE FROM mysql.proxies_priv;\n" +
		"FLUSH PRIVILEGES;\n" +
		fmt.Sprintf("CREATE USER %s IDENTIFIED BY PASSWORD %s;\n", account(adminUser, "127.0.0.1"), sqlString(nativePasswordHash(admin))) +
		fmt.Sprintf("GRANT ALL PRIVILEGES ON *.* TO %s WITH GRANT OPTION;\n", account(adminUser, "127.0.0.1"))
	// install-db reads the file as the runtime's user.
	extra := filepath.Join(s.Dir, "init.sql")
	if err := os.WriteFile(extra, []byte(sql), 0o600); err != nil {
		return err
	}
	defer os.Remove(extra)
	if err := rt.Own(extra); err != nil {
		return err
	}
	args := append([]string{"--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp, "--skip-test-db",
		"--auth-root-authentication-method=socket", "--extra-file=" + extra}, mariadbOptions...)
	cmd := exec.CommandContext(ctx, m.bin.installDB, args...)
	cmd.Env = baseEnv()
	cmd.Dir = s.Dir
	rt.Apply(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb-install-db: %w: %s", err, tail(string(out), 2000))
	}
	return nil
}

// Command implements Driver. --no-defaults keeps the machine's
// /etc/mysql out: everything the server reads and writes is in dir/data.
func (m *MariaDB) Command(rt *Runtime, dir string, port int) (*exec.Cmd, error) {
	data := filepath.Join(dir, "data")
	if err := checkSocketPath(data); err != nil {
		return nil, err
	}
	tmp, err := tmpDir(rt, dir)
	if err != nil {
		return nil, err
	}
	args := append([]string{"--no-defaults",
		"--datadir=" + data,
		"--tmpdir=" + tmp,
		"--bind-address=127.0.0.1",
		"--port=" + strconv.Itoa(port),
		"--skip-networking=0",
		"--socket=" + filepath.Join(data, "mariadbd.sock"),
		"--pid-file=" + m.PIDFile(dir),
	}, mariadbOptions...)
	// An instance given a certificate (Spec.TLS) serves TLS, and only TLS
	// when required: a connection over the socket counts as secure too.
	if cert, key, on, required := serverTLS(dir); on {
		args = append(args, "--ssl-cert="+cert, "--ssl-key="+key)
		if required {
			args = append(args, "--require-secure-transport=ON")
		}
	}
	cmd := exec.Command(m.bin.server, args...)
	cmd.Env = baseEnv()
	cmd.Dir = dir
	return cmd, nil
}

// tmpDir is the instance's own directory for temporary files, made if
// missing (an instance from before it existed has none). Each server needs
// its own: at start, mariadbd deletes every "#sql" file in its tmpdir, so
// servers sharing /tmp delete each other's temporary tables, and an
// install-db running beside another fails ("Unknown table
// 'mysql.tmp_user_sys'").
func tmpDir(rt *Runtime, dir string) (string, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil && !os.IsExist(err) {
		return "", err
	}
	return tmp, rt.Own(tmp)
}

// checkSocketPath fails early, and clearly, where mariadbd would fail to
// create its socket in data.
func checkSocketPath(data string) error {
	if p := filepath.Join(data, "mariadbd.sock"); len(p) > maxSocketPath {
		return fmt.Errorf("the MariaDB socket path %s is longer than %d bytes: choose a shorter data dir", p, maxSocketPath)
	}
	return nil
}

// Ready implements Driver.
func (m *MariaDB) Ready(ctx context.Context, dir string, port int) error {
	return m.exec(ctx, dir, port, "SELECT 1;", "")
}

// Bootstrap implements Driver. The master user can do what RDS's can, on
// every database, with a grant of everything on the initial one; its
// password reaches the server only as a mysql_native_password hash.
func (m *MariaDB) Bootstrap(ctx context.Context, s Spec, port int) error {
	hash := nativePasswordHash(s.MasterPassword)
	master := account(s.MasterUsername, "%")
	sql := fmt.Sprintf("CREATE USER %s IDENTIFIED BY PASSWORD %s;\n", master, sqlString(hash))
	sql += fmt.Sprintf("GRANT %s ON *.* TO %s WITH GRANT OPTION;\n", masterPrivileges, master)
	if s.DBName != "" {
		sql += fmt.Sprintf("CREATE DATABASE %s;\n", backquote(s.DBName))
		sql += fmt.Sprintf("GRANT ALL PRIVILEGES ON %s.* TO %s WITH GRANT OPTION;\n", backquote(s.DBName), master)
	}
	return m.exec(ctx, s.Dir, port, sql, hash)
}

// SetPassword implements Driver.
func (m *MariaDB) SetPassword(ctx context.Context, dir string, port int, user, password string) error {
	hash := nativePasswordHash(password)
	return m.exec(ctx, dir, port, fmt.Sprintf("ALTER USER %s IDENTIFIED BY PASSWORD %s;\n", account(user, "%"), sqlString(hash)), hash)
}

// CreateUser implements accounts: a user that can log in from anywhere,
// with the master user's privileges.
func (m *MariaDB) CreateUser(ctx context.Context, dir string, port int, user, password string) error {
	hash := nativePasswordHash(password)
	a := account(user, "%")
	sql := fmt.Sprintf("CREATE USER %s IDENTIFIED BY PASSWORD %s;\n", a, sqlString(hash))
	sql += fmt.Sprintf("GRANT %s ON *.* TO %s WITH GRANT OPTION;\n", masterPrivileges, a)
	return m.exec(ctx, dir, port, sql, hash)
}

// DropUser implements accounts.
func (m *MariaDB) DropUser(ctx context.Context, dir string, port int, user string) error {
	return m.exec(ctx, dir, port, fmt.Sprintf("DROP USER %s;\n", account(user, "%")), "")
}

// CreateDatabase implements accounts; MariaDB databases have no owner.
func (m *MariaDB) CreateDatabase(ctx context.Context, dir string, port int, name, _ string) error {
	return m.exec(ctx, dir, port, fmt.Sprintf("CREATE DATABASE %s;\n", backquote(name)), "")
}

// DropDatabase implements accounts.
func (m *MariaDB) DropDatabase(ctx context.Context, dir string, port int, name string) error {
	return m.exec(ctx, dir, port, fmt.Sprintf("DROP DATABASE %s;\n", backquote(name)), "")
}

// Dump implements Driver with mariadb-dump of all databases, as an RDS
// snapshot holds the whole instance; db is not needed.
func (m *MariaDB) Dump(ctx context.Context, dir string, port int, _ string, w io.Writer) error {
	cmd := m.client(ctx, dir, port, m.bin.dump, "--all-databases", "--single-transaction", "--routines", "--events", "--triggers")
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mariadb-dump: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// exec runs sql as the admin user. Statements go through stdin, never the
// command line, and secret (a password hash) is cut out of the error.
func (m *MariaDB) exec(ctx context.Context, dir string, port int, sql, secret string) error {
	cmd := m.client(ctx, dir, port, m.bin.client, "--connect-timeout=5", "--batch", "--skip-column-names")
	cmd.Stdin = strings.NewReader(sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := errorLines(string(out))
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "<hash>")
		}
		return fmt.Errorf("mariadb: %w: %s", err, msg)
	}
	return nil
}

// client builds a client command connecting as the admin user over TCP.
// Its credentials come from the instance's defaults file, which, being
// first, is the only option file the client reads. Clients run as the
// invoking user; only the server refuses root.
func (m *MariaDB) client(ctx context.Context, dir string, port int, bin string, args ...string) *exec.Cmd {
	first := []string{"--defaults-file=" + filepath.Join(dir, "admin.cnf"), "--port=" + strconv.Itoa(port)}
	if _, _, on, _ := serverTLS(dir); on {
		// The admin connects over TCP: over TLS, which a server requiring
		// it demands. Its certificate is the local cloud's own.
		first = append(first, "--ssl")
	}
	args = append(first, args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = baseEnv()
	return cmd
}

// nativePasswordHash is what mysql_native_password stores:
// "*" and the upper-case hex of SHA1(SHA1(password)). SHA-1 is the
// plugin's definition, MariaDB's default, not a choice made here.
func nativePasswordHash(password string) string {
	first := sha1.Sum([]byte(password))
	second := sha1.Sum(first[:])
	return "*" + strings.ToUpper(hex.EncodeToString(second[:]))
}

// account is 'user'@'host'.
func account(user, host string) string { return sqlString(user) + "@" + sqlString(host) }

// backquote quotes a MariaDB identifier.
func backquote(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// sqlString quotes a MariaDB string literal under the default sql_mode,
// where a backslash escapes.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
