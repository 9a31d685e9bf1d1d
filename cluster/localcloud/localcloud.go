// Package localcloud is the project's own local cloud: one HTTP endpoint
// that answers AWS APIs (RDS and ElastiCache with real engines behind
// them, and EC2's VPC, subnets and security groups), checks SigV4
// signatures like AWS, and Google Cloud REST APIs (Cloud SQL and
// Memorystore for Redis, real engines behind them too) with OAuth2 access
// tokens issued for service account keys, and keeps its state in a data
// directory across restarts. cmd/localcloud serves it; tests embed it with
// httptest. Its CA, which signs the engines' TLS certificates, is
// <data dir>/ca.crt and is served at GET /localcloud/ca.crt.
//
// AWS requests come to "/"; Google's by path: /v1/projects/... is Cloud
// SQL (sqladmin.googleapis.com/v1/...), /v1/projects/P/locations/... is
// Memorystore (redis.googleapis.com/v1/...), and each is also served
// under /sqladmin/ and /redis/ for clients that keep one endpoint per
// API; POST /localcloud/gcp/token issues access tokens.
//
// Every address is a loopback address. An instance or a cache in a
// subnet group is reached at its own address in the VPC (127.0.0.0/16),
// through a gate that admits only what its security groups allow. The
// host and everything outside the local cloud connect from 127.0.0.1,
// the source Linux gives a connection to any 127.x address unless the
// client binds another. One outside a subnet group is reached at
// 127.0.0.1 by anyone.
package localcloud

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/clock"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/cloudsql"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/ec2"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/elasticache"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/memorystore"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/rds"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/sigv4"
)

// Config configures a local cloud.
type Config struct {
	// DataDir holds every service's state and data.
	DataDir string
	// Credentials maps access key id to secret access key.
	Credentials map[string]string
	Account     string
	Region      string
	// Delay is how long each intermediate status lasts at least.
	Delay time.Duration
	// ResetDelay is how long an RDS master password reset takes, if longer
	// than Delay; OptimizationDelay how long storage-optimization lasts.
	ResetDelay, OptimizationDelay time.Duration
	// ClockSpeed runs the cloud's own schedule (maintenance windows) that
	// many times faster than real time; 0 means real time. 10080 makes a
	// week pass in a minute.
	ClockSpeed float64
	// Drivers run the engines; nil means engines.Default().
	Drivers []engines.Driver
	Logf    func(format string, args ...any)

	// GCPProject is the one Google Cloud project the local cloud serves
	// ("local-project" if empty); GCPRegion its one region ("us-central1").
	GCPProject, GCPRegion string
	// GCPServiceAccounts are the service accounts, by email, whose keys
	// the token endpoint accepts (see gcpapi.NewServiceAccountKey).
	GCPServiceAccounts map[string]*rsa.PublicKey
}

// The loopback ranges of the local cloud's Google Cloud: the project's
// VPC network ("default", where PRIVATE addresses and Memorystore hosts
// are) and Cloud SQL's PRIMARY (public) addresses. The AWS side has
// 127.0.0.0/16.
const (
	GCPPrivateRange = "127.10.0.0/16"
	GCPPublicRange  = "127.11.0.0/16"
)

// Cloud is a running local cloud.
type Cloud struct {
	handler    http.Handler
	supervisor *engines.Supervisor
	rds        *rds.Service
	ec         *elasticache.Service
	ec2        *ec2.Service
	cloudSQL   *cloudsql.Service
	redis      *memorystore.Service
	gcpAuth    *gcpapi.Auth
	clock      *clock.Clock
	stopTicks  func()
}

// New loads the state in cfg.DataDir, restarts the engines of available
// instances, and returns a cloud ready to serve.
func New(ctx context.Context, cfg Config) (*Cloud, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("a data dir is required")
	}
	if len(cfg.Credentials) == 0 {
		return nil, fmt.Errorf("at least one access key is required")
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.GCPProject == "" {
		cfg.GCPProject = "local-project"
	}
	if cfg.GCPRegion == "" {
		cfg.GCPRegion = "us-central1"
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.Drivers == nil {
		cfg.Drivers = engines.Default()
	}
	// Before anything starts: an engine that cannot enter its data
	// directory would otherwise fail each instance later, with the cause
	// only in this log.
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chmod(cfg.DataDir, 0o755); err != nil { // whatever the umask
		return nil, err
	}
	if err := engines.CheckReach(cfg.DataDir, cfg.Drivers...); err != nil {
		return nil, err
	}
	ca, err := engines.LoadCA(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	// EC2 first: it starts nothing, so a failure needs no clean-up. A
	// security group is in use while an instance or a cache lists it, and
	// a rule naming a group admits the endpoints of the instances and
	// caches that list it; the services that can say so are made next.
	// Instances and caches in subnet groups get their addresses from EC2,
	// and their gates ask it what their groups admit (see package gate).
	var r *rds.Service
	var ec *elasticache.Service
	var members endpointMembers
	network, err := ec2.New(ec2.Config{
		DataDir: filepath.Join(cfg.DataDir, "ec2"),
		Region:  cfg.Region,
		Account: cfg.Account,
		InUse: func(group string) (string, bool) {
			if user, used := r.SecurityGroupUser(group); used {
				return user, true
			}
			return ec.SecurityGroupUser(group)
		},
		Members: members.at,
		Logf:    cfg.Logf,
	})
	if err != nil {
		return nil, err
	}
	sup := engines.NewSupervisor(cfg.Drivers...)
	r, err = rds.New(ctx, rds.Config{
		DataDir:           filepath.Join(cfg.DataDir, "rds"),
		Region:            cfg.Region,
		Account:           cfg.Account,
		Delay:             cfg.Delay,
		ResetDelay:        cfg.ResetDelay,
		OptimizationDelay: cfg.OptimizationDelay,
		Engines:           sup,
		Network:           network,
		Logf:              cfg.Logf,
	})
	if err != nil {
		_ = sup.StopAll()
		return nil, err
	}
	members.rds.Store(r)
	ec, err = elasticache.New(ctx, elasticache.Config{
		DataDir: filepath.Join(cfg.DataDir, "elasticache"),
		Region:  cfg.Region,
		Account: cfg.Account,
		Delay:   cfg.Delay,
		Engines: sup,
		Network: network,
		CA:      ca,
		Logf:    cfg.Logf,
	})
	if err != nil {
		r.Close()
		_ = sup.StopAll()
		return nil, err
	}
	members.ec.Store(ec)
	auth, err := gcpapi.NewAuth(filepath.Join(cfg.DataDir, "gcp"), cfg.GCPServiceAccounts)
	if err != nil {
		r.Close()
		ec.Close()
		_ = sup.StopAll()
		return nil, err
	}
	private, public := gcpapi.NewAddresses(GCPPrivateRange), gcpapi.NewAddresses(GCPPublicRange)
	sql, err := cloudsql.New(ctx, cloudsql.Config{
		DataDir: filepath.Join(cfg.DataDir, "cloudsql"),
		Project: cfg.GCPProject,
		Region:  cfg.GCPRegion,
		Delay:   cfg.Delay,
		Engines: sup,
		CA:      ca,
		Public:  public,
		Private: private,
		Auth:    auth,
		Logf:    cfg.Logf,
	})
	if err != nil {
		r.Close()
		ec.Close()
		_ = sup.StopAll()
		return nil, err
	}
	ms, err := memorystore.New(ctx, memorystore.Config{
		DataDir: filepath.Join(cfg.DataDir, "memorystore"),
		Project: cfg.GCPProject,
		Region:  cfg.GCPRegion,
		Delay:   cfg.Delay,
		Engines: sup,
		CA:      ca,
		Network: private,
		Auth:    auth,
		Logf:    cfg.Logf,
	})
	if err != nil {
		r.Close()
		ec.Close()
		sql.Close()
		_ = sup.StopAll()
		return nil, err
	}
	verifier := &sigv4.Verifier{Secrets: cfg.Credentials}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /localcloud/ca.crt", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(ca.PEM())
	})
	events := map[string]eventer{"rds": r, "elasticache": ec, "cloudsql": sql, "memorystore": ms}
	mux.HandleFunc("POST /localcloud/admin/{service}/{id}/{event}", func(w http.ResponseWriter, req *http.Request) {
		admin(w, req, events)
	})
	mux.HandleFunc("POST "+gcpapi.TokenPath, auth.ServeToken)
	sqlAPI := sql.Handler()
	mux.Handle("/v1/", sqlAPI)
	mux.Handle("/sqladmin/", http.StripPrefix("/sqladmin", sqlAPI))
	redisAPI := ms.Handler()
	mux.Handle("/v1/projects/{project}/locations/", redisAPI)
	mux.Handle("/redis/", http.StripPrefix("/redis", redisAPI))
	mux.Handle("/", &awsquery.Endpoint{
		Authenticate: func(req *http.Request, body []byte) (string, error) {
			id, err := verifier.Verify(req, body)
			return id.Service, err
		},
		Services: map[string]awsquery.Service{rds.SigningName: r.API(), elasticache.SigningName: ec.API(), ec2.SigningName: network.API()},
		Logf:     cfg.Logf,
	})
	clk := clock.New(cfg.ClockSpeed)
	tickCtx, stopTicks := context.WithCancel(context.Background())
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		clk.Run(tickCtx, tickEvery, func(from, to time.Time) {
			r.Tick(from, to)
			ec.Tick(from, to)
			sql.Tick(from, to)
			ms.Tick(from, to)
		})
	}()
	return &Cloud{supervisor: sup, rds: r, ec: ec, ec2: network, cloudSQL: sql, redis: ms, gcpAuth: auth, handler: mux, clock: clk, stopTicks: func() { stopTicks(); <-ticked }}, nil
}

// endpointMembers tells EC2 which security groups the endpoint at an
// address is in. Gates ask it from their own goroutines, and RDS opens
// gates while it restores its instances, before New has both services:
// until each is stored, its endpoints are members of nothing, so a rule
// naming their groups admits them a moment later.
type endpointMembers struct {
	rds atomic.Pointer[rds.Service]
	ec  atomic.Pointer[elasticache.Service]
}

func (m *endpointMembers) at(addr netip.Addr) []string {
	if r := m.rds.Load(); r != nil {
		if groups, ok := r.SecurityGroupsAt(addr); ok {
			return groups
		}
	}
	if ec := m.ec.Load(); ec != nil {
		groups, _ := ec.SecurityGroupsAt(addr)
		return groups
	}
	return nil
}

// tickEvery is how often, in real time, the cloud looks at its schedule.
const tickEvery = 250 * time.Millisecond

// eventer is a service whose day-two events can be triggered.
type eventer interface {
	Event(ctx context.Context, id, event string) error
	Tick(from, to time.Time)
}

// admin triggers what the cloud does on its own (a maintenance window, a
// failover, storage running low...) for tests and demos:
// POST /localcloud/admin/{rds|elasticache|cloudsql|memorystore}/{id}/{event}
// (the id of a Google Cloud resource is its instance id). It answers 204,
// or the service's error code and message with its HTTP status. Like the
// rest of the local cloud it listens on loopback only; it takes no
// credentials, as the cloud's own schedule needs none.
func admin(w http.ResponseWriter, req *http.Request, events map[string]eventer) {
	svc, ok := events[req.PathValue("service")]
	if !ok {
		names := make([]string, 0, len(events))
		for name := range events {
			names = append(names, name)
		}
		slices.Sort(names)
		http.Error(w, fmt.Sprintf("unknown service %q: %s", req.PathValue("service"), strings.Join(names, ", ")), http.StatusNotFound)
		return
	}
	err := svc.Event(req.Context(), req.PathValue("id"), req.PathValue("event"))
	var e *awsquery.Error
	var ge *gcpapi.Error
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.As(err, &e):
		http.Error(w, e.Error(), e.Status)
	case errors.As(err, &ge):
		http.Error(w, ge.Error(), ge.Code)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// ServeHTTP serves every API on one endpoint.
func (c *Cloud) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// RDS returns the RDS service, for tools and tests that wait on it.
func (c *Cloud) RDS() *rds.Service { return c.rds }

// ElastiCache returns the ElastiCache service, for tools and tests that wait on it.
func (c *Cloud) ElastiCache() *elasticache.Service { return c.ec }

// CloudSQL returns the Cloud SQL service, for tools and tests that wait on it.
func (c *Cloud) CloudSQL() *cloudsql.Service { return c.cloudSQL }

// Memorystore returns the Memorystore service, for tools and tests that wait on it.
func (c *Cloud) Memorystore() *memorystore.Service { return c.redis }

// TrustGCPServiceAccount makes the token endpoint accept a service
// account's key from now on, as GCPServiceAccounts does at start.
func (c *Cloud) TrustGCPServiceAccount(email string, pub *rsa.PublicKey) { c.gcpAuth.Trust(email, pub) }

// EC2 returns the EC2 service: the network and its security groups.
func (c *Cloud) EC2() *ec2.Service { return c.ec2 }

// Now is the cloud's simulated time, by which maintenance windows come.
func (c *Cloud) Now() time.Time { return c.clock.Now() }

// Close stops transitions in flight, saves the state and stops every
// engine this cloud started, by PID.
func (c *Cloud) Close() error {
	c.stopTicks()
	c.rds.Close()
	c.ec.Close()
	c.cloudSQL.Close()
	c.redis.Close()
	return c.supervisor.StopAll()
}
