// Command devstack runs the local stack for development until it is told to
// stop: etcd, kube-apiserver and kube-controller-manager with the provider's
// CRDs installed, kumo (S3), fake-gcs-server (GCS), the project's local
// cloud (RDS and ElastiCache on real engines), a package registry,
// Crossplane core with the composition functions, and a trace viewer that
// receives the provider's spans (cluster/traceview). It applies the default
// ClusterProviderConfigs and writes a kubeconfig and an env file into --dir
// for cluster/dev.sh and for you. The providers run separately.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/appinfra/provider-appinfra/cluster/local"
	"github.com/appinfra/provider-appinfra/cluster/traceview"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", ".dev", "Directory for the kubeconfig, env file and logs.")
	delay := flag.Duration("delay", 3*time.Second, "How long the local cloud keeps a resource in each transitional state (creating, modifying, ...).")
	flag.Parse()
	// envtest, which starts the control plane, logs through
	// controller-runtime's logger; without one, controller-runtime prints
	// a stack trace into make dev's first screen once the start has taken
	// 30 s (a new machine's builds). What it would log is in
	// processes.log.
	ctrllog.SetLogger(logr.Discard())

	// A signal during start-up stops what has started so far, not only a
	// stack that is up.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	root, err := local.Root()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(*dir, "processes.log"))
	if err != nil {
		return err
	}
	defer logf.Close() //nolint:errcheck // Best effort log file.

	s, err := local.StartStack(ctx, root, local.StackOptions{Dir: *dir, Delay: *delay, Log: logf, Progress: prefixed{"devstack: "}, RelocateCloudData: true})
	if err != nil {
		return err
	}
	defer s.Stop()

	// The trace viewer: the provider sends it its spans (--otel-endpoint).
	traces, err := traceview.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer traces.Close()

	env := fmt.Sprintf("KUMO_ENDPOINT=%s\nLOCALCLOUD_ENDPOINT=%s\nLOCALCLOUD_CA=%s\nGCS_ENDPOINT=%s\nPACKAGE_REGISTRY=%s\nCROSSPLANE_CLI=%s\nTRACES_URL=%s\n",
		s.Kumo.Endpoint, s.Cloud.Endpoint, s.CloudCAFile, s.GCS.Endpoint, s.Crossplane.Registry, s.Crossplane.CLI, traces.URL)
	// What `appinfra plan` renders Compositions with (its flags'
	// environment variables).
	env += fmt.Sprintf("APPINFRA_CROSSPLANE=%s\nAPPINFRA_CROSSPLANE_BINARY=%s\nAPPINFRA_FUNCTION_BIN=%s\n", s.Crossplane.CLI, s.Crossplane.Core, s.Crossplane.FunctionBin)
	// A metrics address for each provider of the family (dev.sh starts
	// them).
	for _, cloud := range local.Clouds {
		port, err := local.FreePort()
		if err != nil {
			return err
		}
		env += fmt.Sprintf("PROVIDER_%s_METRICS_ADDR=127.0.0.1:%d\n", strings.ToUpper(cloud), port)
	}
	if err := os.WriteFile(filepath.Join(*dir, "env"), []byte(env), 0o600); err != nil {
		return err
	}
	// The kubeconfig is written last: its presence tells dev.sh we are up.
	if err := os.WriteFile(filepath.Join(*dir, "kubeconfig"), s.ControlPlane.Kubeconfig, 0o600); err != nil {
		return err
	}
	fmt.Println("devstack: ready; kubeconfig at", filepath.Join(*dir, "kubeconfig"))

	<-ctx.Done()
	fmt.Println("devstack: stopping")
	_ = os.Remove(filepath.Join(*dir, "kubeconfig"))
	return nil
}

// prefixed writes each line it is given after a prefix.
type prefixed struct{ prefix string }

func (p prefixed) Write(b []byte) (int, error) {
	if _, err := fmt.Print(p.prefix, string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}
