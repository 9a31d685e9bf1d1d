// Package rds is the local cloud's Amazon RDS: the DB instance and DB
// snapshot actions of the RDS Query API, answered the way aws-sdk-go-v2's
// RDS client expects (wire names, error codes, statuses), with a real
// database engine behind every instance. Instances move through RDS's
// statuses asynchronously (creating, backing-up, available; modifying;
// deleting), so controllers are tested against the behaviour that makes
// real RDS hard, not against an emulator that is instantly available.
package rds

import (
	"context"
	"fmt"
	"io"
	"log"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gate"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// Namespace is the XML namespace of RDS API version 2014-10-31.
const Namespace = "http://rds.amazonaws.com/doc/2014-10-31/"

// SigningName is the SigV4 service name the SDK signs RDS requests with.
const SigningName = "rds"

// Engines runs the database processes; *engines.Supervisor satisfies it.
type Engines interface {
	Check(engine string) (version string, err error)
	Start(ctx context.Context, id, engine string, spec engines.Spec) (port int, err error)
	Stop(id string) error
	SetPassword(ctx context.Context, id, user, password string) error
	Dump(ctx context.Context, id, db string, w io.Writer) error
}

// Config configures the service.
type Config struct {
	// DataDir holds the saved state, the instances' data and the snapshots.
	DataDir string
	Region  string
	Account string
	// Delay is how long each intermediate status lasts at least.
	Delay time.Duration
	// ResetDelay is how long a master password reset takes, if longer
	// than Delay (on RDS it takes minutes): the old password works and
	// the new one is refused until it ends.
	ResetDelay time.Duration
	// OptimizationDelay is how long storage-optimization lasts after a
	// storage change (hours on RDS); 0 means Delay.
	OptimizationDelay time.Duration
	Engines           Engines
	// Network places subnet groups and checks security groups. Without
	// one, no subnet group can be created and security groups are not
	// checked.
	Network Network
	// OpenGate opens the gates in front of instances in subnet groups;
	// nil means real ones (gate.Open).
	OpenGate gate.Opener
	Logf     func(format string, args ...any)
}

// Service is the RDS API.
type Service struct {
	cfg     Config
	machine *lifecycle.Machine
	gates   *gate.Set

	mu           sync.Mutex
	instances    map[string]*instance
	snapshots    map[string]*snapshot
	subnetGroups map[string]*subnetGroup

	store *statefile.Store
}

// New loads the saved state from cfg.DataDir and brings its instances back:
// engines of available instances are running when New returns, and
// transitions that a shutdown interrupted start again.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	s := &Service{cfg: cfg, gates: gate.NewSet(cfg.OpenGate), instances: map[string]*instance{}, snapshots: map[string]*snapshot{}, subnetGroups: map[string]*subnetGroup{}}
	s.store = statefile.New(cfg.DataDir, "RDS", &s.mu)
	s.machine = lifecycle.New(func(string, string) { s.save() })
	if err := s.load(); err != nil {
		return nil, err
	}
	s.restore(ctx)
	return s, nil
}

// API returns the actions this service answers.
func (s *Service) API() awsquery.Service {
	return awsquery.Service{Namespace: Namespace, Actions: map[string]awsquery.Handler{
		"CreateDBInstance":       s.createDBInstance,
		"DescribeDBInstances":    s.describeDBInstances,
		"ModifyDBInstance":       s.modifyDBInstance,
		"DeleteDBInstance":       s.deleteDBInstance,
		"StopDBInstance":         s.stopDBInstance,
		"StartDBInstance":        s.startDBInstance,
		"RebootDBInstance":       s.rebootDBInstance,
		"DescribeDBSnapshots":    s.describeDBSnapshots,
		"CreateDBSubnetGroup":    s.createDBSubnetGroup,
		"DescribeDBSubnetGroups": s.describeDBSubnetGroups,
		"ModifyDBSubnetGroup":    s.modifyDBSubnetGroup,
		"DeleteDBSubnetGroup":    s.deleteDBSubnetGroup,
		"AddTagsToResource":      s.addTagsToResource,
		"RemoveTagsFromResource": s.removeTagsFromResource,
		"ListTagsForResource":    s.listTagsForResource,
	}}
}

// Close stops the transitions in flight, closes the gates and saves the
// state. Engines are the caller's to stop, as they may be shared with
// other services.
func (s *Service) Close() {
	s.machine.Close()
	if err := s.gates.CloseAll(); err != nil {
		s.cfg.Logf("rds: cannot close the gates: %v", err)
	}
	s.save()
}

// Wait blocks until no transition is running for id or ctx ends; tests and
// tools use it instead of sleeping.
func (s *Service) Wait(ctx context.Context, id string) error {
	return s.machine.Wait(ctx, key(id))
}

func (s *Service) arn(kind, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", s.cfg.Region, s.cfg.Account, kind, id)
}

// parseARN returns the kind ("db", "snapshot", "subgrp") and id of an RDS
// ARN, and whether it belongs to this region and account; others name
// nothing here.
func (s *Service) parseARN(arn string) (kind, id string, local bool, err error) {
	f := strings.SplitN(arn, ":", 7)
	if len(f) != 7 || f[0] != "arn" || f[2] != "rds" {
		return "", "", false, awsquery.InvalidParameterValue("Invalid resource name: %s", arn)
	}
	return f[5], strings.ToLower(f[6]), f[3] == s.cfg.Region && f[4] == s.cfg.Account, nil
}

// key is the instance's key in the lifecycle machine and the supervisor.
func key(id string) string { return "rds/db/" + id }

func (s *Service) instanceDir(id string) string { return filepath.Join(s.cfg.DataDir, "instances", id) }

func (s *Service) status(id string) string {
	st, _ := s.machine.State(key(id))
	return st
}

func errInstanceNotFound(id string) error {
	return awsquery.Errorf(404, "DBInstanceNotFound", "DBInstance %s not found.", id)
}

func errSnapshotNotFound(id string) error {
	return awsquery.Errorf(404, "DBSnapshotNotFound", "DBSnapshot %s not found.", id)
}

func errInvalidState(format string, args ...any) error {
	return awsquery.Errorf(400, "InvalidDBInstanceState", format, args...)
}
