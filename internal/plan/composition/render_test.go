package composition

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestParseOutput: render prints the XR first, then the composed
// resources, then the results; each lands where it belongs.
func TestParseOutput(t *testing.T) {
	out, err := parseOutput([]byte(`---
apiVersion: platform.appinfra.io/v1alpha1
kind: XObjectStore
metadata:
  name: assets-x7k2p
status:
  conditions: []
---
apiVersion: s3.aws.appinfra.io/v1alpha1
kind: Bucket
metadata:
  name: assets-1
  annotations:
    crossplane.io/composition-resource-name: bucket
---
apiVersion: render.crossplane.io/v1beta1
kind: Result
severity: Warning
reason: ComposeResources
message: not adding new composed resource "cache"
`))
	if err != nil {
		t.Fatal(err)
	}
	if out.Composite.GetName() != "assets-x7k2p" {
		t.Errorf("composite: %s", out.Composite.GetName())
	}
	if len(out.Resources) != 1 || out.Resources[0].GetName() != "assets-1" {
		t.Errorf("resources: %v", out.Resources)
	}
	want := []Result{{Severity: "Warning", Reason: "ComposeResources", Message: `not adding new composed resource "cache"`}}
	if diff := cmp.Diff(want, out.Results); diff != "" {
		t.Errorf("results: -want +got:\n%s", diff)
	}
	if _, err := parseOutput([]byte("---\n")); err == nil {
		t.Error("an output without a composite was accepted")
	}
}

// TestRenderSaysWhatFailed: render's complaint (its last line) is the
// error, without the CLI's prefix; a CLI that is not there says how to
// name one.
func TestRenderSaysWhatFailed(t *testing.T) {
	got := renderError("some progress\ncrossplane: error: cannot render: pipeline step \"environment\" returned a fatal result: no EnvironmentConfig\n\n", nil)
	if want := `cannot render: pipeline step "environment" returned a fatal result: no EnvironmentConfig`; got != want {
		t.Errorf("renderError: %q, want %q", got, want)
	}
	xr := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "x.example.org/v1", "kind": "X", "metadata": map[string]any{"name": "x"}}}
	_, err := Renderer{CLI: "/nonexistent/crossplane"}.Render(context.Background(), Inputs{Composite: xr, Composition: xr})
	if err == nil || !strings.Contains(err.Error(), "--crossplane") {
		t.Errorf("a missing CLI: %v, want a hint to name it", err)
	}
}

func TestPipelineFunctions(t *testing.T) {
	comp := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"pipeline": []any{
		map[string]any{"step": "a", "functionRef": map[string]any{"name": "function-go-templating"}},
		map[string]any{"step": "b", "functionRef": map[string]any{"name": "function-patch-and-transform"}},
		map[string]any{"step": "c", "functionRef": map[string]any{"name": "function-go-templating"}},
	}}}}
	got, err := pipelineFunctions(comp)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"function-go-templating", "function-patch-and-transform"}, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	if _, err := pipelineFunctions(&unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{}}}); err == nil {
		t.Error("a Composition without a pipeline was accepted")
	}
}
