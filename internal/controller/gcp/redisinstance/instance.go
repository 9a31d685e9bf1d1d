// Package redisinstance reconciles Memorystore for Redis Instance managed
// resources with google.golang.org/api/redis/v1.
package redisinstance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"google.golang.org/api/googleapi"
	redis "google.golang.org/api/redis/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcplabels"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// api is the part of the Memorystore for Redis API this controller uses,
// by resource name; memorystore adapts *redis.Service to it.
type api interface {
	Get(ctx context.Context, name string) (*redis.Instance, error)
	Create(ctx context.Context, parent, id string, in *redis.Instance) (*redis.Operation, error)
	Patch(ctx context.Context, name, updateMask string, in *redis.Instance) (*redis.Operation, error)
	Upgrade(ctx context.Context, name, version string) (*redis.Operation, error)
	Delete(ctx context.Context, name string) (*redis.Operation, error)
	GetAuthString(ctx context.Context, name string) (*redis.InstanceAuthString, error)
	GetOperation(ctx context.Context, name string) (*redis.Operation, error)
}

type memorystore struct{ s *redis.Service }

func (m memorystore) Get(ctx context.Context, name string) (*redis.Instance, error) {
	return m.s.Projects.Locations.Instances.Get(name).Context(ctx).Do()
}

func (m memorystore) Create(ctx context.Context, parent, id string, in *redis.Instance) (*redis.Operation, error) {
	return m.s.Projects.Locations.Instances.Create(parent, in).InstanceId(id).Context(ctx).Do()
}

func (m memorystore) Patch(ctx context.Context, name, updateMask string, in *redis.Instance) (*redis.Operation, error) {
	return m.s.Projects.Locations.Instances.Patch(name, in).UpdateMask(updateMask).Context(ctx).Do()
}

func (m memorystore) Upgrade(ctx context.Context, name, version string) (*redis.Operation, error) {
	return m.s.Projects.Locations.Instances.Upgrade(name, &redis.UpgradeInstanceRequest{RedisVersion: version}).Context(ctx).Do()
}

func (m memorystore) Delete(ctx context.Context, name string) (*redis.Operation, error) {
	return m.s.Projects.Locations.Instances.Delete(name).Context(ctx).Do()
}

func (m memorystore) GetAuthString(ctx context.Context, name string) (*redis.InstanceAuthString, error) {
	return m.s.Projects.Locations.Instances.GetAuthString(name).Context(ctx).Do()
}

func (m memorystore) GetOperation(ctx context.Context, name string) (*redis.Operation, error) {
	return m.s.Projects.Locations.Operations.Get(name).Context(ctx).Do()
}

// newAPI returns the Memorystore client of a cached config: made once per
// config, never per reconcile.
func newAPI(c *gcpclient.Config) (api, error) {
	s, err := c.Redis()
	if err != nil {
		return nil, err
	}
	return memorystore{s: s}, nil
}

// busyPoll is how often an instance in a transitional state is checked.
const busyPoll = 10 * time.Second

// Setup adds a controller that reconciles Memorystore Instances. clients
// is shared by every GCP controller.
func Setup(mgr ctrl.Manager, o controller.Options, clients *gcpclient.Clients) error {
	return reconciler.Setup(mgr, o, reconciler.Kind[*v1alpha1.Instance]{
		GVK:    v1alpha1.InstanceGroupVersionKind,
		Object: &v1alpha1.Instance{},
		List:   &v1alpha1.InstanceList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.Instance] {
			return Connector(reconciler.Deps{
				Kube: mgr.GetClient(), Usage: resource.NewProviderConfigUsageTracker(mgr.GetClient(), &gcpv1alpha1.ProviderConfigUsage{}), Record: record,
			}, clients)
		},
		PollInterval: pollInterval,
	})
}

// Connector returns how Instances connect to Memorystore: Setup's, and a
// plan's, which observes with the same external client through read-only
// clients.
func Connector(d reconciler.Deps, clients *gcpclient.Clients) *reconciler.Connector[*v1alpha1.Instance, *gcpclient.Config] {
	owners := ownership.Checker{
		Kube:     d.Kube,
		Kind:     v1alpha1.InstanceGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.InstanceList{} },
		Encoding: gcplabels.Encoding,
	}
	return connector(d.Usage, clients, newAPI, d.Record, owners)
}

// pollInterval checks a busy instance (or one whose operation runs) every
// busyPoll, others at the provider's interval.
func pollInterval(mg resource.Managed, d time.Duration) time.Duration {
	cr, ok := mg.(*v1alpha1.Instance)
	if ok && busy(cr.Status.AtProvider.State, cr.Status.AtProvider.Operation) && d > busyPoll {
		return busyPoll
	}
	return d
}

func connector(usage resource.ModernTracker, clients *gcpclient.Clients, newAPI func(*gcpclient.Config) (api, error), record event.Recorder, owners ownership.Checker) *reconciler.Connector[*v1alpha1.Instance, *gcpclient.Config] {
	return &reconciler.Connector[*v1alpha1.Instance, *gcpclient.Config]{
		Usage: usage,
		Client: func(ctx context.Context, cr *v1alpha1.Instance) (*gcpclient.Config, error) {
			return clients.Connect(ctx, cr)
		},
		External: func(cfg *gcpclient.Config) (managed.TypedExternalClient[*v1alpha1.Instance], error) {
			a, err := newAPI(cfg)
			if err != nil {
				return nil, err
			}
			return &external{ms: a, cfg: cfg, record: record, owners: owners.ForAdoption(providerconfig.AdoptionOf(cfg.Spec))}, nil
		},
		Tidy: gcpclient.WithoutTransportDetail,
	}
}

// external holds one reconcile's client. Observe keeps what it read so
// that Update and Delete act on it without reading the instance again.
type external struct {
	ms       api
	cfg      *gcpclient.Config
	record   event.Recorder
	owners   ownership.Checker
	observed *redis.Instance
	compared *reconciler.Comparison
}

// name is the full name of cr's instance in the config's project.
func (e *external) name(cr *v1alpha1.Instance) string {
	return instanceName(e.cfg.Spec.ProjectID, cr.Spec.ForProvider.Region, meta.GetExternalName(cr))
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Instance) (managed.ExternalObservation, error) {
	id := meta.GetExternalName(cr)
	if err := validID(id); err != nil {
		if meta.WasDeleted(cr) {
			// No instance can have that id: deleting must finish.
			return managed.ExternalObservation{ResourceExists: false}, nil
		}
		return managed.ExternalObservation{}, err
	}
	if err := gcplabels.Check("Memorystore", cr.Spec.ForProvider.Labels); err != nil && !meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, err
	}
	if err := e.sameProject(ctx, cr.Status.AtProvider.Name, "as status.atProvider.name records"); err != nil {
		return managed.ExternalObservation{}, reconciler.StuckDeleting(cr, err)
	}
	name := e.name(cr)
	failed, err := e.operationDone(ctx, cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	if meta.WasDeleted(cr) {
		// A failed operation does not matter to a resource being deleted.
		failed = nil
	}
	in, err := e.ms.Get(ctx, name)
	switch {
	case isNotFound(err):
		// A create that failed left no instance: say why once, then the
		// next reconcile creates it again.
		return managed.ExternalObservation{ResourceExists: false}, failed
	case hasCode(err, http.StatusForbidden):
		return managed.ExternalObservation{}, reconciler.StuckDeleting(cr, xperrors.Errorf("instance %s cannot be read with these credentials: they lack redis.instances.get on project %s, or the project is not theirs", name, e.cfg.Spec.ProjectID))
	case err != nil:
		return managed.ExternalObservation{}, xperrors.Wrap(err, "cannot get instance")
	}
	if err := e.sameProject(ctx, in.Name, "as Memorystore names it"); err != nil {
		return managed.ExternalObservation{}, reconciler.StuckDeleting(cr, err)
	}
	if owned, err := e.owners.Owned(ctx, cr, in.Labels); !owned {
		return managed.ExternalObservation{}, err
	}
	e.observed = in

	got := parameters(in)
	want := desired(cr)
	if fields := immutableDiffers(want, got); len(fields) > 0 && ownership.MayWrite(cr) && !meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, xperrors.Errorf("instance %s differs from the spec in %s, which Memorystore cannot change: set them as the instance has them, or create a new instance", name, strings.Join(fields, ", "))
	}
	lateInit := reconciler.LateInitializes(cr) && lateInitialize(&cr.Spec.ForProvider, got)
	op := cr.Status.AtProvider.Operation
	cr.Status.AtProvider = observation(in)
	cr.Status.AtProvider.Operation = op
	cr.SetConditions(condition(in.State, in.StatusMessage))
	if failed != nil {
		return managed.ExternalObservation{}, failed
	}

	obs := managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        true,
		ResourceLateInitialized: lateInit,
	}
	settled := !busy(in.State, op)
	auth, err := e.authString(ctx, name, in, settled)
	if err != nil && !meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, err
	}
	obs.ConnectionDetails = connectionDetails(in, auth, settled)
	// Compared with the spec as it was before late initialisation, which
	// fills only fields the spec did not set.
	e.compared = &reconciler.Comparison{Fields: drifted(want, got), Want: want, Got: got}
	if busy(in.State, op) {
		// Compared for a plan only: nothing is sent while it is busy.
		e.compared.Waiting = "Memorystore reports the instance " + in.State + " or an operation running: the provider changes it once it is READY and idle"
	} else {
		obs.ResourceUpToDate = len(e.compared.Fields) == 0
		obs.Diff = diff(want, got)
	}
	return obs, nil
}

// authString is the instance's AUTH string when AUTH is on and the
// instance is settled (READY, no operation of the provider's running):
// only then is it published, since while the instance is busy (AUTH being
// turned on, which generates a new string, say) the string read may not
// work yet. A settled instance whose string cannot be read is an error.
func (e *external) authString(ctx context.Context, name string, in *redis.Instance, settled bool) (string, error) {
	if !in.AuthEnabled || in.Host == "" || !settled {
		return "", nil
	}
	a, err := e.ms.GetAuthString(ctx, name)
	if err != nil {
		return "", xperrors.Wrap(err, "cannot get the instance's AUTH string")
	}
	return a.AuthString, nil
}

// operationDone looks at the operation the provider last started, if it
// is not known to be done: it stays in status while it runs (the instance
// is then busy), goes once done, and what failed is returned, to be said
// once (the next change or create is then sent again).
func (e *external) operationDone(ctx context.Context, cr *v1alpha1.Instance) (failed error, err error) {
	op := cr.Status.AtProvider.Operation
	if op == nil {
		return nil, nil
	}
	got, err := e.ms.GetOperation(ctx, op.Name)
	switch {
	case isNotFound(err):
		// Memorystore deletes operations some hours after they end.
		cr.Status.AtProvider.Operation = nil
		return nil, nil
	case err != nil && meta.WasDeleted(cr):
		// A resource being deleted never waits on a read of its operation
		// (a 403, say): the instance's own state says whether it is gone.
		cr.Status.AtProvider.Operation = nil
		return nil, nil
	case err != nil:
		return nil, xperrors.Wrapf(err, "cannot get the instance's %s operation", op.Verb)
	case !got.Done:
		return nil, nil
	}
	cr.Status.AtProvider.Operation = nil
	if got.Error != nil {
		return xperrors.Errorf("Memorystore could not %s the instance: %s (code %d); the provider tries again", op.Verb, got.Error.Message, got.Error.Code), nil
	}
	return nil, nil
}

// sameProject refuses an instance name of another project than the
// config's: an instance made through a config that now names another
// project (whose name, in status, says so) would otherwise be left
// behind and a new one made, and one Memorystore names in another project
// would be managed under the wrong one.
func (e *external) sameProject(ctx context.Context, name, says string) error {
	got := projectOf(name)
	if got == "" || got == e.cfg.Spec.ProjectID {
		return nil
	}
	if n := e.cfg.ProjectNumber(ctx); n == got || (n == "" && isNumber(got)) {
		// Named by its number: the same project, or one that cannot be
		// told apart without the number.
		return nil
	}
	return xperrors.Errorf("instance %s is in project %s (%s), not in project %s of the ProviderConfig: use a ProviderConfig of that project", name, got, says, e.cfg.Spec.ProjectID)
}

func isNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Instance) (managed.ExternalCreation, error) {
	id := meta.GetExternalName(cr)
	if err := validID(id); err != nil {
		return managed.ExternalCreation{}, err
	}
	if err := gcplabels.Check("Memorystore", cr.Spec.ForProvider.Labels); err != nil {
		return managed.ExternalCreation{}, err
	}
	cr.SetConditions(xpv2.Creating())
	name := e.name(cr)
	parent, _, _ := strings.Cut(name, "/instances/")
	op, err := e.ms.Create(ctx, parent, id, createInstance(withSecureDefaults(desired(cr))))
	if hasCode(err, http.StatusConflict) {
		return e.adopt(ctx, cr, name)
	}
	if err != nil {
		return managed.ExternalCreation{}, xperrors.Wrap(err, "cannot create instance")
	}
	// Kept in memory across the runtime's save of the annotations, and
	// saved with the status.
	cr.Status.AtProvider.Name = name
	cr.Status.AtProvider.Operation = &v1alpha1.Operation{Name: op.Name, Verb: "create"}
	return managed.ExternalCreation{}, nil
}

// adopt takes an instance that already exists only if no other resource
// manages it.
func (e *external) adopt(ctx context.Context, cr *v1alpha1.Instance, name string) (managed.ExternalCreation, error) {
	in, err := e.ms.Get(ctx, name)
	if err != nil {
		return managed.ExternalCreation{}, xperrors.Wrap(err, "instance already exists and cannot be read")
	}
	if owned, err := e.owners.OwnedAfterConflict(ctx, cr, in.Labels); !owned {
		return managed.ExternalCreation{}, xperrors.Wrapf(err, "cannot adopt instance %s", name)
	}
	// Ours: the next observation brings it in line with the spec.
	return managed.ExternalCreation{}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Instance) (managed.ExternalUpdate, error) {
	in := e.observed
	if in == nil || busy(in.State, cr.Status.AtProvider.Operation) {
		// Memorystore refuses changes while an operation runs; the next
		// poll sends them.
		return managed.ExternalUpdate{}, nil
	}
	name, want := e.name(cr), desired(cr)
	fields := drifted(want, parameters(in))
	if len(fields) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	reconciler.RecordDrift(e.record, cr, fields)
	// One operation at a time: Memorystore refuses a second while the
	// first runs. A patch goes first, an upgrade at a later poll.
	verb := "update"
	var op *redis.Operation
	var err error
	if patch, mask := patchRequest(want, fields); patch != nil {
		op, err = e.ms.Patch(ctx, name, mask, patch)
	} else {
		verb = "upgrade"
		op, err = e.ms.Upgrade(ctx, name, *want.RedisVersion)
	}
	if isBusyRefusal(err) {
		return managed.ExternalUpdate{}, e.waitIfBusy(ctx, cr, name, err)
	}
	if err != nil {
		return managed.ExternalUpdate{}, xperrors.Wrapf(err, "cannot %s instance", verb)
	}
	cr.Status.AtProvider.Operation = &v1alpha1.Operation{Name: op.Name, Verb: verb}
	return managed.ExternalUpdate{}, nil
}

// waitIfBusy reads the instance after Memorystore refused a change as
// FAILED_PRECONDITION: when it has become busy since Observe (an operation
// Memorystore started by itself, such as maintenance) the change waits for
// the next poll, said in the Ready condition rather than as an error;
// otherwise the refusal stands.
func (e *external) waitIfBusy(ctx context.Context, cr *v1alpha1.Instance, name string, refusal error) error {
	in, err := e.ms.Get(ctx, name)
	if err != nil || in.State == stateReady {
		return xperrors.Wrap(refusal, "cannot update instance")
	}
	cr.Status.AtProvider.State = in.State
	cr.SetConditions(condition(in.State, "the change is sent once it is READY again"))
	return nil
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Instance) (managed.ExternalDelete, error) {
	cr.SetConditions(xpv2.Deleting())
	if e.observed != nil && e.observed.State == stateDeleting {
		return managed.ExternalDelete{}, nil
	}
	op, err := e.ms.Delete(ctx, e.name(cr))
	switch {
	case err == nil:
		cr.Status.AtProvider.Operation = &v1alpha1.Operation{Name: op.Name, Verb: "delete"}
		return managed.ExternalDelete{}, nil
	case isNotFound(err):
		return managed.ExternalDelete{}, nil
	case isBusyRefusal(err):
		state := "busy"
		if e.observed != nil {
			state = e.observed.State
		}
		return managed.ExternalDelete{}, xperrors.Errorf("waiting to delete: Memorystore reports the instance %s and deletes it once that operation ends", state)
	default:
		return managed.ExternalDelete{}, xperrors.Wrap(err, "cannot delete instance")
	}
}

// Disconnect leaves the client open: it is the config's, shared and cached.
func (e *external) Disconnect(context.Context) error { return nil }

// Compared is what the last Observe compared (reconciler.Compared).
func (e *external) Compared() *reconciler.Comparison { return e.compared }

// Deletion says what Delete would do (reconciler.Deleter): Memorystore
// keeps nothing of a deleted instance.
func (e *external) Deletion(cr *v1alpha1.Instance) reconciler.Deletion {
	return reconciler.Deletion{Lost: []string{fmt.Sprintf("Memorystore instance %q and every key in it: the provider takes no export or snapshot first", meta.GetExternalName(cr))}}
}

func hasCode(err error, code int) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}

func isNotFound(err error) bool { return hasCode(err, http.StatusNotFound) }

// isBusyRefusal says whether Memorystore refused a call because an
// operation runs on the instance: FAILED_PRECONDITION (400), or ABORTED
// (409) as Google's APIs answer a concurrent change.
func isBusyRefusal(err error) bool {
	var ge *googleapi.Error
	if !errors.As(err, &ge) || (ge.Code != http.StatusBadRequest && ge.Code != http.StatusConflict) {
		return false
	}
	var body struct {
		Error struct {
			Status string `json:"status"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(ge.Body), &body)
	return body.Error.Status == "FAILED_PRECONDITION" || body.Error.Status == "ABORTED"
}
