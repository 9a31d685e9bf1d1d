// Package composition renders what a composite's Composition would compose,
// with Crossplane's own render engine (the crossplane CLI's `composition
// render`, running Crossplane core's composition code and the real
// functions), from what the cluster holds: the composite as it would be,
// the Composition (or the revision it is pinned to), its XRD, the composed
// resources that exist and the EnvironmentConfigs. It is the composition
// layer of `appinfra plan` (package plan); it changes nothing.
package composition

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// ResourceNameAnnotation names a composed resource within its Composition.
const ResourceNameAnnotation = "crossplane.io/composition-resource-name"

// A Renderer runs `crossplane composition render`.
type Renderer struct {
	// CLI is the crossplane CLI.
	CLI string
	// CoreBinary is Crossplane core's binary, which render runs as its
	// engine; empty, render runs Crossplane's image with Docker.
	CoreBinary string
	// Functions is a file of the Function objects render runs, with their
	// runtime annotations (see Functions).
	Functions string
	// Timeout bounds the render (render's --timeout; its default is a
	// minute).
	Timeout time.Duration
}

// Inputs are what one render reads.
type Inputs struct {
	// Composite is the XR as it would be after the change.
	Composite *unstructured.Unstructured
	// Composition is the Composition to run (a revision's spec, for a
	// composite pinned to one).
	Composition *unstructured.Unstructured
	// Definition is the composite's XRD: render applies its defaults.
	Definition *unstructured.Unstructured
	// Observed are the composed resources that exist.
	Observed []*unstructured.Unstructured
	// Required are the resources functions may ask for (EnvironmentConfigs).
	Required []*unstructured.Unstructured
}

// Output is what the Composition would compose.
type Output struct {
	// Composite is the XR's status (and name) as the pipeline leaves it.
	Composite *unstructured.Unstructured
	// Resources are the desired composed resources, as Crossplane would
	// apply them.
	Resources []*unstructured.Unstructured
	// Results are the functions' results (warnings, normal messages).
	Results []Result
}

// A Result is one function result.
type Result struct {
	// Severity is the event type Crossplane would record: Normal or
	// Warning.
	Severity string `json:"severity"`
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message"`
}

// Render renders in and says what the Composition would compose. A
// pipeline that fails (a fatal result, a function error) is an error with
// render's message.
func (r Renderer) Render(ctx context.Context, in Inputs) (*Output, error) {
	dir, err := os.MkdirTemp("", "appinfra-plan-render-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir) //nolint:errcheck // Best effort: a temporary directory.

	write := func(name string, objs ...*unstructured.Unstructured) (string, error) {
		var b bytes.Buffer
		for _, o := range objs {
			y, err := yaml.Marshal(o.Object)
			if err != nil {
				return "", err
			}
			b.WriteString("---\n")
			b.Write(y)
		}
		p := filepath.Join(dir, name)
		return p, os.WriteFile(p, b.Bytes(), 0o600)
	}
	xr, err := write("composite.yaml", withoutManagedFields(in.Composite))
	if err != nil {
		return nil, err
	}
	comp, err := write("composition.yaml", in.Composition)
	if err != nil {
		return nil, err
	}
	args := []string{"composition", "render", xr, comp, r.Functions, "--include-function-results"}
	if in.Definition != nil {
		xrd, err := write("definition.yaml", in.Definition)
		if err != nil {
			return nil, err
		}
		args = append(args, "--xrd="+xrd)
	}
	if len(in.Observed) > 0 {
		observed := make([]*unstructured.Unstructured, 0, len(in.Observed))
		for _, o := range in.Observed {
			observed = append(observed, withoutManagedFields(o))
		}
		p, err := write("observed.yaml", observed...)
		if err != nil {
			return nil, err
		}
		args = append(args, "--observed-resources="+p)
	}
	if len(in.Required) > 0 {
		p, err := write("required.yaml", in.Required...)
		if err != nil {
			return nil, err
		}
		args = append(args, "--required-resources="+p)
	}
	if r.CoreBinary != "" {
		args = append(args, "--crossplane-binary="+r.CoreBinary)
	}
	if r.Timeout > 0 {
		args = append(args, "--timeout="+r.Timeout.String())
	}
	cmd := exec.CommandContext(ctx, r.CLI, args...) //nolint:gosec // The CLI is the user's (flag or PATH).
	cmd.Dir = dir                                   // render looks for a project file in its working directory
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("the crossplane CLI %q is not there: install it (docs/plan.md) or name it with --crossplane", r.CLI)
		}
		return nil, fmt.Errorf("crossplane composition render: %s", renderError(stderr.String(), err))
	}
	return parseOutput(stdout.Bytes())
}

// renderError is the gist of render's complaint: its last line that says
// something, without the CLI's own prefix.
func renderError(stderr string, err error) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return strings.TrimPrefix(l, "crossplane: error: ")
		}
	}
	return err.Error()
}

// parseOutput reads render's output: the XR first, then the composed
// resources, then the results (kind Result).
func parseOutput(b []byte) (*Output, error) {
	dec := kyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	out := &Output{}
	for {
		u := &unstructured.Unstructured{}
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read render's output: %w", err)
		}
		switch {
		case len(u.Object) == 0:
			continue
		case out.Composite == nil:
			out.Composite = u
		case u.GetKind() == "Result" && strings.HasPrefix(u.GetAPIVersion(), "render.crossplane.io/"):
			res := Result{}
			res.Severity, _, _ = unstructured.NestedString(u.Object, "severity")
			res.Reason, _, _ = unstructured.NestedString(u.Object, "reason")
			res.Message, _, _ = unstructured.NestedString(u.Object, "message")
			out.Results = append(out.Results, res)
		default:
			out.Resources = append(out.Resources, u)
		}
	}
	if out.Composite == nil {
		return nil, errors.New("render's output holds no composite")
	}
	return out, nil
}

// withoutManagedFields is o without what only the API server reads.
func withoutManagedFields(o *unstructured.Unstructured) *unstructured.Unstructured {
	c := o.DeepCopy()
	c.SetManagedFields(nil)
	return c
}
