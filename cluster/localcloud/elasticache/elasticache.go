// Package elasticache is the local cloud's Amazon ElastiCache: the
// replication group, cache cluster, snapshot and tag actions of the
// ElastiCache Query API (cluster mode disabled), answered the way
// aws-sdk-go-v2's ElastiCache client expects, with real redis-server
// processes behind every group: a primary, and a real replica for each
// further node. Groups move through ElastiCache's statuses asynchronously
// (creating, modifying, snapshotting, deleting, then available or gone).
//
// Every node listens on 127.0.0.1 on a port of its own, so unlike on AWS
// the nodes of a group do not share one port: the reader endpoint is the
// first replica's address and port (the primary's while there is no
// replica), and clients must take the port from the endpoint they use.
// The primary endpoint follows the primary as ElastiCache's DNS name
// does: a failover restarts the old and the new primary on each other's
// ports, so the member clusters' own endpoints swap.
//
// What ElastiCache does on its own comes from Tick, which the local
// cloud's clock calls (values deferred to the maintenance window are
// applied when it opens), and from Event, the admin hook that makes a
// maintenance window or a failover happen now.
package elasticache

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

// Namespace is the XML namespace of ElastiCache API version 2015-02-02.
const Namespace = "http://elasticache.amazonaws.com/doc/2015-02-02/"

// SigningName is the SigV4 service name the SDK signs ElastiCache requests with.
const SigningName = "elasticache"

// Engines runs the cache nodes; *engines.Supervisor satisfies it.
type Engines interface {
	Check(engine string) (version string, err error)
	ConfigureRedis(ctx context.Context, id, engine, dir string, n engines.RedisNode) error
	Start(ctx context.Context, id, engine string, spec engines.Spec) (port int, err error)
	RedisSynced(ctx context.Context, id string) error
	Stop(id string) error
	Dump(ctx context.Context, id, db string, w io.Writer) error
}

// Config configures the service.
type Config struct {
	// DataDir holds the saved state, the nodes' data and the snapshots.
	DataDir string
	Region  string
	Account string
	// Delay is how long each intermediate status lasts at least.
	Delay   time.Duration
	Engines Engines
	// CA signs the certificate of groups with transit encryption.
	CA *engines.CA
	// Network places cache subnet groups and checks security groups.
	// Without one, no cache subnet group can be created and security
	// groups are not checked.
	Network Network
	// OpenGate opens the gates in front of groups in cache subnet groups;
	// nil means real ones (gate.Open).
	OpenGate gate.Opener
	Logf     func(format string, args ...any)
}

// Service is the ElastiCache API.
type Service struct {
	cfg     Config
	machine *lifecycle.Machine
	gates   *gate.Set

	mu           sync.Mutex
	groups       map[string]*group
	snapshots    map[string]*snapshot
	subnetGroups map[string]*subnetGroup

	store *statefile.Store
}

// New loads the saved state from cfg.DataDir and brings its groups back:
// the nodes of available groups are running when New returns, and
// transitions that a shutdown interrupted start again.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.CA == nil {
		return nil, fmt.Errorf("ElastiCache needs the local cloud's CA for transit encryption")
	}
	s := &Service{cfg: cfg, gates: gate.NewSet(cfg.OpenGate), groups: map[string]*group{}, snapshots: map[string]*snapshot{}, subnetGroups: map[string]*subnetGroup{}}
	s.store = statefile.New(cfg.DataDir, "ElastiCache", &s.mu)
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
		"CreateReplicationGroup":    s.createReplicationGroup,
		"DescribeReplicationGroups": s.describeReplicationGroups,
		"ModifyReplicationGroup":    s.modifyReplicationGroup,
		"IncreaseReplicaCount":      s.increaseReplicaCount,
		"DecreaseReplicaCount":      s.decreaseReplicaCount,
		"DeleteReplicationGroup":    s.deleteReplicationGroup,
		"DescribeCacheClusters":     s.describeCacheClusters,
		"TestFailover":              s.testFailover,
		"CreateSnapshot":            s.createSnapshot,
		"DescribeSnapshots":         s.describeSnapshots,
		"CreateCacheSubnetGroup":    s.createCacheSubnetGroup,
		"DescribeCacheSubnetGroups": s.describeCacheSubnetGroups,
		"ModifyCacheSubnetGroup":    s.modifyCacheSubnetGroup,
		"DeleteCacheSubnetGroup":    s.deleteCacheSubnetGroup,
		"AddTagsToResource":         s.addTagsToResource,
		"RemoveTagsFromResource":    s.removeTagsFromResource,
		"ListTagsForResource":       s.listTagsForResource,
	}}
}

// Close stops the transitions in flight, closes the gates and saves the
// state. Engines are the caller's to stop, as they are shared with other
// services.
func (s *Service) Close() {
	s.machine.Close()
	if err := s.gates.CloseAll(); err != nil {
		s.cfg.Logf("elasticache: cannot close the gates: %v", err)
	}
	s.save()
}

// Wait blocks until no transition is running for group id or ctx ends;
// tests and tools use it instead of sleeping.
func (s *Service) Wait(ctx context.Context, id string) error {
	return s.machine.Wait(ctx, key(strings.ToLower(id)))
}

// SnapshotFile returns where snapshot name's RDB file is (or will be).
func (s *Service) SnapshotFile(name string) string {
	return filepath.Join(s.cfg.DataDir, snapshotFile(name))
}

func snapshotFile(name string) string { return filepath.Join("snapshots", name+".rdb") }

func (s *Service) arn(kind, id string) string {
	return fmt.Sprintf("arn:aws:elasticache:%s:%s:%s:%s", s.cfg.Region, s.cfg.Account, kind, id)
}

// key is a group's key in the lifecycle machine.
func key(id string) string { return "elasticache/rg/" + id }

// nodeKey is a member cluster's id in the supervisor.
func nodeKey(clusterID string) string { return "elasticache/cluster/" + clusterID }

func (s *Service) groupDir(id string) string { return filepath.Join(s.cfg.DataDir, "groups", id) }

func (s *Service) nodeDir(groupID, clusterID string) string {
	return filepath.Join(s.groupDir(groupID), "nodes", clusterID)
}

func (s *Service) status(id string) string {
	st, _ := s.machine.State(key(id))
	return st
}

func errGroupNotFound(id string) error {
	return awsquery.Errorf(404, "ReplicationGroupNotFoundFault", "Replication group %s not found.", id)
}

func errClusterNotFound(id string) error {
	return awsquery.Errorf(404, "CacheClusterNotFound", "CacheCluster not found: %s", id)
}

func errSnapshotNotFound(name string) error {
	return awsquery.Errorf(404, "SnapshotNotFoundFault", "Snapshot %s not found.", name)
}

func errInvalidState(format string, args ...any) error {
	return awsquery.Errorf(400, "InvalidReplicationGroupState", format, args...)
}
