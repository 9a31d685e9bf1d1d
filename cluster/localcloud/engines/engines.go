// Package engines supervises the database and cache processes behind the
// local cloud: one real server process per instance, with its own data
// directory, on a free port of 127.0.0.1. A Driver knows one engine's
// binaries and commands (PostgreSQL; MariaDB for mysql and mariadb; Redis
// later); the Supervisor does what every engine shares: first-time set-up,
// picking a port, starting, waiting for readiness and stopping by PID.
package engines

import (
	"context"
	"io"
	"os/exec"
	"syscall"
)

// Spec describes one instance.
type Spec struct {
	// Dir is the instance's own directory; the driver owns what is inside.
	Dir string
	// Port is the preferred port; 0, or a port in use, picks a free one.
	Port int
	// MasterUsername, MasterPassword and DBName are used on first start only.
	MasterUsername string
	MasterPassword string
	DBName         string
	// TLS, when set, makes a SQL engine (PostgreSQL, MariaDB) serve TLS
	// with this certificate; it is installed again at every start, so a
	// renewed certificate or a changed Required takes effect on the next.
	TLS *ServerTLS
}

// ServerTLS is the certificate a SQL engine serves TLS with.
type ServerTLS struct {
	CertFile, KeyFile string
	// Required refuses connections that do not use TLS.
	Required bool
}

// Driver runs one engine. Methods other than Version may assume Version
// succeeded.
type Driver interface {
	// Name is the engine name as the cloud API spells it, e.g. "postgres".
	Name() string
	// Version returns the engine version, or an error that names what to
	// install when the binaries are missing.
	Version() (string, error)
	// SystemUser is the account the server runs as when the local cloud
	// runs as root, because the engines refuse to run as root.
	SystemUser() string
	// Init creates a new instance in s.Dir, which exists and is empty.
	Init(ctx context.Context, rt *Runtime, s Spec) error
	// Command returns the server process, listening on 127.0.0.1:port only.
	Command(rt *Runtime, dir string, port int) (*exec.Cmd, error)
	// StopSignal asks the server to shut down cleanly.
	StopSignal() syscall.Signal
	// PIDFile is where a running server records its PID, to find a server
	// left behind by a local cloud that died.
	PIDFile(dir string) string
	// Ready probes once whether the server accepts work.
	Ready(ctx context.Context, dir string, port int) error
	// Bootstrap runs once after the first start: the master user and the
	// initial database.
	Bootstrap(ctx context.Context, s Spec, port int) error
	// SetPassword changes a user's password.
	SetPassword(ctx context.Context, dir string, port int, user, password string) error
	// Dump writes a logical backup of database db to w.
	Dump(ctx context.Context, dir string, port int, db string, w io.Writer) error
}
