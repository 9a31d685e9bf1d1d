package composition

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// FunctionKind is Crossplane's Function.
var FunctionKind = schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: "Function"}

// Render's runtime annotations (crossplane composition render --help).
const (
	annotationRuntime = "render.crossplane.io/runtime"
	annotationTarget  = "render.crossplane.io/runtime-development-target"
)

// Functions supplies the functions file each render runs: the user's
// file, or the cluster's Function objects, which render runs from their
// packages with Docker, or, with BinDir, from local binaries this starts.
type Functions struct {
	// Kube reads the cluster's Functions.
	Kube client.Reader
	// File is the user's functions file, used as it is.
	File string
	// BinDir holds a binary per function, named as the Function: each is
	// started with --insecure on a free port of 127.0.0.1 the first time
	// a Composition needs it, and stopped by Close.
	BinDir string

	mu      sync.Mutex
	dir     string
	targets map[string]string // function name -> address
	procs   []*exec.Cmd
	logs    []*os.File
}

// For returns a functions file holding every function comp's pipeline
// names.
func (f *Functions) For(ctx context.Context, comp *unstructured.Unstructured) (string, error) {
	if f.File != "" {
		return f.File, nil
	}
	names, err := pipelineFunctions(comp)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dir == "" {
		if f.dir, err = os.MkdirTemp("", "appinfra-plan-functions-"); err != nil {
			return "", err
		}
		f.targets = map[string]string{}
	}
	var b strings.Builder
	for _, name := range names {
		fn := &unstructured.Unstructured{}
		fn.SetGroupVersionKind(FunctionKind)
		if err := f.Kube.Get(ctx, types.NamespacedName{Name: name}, fn); err != nil {
			if kerrors.IsNotFound(err) {
				return "", fmt.Errorf("the Composition %s runs function %s, which is not installed", comp.GetName(), name)
			}
			return "", fmt.Errorf("cannot read function %s: %w", name, err)
		}
		pkg, _, _ := unstructured.NestedString(fn.Object, "spec", "package")
		out := map[string]any{
			"apiVersion": FunctionKind.GroupVersion().String(), "kind": FunctionKind.Kind,
			"metadata": map[string]any{"name": name, "annotations": fn.GetAnnotations()},
			"spec":     map[string]any{"package": pkg},
		}
		if f.BinDir != "" {
			addr, err := f.start(name)
			if err != nil {
				return "", err
			}
			out["metadata"] = map[string]any{"name": name, "annotations": map[string]any{annotationRuntime: "Development", annotationTarget: addr}}
		}
		y, err := yaml.Marshal(out)
		if err != nil {
			return "", err
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	p := filepath.Join(f.dir, fmt.Sprintf("functions-%x.yaml", sha256.Sum256([]byte(b.String()))))
	return p, os.WriteFile(p, []byte(b.String()), 0o600)
}

// start runs BinDir's binary of function name, once, and returns its
// address.
func (f *Functions) start(name string) (string, error) {
	if addr, ok := f.targets[name]; ok {
		return addr, nil
	}
	bin := filepath.Join(f.BinDir, name)
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("function %s: no binary %s in --function-bin", name, bin)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	_ = l.Close()
	log, err := os.Create(filepath.Join(f.dir, name+".log"))
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "--insecure", "--address="+addr) //nolint:gosec // The user's binary directory.
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return "", fmt.Errorf("function %s: %w", name, err)
	}
	f.procs, f.logs = append(f.procs, cmd), append(f.logs, log)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			f.targets[name] = addr
			return addr, nil
		}
	}
	return "", fmt.Errorf("function %s did not listen on %s (its output is in %s)", name, addr, log.Name())
}

// Close stops the functions it started and removes its files.
func (f *Functions) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.procs {
		_ = c.Process.Kill()
		_, _ = c.Process.Wait()
	}
	for _, l := range f.logs {
		_ = l.Close()
	}
	if f.dir != "" {
		_ = os.RemoveAll(f.dir)
	}
	f.procs, f.logs, f.dir = nil, nil, ""
}

// pipelineFunctions are the functions comp's pipeline runs, sorted.
func pipelineFunctions(comp *unstructured.Unstructured) ([]string, error) {
	steps, _, err := unstructured.NestedSlice(comp.Object, "spec", "pipeline")
	if err != nil {
		return nil, fmt.Errorf("Composition %s: %w", comp.GetName(), err)
	}
	seen := map[string]bool{}
	for _, s := range steps {
		step, _ := s.(map[string]any)
		name, _, _ := unstructured.NestedString(step, "functionRef", "name")
		if name != "" {
			seen[name] = true
		}
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("Composition %s has no function pipeline (only mode Pipeline is planned)", comp.GetName())
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}
