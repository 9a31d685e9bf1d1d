//go:build integration

package integration

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/appinfra/provider-appinfra/cluster/local"
)

// TestExamplesAreValid submits every managed resource and ProviderConfig
// example to the API server as a dry run, so that the README's examples
// pass admission as written.
func TestExamplesAreValid(t *testing.T) {
	t.Parallel()
	root, err := local.Root()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "examples", "*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	// Examples name a team-a namespace.
	if err := kube.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}); err != nil && !kerrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	for _, f := range files {
		if filepath.Base(filepath.Dir(f)) == "platform" {
			// Claims and XRs need Crossplane core to turn their XRDs into
			// CRDs: the render tests validate them against the XRDs.
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			u := &unstructured.Unstructured{}
			err := dec.Decode(&u.Object)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			if err := kube.Create(context.Background(), u, client.DryRunAll); err != nil && !kerrors.IsAlreadyExists(err) {
				t.Errorf("%s: %s %s refused: %v", filepath.Base(f), u.GetKind(), u.GetName(), err)
			}
		}
	}
}
