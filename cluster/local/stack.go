package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"

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
	// RelocateCloudData keeps the local cloud's data out of Dir when the
	// engines' users cannot enter Dir (a checkout under root's home):
	// for the dev stack. Without it such a Dir is an error.
	RelocateCloudData bool
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
	// step says what starts next, unless ctx has ended (devstack's SIGTERM
	// during start-up): then nothing more starts, and what did is stopped.
	step := func(what string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		say(what)
		return nil
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	// Everything that can fail slowly or for reasons of the machine comes
	// before the first process starts: the tools' builds (minutes on a new
	// machine, which no start-up wait should have to cover) and the place
	// of the engines' data.
	cloudDir, note, err := cloudDataDir(o.Dir, o.RelocateCloudData)
	if err != nil {
		return nil, err
	}
	if note != "" {
		say(note)
	}
	tools := []string{"kube", "etcd", "kumo", "fake-gcs"}
	if !o.WithoutCrossplane {
		tools = append(tools, "crossplane", "functions")
	}
	if err := step("building what the stack runs where not built yet (" + strings.Join(tools, ", ") + ", the local cloud): on a new machine, once, many minutes"); err != nil {
		return nil, err
	}
	for _, t := range tools {
		if _, err := ToolDir(root, t); err != nil {
			return nil, err
		}
	}
	if err := BuildLocalCloud(root, cloudDir, o.Log); err != nil {
		return nil, err
	}

	if err := step("starting etcd, kube-apiserver and kube-controller-manager"); err != nil {
		return nil, err
	}
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

	if err := step("starting kumo (S3)"); err != nil {
		return nil, err
	}
	if s.Kumo, err = StartKumo(root, o.Log); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.Kumo.Stop)

	if err := step("starting fake-gcs-server (Cloud Storage)"); err != nil {
		return nil, err
	}
	if s.GCS, err = StartFakeGCS(root, o.Log); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.GCS.Stop)

	if err := step("starting the local cloud (RDS and ElastiCache on real PostgreSQL, MySQL and Redis)"); err != nil {
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
		if err := step("applying the default ClusterProviderConfigs (AWS and GCP, pointing at the emulators)"); err != nil {
			return nil, err
		}
		return s, s.ApplyProviderConfigs(ctx)
	}
	if err := step("starting a package registry, Crossplane core and the composition functions"); err != nil {
		return nil, err
	}
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
	if err := step("applying the default ClusterProviderConfigs (AWS and GCP, pointing at the emulators)"); err != nil {
		return nil, err
	}
	if err := s.ApplyProviderConfigs(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Endpoints are the base URLs the provider reaches the clouds at.
type Endpoints struct {
	// S3 is kumo's.
	S3 string
	// AWS serves RDS, ElastiCache and EC2: the local cloud's.
	AWS string
	// GCS is fake-gcs-server's JSON API.
	GCS string
	// Google serves Cloud SQL Admin and Memorystore: the local cloud's.
	// Empty means the local cloud's own endpoint.
	Google string
}

// Endpoints are the emulators' own endpoints.
func (s *Stack) Endpoints() Endpoints {
	return Endpoints{S3: s.Kumo.Endpoint, AWS: s.Cloud.Endpoint, GCS: s.GCS.Endpoint, Google: s.Cloud.Endpoint}
}

// ApplyProviderConfigs applies the default AWS and GCP
// ClusterProviderConfigs, which point at the emulators.
func (s *Stack) ApplyProviderConfigs(ctx context.Context) error {
	return s.ApplyProviderConfigsVia(ctx, s.Endpoints())
}

// ApplyProviderConfigsVia applies the default ClusterProviderConfigs with
// other endpoints, such as proxies in front of the emulators.
func (s *Stack) ApplyProviderConfigsVia(ctx context.Context, e Endpoints) error {
	if e.Google == "" {
		e.Google = s.Cloud.Endpoint
	}
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
	// The local cloud writes a service account key whose token_uri is
	// its own token endpoint, and trusts it: the GCP config signs in as
	// with a key downloaded from Google (fake-gcs-server ignores tokens).
	key, err := os.ReadFile(GCPKeyFile(s.CloudCAFile))
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
      ec2: %s
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
    source: Secret
    secretRef: {namespace: crossplane-system, name: gcp-creds, key: key.json}
  endpoint:
    storage: %s
    sqlAdmin: %s/
    redis: %s/
---
apiVersion: v1
kind: Secret
metadata:
  name: gcp-creds
  namespace: crossplane-system
stringData:
  key.json: |
%s
`, AWSCredentialsSecret(id, secret), e.S3, e.AWS, e.AWS, e.AWS, indent(string(ca), "      "), e.GCS,
		strings.TrimSuffix(e.Google, "/"), strings.TrimSuffix(e.Google, "/"), indent(string(key), "    ")), nil
}

// GCPKeyFile is the service account key the local cloud whose CA is at
// caFile writes and trusts.
func GCPKeyFile(caFile string) string {
	return filepath.Join(filepath.Dir(caFile), "gcp-service-account.json")
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

// relocatedData is where the stack keeps the local cloud's data when its
// own directory is out of the engines' reach. Only root needs it (as
// another user the engines run as that user), and only root can write it:
// no other user can plant anything there, and nothing cleans it up behind
// the stack's back as tmpfiles does /var/tmp.
var relocatedData = "/var/lib/provider-appinfra"

// cloudDataDir is where the local cloud keeps its data: dir/localcloud
// when the engines' system users (postgres, mysql, redis: the engines
// refuse root) can enter it. A checkout under a directory of mode 700
// (root's home, any mktemp -d) is out of their reach: with relocate the
// data then goes to a directory of relocatedData named for this state
// dir, and dir/localcloud links to it, so the state is where it always
// was for whoever looks and survives a restart of the stack as before;
// without, the reason is the error. note says what was done.
func cloudDataDir(dir string, relocate bool) (path, note string, err error) {
	link, err := filepath.Abs(filepath.Join(dir, "localcloud"))
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(link))
	target := filepath.Join(relocatedData, hex.EncodeToString(sum[:8]))
	if dest, err := os.Readlink(link); err == nil {
		if dest != target {
			return "", "", fmt.Errorf("%s links to %s, not to where the stack keeps its data (%s): remove the link", link, dest, target)
		}
		return target, fmt.Sprintf("the local cloud keeps its data in %s, linked from %s", target, link), ensureReachable(target)
	}
	if err := mkdirReachable(link); err != nil {
		return "", "", err
	}
	reachErr := engines.CheckReach(link, engines.Default()...)
	if reachErr == nil {
		return link, "", nil
	}
	if !relocate || os.Geteuid() != 0 {
		return "", "", reachErr
	}
	// The link is new: whatever a directory of that name holds is from a
	// state dir that was removed (rm -rf .dev, to start afresh).
	if err := os.RemoveAll(target); err != nil {
		return "", "", err
	}
	if err := ensureReachable(filepath.Dir(target)); err != nil {
		return "", "", err
	}
	// An earlier run's data (its engines never could start there) moves
	// along; an empty directory simply goes.
	if err := os.Rename(link, target); err != nil {
		return "", "", fmt.Errorf("%w; and %s cannot move to %s (%v): remove it and start again", reachErr, link, target, err)
	}
	if err := ensureReachable(target); err != nil {
		return "", "", err
	}
	if err := os.Symlink(target, link); err != nil {
		return "", "", err
	}
	return target, fmt.Sprintf("the database engines run as their own users, who cannot enter %s: the local cloud keeps its data in %s, linked from %s", dir, target, link), nil
}

// mkdirReachable makes dir with mode 755 whatever the umask: the engines'
// users must enter it.
func mkdirReachable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.Chmod(dir, 0o755)
}

// ensureReachable makes dir (below relocatedData) a directory of mode 755
// owned by this user, refusing anything else in its place, and checks the
// engines can enter it.
func ensureReachable(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s is not a directory of this user's: remove it", dir)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	return engines.CheckReach(dir, engines.Default()...)
}
