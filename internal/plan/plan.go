// Package plan says what a change to the provider family's managed
// resources would do, before it is applied: for each resource, the API
// server's verdict on the change (a server-side dry run) and the cloud's
// side, read with the controller's own Observe through clients that refuse
// every write. It is the managed-resource layer of `appinfra plan`
// (cmd/appinfra); see docs/plan.md.
package plan

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/plan/composition"
	"github.com/appinfra/provider-appinfra/internal/plan/readonly"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
)

// Options configure a Planner.
type Options struct {
	// ProviderNamespace is the providers' namespace, which holds the key
	// credential versions are hashed with (secretkey.KeySecret).
	ProviderNamespace string
	// FieldManager applies the files' objects in the dry run, as
	// `kubectl apply --server-side --force-conflicts --field-manager` does.
	FieldManager string
	// Endpoints are the providers' --namespaced-endpoint-prefixes.
	Endpoints providerconfig.EndpointPolicy
	// Timeout bounds the planning of one resource.
	Timeout time.Duration
	// Composing renders claims', composites' and Compositions' pipelines.
	Composing Composing
}

// A Planner plans changes to managed resources with a user's Kubernetes
// client: its own reads and the dry runs go to the API server as that
// user; every cloud read goes through the resource's ProviderConfig, with
// the credentials the user may read, through clients that refuse writes.
type Planner struct {
	kube  client.Client // the user's, for dry runs
	read  client.Client // the same, refusing writes
	guard *readonly.Guard
	o     Options
	kinds map[schema.GroupVersionKind]planner
	// noKey says why credential versions cannot be compared, if they
	// cannot: the user may not read the providers' key.
	noKey string
	// compose and state are the composition layer's.
	compose Composing
	state   compositeState
}

// A planner plans the resources of one kind.
type planner interface {
	kind() schema.GroupVersionKind
	plan(ctx context.Context, p *Planner, in Input) Resource
}

// Input is one resource to plan.
type Input struct {
	// Object is the file's version of it; nil to plan the live object
	// as it is (KIND/NAME).
	Object *unstructured.Unstructured
	GVK    schema.GroupVersionKind
	Key    types.NamespacedName
	// Source is where it came from, for the report.
	Source string
	// Delete plans deleting it rather than applying it.
	Delete bool
	// FieldManager applies Object in the dry run; Options.FieldManager
	// when empty. A composed resource is applied as Crossplane applies it.
	FieldManager string
	// Composed: Crossplane, not the user, would apply or delete it (a
	// composite's resource). Its deletion is the garbage collector's, so
	// the user's dry-run delete is not asked; an apply the user may not
	// dry-run is planned from the rendered object as it is.
	Composed bool
}

// New returns a Planner that reads and dry-runs with kube.
func New(ctx context.Context, kube client.Client, o Options) *Planner {
	if o.FieldManager == "" {
		o.FieldManager = "kubectl"
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	g := &readonly.Guard{}
	p := &Planner{kube: kube, read: g.Kube(kube), guard: g, o: o, kinds: map[schema.GroupVersionKind]planner{}, compose: o.Composing}
	if p.compose.Functions == nil {
		p.compose.Functions = &composition.Functions{}
	}
	if p.compose.Functions.Kube == nil {
		p.compose.Functions.Kube = p.read
	}
	if p.compose.Renderer.CLI == "" {
		p.compose.Renderer.CLI = "crossplane"
	}
	key, noKey := readKey(ctx, p.read, o.ProviderNamespace)
	p.noKey = noKey
	d := reconciler.Deps{Kube: p.read, Usage: reconciler.NoUsage, Record: event.NewNopRecorder(), Key: key}
	aws := awsclient.NewClients(p.read, p.read, o.Endpoints, nil, awsclient.WithAPIOptions(g.AWS()))
	gcp := gcpclient.NewClients(p.read, p.read, o.Endpoints, nil, gcpclient.WithTransport(g.Google))
	for _, k := range kinds(d, aws, gcp) {
		p.kinds[k.kind()] = k
	}
	return p
}

// Guard is what counted the plan's calls.
func (p *Planner) Guard() *readonly.Guard { return p.guard }

// Kinds are the managed resource kinds the Planner plans.
func (p *Planner) Kinds() []schema.GroupVersionKind {
	out := make([]schema.GroupVersionKind, 0, len(p.kinds))
	for gvk := range p.kinds {
		out = append(out, gvk)
	}
	return out
}

// readKey reads the providers' key, without which a credential's version
// (a keyed hash) cannot be compared with the one status records; it says
// why when it cannot.
func readKey(ctx context.Context, kube client.Reader, namespace string) ([]byte, string) {
	s := &corev1.Secret{}
	err := kube.Get(ctx, types.NamespacedName{Namespace: namespace, Name: secretkey.KeySecret}, s)
	if err != nil {
		return nil, fmt.Sprintf("the providers' key Secret %s/%s cannot be read (%s), so whether a password or token in its Secret is the one the cloud has cannot be told; it is left out", namespace, secretkey.KeySecret, reason(err))
	}
	return s.Data["key"], ""
}

// reason is an API error's reason, or the error.
func reason(err error) string {
	if r := kerrors.ReasonForError(err); r != "" {
		return strings.ToLower(string(r))
	}
	return err.Error()
}

// Plan plans each input in turn, and returns the report.
func (p *Planner) Plan(ctx context.Context, in []Input) *Report {
	r := &Report{Resources: []Resource{}}
	for _, i := range in {
		r.Resources = append(r.Resources, p.one(ctx, i))
	}
	r.ReadOnly = ReadOnly{CloudReads: p.guard.Reads(), RefusedCalls: p.guard.Refused()}
	r.finish()
	return r
}

func (p *Planner) one(ctx context.Context, in Input) Resource {
	k, ok := p.kinds[in.GVK]
	if !ok {
		return p.composition(ctx, in)
	}
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	return k.plan(ctx, p, in)
}

func (k kind[T, C]) plan(ctx context.Context, p *Planner, in Input) Resource {
	r := Resource{APIVersion: k.gvk.GroupVersion().String(), Kind: k.gvk.Kind, Namespace: in.Key.Namespace, Name: in.Key.Name, Source: in.Source}
	live := k.new()
	err := p.read.Get(ctx, in.Key, live)
	if err != nil && !kerrors.IsNotFound(err) {
		return r.fail(ActionError, "cannot read it from the cluster: "+err.Error())
	}
	r.Kubernetes.Exists = err == nil

	var desired T
	switch {
	case in.Delete:
		if !r.Kubernetes.Exists {
			r.Kubernetes.DryRun = "skipped"
			r.Action, r.Reason = ActionNoChange, "not in the cluster: nothing to delete"
			return r
		}
		r.Kubernetes.DryRun = "skipped" // the garbage collector deletes a composed resource
		if !in.Composed {
			obj := k.new()
			obj.SetNamespace(in.Key.Namespace)
			obj.SetName(in.Key.Name)
			if err := p.kube.Delete(ctx, obj, client.DryRunAll, client.Preconditions{UID: ptrTo(live.GetUID())}); err != nil {
				r.Kubernetes.DryRun, r.Kubernetes.Message = "refused", err.Error()
				return r.fail(ActionRefused, "the API server refuses to delete it")
			}
			r.Kubernetes.DryRun = "accepted"
		}
		desired = live
	case in.Object == nil:
		if !r.Kubernetes.Exists {
			return r.fail(ActionError, "not in the cluster")
		}
		r.Kubernetes.DryRun = "skipped"
		desired = live
	default:
		u := in.Object.DeepCopy()
		u.SetNamespace(in.Key.Namespace)
		manager := in.FieldManager
		if manager == "" {
			manager = p.o.FieldManager
		}
		err := p.kube.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(manager), client.ForceOwnership, client.DryRunAll)
		if in.Composed && kerrors.IsForbidden(err) {
			// Crossplane applies it, not the user: plan the rendered
			// object as it is (without the API server's defaults).
			r.Notes = append(r.Notes, "you may not dry-run applying it ("+reason(err)+"); Crossplane would apply it: planned from the rendered object laid over the live one, without the API server's defaults")
			u, err = in.Object.DeepCopy(), nil
			if r.Kubernetes.Exists {
				// What others set (its external name, late-initialised
				// fields) stays, as a server-side apply keeps it.
				if m, cerr := runtime.DefaultUnstructuredConverter.ToUnstructured(live); cerr == nil {
					mergeInto(m, in.Object.DeepCopy().Object)
					u = &unstructured.Unstructured{Object: m}
				}
			}
			u.SetNamespace(in.Key.Namespace)
			r.Kubernetes.DryRun = "skipped"
		}
		if err != nil {
			c := classify(err)
			r.Kubernetes.DryRun, r.Kubernetes.Message = "refused", c.message
			if c.replace && r.Kubernetes.Exists {
				r.Action, r.Destructive = ActionReplace, true
				r.Reason = "needs replacement: the cloud cannot make this change to the existing resource, so it would have to be deleted and created again; the API server refuses the change, and the provider refuses rather than do it (plan --delete says what deleting it loses)"
				return r
			}
			return r.fail(ActionRefused, "the API server refuses it")
		}
		if r.Kubernetes.DryRun == "" {
			r.Kubernetes.DryRun = "accepted"
		}
		desired = k.new()
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, desired); err != nil {
			return r.fail(ActionError, "cannot read the dry run's answer: "+err.Error())
		}
		if r.Kubernetes.Exists {
			r.Kubernetes.SpecChanges = specChanges(asMap(live), asMap(u.Object))
		}
	}
	return observe(ctx, p, k, r, desired, in.Delete)
}

// observe runs the controller's Observe on cr, as the provider would
// before it acts, and says what it would do.
func observe[T resource.ModernManaged, C any](ctx context.Context, p *Planner, k kind[T, C], r Resource, cr T, deleting bool) Resource {
	// As the managed reconciler's first reconcile does.
	if meta.GetExternalName(cr) == "" {
		meta.SetExternalName(cr, cr.GetName())
	}
	r.ExternalName = meta.GetExternalName(cr)
	if ref := cr.GetProviderConfigReference(); ref != nil {
		r.Cloud.ProviderConfig = ref.Kind + "/" + ref.Name
	}
	if rr, ok := any(cr).(interface {
		ResolveReferences(context.Context, client.Reader) error
	}); ok && !deleting {
		if err := rr.ResolveReferences(ctx, p.read); err != nil {
			return r.unavailable(cr, deleting, "its references do not resolve ("+err.Error()+"); the provider waits for them before it reads the cloud")
		}
	}
	cfg, err := k.conn.Client(ctx, cr)
	if kerrors.IsForbidden(err) {
		return r.unavailable(cr, deleting, "you may not read what its "+r.Cloud.ProviderConfig+" needs: "+reconciler.Shorten(err).Error())
	}
	if err != nil {
		return r.cloudError(err)
	}
	ext, err := k.conn.External(cfg)
	if err != nil {
		return r.cloudError(err)
	}
	defer ext.Disconnect(ctx) //nolint:errcheck // The clients are the config's, and nothing is held per reconcile.

	before := asMap(cr)
	obs, err := ext.Observe(ctx, cr)
	if err != nil {
		return r.cloudError(err)
	}
	r.Cloud.Read, r.Cloud.Exists = true, obs.ResourceExists
	if deleting {
		return deletion(ctx, r, cr, ext)
	}
	if !obs.ResourceExists {
		if !ownership.MayCreate(cr) {
			r.Action, r.Reason = ActionNoChange, fmt.Sprintf("the cloud resource %q does not exist, and the management policies exclude Create: the provider creates nothing, and reports it missing", r.ExternalName)
			return r
		}
		r.Action, r.Reason = ActionCreate, fmt.Sprintf("the cloud resource %q does not exist: the provider would create it", r.ExternalName)
		return r
	}
	if obs.ResourceLateInitialized {
		for _, c := range leafChanges("forProvider", asMap(before["spec"])["forProvider"], asMap(asMap(cr)["spec"])["forProvider"]) {
			r.Notes = append(r.Notes, "the provider would fill in spec."+c.String()+" from the cloud (late initialisation)")
		}
	}
	cmp := compared(ext)
	fields := cmp.Fields
	if p.noKey != "" {
		fields = withoutCredentials(fields)
		if len(fields) < len(cmp.Fields) {
			r.Notes = append(r.Notes, p.noKey)
		}
	}
	switch {
	case len(fields) == 0:
		r.Action, r.Reason = ActionNoChange, "the cloud resource is as the spec says"
	case !reconciler.Updates(cr):
		r.Action = ActionNoChange
		r.Reason = "the cloud resource differs from the spec, but the management policies exclude Update: the provider reports the difference and changes nothing"
		r.Changes = fieldChanges(fields, cmp.Want, cmp.Got)
	default:
		r.Action, r.Reason = ActionUpdate, "the provider would change the cloud resource in place"
		r.Changes = fieldChanges(fields, cmp.Want, cmp.Got)
		r.Cloud.Waiting = cmp.Waiting
	}
	return r
}

// compared is what an external client's Observe compared; an empty
// comparison for one that keeps none.
func compared(ext any) reconciler.Comparison {
	if c, ok := ext.(reconciler.Compared); ok && c.Compared() != nil {
		return *c.Compared()
	}
	return reconciler.Comparison{}
}

// withoutCredentials drops the fields that name a credential.
func withoutCredentials(fields []string) []string {
	var out []string
	for _, f := range fields {
		if !secret(f) {
			out = append(out, f)
		}
	}
	return out
}

// deletion says what deleting cr would do in the cloud: as read from the
// cloud by a controller that can (reconciler.DeletionReader), else for
// either case.
func deletion[T resource.ModernManaged](ctx context.Context, r Resource, cr T, ext any) Resource {
	if !reconciler.Deletes(cr) {
		r.Action = ActionOrphan
		r.Reason = fmt.Sprintf("the management policies exclude Delete: the resource goes from Kubernetes, and the cloud resource %q stays as it is", r.ExternalName)
		return r
	}
	if !r.Cloud.Exists {
		r.Action, r.Reason = ActionDelete, fmt.Sprintf("the cloud resource %q does not exist: only the Kubernetes object goes", r.ExternalName)
		return r
	}
	d := reconciler.Deletion{Lost: []string{fmt.Sprintf("%s %q (it holds no data)", r.Kind, r.ExternalName)}}
	switch dl := ext.(type) {
	case reconciler.DeletionReader[T]:
		read, err := dl.ReadDeletion(ctx, cr)
		if err != nil {
			d = dl.Deletion(cr)
			r.Notes = append(r.Notes, "what the deletion would meet could not be read ("+reconciler.Shorten(err).Error()+"), so what it loses and keeps is said for either case")
			break
		}
		d = read
	case reconciler.Deleter[T]:
		d = dl.Deletion(cr)
	}
	r.Action, r.Destructive = ActionDelete, true
	r.Reason = fmt.Sprintf("the provider would delete the cloud resource %q", r.ExternalName)
	r.Deletion = &Deletion{Lost: d.Lost, Kept: d.Kept, Refused: d.Refused}
	if d.Refused != "" {
		r.Destructive = false
		r.Reason = "the cloud resource would not be deleted now (refused says why), and the resource would stay, deleting, until that changes"
	}
	return r
}

// fail ends a resource's plan with action and why.
func (r Resource) fail(a Action, why string) Resource {
	r.Action, r.Reason = a, why
	return r
}

// cloudError ends a resource's plan with the provider's error: what it
// would report (Synced=False) instead of acting.
func (r Resource) cloudError(err error) Resource {
	r.Cloud.Error = reconciler.Shorten(err).Error()
	r.Action, r.Reason = ActionError, "the provider could not tell what to do: it would report the error and retry"
	return r
}

// unavailable ends a resource's plan without the cloud's side: what
// happens is said from the Kubernetes side alone.
func (r Resource) unavailable(mg resource.Managed, deleting bool, why string) Resource {
	r.Cloud.Unavailable = why
	if deleting && !reconciler.Deletes(mg) {
		r.Action, r.Reason = ActionOrphan, "the management policies exclude Delete: the resource goes from Kubernetes, and its cloud resource stays"
		return r
	}
	return r.fromSpec(deleting, reasons{
		delete: "the provider would delete the cloud resource, if there is one (the cloud was not read)",
		create: "new in the cluster: the provider would create the cloud resource, or take over one of that name (the cloud was not read)",
		update: "the spec changes; what changes in the cloud was not read",
		none:   "the spec does not change (the cloud was not read: drift is not known)",
	})
}

// reasons say why, for each case fromSpec and fromComposed tell apart:
// spec is the change of the spec alone (fromComposed's).
type reasons struct{ delete, create, update, spec, none string }

// fromSpec decides r's action from the Kubernetes side alone, where the
// rest was not read: a deletion (destructive, for all it knows), a new
// object, a spec that changes, or none.
func (r Resource) fromSpec(deleting bool, why reasons) Resource {
	switch {
	case deleting:
		r.Action, r.Destructive, r.Reason = ActionDelete, true, why.delete
	case !r.Kubernetes.Exists:
		r.Action, r.Reason = ActionCreate, why.create
	case len(r.Kubernetes.SpecChanges) > 0:
		r.Action, r.Reason = ActionUpdate, why.update
	default:
		r.Action, r.Reason = ActionNoChange, why.none
	}
	return r
}

func ptrTo[V any](v V) *V { return &v }
