//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// decode splits a YAML stream into objects.
func decode(docs string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, doc := range strings.Split(docs, "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil || len(u.Object) == 0 {
			continue
		}
		out = append(out, u)
	}
	return out
}

// example reads the single object of an example file.
func example(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	objs := decode(string(b))
	if len(objs) != 1 {
		t.Fatalf("%s: want one object, got %d", path, len(objs))
	}
	return objs[0]
}

// namespace creates a namespace for one test, like an application team's.
func namespace(t *testing.T, name string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := kube.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return name
}

func waitFor(ctx context.Context, timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still not true after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	if err := waitFor(context.Background(), timeout, f); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// condition returns a condition's status and message.
func condition(u *unstructured.Unstructured, typ string) (status, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			s, _ := m["status"].(string)
			msg, _ := m["message"].(string)
			return s, msg
		}
	}
	return "Unknown", ""
}

func conditionTrue(u *unstructured.Unstructured, typ string) error {
	if s, msg := condition(u, typ); s != "True" {
		return fmt.Errorf("%s %s: %s is %s: %s", u.GetKind(), u.GetName(), typ, s, msg)
	}
	return nil
}

func get(u *unstructured.Unstructured) error {
	return kube.Get(context.Background(), client.ObjectKeyFromObject(u), u)
}

// readiness follows an object until it is Ready and returns every message
// its Ready condition, and its composite's, had on the way: the status must
// say what it is waiting for. On a timeout it prints the tree.
func readiness(t *testing.T, u *unstructured.Unstructured, xr *unstructured.Unstructured, timeout time.Duration) []string {
	t.Helper()
	var seen []string
	note := func(o *unstructured.Unstructured) {
		if _, msg := condition(o, "Ready"); msg != "" && !slices.Contains(seen, msg) {
			seen = append(seen, msg)
		}
	}
	err := waitFor(context.Background(), timeout, func() error {
		if xr != nil && get(xr) == nil {
			note(xr)
		}
		if err := get(u); err != nil {
			return err
		}
		note(u)
		if s, msg := condition(u, "Ready"); s != "True" {
			return fmt.Errorf("Ready is %s: %s", s, msg)
		}
		return conditionTrue(u, "Synced")
	})
	if err != nil {
		if xr == nil {
			xr = u
		}
		t.Fatalf("%s %s Ready: %v\n%s", u.GetKind(), u.GetName(), err, tree(xr))
	}
	return seen
}

// tree describes an XR and what it composed, with their conditions and
// the managed resources' last events, for a failure message.
func tree(xr *unstructured.Unstructured) string {
	var b strings.Builder
	line := func(indent string, o *unstructured.Unstructured) {
		rs, rm := condition(o, "Ready")
		ss, sm := condition(o, "Synced")
		fmt.Fprintf(&b, "%s%s %s/%s: Ready=%s %q Synced=%s %q\n", indent, o.GetKind(), o.GetNamespace(), o.GetName(), rs, rm, ss, sm)
	}
	_ = get(xr)
	line("", xr)
	refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "resourceRefs")
	if len(refs) == 0 {
		refs, _, _ = unstructured.NestedSlice(xr.Object, "spec", "crossplane", "resourceRefs")
	}
	for _, r := range refs {
		m, _ := r.(map[string]any)
		o := &unstructured.Unstructured{}
		o.SetAPIVersion(fmt.Sprint(m["apiVersion"]))
		o.SetKind(fmt.Sprint(m["kind"]))
		o.SetName(fmt.Sprint(m["name"]))
		o.SetNamespace(xr.GetNamespace())
		if ns, ok := m["namespace"].(string); ok {
			o.SetNamespace(ns)
		}
		if err := get(o); err != nil {
			fmt.Fprintf(&b, "  %s %s: %v\n", o.GetKind(), o.GetName(), err)
			continue
		}
		line("  ", o)
		events := &corev1.EventList{}
		_ = kube.List(context.Background(), events, client.InNamespace(o.GetNamespace()))
		for _, e := range events.Items {
			if e.InvolvedObject.UID == o.GetUID() {
				fmt.Fprintf(&b, "    event %s %s (x%d): %s\n", e.Type, e.Reason, e.Count, e.Message)
			}
		}
	}
	return b.String()
}

// composed returns the managed resources an XR composed, read fresh.
func composed(t *testing.T, xr *unstructured.Unstructured) []*unstructured.Unstructured {
	t.Helper()
	if err := get(xr); err != nil {
		t.Fatal(err)
	}
	refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "resourceRefs")
	if len(refs) == 0 { // a v2 XR keeps them under spec.crossplane
		refs, _, _ = unstructured.NestedSlice(xr.Object, "spec", "crossplane", "resourceRefs")
	}
	var out []*unstructured.Unstructured
	for _, r := range refs {
		m, _ := r.(map[string]any)
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(m["apiVersion"].(string))
		u.SetKind(m["kind"].(string))
		u.SetName(m["name"].(string))
		if ns, ok := m["namespace"].(string); ok {
			u.SetNamespace(ns)
		} else {
			u.SetNamespace(xr.GetNamespace())
		}
		if err := get(u); err != nil {
			t.Fatalf("composed %s %s: %v", u.GetKind(), u.GetName(), err)
		}
		out = append(out, u)
	}
	return out
}

// compositeOf returns the XR a claim is bound to.
func compositeOf(t *testing.T, claim *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	var xr *unstructured.Unstructured
	eventually(t, time.Minute, "claim bound to a composite", func() error {
		if err := get(claim); err != nil {
			return err
		}
		ref, ok, _ := unstructured.NestedStringMap(claim.Object, "spec", "resourceRef")
		if !ok || ref["name"] == "" {
			return fmt.Errorf("no spec.resourceRef yet")
		}
		xr = &unstructured.Unstructured{}
		xr.SetAPIVersion(ref["apiVersion"])
		xr.SetKind(ref["kind"])
		xr.SetName(ref["name"])
		return get(xr)
	})
	return xr
}

// secretData reads a Secret's keys as strings.
func secretData(t *testing.T, ns, name string) map[string]string {
	t.Helper()
	s := &corev1.Secret{}
	eventually(t, time.Minute, "Secret "+ns+"/"+name, func() error {
		return kube.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, s)
	})
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

// deleteAndWait deletes u and waits until it and every object in also are
// gone from the API server.
func deleteAndWait(t *testing.T, u *unstructured.Unstructured, timeout time.Duration, also ...*unstructured.Unstructured) {
	t.Helper()
	if err := kube.Delete(context.Background(), u); err != nil && !kerrors.IsNotFound(err) {
		t.Fatal(err)
	}
	for _, o := range append([]*unstructured.Unstructured{u}, also...) {
		eventually(t, timeout, o.GetKind()+" "+o.GetName()+" deleted", func() error {
			now := o.DeepCopy()
			err := get(now)
			if kerrors.IsNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			_, msg := condition(now, "Synced")
			return fmt.Errorf("still there (Synced: %q)", msg)
		})
	}
}

func externalName(u *unstructured.Unstructured) string {
	return u.GetAnnotations()["crossplane.io/external-name"]
}

// byKind indexes composed resources by kind, and by kind and composition
// resource name ("SecurityGroup.ec2.aws.appinfra.io/database-firewall"),
// for kinds a composite has several of. A by-cloud Composition names its
// resources <name>-<cloud> (database-firewall-aws): they are indexed by
// <name> too.
func byKind(t *testing.T, mrs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	t.Helper()
	out := map[string]*unstructured.Unstructured{}
	for _, mr := range mrs {
		k := mr.GroupVersionKind().GroupKind().String()
		out[k] = mr
		name := mr.GetAnnotations()["crossplane.io/composition-resource-name"]
		out[k+"/"+name] = mr
		if cloud := mr.GetLabels()["platform.appinfra.io/cloud"]; cloud != "" {
			out[k+"/"+strings.TrimSuffix(name, "-"+cloud)] = mr
		}
	}
	return out
}

var (
	s3Bucket         = schema.GroupKind{Group: "s3.aws.appinfra.io", Kind: "Bucket"}.String()
	gcsBucket        = schema.GroupKind{Group: "storage.gcp.appinfra.io", Kind: "Bucket"}.String()
	dbInstance       = schema.GroupKind{Group: "rds.aws.appinfra.io", Kind: "DBInstance"}.String()
	replicationGroup = schema.GroupKind{Group: "elasticache.aws.appinfra.io", Kind: "ReplicationGroup"}.String()
	dbSubnetGroup    = schema.GroupKind{Group: "rds.aws.appinfra.io", Kind: "DBSubnetGroup"}.String()
	securityGroup    = schema.GroupKind{Group: "ec2.aws.appinfra.io", Kind: "SecurityGroup"}.String()
)
