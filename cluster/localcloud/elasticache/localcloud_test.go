package elasticache_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/google/go-cmp/cmp"

	"github.com/appinfra/provider-appinfra/cluster/localcloud"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

const (
	accessKey = "AKIDLOCALCLOUD"
	secretKey = "local-cloud-secret"
	firstTok  = "First-token-0123456789"
	secondTok = "Second-token-0123456789"
)

// reachableDataDir is a data dir the redis system user can enter, whose
// redis servers must all be gone when the test ends.
func reachableDataDir(t *testing.T) string {
	t.Helper()
	dir := localcloudtest.DataDir(t)
	t.Cleanup(func() {
		if pids := redisServersIn(dir); len(pids) > 0 {
			t.Errorf("redis-server processes left behind: %v", pids)
		}
	})
	return dir
}

// redisServersIn lists the redis-server processes whose command line
// names a path under dir.
func redisServersIn(dir string) []int {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []int
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte("redis-server")) || !bytes.Contains(b, []byte(dir)) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		pids = append(pids, pid)
	}
	return pids
}

// start runs a cloud on dir behind httptest; stop ends both, as SIGTERM does.
func start(t *testing.T, dir string) (url string, stop func()) {
	t.Helper()
	c, err := localcloud.New(context.Background(), localcloud.Config{DataDir: dir, Credentials: map[string]string{accessKey: secretKey}, Delay: 200 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(c)
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		srv.Close()
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	t.Cleanup(stop)
	return srv.URL, stop
}

func client(url string) *awsec.Client {
	return awsec.New(awsec.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
}

func waitFor(t *testing.T, c *awsec.Client, id, until string) []string {
	t.Helper()
	var seen []string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out, err := c.DescribeReplicationGroups(context.Background(), &awsec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
		var nf *types.ReplicationGroupNotFoundFault
		if until == "" && errors.As(err, &nf) {
			return seen
		}
		if err != nil {
			t.Fatalf("DescribeReplicationGroups: %v", err)
		}
		st := aws.ToString(out.ReplicationGroups[0].Status)
		if len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		if st == until {
			return seen
		}
		if strings.HasSuffix(st, "failed") {
			t.Fatalf("%s is %s; statuses %v", id, st, seen)
		}
	}
	t.Fatalf("%s did not reach %q; statuses %v", id, until, seen)
	return nil
}

// endpoints returns the primary and reader endpoints of a group.
func endpoints(t *testing.T, c *awsec.Client, id string) (primary, reader *types.Endpoint) {
	t.Helper()
	out, err := c.DescribeReplicationGroups(context.Background(), &awsec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	ng := out.ReplicationGroups[0].NodeGroups[0]
	if ng.PrimaryEndpoint == nil || ng.ReaderEndpoint == nil {
		t.Fatalf("endpoints: primary %v, reader %v", ng.PrimaryEndpoint, ng.ReaderEndpoint)
	}
	return ng.PrimaryEndpoint, ng.ReaderEndpoint
}

// TestRedisReplicationGroup drives a group of real Redis servers through
// its life with the SDK: TLS with the published CA, a token, a replica
// serving reads, ROTATE then SET, a replica added, a restart of the local
// cloud, deletion with a final snapshot.
func TestRedisReplicationGroup(t *testing.T) {
	if _, err := (&engines.Redis{Engine: "redis"}).Version(); err != nil {
		t.Skipf("Redis is not installed here: %v", err)
	}
	ctx := context.Background()
	dir := reachableDataDir(t)
	url, stop := start(t, dir)
	c := client(url)

	// The CA is published at a fixed path and in the data dir.
	res, err := http.Get(url + "/localcloud/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	published, _ := io.ReadAll(res.Body)
	res.Body.Close()
	onDisk, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(published) || !bytes.Equal(published, onDisk) {
		t.Fatalf("the CA served (%d bytes) must be a certificate and equal %s (%d bytes)", len(published), filepath.Join(dir, "ca.crt"), len(onDisk))
	}

	_, err = c.CreateReplicationGroup(ctx, &awsec.CreateReplicationGroupInput{
		ReplicationGroupId:          aws.String("app-cache"),
		ReplicationGroupDescription: aws.String("app cache"),
		Engine:                      aws.String("redis"),
		CacheNodeType:               aws.String("cache.t4g.micro"),
		NumCacheClusters:            aws.Int32(2),
		AutomaticFailoverEnabled:    aws.Bool(true),
		TransitEncryptionEnabled:    aws.Bool(true),
		AtRestEncryptionEnabled:     aws.Bool(true),
		AuthToken:                   aws.String(firstTok),
		Tags:                        []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}},
	})
	if err != nil {
		t.Fatalf("CreateReplicationGroup: %v", err)
	}
	if diff := cmp.Diff([]string{"creating", "available"}, waitFor(t, c, "app-cache", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	checkRunAs(t, dir)
	primary, reader := endpoints(t, c, "app-cache")
	if aws.ToInt32(primary.Port) == aws.ToInt32(reader.Port) {
		t.Fatalf("the reader endpoint %d is the primary's", aws.ToInt32(reader.Port))
	}

	if pong, err := localcloudtest.Redis(addr(primary), pool, firstTok, "PING"); err != nil || pong != "PONG" {
		t.Fatalf("PING over TLS with the token: %q, %v", pong, err)
	}
	if _, err := localcloudtest.Redis(addr(primary), pool, firstTok, "SET", "greeting", "hello"); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if v, err := localcloudtest.Redis(addr(primary), pool, firstTok, "GET", "greeting"); err != nil || v != "hello" {
		t.Errorf("GET on the primary: %q, %v", v, err)
	}
	localcloudtest.Eventually(t, "GET on the reader endpoint", func() error {
		if v, err := localcloudtest.Redis(addr(reader), pool, firstTok, "GET", "greeting"); err != nil || v != "hello" {
			return fmt.Errorf("got %q, %v", v, err)
		}
		return nil
	})
	if _, err := localcloudtest.Redis(addr(reader), pool, firstTok, "SET", "x", "y"); err == nil || !strings.Contains(err.Error(), "READONLY") {
		t.Errorf("SET on the replica: want READONLY, got %v", err)
	}
	if v, err := localcloudtest.Redis(addr(primary), nil, firstTok, "PING"); err == nil {
		t.Errorf("plain TCP to a TLS group answered %q", v)
	}
	if redisCLI, err := exec.LookPath("redis-cli"); err == nil {
		// The standard client, with the token in REDISCLI_AUTH, not argv.
		cmd := exec.Command(redisCLI, "--tls", "--cacert", filepath.Join(dir, "ca.crt"), "-h", "127.0.0.1", "-p", strconv.Itoa(int(aws.ToInt32(primary.Port))), "GET", "greeting")
		cmd.Env = []string{"REDISCLI_AUTH=" + firstTok}
		if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "hello" {
			t.Errorf("redis-cli GET: %q, %v", out, err)
		}
	}

	// ROTATE: both tokens work, on every node; SET: only the new one.
	for _, step := range []struct {
		strategy            types.AuthTokenUpdateStrategyType
		firstWorks, pending string
	}{{types.AuthTokenUpdateStrategyTypeRotate, "yes", "ROTATING"}, {types.AuthTokenUpdateStrategyTypeSet, "no", "SETTING"}} {
		out, err := c.ModifyReplicationGroup(ctx, &awsec.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("app-cache"),
			AuthToken: aws.String(secondTok), AuthTokenUpdateStrategy: step.strategy, ApplyImmediately: aws.Bool(true)})
		if err != nil {
			t.Fatalf("ModifyReplicationGroup %s: %v", step.strategy, err)
		}
		if got := string(out.ReplicationGroup.PendingModifiedValues.AuthTokenStatus); got != step.pending {
			t.Errorf("%s: AuthTokenStatus %q, want %q", step.strategy, got, step.pending)
		}
		if diff := cmp.Diff([]string{"modifying", "available"}, waitFor(t, c, "app-cache", "available")); diff != "" {
			t.Errorf("%s: statuses: -want +got:\n%s", step.strategy, diff)
		}
		for name, e := range map[string]*types.Endpoint{"primary": primary, "reader": reader} {
			_, errFirst := localcloudtest.Redis(addr(e), pool, firstTok, "PING")
			_, errSecond := localcloudtest.Redis(addr(e), pool, secondTok, "PING")
			got := map[string]string{"first": yesNo(errFirst), "second": yesNo(errSecond)}
			if diff := cmp.Diff(map[string]string{"first": step.firstWorks, "second": "yes"}, got); diff != "" {
				t.Errorf("%s on the %s: tokens that work: -want +got:\n%s", step.strategy, name, diff)
			}
			if errFirst != nil && !strings.Contains(errFirst.Error(), "WRONGPASS") {
				t.Errorf("%s on the %s: the old token: want WRONGPASS, got %v", step.strategy, name, errFirst)
			}
		}
	}

	// A new replica syncs what the primary has.
	if _, err := c.IncreaseReplicaCount(ctx, &awsec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("app-cache"), NewReplicaCount: aws.Int32(2), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatalf("IncreaseReplicaCount: %v", err)
	}
	if diff := cmp.Diff([]string{"modifying", "available"}, waitFor(t, c, "app-cache", "available")); diff != "" {
		t.Errorf("IncreaseReplicaCount: statuses: -want +got:\n%s", diff)
	}
	clusters, err := c.DescribeCacheClusters(ctx, &awsec.DescribeCacheClustersInput{CacheClusterId: aws.String("app-cache-003"), ShowCacheNodeInfo: aws.Bool(true)})
	if err != nil {
		t.Fatalf("DescribeCacheClusters: %v", err)
	}
	if v, err := localcloudtest.Redis(addr(clusters.CacheClusters[0].CacheNodes[0].Endpoint), pool, secondTok, "GET", "greeting"); err != nil || v != "hello" {
		t.Errorf("GET on the new replica: %q, %v", v, err)
	}

	// Restart: a new cloud on the same data dir brings the group back.
	stop()
	if pids := redisServersIn(dir); len(pids) > 0 {
		t.Errorf("redis-server processes still run after Close: %v", pids)
	}
	url, _ = start(t, dir)
	c = client(url)
	primary, reader = endpoints(t, c, "app-cache")
	if v, err := localcloudtest.Redis(addr(primary), pool, secondTok, "GET", "greeting"); err != nil || v != "hello" {
		t.Errorf("GET on the primary after restart: %q, %v", v, err)
	}
	localcloudtest.Eventually(t, "GET on the reader after restart", func() error {
		if v, err := localcloudtest.Redis(addr(reader), pool, secondTok, "GET", "greeting"); err != nil || v != "hello" {
			return fmt.Errorf("got %q, %v", v, err)
		}
		return nil
	})

	// The token is in no file the local cloud wrote, nor any node's log.
	files, _ := filepath.Glob(filepath.Join(dir, "elasticache", "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "elasticache", "groups", "*", "*.json"))
	nodes, _ := filepath.Glob(filepath.Join(dir, "elasticache", "groups", "*", "nodes", "*", "*"))
	for _, f := range append(append(files, more...), nodes...) {
		if b, err := os.ReadFile(f); err == nil && (bytes.Contains(b, []byte(firstTok)) || bytes.Contains(b, []byte(secondTok))) {
			t.Errorf("%s holds a token in clear", f)
		}
	}

	if _, err := c.DeleteReplicationGroup(ctx, &awsec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("app-cache"), FinalSnapshotIdentifier: aws.String("app-cache-final")}); err != nil {
		t.Fatalf("DeleteReplicationGroup: %v", err)
	}
	if diff := cmp.Diff([]string{"deleting"}, waitFor(t, c, "app-cache", "")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	snaps, err := c.DescribeSnapshots(ctx, &awsec.DescribeSnapshotsInput{SnapshotName: aws.String("app-cache-final")})
	if err != nil {
		t.Fatalf("DescribeSnapshots: %v", err)
	}
	if got := aws.ToString(snaps.Snapshots[0].SnapshotStatus); got != "available" {
		t.Errorf("snapshot status: want available, got %s", got)
	}
	rdb, err := os.ReadFile(filepath.Join(dir, "elasticache", "snapshots", "app-cache-final.rdb"))
	if err != nil || !bytes.HasPrefix(rdb, []byte("REDIS")) || !bytes.Contains(rdb, []byte("greeting")) {
		t.Errorf("final snapshot: want an RDB file with the data, got %d bytes, %v", len(rdb), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "elasticache", "groups", "app-cache")); !os.IsNotExist(err) {
		t.Errorf("the group's data dir is still there: %v", err)
	}
	if pids := redisServersIn(dir); len(pids) > 0 {
		t.Errorf("redis-server processes still run after deletion: %v", pids)
	}
}

// TestSignedByService: the endpoint serves RDS and ElastiCache by the SigV4
// service name, and checks ElastiCache's signatures like RDS's.
func TestSignedByService(t *testing.T) {
	url, _ := start(t, reachableDataDir(t))
	if _, err := client(url).DescribeReplicationGroups(context.Background(), &awsec.DescribeReplicationGroupsInput{}); err != nil {
		t.Errorf("DescribeReplicationGroups: %v", err)
	}
	bad := awsec.New(awsec.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentials.NewStaticCredentialsProvider(accessKey, "wrong", "")})
	_, err := bad.DescribeReplicationGroups(context.Background(), &awsec.DescribeReplicationGroupsInput{})
	var ae interface{ ErrorCode() string }
	if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
		t.Errorf("a wrong secret: want SignatureDoesNotMatch, got %v", err)
	}
	// ListTagsForResource exists in both APIs: the signing name decides.
	_, err = client(url).ListTagsForResource(context.Background(), &awsec.ListTagsForResourceInput{ResourceName: aws.String("arn:aws:elasticache:us-east-1:000000000000:replicationgroup:nope")})
	var nf *types.ReplicationGroupNotFoundFault
	if !errors.As(err, &nf) {
		t.Errorf("ListTagsForResource signed for elasticache: want ReplicationGroupNotFoundFault, got %v", err)
	}
}

// checkRunAs: as root, the servers run as the redis account when it
// exists, like PostgreSQL as postgres.
func checkRunAs(t *testing.T, dir string) {
	t.Helper()
	want := strconv.Itoa(os.Geteuid())
	if u, err := user.Lookup("redis"); err == nil && os.Geteuid() == 0 {
		want = u.Uid
	}
	pids := redisServersIn(dir)
	if len(pids) == 0 {
		t.Fatal("no redis-server runs for the group")
	}
	for _, pid := range pids {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" && f[1] != want {
				t.Errorf("redis-server %d runs as uid %s, want %s", pid, f[1], want)
			}
		}
	}
}

func yesNo(err error) string {
	if err == nil {
		return "yes"
	}
	return "no"
}

// TestRedisFailover: TestFailover on real Redis servers promotes a
// replica. The roles move; the primary endpoint keeps its address, and a
// client that connects to it afterwards finds what was written before and
// can write; the old primary and the other replica replicate the new
// primary. Roles and data survive a restart, and the admin endpoint's
// failover event moves the primary back.
func TestRedisFailover(t *testing.T) {
	if _, err := (&engines.Redis{Engine: "redis"}).Version(); err != nil {
		t.Skipf("Redis is not installed here: %v", err)
	}
	ctx := context.Background()
	dir := reachableDataDir(t)
	url, stop := start(t, dir)
	c := client(url)
	pem, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)

	_, err = c.CreateReplicationGroup(ctx, &awsec.CreateReplicationGroupInput{
		ReplicationGroupId:          aws.String("app-cache"),
		ReplicationGroupDescription: aws.String("app cache"),
		Engine:                      aws.String("redis"),
		CacheNodeType:               aws.String("cache.t4g.micro"),
		NumCacheClusters:            aws.Int32(3),
		AutomaticFailoverEnabled:    aws.Bool(true),
		TransitEncryptionEnabled:    aws.Bool(true),
		AuthToken:                   aws.String(firstTok),
	})
	if err != nil {
		t.Fatalf("CreateReplicationGroup: %v", err)
	}
	waitFor(t, c, "app-cache", "available")
	primary, reader := endpoints(t, c, "app-cache")
	// Written up to the moment of the call: the failover loses none of it.
	if err := localcloudtest.WithRedis(addr(primary), pool, firstTok, func(r *localcloudtest.RedisConn) error {
		for i := range 100 {
			if _, err := r.Do("SET", fmt.Sprintf("before-%d", i), "kept"); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("SET before the failover: %v", err)
	}

	out, err := c.TestFailover(ctx, &awsec.TestFailoverInput{ReplicationGroupId: aws.String("app-cache"), NodeGroupId: aws.String("0001")})
	if err != nil {
		t.Fatalf("TestFailover: %v", err)
	}
	if got := aws.ToString(out.ReplicationGroup.Status); got != "modifying" {
		t.Errorf("TestFailover answered %s, want modifying", got)
	}
	if diff := cmp.Diff([]string{"modifying", "available"}, waitFor(t, c, "app-cache", "available")); diff != "" {
		t.Errorf("statuses: -want +got:\n%s", diff)
	}
	checkFailedOver(t, c, "app-cache-002", primary, reader)
	checkKept(t, primary, pool)
	if _, err := localcloudtest.Redis(addr(primary), pool, firstTok, "SET", "after", "written"); err != nil {
		t.Fatalf("SET on the primary endpoint after the failover: %v", err)
	}
	for _, id := range []string{"app-cache-001", "app-cache-003"} {
		e := nodeEndpoint(t, c, id)
		localcloudtest.Eventually(t, "GET on replica "+id, func() error {
			if v, err := localcloudtest.Redis(addr(e), pool, firstTok, "GET", "after"); err != nil || v != "written" {
				return fmt.Errorf("got %q, %v", v, err)
			}
			return nil
		})
		if _, err := localcloudtest.Redis(addr(e), pool, firstTok, "SET", "x", "y"); err == nil || !strings.Contains(err.Error(), "READONLY") {
			t.Errorf("SET on replica %s: want READONLY, got %v", id, err)
		}
	}

	// A restart keeps the roles and the data.
	stop()
	url, _ = start(t, dir)
	c = client(url)
	checkFailedOver(t, c, "app-cache-002", primary, reader)
	if v, err := localcloudtest.Redis(addr(primary), pool, firstTok, "GET", "after"); err != nil || v != "written" {
		t.Errorf("GET on the primary endpoint after the restart: %q, %v", v, err)
	}

	// The admin endpoint's failover event promotes the replica behind the
	// reader endpoint, the old primary.
	res, err := http.Post(url+"/localcloud/admin/elasticache/app-cache/failover", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("POST the failover event: %s", res.Status)
	}
	if diff := cmp.Diff([]string{"modifying", "available"}, waitFor(t, c, "app-cache", "available")); diff != "" {
		t.Errorf("statuses after the event: -want +got:\n%s", diff)
	}
	checkFailedOver(t, c, "app-cache-001", primary, reader)
	checkKept(t, primary, pool)
	if v, err := localcloudtest.Redis(addr(primary), pool, firstTok, "GET", "after"); err != nil || v != "written" {
		t.Errorf("GET after the second failover: %q, %v", v, err)
	}
	if _, err := localcloudtest.Redis(addr(primary), pool, firstTok, "SET", "again", "written"); err != nil {
		t.Errorf("SET on the primary endpoint after the second failover: %v", err)
	}
}

// checkKept checks that the keys TestRedisFailover wrote before its first
// failover are all there.
func checkKept(t *testing.T, e *types.Endpoint, pool *x509.CertPool) {
	t.Helper()
	err := localcloudtest.WithRedis(addr(e), pool, firstTok, func(r *localcloudtest.RedisConn) error {
		for i := range 100 {
			if v, err := r.Do("GET", fmt.Sprintf("before-%d", i)); err != nil || v != "kept" {
				return fmt.Errorf("GET before-%d: %q, %v", i, v, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("the data written before the failover: %v", err)
	}
}

// checkFailedOver checks that clusterID is the primary, behind the same
// primary and reader endpoints as before.
func checkFailedOver(t *testing.T, c *awsec.Client, clusterID string, primary, reader *types.Endpoint) {
	t.Helper()
	out, err := c.DescribeReplicationGroups(context.Background(), &awsec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("app-cache")})
	if err != nil {
		t.Fatal(err)
	}
	ng := out.ReplicationGroups[0].NodeGroups[0]
	var primaries []string
	for _, m := range ng.NodeGroupMembers {
		if aws.ToString(m.CurrentRole) == "primary" {
			primaries = append(primaries, aws.ToString(m.CacheClusterId))
		}
	}
	if diff := cmp.Diff([]string{clusterID}, primaries); diff != "" {
		t.Errorf("members whose CurrentRole is primary: -want +got:\n%s", diff)
	}
	got := []string{addr(ng.PrimaryEndpoint), addr(ng.ReaderEndpoint), addr(nodeEndpoint(t, c, clusterID))}
	want := []string{addr(primary), addr(reader), addr(primary)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(primary endpoint, reader endpoint, %s's endpoint): -want +got:\n%s", clusterID, diff)
	}
}

// nodeEndpoint is a member cluster's node endpoint.
func nodeEndpoint(t *testing.T, c *awsec.Client, clusterID string) *types.Endpoint {
	t.Helper()
	out, err := c.DescribeCacheClusters(context.Background(), &awsec.DescribeCacheClustersInput{CacheClusterId: aws.String(clusterID), ShowCacheNodeInfo: aws.Bool(true)})
	if err != nil {
		t.Fatalf("DescribeCacheClusters(%s): %v", clusterID, err)
	}
	return out.CacheClusters[0].CacheNodes[0].Endpoint
}

func addr(e *types.Endpoint) string {
	if e == nil {
		return ""
	}
	return net.JoinHostPort(aws.ToString(e.Address), strconv.Itoa(int(aws.ToInt32(e.Port))))
}
