// Package provider is the main of every provider of the family (cmd/provider-aws,
// cmd/provider-gcp): flags, logging, tracing, the controller manager and its
// metrics, the same for each. A Cloud says what differs.
package provider

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/gate"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/statemetrics"

	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
	"github.com/appinfra/provider-appinfra/internal/clients/cloudcall"
	appcontroller "github.com/appinfra/provider-appinfra/internal/controller"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/secretcache"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
	"github.com/appinfra/provider-appinfra/internal/tracing"
)

// A Cloud is one provider of the family: its name, its APIs, the rate
// limits of its cloud's APIs and its controllers.
type Cloud struct {
	// Name is the provider's, such as provider-appinfra-aws: its log name,
	// its traces' service.name and its leader election lease's.
	Name string
	// AddToScheme adds the provider's APIs.
	AddToScheme func(*runtime.Scheme) error
	// Limits are its cloud's APIs' default request rate limits; they name
	// the APIs --cloud-api-rate-limits may set.
	Limits func() apilimit.Limits
	// Setup adds the provider's ProviderConfig controllers and returns its
	// managed resource kinds.
	Setup func(ctrl.Manager, appcontroller.Options) ([]appcontroller.Kind, error)
}

// Main runs c's controller manager, in a cluster or out of one
// (--kubeconfig or KUBECONFIG), until a signal stops it, and exits.
func Main(c Cloud, version string) {
	if err := run(c, version); err != nil {
		fmt.Fprintln(os.Stderr, c.Name+":", err)
		os.Exit(1)
	}
}

func run(c Cloud, version string) error {
	fs := flag.NewFlagSet(c.Name, flag.ExitOnError)
	var (
		kubeconfig       = fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "Path of a kubeconfig; empty means in-cluster.")
		debug            = fs.Bool("debug", false, "Log at debug level, including controller-runtime's logs.")
		pollInterval     = fs.Duration("poll", time.Minute, "How often each managed resource is checked for drift.")
		syncInterval     = fs.Duration("sync", time.Hour, "How often every watched object is resynced.")
		maxReconcileRate = fs.Int("max-reconcile-rate", 100, "Reconciles per second allowed across all controllers (bursts of ten times as many); the API server client may send five times as many requests per second.")
		maxConcurrent    = fs.Int("max-concurrent-reconciles", 25, "Reconciles each controller runs at once: a reconcile mostly waits on the cloud, so this, not the CPU, bounds how many resources a controller creates or polls per second.")
		leaderElection   = fs.Bool("leader-election", false, "Elect a leader, for running more than one replica.")
		namespace        = fs.String("namespace", envOr("POD_NAMESPACE", "crossplane-system"), "The provider's own namespace (default: the pod's, POD_NAMESPACE, else crossplane-system): it keeps the Secret "+secretkey.KeySecret+" there, the key that database password and cache token versions are hashed with.")
		leaseNamespace   = fs.String("leader-election-namespace", "", "Namespace of the leader election Lease; empty means the pod's own (required out of cluster).")
		leaseDuration    = fs.Duration("leader-election-lease-duration", 60*time.Second, "How long a standby waits, after the leader last renewed, before taking over; a leader that dies unannounced is replaced after this.")
		renewDeadline    = fs.Duration("leader-election-renew-deadline", 50*time.Second, "How long the leader keeps trying to renew before it gives up leading (and exits); less than the lease duration.")
		retryPeriod      = fs.Duration("leader-election-retry-period", 2*time.Second, "How often replicas try to acquire or renew the lease.")
		metricsAddr      = fs.String("metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; 0 turns it off.")
		healthAddr       = fs.String("health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints; 0 turns them off.")
		pprofAddr        = fs.String("pprof-bind-address", "", "Address of Go's /debug/pprof endpoints (heap, goroutine, CPU profiles), such as 127.0.0.1:6060; empty turns them off. They answer anyone who can reach them and a CPU profile costs CPU: bind them to localhost.")
		stateMetricsPoll = fs.Duration("poll-state-metric", 5*time.Second, "How often managed resource state metrics are recorded.")
		printVersion     = fs.Bool("version", false, "Print the version and exit.")
		otelEndpoint     = fs.String("otel-endpoint", "", "OTLP/HTTP base URL (such as http://127.0.0.1:4318) to send traces to: a span per managed resource reconcile, its Observe/Create/Update/Delete and each cloud API call; empty sends none and costs nothing.")
		endpointPrefixes = fs.String("namespaced-endpoint-prefixes", "", "Comma-separated URL prefixes that endpoint overrides in namespaced ProviderConfigs may use; empty refuses every override there (ClusterProviderConfigs may always set them).")
	)
	apiLimits := c.Limits()
	fs.Var(apiLimits, "cloud-api-rate-limits", "Requests per second (and burst) each cloud API is held to, per ProviderConfig and region, as api=rate/burst pairs; those not named keep their default, and a rate of 0 lifts the limit. APIs: "+strings.Join(apiLimits.APIs(), ", ")+".")
	_ = fs.Parse(os.Args[1:])
	if *printVersion {
		fmt.Println(version)
		return nil
	}

	level := zapcore.InfoLevel
	if *debug {
		level = zapcore.DebugLevel
	}
	zl := zap.New(zap.UseDevMode(*debug), zap.Level(level))
	ctrl.SetLogger(zl)
	log := logging.NewLogrLogger(zl.WithName(c.Name))

	if *otelEndpoint != "" {
		shutdown, err := tracing.Setup(context.Background(), tracing.Options{Endpoint: *otelEndpoint, Service: c.Name, Version: version})
		if err != nil {
			return fmt.Errorf("cannot set up tracing: %w", err)
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = shutdown(ctx)
		}()
	}

	cfg, err := restConfig(*kubeconfig)
	if err != nil {
		return err
	}
	// The scheme is complete before the manager is made: its cache options
	// name CRDs.
	scheme, err := appcontroller.NewScheme(c.AddToScheme)
	if err != nil {
		return fmt.Errorf("cannot build the scheme: %w", err)
	}
	// The API server warns on every write of a resource whose finalizer
	// name it finds too short (crossplane-runtime's): once is enough to
	// log, not once per resource. The set of distinct warnings is small.
	cfg.WarningHandlerWithContext = ctrllog.NewKubeAPIWarningLogger(ctrllog.KubeAPIWarningLoggerOptions{Deduplicate: true})
	mgr, err := ctrl.NewManager(ratelimiter.LimitRESTConfig(cfg, *maxReconcileRate), ctrl.Options{
		Scheme:                     scheme,
		Cache:                      appcontroller.CacheOptions(syncInterval),
		Client:                     appcontroller.ClientOptions(),
		NewClient:                  secretcache.NewClient,
		Metrics:                    metricsserver.Options{BindAddress: *metricsAddr},
		HealthProbeBindAddress:     *healthAddr,
		PprofBindAddress:           *pprofAddr,
		LeaderElection:             *leaderElection,
		LeaderElectionID:           "crossplane-leader-election-" + c.Name,
		LeaderElectionNamespace:    *leaseNamespace,
		LeaderElectionResourceLock: resourcelock.LeasesResourceLock,
		LeaseDuration:              leaseDuration,
		RenewDeadline:              renewDeadline,
		RetryPeriod:                retryPeriod,
		// A replica stopped on purpose hands over at once instead of
		// making the standby wait out the lease; main returns right after.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("cannot create controller manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}

	mrMetrics := managed.NewMRMetricRecorder()
	stateMetrics := statemetrics.NewMRStateMetrics()
	metrics.Registry.MustRegister(mrMetrics, stateMetrics)
	metrics.Registry.MustRegister(apilimit.Collectors()...)
	metrics.Registry.MustRegister(cloudcall.Collectors()...)

	o := appcontroller.Options{
		Endpoints: providerconfig.EndpointPolicy{NamespacedPrefixes: splitList(*endpointPrefixes)},
		APILimits: apiLimits,
		Namespace: *namespace,
	}
	o.Options = controller.Options{
		Logger:                  log,
		MaxConcurrentReconciles: *maxConcurrent,
		PollInterval:            *pollInterval,
		GlobalRateLimiter:       ratelimiter.NewGlobal(*maxReconcileRate),
		Features:                &feature.Flags{},
		Gate:                    new(gate.Gate[schema.GroupVersionKind]),
		MetricOptions: &controller.MetricOptions{
			PollStateMetricInterval: *stateMetricsPoll,
			MRMetrics:               mrMetrics,
			MRStateMetrics:          stateMetrics,
		},
	}
	kinds, err := c.Setup(mgr, o)
	if err != nil {
		return fmt.Errorf("cannot set up controllers: %w", err)
	}
	if err := appcontroller.SetupKinds(mgr, o.Options, kinds); err != nil {
		return fmt.Errorf("cannot set up controllers: %w", err)
	}
	log.Info("Starting", "version", version, "poll", pollInterval.String(), "max-reconcile-rate", *maxReconcileRate, "max-concurrent-reconciles", *maxConcurrent, "cloud-api-rate-limits", apiLimits.String())
	return mgr.Start(ctrl.SetupSignalHandler())
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		return ctrl.GetConfig()
	}
	return clientcmd.BuildConfigFromFlags("", kubeconfig)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
