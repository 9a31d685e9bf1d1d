// Package cloudsql is the local cloud's Cloud SQL: a subset of the Cloud
// SQL Admin API v1 (instances, operations, users, databases) at the paths
// google.golang.org/api/sqladmin/v1 calls, answering with its own JSON
// types, with a real engine behind every instance: PostgreSQL for
// POSTGRES_*, MariaDB for MYSQL_*. Instances move through Cloud SQL's
// states (PENDING_CREATE, RUNNABLE, MAINTENANCE, PENDING_DELETE, FAILED)
// while long-running operations (PENDING, RUNNING, DONE) report what was
// asked; an instance with an operation running refuses another, as Cloud
// SQL does, with 409 operationInProgress.
//
// Each instance is reached at its own loopback address (its PRIMARY
// address, 127.11.x.x, and a PRIVATE one, 127.10.x.x, on a private
// network) on the engine's usual port, 5432 or 3306, where a gate admits
// to the public address only what settings.ipConfiguration.
// authorizedNetworks lists, and serves TLS with a certificate the local
// cloud's CA signs: serverCaCert is that CA.
package cloudsql

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gate"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// Scopes are the OAuth scopes Cloud SQL accepts.
var Scopes = []string{gcpapi.CloudPlatformScope, sqladmin.SqlserviceAdminScope}

// Engines runs the database processes; *engines.Supervisor satisfies it.
type Engines interface {
	Check(engine string) (version string, err error)
	Start(ctx context.Context, id, engine string, spec engines.Spec) (port int, err error)
	Stop(id string) error
	SetPassword(ctx context.Context, id, user, password string) error
	CreateUser(ctx context.Context, id, user, password string) error
	DropUser(ctx context.Context, id, user string) error
	CreateDatabase(ctx context.Context, id, name, owner string) error
	DropDatabase(ctx context.Context, id, name string) error
}

// Config configures the service.
type Config struct {
	// DataDir holds the saved state, the certificates and the engines' data.
	DataDir string
	// Project is the one project the local cloud serves; Region its region.
	Project, Region string
	// Delay is how long each intermediate state lasts at least.
	Delay   time.Duration
	Engines Engines
	// CA signs the instances' server certificates; it is their serverCaCert.
	CA *engines.CA
	// Public and Private hand out the instances' PRIMARY and PRIVATE addresses.
	Public, Private *gcpapi.Addresses
	// Auth checks every call's access token.
	Auth *gcpapi.Auth
	// OpenGate opens the gates in front of the engines; nil means real ones.
	OpenGate gate.Opener
	Logf     func(format string, args ...any)
}

// Service is the Cloud SQL Admin API.
type Service struct {
	cfg     Config
	machine *lifecycle.Machine
	gates   *gate.Set
	caCert  *sqladmin.SslCert

	mu         sync.Mutex
	instances  map[string]*instance
	operations *gcpapi.Operations[*operation]

	store *statefile.Store
}

// New loads the saved state and brings the instances back: engines of
// runnable instances are running when New returns, and operations a
// shutdown interrupted run again.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.CA == nil || cfg.Auth == nil || cfg.Public == nil || cfg.Private == nil {
		return nil, fmt.Errorf("cloud SQL needs the local cloud's CA, auth and address ranges")
	}
	caCert, err := sslCert(cfg.CA.PEM())
	if err != nil {
		return nil, fmt.Errorf("cannot read the local cloud's CA: %w", err)
	}
	s := &Service{cfg: cfg, gates: gate.NewSet(cfg.OpenGate), caCert: caCert, instances: map[string]*instance{}, operations: gcpapi.NewOperations[*operation]()}
	s.store = statefile.New(cfg.DataDir, "Cloud SQL", &s.mu)
	s.machine = lifecycle.New(s.changed)
	if err := s.load(); err != nil {
		return nil, err
	}
	s.restore(ctx)
	return s, nil
}

// Handler serves the API under /v1/projects/; every call needs a token
// with one of Scopes.
func (s *Service) Handler() http.Handler {
	const p = "/v1/projects/{project}"
	routes := map[string]gcpapi.Route{
		"POST " + p + "/instances":                             s.insertInstance,
		"GET " + p + "/instances":                              s.listInstances,
		"GET " + p + "/instances/{instance}":                   s.getInstance,
		"PATCH " + p + "/instances/{instance}":                 s.patchInstance,
		"PUT " + p + "/instances/{instance}":                   s.updateInstance,
		"DELETE " + p + "/instances/{instance}":                s.deleteInstance,
		"POST " + p + "/instances/{instance}/restart":          s.restartInstance,
		"GET " + p + "/operations/{operation}":                 s.getOperation,
		"GET " + p + "/operations":                             s.listOperations,
		"GET " + p + "/instances/{instance}/users":             s.listUsers,
		"POST " + p + "/instances/{instance}/users":            s.insertUser,
		"PUT " + p + "/instances/{instance}/users":             s.updateUser,
		"DELETE " + p + "/instances/{instance}/users":          s.deleteUser,
		"GET " + p + "/instances/{instance}/users/{name}":      s.getUser,
		"GET " + p + "/instances/{instance}/databases":         s.listDatabases,
		"POST " + p + "/instances/{instance}/databases":        s.insertDatabase,
		"GET " + p + "/instances/{instance}/databases/{db}":    s.getDatabase,
		"DELETE " + p + "/instances/{instance}/databases/{db}": s.deleteDatabase,
	}
	api := gcpapi.API{Name: "Cloud SQL", Routes: routes, Check: s.checkProject}
	return s.cfg.Auth.Require(api.Handler(), Scopes...)
}

// checkProject refuses every project but the configured one, as Cloud SQL
// refuses a project the caller has no access to.
func (s *Service) checkProject(r *http.Request) error {
	if r.PathValue("project") != s.cfg.Project {
		return gcpapi.Errorf(http.StatusForbidden, "notAuthorized", "The client is not authorized to make this request.")
	}
	return nil
}

// Close stops the transitions in flight, closes the gates and saves the
// state. Engines are the caller's to stop.
func (s *Service) Close() {
	s.machine.Close()
	if err := s.gates.CloseAll(); err != nil {
		s.cfg.Logf("cloudsql: cannot close the gates: %v", err)
	}
	s.save()
}

// Wait blocks until no operation is running on instance name or ctx ends.
func (s *Service) Wait(ctx context.Context, name string) error {
	return s.machine.Wait(ctx, key(name))
}

// key is an instance's key in the lifecycle machine and the supervisor.
func key(name string) string { return "cloudsql/" + name }

func (s *Service) instanceDir(name string) string {
	return filepath.Join(s.cfg.DataDir, "instances", name)
}

func (s *Service) certFile(name string) string {
	return filepath.Join(s.cfg.DataDir, "certs", name+".crt")
}

func (s *Service) keyFile(name string) string {
	return filepath.Join(s.cfg.DataDir, "certs", name+".key")
}

func (s *Service) state(name string) string {
	st, _ := s.machine.State(key(name))
	return st
}

// selfLink is the URL Google names a resource by. It names Google's host,
// as Cloud SQL's links do, not the local cloud's.
func (s *Service) selfLink(path string) string {
	return "https://sqladmin.googleapis.com/v1/projects/" + s.cfg.Project + "/" + path
}

// sslCert describes a PEM certificate as Cloud SQL's SslCert.
func sslCert(certPEM []byte) (*sqladmin.SslCert, error) {
	c, err := gcpapi.DescribeCertificate(certPEM)
	if err != nil {
		return nil, err
	}
	return &sqladmin.SslCert{
		Kind:             "sql#sslCert",
		Cert:             c.PEM,
		CertSerialNumber: c.SerialNumber,
		CommonName:       c.CommonName,
		CreateTime:       c.CreateTime,
		ExpirationTime:   c.ExpireTime,
		Sha1Fingerprint:  c.SHA1Fingerprint,
	}, nil
}
