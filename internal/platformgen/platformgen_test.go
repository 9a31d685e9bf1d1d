package platformgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const sources = "../../apis/platform"

func generated(t *testing.T) map[string]obj {
	t.Helper()
	files, err := Generate(sources)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]obj{}
	for p, b := range files {
		o := obj{}
		if err := yaml.Unmarshal(b, &o); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[p] = o
	}
	return out
}

// TestCommittedFilesAreCurrent: what is committed is what the generator
// makes (CI's check-generate says the same, with a diff).
func TestCommittedFilesAreCurrent(t *testing.T) {
	files, err := Generate(sources)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Paths(files) {
		got, err := os.ReadFile(filepath.Join(sources, p))
		if err != nil || !bytes.Equal(got, files[p]) {
			t.Errorf("%s is stale or missing: run make generate", p)
		}
	}
}

func TestAppEnvironmentBundlesTheThreeAPIs(t *testing.T) {
	g := generated(t)
	xrd, comp := g["appenvironment/definition.yaml"], g["appenvironment/composition-aws.yaml"]

	var keys []string
	for _, k := range get(xrd, "spec", "connectionSecretKeys").([]any) {
		keys = append(keys, k.(string))
	}
	for _, want := range []string{"DATABASE_URL", "REDIS_URL", "BUCKET_NAME", "AWS_ENDPOINT_URL_S3", "AWS_REGION"} {
		if !slices.Contains(keys, want) {
			t.Errorf("connectionSecretKeys %v lack %s", keys, want)
		}
	}
	params := get(xrd, "spec", "versions", 0, "schema", "openAPIV3Schema", "properties", "spec", "properties", "parameters", "properties").(obj)
	for _, section := range []string{"objectStore", "database", "cache", "region"} {
		if params[section] == nil {
			t.Errorf("parameters lack %s", section)
		}
	}
	if get(params, "database", "properties", "region") != nil {
		t.Error("the database section has its own region: the bundle's region is shared")
	}
	if get(params, "database", "properties", "size", "enum") == nil {
		t.Error("the database section lost SQLDatabase's size enum")
	}

	pipeline := get(comp, "spec", "pipeline").([]any)
	c, err := composeStep(pipeline)
	if err != nil {
		t.Fatal(err)
	}
	if c != 1 || get(pipeline, 0, "step") != "environment" {
		t.Errorf("compose is step %d, after %v: want the environment step first, then compose", c, get(pipeline, 0, "step"))
	}
	var names []string
	for _, r := range get(pipeline, c, "input", "resources").([]any) {
		r := r.(obj)
		names = append(names, r["name"].(string))
		for _, p := range list(r, "patches") {
			p := p.(obj)
			from, _ := p["fromFieldPath"].(string)
			if p["type"] == "FromCompositeFieldPath" && strings.HasPrefix(from, "spec.parameters.") && from != "spec.parameters.region" &&
				!strings.HasPrefix(from, "spec.parameters.objectStore.") && !strings.HasPrefix(from, "spec.parameters.database.") && !strings.HasPrefix(from, "spec.parameters.cache.") {
				t.Errorf("resource %s patches from %s, outside its section", r["name"], from)
			}
		}
	}
	if want := []string{"bucket", "database", "database-subnets", "database-firewall", "cache", "cache-subnets", "cache-firewall"}; !slices.Equal(names, want) {
		t.Errorf("resources %v, want %v", names, want)
	}
}

// TestBundleKeepsSectionSteps: a section's steps after compose (the sizes
// step, which keeps storage from shrinking) run in the bundle too, and in every
// namespaced form.
func TestBundleKeepsSectionSteps(t *testing.T) {
	g := generated(t)
	for _, f := range []string{"appenvironment/composition-aws.yaml", "appenvironment/namespaced/composition-aws.yaml", "sqldatabase/namespaced/composition-aws.yaml"} {
		var steps []string
		for _, st := range get(g[f], "spec", "pipeline").([]any) {
			steps = append(steps, fmt.Sprint(get(st, "step")))
		}
		if !slices.Contains(steps, "sizes") {
			t.Errorf("%s: steps %v lack sizes", f, steps)
		}
		// resources-ready ends every section, and so the bundle: it
		// decides the composite's readiness, which a later step would
		// lose.
		if steps[len(steps)-1] != "resources-ready" {
			t.Errorf("%s: steps %v do not end with resources-ready", f, steps)
		}
	}
}

func TestNamespacedForms(t *testing.T) {
	g := generated(t)
	for _, api := range []string{"objectstore", "sqldatabase", "cache", "appenvironment"} {
		xrd := g[api+"/namespaced/definition.yaml"]
		if xrd == nil {
			t.Fatalf("%s: no namespaced definition", api)
		}
		if get(xrd, "spec", "scope") != "Namespaced" || get(xrd, "spec", "claimNames") != nil || get(xrd, "apiVersion") != "apiextensions.crossplane.io/v2" {
			t.Errorf("%s: not a v2 namespaced XRD without claims", api)
		}
		comp := g[api+"/namespaced/composition-aws.yaml"]
		steps := get(comp, "spec", "pipeline").([]any)
		c, err := composeStep(steps)
		if err != nil {
			t.Fatalf("%s: %v", api, err)
		}
		if next := get(steps, c+1); get(next, "step") != "connection-secret" || get(next, "functionRef", "name") != "function-go-templating" {
			t.Errorf("%s: the namespaced composition does not compose its connection Secret right after compose", api)
		}
		if get(steps, len(steps)-1, "step") != "resources-ready" {
			t.Errorf("%s: the namespaced composition does not end with resources-ready", api)
		}
		for _, r := range get(steps[c], "input", "resources").([]any) {
			if r.(obj)["connectionDetails"] != nil {
				t.Errorf("%s: resource %v keeps connectionDetails, which a v2 XR cannot have", api, r.(obj)["name"])
			}
			for _, p := range list(r.(obj), "patches") {
				if p.(obj)["toFieldPath"] == "metadata.namespace" {
					t.Errorf("%s: resource %v still patches its namespace", api, r.(obj)["name"])
				}
			}
		}
	}
}

// TestSameStepsRefusesDrift: a step written in several Compositions must
// be the same in each; a copy that drifted is an error that names both
// files, not a silent choice of one.
func TestSameStepsRefusesDrift(t *testing.T) {
	dir := t.TempDir()
	write := func(api, template string) {
		t.Helper()
		comp := "apiVersion: apiextensions.crossplane.io/v1\nkind: Composition\nspec:\n  pipeline:\n" +
			"    - step: compose\n      functionRef: {name: function-patch-and-transform}\n" +
			"    - step: resources-ready\n      functionRef: {name: function-go-templating}\n      input: {template: " + template + "}\n"
		if err := os.MkdirAll(filepath.Join(dir, api), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, api, "composition-aws.yaml"), []byte(comp), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a", "one")
	write("b", "one")
	if err := sameSteps(dir); err != nil {
		t.Fatalf("identical copies refused: %v", err)
	}
	write("b", "two")
	err := sameSteps(dir)
	if err == nil || !strings.Contains(err.Error(), `step "resources-ready" differs`) || !strings.Contains(err.Error(), "a/composition-aws.yaml") {
		t.Errorf("a drifted copy: got %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b", "composition-aws.yaml"), []byte("spec:\n  pipeline: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sameSteps(dir); err == nil || !strings.Contains(err.Error(), "not a Composition with a pipeline") {
		t.Errorf("a pipeline that is not a list: got %v", err)
	}
}

func TestUnderCrossplane(t *testing.T) {
	in := "self.parameters.cloud == 'aws' || has(self.compositionRef) || (has(self.compositionSelector) && self.compositionSelector.matchLabels['x'] == 'y')"
	want := "self.parameters.cloud == 'aws' || (has(self.crossplane) && has(self.crossplane.compositionRef)) || ((has(self.crossplane) && has(self.crossplane.compositionSelector)) && self.crossplane.compositionSelector.matchLabels['x'] == 'y')"
	if got := underCrossplane(in); got != want {
		t.Errorf("underCrossplane:\n got %s\nwant %s", got, want)
	}
}

// sourceCopy copies the hand-written sources (not the generated files),
// and the bundles beside them, into a new directory, with edit applied to
// the files matching rel (relative to the APIs' folder).
func sourceCopy(t *testing.T, rel string, edit func(string) string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "platform")
	apis, err := sourceAPIs(sources)
	if err != nil {
		t.Fatal(err)
	}
	bundles, err := filepath.Glob(filepath.Join(BundlesDir(sources), "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bundles {
		b2, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join("..", "bundles", filepath.Base(b))
		if ok, _ := filepath.Match(rel, name); ok {
			edited := edit(string(b2))
			if edited == string(b2) {
				t.Fatalf("the edit of %s changed nothing: the test no longer tests what it says", rel)
			}
			b2 = []byte(edited)
		}
		if err := os.MkdirAll(BundlesDir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(BundlesDir(dir), filepath.Base(b)), b2, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, api := range apis {
		files, err := filepath.Glob(filepath.Join(sources, api, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && bytes.HasPrefix(b, []byte(header)) {
				continue // generated
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(api, filepath.Base(f))
			if ok, _ := filepath.Match(rel, name); ok {
				edited := edit(string(b))
				if edited == string(b) {
					t.Fatalf("the edit of %s changed nothing: the test no longer tests what it says", rel)
				}
				b = []byte(edited)
			}
			if err := os.MkdirAll(filepath.Join(dir, api), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// TestBadSourcesAreErrors: what the generator cannot rewrite faithfully,
// or cannot read, is an error that says where and why, never a panic and
// never a silently wrong path.
func TestBadSourcesAreErrors(t *testing.T) {
	cases := map[string]struct {
		file string
		edit func(string) string
		want string
	}{
		"CombinePatch": {
			file: "cache/composition-aws.yaml",
			edit: func(s string) string {
				return strings.Replace(s, "              - type: FromCompositeFieldPath\n", "              - type: CombineFromComposite\n", 1)
			},
			want: "a CombineFromComposite patch cannot be bundled",
		},
		"PatchSets": {
			file: "sqldatabase/composition-aws.yaml",
			edit: func(s string) string {
				return strings.Replace(s, "        kind: Resources\n", "        kind: Resources\n        patchSets:\n          - name: common\n            patches: []\n", 1)
			},
			want: "patchSets cannot be bundled",
		},
		"TemplateReadsParameters": {
			file: "[sc]*/composition-[ag]*.yaml", // the sizes step of SQLDatabase and Cache, on both clouds
			edit: func(s string) string {
				return strings.Replace(s, `            {{- $neverShrink :=`,
					`            {{- $size := $.observed.composite.resource.spec.parameters.size }}`+"\n"+`            {{- $neverShrink :=`, 1)
			},
			want: "reads the composite's parameters or status",
		},
		"NoComposeStep": {
			file: "cache/composition-aws.yaml",
			edit: func(s string) string {
				return strings.Replace(s, "    - step: compose\n", "    - step: resources\n", 1)
			},
			want: "no step named compose",
		},
		"PipelineNotAList": {
			file: "cache/composition-aws.yaml",
			edit: func(s string) string { return strings.Replace(s, "  pipeline:\n", "  pipeline: {}\n  unused:\n", 1) },
			want: "not a Composition with a pipeline",
		},
		"CloudStepsDiffer": {
			file: "objectstore/composition-gcp.yaml",
			edit: func(s string) string {
				return strings.Replace(s, "    - step: cloud-names\n", "    - step: gcp-names\n", 1)
			},
			want: "the by-cloud Composition runs every step for every cloud",
		},
		"CloudUnlabelled": {
			file: "objectstore/composition-gcp.yaml",
			edit: func(s string) string { return strings.Replace(s, "    platform.appinfra.io/cloud: gcp\n", "", 1) },
			want: "no label platform.appinfra.io/cloud",
		},
		"StepNamesAResource": {
			file: "objectstore/composition-[ag]*.yaml", // both clouds' copies of the step
			edit: func(s string) string {
				return strings.Replace(s, "    - step: cloud-names\n", `    - step: mark-bucket
      functionRef:
        name: function-go-templating
      input:
        apiVersion: gotemplating.fn.crossplane.io/v1beta1
        kind: GoTemplate
        source: Inline
        inline:
          template: '{{ $b := index $.desired.resources "bucket" }}'
    - step: cloud-names
`, 1)
			},
			want: `names resource "bucket"`,
		},
		"BundleUnknownField": {
			file: "../bundles/appenvironment.yaml",
			edit: func(s string) string {
				return strings.Replace(s, "clouds: [aws, gcp]\n", "clouds: [aws, gcp]\ncloud: aws\n", 1)
			},
			want: `unknown field "cloud"`,
		},
		"BundleSharedFromNoSection": {
			file: "../bundles/appenvironment.yaml",
			edit: func(s string) string { return strings.Replace(s, "  region: database\n", "  region: queue\n", 1) },
			want: `shared parameter region comes from "queue", which is no section`,
		},
		"BundleOfAMissingAPI": {
			file: "../bundles/appenvironment.yaml",
			edit: func(s string) string { return strings.Replace(s, "api: cache\n", "api: queue\n", 1) },
			want: "no definition.yaml",
		},
		"NoVersions": {
			file: "cache/definition.yaml",
			edit: func(s string) string { return strings.Replace(s, "  versions:\n", "  oldVersions:\n", 1) },
			want: "spec.versions[0].schema.openAPIV3Schema.properties is not an object",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := sourceCopy(t, tc.file, tc.edit)
			_, err := Generate(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Generate: got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestNewAPIIsDiscovered: an API dropped into its own folder gets its v2
// form without a change to the generator.
func TestNewAPIIsDiscovered(t *testing.T) {
	dir := sourceCopy(t, "cache/definition.yaml", func(s string) string { return s + "\n" })
	for _, f := range []string{"definition.yaml", "composition-aws.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, "cache", f))
		if err != nil {
			t.Fatal(err)
		}
		s := strings.NewReplacer("xcaches", "xqueues", "XCache", "XQueue", "plural: caches", "plural: queues", "kind: Cache", "kind: Queue", "name: cache-aws", "name: queue-aws").Replace(string(b))
		if err := os.MkdirAll(filepath.Join(dir, "queue"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "queue", f), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"queue/namespaced/definition.yaml", "queue/namespaced/composition-aws.yaml"} {
		if files[want] == nil {
			t.Errorf("no %s generated; got %v", want, Paths(files))
		}
	}
}

// TestByCloud: an API with a Composition per cloud gets one that composes
// the claim's cloud only: every cloud's resources, renamed, each gated by
// a Required patch from the environment key the first step sets for the
// composite's cloud.
func TestByCloud(t *testing.T) {
	g := generated(t)
	comp := g["objectstore/composition-by-cloud.yaml"]
	if get(comp, "metadata", "name") != "objectstore-by-cloud" || get(comp, "metadata", "labels") != nil {
		t.Fatalf("metadata %v: want objectstore-by-cloud, without a cloud label a selector would match", get(comp, "metadata"))
	}
	pipeline := get(comp, "spec", "pipeline").([]any)
	if get(pipeline, 0, "step") != "choose-cloud" {
		t.Fatalf("the first step is %v, want choose-cloud", get(pipeline, 0, "step"))
	}
	c, err := composeStep(pipeline)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range get(pipeline, c, "input", "resources").([]any) {
		names = append(names, get(r, "name").(string))
		cloud := strings.TrimPrefix(get(r, "name").(string), "bucket-")
		if p := get(r, "patches", 0); get(p, "fromFieldPath") != "composeForCloud."+cloud || get(p, "policy", "fromFieldPath") != "Required" {
			t.Errorf("resource %v is not gated on its cloud: first patch %v", get(r, "name"), p)
		}
	}
	if !slices.Equal(names, []string{"bucket-aws", "bucket-gcp"}) {
		t.Errorf("resources %v, want bucket-aws and bucket-gcp", names)
	}
	if get(g["objectstore/namespaced/composition-by-cloud.yaml"], "metadata", "name") != "objectstore-by-cloud-namespaced" {
		t.Error("no v2 form of the by-cloud Composition")
	}
	// Every API, the bundle included, has a Composition per cloud now.
	for _, api := range []string{"sqldatabase", "cache", "appenvironment"} {
		if g[api+"/composition-by-cloud.yaml"] == nil {
			t.Errorf("%s has no by-cloud Composition", api)
		}
	}
}
