//go:build integration

// Package integration runs the provider's controllers, with the real managed
// reconciler, against a real kube-apiserver and etcd and against cloud
// emulators over HTTP. Run it with `make test`.
package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/api/option"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/statemetrics"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	apisaws "github.com/appinfra/provider-appinfra/apis/aws"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/common"
	apisgcp "github.com/appinfra/provider-appinfra/apis/gcp"
	"github.com/appinfra/provider-appinfra/cluster/local"
	"github.com/appinfra/provider-appinfra/cluster/traceview"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/clients/cloudcall"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	appcontroller "github.com/appinfra/provider-appinfra/internal/controller"
	controlleraws "github.com/appinfra/provider-appinfra/internal/controller/aws"
	controllergcp "github.com/appinfra/provider-appinfra/internal/controller/gcp"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/secretcache"
	"github.com/appinfra/provider-appinfra/internal/tracing"
	"github.com/appinfra/provider-appinfra/test/gcsserver"
)

// pollInterval is short so that drift correction is seen quickly; a test
// waits "within a poll" as pollInterval plus reconcile time.
const pollInterval = 2 * time.Second

// Credentials the provider is given. kumo does not check signatures, but the
// values are distinctive so that a leak into logs or events is detectable.
const (
	accessKeyID     = "AKIAAPPINFRATEST0001"
	secretAccessKey = "s3cr3t-never-logged-7c1d2e"
)

// allowedTenantEndpoints is the provider's --namespaced-endpoint-prefixes in
// the tests: every local emulator and test server, so that namespaced
// ProviderConfigs can reach them; anything else is refused.
const allowedTenantEndpoints = "http://127.0.0.1:"

var (
	apiRequests apiLog // what the provider sent to the API server

	kube client.Client
	// adminKubeconfig is kube's credentials as a kubeconfig file's content,
	// for tests that run commands as a user would (appinfra plan).
	adminKubeconfig []byte
	// traces receives the provider's spans; flushTraces sends the last.
	traces      *traceview.Receiver
	flushTraces func(context.Context) error
	store       *s3.Client // talks to kumo directly, behind the provider's back
	kumoURL     string     // kumo itself, for tests that put their own proxy in front

	localCloudURL string               // the project's local cloud (RDS), behind actionProxy
	rdsCalls      *recorder            // what the provider sent to the local cloud
	rdsStore      *rds.Client          // talks to the local cloud directly
	cacheStore    *elasticache.Client  // talks to the local cloud directly
	ec2Store      *ec2.Client          // talks to the local cloud directly
	localCloudCA  string               // the PEM CA of the local cloud's cache nodes
	s3calls       *recorder            // what the provider sent to S3
	logs          syncBuffer           // everything the provider logged
	metrics       *prometheus.Registry // the provider's managed resource metrics

	fakeGCS     *storage.Client   // talks to fake-gcs-server directly
	fakeGCSURL  string            // fake-gcs-server's JSON API base
	gcsCalls    *recorder         // what the provider sent to fake-gcs-server
	gcsRecorder *gcsserver.Server // answers as GCS does, for what fake-gcs-server drops
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := local.Root()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "appinfra-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir) //nolint:errcheck // Best effort.
	// The local cloud runs PostgreSQL as the postgres user when the tests
	// run as root: it must be able to pass through this directory.
	if err := os.Chmod(dir, 0o711); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// kube-controller-manager's garbage collector removes a ProviderConfig
	// usage once its managed resource is gone, as in a real cluster.
	cp, err := local.StartControlPlane(root, local.ControlPlaneOptions{
		CRDDirs:           []string{filepath.Join(root, "package", "crds")},
		ControllerManager: true,
		Dir:               dir,
		Log:               io.Discard,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cp.Stop()
	adminKubeconfig = cp.Kubeconfig

	kumo, err := local.StartKumo(root, io.Discard)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer kumo.Stop()

	// The provider reaches kumo through a proxy that records every call,
	// so tests can count reads and writes of the real SDK client.
	kumoURL = kumo.Endpoint
	s3calls = &recorder{bucketOf: s3Bucket}
	front := recordingProxy(kumo.Endpoint, s3calls)
	defer front.Close()

	// The project's local cloud: RDS and ElastiCache on real engines.
	cloudOpts := local.LocalCloudOptions{
		Dir: filepath.Join(dir, "localcloud"), Credentials: []string{accessKeyID + ":" + secretAccessKey},
		Delay: localCloudDelay, PasswordResetDelay: passwordResetDelay, Log: localCloudLog(dir),
	}
	cloud, err := local.StartLocalCloud(root, cloudOpts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cloud.Stop()
	// The provider reaches the local cloud through a proxy that records
	// each Query action and the instance it names.
	rdsCalls = &recorder{}
	rdsFront := actionProxy(cloud.Endpoint, rdsCalls)
	defer rdsFront.Close()
	localCloudURL = rdsFront.URL
	ca, err := os.ReadFile(local.LocalCloudCAFile(cloudOpts))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	localCloudCA = string(ca)
	localCloudAdmin = cloud.Endpoint + "/localcloud/admin"
	cacheStore = elasticache.New(elasticache.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(cloud.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
	})
	rdsStore = rds.New(rds.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(cloud.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
	})
	ec2Store = ec2.New(ec2.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(cloud.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
	})

	gcsEmu, err := local.StartFakeGCS(root, io.Discard)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer gcsEmu.Stop()
	gcsCalls = &recorder{bucketOf: gcsBucket}
	gcsFront := recordingProxy(gcsEmu.Endpoint, gcsCalls)
	defer gcsFront.Close()
	fakeGCSURL = gcsFront.URL + "/storage/v1/"
	if fakeGCS, err = storage.NewClient(context.Background(), option.WithEndpoint(gcsEmu.Endpoint), option.WithoutAuthentication()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	gcsRecorder = gcsserver.New()
	defer gcsRecorder.Close()

	store = s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(kumo.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("direct", "direct", ""),
	})

	scheme, err := appcontroller.NewScheme(apisaws.AddToScheme, apisgcp.AddToScheme)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if kube, err = client.New(cp.Config, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := setupProviderConfig(ctx, front.URL); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := setupGCPProviderConfigs(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := setupCloudSQL(ctx, cloud.Endpoint, filepath.Join(cloudOpts.Dir, "data", "gcp-service-account.json")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := setupMemorystore(ctx, cloud.Endpoint, local.GCPKeyFile(local.LocalCloudCAFile(cloudOpts))); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ww, err := client.NewWithWatch(cp.Config, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := watchConditions(ctx, ww); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	stopped, err := startProvider(ctx, cp, scheme)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if err := noCredentialsLeaked(); err != nil {
		fmt.Fprintln(os.Stderr, "--- FAIL: credentials leak check:", err)
		code = 1
	}
	cancel()
	<-stopped
	return code
}

// canaries are secret values the tests give the provider: none may appear
// in its logs, events or conditions.
var canaries = []string{secretAccessKey, accessKeyID, wrongSecretAccessKey, "PRIVATE KEY", gcpToken, rotatedDBPassword, importedDBPassword}

var canaryMu sync.Mutex

// addCanary adds a secret learnt during a test, such as a generated
// password, to the leak check.
func addCanary(s string) {
	canaryMu.Lock()
	defer canaryMu.Unlock()
	canaries = append(canaries, s)
}

// noCredentialsLeaked checks, after every test ran, that nothing the
// provider logged (at debug level), recorded as an event, or wrote into a
// managed resource's conditions contains a secret it was given.
func noCredentialsLeaked() error {
	out := logs.String()
	if out == "" {
		return errors.New("no logs captured, so the check proves nothing")
	}
	for _, c := range canaries {
		if strings.Contains(out, c) {
			return fmt.Errorf("a secret (%d characters) appears in the provider's logs", len(c))
		}
	}
	ctx := context.Background()
	l := &corev1.EventList{}
	if err := kube.List(ctx, l); err != nil {
		return err
	}
	for _, e := range l.Items {
		for _, c := range canaries {
			if strings.Contains(e.Message, c) {
				return fmt.Errorf("a secret appears in event %s (%s)", e.Name, e.Reason)
			}
		}
	}
	n := 0
	for _, list := range managedLists() {
		if err := kube.List(ctx, list); err != nil {
			return err
		}
		err := apimeta.EachListItem(list, func(o runtime.Object) error {
			cd, ok := o.(interface {
				GetCondition(xpv2.ConditionType) xpv2.Condition
			})
			if !ok {
				return nil
			}
			n++
			for _, ct := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
				for _, c := range canaries {
					if strings.Contains(cd.GetCondition(ct).Message, c) {
						return fmt.Errorf("a secret appears in the %s condition of a managed resource", ct)
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Every span ended so far, the last batch included.
	if err := flushTraces(ctx); err != nil {
		return err
	}
	spans := traces.Spans()
	if len(spans) == 0 {
		return errors.New("no spans received, so the check of traces proves nothing")
	}
	for _, sp := range spans {
		for _, c := range canaries {
			if strings.Contains(fmt.Sprint(sp), c) {
				return fmt.Errorf("a secret appears in span %s (its attributes, events or error)", sp.Name)
			}
		}
	}
	fmt.Printf("credentials leak check: %d bytes of logs, %d events, %d spans and the conditions of %d managed resources still present clean; conditions seen during tests are checked by seenConditions\n", len(out), len(l.Items), len(spans), n)
	return checkSeenConditions()
}

// setupProviderConfig creates the credentials Secret and the default
// ClusterProviderConfig pointing at the recording proxy.
func setupProviderConfig(ctx context.Context, endpoint string) error {
	if err := kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "crossplane-system"}}); err != nil {
		return err
	}
	if err := kube.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "crossplane-system", Name: "aws-creds"},
		StringData: map[string]string{"credentials": fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", accessKeyID, secretAccessKey)},
	}); err != nil {
		return err
	}
	return kube.Create(ctx, &awsv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: awsv1alpha1.ProviderConfigSpec{
			Credentials: awsv1alpha1.Credentials{
				Source:    awsv1alpha1.CredentialsSourceSecret,
				SecretRef: &common.SecretKeySelector{Namespace: "crossplane-system", Name: "aws-creds", Key: "credentials"},
			},
			Region: "us-east-1",
			Endpoint: &awsv1alpha1.Endpoint{
				URL: endpoint, Services: map[string]string{"rds": localCloudURL, "elasticache": localCloudURL, "ec2": localCloudURL},
				// The local cloud's cache nodes have certificates of its own CA.
				ResourceCABundle: localCloudCA,
			},
			S3: &awsv1alpha1.S3Options{UsePathStyle: true},
		},
	})
}

// localCloudDelay is how long the local cloud keeps a resource in each
// transitional state: longer than a poll, so that a poll sees creating and
// modifying.
const localCloudDelay = 3 * time.Second

// passwordResetDelay is how long an RDS password reset takes: longer than
// the other transitions, as on RDS (minutes there), so that a connection
// Secret published before the reset is done would be caught.
const passwordResetDelay = 8 * time.Second

// localCloudAdmin is the local cloud's admin endpoint: what the cloud
// does on its own, triggered now.
var localCloudAdmin string

// localCloudLog keeps the local cloud's output in the test directory, or
// in LOCALCLOUD_LOG when set, for debugging a failure.
func localCloudLog(dir string) io.Writer {
	p := os.Getenv("LOCALCLOUD_LOG")
	if p == "" {
		p = filepath.Join(dir, "localcloud.log")
	}
	f, err := os.Create(p)
	if err != nil {
		return io.Discard
	}
	return f
}

// startProvider runs the provider's controllers as cmd/provider does, with
// debug logging captured for the leak checks.
func startProvider(ctx context.Context, cp *local.ControlPlane, scheme *runtime.Scheme) (<-chan struct{}, error) {
	zl := zap.New(zap.UseDevMode(true), zap.WriteTo(&logs))
	ctrl.SetLogger(zl)
	// Every request the provider sends to the API server is recorded, so
	// tests can check what it watches.
	cfg := rest.CopyConfig(cp.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			apiRequests.add(r)
			return rt.RoundTrip(r)
		})
	})
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Client:                 appcontroller.ClientOptions(),
		NewClient:              secretcache.NewClient,
		Cache:                  appcontroller.CacheOptions(nil),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return nil, err
	}
	metrics = prometheus.NewRegistry()
	mrMetrics, stateMetrics := managed.NewMRMetricRecorder(), statemetrics.NewMRStateMetrics()
	metrics.MustRegister(mrMetrics, stateMetrics)
	metrics.MustRegister(cloudcall.Collectors()...)
	// Traces on, as with --otel-endpoint, to a receiver of the test's:
	// every test's reconciles are traced, and the leak check reads the
	// spans too.
	traces = traceview.Start()
	if flushTraces, err = tracing.Setup(ctx, tracing.Options{Endpoint: traces.URL, Version: "test", ExportDelay: 200 * time.Millisecond}); err != nil {
		return nil, err
	}
	// The providers' default per-API limits, so that every client the
	// tests use goes through them as in production.
	limits := awsclient.DefaultLimits()
	maps.Copy(limits, gcpclient.DefaultLimits())
	o := appcontroller.Options{
		Endpoints: providerconfig.EndpointPolicy{NamespacedPrefixes: []string{allowedTenantEndpoints}},
		APILimits: limits,
		Namespace: "crossplane-system",
	}
	o.Options = controller.Options{
		Logger:                  logging.NewLogrLogger(zl),
		MaxConcurrentReconciles: 5,
		PollInterval:            pollInterval,
		GlobalRateLimiter:       ratelimiter.NewGlobal(100),
		Features:                &feature.Flags{},
		MetricOptions: &controller.MetricOptions{
			PollStateMetricInterval: time.Second,
			MRMetrics:               mrMetrics,
			MRStateMetrics:          stateMetrics,
		},
	}
	// Both providers of the family in one manager: each sets up its own
	// kinds, as its binary does.
	var kinds []appcontroller.Kind
	for _, setup := range []func(ctrl.Manager, appcontroller.Options) ([]appcontroller.Kind, error){controlleraws.Setup, controllergcp.Setup} {
		k, err := setup(mgr, o)
		if err != nil {
			return nil, err
		}
		kinds = append(kinds, k...)
	}
	if err := appcontroller.SetupKinds(mgr, o.Options, kinds); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return done, nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// apiLog records the provider's requests to the API server.
type apiLog struct {
	mu   sync.Mutex
	reqs []string // "GET /api/v1/secrets?watch=true..."
}

func (l *apiLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r.Method+" "+r.URL.RequestURI())
}

func (l *apiLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.reqs...)
}

// recordingProxy forwards to target and records each request in rec.
func recordingProxy(target string, rec *recorder) *httptest.Server {
	u, _ := url.Parse(target)
	u.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(u)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		proxy.ServeHTTP(w, r)
	}))
}

// actionProxy forwards to target and records each AWS Query request as its
// Action and the DBInstanceIdentifier or ReplicationGroupId it names. The Host header is kept, so
// signatures still verify.
func actionProxy(target string, rec *recorder) *httptest.Server {
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil {
			id := callID(form)
			rec.mu.Lock()
			i := len(rec.calls)
			rec.calls = append(rec.calls, call{Bucket: id, Op: form.Get("Action")})
			rec.mu.Unlock()
			sw := &statusWriter{ResponseWriter: w}
			proxy.ServeHTTP(sw, r)
			if sw.status >= 400 {
				rec.mu.Lock()
				rec.calls[i].Refused = errorCode(sw.body.String())
				rec.mu.Unlock()
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
}

// callID is the resource an AWS Query request names: an RDS instance, an
// ElastiCache group, a subnet group (by name or tagging ARN), or a security
// group (by id, or by the group-name filter the provider describes it by).
func callID(form url.Values) string {
	for _, k := range []string{"DBInstanceIdentifier", "ReplicationGroupId", "DBSubnetGroupName", "CacheSubnetGroupName", "GroupId", "GroupName", "ResourceId.1"} {
		if v := form.Get(k); v != "" {
			return v
		}
	}
	arn := form.Get("ResourceName")
	for _, kind := range []string{":replicationgroup:", ":subgrp:", ":subnetgroup:"} {
		if strings.Contains(arn, kind) {
			return arn[strings.LastIndex(arn, ":")+1:]
		}
	}
	for i := 1; form.Get(fmt.Sprintf("Filter.%d.Name", i)) != ""; i++ {
		if form.Get(fmt.Sprintf("Filter.%d.Name", i)) == "group-name" {
			return form.Get(fmt.Sprintf("Filter.%d.Value.1", i))
		}
	}
	return ""
}

// s3Bucket is the bucket of a path-style S3 request.
func s3Bucket(r *http.Request) string {
	b, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return b
}

// gcsBucket is the bucket of a JSON API request: /storage/v1/b/NAME, or a
// create (POST /storage/v1/b) which names its bucket in the body.
func gcsBucket(r *http.Request) string {
	b, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/storage/v1/b/"), "/")
	if r.Method == http.MethodPost {
		return "(create)"
	}
	return b
}

// A call is one HTTP request the provider sent to an emulator.
type call struct {
	Bucket string
	Op     string // e.g. "GET ?tagging", "HEAD", "PUT"
	// Refused is the error code the local cloud answered with, if any.
	Refused string
}

// statusWriter keeps a response's status and, for errors, its body.
type statusWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 {
		w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// errorCode is the <Code> of a Query API error response.
func errorCode(body string) string {
	_, rest, ok := strings.Cut(body, "<Code>")
	if !ok {
		return "unknown"
	}
	code, _, _ := strings.Cut(rest, "</Code>")
	return code
}

func (c call) write() bool { return !strings.HasPrefix(c.Op, "GET") && c.Op != "HEAD" }

type recorder struct {
	bucketOf func(*http.Request) string
	mu       sync.Mutex
	calls    []call
}

func (r *recorder) add(req *http.Request) {
	bucket := r.bucketOf(req)
	op := req.Method
	if q := req.URL.RawQuery; q != "" {
		k, _, _ := strings.Cut(q, "=")
		k, _, _ = strings.Cut(k, "&")
		op += " ?" + k
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call{Bucket: bucket, Op: op})
}

// of returns the calls made for one bucket so far.
func (r *recorder) of(bucket string) []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []call
	for _, c := range r.calls {
		if c.Bucket == bucket {
			out = append(out, c)
		}
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMain's logs are kept in memory; PROVIDER_LOG=path writes them out for
// debugging a failure.
func init() {
	if p := os.Getenv("PROVIDER_LOG"); p != "" {
		go func() {
			for range time.Tick(time.Second) {
				_ = os.WriteFile(p, []byte(logs.String()), 0o600)
			}
		}()
	}
}
