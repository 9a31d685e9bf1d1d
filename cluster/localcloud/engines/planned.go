package engines

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"syscall"
)

// Planned stands for an engine whose driver is not written yet. It tells
// the user what is missing instead of failing obscurely.
type Planned struct {
	Engine  string // API name, e.g. "mysql"
	Binary  string // server binary looked up on PATH, e.g. "mariadbd"
	Package string // Debian package providing it
}

// Name implements Driver.
func (p *Planned) Name() string { return p.Engine }

// Version implements Driver; it always fails, saying why.
func (p *Planned) Version() (string, error) {
	path, err := exec.LookPath(p.Binary)
	if err != nil {
		// Debian puts server daemons in /usr/sbin, which a user's PATH may lack.
		path, err = exec.LookPath("/usr/sbin/" + p.Binary)
	}
	if err != nil {
		return "", fmt.Errorf("engine %s needs %s, which is not installed: install the Debian package %s", p.Engine, p.Binary, p.Package)
	}
	return "", fmt.Errorf("engine %s: %s is installed at %s, but the local cloud cannot run it yet", p.Engine, p.Binary, path)
}

// SystemUser implements Driver.
func (p *Planned) SystemUser() string { return p.Engine }

// StopSignal implements Driver.
func (p *Planned) StopSignal() syscall.Signal { return syscall.SIGTERM }

// PIDFile implements Driver.
func (p *Planned) PIDFile(string) string { return "" }

// Init implements Driver.
func (p *Planned) Init(context.Context, *Runtime, Spec) error { return p.unavailable() }

// Command implements Driver.
func (p *Planned) Command(*Runtime, string, int) (*exec.Cmd, error) { return nil, p.unavailable() }

// Ready implements Driver.
func (p *Planned) Ready(context.Context, string, int) error { return p.unavailable() }

// Bootstrap implements Driver.
func (p *Planned) Bootstrap(context.Context, Spec, int) error { return p.unavailable() }

// SetPassword implements Driver.
func (p *Planned) SetPassword(context.Context, string, int, string, string) error {
	return p.unavailable()
}

// Dump implements Driver.
func (p *Planned) Dump(context.Context, string, int, string, io.Writer) error {
	return p.unavailable()
}

func (p *Planned) unavailable() error {
	_, err := p.Version()
	return err
}

// Default returns the drivers the local cloud offers: PostgreSQL, MariaDB
// for both the mysql and the mariadb engines, and Redis for both the redis
// and the valkey engines.
func Default() []Driver {
	return []Driver{
		&Postgres{},
		&MariaDB{Engine: "mysql"},
		&MariaDB{Engine: "mariadb"},
		&Redis{Engine: "redis"},
		&Redis{Engine: "valkey"},
	}
}
