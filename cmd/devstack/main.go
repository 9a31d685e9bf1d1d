// Command devstack runs the local cloud for development until it is told to
// stop: etcd, kube-apiserver and kube-controller-manager with the provider's
// CRDs installed, the kumo S3 emulator, and the project's local cloud (RDS
// backed by real PostgreSQL). It writes a kubeconfig and an
// env file into --dir for cluster/dev.sh and for you.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/local"
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

	fmt.Println("devstack: starting etcd, kube-apiserver and kube-controller-manager")
	cp, err := local.StartControlPlane(root, local.ControlPlaneOptions{
		CRDDirs:           []string{filepath.Join(root, "package", "crds")},
		ControllerManager: true,
		Dir:               *dir,
		Log:               logf,
	})
	if err != nil {
		return err
	}
	defer cp.Stop()

	fmt.Println("devstack: starting kumo (S3 emulator)")
	kumo, err := local.StartKumo(root, logf)
	if err != nil {
		return err
	}
	defer kumo.Stop()

	fmt.Println("devstack: starting the local cloud (RDS and ElastiCache on real engines)")
	cloudDir, err := filepath.Abs(filepath.Join(*dir, "localcloud"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cloudDir, 0o755); err != nil {
		return err
	}
	cloudOpts := local.LocalCloudOptions{Dir: cloudDir, Credentials: []string{"local:local-secret"}, Delay: *delay, Log: logf}
	cloud, err := local.StartLocalCloud(root, cloudOpts)
	if err != nil {
		return err
	}
	defer cloud.Stop()

	metricsPort, err := local.FreePort()
	if err != nil {
		return err
	}
	env := fmt.Sprintf("KUMO_ENDPOINT=%s\nLOCALCLOUD_ENDPOINT=%s\nLOCALCLOUD_CA=%s\nPROVIDER_METRICS_ADDR=127.0.0.1:%d\n",
		kumo.Endpoint, cloud.Endpoint, local.LocalCloudCAFile(cloudOpts), metricsPort)
	if err := os.WriteFile(filepath.Join(*dir, "env"), []byte(env), 0o600); err != nil {
		return err
	}
	// The kubeconfig is written last: its presence tells dev.sh we are up.
	if err := os.WriteFile(filepath.Join(*dir, "kubeconfig"), cp.Kubeconfig, 0o600); err != nil {
		return err
	}
	fmt.Println("devstack: ready; kubeconfig at", filepath.Join(*dir, "kubeconfig"))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	fmt.Println("devstack: stopping")
	_ = os.Remove(filepath.Join(*dir, "kubeconfig"))
	return nil
}
