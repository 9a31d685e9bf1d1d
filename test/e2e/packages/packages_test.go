//go:build e2e

// Package packages proves the packages as a platform team uses them: the
// provider family (provider-appinfra-aws, provider-appinfra-gcp) and the
// configuration that depends on both, built offline and reproducibly,
// pushed to a registry, installed through Crossplane's package manager
// (core v2.4, External runtime), each provider running the binary taken
// out of its package's image, with safe start.
package packages

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/appinfra/provider-appinfra/cluster/local"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// The kinds the test activates at first; GCS buckets come later.
var firstActivations = []string{
	"buckets.s3.aws.appinfra.io", "dbinstances.rds.aws.appinfra.io", "replicationgroups.elasticache.aws.appinfra.io",
}

func TestPackages(t *testing.T) {
	ctrllog.SetLogger(logr.Discard())
	ctx := context.Background()
	root, err := local.Root()
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimSpace(string(must(os.ReadFile(filepath.Join(root, "VERSION")))))
	// The local cloud's engines, which run as their own users, enter it:
	// not below t.TempDir's parent, which is mode 700.
	dir := localcloudtest.DataDir(t)

	// Built twice from one commit: the same bytes, so the same digests.
	first, second := filepath.Join(dir, "build-1"), filepath.Join(dir, "build-2")
	for _, out := range []string{first, second} {
		cmd := exec.Command("bash", filepath.Join(root, "cluster", "package.sh"), out)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cluster/package.sh: %v\n%s", err, b)
		}
	}
	repos := map[string]string{} // repository:tag -> package file
	for _, name := range []string{"provider-appinfra-aws", "provider-appinfra-gcp", "configuration-appinfra-platform"} {
		repos["appinfra/"+name+":"+version] = fmt.Sprintf("%s-%s.xpkg", name, version)
	}
	for _, f := range repos {
		a, b := digest(t, filepath.Join(first, f)), digest(t, filepath.Join(second, f))
		if a != b {
			t.Errorf("%s is not reproducible: sha256 %s, then %s", f, a, b)
		}
	}

	logf, err := os.Create(filepath.Join(dir, "processes.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() //nolint:errcheck // Test log.
	stack, err := local.StartStack(ctx, root, local.StackOptions{
		Dir: dir, Delay: time.Second, Log: logf, Progress: os.Stderr,
		ProviderPackage: true, Activations: firstActivations,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Stop()
	kube, xp := stack.Kube, stack.Crossplane
	t.Cleanup(func() {
		if t.Failed() {
			for _, cloud := range local.Clouds {
				b, _ := os.ReadFile(providerLog(dir, cloud))
				t.Logf("provider-%s log:\n%s", cloud, b)
			}
		}
	})

	// Published as a platform team would: crossplane xpkg push. The
	// ImageConfig of the stack maps xpkg.crossplane.io to this registry.
	for repo, f := range repos {
		if err := xp.PushPackage(ctx, filepath.Join(first, f), repo); err != nil {
			t.Fatal(err)
		}
	}

	kc := filepath.Join(dir, "provider.kubeconfig")
	if err := os.WriteFile(kc, stack.ControlPlane.Kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cloud := range local.Clouds {
		name := "provider-appinfra-" + cloud
		if err := local.Apply(ctx, kube, fmt.Sprintf(`
apiVersion: pkg.crossplane.io/v1
kind: Provider
metadata:
  name: %s
spec:
  package: xpkg.crossplane.io/appinfra/%s:%s
`, name, name, version)); err != nil {
			t.Fatal(err)
		}

		// The runtime: the binary out of the package's image, as pulled
		// from the registry.
		bin := filepath.Join(dir, name+"-from-image")
		if err := xp.ExtractFile(ctx, "appinfra/"+name+":"+version, "usr/local/bin/provider", bin); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "--version").Output(); err != nil || strings.TrimSpace(string(out)) != version {
			t.Errorf("%s's packaged binary's --version says %q (%v), want %s", name, out, err, version)
		}
		if err := linksOnlyItsCloud(bin, cloud); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		plog, err := os.Create(providerLog(dir, cloud))
		if err != nil {
			t.Fatal(err)
		}
		_, err = xp.ServeProvider(ctx, name, plog, bin, "--kubeconfig", kc, "--poll", "15s",
			"--metrics-bind-address", "0", "--health-probe-bind-address", "0")
		_ = plog.Close() // The process writes to its own copy.
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, cloud := range local.Clouds {
		eventually(t, 2*time.Minute, "provider-appinfra-"+cloud+" healthy", func() error {
			return healthy(ctx, kube, "Provider", "provider-appinfra-"+cloud)
		})
	}

	// Safe start: every kind arrives as a ManagedResourceDefinition; only
	// the activated ones become CRDs and get a controller.
	eventually(t, time.Minute, "MRDs of the activated kinds active, their CRDs established", func() error {
		for _, name := range firstActivations {
			if err := mrdState(ctx, kube, name, "Active"); err != nil {
				return err
			}
			if err := crdEstablished(ctx, kube, name); err != nil {
				return err
			}
		}
		return nil
	})
	const gcs = "buckets.storage.gcp.appinfra.io"
	if err := mrdState(ctx, kube, gcs, "Inactive"); err != nil {
		t.Errorf("the GCS bucket kind was never activated: %v", err)
	}
	if err := kube.Get(ctx, client.ObjectKey{Name: gcs}, &apiextensionsv1.CustomResourceDefinition{}); !kerrors.IsNotFound(err) {
		t.Errorf("an inactive kind has a CRD (%v): it would cost the API server for nothing", err)
	}
	eventually(t, time.Minute, "controllers of the three active kinds started", func() error {
		return startedControllers(providerLog(dir, "aws"), []string{"s3.aws.appinfra.io", "rds.aws.appinfra.io", "elasticache.aws.appinfra.io"}, nil)
	})
	// The GCP provider is Healthy with no kind active: it serves its
	// ProviderConfigs and waits.
	if err := startedControllers(providerLog(dir, "gcp"), nil, []string{"storage.gcp.appinfra.io"}); err != nil {
		t.Error(err)
	}

	// Activated later, while the provider runs: its controller starts.
	if err := local.Apply(ctx, kube, `
apiVersion: apiextensions.crossplane.io/v1alpha1
kind: ManagedResourceActivationPolicy
metadata:
  name: gcs-buckets
spec:
  activate:
  - buckets.storage.gcp.appinfra.io
`); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "GCS bucket kind active and its controller started", func() error {
		if err := crdEstablished(ctx, kube, gcs); err != nil {
			return err
		}
		return startedControllers(providerLog(dir, "gcp"), []string{"storage.gcp.appinfra.io"}, nil)
	})
	if err := stack.ApplyProviderConfigs(ctx); err != nil {
		t.Fatal(err)
	}

	// The Configuration: its dependencies (both providers, the functions)
	// are installed, so the package manager resolves them.
	if err := local.Apply(ctx, kube, fmt.Sprintf(`
apiVersion: pkg.crossplane.io/v1
kind: Configuration
metadata:
  name: configuration-appinfra-platform
spec:
  package: xpkg.crossplane.io/appinfra/configuration-appinfra-platform:%s
`, version)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Minute, "Configuration healthy", func() error {
		return healthy(ctx, kube, "Configuration", "configuration-appinfra-platform")
	})
	eventually(t, time.Minute, "XRDs established", func() error {
		for _, name := range []string{"xobjectstores.platform.appinfra.io", "xappenvironments.platform.appinfra.io", "appenvironments.ns.platform.appinfra.io"} {
			xrd := &unstructured.Unstructured{}
			xrd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1", Kind: "CompositeResourceDefinition"})
			if err := kube.Get(ctx, client.ObjectKey{Name: name}, xrd); err != nil {
				return err
			}
			if s := condition(xrd, "Established"); s != "True" {
				return fmt.Errorf("XRD %s Established=%s", name, s)
			}
		}
		return nil
	})

	// An example claim works through the installed packages.
	if err := local.Apply(ctx, kube, string(must(os.ReadFile(filepath.Join(root, "examples", "platform", "objectstore-aws.yaml"))))); err != nil {
		t.Fatal(err)
	}
	claim := &unstructured.Unstructured{}
	claim.SetGroupVersionKind(schema.GroupVersionKind{Group: "platform.appinfra.io", Version: "v1alpha1", Kind: "ObjectStore"})
	claim.SetNamespace("default")
	claim.SetName("app-assets")
	eventually(t, 2*time.Minute, "the example ObjectStore claim Ready", func() error {
		if err := kube.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
			return err
		}
		if s := condition(claim, "Ready"); s != "True" {
			return fmt.Errorf("Ready=%s", s)
		}
		return nil
	})
	if err := kube.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "the claim deleted", func() error {
		err := kube.Get(ctx, client.ObjectKeyFromObject(claim), claim)
		if kerrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})
}

func digest(t *testing.T, path string) string {
	t.Helper()
	sum := sha256.Sum256(must(os.ReadFile(path)))
	return hex.EncodeToString(sum[:])
}

func healthy(ctx context.Context, kube client.Client, kind, name string) error {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: kind})
	if err := kube.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		return err
	}
	for _, c := range []string{"Installed", "Healthy"} {
		if s := condition(u, c); s != "True" {
			return fmt.Errorf("%s %s: %s=%s", kind, name, c, s)
		}
	}
	return nil
}

func mrdState(ctx context.Context, kube client.Client, name, want string) error {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1alpha1", Kind: "ManagedResourceDefinition"})
	if err := kube.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		return err
	}
	if got, _, _ := unstructured.NestedString(u.Object, "spec", "state"); got != want {
		return fmt.Errorf("MRD %s is %q, want %q", name, got, want)
	}
	return nil
}

func crdEstablished(ctx context.Context, kube client.Client, name string) error {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := kube.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
		return err
	}
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return nil
		}
	}
	return fmt.Errorf("CRD %s not established", name)
}

func providerLog(dir, cloud string) string { return filepath.Join(dir, "provider-"+cloud+".log") }

// notLinked are module path prefixes a provider of the family must not
// link, by its cloud: the other cloud's SDK (and, for AWS, the xDS stack
// Google's Cloud Storage client brings).
var notLinked = map[string][]string{
	"aws": {"cloud.google.com/go", "google.golang.org/api", "github.com/envoyproxy", "github.com/cncf/xds"},
	"gcp": {"github.com/aws/"},
}

// linksOnlyItsCloud reads the modules linked into a provider's binary.
func linksOnlyItsCloud(bin, cloud string) error {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return err
	}
	var found []string
	for _, m := range info.Deps {
		for _, prefix := range notLinked[cloud] {
			if strings.HasPrefix(m.Path, prefix) {
				found = append(found, m.Path)
			}
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("links the other cloud's modules: %s", strings.Join(found, ", "))
	}
	if len(info.Deps) == 0 {
		return fmt.Errorf("no module information in the binary: nothing can be checked")
	}
	return nil
}

// startedControllers checks a provider's log for the gate's "Started the
// controller of an active kind" lines: one for each group of want, none
// for those of notWant.
func startedControllers(log string, want, notWant []string) error {
	b, err := os.ReadFile(log)
	if err != nil {
		return err
	}
	var started []string
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.Contains(line, []byte("Started the controller of an active kind")) {
			started = append(started, string(line))
		}
	}
	has := func(group string) bool {
		for _, l := range started {
			if strings.Contains(l, `"gvk":"`+group+"/") {
				return true
			}
		}
		return false
	}
	for _, g := range want {
		if !has(g) {
			return fmt.Errorf("no controller started for %s yet", g)
		}
	}
	for _, g := range notWant {
		if has(g) {
			return fmt.Errorf("a controller started for %s, which is not active", g)
		}
	}
	return nil
}

func condition(u *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, _ := c.(map[string]any); m["type"] == typ {
			s, _ := m["status"].(string)
			return s
		}
	}
	return "Unknown"
}

func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after %s: %v", what, timeout, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
