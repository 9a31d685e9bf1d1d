package plan

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composite"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/reference"
	"github.com/crossplane/crossplane-runtime/v2/pkg/xcrd"
	xpv1 "github.com/crossplane/crossplane/apis/v2/apiextensions/v1"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/internal/plan/composition"
)

// Crossplane's kinds the composition layer reads.
var (
	definitionList  = schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v2", Kind: "CompositeResourceDefinitionList"}
	compositionKind = schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1", Kind: "Composition"}
	compositionList = schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1", Kind: "CompositionList"}
	revisionKind    = schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1", Kind: "CompositionRevision"}
	environmentList = schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1beta1", Kind: "EnvironmentConfigList"}
)

// Labels Crossplane puts on a claim's composite.
const (
	claimNameLabel      = "crossplane.io/claim-name"
	claimNamespaceLabel = "crossplane.io/claim-namespace"
)

// Composing configures the composition layer: how Compositions are
// rendered.
type Composing struct {
	Renderer  composition.Renderer
	Functions *composition.Functions
}

// A definition is an XRD: the composite kind and, for a legacy one, its
// claim kind.
type definition struct {
	object    *unstructured.Unstructured
	composite schema.GroupVersionKind // its referenceable version
	claim     schema.GroupVersionKind // Kind empty: no claims
	legacy    bool                    // scope LegacyCluster: Crossplane's fields at spec, not spec.crossplane
	// defaultComposition and enforcedComposition name Compositions.
	defaultComposition, enforcedComposition string
}

// compositeState is what the composition layer reads once per plan.
type compositeState struct {
	once         sync.Once
	err          error
	definitions  []definition
	environments []*unstructured.Unstructured
}

// load reads the XRDs and EnvironmentConfigs, once.
func (p *Planner) load(ctx context.Context) error {
	p.state.once.Do(func() {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(definitionList)
		if err := p.read.List(ctx, l); err != nil {
			hint := " (is Crossplane installed?)"
			if kerrors.IsForbidden(err) {
				hint = ""
			}
			p.state.err = readError(err, fmt.Sprintf("cannot list the cluster's CompositeResourceDefinitions%s: %s", hint, reason(err)))
			return
		}
		for i := range l.Items {
			if d, ok := readDefinition(&l.Items[i]); ok {
				p.state.definitions = append(p.state.definitions, d)
			}
		}
		e := &unstructured.UnstructuredList{}
		e.SetGroupVersionKind(environmentList)
		if err := p.read.List(ctx, e); err != nil && !kerrors.IsNotFound(err) {
			p.state.err = readError(err, fmt.Sprintf("cannot list the EnvironmentConfigs a Composition may read: %s", reason(err)))
			return
		}
		for i := range e.Items {
			p.state.environments = append(p.state.environments, &e.Items[i])
		}
	})
	return p.state.err
}

// readDefinition reads an XRD's kinds.
func readDefinition(u *unstructured.Unstructured) (definition, bool) {
	d := definition{object: u}
	group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
	kind, _, _ := unstructured.NestedString(u.Object, "spec", "names", "kind")
	claim, _, _ := unstructured.NestedString(u.Object, "spec", "claimNames", "kind")
	scope, _, _ := unstructured.NestedString(u.Object, "spec", "scope")
	d.defaultComposition, _, _ = unstructured.NestedString(u.Object, "spec", "defaultCompositionRef", "name")
	d.enforcedComposition, _, _ = unstructured.NestedString(u.Object, "spec", "enforcedCompositionRef", "name")
	versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
	version := ""
	for _, v := range versions {
		m, _ := v.(map[string]any)
		if ref, _ := m["referenceable"].(bool); ref {
			version, _ = m["name"].(string)
		}
	}
	if group == "" || kind == "" || version == "" {
		return d, false
	}
	d.composite = schema.GroupVersionKind{Group: group, Version: version, Kind: kind}
	if claim != "" {
		d.claim = schema.GroupVersionKind{Group: group, Version: version, Kind: claim}
	}
	d.legacy = scope == "LegacyCluster" || (scope == "" && claim != "")
	return d, true
}

// definitionOf finds gvk's XRD: as its composite kind or its claim kind.
func (p *Planner) definitionOf(gvk schema.GroupVersionKind) (d definition, claim, ok bool) {
	for _, d := range p.state.definitions {
		if d.composite.GroupKind() == gvk.GroupKind() {
			return d, false, true
		}
		if d.claim.Kind != "" && d.claim.GroupKind() == gvk.GroupKind() {
			return d, true, true
		}
	}
	return definition{}, false, false
}

// composition plans an input that is not a managed resource: a claim, a
// composite or a Composition.
func (p *Planner) composition(ctx context.Context, in Input) Resource {
	r := Resource{APIVersion: in.GVK.GroupVersion().String(), Kind: in.GVK.Kind, Namespace: in.Key.Namespace, Name: in.Key.Name, Source: in.Source}
	err := p.load(ctx)
	var na *notAllowed
	if in.GVK.GroupKind() == compositionKind.GroupKind() {
		r.Namespace = ""
		if err != nil {
			return r.fail(ActionError, err.Error())
		}
		return p.planComposition(ctx, r, in)
	}
	if errors.As(err, &na) {
		// Whether it is a claim or composite cannot be told with the
		// user's access: the API server's verdict is all there is.
		return p.planComposite(ctx, r, in, definition{}, false, na.Error())
	}
	if err != nil {
		return r.fail(ActionError, "not a managed resource of provider-appinfra, and "+err.Error())
	}
	d, claim, ok := p.definitionOf(in.GVK)
	if !ok {
		return r.fail(ActionError, "not planned: neither a managed resource of provider-appinfra-aws or provider-appinfra-gcp, nor a claim, composite or Composition the cluster defines")
	}
	if !claim && d.legacy || !claim && scopeOf(d) == "Cluster" {
		r.Namespace, in.Key.Namespace = "", ""
	}
	return p.planComposite(ctx, r, in, d, claim, "")
}

func scopeOf(d definition) string {
	s, _, _ := unstructured.NestedString(d.object.Object, "spec", "scope")
	return s
}

// A notAllowed error is a read the user's access does not allow: the
// plan then says what it can without it.
type notAllowed struct{ msg string }

func (e *notAllowed) Error() string { return e.msg }

// readError is msg as an error, a notAllowed one when err is Forbidden.
func readError(err error, msg string) error {
	if kerrors.IsForbidden(err) {
		return &notAllowed{msg: msg}
	}
	return errors.New(msg)
}

// planComposite plans a claim or a composite: the API server's verdict on
// it, then, through its Composition, each resource it would compose. With
// limited set (the composition layer cannot be read with the user's
// access), the verdict alone.
func (p *Planner) planComposite(ctx context.Context, r Resource, in Input, d definition, claim bool, limited string) Resource {
	r.Composition = &CompositionUse{}
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(in.GVK)
	err := p.read.Get(ctx, in.Key, live)
	if err != nil && !kerrors.IsNotFound(err) {
		return r.fail(ActionError, "cannot read it from the cluster: "+reason(err))
	}
	r.Kubernetes.Exists = err == nil
	if !r.Kubernetes.Exists {
		live = nil
	}

	desired := live
	switch {
	case in.Delete:
		if live == nil {
			r.Kubernetes.DryRun = "skipped"
			return r.fail(ActionNoChange, "not in the cluster: nothing to delete")
		}
		obj := &unstructured.Unstructured{}
		obj.SetGroupVersionKind(in.GVK)
		obj.SetNamespace(in.Key.Namespace)
		obj.SetName(in.Key.Name)
		if err := p.kube.Delete(ctx, obj, client.DryRunAll, client.Preconditions{UID: ptrTo(live.GetUID())}); err != nil {
			r.Kubernetes.DryRun, r.Kubernetes.Message = "refused", err.Error()
			return r.fail(ActionRefused, "the API server refuses to delete it")
		}
		r.Kubernetes.DryRun = "accepted"
	case in.Object != nil:
		u := in.Object.DeepCopy()
		u.SetNamespace(in.Key.Namespace)
		err := p.kube.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(p.o.FieldManager), client.ForceOwnership, client.DryRunAll)
		if err != nil {
			c := classify(err)
			r.Kubernetes.DryRun, r.Kubernetes.Message = "refused", c.message
			if c.replace && r.Kubernetes.Exists {
				r.Action, r.Destructive = ActionReplace, true
				r.Reason = "needs replacement: the API server refuses the change, as the platform does not make it to an existing " + r.Kind + "; it would have to be deleted and created again (plan --delete says what that loses)"
				return r
			}
			return r.fail(ActionRefused, "the API server refuses it")
		}
		r.Kubernetes.DryRun = "accepted"
		desired = u
		if live != nil {
			r.Kubernetes.SpecChanges = specChanges(live.Object, u.Object)
		}
	default:
		if live == nil {
			return r.fail(ActionError, "not in the cluster")
		}
		r.Kubernetes.DryRun = "skipped"
	}
	if limited != "" {
		return r.withoutComposition(in.Delete, limited)
	}

	// The composite that exists, if any.
	var liveXR *composite.Unstructured
	if live != nil {
		if liveXR, err = p.compositeOf(ctx, d, live, claim); err != nil {
			return r.compositionFailed(in.Delete, err)
		}
	}
	if liveXR != nil {
		if claim {
			r.Composition.Composite = liveXR.GetKind() + "/" + liveXR.GetName()
		} else if n := liveXR.GetLabels()[claimNameLabel]; n != "" {
			r.Composition.Claim = liveXR.GetLabels()[claimNamespaceLabel] + "/" + n
		}
	}

	if in.Delete {
		r.Action, r.Reason = ActionDelete, "Crossplane would delete its composite and, with it, every resource it composes"
		if !claim {
			r.Reason = "Crossplane would delete every resource it composes"
		}
		if liveXR != nil {
			r.Composed = p.deleteComposed(ctx, in.Source, liveXR, nil)
		}
		r.Destructive = anyDestructive(r.Composed)
		return r
	}

	if meta.IsPaused(desired) || liveXR != nil && meta.IsPaused(liveXR) {
		r.Action, r.Reason = ActionNoChange, "paused (crossplane.io/paused): Crossplane composes nothing for it until the annotation goes"
		if len(r.Kubernetes.SpecChanges) > 0 {
			r.Action, r.Reason = ActionUpdate, r.Reason+"; its spec changes in the cluster only"
		}
		return r
	}
	xr, notes, err := p.desiredComposite(ctx, d, desired, liveXR, claim)
	if err != nil {
		return r.compositionFailed(false, err)
	}
	r.Notes = append(r.Notes, notes...)
	comp, notes, err := p.compositionFor(ctx, d, xr, r.Composition)
	if err != nil {
		return r.compositionFailed(false, err)
	}
	r.Notes = append(r.Notes, notes...)
	return p.render(ctx, r, in.Source, d, xr, liveXR, comp)
}

// compositionFailed ends a composite's plan on an error of the
// composition layer: one the user's access explains leaves the API
// server's verdict; any other is an error.
func (r Resource) compositionFailed(deleting bool, err error) Resource {
	var na *notAllowed
	if errors.As(err, &na) {
		return r.withoutComposition(deleting, na.Error())
	}
	return r.fail(ActionError, err.Error())
}

// withoutComposition says what the API server's verdict alone tells, when
// what the composite composes cannot be read with the user's access.
func (r Resource) withoutComposition(deleting bool, why string) Resource {
	r.Cloud.Unavailable = "what it composes cannot be read with your access (" + why + "): the plan shows the API server's verdict only; a platform engineer's plan shows the rest"
	return r.fromSpec(deleting, reasons{
		delete: "Crossplane would delete what it composes, and with it the cloud resources (not read)",
		create: "new: Crossplane would compose its resources (not read)",
		update: "its spec changes; what that changes in what it composes was not read",
		none:   "its spec does not change (what it composes was not read: drift is not known)",
	})
}

// fromComposed decides the action of a claim, composite or Composition
// from what it would compose (or, for a Composition, from its composites'
// plans): a new one, one whose resources change, one whose spec alone
// changes, or none; destructive if any of its resources' plans is.
func (r Resource) fromComposed(isNew bool, why reasons) Resource {
	switch {
	case isNew:
		r.Action, r.Reason = ActionCreate, why.create
	case anyChange(r.Composed):
		r.Action, r.Reason = ActionUpdate, why.update
	case len(r.Kubernetes.SpecChanges) > 0:
		r.Action, r.Reason = ActionUpdate, why.spec
	default:
		r.Action, r.Reason = ActionNoChange, why.none
	}
	r.Destructive = anyDestructive(r.Composed)
	return r
}

// render renders xr with comp and plans what it composes: r gets the
// composed resources' plans and its own action from them.
func (p *Planner) render(ctx context.Context, r Resource, source string, d definition, xr, liveXR *composite.Unstructured, comp *unstructured.Unstructured) Resource {
	var observed []*unstructured.Unstructured
	if liveXR != nil {
		var err error
		if observed, err = p.composedOf(ctx, liveXR); err != nil {
			return r.compositionFailed(false, err)
		}
	}
	fns, err := p.compose.Functions.For(ctx, comp)
	if err != nil {
		return r.compositionFailed(false, readError(err, err.Error()))
	}
	renderer := p.compose.Renderer
	renderer.Functions = fns
	rctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	renderer.Timeout = p.o.Timeout
	out, err := renderer.Render(rctx, composition.Inputs{
		Composite: forRender(xr, comp.GetName()), Composition: comp, Definition: d.object, Observed: observed, Required: p.state.environments,
	})
	if err != nil {
		return r.fail(ActionError, "the Composition's pipeline fails, as Crossplane would report on the composite: "+err.Error())
	}
	for _, res := range out.Results {
		r.Composition.Results = append(r.Composition.Results, RenderResult(res))
	}

	owner := composedFieldOwner(xr)
	desired := map[string]bool{}
	for _, u := range out.Resources {
		desired[resourceName(u)] = true
		r.Composed = append(r.Composed, p.applyComposed(ctx, source, xr, u, owner))
	}
	if liveXR != nil {
		r.Composed = append(r.Composed, p.deleteComposed(ctx, source, liveXR, desired)...)
	}

	r = r.fromComposed(!r.Kubernetes.Exists && liveXR == nil, reasons{
		create: "new: Crossplane would compose the resources below",
		update: "Crossplane would change what it composes, as below",
		spec:   "its spec changes; nothing it composes would change",
		none:   "nothing it composes would change",
	})
	for _, c := range r.Composed {
		if c.Action == ActionError || c.Action == ActionRefused {
			r.Reason += " (some cannot be planned: see below)"
			break
		}
	}
	return r
}

// compositeOf reads the composite of a live claim, or reads a live
// composite with Crossplane's schema for its XRD.
func (p *Planner) compositeOf(ctx context.Context, d definition, live *unstructured.Unstructured, claim bool) (*composite.Unstructured, error) {
	xr := newComposite(d)
	if !claim {
		xr.Object = live.DeepCopy().Object
		return xr, nil
	}
	ref, _, _ := unstructured.NestedStringMap(live.Object, "spec", "resourceRef")
	if ref["name"] == "" {
		return nil, nil // Crossplane has not made it yet
	}
	err := p.read.Get(ctx, types.NamespacedName{Name: ref["name"]}, xr)
	if kerrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, readError(err, fmt.Sprintf("cannot read its composite %s: %s", ref["name"], reason(err)))
	}
	return xr, nil
}

// newComposite is an empty composite of d's kind and schema.
func newComposite(d definition) *composite.Unstructured {
	s := composite.SchemaModern
	if d.legacy {
		s = composite.SchemaLegacy
	}
	return composite.New(composite.WithGroupVersionKind(d.composite), composite.WithSchema(s))
}

// desiredComposite is the composite as Crossplane would have it after the
// change: a composite's own dry run; for a claim, what Crossplane's claim
// syncer would apply to its composite, dry-run.
func (p *Planner) desiredComposite(ctx context.Context, d definition, desired *unstructured.Unstructured, liveXR *composite.Unstructured, claim bool) (*composite.Unstructured, []string, error) {
	xr := newComposite(d)
	if !claim {
		xr.Object = desired.DeepCopy().Object
		return xr, nil, nil
	}
	patch := claimPatch(d, desired, liveXR)
	// The API server's answer is the composite as it would be: the patch
	// applied as the claim syncer applies it, over what others own (the
	// composite controller's references, status).
	u := patch.GetUnstructured().DeepCopy()
	err := p.kube.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(claimFieldOwner), client.ForceOwnership, client.DryRunAll)
	switch {
	case err == nil:
		xr.Object = u.Object
		return xr, nil, nil
	case kerrors.IsForbidden(err):
		// A tenant may apply claims but not composites: the patch over the
		// live composite stands in for the API server's answer.
		note := "you may not dry-run applying its composite (" + reason(err) + "); Crossplane would: the claim's spec is laid over the composite as it is, without the API server's defaults"
		if liveXR != nil {
			xr.Object = liveXR.DeepCopy().Object
		}
		mergeInto(xr.Object, patch.Object)
		return xr, []string{note}, nil
	default:
		return nil, nil, fmt.Errorf("the API server refuses its composite as Crossplane would apply it: %s", classify(err).message)
	}
}

// claimFieldOwner is the field manager Crossplane's claim syncer applies
// a claim's composite as.
const claimFieldOwner = "apiextensions.crossplane.io/claim"

// claimPatch is what Crossplane's (server-side) claim syncer applies to a
// claim's composite: the claim's name reference (or a new name from the
// claim), its labels and annotations but Kubernetes' own, the claim's name
// and namespace as labels, the composite's own external name kept, and the
// claim's spec without what is only a claim's or only the composite
// controller's (compositionRef, its selector, update policy and revision
// selector do go; the revision reference too, when the policy is Manual).
func claimPatch(d definition, claim *unstructured.Unstructured, liveXR *composite.Unstructured) *composite.Unstructured {
	patch := composite.New(composite.WithGroupVersionKind(d.composite), composite.WithSchema(composite.SchemaLegacy))
	ref, _, _ := unstructured.NestedStringMap(claim.Object, "spec", "resourceRef")
	switch {
	case ref["name"] != "":
		patch.SetName(ref["name"])
	case liveXR != nil:
		patch.SetName(liveXR.GetName())
	default:
		patch.SetName(generatedName(claim.GetName()+"-", claim.GetNamespace()+"/"+claim.GetName()))
	}
	if ann := withoutReserved(claim.GetAnnotations()); len(ann) > 0 {
		patch.SetAnnotations(ann)
	}
	labels := withoutReserved(claim.GetLabels())
	labels[claimNameLabel], labels[claimNamespaceLabel] = claim.GetName(), claim.GetNamespace()
	patch.SetLabels(labels)
	if liveXR != nil {
		if en := meta.GetExternalName(liveXR); en != "" {
			meta.SetExternalName(patch, en)
		}
	}
	strip := xcrd.CompositeResourceClaimSpecProps(nil)
	maps.Copy(strip, xcrd.CompositeResourceSpecProps(xpv1.CompositeResourceScopeLegacyCluster, nil))
	for _, f := range xcrd.PropagateSpecProps {
		if f == "compositionRef" && d.enforcedComposition != "" {
			continue
		}
		delete(strip, f)
	}
	if liveXR != nil {
		if pol := liveXR.GetCompositionUpdatePolicy(); pol != nil && *pol == xpv2.UpdateManual {
			delete(strip, xcrd.CompositionRevisionRef)
		}
	}
	spec, _, _ := unstructured.NestedMap(claim.Object, "spec")
	for _, f := range xcrd.GetPropFields(strip) {
		delete(spec, f)
	}
	patch.Object["spec"] = spec
	patch.SetClaimReference(&reference.Claim{APIVersion: claim.GetAPIVersion(), Kind: claim.GetKind(), Namespace: claim.GetNamespace(), Name: claim.GetName()})
	return patch
}

// withoutReserved is m without Kubernetes' own keys (*.kubernetes.io/,
// *.k8s.io/), which Crossplane does not copy from a claim.
func withoutReserved(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		prefix, _, _ := strings.Cut(k, "/")
		if strings.HasSuffix(prefix, "kubernetes.io") || strings.HasSuffix(prefix, "k8s.io") {
			continue
		}
		out[k] = v
	}
	return out
}

// generatedName stands in for the name the API server would generate from
// prefix (cut to 58 characters, then five random ones): five derived from
// seed, so that a plan is repeatable.
func generatedName(prefix, seed string) string {
	if len(prefix) > 58 {
		prefix = prefix[:58]
	}
	sum := sha256.Sum256([]byte(seed))
	return prefix + fmt.Sprintf("%x", sum[:3])[:5]
}

// mergeInto lays src over dst: objects merged key by key, anything else
// replaced.
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeInto(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// compositionFor finds the Composition xr would be composed with, as
// Crossplane selects it: the XRD's enforced one, the composite's
// reference, its selector, the XRD's default, else any for its kind; then
// the revision: the one it is pinned to (update policy Manual), the latest
// its revision selector (or the XRD's default one) matches, else the
// Composition as it is (its latest revision).
func (p *Planner) compositionFor(ctx context.Context, d definition, xr *composite.Unstructured, use *CompositionUse) (*unstructured.Unstructured, []string, error) {
	var notes []string
	name := d.enforcedComposition
	if name == "" {
		if ref := xr.GetCompositionReference(); ref != nil {
			name = ref.Name
		}
	}
	if name == "" {
		if sel := xr.GetCompositionSelector(); sel != nil {
			n, err := p.selectComposition(ctx, d, sel)
			if err != nil {
				return nil, nil, err
			}
			name = n
			notes = append(notes, "its compositionSelector matches "+n+" (Crossplane picks one of the Compositions that match, once, and keeps it)")
		}
	}
	if name == "" {
		name = d.defaultComposition
	}
	if name == "" {
		n, err := p.selectComposition(ctx, d, &metav1.LabelSelector{})
		if err != nil {
			return nil, nil, err
		}
		name = n
		notes = append(notes, "it names no Composition and its XRD has no default: Crossplane picks one for its kind ("+n+" here), once, and keeps it")
	}
	use.Name = name
	if pol := xr.GetCompositionUpdatePolicy(); pol != nil && *pol == xpv2.UpdateManual {
		if rev := xr.GetCompositionRevisionReference(); rev != nil && rev.Name != "" {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(revisionKind)
			if err := p.read.Get(ctx, types.NamespacedName{Name: rev.Name}, u); err != nil {
				return nil, nil, readError(err, fmt.Sprintf("cannot read the CompositionRevision %s it is pinned to: %s", rev.Name, reason(err)))
			}
			use.Revision = rev.Name
			return revisionAsComposition(u, name), notes, nil
		}
	}
	if sel := revisionSelector(d, xr); sel != nil {
		rev, err := p.latestRevision(ctx, name, sel)
		if err != nil {
			return nil, nil, err
		}
		use.Revision = rev.GetName()
		notes = append(notes, "its compositionRevisionSelector chooses revision "+rev.GetName()+", the latest it matches")
		return revisionAsComposition(rev, name), notes, nil
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(compositionKind)
	if err := p.read.Get(ctx, types.NamespacedName{Name: name}, u); err != nil {
		return nil, nil, readError(err, fmt.Sprintf("cannot read its Composition %s: %s", name, reason(err)))
	}
	return u, notes, nil
}

// revisionSelector is xr's compositionRevisionSelector, or its XRD's
// default one (which Crossplane copies to a composite that has neither a
// revision selector nor reference); nil for none.
func revisionSelector(d definition, xr *composite.Unstructured) *metav1.LabelSelector {
	if sel := xr.GetCompositionRevisionSelector(); sel != nil {
		return sel
	}
	if xr.GetCompositionRevisionReference() != nil {
		return nil
	}
	m, ok, _ := unstructured.NestedMap(d.object.Object, "spec", "defaultCompositionRevisionSelector")
	if !ok {
		return nil
	}
	sel := &metav1.LabelSelector{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, sel); err != nil {
		return nil
	}
	return sel
}

// compositionNameLabel names a CompositionRevision's Composition.
const compositionNameLabel = "crossplane.io/composition-name"

// latestRevision is the revision of Composition name with the highest
// number among those sel matches.
func (p *Planner) latestRevision(ctx context.Context, name string, sel *metav1.LabelSelector) (*unstructured.Unstructured, error) {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, fmt.Errorf("its compositionRevisionSelector: %w", err)
	}
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(revisionKind.GroupVersion().WithKind("CompositionRevisionList"))
	if err := p.read.List(ctx, l, client.MatchingLabels{compositionNameLabel: name}); err != nil {
		return nil, readError(err, fmt.Sprintf("cannot list the revisions of Composition %s: %s", name, reason(err)))
	}
	var latest *unstructured.Unstructured
	var highest int64
	for i := range l.Items {
		if !s.Matches(labels.Set(l.Items[i].GetLabels())) {
			continue
		}
		if n, _, _ := unstructured.NestedInt64(l.Items[i].Object, "spec", "revision"); latest == nil || n > highest {
			latest, highest = &l.Items[i], n
		}
	}
	if latest == nil {
		return nil, fmt.Errorf("no revision of Composition %s matches its compositionRevisionSelector %s: Crossplane would not compose it", name, s)
	}
	return latest, nil
}

// selectComposition is the first Composition (by name) for d's composite
// whose labels match sel. Crossplane picks one of those that match at
// random, once, and keeps it.
func (p *Planner) selectComposition(ctx context.Context, d definition, sel *metav1.LabelSelector) (string, error) {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "", fmt.Errorf("its compositionSelector: %w", err)
	}
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(compositionList)
	if err := p.read.List(ctx, l, client.MatchingLabelsSelector{Selector: s}); err != nil {
		return "", readError(err, fmt.Sprintf("cannot list Compositions: %s", reason(err)))
	}
	var names []string
	for _, c := range l.Items {
		if forComposite(&c, d.composite) {
			names = append(names, c.GetName())
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("no Composition for %s matches its compositionSelector %s", d.composite.Kind, s)
	}
	sort.Strings(names)
	return names[0], nil
}

// forComposite says whether Composition c composes gvk's kind, at its
// apiVersion, as Crossplane requires.
func forComposite(c *unstructured.Unstructured, gvk schema.GroupVersionKind) bool {
	ref, _, _ := unstructured.NestedStringMap(c.Object, "spec", "compositeTypeRef")
	return ref["apiVersion"] == gvk.GroupVersion().String() && ref["kind"] == gvk.Kind
}

// revisionAsComposition is a CompositionRevision as the Composition render
// takes: its labels and spec, without the revision number.
func revisionAsComposition(rev *unstructured.Unstructured, name string) *unstructured.Unstructured {
	spec, _, _ := unstructured.NestedMap(rev.Object, "spec")
	delete(spec, "revision")
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetGroupVersionKind(compositionKind)
	u.SetName(name)
	lbl := rev.GetLabels()
	delete(lbl, compositionNameLabel)
	delete(lbl, "crossplane.io/composition-hash")
	u.SetLabels(lbl)
	return u
}

// forRender is xr as render takes it once its Composition is chosen:
// referencing it, with no selector left to refuse a Composition whose
// labels it does not match (Crossplane ignores selectors once it has a
// reference).
func forRender(xr *composite.Unstructured, comp string) *unstructured.Unstructured {
	c := newCompositeLike(xr)
	c.SetCompositionReference(&corev1.ObjectReference{Name: comp})
	path := []string{"spec", "crossplane", "compositionSelector"}
	if xrLegacy(xr) {
		path = []string{"spec", "compositionSelector"}
	}
	unstructured.RemoveNestedField(c.Object, path...)
	return c.GetUnstructured()
}

// newCompositeLike is a deep copy of xr, with its schema.
func newCompositeLike(xr *composite.Unstructured) *composite.Unstructured {
	c := composite.New(composite.WithSchema(xr.Schema))
	c.Object = xr.DeepCopy().Object
	return c
}

// composedOf reads the composed resources xr references.
func (p *Planner) composedOf(ctx context.Context, xr *composite.Unstructured) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, ref := range xr.GetResourceReferences() {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(ref.APIVersion)
		u.SetKind(ref.Kind)
		ns := ref.Namespace
		if ns == "" && !xrLegacy(xr) {
			ns = xr.GetNamespace()
		}
		err := p.read.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, u)
		if kerrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, readError(err, fmt.Sprintf("cannot read its composed resource %s %s: %s", ref.Kind, ref.Name, reason(err)))
		}
		// Crossplane observes only what xr controls (or what no one does).
		if c := metav1.GetControllerOf(u); c != nil && c.UID != xr.GetUID() {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}

// controlledBy says whether xr is u's controller: only then does
// Crossplane (or, with xr, the garbage collector) delete u.
func controlledBy(u *unstructured.Unstructured, xr *composite.Unstructured) bool {
	c := metav1.GetControllerOf(u)
	return c != nil && c.UID == xr.GetUID()
}

func xrLegacy(xr *composite.Unstructured) bool { return xr.Schema == composite.SchemaLegacy }

// applyComposed plans one resource the render says Crossplane would
// apply.
func (p *Planner) applyComposed(ctx context.Context, source string, xr *composite.Unstructured, u *unstructured.Unstructured, owner string) Resource {
	u = u.DeepCopy()
	if u.GetNamespace() == "" && !xrLegacy(xr) {
		u.SetNamespace(xr.GetNamespace())
	}
	var notes []string
	if u.GetName() == "" {
		// Crossplane would generate it; the plan needs one to dry-run.
		u.SetName(u.GetGenerateName() + "plan0")
		notes = append(notes, "its name is generated when it is created ("+u.GetGenerateName()+"...); the plan says "+u.GetName())
	}
	// A new composite has no UID yet: its owner reference would be
	// refused in a dry run.
	var refs []metav1.OwnerReference
	for _, ref := range u.GetOwnerReferences() {
		if ref.UID != "" {
			refs = append(refs, ref)
		}
	}
	u.SetOwnerReferences(refs)
	in := Input{
		Object: u, GVK: u.GroupVersionKind(), Key: types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()},
		Source: source + " " + resourceName(u), FieldManager: owner, Composed: true,
	}
	var r Resource
	if k, ok := p.kinds[in.GVK]; ok {
		ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
		defer cancel()
		r = k.plan(ctx, p, in)
	} else {
		r = p.planObject(ctx, in)
	}
	r.Notes = append(notes, r.Notes...)
	return r
}

// deleteComposed plans deleting xr's composed resources that keep is
// without (all of them when keep is nil): Crossplane deletes what its
// Composition no longer composes, and all of them with the composite.
func (p *Planner) deleteComposed(ctx context.Context, source string, xr *composite.Unstructured, keep map[string]bool) []Resource {
	observed, err := p.composedOf(ctx, xr)
	if err != nil {
		return []Resource{{Kind: xr.GetKind(), Name: xr.GetName(), Source: source, Action: ActionError, Reason: err.Error()}}
	}
	var out []Resource
	for _, u := range observed {
		if keep != nil && keep[resourceName(u)] || !controlledBy(u, xr) {
			continue
		}
		in := Input{GVK: u.GroupVersionKind(), Key: types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}, Source: source + " " + resourceName(u), Delete: true, Composed: true}
		if k, ok := p.kinds[in.GVK]; ok {
			cctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
			out = append(out, k.plan(cctx, p, in))
			cancel()
			continue
		}
		out = append(out, Resource{
			APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName(), Source: in.Source,
			Kubernetes: Kubernetes{Exists: true, DryRun: "skipped"}, Action: ActionDelete,
			Reason: "Crossplane would delete it (a Kubernetes object: nothing in a cloud)",
		})
	}
	return out
}

// planObject plans a composed object that is not a managed resource of
// the family (a Secret, another composite): the API server's dry run, and
// whether anything but its metadata changes.
func (p *Planner) planObject(ctx context.Context, in Input) Resource {
	r := Resource{APIVersion: in.GVK.GroupVersion().String(), Kind: in.GVK.Kind, Namespace: in.Key.Namespace, Name: in.Key.Name, Source: in.Source}
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(in.GVK)
	err := p.read.Get(ctx, in.Key, live)
	if err != nil && !kerrors.IsNotFound(err) && !kerrors.IsForbidden(err) {
		return r.fail(ActionError, "cannot read it from the cluster: "+reason(err))
	}
	r.Kubernetes.Exists = err == nil
	u := in.Object.DeepCopy()
	if err := p.kube.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(in.FieldManager), client.ForceOwnership, client.DryRunAll); err != nil {
		if kerrors.IsForbidden(err) {
			r.Kubernetes.DryRun = "skipped"
			r.Notes = append(r.Notes, "you may not dry-run applying it ("+reason(err)+"); Crossplane would apply it")
			u = in.Object
		} else {
			r.Kubernetes.DryRun, r.Kubernetes.Message = "refused", classify(err).message
			return r.fail(ActionRefused, "the API server would refuse it: Crossplane would report that on the composite")
		}
	} else {
		r.Kubernetes.DryRun = "accepted"
	}
	if !r.Kubernetes.Exists {
		r.Action, r.Reason = ActionCreate, "Crossplane would create it (a Kubernetes object: nothing in a cloud)"
		return r
	}
	if in.GVK.Kind == "Secret" && in.GVK.Group == "" {
		// A composed Secret is filled from the composed resources'
		// connection details, which render does not read: what it would
		// hold cannot be told from the render.
		r.Action, r.Reason = ActionNoChange, "Crossplane would keep it (a Kubernetes object: nothing in a cloud)"
		r.Notes = append(r.Notes, "its values come from the composed resources' connection details, which a render does not read: they are not compared")
		return r
	}
	r.Changes = contentChanges(live.Object, u.Object)
	if len(r.Changes) == 0 {
		r.Action, r.Reason = ActionNoChange, "it is as Crossplane would apply it"
		return r
	}
	r.Action, r.Reason = ActionUpdate, "Crossplane would change it (a Kubernetes object: nothing in a cloud)"
	return r
}

// contentChanges are the changes to an object's content: everything but
// its metadata and status; a Secret's values are never shown.
func contentChanges(before, after map[string]any) []Change {
	strip := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			switch k {
			case "metadata", "status", "apiVersion", "kind":
			default:
				out[k] = v
			}
		}
		return out
	}
	changes := leafChanges("", strip(before), strip(after))
	if k, _ := after["kind"].(string); k == "Secret" {
		for i := range changes {
			changes[i] = Change{Field: changes[i].Field, Redacted: true}
		}
	}
	return changes
}

// resourceName is a composed resource's name in its Composition.
func resourceName(u *unstructured.Unstructured) string {
	return u.GetAnnotations()[composition.ResourceNameAnnotation]
}

// composedFieldOwner is the field manager Crossplane applies xr's composed
// resources as: a hash of the composite's name and kind (Crossplane's
// ComposedFieldOwnerName).
func composedFieldOwner(xr *composite.Unstructured) string {
	sum := sha256.Sum256([]byte(xr.GetName() + xr.GroupVersionKind().GroupKind().String()))
	return fmt.Sprintf("apiextensions.crossplane.io/composed/%x", sum)
}

// anyChange says whether any of rs would change something.
func anyChange(rs []Resource) bool {
	for _, r := range rs {
		switch r.Action {
		case ActionNoChange, ActionError, ActionRefused:
		default:
			return true
		}
	}
	return false
}

// anyDestructive says whether any of rs is destructive.
func anyDestructive(rs []Resource) bool {
	for _, r := range rs {
		if r.Destructive {
			return true
		}
	}
	return false
}

// planComposition plans a Composition change: the API server's verdict,
// then every composite that uses it: those that follow its latest
// revision (Automatic, the default) rendered with the new one; those
// pinned to a revision (Manual) listed as not moving.
func (p *Planner) planComposition(ctx context.Context, r Resource, in Input) Resource {
	r.Composition = &CompositionUse{Name: in.Key.Name}
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(compositionKind)
	err := p.read.Get(ctx, types.NamespacedName{Name: in.Key.Name}, live)
	if err != nil && !kerrors.IsNotFound(err) {
		return r.fail(ActionError, "cannot read it from the cluster: "+reason(err))
	}
	r.Kubernetes.Exists = err == nil
	if in.Delete {
		return r.fail(ActionError, "not planned: deleting a Composition leaves its composites as they are until they are reconciled, when they fail to compose; plan a change to them instead")
	}
	var comp *unstructured.Unstructured
	if in.Object == nil {
		if !r.Kubernetes.Exists {
			return r.fail(ActionError, "not in the cluster")
		}
		r.Kubernetes.DryRun, comp = "skipped", live
	} else {
		u := in.Object.DeepCopy()
		u.SetNamespace("")
		if err := p.kube.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(p.o.FieldManager), client.ForceOwnership, client.DryRunAll); err != nil {
			r.Kubernetes.DryRun, r.Kubernetes.Message = "refused", classify(err).message
			return r.fail(ActionRefused, "the API server refuses it")
		}
		r.Kubernetes.DryRun, comp = "accepted", u
		if r.Kubernetes.Exists {
			// A Composition holds no secret values: its pipeline is shown
			// leaf by leaf (pipeline[1].input.resources[0].base...).
			r.Kubernetes.SpecChanges = diff(flattenLists, "", live.Object["spec"], u.Object["spec"])
		}
	}
	ref, _, _ := unstructured.NestedStringMap(comp.Object, "spec", "compositeTypeRef")
	gv, err := schema.ParseGroupVersion(ref["apiVersion"])
	if err != nil || ref["kind"] == "" {
		return r.fail(ActionError, "its compositeTypeRef names no composite kind")
	}
	var d definition
	found := false
	for _, def := range p.state.definitions {
		if def.composite.Group == gv.Group && def.composite.Kind == ref["kind"] {
			d, found = def, true
		}
	}
	if !found {
		return r.fail(ActionError, fmt.Sprintf("no XRD in the cluster defines %s.%s, which it composes", ref["kind"], gv.Group))
	}
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(d.composite.GroupVersion().WithKind(d.composite.Kind + "List"))
	if err := p.read.List(ctx, l); err != nil {
		return r.fail(ActionError, fmt.Sprintf("cannot list the %s composites that may use it: %s", d.composite.Kind, reason(err)))
	}
	sort.Slice(l.Items, func(i, j int) bool {
		return l.Items[i].GetNamespace()+"/"+l.Items[i].GetName() < l.Items[j].GetNamespace()+"/"+l.Items[j].GetName()
	})
	for i := range l.Items {
		xr := newComposite(d)
		xr.Object = l.Items[i].Object
		if ref := xr.GetCompositionReference(); ref == nil || ref.Name != in.Key.Name {
			continue
		}
		r.Composed = append(r.Composed, p.compositeUser(ctx, in.Source, d, xr, comp))
	}
	return r.fromComposed(len(r.Composed) == 0 && !r.Kubernetes.Exists, reasons{
		create: "new: no composite uses it yet",
		update: "the composites that follow its latest revision would change what they compose, as below",
		spec:   "it changes; no composite that uses it would change what it composes",
		none:   "no composite that uses it would change what it composes",
	})
}

// compositeUser plans one composite that uses a changed Composition.
func (p *Planner) compositeUser(ctx context.Context, source string, d definition, xr *composite.Unstructured, comp *unstructured.Unstructured) Resource {
	r := Resource{
		APIVersion: xr.GetAPIVersion(), Kind: xr.GetKind(), Namespace: xr.GetNamespace(), Name: xr.GetName(), Source: source,
		Kubernetes: Kubernetes{Exists: true, DryRun: "skipped"}, Composition: &CompositionUse{Name: comp.GetName()},
	}
	if n := xr.GetLabels()[claimNameLabel]; n != "" {
		r.Composition.Claim = xr.GetLabels()[claimNamespaceLabel] + "/" + n
	}
	if pol := xr.GetCompositionUpdatePolicy(); pol != nil && *pol == xpv2.UpdateManual {
		if rev := xr.GetCompositionRevisionReference(); rev != nil {
			r.Composition.Revision = rev.Name
		}
		return r.fail(ActionNoChange, "pinned to its revision (compositionUpdatePolicy Manual): it does not move to the new revision")
	}
	if sel := revisionSelector(d, xr); sel != nil {
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return r.fail(ActionError, "its compositionRevisionSelector: "+err.Error())
		}
		if !s.Matches(labels.Set(comp.GetLabels())) {
			return r.fail(ActionNoChange, fmt.Sprintf("its compositionRevisionSelector (%s) does not match the new revision's labels: it stays on the latest revision it matches", s))
		}
	}
	if meta.IsPaused(xr) {
		return r.fail(ActionNoChange, "paused (crossplane.io/paused): Crossplane composes nothing for it until the annotation goes")
	}
	return p.render(ctx, r, source, d, xr, xr, comp)
}
