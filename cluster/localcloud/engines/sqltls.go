package engines

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// Files of a SQL engine's TLS set-up, in the instance's directory. Redis
// keeps its own in the same directory name (see ConfigureRedis); an
// instance is one engine or the other.
const (
	sqlTLSDir      = "tls"
	sqlTLSCert     = "server.crt"
	sqlTLSKey      = "server.key"
	sqlTLSRequired = "required"
)

// installTLS copies an instance's certificate and key where its server
// reads them, owned by the server's account (PostgreSQL refuses a key
// others can read), and records whether TLS is required.
func installTLS(rt *Runtime, dir string, t *ServerTLS) error {
	tlsDir := filepath.Join(dir, sqlTLSDir)
	if err := os.MkdirAll(tlsDir, 0o700); err != nil {
		return err
	}
	if err := rt.Own(tlsDir); err != nil {
		return err
	}
	for src, name := range map[string]string{t.CertFile: sqlTLSCert, t.KeyFile: sqlTLSKey} {
		b, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("cannot read the instance's TLS files: %w", err)
		}
		dst := filepath.Join(tlsDir, name)
		if err := statefile.Write(dst, b, 0o600); err != nil {
			return err
		}
		if err := rt.Own(dst); err != nil {
			return err
		}
	}
	required := filepath.Join(tlsDir, sqlTLSRequired)
	if !t.Required {
		if err := os.Remove(required); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	return os.WriteFile(required, nil, 0o644)
}

// serverTLS reports whether an instance serves TLS and whether it
// requires it, as installTLS left it.
func serverTLS(dir string) (cert, key string, on, required bool) {
	tlsDir := filepath.Join(dir, sqlTLSDir)
	cert, key = filepath.Join(tlsDir, sqlTLSCert), filepath.Join(tlsDir, sqlTLSKey)
	return cert, key, exists(cert) && exists(key), exists(filepath.Join(tlsDir, sqlTLSRequired))
}

// accounts is what a SQL engine offers beyond its master user: other
// users and databases, as Cloud SQL's users and databases APIs manage
// them. PostgreSQL and MariaDB have it.
type accounts interface {
	CreateUser(ctx context.Context, dir string, port int, user, password string) error
	DropUser(ctx context.Context, dir string, port int, user string) error
	CreateDatabase(ctx context.Context, dir string, port int, name, owner string) error
	DropDatabase(ctx context.Context, dir string, port int, name string) error
}

// CreateUser adds a login user with password to a running instance, with
// the master user's privileges.
func (s *Supervisor) CreateUser(ctx context.Context, id, user, password string) error {
	a, p, err := s.accounts(id)
	if err != nil {
		return err
	}
	return a.CreateUser(ctx, p.dir, p.port, user, password)
}

// DropUser removes a user from a running instance.
func (s *Supervisor) DropUser(ctx context.Context, id, user string) error {
	a, p, err := s.accounts(id)
	if err != nil {
		return err
	}
	return a.DropUser(ctx, p.dir, p.port, user)
}

// CreateDatabase adds database name to a running instance, owned by owner
// where the engine has owners (PostgreSQL).
func (s *Supervisor) CreateDatabase(ctx context.Context, id, name, owner string) error {
	a, p, err := s.accounts(id)
	if err != nil {
		return err
	}
	return a.CreateDatabase(ctx, p.dir, p.port, name, owner)
}

// DropDatabase removes database name from a running instance.
func (s *Supervisor) DropDatabase(ctx context.Context, id, name string) error {
	a, p, err := s.accounts(id)
	if err != nil {
		return err
	}
	return a.DropDatabase(ctx, p.dir, p.port, name)
}

func (s *Supervisor) accounts(id string) (accounts, *proc, error) {
	p, err := s.get(id)
	if err != nil {
		return nil, nil, err
	}
	a, ok := p.driver.(accounts)
	if !ok {
		return nil, nil, fmt.Errorf("engine %s has no users or databases to manage", p.driver.Name())
	}
	return a, p, nil
}
