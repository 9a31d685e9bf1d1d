package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
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

// TestDesiredCompositeOfAClaim: a claim's spec goes to its composite but
// for resourceRef and writeConnectionSecretToRef; its labels go too (a
// Composition reads them); a new claim gets a composite named from it,
// with a claimRef; an existing composite keeps what Crossplane set.
func TestDesiredCompositeOfAClaim(t *testing.T) {
	d := definition{composite: schema.GroupVersionKind{Group: "platform.appinfra.io", Version: "v1alpha1", Kind: "XAppEnvironment"}, legacy: true}
	claim := object(t, `
apiVersion: platform.appinfra.io/v1alpha1
kind: AppEnvironment
metadata:
  name: shop
  namespace: team
  labels: {environment: dev}
spec:
  parameters: {database: {size: medium}}
  resourceRef: {name: shop-abcde}
  writeConnectionSecretToRef: {name: shop-env}
`)
	p := &Planner{}
	fresh := p.desiredComposite(d, claim, nil, true)
	if got := fresh.GetLabels(); got["environment"] != "dev" || got[claimNameLabel] != "shop" || got[claimNamespaceLabel] != "team" {
		t.Errorf("labels: %v", got)
	}
	if _, ok, _ := unstructured.NestedMap(fresh.Object, "spec", "resourceRef"); ok {
		t.Error("resourceRef was copied")
	}
	if _, ok, _ := unstructured.NestedMap(fresh.Object, "spec", "writeConnectionSecretToRef"); ok {
		t.Error("the claim's writeConnectionSecretToRef was copied")
	}
	if ref := fresh.GetClaimReference(); ref == nil || ref.Name != "shop" || ref.Namespace != "team" {
		t.Errorf("claimRef: %+v", ref)
	}
	if n := fresh.GetName(); len(n) != len("shop-")+5 || n[:5] != "shop-" {
		t.Errorf("a new composite's name: %q", n)
	}
	if again := p.desiredComposite(d, claim, nil, true); again.GetName() != fresh.GetName() {
		t.Error("a new composite's name changes from plan to plan")
	}

	live := newComposite(d)
	live.Object = object(t, `
apiVersion: platform.appinfra.io/v1alpha1
kind: XAppEnvironment
metadata: {name: shop-x1y2z, labels: {crossplane.io/claim-name: shop, crossplane.io/claim-namespace: team}}
spec:
  parameters: {database: {size: small}, cache: {size: small}}
  compositionRef: {name: appenvironment-by-cloud}
  resourceRefs: [{apiVersion: s3.aws.appinfra.io/v1alpha1, kind: Bucket, name: b}]
  writeConnectionSecretToRef: {name: xr-secret, namespace: crossplane-system}
`).Object
	got := p.desiredComposite(d, claim, live, true)
	want := map[string]any{
		"parameters":                 map[string]any{"database": map[string]any{"size": "medium"}},
		"compositionRef":             map[string]any{"name": "appenvironment-by-cloud"},
		"resourceRefs":               []any{map[string]any{"apiVersion": "s3.aws.appinfra.io/v1alpha1", "kind": "Bucket", "name": "b"}},
		"writeConnectionSecretToRef": map[string]any{"name": "xr-secret", "namespace": "crossplane-system"},
	}
	if diff := cmp.Diff(want, got.Object["spec"]); diff != "" {
		t.Errorf("an existing composite's spec: -want +got:\n%s", diff)
	}
	if got.GetName() != "shop-x1y2z" {
		t.Errorf("an existing composite's name: %s", got.GetName())
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
metadata: {name: objectstore-aws-1a2b3c4}
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
