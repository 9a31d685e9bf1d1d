//go:build fault

// Package fault breaks things on purpose and checks that nothing is lost.
// Each provider of the family (AWS, GCP) runs as two replicas with leader
// election, as its own processes, against a real control plane; every cloud call goes through a
// proxy (test/cloudproxy) that injects server errors, throttling, latency,
// resets, truncated answers and eventual consistency. Scenarios also kill
// the leader with SIGKILL at chosen points, restart kube-apiserver and
// expire credentials. After each scenario the invariants are checked
// against the clouds themselves: every managed resource converged to Ready
// or to gone, no cloud resource is leaked or duplicated, nothing was
// deleted that should not be, and no secret value reached a log, an event,
// a condition or a status. Run it with `make fault` (part of `make test`).
package fault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/go-logr/logr"
	"google.golang.org/api/option"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/appinfra/provider-appinfra/cluster/local"
	"github.com/appinfra/provider-appinfra/test/cloudproxy"
)

// poll is the provider's poll interval here: "stuck" means not converged
// within three of them once the faults have stopped.
const poll = 10 * time.Second

// The canaries: secret values that run through the whole suite and must
// never appear where a user or an operator can read them.
var (
	awsKey        = canaryKey{id: "AKIAFAULTSUITE000001", secret: "canary-aws-secret-4b1d9e"}
	expiredKey    = canaryKey{id: "AKIAFAULTEXPIRED0001", secret: "canary-expired-secret-9c2e17"}
	rotatedKey    = canaryKey{id: "AKIAFAULTROTATED0001", secret: "canary-rotated-secret-7a5f30"}
	dbPassword    = "canary-db-password-3e8a41"
	cacheToken    = "canary-cache-token-5d2b6c0f"
	canaries      = []string{awsKey.secret, expiredKey.secret, rotatedKey.secret, dbPassword, cacheToken}
	providerFlags = []string{"--poll", poll.String(), "--leader-election", "--leader-election-namespace", "crossplane-system",
		"--leader-election-lease-duration", leaseDuration.String(), "--leader-election-renew-deadline", "6s",
		"--leader-election-retry-period", "1s", "--health-probe-bind-address", "0"}
)

// leaseDuration bounds a takeover after the leader dies: the standby waits
// out the lease. It is short here to keep the suite short; a leader that
// cannot renew within the renew deadline (say, while kube-apiserver
// restarts) exits, and the supervisor starts it again, as a kubelet would.
const leaseDuration = 8 * time.Second

type canaryKey struct{ id, secret string }

func (k canaryKey) String() string { return k.id + ":" + k.secret }

var (
	root  string
	dir   string
	stack *local.Stack
	kube  client.Client
	// fleets are each provider's replicas, by cloud.
	fleets = map[string]*replicas{}
	report = &suiteReport{}

	proxies struct{ s3, aws, gcs *cloudproxy.Proxy }
	clouds  struct {
		s3    *s3.Client
		rds   *rds.Client
		cache *elasticache.Client
		gcs   *storage.Client
	}
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctrllog.SetLogger(logr.Discard())
	var err error
	if root, err = local.Root(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if dir, err = os.MkdirTemp("", "appinfra-fault-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The local cloud's engines run as their own users and must be able to
	// enter the directory of their data.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := 1
	defer func() {
		if code == 0 {
			_ = os.RemoveAll(dir)
		} else {
			fmt.Fprintln(os.Stderr, "fault: logs of every process are in", dir)
		}
	}()
	logf, err := os.Create(filepath.Join(dir, "processes.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer logf.Close() //nolint:errcheck // Test log.

	ctx := context.Background()
	start := time.Now()
	stack, err = local.StartStack(ctx, root, local.StackOptions{
		Dir: dir, Delay: 500 * time.Millisecond, Log: logf, Progress: os.Stderr, WithoutCrossplane: true,
		Credentials: []string{awsKey.String(), rotatedKey.String()},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fault: cannot start the local stack:", err)
		return 1
	}
	defer stack.Stop()
	kube = stack.Kube

	if err := startProxies(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fault:", err)
		return 1
	}
	defer func() {
		for _, p := range []*cloudproxy.Proxy{proxies.s3, proxies.aws, proxies.gcs} {
			p.Close()
		}
	}()
	if err := newCloudClients(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fault:", err)
		return 1
	}
	if err := local.BuildProviders(root, dir); err != nil {
		fmt.Fprintln(os.Stderr, "fault:", err)
		return 1
	}
	for _, cloud := range local.Clouds {
		r, err := startReplicas(ctx, cloud, 2)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fault:", err)
			return 1
		}
		defer r.stop()
		fleets[cloud] = r
	}
	fmt.Fprintf(os.Stderr, "fault: stack, proxies and two replicas of each provider up in %s\n", time.Since(start).Round(time.Second))

	code = m.Run()
	report.print(os.Stderr)
	if code == 0 && report.violations() > 0 {
		code = 1
	}
	return code
}

// startProxies puts a proxy in front of each cloud and points the default
// ClusterProviderConfigs at them, with the canary credentials.
func startProxies(ctx context.Context) error {
	var err error
	if proxies.s3, err = cloudproxy.New(stack.Kumo.Endpoint, cloudproxy.S3, 1); err != nil {
		return err
	}
	if proxies.aws, err = cloudproxy.New(stack.Cloud.Endpoint, cloudproxy.Query, 2); err != nil {
		return err
	}
	if proxies.gcs, err = cloudproxy.New(stack.GCS.Endpoint, cloudproxy.GCS, 3); err != nil {
		return err
	}
	if err := stack.ApplyProviderConfigsVia(ctx, local.Endpoints{S3: proxies.s3.URL, AWS: proxies.aws.URL, GCS: proxies.gcs.URL}); err != nil {
		return err
	}
	return setAWSKey(ctx, awsKey)
}

// setAWSKey replaces the key in the credentials Secret of the default AWS
// ClusterProviderConfig, as a credential rotation does.
func setAWSKey(ctx context.Context, k canaryKey) error {
	return local.Apply(ctx, kube, local.AWSCredentialsSecret(k.id, k.secret))
}

// newCloudClients reach the clouds directly, not through the proxies: the
// invariants are checked against what the clouds really hold.
func newCloudClients(ctx context.Context) error {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(awsKey.id, awsKey.secret, "")}
	clouds.s3 = s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(stack.Kumo.Endpoint)
		o.UsePathStyle = true
	})
	clouds.rds = rds.NewFromConfig(cfg, func(o *rds.Options) { o.BaseEndpoint = aws.String(stack.Cloud.Endpoint) })
	clouds.cache = elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = aws.String(stack.Cloud.Endpoint) })
	var err error
	clouds.gcs, err = storage.NewClient(ctx, option.WithEndpoint(stack.GCS.Endpoint), option.WithoutAuthentication())
	return err
}

// allFaults is the mix of the flaky-cloud scenario: 45% of all calls fail
// one way or another and 5% are slowed.
func allFaults(only func(cloudproxy.Call) bool) cloudproxy.Faults {
	return cloudproxy.Faults{ServerError: 0.15, Throttle: 0.15, Latency: 0.05, Reset: 0.08, Truncate: 0.07, Delay: 300 * time.Millisecond, Only: only}
}

// setFaults sets the same faults on every proxy.
func setFaults(f cloudproxy.Faults) {
	for _, p := range []*cloudproxy.Proxy{proxies.s3, proxies.aws, proxies.gcs} {
		p.SetFaults(f)
	}
}

// injected counts the faults every proxy has injected so far.
func injected() (n int, by map[cloudproxy.Fault]int) {
	by = map[cloudproxy.Fault]int{}
	for _, p := range []*cloudproxy.Proxy{proxies.s3, proxies.aws, proxies.gcs} {
		for k, v := range p.Stats().Faults {
			by[k] += v
			n += v
		}
	}
	return n, by
}

// suiteReport is what the suite did and found.
type suiteReport struct {
	scenarios []*scenarioReport
}

type scenarioReport struct {
	name       string
	faults     int
	resources  int
	took       time.Duration
	violations []string
	notes      []string
}

func (r *suiteReport) violations() int {
	n := 0
	for _, s := range r.scenarios {
		n += len(s.violations)
	}
	return n
}

func (r *suiteReport) print(w *os.File) {
	faults, resources := 0, 0
	fmt.Fprintf(w, "\nfault-injection report\n%-28s %8s %10s %8s %11s\n", "scenario", "faults", "resources", "took", "violations")
	for _, s := range r.scenarios {
		faults += s.faults
		resources += s.resources
		fmt.Fprintf(w, "%-28s %8d %10d %8s %11d\n", s.name, s.faults, s.resources, s.took.Round(time.Second), len(s.violations))
	}
	fmt.Fprintf(w, "%-28s %8d %10d %8s %11d\n", "total", faults, resources, "", r.violations())
	_, by := injected()
	kinds := make([]string, 0, len(by))
	for k, v := range by {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, v))
	}
	slices.Sort(kinds)
	fmt.Fprintf(w, "cloud faults by kind: %s\n", strings.Join(kinds, ", "))
	for _, s := range r.scenarios {
		for _, n := range s.notes {
			fmt.Fprintf(w, "  %s: %s\n", s.name, n)
		}
		for _, v := range s.violations {
			fmt.Fprintf(w, "  %s: VIOLATION %s\n", s.name, v)
		}
	}
}
