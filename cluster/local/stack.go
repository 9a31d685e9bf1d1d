package local

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// StackOptions configure StartStack.
type StackOptions struct {
	// Dir holds the stack's state: logs, the local cloud's data, certificates.
	Dir string
	// Delay scales how long the local cloud keeps a resource in each
	// transitional state.
	Delay time.Duration
	// Log receives the output of every process started.
	Log io.Writer
	// Progress, when set, receives a line as each part starts.
	Progress io.Writer
	// ProviderPackage leaves the provider's CRDs and configs out: the
	// provider is to be installed as a package, whose CRDs arrive as
	// ManagedResourceDefinitions, or they are installed later
	// (ControlPlane.InstallCRDs). Call ApplyProviderConfigs once they are.
	ProviderPackage bool
	// Activations are core's default ManagedResourceActivationPolicy's
	// entries; empty activates every kind ("*").
	Activations []string
	// WithoutCrossplane leaves out Crossplane core, the functions and the
	// registry, for tests of the provider alone.
	WithoutCrossplane bool
	// Credentials are more access keys (ACCESS_KEY_ID:SECRET) the local
	// cloud accepts besides AWSCredentials.
	Credentials []string
}

// Stack is the whole local stack but the provider: a control plane with
// the provider's CRDs, kumo (S3), fake-gcs-server (GCS), the local cloud
// (RDS and ElastiCache on real engines), and Crossplane core with the
// composition functions and a package registry. The dev stack and the
// end-to-end tests start it the same way.
type Stack struct {
	ControlPlane *ControlPlane
	Kube         client.Client
	Kumo         *Emulator
	GCS          *Emulator
	Cloud        *Emulator
	// CloudCAFile is the PEM certificate of the local cloud's CA.
	CloudCAFile string
	// Crossplane is nil when started WithoutCrossplane.
	Crossplane *Crossplane

	stops []func()
}

// AWSCredentials are the access key the local cloud accepts and the
// default ClusterProviderConfig uses.
const AWSCredentials = "local:local-secret"

// StartStack starts the stack and applies the provider's default
// ClusterProviderConfigs (AWS and GCP), which point at the emulators.
func StartStack(ctx context.Context, root string, o StackOptions) (_ *Stack, err error) {
	s := &Stack{}
	// On failure, stop whatever started (returns say nil, not s).
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	say := func(what string) {
		if o.Progress != nil {
			fmt.Fprintln(o.Progress, what)
		}
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}

	say("starting etcd, kube-apiserver and kube-controller-manager")
	var crds []string
	if !o.ProviderPackage {
		crds = []string{CRDDir(root)}
	}
	if s.ControlPlane, err = StartControlPlane(root, ControlPlaneOptions{
		CRDDirs:           crds,
		ControllerManager: true,
		Dir:               o.Dir,
		Log:               o.Log,
	}); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.ControlPlane.Stop)
	if s.Kube, err = client.New(s.ControlPlane.Config, client.Options{}); err != nil {
		return nil, err
	}

	say("starting kumo (S3)")
	if s.Kumo, err = StartKumo(root, o.Log); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.Kumo.Stop)

	say("starting fake-gcs-server (Cloud Storage)")
	if s.GCS, err = StartFakeGCS(root, o.Log); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.GCS.Stop)

	say("starting the local cloud (RDS and ElastiCache on real PostgreSQL, MySQL and Redis)")
	cloudDir, err := filepath.Abs(filepath.Join(o.Dir, "localcloud"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cloudDir, 0o755); err != nil {
		return nil, err
	}
	cloudOpts := LocalCloudOptions{Dir: cloudDir, Credentials: append([]string{AWSCredentials}, o.Credentials...), Delay: o.Delay, Log: o.Log}
	if s.Cloud, err = StartLocalCloud(root, cloudOpts); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.Cloud.Stop)
	s.CloudCAFile = LocalCloudCAFile(cloudOpts)

	if o.WithoutCrossplane && o.ProviderPackage {
		return s, nil
	}
	if o.WithoutCrossplane {
		say("applying the default ClusterProviderConfigs (AWS and GCP, pointing at the emulators)")
		return s, s.ApplyProviderConfigs(ctx)
	}
	say("starting a package registry, Crossplane core and the composition functions")
	if s.Crossplane, err = StartCrossplane(ctx, root, CrossplaneOptions{
		Config: s.ControlPlane.Config, Kubeconfig: s.ControlPlane.Kubeconfig,
		Dir: filepath.Join(o.Dir, "crossplane"), Log: o.Log, Activations: o.Activations,
	}); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.Crossplane.Stop)

	if o.ProviderPackage {
		return s, nil
	}
	say("applying the default ClusterProviderConfigs (AWS and GCP, pointing at the emulators)")
	if err := s.ApplyProviderConfigs(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Endpoints are the base URLs the provider reaches the clouds at.
type Endpoints struct {
	// S3 is kumo's.
	S3 string
	// AWS serves RDS and ElastiCache: the local cloud's.
	AWS string
	// GCS is fake-gcs-server's JSON API.
	GCS string
}

// Endpoints are the emulators' own endpoints.
func (s *Stack) Endpoints() Endpoints {
	return Endpoints{S3: s.Kumo.Endpoint, AWS: s.Cloud.Endpoint, GCS: s.GCS.Endpoint}
}

// ApplyProviderConfigs applies the default AWS and GCP
// ClusterProviderConfigs, which point at the emulators.
func (s *Stack) ApplyProviderConfigs(ctx context.Context) error {
	return s.ApplyProviderConfigsVia(ctx, s.Endpoints())
}

// ApplyProviderConfigsVia applies the default ClusterProviderConfigs with
// other endpoints, such as proxies in front of the emulators.
func (s *Stack) ApplyProviderConfigsVia(ctx context.Context, e Endpoints) error {
	cfgs, err := s.providerConfigs(e)
	if err != nil {
		return err
	}
	return Apply(ctx, s.Kube, cfgs)
}

// Stop stops everything StartStack started, in reverse order.
func (s *Stack) Stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}

// providerConfigs are the credentials Secret and the default AWS and GCP
// ClusterProviderConfigs for the emulators. The cache nodes of the local
// cloud have certificates of its own CA: connection Secrets carry it as
// ca.crt (resourceCABundle).
func (s *Stack) providerConfigs(e Endpoints) (string, error) {
	ca, err := os.ReadFile(s.CloudCAFile)
	if err != nil {
		return "", err
	}
	id, secret, _ := strings.Cut(AWSCredentials, ":")
	return fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata:
  name: crossplane-system
---%s---
apiVersion: aws.appinfra.io/v1alpha1
kind: ClusterProviderConfig
metadata:
  name: default
spec:
  credentials:
    source: Secret
    secretRef: {namespace: crossplane-system, name: aws-creds, key: credentials}
  region: us-east-1
  endpoint:
    url: %s
    services:
      rds: %s
      elasticache: %s
    resourceCABundle: |
%s
  s3:
    usePathStyle: true
---
apiVersion: gcp.appinfra.io/v1alpha1
kind: ClusterProviderConfig
metadata:
  name: default
spec:
  projectID: local-project
  credentials:
    source: None
  endpoint:
    storage: %s
`, AWSCredentialsSecret(id, secret), e.S3, e.AWS, e.AWS, indent(string(ca), "      "), e.GCS), nil
}

// AWSCredentialsSecret is the credentials Secret of the default AWS
// ClusterProviderConfig holding the access key id:secret; applying it
// again with another key rotates the key.
func AWSCredentialsSecret(id, secret string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Secret
metadata:
  name: aws-creds
  namespace: crossplane-system
stringData:
  credentials: |
    [default]
    aws_access_key_id = %s
    aws_secret_access_key = %s
`, id, secret)
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n")
}
