package elasticache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// fakeEngines stands in for the supervisor so these tests exercise the API
// and its state machine quickly; localcloud_test.go runs real Redis.
type fakeEngines struct {
	mu       sync.Mutex
	unusable map[string]error
	startErr error
	running  map[string]int
	nodes    map[string]engines.RedisNode
	nextPort int
}

func newFakeEngines() *fakeEngines {
	return &fakeEngines{
		unusable: map[string]error{"valkey": errors.New("install the Debian package redis-server")},
		running:  map[string]int{},
		nodes:    map[string]engines.RedisNode{},
		nextPort: 40000,
	}
}

func (f *fakeEngines) Check(engine string) (string, error) {
	if err := f.unusable[engine]; err != nil {
		return "", err
	}
	return "7.0.15", nil
}

func (f *fakeEngines) ConfigureRedis(_ context.Context, id, _, _ string, n engines.RedisNode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes[id] = n
	return nil
}

func (f *fakeEngines) Start(ctx context.Context, id, _ string, s engines.Spec) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return 0, f.startErr
	}
	if port, ok := f.running[id]; ok {
		return port, nil
	}
	port := s.Port
	if port == 0 {
		f.nextPort++
		port = f.nextPort
	}
	f.running[id] = port
	return port, ctx.Err()
}

func (f *fakeEngines) RedisSynced(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.running[id]; !ok {
		return fmt.Errorf("%s is not running", id)
	}
	return nil
}

func (f *fakeEngines) Stop(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.running, id)
	return nil
}

func (f *fakeEngines) Dump(_ context.Context, id, _ string, w io.Writer) error {
	_, err := fmt.Fprintf(w, "REDIS0010 dump of %s", id)
	return err
}

// runningNodes returns the member clusters that run, by cluster id.
func (f *fakeEngines) runningNodes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id := range f.running {
		ids = append(ids, strings.TrimPrefix(id, "elasticache/cluster/"))
	}
	sort.Strings(ids)
	return ids
}

// hashes returns the default user's password hashes a node was last given.
func (f *fakeEngines) hashes(clusterID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nodes[nodeKey(clusterID)].Auth.Hashes
}

// primaryOf returns the port of the primary a node was last told to
// replicate, 0 for a primary.
func (f *fakeEngines) primaryOf(clusterID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nodes[nodeKey(clusterID)].Primary
}

// fakeNetwork stands in for the local cloud's EC2: vpc-1 has subnets in
// us-east-1a and us-east-1b, vpc-2 in us-east-1a; sg-1, sg-2 and the
// default sg-d1 are in vpc-1, sg-9 and the default sg-d2 in vpc-2. sg-1
// admits 192.0.2.0/24, the other groups nothing.
type fakeNetwork struct {
	subnets map[string]fakeSubnet
	groups  map[string]string
	*localcloudtest.Addresses
}

type fakeSubnet struct{ vpc, zone, cidr string }

func newFakeNetwork() *fakeNetwork {
	f := &fakeNetwork{
		subnets: map[string]fakeSubnet{
			"subnet-a":  {"vpc-1", "us-east-1a", "10.1.1.0/24"},
			"subnet-b":  {"vpc-1", "us-east-1b", "10.1.2.0/24"},
			"subnet-2a": {"vpc-2", "us-east-1a", "10.2.1.0/24"},
		},
		groups: map[string]string{"sg-1": "vpc-1", "sg-2": "vpc-1", "sg-d1": "vpc-1", "sg-9": "vpc-2", "sg-d2": "vpc-2"},
	}
	f.Addresses = &localcloudtest.Addresses{CIDR: func(id string) string { return f.subnets[id].cidr }}
	return f
}

func (f *fakeNetwork) DefaultSecurityGroup(vpc string) (string, bool) {
	id := map[string]string{"vpc-1": "sg-d1", "vpc-2": "sg-d2"}[vpc]
	return id, id != ""
}

func (f *fakeNetwork) Admits(groups []string, src netip.Addr, _ int) bool {
	return slices.Contains(groups, "sg-1") && netip.MustParsePrefix("192.0.2.0/24").Contains(src)
}

// withGates has the service open its gates in g.
func withGates(g *localcloudtest.Gates) func(*Config) {
	return func(c *Config) { c.OpenGate = g.Open }
}

func (f *fakeNetwork) Subnet(id string) (vpc, zone, cidr string, ok bool) {
	sn, ok := f.subnets[id]
	return sn.vpc, sn.zone, sn.cidr, ok
}

func (f *fakeNetwork) SecurityGroupVPC(id string) (string, bool) {
	vpc, ok := f.groups[id]
	return vpc, ok
}

// withNetwork gives the service a network.
func withNetwork(n Network) func(*Config) {
	return func(c *Config) { c.Network = n }
}

// newTestService serves a Service on httptest and returns an SDK client
// for it. Signatures are not checked here; localcloud_test.go does that.
func newTestService(t *testing.T, dir string, delay time.Duration, eng Engines, opts ...func(*Config)) (*Service, *awsec.Client) {
	t.Helper()
	ca, err := engines.LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: dir, Region: "us-east-1", Account: "000000000000", Delay: delay, Engines: eng, CA: ca, OpenGate: (&localcloudtest.Gates{}).Open, Logf: t.Logf}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&awsquery.Endpoint{
		Authenticate: func(*http.Request, []byte) (string, error) { return SigningName, nil },
		Services:     map[string]awsquery.Service{SigningName: s.API()},
		Logf:         t.Logf,
	})
	t.Cleanup(func() { srv.Close(); s.Close() })
	return s, newClient(srv.URL)
}

func newClient(url string) *awsec.Client {
	return awsec.New(awsec.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	})
}

const (
	oldToken  = "Old-token-0123456789"
	newToken  = "New-token-0123456789"
	nodeMicro = "cache.t4g.micro"
)

func createInput(id string, nodes int32) *awsec.CreateReplicationGroupInput {
	return &awsec.CreateReplicationGroupInput{
		ReplicationGroupId:          aws.String(id),
		ReplicationGroupDescription: aws.String("test group"),
		Engine:                      aws.String("redis"),
		CacheNodeType:               aws.String(nodeMicro),
		NumCacheClusters:            aws.Int32(nodes),
	}
}

func describe(t *testing.T, c *awsec.Client, id string) types.ReplicationGroup {
	t.Helper()
	out, err := c.DescribeReplicationGroups(context.Background(), &awsec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeReplicationGroups(%s): %v", id, err)
	}
	if len(out.ReplicationGroups) != 1 {
		t.Fatalf("DescribeReplicationGroups(%s) returned %d groups", id, len(out.ReplicationGroups))
	}
	return out.ReplicationGroups[0]
}

// observe polls a group's status until it reaches until (or, with until
// "", until it is gone) and returns the distinct statuses seen.
func observe(t *testing.T, c *awsec.Client, id, until string) []string {
	t.Helper()
	var seen []string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out, err := c.DescribeReplicationGroups(context.Background(), &awsec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
		var nf *types.ReplicationGroupNotFoundFault
		if errors.As(err, &nf) && until == "" {
			return seen
		}
		if err != nil {
			t.Fatalf("DescribeReplicationGroups(%s): %v", id, err)
		}
		st := aws.ToString(out.ReplicationGroups[0].Status)
		if len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		if st == until {
			return seen
		}
	}
	t.Fatalf("%s did not reach %q; seen %v", id, until, seen)
	return nil
}

// view is the part of a ReplicationGroup the tests compare, in comparable form.
type view struct {
	ID, Description, Status, NodeType, Engine   string
	Members                                     string
	Primary, Reader                             string
	Roles                                       string
	AutomaticFailover, MultiAZ                  string
	AuthTokenEnabled, TransitEncryption, AtRest bool
	KmsKeyID                                    string
	SnapshotRetentionLimit                      int32
	SnapshotWindow                              string
	Pending                                     string
	ARN                                         string
}

func viewOf(g types.ReplicationGroup) view {
	v := view{
		ID:                     aws.ToString(g.ReplicationGroupId),
		Description:            aws.ToString(g.Description),
		Status:                 aws.ToString(g.Status),
		NodeType:               aws.ToString(g.CacheNodeType),
		Engine:                 aws.ToString(g.Engine),
		Members:                strings.Join(g.MemberClusters, ","),
		AutomaticFailover:      string(g.AutomaticFailover),
		MultiAZ:                string(g.MultiAZ),
		AuthTokenEnabled:       aws.ToBool(g.AuthTokenEnabled),
		TransitEncryption:      aws.ToBool(g.TransitEncryptionEnabled),
		AtRest:                 aws.ToBool(g.AtRestEncryptionEnabled),
		KmsKeyID:               aws.ToString(g.KmsKeyId),
		SnapshotRetentionLimit: aws.ToInt32(g.SnapshotRetentionLimit),
		SnapshotWindow:         aws.ToString(g.SnapshotWindow),
		ARN:                    aws.ToString(g.ARN),
	}
	if len(g.NodeGroups) == 1 {
		ng := g.NodeGroups[0]
		v.Primary, v.Reader = endpointString(ng.PrimaryEndpoint), endpointString(ng.ReaderEndpoint)
		var roles []string
		for _, m := range ng.NodeGroupMembers {
			roles = append(roles, aws.ToString(m.CacheClusterId)+"="+aws.ToString(m.CurrentRole))
		}
		v.Roles = strings.Join(roles, ",")
	}
	if p := g.PendingModifiedValues; p != nil {
		var parts []string
		if p.AuthTokenStatus != "" {
			parts = append(parts, "auth="+string(p.AuthTokenStatus))
		}
		if p.AutomaticFailoverStatus != "" {
			parts = append(parts, "failover="+string(p.AutomaticFailoverStatus))
		}
		v.Pending = strings.Join(parts, ",")
	}
	return v
}

func endpointString(e *types.Endpoint) string {
	if e == nil {
		return ""
	}
	return fmt.Sprintf("%s:%d", aws.ToString(e.Address), aws.ToInt32(e.Port))
}

func tagString(tags []types.Tag) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// apiError returns the error code and HTTP status the SDK saw.
func apiError(err error) (code string, status int) {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status
}
