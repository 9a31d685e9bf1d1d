package rds

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
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// fakeEngines stands in for the supervisor so these tests exercise the API
// and its state machine quickly; the root package's tests run PostgreSQL.
type fakeEngines struct {
	mu        sync.Mutex
	unusable  map[string]error
	startErr  error
	running   map[string]int
	passwords map[string]string
	starts    int
	nextPort  int
}

func newFakeEngines() *fakeEngines {
	return &fakeEngines{
		unusable:  map[string]error{"mysql": errors.New("install the Debian package mariadb-server")},
		running:   map[string]int{},
		passwords: map[string]string{},
		nextPort:  40000,
	}
}

func (f *fakeEngines) Check(engine string) (string, error) {
	if err := f.unusable[engine]; err != nil {
		return "", err
	}
	return "15.18", nil
}

func (f *fakeEngines) Start(ctx context.Context, id, _ string, s engines.Spec) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return 0, f.startErr
	}
	f.starts++
	if _, ok := f.passwords[id]; !ok {
		f.passwords[id] = s.MasterPassword
	}
	port := s.Port
	if port == 0 {
		f.nextPort++
		port = f.nextPort
	}
	f.running[id] = port
	return port, ctx.Err()
}

func (f *fakeEngines) Stop(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.running, id)
	return nil
}

func (f *fakeEngines) SetPassword(_ context.Context, id, _, password string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.running[id]; !ok {
		return fmt.Errorf("%s is not running", id)
	}
	f.passwords[id] = password
	return nil
}

func (f *fakeEngines) Dump(_ context.Context, id, db string, w io.Writer) error {
	_, err := fmt.Fprintf(w, "dump of %s/%s", id, db)
	return err
}

func (f *fakeEngines) password(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.passwords[key(id)]
}

// fakeNetwork stands in for the local cloud's EC2: vpc-1 has subnets in
// us-east-1a (two), us-east-1b and us-east-1c, vpc-2 in us-east-1a and
// us-east-1b; sg-1, sg-2 and the default sg-d1 are in vpc-1, sg-9 and the
// default sg-d2 in vpc-2. sg-1 admits 192.0.2.0/24, the other groups
// nothing.
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
			"subnet-a2": {"vpc-1", "us-east-1a", "10.1.2.0/24"},
			"subnet-b":  {"vpc-1", "us-east-1b", "10.1.3.0/24"},
			"subnet-c":  {"vpc-1", "us-east-1c", "10.1.4.0/24"},
			"subnet-2a": {"vpc-2", "us-east-1a", "10.2.1.0/24"},
			"subnet-2b": {"vpc-2", "us-east-1b", "10.2.2.0/24"},
		},
		groups: map[string]string{"sg-1": "vpc-1", "sg-2": "vpc-1", "sg-d1": "vpc-1", "sg-9": "vpc-2", "sg-d2": "vpc-2"},
	}
	f.Addresses = &localcloudtest.Addresses{CIDR: func(id string) string { return f.subnets[id].cidr }}
	return f
}

func (f *fakeNetwork) Subnet(id string) (vpc, zone, cidr string, ok bool) {
	sn, ok := f.subnets[id]
	return sn.vpc, sn.zone, sn.cidr, ok
}

func (f *fakeNetwork) SecurityGroupVPC(id string) (string, bool) {
	vpc, ok := f.groups[id]
	return vpc, ok
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

// withNetwork gives the service a network.
func withNetwork(n Network) func(*Config) {
	return func(c *Config) { c.Network = n }
}

// newTestService serves a Service on httptest and returns an SDK client for
// it. Signatures are not checked here; the root package tests that.
func newTestService(t *testing.T, dir string, delay time.Duration, eng Engines, opts ...func(*Config)) (*Service, *awsrds.Client) {
	t.Helper()
	cfg := Config{DataDir: dir, Region: "us-east-1", Account: "000000000000", Delay: delay, Engines: eng, OpenGate: (&localcloudtest.Gates{}).Open, Logf: t.Logf}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, serve(t, s)
}

// serve serves s on httptest and returns an SDK client for it.
func serve(t *testing.T, s *Service) *awsrds.Client {
	t.Helper()
	srv := httptest.NewServer(&awsquery.Endpoint{
		Authenticate: func(*http.Request, []byte) (string, error) { return SigningName, nil },
		Services:     map[string]awsquery.Service{SigningName: s.API()},
		Logf:         t.Logf,
	})
	t.Cleanup(srv.Close)
	return newClient(srv.URL)
}

// The SDK's default retryer stays on: it retries net.ErrClosed, a known
// transient of Go's HTTP client under load (aws-sdk-go-v2#2737), and none
// of the API errors these tests expect.
func newClient(url string) *awsrds.Client {
	return awsrds.New(awsrds.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	})
}

func createInput(id string) *awsrds.CreateDBInstanceInput {
	return &awsrds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(id),
		DBInstanceClass:      aws.String("db.t3.micro"),
		Engine:               aws.String("postgres"),
		MasterUsername:       aws.String("master"),
		MasterUserPassword:   aws.String("first-pass-1"),
		AllocatedStorage:     aws.Int32(20),
		DBName:               aws.String("app"),
	}
}

func describe(t *testing.T, c *awsrds.Client, id string) types.DBInstance {
	t.Helper()
	out, err := c.DescribeDBInstances(context.Background(), &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeDBInstances(%s): %v", id, err)
	}
	if len(out.DBInstances) != 1 {
		t.Fatalf("DescribeDBInstances(%s) returned %d instances", id, len(out.DBInstances))
	}
	return out.DBInstances[0]
}

// observe polls an instance's status until it reaches until (or, with
// until "", until it is gone) and returns the distinct statuses seen.
func observe(t *testing.T, c *awsrds.Client, id, until string) []string {
	t.Helper()
	var seen []string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out, err := c.DescribeDBInstances(context.Background(), &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
		var nf *types.DBInstanceNotFoundFault
		if errors.As(err, &nf) && until == "" {
			return seen
		}
		if err != nil {
			t.Fatalf("DescribeDBInstances(%s): %v", id, err)
		}
		st := aws.ToString(out.DBInstances[0].DBInstanceStatus)
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

// view is the part of a DBInstance the tests compare, in comparable form.
type view struct {
	ID, Status, Class, Engine, EngineVersion, MasterUsername, DBName  string
	Endpoint                                                          string
	AllocatedStorage                                                  int32
	MaxAllocatedStorage                                               int32
	BackupRetentionPeriod                                             int32
	DeletionProtection, MultiAZ, PubliclyAccessible, StorageEncrypted bool
	PreferredBackupWindow, PreferredMaintenanceWindow                 string
	Pending                                                           string
	Tags                                                              string
	ARN                                                               string
}

func viewOf(in types.DBInstance) view {
	v := view{
		ID:                         aws.ToString(in.DBInstanceIdentifier),
		Status:                     aws.ToString(in.DBInstanceStatus),
		Class:                      aws.ToString(in.DBInstanceClass),
		Engine:                     aws.ToString(in.Engine),
		EngineVersion:              aws.ToString(in.EngineVersion),
		MasterUsername:             aws.ToString(in.MasterUsername),
		DBName:                     aws.ToString(in.DBName),
		AllocatedStorage:           aws.ToInt32(in.AllocatedStorage),
		MaxAllocatedStorage:        aws.ToInt32(in.MaxAllocatedStorage),
		BackupRetentionPeriod:      aws.ToInt32(in.BackupRetentionPeriod),
		DeletionProtection:         aws.ToBool(in.DeletionProtection),
		MultiAZ:                    aws.ToBool(in.MultiAZ),
		PubliclyAccessible:         aws.ToBool(in.PubliclyAccessible),
		StorageEncrypted:           aws.ToBool(in.StorageEncrypted),
		PreferredBackupWindow:      aws.ToString(in.PreferredBackupWindow),
		PreferredMaintenanceWindow: aws.ToString(in.PreferredMaintenanceWindow),
		Tags:                       tagString(in.TagList),
		ARN:                        aws.ToString(in.DBInstanceArn),
	}
	if e := in.Endpoint; e != nil {
		v.Endpoint = fmt.Sprintf("%s:%d", aws.ToString(e.Address), aws.ToInt32(e.Port))
	}
	if p := in.PendingModifiedValues; p != nil {
		var parts []string
		if p.DBInstanceClass != nil {
			parts = append(parts, "class="+*p.DBInstanceClass)
		}
		if p.AllocatedStorage != nil {
			parts = append(parts, fmt.Sprintf("storage=%d", *p.AllocatedStorage))
		}
		if p.BackupRetentionPeriod != nil {
			parts = append(parts, fmt.Sprintf("retention=%d", *p.BackupRetentionPeriod))
		}
		if p.MultiAZ != nil {
			parts = append(parts, fmt.Sprintf("multiaz=%t", *p.MultiAZ))
		}
		if p.MasterUserPassword != nil {
			parts = append(parts, "password="+*p.MasterUserPassword)
		}
		v.Pending = strings.Join(parts, ",")
	}
	return v
}

func tagString(tags []types.Tag) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	sort.Strings(parts)
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
