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

// A case renders one Composition for one example.
type renderCase struct {
	example     string // under examples/platform, or a test claim under testdata/
	composition string // under apis/platform
	// namespaced renders the example claim as a v2 namespaced XR.
	namespaced bool
	// environments are the EnvironmentConfigs on the cluster: by default
	// the example one, for environment dev.
	environments string
	// nothing: the case composes nothing (its composite cannot be placed).
	nothing bool
	// observed are composed resources as if they existed already (under
	// testdata/observed), and contains what the output must then hold.
	observed string
	contains []string
}

var cases = map[string]renderCase{
	"objectstore-aws":            {example: "objectstore-aws.yaml", composition: "objectstore/composition-aws.yaml"},
	"objectstore-gcp":            {example: "objectstore-gcp.yaml", composition: "objectstore/composition-gcp.yaml"},
	"sqldatabase-aws":            {example: "sqldatabase.yaml", composition: "sqldatabase/composition-aws.yaml"},
	"cache-aws":                  {example: "cache.yaml", composition: "cache/composition-aws.yaml"},
	"appenvironment-aws":         {example: "appenvironment.yaml", composition: "appenvironment/composition-aws.yaml"},
	"objectstore-aws-namespaced": {example: "objectstore-aws.yaml", composition: "objectstore/namespaced/composition-aws.yaml", namespaced: true},
	"objectstore-gcp-namespaced": {example: "objectstore-gcp.yaml", composition: "objectstore/namespaced/composition-gcp.yaml", namespaced: true},
	"sqldatabase-aws-namespaced": {example: "sqldatabase.yaml", composition: "sqldatabase/namespaced/composition-aws.yaml", namespaced: true},
	"cache-aws-namespaced":       {example: "cache.yaml", composition: "cache/namespaced/composition-aws.yaml", namespaced: true},
	"appenvironment-namespaced":  {example: "appenvironment-namespaced.yaml", composition: "appenvironment/namespaced/composition-aws.yaml"},
	// A size made smaller keeps the storage the database has: RDS never
	// shrinks it, and admission refuses a lower allocatedStorage.
	"sqldatabase-aws-downsized": {example: "sqldatabase.yaml", composition: "sqldatabase/composition-aws.yaml",
		observed: "database-100gib.yaml", contains: []string{"allocatedStorage: 100", "dbInstanceClass: db.t4g.micro"}},
	"appenvironment-aws-downsized": {example: "appenvironment.yaml", composition: "appenvironment/composition-aws.yaml",
		observed: "database-100gib.yaml", contains: []string{"allocatedStorage: 100"}},
	// The claim and the composite name a composed resource that is not
	// Synced or not Ready, with the first line of why.
	"sqldatabase-aws-refused": {example: "sqldatabase.yaml", composition: "sqldatabase/composition-aws.yaml",
		observed: "database-refused.yaml", contains: []string{
			"- ResourcesReady",
			"database-firewall: being created",
			"crossplane.io/external-name: orders-db-x7k2p-70ef9a28ff34",
			"database (DBInstance orders-db-x7k2p): Synced=False: update failed: cannot modify DB instance: InvalidParameterCombination: Cannot upgrade postgres from 16.3 to 9.1",
		}},
	// Any name Kubernetes accepts gives a valid cloud name: here 57
	// characters with a dot, for a 40-character ElastiCache id.
	"cache-aws-long-name": {example: "testdata/claims/cache-long-name.yaml", composition: "cache/composition-aws.yaml",
		contains: []string{"crossplane.io/external-name: checkout-sessions-for-the-europ-92989c53"}},
	"sqldatabase-aws-ready": {example: "sqldatabase.yaml", composition: "sqldatabase/composition-aws.yaml",
		observed: "database-ready.yaml", contains: []string{"message: every composed resource is Synced and Ready"}},
	// A claim whose environment no EnvironmentConfig describes gets no
	// database, and says why.
	"sqldatabase-aws-no-environment": {example: "testdata/claims/sqldatabase-no-environment.yaml", composition: "sqldatabase/composition-aws.yaml", nothing: true,
		contains: []string{"- EnvironmentReady", "no EnvironmentConfig is labelled platform.appinfra.io/environment=qa",
			"message: 'not placed: no EnvironmentConfig", "reason: Creating", "resourceRefs: []"}},
	// An EnvironmentConfig that would open databases to the internet is
	// refused.
	"sqldatabase-aws-open-environment": {example: "sqldatabase.yaml", composition: "sqldatabase/composition-aws.yaml",
		environments: "testdata/environments/open.yaml", nothing: true, contains: []string{"lets 0.0.0.0/0 reach databases and caches"}},
	// An environment that serves other namespaces is refused: a team
	// cannot place its database in another team's network by naming it.
	"sqldatabase-aws-other-namespace": {example: "sqldatabase.yaml", composition: "sqldatabase/composition-aws.yaml",
		environments: "testdata/environments/other-team.yaml", nothing: true, contains: []string{"EnvironmentConfig dev does not serve namespace default"}},
	"appenvironment-aws-refused": {example: "appenvironment.yaml", composition: "appenvironment/composition-aws.yaml",
		observed: "database-refused.yaml", contains: []string{"database (DBInstance orders-db-x7k2p): Synced=False", "bucket: being created"}},
}

var spaces = regexp.MustCompile(`\s+`)

// TestRender: every Composition renders the expected resources for its
// example, and every rendered resource is valid against its schema.
func TestRender(t *testing.T) {
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := filepath.Join(t.TempDir(), "xr.yaml")
			example := filepath.Join(root, "examples", "platform", tc.example)
			if strings.HasPrefix(tc.example, "testdata/") {
				example = tc.example
			}
			if err := os.WriteFile(xr, compositeFor(t, example, tc.namespaced), 0o600); err != nil {
				t.Fatal(err)
			}
			comp := filepath.Join(root, "apis", "platform", tc.composition)
			// The XRD applies its defaults to the XR, as the API server
			// does for a real one.
			args := []string{"composition", "render", xr, comp, functions,
				"--xrd=" + filepath.Join(filepath.Dir(comp), "definition.yaml"),
				"--crossplane-binary=" + filepath.Join(xpBin, "crossplane-core")}
			if tc.observed != "" {
				args = append(args, "--observed-resources="+filepath.Join("testdata", "observed", tc.observed))
			}
			environments := filepath.Join(root, "examples", "platform", "environmentconfig-dev.yaml")
			if tc.environments != "" {
				environments = tc.environments
			}
			args = append(args, "--required-resources="+environments)
			out := crossplane(t, args...)
			// YAML folds long strings over lines: compare with runs of
			// white space made one space.
			flat := spaces.ReplaceAll(out, []byte(" "))
			for _, c := range tc.contains {
				if !bytes.Contains(flat, []byte(c)) {
					t.Errorf("the rendered resources lack %q:\n%s", c, out)
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
			if tc.nothing {
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
	for _, tc := range cases {
		covered[tc.composition] = true
	}
	for _, c := range comps {
		rel, err := filepath.Rel(filepath.Join(root, "apis", "platform"), c)
		if err != nil {
			t.Fatal(err)
		}
		if !covered[filepath.ToSlash(rel)] {
			t.Errorf("%s has no render case: add one to cases in test/render/render_test.go", rel)
		}
	}
}

// TestCloudNeedsItsComposition: an ObjectStore for GCP without a selector
// would get the default composition, AWS's: admission refuses it and says
// what to add; a selector for another cloud than the claim's is refused.
func TestCloudNeedsItsComposition(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "examples", "platform", "objectstore-gcp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	selector := []byte("  compositionSelector:\n    matchLabels:\n      platform.appinfra.io/cloud: gcp\n")
	if !bytes.Contains(b, selector) {
		t.Fatalf("the GCP example no longer selects its composition as this test expects:\n%s", b)
	}
	cases := map[string]struct {
		claim []byte
		want  string
	}{
		"NoSelector":   {claim: bytes.Replace(b, selector, nil, 1), want: "needs that cloud's composition"},
		"OtherCloud":   {claim: bytes.Replace(b, []byte("cloud: gcp"), []byte("cloud: aws"), 1), want: "names another cloud"},
		"SelectorKept": {claim: b},
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
