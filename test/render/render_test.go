//go:build render

// Package render renders every platform Composition with the crossplane
// CLI (functions running locally), compares the output with the committed
// expected output, and validates every rendered resource against the
// provider's CRDs and the XRDs. Run with `make render`, which builds the
// CLI, core and the functions; -update rewrites the expected output.
package render

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/appinfra/provider-appinfra/cluster/local"
)

var update = flag.Bool("update", false, "rewrite testdata/*.yaml with what render gives")

var (
	root      = filepath.Join("..", "..")
	xpBin     = os.Getenv("XP_BIN") // holds crossplane and crossplane-core
	fnBin     = os.Getenv("FN_BIN") // holds the functions
	functions string                // functions.yaml pointing at the running functions
	schemas   string                // the provider's CRDs and the XRDs, for validate
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if xpBin == "" || fnBin == "" {
		fmt.Fprintln(os.Stderr, "XP_BIN and FN_BIN must name the crossplane and functions bin directories: run `make render`")
		return 1
	}
	dir, err := os.MkdirTemp("", "appinfra-render-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir) //nolint:errcheck // Best effort.

	// The functions the Configuration depends on, by name.
	deps, err := local.Functions(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var fns bytes.Buffer
	for _, fn := range deps {
		name := fn.Name
		addr, stop, err := startFunction(filepath.Join(fnBin, name), filepath.Join(dir, name+".log"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer stop()
		fmt.Fprintf(&fns, `---
apiVersion: pkg.crossplane.io/v1
kind: Function
metadata:
  name: %s
  annotations:
    render.crossplane.io/runtime: Development
    render.crossplane.io/runtime-development-target: %s
spec:
  package: %s:%s
`, name, addr, fn.Source, fn.Version)
	}
	functions = filepath.Join(dir, "functions.yaml")
	if err := os.WriteFile(functions, fns.Bytes(), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if schemas, err = collectSchemas(filepath.Join(dir, "schemas")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// startFunction runs a function on a free port of 127.0.0.1 without TLS,
// as render's Development runtime expects.
func startFunction(bin, logFile string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	log, err := os.Create(logFile)
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--insecure", "--address="+addr)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait(); _ = log.Close() }
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return addr, stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("%s did not listen on %s", filepath.Base(bin), addr)
}

// collectSchemas copies the provider's CRDs and every XRD into one
// directory for `crossplane resource validate`.
func collectSchemas(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	crds, _ := filepath.Glob(filepath.Join(root, "package", "crds", "*.yaml"))
	xrds, _ := filepath.Glob(filepath.Join(root, "apis", "platform", "*", "definition.yaml"))
	v2, _ := filepath.Glob(filepath.Join(root, "apis", "platform", "*", "namespaced", "definition.yaml"))
	for i, f := range append(append(crds, xrds...), v2...) {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d-%s", i, filepath.Base(f))), b, 0o600); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// A case renders one Composition for one example. The cases are data,
// in testdata/cases.yaml, so that a new Composition needs a case there and
// no Go.
type renderCase struct {
	Example     string `json:"example"`     // under examples/platform, or a test claim under testdata/
	Composition string `json:"composition"` // under apis/platform
	// Namespaced renders the example claim as a v2 namespaced XR.
	Namespaced bool `json:"namespaced,omitempty"`
	// Environments are the EnvironmentConfigs on the cluster: by default
	// the example one, for environment dev.
	Environments string `json:"environments,omitempty"`
	// Nothing: the case composes nothing (its composite cannot be placed).
	Nothing bool `json:"nothing,omitempty"`
	// Observed are composed resources as if they existed already (under
	// testdata/observed); the output must contain what Contains says and
	// none of what Lacks says.
	Observed string   `json:"observed,omitempty"`
	Contains []string `json:"contains,omitempty"`
	Lacks    []string `json:"lacks,omitempty"`
}

// renderCases reads testdata/cases.yaml.
func renderCases(t *testing.T) map[string]renderCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cases.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]renderCase{}
	if err := yaml.UnmarshalStrict(b, &cases); err != nil {
		t.Fatalf("testdata/cases.yaml: %v", err)
	}
	for name, tc := range cases {
		if tc.Example == "" || tc.Composition == "" {
			t.Fatalf("testdata/cases.yaml: case %s needs an example and a composition", name)
		}
	}
	return cases
}

var spaces = regexp.MustCompile(`\s+`)

// TestRender: every Composition renders the expected resources for its
// example, and every rendered resource is valid against its schema.
func TestRender(t *testing.T) {
	for name, tc := range renderCases(t) {
		t.Run(name, func(t *testing.T) {
			xr := filepath.Join(t.TempDir(), "xr.yaml")
			example := filepath.Join(root, "examples", "platform", tc.Example)
			if strings.HasPrefix(tc.Example, "testdata/") {
				example = tc.Example
			}
			if err := os.WriteFile(xr, compositeFor(t, example, tc.Namespaced), 0o600); err != nil {
				t.Fatal(err)
			}
			comp := filepath.Join(root, "apis", "platform", tc.Composition)
			// The XRD applies its defaults to the XR, as the API server
			// does for a real one.
			args := []string{"composition", "render", xr, comp, functions,
				"--xrd=" + filepath.Join(filepath.Dir(comp), "definition.yaml"),
				"--crossplane-binary=" + filepath.Join(xpBin, "crossplane-core")}
			if tc.Observed != "" {
				args = append(args, "--observed-resources="+filepath.Join("testdata", "observed", tc.Observed))
			}
			environments := filepath.Join(root, "examples", "platform", "environmentconfig-dev.yaml")
			if tc.Environments != "" {
				environments = tc.Environments
			}
			args = append(args, "--required-resources="+environments)
			out := crossplane(t, args...)
			// YAML folds long strings over lines: compare with runs of
			// white space made one space.
			flat := spaces.ReplaceAll(out, []byte(" "))
			for _, c := range tc.Contains {
				if !bytes.Contains(flat, []byte(c)) {
					t.Errorf("the rendered resources lack %q:\n%s", c, out)
				}
			}
			for _, c := range tc.Lacks {
				if bytes.Contains(flat, []byte(c)) {
					t.Errorf("the rendered resources hold %q:\n%s", c, out)
				}
			}
			golden := filepath.Join("testdata", name+".yaml")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run make render-update to write it)", err)
			}
			if !bytes.Equal(want, out) {
				t.Errorf("render output differs from %s (run make render-update and review the diff):\n%s", golden, out)
			}
			// The first document is the XR as render reports it (status and
			// spec.crossplane in the v2 layout, whatever the XRD's scope):
			// the examples are validated as users write them, below.
			docs := bytes.SplitN(out, []byte("\n---\n"), 2)
			if tc.Nothing {
				if len(docs) != 1 {
					t.Errorf("a composite that cannot be placed composed:\n%s", docs[1])
				}
				return
			}
			if len(docs) != 2 {
				t.Fatalf("render made no composed resource:\n%s", out)
			}
			rendered := filepath.Join(t.TempDir(), "rendered.yaml")
			if err := os.WriteFile(rendered, docs[1], 0o600); err != nil {
				t.Fatal(err)
			}
			validate(t, rendered)
		})
	}
}

// TestExamplesValidate: the claims and XRs users copy are valid.
func TestExamplesValidate(t *testing.T) {
	examples, _ := filepath.Glob(filepath.Join(root, "examples", "platform", "*.yaml"))
	for _, e := range examples {
		t.Run(filepath.Base(e), func(t *testing.T) { validate(t, e) })
	}
}

// TestValidateRefusesBadParameters: validation is not vacuous: a claim
// with a size outside the enum fails.
func TestValidateRefusesBadParameters(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "examples", "platform", "sqldatabase.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, bytes.Replace(b, []byte("size: small"), []byte("size: huge"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(xpBin, "crossplane"), "resource", "validate", schemas, bad, "--crossplane-image=")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a claim with size: huge validated:\n%s", out)
	}
	if !strings.Contains(string(out), "huge") {
		t.Errorf("the refusal does not name the bad value:\n%s", out)
	}
}

func validate(t *testing.T, file string) {
	t.Helper()
	crossplane(t, "resource", "validate", schemas, file, "--crossplane-image=")
}

func crossplane(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(xpBin, "crossplane"), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("crossplane %s: %v\n%s%s", strings.Join(args[:2], " "), err, out, stderr.Bytes())
	}
	return out
}

// compositeFor turns an example into the XR render takes: a claim becomes
// the cluster-scoped XR its claim would make (labelled with the claim's
// name and namespace, as Crossplane labels it), or, namespaced, the v2 XR
// of the same kind in the same namespace.
func compositeFor(t *testing.T, example string, namespaced bool) []byte {
	t.Helper()
	b, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	o := map[string]any{}
	if err := yaml.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(o["apiVersion"].(string), "platform.appinfra.io/") {
		return b // already an XR
	}
	md := o["metadata"].(map[string]any)
	spec := o["spec"].(map[string]any)
	uid := "5b3a9c1e-0000-4000-8000-" + fmt.Sprintf("%012d", len(md["name"].(string)))
	if namespaced {
		o["apiVersion"] = "ns.platform.appinfra.io/v1alpha1"
		md["uid"] = uid
		delete(spec, "compositionSelector")
		return mustYAML(t, o)
	}
	labels, _ := md["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
	}
	labels["crossplane.io/claim-name"] = md["name"]
	labels["crossplane.io/claim-namespace"] = md["namespace"]
	xr := map[string]any{
		"apiVersion": o["apiVersion"],
		"kind":       "X" + o["kind"].(string),
		"metadata": map[string]any{
			"name": md["name"].(string) + "-x7k2p", "labels": labels,
			"uid": uid,
		},
		"spec": map[string]any{"parameters": spec["parameters"]},
	}
	return mustYAML(t, xr)
}

func mustYAML(t *testing.T, o any) []byte {
	t.Helper()
	b, err := yaml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEveryCompositionHasACase: a Composition added under apis/platform
// (by hand or by the generator) is rendered and validated here, or this
// test fails and names it.
func TestEveryCompositionHasACase(t *testing.T) {
	var comps []string
	for _, pattern := range []string{"*/composition-*.yaml", "*/namespaced/composition-*.yaml"} {
		m, err := filepath.Glob(filepath.Join(root, "apis", "platform", pattern))
		if err != nil {
			t.Fatal(err)
		}
		comps = append(comps, m...)
	}
	if len(comps) == 0 {
		t.Fatal("no Composition found under apis/platform")
	}
	covered := map[string]bool{}
	for _, tc := range renderCases(t) {
		covered[tc.Composition] = true
	}
	for _, c := range comps {
		rel, err := filepath.Rel(filepath.Join(root, "apis", "platform"), c)
		if err != nil {
			t.Fatal(err)
		}
		if !covered[filepath.ToSlash(rel)] {
			t.Errorf("%s has no render case: add one to test/render/testdata/cases.yaml", rel)
		}
	}
}

// TestCloudPicksTheComposition: an ObjectStore names its cloud and no
// composition (the default follows the cloud); a selector for another
// cloud than the claim's is refused at admission.
func TestCloudPicksTheComposition(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "examples", "platform", "objectstore-gcp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("cloud: gcp")) || bytes.Contains(b, []byte("compositionSelector")) {
		t.Fatalf("the GCP example is not a gcp claim without a selector, as this test expects:\n%s", b)
	}
	selector := func(cloud string) []byte {
		return bytes.Replace(b, []byte("  writeConnectionSecretToRef:"), []byte("  compositionSelector:\n    matchLabels:\n      platform.appinfra.io/cloud: "+cloud+"\n  writeConnectionSecretToRef:"), 1)
	}
	cases := map[string]struct {
		claim []byte
		want  string
	}{
		"NoSelector": {claim: b},
		"SameCloud":  {claim: selector("gcp")},
		"OtherCloud": {claim: selector("aws"), want: "names another cloud"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "claim.yaml")
			if err := os.WriteFile(f, tc.claim, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(filepath.Join(xpBin, "crossplane"), "resource", "validate", schemas, f, "--crossplane-image=").CombinedOutput()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused:\n%s", out)
			case tc.want != "" && (err == nil || !strings.Contains(string(out), tc.want)):
				t.Errorf("want a refusal saying %q, got %v:\n%s", tc.want, err, out)
			}
		})
	}
}

// TestDefaultCompositionsExist: every XRD's default composition is one of
// the Compositions of its API.
func TestDefaultCompositionsExist(t *testing.T) {
	xrds, _ := filepath.Glob(filepath.Join(root, "apis", "platform", "*", "definition.yaml"))
	v2, _ := filepath.Glob(filepath.Join(root, "apis", "platform", "*", "namespaced", "definition.yaml"))
	for _, x := range append(xrds, v2...) {
		name := nameAt(t, x, "spec", "defaultCompositionRef", "name")
		comps, _ := filepath.Glob(filepath.Join(filepath.Dir(x), "composition-*.yaml"))
		found := false
		for _, c := range comps {
			found = found || nameAt(t, c, "metadata", "name") == name
		}
		if !found {
			t.Errorf("%s: the default composition %q is none of %v", x, name, comps)
		}
	}
}

func nameAt(t *testing.T, file string, path ...string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var o any = map[string]any{}
	if err := yaml.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	for _, k := range path {
		m, _ := o.(map[string]any)
		o = m[k]
	}
	s, _ := o.(string)
	return s
}
