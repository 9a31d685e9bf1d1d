package local

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
)

// Crossplane core, like the provider, runs out of cluster: there are no
// nodes to run package pods on. Core uses the External package runtime, so
// installing a package works as in a cluster (pulled from a registry,
// unpacked, revisions, dependencies) but nothing starts its process; this
// file plays that runtime for functions: it starts each function's binary
// on 127.0.0.1 with a server certificate from core's CA and writes the
// endpoint into the FunctionRevision's status, as the Deployment runtime
// would write its Service's address.

const (
	crossplaneNamespace = "crossplane-system"
	// The Secrets core init fills: its CA, and the client certificate core
	// presents to functions (mTLS).
	secretRootCA    = "crossplane-root-ca"
	secretTLSClient = "crossplane-tls-client"
	secretTLSServer = "crossplane-tls-server"

	// UpstreamRegistry is where the packages this project depends on are
	// published. An ImageConfig rewrites it to the local registry, the way
	// an air-gapped cluster points Crossplane at its mirror.
	UpstreamRegistry = "xpkg.crossplane.io"
)

// CrossplaneOptions configure StartCrossplane.
type CrossplaneOptions struct {
	// Config and Kubeconfig reach the control plane as an administrator.
	Config     *rest.Config
	Kubeconfig []byte
	// Dir holds certificates, the package cache, built packages and
	// registry blobs.
	Dir string
	// Log receives the output of the processes started.
	Log io.Writer
	// Activations are the default ManagedResourceActivationPolicy's
	// entries; empty activates every kind.
	Activations []string
}

// Crossplane is Crossplane core running out of cluster, the local OCI
// registry it installs packages from, and the function processes it calls.
type Crossplane struct {
	// Registry is the local registry's host:port. ImageConfig
	// "local-registry" points UpstreamRegistry at it.
	Registry string
	// CLI is the path of the crossplane CLI.
	CLI string
	// Crane is the path of crane.
	Crane string
	// Core is the path of Crossplane core's binary (render's engine too).
	Core string
	// FunctionBin holds the functions' binaries, named as their Functions:
	// what `appinfra plan --function-bin` runs.
	FunctionBin string

	root      string
	dir       string
	log       io.Writer
	kube      client.Client
	env       []string
	processes []*Process
}

// StartCrossplane starts the local registry and Crossplane core (after
// core init: its CRDs, CA and certificates, and an activation policy for
// every managed resource), then publishes the composition functions the
// root crossplane.yaml depends on to the registry, installs them as
// Function packages and runs them.
func StartCrossplane(ctx context.Context, root string, o CrossplaneOptions) (xp *Crossplane, err error) {
	bin, err := ToolDir(root, "crossplane")
	if err != nil {
		return nil, err
	}
	kube, err := client.New(o.Config, client.Options{})
	if err != nil {
		return nil, err
	}
	kubeconfig := filepath.Join(o.Dir, "crossplane.kubeconfig")
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(kubeconfig, o.Kubeconfig, 0o600); err != nil {
		return nil, err
	}
	xp = &Crossplane{CLI: filepath.Join(bin, "crossplane"), Crane: filepath.Join(bin, "crane"), Core: filepath.Join(bin, "crossplane-core"), root: root, dir: o.Dir, log: o.Log, kube: kube,
		env: []string{"KUBECONFIG=" + kubeconfig}}
	defer func() {
		if err != nil {
			xp.Stop()
		}
	}()

	if xp.Registry, err = xp.startRegistry(xp.Crane); err != nil {
		return nil, err
	}
	if err := ensureNamespace(ctx, kube, crossplaneNamespace); err != nil {
		return nil, err
	}
	activations := o.Activations
	if len(activations) == 0 {
		activations = []string{"*"}
	}
	if err := xp.initCore(ctx, xp.Core, activations); err != nil {
		return nil, err
	}
	if err := xp.startCore(ctx, xp.Core); err != nil {
		return nil, err
	}
	if err := xp.applyImageConfig(ctx); err != nil {
		return nil, err
	}
	if err := xp.installFunctions(ctx); err != nil {
		return nil, err
	}
	return xp, nil
}

// Stop stops the functions, core and the registry.
func (x *Crossplane) Stop() {
	for i := len(x.processes) - 1; i >= 0; i-- {
		x.processes[i].Stop()
	}
	x.processes = nil
}

func (x *Crossplane) startRegistry(crane string) (string, error) {
	port, err := FreePort()
	if err != nil {
		return "", err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	blobs := filepath.Join(x.dir, "registry")
	if err := os.MkdirAll(blobs, 0o700); err != nil {
		return "", err
	}
	p, err := Start(x.log, crane, "registry", "serve", "--address", addr, "--disk", blobs)
	if err != nil {
		return "", err
	}
	x.processes = append(x.processes, p)
	if err := p.WaitListening(addr, 30*time.Second); err != nil {
		return "", fmt.Errorf("the local registry did not start: %w", err)
	}
	return addr, nil
}

// initCore runs core init. Its first run can race the establishment of the
// CRDs it has just created ("no matches for kind"): it is idempotent, so it
// is retried, for up to two minutes (on a busy machine the API server takes
// a while to serve new CRDs; in a cluster, kubelet would restart the pod).
func (x *Crossplane) initCore(ctx context.Context, core string, activations []string) error {
	crds, err := moduleDir(filepath.Join(x.root, "cluster", "tools", "crossplane"), "github.com/crossplane/crossplane/v2")
	if err != nil {
		return err
	}
	args := []string{"core", "init", "--cr-ds-path=" + filepath.Join(crds, "cluster", "crds"),
		"--enable-webhooks=false",
		"--tlsca-secret-name=" + secretRootCA, "--tls-client-secret-name=" + secretTLSClient,
		"--tls-server-secret-name=" + secretTLSServer}
	for _, a := range activations {
		args = append(args, "--activation="+a)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		cmd := exec.CommandContext(ctx, core, args...)
		cmd.Env = append(os.Environ(), x.env...)
		out, err := cmd.CombinedOutput()
		_, _ = x.log.Write(out)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("crossplane core init: %w: %s", err, lastLine(out))
		}
		time.Sleep(2 * time.Second)
	}
}

func (x *Crossplane) startCore(ctx context.Context, core string) error {
	certs := filepath.Join(x.dir, "core-client-certs")
	if err := x.writeSecretFiles(ctx, secretTLSClient, certs); err != nil {
		return err
	}
	metrics, err := FreePort()
	if err != nil {
		return err
	}
	health, err := FreePort()
	if err != nil {
		return err
	}
	// Core caches unpacked packages here and cannot unpack one when the
	// directory is missing ("read/write on closed pipe").
	cache := filepath.Join(x.dir, "xpkg-cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return err
	}
	p, err := startWithEnv(x.log, x.env, core, "core", "start",
		"--enable-webhooks=false", "--package-runtime=External",
		"--tls-client-certs-dir="+certs, "--xpkg-cache-dir="+cache,
		"--metrics-port="+strconv.Itoa(metrics), "--health-probe-port="+strconv.Itoa(health))
	if err != nil {
		return err
	}
	x.processes = append(x.processes, p)
	return p.WaitListening(net.JoinHostPort("127.0.0.1", strconv.Itoa(health)), 60*time.Second)
}

func (x *Crossplane) applyImageConfig(ctx context.Context) error {
	return Apply(ctx, x.kube, fmt.Sprintf(`
apiVersion: pkg.crossplane.io/v1beta1
kind: ImageConfig
metadata:
  name: local-registry
spec:
  matchImages:
  - type: Prefix
    prefix: %s/
  rewriteImage:
    prefix: %s/
`, UpstreamRegistry, x.Registry))
}

// Apply server-side applies YAML documents as the local stack's field
// manager.
func Apply(ctx context.Context, kube client.Client, docs string) error {
	for _, doc := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			return err
		}
		if err := kube.Patch(ctx, u, client.Apply, client.FieldOwner("appinfra-local"), client.ForceOwnership); err != nil {
			return fmt.Errorf("cannot apply %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	return nil
}

// Function is a composition function the platform APIs depend on.
type Function struct {
	Name    string // package name, and the Function's name in compositions
	Source  string // e.g. xpkg.crossplane.io/crossplane-contrib/function-go-templating
	Version string
}

// Functions reads the functions from the root crossplane.yaml: their
// names and pinned versions have one home, which the stack, the render
// tests and the tools' build (checked by a test) follow.
func Functions(root string) ([]Function, error) {
	b, err := os.ReadFile(filepath.Join(root, "crossplane.yaml"))
	if err != nil {
		return nil, err
	}
	var meta struct {
		Spec struct {
			DependsOn []struct {
				Function string `json:"function"`
				Version  string `json:"version"`
			} `json:"dependsOn"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("crossplane.yaml: %w", err)
	}
	var fns []Function
	for _, d := range meta.Spec.DependsOn {
		if d.Function == "" {
			continue
		}
		fns = append(fns, Function{Name: d.Function[strings.LastIndex(d.Function, "/")+1:], Source: d.Function, Version: d.Version})
	}
	return fns, nil
}

// installFunctions builds each function's package from its module's
// package/ directory (the upstream package's content; the runtime image is
// not needed by the External runtime), pushes it to the local registry,
// installs it as a Function and runs its binary for the active revision.
func (x *Crossplane) installFunctions(ctx context.Context) error {
	fns, err := Functions(x.root)
	if err != nil {
		return err
	}
	bin, err := ToolDir(x.root, "functions")
	if err != nil {
		return err
	}
	x.FunctionBin = bin
	for _, fn := range fns {
		if !strings.HasPrefix(fn.Source, UpstreamRegistry+"/") {
			return fmt.Errorf("function %s: only packages of %s are mirrored locally", fn.Source, UpstreamRegistry)
		}
		path := strings.TrimPrefix(fn.Source, UpstreamRegistry+"/")
		src, err := moduleDir(filepath.Join(x.root, "cluster", "tools", "functions"), "github.com/"+path)
		if err != nil {
			return err
		}
		pkg := filepath.Join(x.dir, "packages", fn.Name+".xpkg")
		if err := x.BuildPackage(ctx, filepath.Join(src, "package"), pkg); err != nil {
			return err
		}
		if err := x.PushPackage(ctx, pkg, path+":"+fn.Version); err != nil {
			return err
		}
		if err := Apply(ctx, x.kube, fmt.Sprintf(`
apiVersion: pkg.crossplane.io/v1
kind: Function
metadata:
  name: %s
spec:
  package: %s:%s
`, fn.Name, fn.Source, fn.Version)); err != nil {
			return err
		}
	}
	for _, fn := range fns {
		if err := x.runFunction(ctx, fn.Name, filepath.Join(bin, fn.Name)); err != nil {
			return err
		}
	}
	return nil
}

// ExtractFile writes the file at path in the image ref of the local
// registry (its layers flattened, as a container would see them) to dst.
func (x *Crossplane) ExtractFile(ctx context.Context, ref, path, dst string) error {
	cmd := exec.CommandContext(ctx, x.Crane, "export", x.Registry+"/"+ref, "-")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = x.log
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Wait() //nolint:errcheck // The tar reader reports a broken stream.
	tr := tar.NewReader(out)
	for {
		h, err := tr.Next()
		if err != nil {
			return fmt.Errorf("%s has no %s: %w", ref, path, err)
		}
		if strings.TrimPrefix(h.Name, "/") != path {
			continue
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, tr); err != nil {
			_ = f.Close()
			return err
		}
		_, _ = io.Copy(io.Discard, out)
		return f.Close()
	}
}

// BuildPackage builds a package from dir's YAML with the crossplane CLI,
// which lints it.
func (x *Crossplane) BuildPackage(ctx context.Context, dir, out string, extra ...string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		return err
	}
	return x.run(ctx, append([]string{"xpkg", "build", "--package-root=" + dir, "--package-file=" + out}, extra...)...)
}

// PushPackage pushes a built package to the local registry as repo:tag
// (repo without the registry).
func (x *Crossplane) PushPackage(ctx context.Context, pkg, repoTag string) error {
	return x.run(ctx, "xpkg", "push", "--package-files="+pkg, x.Registry+"/"+repoTag)
}

func (x *Crossplane) run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, x.CLI, args...)
	cmd.Env = append(os.Environ(), x.env...)
	out, err := cmd.CombinedOutput()
	_, _ = x.log.Write(out)
	if err != nil {
		return fmt.Errorf("crossplane %s: %w: %s", strings.Join(args[:2], " "), err, lastLine(out))
	}
	return nil
}

var (
	functionRevisionList = schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: "FunctionRevisionList"}
	providerRevisionList = schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: "ProviderRevisionList"}
)

// runFunction waits for the Function's active revision, starts its binary
// with a server certificate signed by core's CA (core dials functions with
// mTLS) and records the endpoint in the revision's status, which is what
// core reads to call it.
func (x *Crossplane) runFunction(ctx context.Context, name, binary string) error {
	rev, err := x.activeRevision(ctx, functionRevisionList, name)
	if err != nil {
		return err
	}
	certs, secret, err := x.serverCertificate(ctx, name)
	if err != nil {
		return err
	}
	port, err := FreePort()
	if err != nil {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p, err := Start(x.log, binary, "--address="+addr, "--tls-certs-dir="+certs)
	if err != nil {
		return err
	}
	x.processes = append(x.processes, p)
	if err := p.WaitListening(addr, 30*time.Second); err != nil {
		return fmt.Errorf("function %s did not start: %w", name, err)
	}
	return x.markRunning(ctx, rev, addr, map[string]any{"endpoint": addr, "tlsServerSecretName": secret})
}

// ServeProvider plays the package runtime for an installed Provider: once
// its revision is active it runs binary (taken from the package's image by
// the caller) with args, its output to log, and marks the revision's runtime healthy. The
// process stops with Stop.
func (x *Crossplane) ServeProvider(ctx context.Context, name string, log io.Writer, binary string, args ...string) (*Process, error) {
	rev, err := x.activeRevision(ctx, providerRevisionList, name)
	if err != nil {
		return nil, err
	}
	_, secret, err := x.serverCertificate(ctx, name)
	if err != nil {
		return nil, err
	}
	p, err := Start(log, binary, args...)
	if err != nil {
		return nil, err
	}
	x.processes = append(x.processes, p)
	// The certificate serves as both: it is valid for client and server
	// authentication.
	return p, x.markRunning(ctx, rev, "pid "+strconv.Itoa(p.PID()), map[string]any{"tlsServerSecretName": secret, "tlsClientSecretName": secret})
}

// activeRevision waits for the revision of package name that is to be
// active.
func (x *Crossplane) activeRevision(ctx context.Context, list schema.GroupVersionKind, name string) (*unstructured.Unstructured, error) {
	var rev *unstructured.Unstructured
	err := poll(ctx, 2*time.Minute, func() (bool, error) {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(list)
		if err := x.kube.List(ctx, l, client.MatchingLabels{"pkg.crossplane.io/package": name}); err != nil {
			return false, err
		}
		for i := range l.Items {
			if s, _, _ := unstructured.NestedString(l.Items[i].Object, "spec", "desiredState"); s == "Active" {
				rev = &l.Items[i]
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("package %s has no active revision: %w", name, err)
	}
	return rev, nil
}

// serverCertificate issues a certificate for a package's process into a
// directory of its own and keeps it in a Secret in crossplane-system, as
// the Deployment runtime does: revisions name that Secret in their status
// and their establisher waits for it.
func (x *Crossplane) serverCertificate(ctx context.Context, name string) (dir, secret string, err error) {
	dir = filepath.Join(x.dir, "runtime", name)
	if err := x.issueServerCertificate(ctx, dir); err != nil {
		return "", "", err
	}
	secret = name + "-tls-server"
	return dir, secret, x.secretFromFiles(ctx, secret, dir)
}

// markRunning records in a revision's status that its runtime is healthy,
// with the given status fields.
func (x *Crossplane) markRunning(ctx context.Context, rev *unstructured.Unstructured, where string, fields map[string]any) error {
	fields["conditions"] = []any{map[string]any{
		"type": "RuntimeHealthy", "status": "True", "reason": "HealthyPackageRuntime",
		"message": "running as " + where + " (appinfra local runtime)", "lastTransitionTime": metav1.Now().UTC().Format(time.RFC3339),
	}}
	patch, _ := json.Marshal(map[string]any{"status": fields})
	if err := x.kube.Status().Patch(ctx, rev, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("cannot record %s's runtime: %w", rev.GetName(), err)
	}
	return nil
}

// issueServerCertificate writes tls.crt and tls.key (for 127.0.0.1, signed
// by core's CA) and ca.crt (to verify core's client certificate) into dir.
func (x *Crossplane) issueServerCertificate(ctx context.Context, dir string) error {
	s := &corev1.Secret{}
	if err := x.kube.Get(ctx, client.ObjectKey{Namespace: crossplaneNamespace, Name: secretRootCA}, s); err != nil {
		return fmt.Errorf("cannot read Crossplane's CA: %w", err)
	}
	ca, err := engines.ParseCA(s.Data["tls.crt"], s.Data["tls.key"])
	if err != nil {
		return fmt.Errorf("Crossplane's CA: %w", err)
	}
	if err := ca.IssueServer(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ca.crt"), ca.PEM(), 0o600)
}

// writeSecretFiles writes each key of a Secret in crossplane-system to a
// file of that name in dir.
func (x *Crossplane) writeSecretFiles(ctx context.Context, name, dir string) error {
	s := &corev1.Secret{}
	if err := x.kube.Get(ctx, client.ObjectKey{Namespace: crossplaneNamespace, Name: name}, s); err != nil {
		return fmt.Errorf("cannot read Secret %s/%s: %w", crossplaneNamespace, name, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for k, v := range s.Data {
		if err := os.WriteFile(filepath.Join(dir, k), v, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// secretFromFiles applies a Secret in crossplane-system holding the files
// of dir.
func (x *Crossplane) secretFromFiles(ctx context.Context, name, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	s := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: crossplaneNamespace, Name: name},
		Data:       map[string][]byte{},
	}
	for _, e := range entries {
		if s.Data[e.Name()], err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return x.kube.Patch(ctx, s, client.Apply, client.FieldOwner("appinfra-local"), client.ForceOwnership)
}

func ensureNamespace(ctx context.Context, kube client.Client, name string) error {
	err := kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if kerrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// moduleDir returns the directory of a module in the module cache, as the
// nested tools module in modDir requires it.
func moduleDir(modDir, module string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module)
	cmd.Dir = modDir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot find module %s: %w", module, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("module %s is not downloaded", module)
	}
	return dir, nil
}

func poll(ctx context.Context, timeout time.Duration, done func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ok, err := done()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
