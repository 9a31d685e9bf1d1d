// Package memorystore is the local cloud's Memorystore for Redis: a
// subset of the Redis API v1 (instances create, get, list, patch,
// delete, getAuthString and failover; operations get and list) at the
// paths google.golang.org/api/redis/v1 calls, with a real redis-server
// per node behind every instance: one for BASIC, a primary and its
// replicas for STANDARD_HA. Instances move through Memorystore's states
// (CREATING, READY, UPDATING, MAINTENANCE, FAILING_OVER, DELETING) while
// google.longrunning operations report what was asked.
//
// An instance's host is its own loopback address in the project's
// network (127.10.x.x), on port 6379, or 6378 with transit encryption
// (SERVER_AUTHENTICATION: TLS with a certificate the local cloud's CA
// signs, which serverCaCerts lists), as on Memorystore; a STANDARD_HA
// instance with read replicas has a read endpoint of its own. A gate on
// each forwards to the node behind it, so a failover moves the primary
// endpoint to the promoted node without changing the address.
package memorystore

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	redis "google.golang.org/api/redis/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gate"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// Engines runs the Redis processes; *engines.Supervisor satisfies it.
type Engines interface {
	Check(engine string) (version string, err error)
	ConfigureRedis(ctx context.Context, id, engine, dir string, n engines.RedisNode) error
	Start(ctx context.Context, id, engine string, spec engines.Spec) (port int, err error)
	RedisSynced(ctx context.Context, id string) error
	Stop(id string) error
}

// Config configures the service.
type Config struct {
	// DataDir holds the saved state, the certificates, the auth strings
	// (mode 0600) and the nodes' data.
	DataDir string
	// Project is the one project served; Region its one location.
	Project, Region string
	// Delay is how long each intermediate state lasts at least.
	Delay   time.Duration
	Engines Engines
	// CA signs the certificates of instances with transit encryption.
	CA *engines.CA
	// Network hands out the instances' addresses in the project's network.
	Network *gcpapi.Addresses
	Auth    *gcpapi.Auth
	// OpenGate opens the gates in front of the nodes; nil means real ones.
	OpenGate gate.Opener
	Logf     func(format string, args ...any)
}

// Service is the Memorystore for Redis API.
type Service struct {
	cfg     Config
	machine *lifecycle.Machine
	gates   *gate.Set
	caCert  *redis.TlsCertificate

	mu         sync.Mutex
	instances  map[string]*instance
	operations *gcpapi.Operations[*operation]

	store *statefile.Store
}

// New loads the saved state and brings the instances back.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.CA == nil || cfg.Auth == nil || cfg.Network == nil {
		return nil, fmt.Errorf("memorystore needs the local cloud's CA, auth and network")
	}
	ca, err := tlsCertificate(cfg.CA.PEM())
	if err != nil {
		return nil, fmt.Errorf("cannot read the local cloud's CA: %w", err)
	}
	s := &Service{cfg: cfg, gates: gate.NewSet(cfg.OpenGate), caCert: ca, instances: map[string]*instance{}, operations: gcpapi.NewOperations[*operation]()}
	s.store = statefile.New(cfg.DataDir, "Memorystore", &s.mu)
	s.machine = lifecycle.New(s.changed)
	if err := s.load(); err != nil {
		return nil, err
	}
	s.restore(ctx)
	return s, nil
}

// Handler serves the API under /v1/projects/{project}/locations/; every
// call needs a token with the cloud-platform scope.
func (s *Service) Handler() http.Handler {
	const l = "/v1/projects/{project}/locations/{location}"
	routes := map[string]gcpapi.Route{
		"POST " + l + "/instances":                      s.createInstance,
		"GET " + l + "/instances":                       s.listInstances,
		"GET " + l + "/instances/{instance}":            s.getInstance,
		"PATCH " + l + "/instances/{instance}":          s.patchInstance,
		"DELETE " + l + "/instances/{instance}":         s.deleteInstance,
		"POST " + l + "/instances/{instance}":           s.instanceAction,
		"GET " + l + "/instances/{instance}/authString": s.getAuthString,
		"GET " + l + "/operations/{operation}":          s.getOperation,
		"GET " + l + "/operations":                      s.listOperations,
	}
	api := gcpapi.API{Name: "Memorystore", Routes: routes, Check: s.checkScope, NewerFrontEnd: true}
	return s.cfg.Auth.Require(api.Handler(), gcpapi.CloudPlatformScope)
}

// checkScope refuses a project or location the local cloud does not serve,
// as IAM refuses a resource the caller cannot see.
func (s *Service) checkScope(r *http.Request) error {
	project, location := r.PathValue("project"), r.PathValue("location")
	if project != s.cfg.Project {
		perm := "redis.instances." + verbOf(r)
		resource := "//redis.googleapis.com/" + strings.TrimPrefix(r.URL.Path, "/v1/")
		return gcpapi.Errorf(http.StatusForbidden, "", "Permission '%s' denied on resource '%s' (or it may not exist).", perm, resource).WithDetail(map[string]any{
			"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED", "domain": "iam.googleapis.com",
			"metadata": map[string]string{"permission": perm},
		})
	}
	if location != s.cfg.Region && location != "-" {
		return gcpapi.Errorf(http.StatusBadRequest, "", "Location %s is not one the local cloud serves: it serves %s only.", location, s.cfg.Region)
	}
	return nil
}

func verbOf(r *http.Request) string {
	switch r.Method {
	case http.MethodPost:
		return "create"
	case http.MethodPatch:
		return "update"
	case http.MethodDelete:
		return "delete"
	}
	if r.PathValue("instance") == "" {
		return "list"
	}
	return "get"
}

// Close stops the transitions in flight, closes the gates and saves.
func (s *Service) Close() {
	s.machine.Close()
	if err := s.gates.CloseAll(); err != nil {
		s.cfg.Logf("memorystore: cannot close the gates: %v", err)
	}
	s.save()
}

// Wait blocks until no operation runs on instance id or ctx ends.
func (s *Service) Wait(ctx context.Context, id string) error {
	return s.machine.Wait(ctx, key(id))
}

func key(id string) string { return "memorystore/" + id }

func nodeKey(id, node string) string { return "memorystore/" + id + "/" + node }

func (s *Service) instanceDir(id string) string { return filepath.Join(s.cfg.DataDir, "instances", id) }

func (s *Service) nodeDir(id, node string) string { return filepath.Join(s.instanceDir(id), node) }

func (s *Service) certFile(id string) string { return filepath.Join(s.instanceDir(id), "server.crt") }

func (s *Service) keyFile(id string) string { return filepath.Join(s.instanceDir(id), "server.key") }

func (s *Service) state(id string) string {
	st, _ := s.machine.State(key(id))
	return st
}

func (s *Service) parent() string {
	return "projects/" + s.cfg.Project + "/locations/" + s.cfg.Region
}

func (s *Service) instanceName(id string) string { return s.parent() + "/instances/" + id }

// tlsCertificate describes a PEM certificate as Memorystore's TlsCertificate.
func tlsCertificate(certPEM []byte) (*redis.TlsCertificate, error) {
	c, err := gcpapi.DescribeCertificate(certPEM)
	if err != nil {
		return nil, err
	}
	return &redis.TlsCertificate{
		Cert:            c.PEM,
		SerialNumber:    c.SerialNumber,
		CreateTime:      c.CreateTime,
		ExpireTime:      c.ExpireTime,
		Sha1Fingerprint: c.SHA1Fingerprint,
	}, nil
}
