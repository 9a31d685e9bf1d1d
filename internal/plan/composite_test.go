package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composite"
)

func object(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestReadDefinition: a legacy XRD offers a claim and keeps Crossplane's
// fields at spec; a v2 one does not; the referenceable version is the
// composite's.
func TestReadDefinition(t *testing.T) {
	legacy, ok := readDefinition(object(t, `
spec:
  scope: LegacyCluster
  group: platform.appinfra.io
  names: {kind: XObjectStore}
  claimNames: {kind: ObjectStore}
  defaultCompositionRef: {name: objectstore-by-cloud}
  versions: [{name: v1alpha1, referenceable: true}]
`))
	if !ok || !legacy.legacy || legacy.claim.Kind != "ObjectStore" || legacy.composite.Version != "v1alpha1" || legacy.defaultComposition != "objectstore-by-cloud" {
		t.Errorf("legacy XRD: %+v", legacy)
	}
	modern, ok := readDefinition(object(t, `
spec:
  scope: Namespaced
  group: ns.platform.appinfra.io
  names: {kind: ObjectStore}
  versions: [{name: v1alpha1, referenceable: false}, {name: v1beta1, referenceable: true}]
`))
	if !ok || modern.legacy || modern.claim.Kind != "" || modern.composite.Version != "v1beta1" {
		t.Errorf("v2 XRD: %+v", modern)
	}
	if _, ok := readDefinition(object(t, `spec: {group: g, names: {kind: K}}`)); ok {
		t.Error("an XRD without a referenceable version was read")
	}
}

// TestClaimPatch: what Crossplane's server-side claim syncer applies to a
// claim's composite: the claim's spec but for what is only a claim's or
// only the composite controller's, its labels and annotations but
// Kubernetes' own, the claim's name and namespace as labels, the
// composite's own external name, and a name from the claim's reference or
// derived from the claim.
func TestClaimPatch(t *testing.T) {
	d := definition{composite: schema.GroupVersionKind{Group: "platform.appinfra.io", Version: "v1alpha1", Kind: "XAppEnvironment"}, legacy: true}
	claim := object(t, `
apiVersion: platform.appinfra.io/v1alpha1
kind: AppEnvironment
metadata:
  name: shop
  namespace: team
  labels: {environment: dev, app.kubernetes.io/name: shop}
  annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}", note: hello, crossplane.io/external-name: from-claim}
spec:
  parameters: {database: {size: medium}}
  compositionRef: {name: appenvironment-by-cloud}
  compositionRevisionRef: {name: appenvironment-by-cloud-abc}
  compositeDeletePolicy: Foreground
  writeConnectionSecretToRef: {name: shop-env}
`)
	fresh := claimPatch(d, claim, nil)
	if got, want := fresh.GetLabels(), map[string]string{"environment": "dev", claimNameLabel: "shop", claimNamespaceLabel: "team"}; !cmp.Equal(got, want) {
		t.Errorf("labels: got %v, want %v", got, want)
	}
	if got, want := fresh.GetAnnotations(), map[string]string{"note": "hello", "crossplane.io/external-name": "from-claim"}; !cmp.Equal(got, want) {
		t.Errorf("annotations: got %v, want %v", got, want)
	}
	wantSpec := map[string]any{
		"parameters":     map[string]any{"database": map[string]any{"size": "medium"}},
		"compositionRef": map[string]any{"name": "appenvironment-by-cloud"},
		"claimRef":       map[string]any{"apiVersion": "platform.appinfra.io/v1alpha1", "kind": "AppEnvironment", "namespace": "team", "name": "shop"},
	}
	if diff := cmp.Diff(wantSpec, fresh.Object["spec"]); diff != "" {
		t.Errorf("spec: -want +got:\n%s", diff)
	}
	if n := fresh.GetName(); len(n) != len("shop-")+5 || n[:5] != "shop-" {
		t.Errorf("a new composite's name: %q", n)
	}
	if again := claimPatch(d, claim, nil); again.GetName() != fresh.GetName() {
		t.Error("a new composite's name changes from plan to plan")
	}

	// An existing composite: the claim's reference names it, its external
	// name stays, and, pinned (Manual), the claim's revision reference goes.
	_ = unstructured.SetNestedField(claim.Object, "shop-x1y2z", "spec", "resourceRef", "name")
	live := newComposite(d)
	live.Object = object(t, `
apiVersion: platform.appinfra.io/v1alpha1
kind: XAppEnvironment
metadata: {name: shop-x1y2z, annotations: {crossplane.io/external-name: the-xrs}}
spec: {compositionUpdatePolicy: Manual}
`).Object
	got := claimPatch(d, claim, live)
	if got.GetName() != "shop-x1y2z" || got.GetAnnotations()["crossplane.io/external-name"] != "the-xrs" {
		t.Errorf("an existing composite: name %s, annotations %v", got.GetName(), got.GetAnnotations())
	}
	if ref := got.GetCompositionRevisionReference(); ref == nil || ref.Name != "appenvironment-by-cloud-abc" {
		t.Errorf("pinned: the claim's revision reference is %v, want it copied", ref)
	}
	// A long claim name: the generated name keeps to 63 characters.
	long := claim.DeepCopy()
	long.SetName("a23456789012345678901234567890123456789012345678901234567890abc")
	unstructured.RemoveNestedField(long.Object, "spec", "resourceRef")
	if n := claimPatch(d, long, nil).GetName(); len(n) != 63 {
		t.Errorf("a long claim's composite name has %d characters: %q", len(n), n)
	}
}

// TestComposedFieldOwner: the plan dry-runs composed resources as the
// field manager Crossplane applies them as. The expected value was read
// from a composed Bucket's managedFields on make dev's stack (composite
// shop-rrbjs of kind XAppEnvironment.platform.appinfra.io).
func TestComposedFieldOwner(t *testing.T) {
	xr := composite.New(composite.WithGroupVersionKind(schema.GroupVersionKind{Group: "platform.appinfra.io", Version: "v1alpha1", Kind: "XAppEnvironment"}))
	xr.SetName("shop-rrbjs")
	if got, want := composedFieldOwner(xr), "apiextensions.crossplane.io/composed/2a447ea78a1007a5d2e2e37b57281ac2ad12a7c9336e4b619f26a62989e3058f"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRevisionAsComposition(t *testing.T) {
	rev := object(t, `
apiVersion: apiextensions.crossplane.io/v1
kind: CompositionRevision
metadata: {name: objectstore-aws-1a2b3c4, labels: {platform.appinfra.io/cloud: aws, crossplane.io/composition-name: objectstore-aws, crossplane.io/composition-hash: abc}}
spec:
  revision: 3
  compositeTypeRef: {apiVersion: platform.appinfra.io/v1alpha1, kind: XObjectStore}
  mode: Pipeline
`)
	got := revisionAsComposition(rev, "objectstore-aws")
	if got.GetKind() != "Composition" || got.GetName() != "objectstore-aws" {
		t.Errorf("got %s %s", got.GetKind(), got.GetName())
	}
	if _, ok, _ := unstructured.NestedFieldNoCopy(got.Object, "spec", "revision"); ok {
		t.Error("the revision number stayed in the spec")
	}
	if m, _, _ := unstructured.NestedString(got.Object, "spec", "mode"); m != "Pipeline" {
		t.Errorf("mode: %q", m)
	}
	// Its labels stay (a composite's compositionSelector may name them),
	// but for the revision's own.
	if diff := cmp.Diff(map[string]string{"platform.appinfra.io/cloud": "aws"}, got.GetLabels()); diff != "" {
		t.Errorf("labels: -want +got:\n%s", diff)
	}
}

// TestForRender: once its Composition is chosen, the composite render
// takes references it and has no selector (render refuses a Composition
// whose labels a selector does not match; Crossplane ignores selectors
// once it has a reference), in either schema.
func TestForRender(t *testing.T) {
	for _, legacy := range []bool{true, false} {
		d := definition{composite: schema.GroupVersionKind{Group: "g.example.org", Version: "v1", Kind: "X"}, legacy: legacy}
		xr := newComposite(d)
		xr.SetName("x")
		xr.SetCompositionSelector(&metav1.LabelSelector{MatchLabels: map[string]string{"cloud": "gcp"}})
		got := composite.New(composite.WithSchema(xr.Schema))
		got.Object = forRender(xr, "chosen").Object
		if got.GetCompositionSelector() != nil || got.GetCompositionReference() == nil || got.GetCompositionReference().Name != "chosen" {
			t.Errorf("legacy %t: selector %v, reference %v", legacy, got.GetCompositionSelector(), got.GetCompositionReference())
		}
		if xr.GetCompositionSelector() == nil {
			t.Errorf("legacy %t: the composite itself lost its selector", legacy)
		}
	}
}

// TestForComposite: a Composition composes a kind at one apiVersion.
func TestForComposite(t *testing.T) {
	c := object(t, `{spec: {compositeTypeRef: {apiVersion: platform.appinfra.io/v1alpha1, kind: XObjectStore}}}`)
	gvk := schema.GroupVersionKind{Group: "platform.appinfra.io", Version: "v1alpha1", Kind: "XObjectStore"}
	if !forComposite(c, gvk) {
		t.Error("its own kind refused")
	}
	gvk.Version = "v1beta1"
	if forComposite(c, gvk) {
		t.Error("another version of its kind accepted")
	}
}

// TestRevisionSelector: a composite's own selector, else its XRD's
// default unless it references a revision.
func TestRevisionSelector(t *testing.T) {
	d := definition{composite: schema.GroupVersionKind{Group: "g.example.org", Version: "v1", Kind: "X"}, legacy: true,
		object: object(t, `{spec: {defaultCompositionRevisionSelector: {matchLabels: {channel: stable}}}}`)}
	xr := newComposite(d)
	if sel := revisionSelector(d, xr); sel == nil || sel.MatchLabels["channel"] != "stable" {
		t.Errorf("the XRD's default: %v", sel)
	}
	xr.SetCompositionRevisionSelector(&metav1.LabelSelector{MatchLabels: map[string]string{"channel": "dev"}})
	if sel := revisionSelector(d, xr); sel == nil || sel.MatchLabels["channel"] != "dev" {
		t.Errorf("its own: %v", sel)
	}
	other := newComposite(d)
	other.SetCompositionRevisionReference(&corev1.LocalObjectReference{Name: "x-1"})
	if sel := revisionSelector(d, other); sel != nil {
		t.Errorf("with a revision reference: %v", sel)
	}
}

// TestContentChanges: a composed Secret's changes are named, never shown;
// another object's are shown; metadata and status are not content.
func TestContentChanges(t *testing.T) {
	before := map[string]any{"kind": "Secret", "metadata": map[string]any{"resourceVersion": "1"}, "data": map[string]any{"DATABASE_URL": "b2xk"}}
	after := map[string]any{"kind": "Secret", "metadata": map[string]any{"resourceVersion": "2"}, "data": map[string]any{"DATABASE_URL": "bmV3"}}
	got := contentChanges(before, after)
	if len(got) != 1 || !got[0].Redacted || got[0].Before != nil || got[0].After != nil {
		t.Errorf("a Secret's change: %+v", got)
	}
	cm := contentChanges(map[string]any{"kind": "ConfigMap", "data": map[string]any{"a": "1"}}, map[string]any{"kind": "ConfigMap", "data": map[string]any{"a": "2"}})
	if len(cm) != 1 || cm[0].Redacted || cm[0].After != "2" {
		t.Errorf("a ConfigMap's change: %+v", cm)
	}
}

// TestCompositionChangesLeafByLeaf: a Composition's pipeline is a list: its
// changes are shown at the leaf that changes, not as the whole list.
func TestCompositionChangesLeafByLeaf(t *testing.T) {
	before := object(t, `{spec: {pipeline: [{step: compose, input: {resources: [{base: {spec: {forProvider: {tags: {managed-by: x}}}}}]}}]}}`)
	after := object(t, `{spec: {pipeline: [{step: compose, input: {resources: [{base: {spec: {forProvider: {tags: {managed-by: x, data-class: internal}}}}}]}}]}}`)
	got := diff(flattenLists, "", before.Object["spec"], after.Object["spec"])
	want := []Change{{Field: "pipeline[0].input.resources[0].base.spec.forProvider.tags.data-class", After: "internal"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
}
