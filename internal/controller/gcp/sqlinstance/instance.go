// Package sqlinstance reconciles Cloud SQL DatabaseInstance managed
// resources with google.golang.org/api/sqladmin/v1.
package sqlinstance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"google.golang.org/api/googleapi"
	sqladmin "google.golang.org/api/sqladmin/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcplabels"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
)

// api is the part of the Cloud SQL Admin API this controller uses, one
// method per call; sqlAdmin adapts the real client to it.
type api interface {
	GetInstance(ctx context.Context, project, instance string) (*sqladmin.DatabaseInstance, error)
	InsertInstance(ctx context.Context, project string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error)
	PatchInstance(ctx context.Context, project, instance string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error)
	DeleteInstance(ctx context.Context, project, instance string) (*sqladmin.Operation, error)
	GetOperation(ctx context.Context, project, operation string) (*sqladmin.Operation, error)
	ListOperations(ctx context.Context, project, instance string) (*sqladmin.OperationsListResponse, error)
	UpdateUser(ctx context.Context, project, instance, name, host string, u *sqladmin.User) (*sqladmin.Operation, error)
	GetDatabase(ctx context.Context, project, instance, database string) (*sqladmin.Database, error)
	InsertDatabase(ctx context.Context, project, instance string, d *sqladmin.Database) (*sqladmin.Operation, error)
}

type sqlAdmin struct{ s *sqladmin.Service }

func (a sqlAdmin) GetInstance(ctx context.Context, project, instance string) (*sqladmin.DatabaseInstance, error) {
	return a.s.Instances.Get(project, instance).Context(ctx).Do()
}

func (a sqlAdmin) InsertInstance(ctx context.Context, project string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error) {
	return a.s.Instances.Insert(project, in).Context(ctx).Do()
}

func (a sqlAdmin) PatchInstance(ctx context.Context, project, instance string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error) {
	return a.s.Instances.Patch(project, instance, in).Context(ctx).Do()
}

func (a sqlAdmin) DeleteInstance(ctx context.Context, project, instance string) (*sqladmin.Operation, error) {
	return a.s.Instances.Delete(project, instance).Context(ctx).Do()
}

func (a sqlAdmin) GetOperation(ctx context.Context, project, operation string) (*sqladmin.Operation, error) {
	return a.s.Operations.Get(project, operation).Context(ctx).Do()
}

func (a sqlAdmin) ListOperations(ctx context.Context, project, instance string) (*sqladmin.OperationsListResponse, error) {
	return a.s.Operations.List(project).Instance(instance).MaxResults(20).Context(ctx).Do()
}

func (a sqlAdmin) UpdateUser(ctx context.Context, project, instance, name, host string, u *sqladmin.User) (*sqladmin.Operation, error) {
	call := a.s.Users.Update(project, instance, u).Name(name)
	if host != "" {
		call = call.Host(host)
	}
	return call.Context(ctx).Do()
}

func (a sqlAdmin) GetDatabase(ctx context.Context, project, instance, database string) (*sqladmin.Database, error) {
	return a.s.Databases.Get(project, instance, database).Context(ctx).Do()
}

func (a sqlAdmin) InsertDatabase(ctx context.Context, project, instance string, d *sqladmin.Database) (*sqladmin.Operation, error) {
	return a.s.Databases.Insert(project, instance, d).Context(ctx).Do()
}

// newAPI returns the Cloud SQL Admin client of a cached config: made once
// per config version, never per reconcile.
func newAPI(c *gcpclient.Config) (api, error) {
	s, err := c.SQLAdmin()
	if err != nil {
		return nil, err
	}
	return sqlAdmin{s: s}, nil
}

// busyPoll is how often an instance Cloud SQL is busy with is checked.
const busyPoll = 10 * time.Second

// passwordRef names the built-in user's password Secret key.
func passwordRef(cr *v1alpha1.DatabaseInstance) secretkey.Ref {
	r := cr.Spec.ForProvider.MasterPasswordSecretRef
	return secretkey.Ref{Namespace: cr.GetNamespace(), Name: r.Name, Key: r.Key, What: "master password", For: cr.GetUID()}
}

// Setup adds a controller that reconciles DatabaseInstances. clients is
// shared by every GCP controller; versionKey hashes password versions.
func Setup(mgr ctrl.Manager, o controller.Options, clients *gcpclient.Clients, versionKey []byte) error {
	passwords := secretkey.Store{Kube: mgr.GetClient(), Key: versionKey}
	return reconciler.Setup(mgr, o, reconciler.Kind[*v1alpha1.DatabaseInstance]{
		GVK:    v1alpha1.DatabaseInstanceGroupVersionKind,
		Object: &v1alpha1.DatabaseInstance{},
		List:   &v1alpha1.DatabaseInstanceList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.DatabaseInstance] {
			return Connector(reconciler.Deps{
				Kube: mgr.GetClient(), Usage: resource.NewProviderConfigUsageTracker(mgr.GetClient(), &gcpv1alpha1.ProviderConfigUsage{}),
				Record: record, Key: versionKey,
			}, clients)
		},
		// While Cloud SQL creates, maintains or runs an operation, look
		// sooner than the poll.
		PollInterval: func(mg resource.Managed, d time.Duration) time.Duration {
			if cr, ok := mg.(*v1alpha1.DatabaseInstance); ok && pollSoon(cr.Status.AtProvider) && d > busyPoll {
				return busyPoll
			}
			return d
		},
		// A password Secret the provider generated goes with the
		// instance; an orphaned instance keeps it, as it still takes it.
		Finalize: func(ctx context.Context, cr *v1alpha1.DatabaseInstance) error {
			if reconciler.Deletes(cr) {
				return passwords.DeleteGenerated(ctx, passwordRef(cr))
			}
			return nil
		},
	})
}

// pollSoon says whether an instance is on its way somewhere: creating,
// in maintenance, being deleted, or running an operation.
func pollSoon(o v1alpha1.DatabaseInstanceObservation) bool {
	switch o.State {
	case statePendingCreate, stateMaintenance, statePendingDelete:
		return true
	}
	return o.PendingOperation != nil
}

// Connector returns how DatabaseInstances connect to Cloud SQL: Setup's,
// and a plan's, which observes with the same external client through
// read-only clients.
func Connector(d reconciler.Deps, clients *gcpclient.Clients) *reconciler.Connector[*v1alpha1.DatabaseInstance, *gcpclient.Config] {
	owners := ownership.Checker{
		Kube:     d.Kube,
		Kind:     v1alpha1.DatabaseInstanceGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.DatabaseInstanceList{} },
		Encoding: gcplabels.Encoding,
	}
	return connector(d.Usage, clients, newAPI, d.Record, owners, secretkey.Store{Kube: d.Kube, Key: d.Key})
}

func connector(usage resource.ModernTracker, clients *gcpclient.Clients, newAPI func(*gcpclient.Config) (api, error), record event.Recorder, owners ownership.Checker, passwords secretkey.Store) *reconciler.Connector[*v1alpha1.DatabaseInstance, *gcpclient.Config] {
	return &reconciler.Connector[*v1alpha1.DatabaseInstance, *gcpclient.Config]{
		Usage: usage,
		Client: func(ctx context.Context, cr *v1alpha1.DatabaseInstance) (*gcpclient.Config, error) {
			return clients.Connect(ctx, cr)
		},
		External: func(cfg *gcpclient.Config) (managed.TypedExternalClient[*v1alpha1.DatabaseInstance], error) {
			a, err := newAPI(cfg)
			if err != nil {
				return nil, err
			}
			return &external{sql: a, project: cfg.Spec.ProjectID, record: record, owners: owners.ForAdoption(providerconfig.AdoptionOf(cfg.Spec)), passwords: passwords}, nil
		},
		Tidy: gcpclient.WithoutTransportDetail,
	}
}

// external holds one reconcile's client. Observe keeps what it read so
// that Update and Delete act on it without reading the instance again.
type external struct {
	sql       api
	project   string
	record    event.Recorder
	owners    ownership.Checker
	passwords secretkey.Store

	observed *sqladmin.DatabaseInstance
	compared *reconciler.Comparison
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.DatabaseInstance) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	if err := validName(name, e.project); err != nil {
		if meta.WasDeleted(cr) {
			// No instance can have that ID: deleting must finish.
			return managed.ExternalObservation{ResourceExists: false}, nil
		}
		return managed.ExternalObservation{}, err
	}
	// Labels are sent by inserts and patches, never by a deletion, which
	// a label Cloud SQL refuses must not hold up.
	if err := gcplabels.Check("Cloud SQL", cr.Spec.ForProvider.UserLabels); err != nil && !meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, err
	}
	at := cr.Status.AtProvider
	pending, err := e.pendingOperation(ctx, cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	op := pending.running
	in, err := e.sql.GetInstance(ctx, e.project, name)
	switch {
	case isNotFound(err):
		// A create that failed (a network without private services
		// access, say) left no instance: why is said once, the operation
		// forgotten, and the next reconcile inserts again.
		cr.Status.AtProvider.PendingOperation = op
		if meta.WasDeleted(cr) {
			return managed.ExternalObservation{ResourceExists: false}, nil
		}
		return managed.ExternalObservation{ResourceExists: false}, pending.failed
	case hasStatus(err, http.StatusForbidden):
		return managed.ExternalObservation{}, reconciler.StuckDeleting(cr, xperrors.Errorf("instance %q cannot be read with these credentials: they lack cloudsql.instances.get in project %s, or the project is not theirs", name, e.project))
	case err != nil:
		return managed.ExternalObservation{}, xperrors.Wrap(err, "cannot get Cloud SQL instance")
	}
	if in.Project != "" && in.Project != e.project {
		return managed.ExternalObservation{}, reconciler.StuckDeleting(cr, xperrors.Errorf("instance %q belongs to project %s, not to project %s of the ProviderConfig", name, in.Project, e.project))
	}
	var labels map[string]string
	if in.Settings != nil {
		labels = in.Settings.UserLabels
	}
	if owned, err := e.owners.Owned(ctx, cr, labels); !owned {
		return managed.ExternalObservation{}, err
	}
	got := parameters(in)
	if err := mismatch(name, cr.Spec.ForProvider, got); err != nil && !meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, err
	}
	e.observed = in

	lateInit := reconciler.LateInitializes(cr) && lateInitialize(&cr.Spec.ForProvider, got)

	// The password Cloud SQL has: the one applied, or the one an
	// UPDATE_USER operation that is now done was setting. One whose
	// operation failed, or is unknown, is sent again.
	version, resetting := appliedPasswordVersion(cr), at.PasswordResetting
	if resetting != "" && op == nil {
		if pending.done && pending.failed == nil {
			version = resetting
		}
		resetting = ""
	}
	cr.Status.AtProvider = observation(in)
	cr.Status.AtProvider.PendingOperation = op
	cr.Status.AtProvider.Database = at.Database
	cr.Status.AtProvider.PasswordSecretVersion, cr.Status.AtProvider.PasswordResetting = version, resetting
	cr.SetConditions(condition(in, op))

	pw, pwErr := e.passwords.Read(ctx, passwordRef(cr))
	if pwErr != nil && !meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, pwErr
	}
	if pw.Is(version) {
		cr.Status.AtProvider.PasswordSecretVersion = pw.Version
	}
	if db := ptr.Deref(cr.Spec.ForProvider.DatabaseName, ""); db != "" && at.Database != db && in.State == stateRunnable && !meta.WasDeleted(cr) {
		// Once: the database is recorded when it is found.
		if _, err := e.sql.GetDatabase(ctx, e.project, name, db); err == nil {
			cr.Status.AtProvider.Database = db
		} else if !isNotFound(err) {
			return managed.ExternalObservation{}, xperrors.Wrap(err, "cannot get the instance's database")
		}
	}
	obs := managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        true,
		ResourceLateInitialized: lateInit,
		ConnectionDetails:       connectionDetails(e.project, cr.Spec.ForProvider, in, cr.Status.AtProvider.Database, pw.IfSent(version)),
	}
	want := desired(cr)
	fields := append(drifted(want, got), e.beyondSettings(cr, pw, pwErr)...)
	e.compared = &reconciler.Comparison{Fields: fields, Want: want, Got: got}
	if busy(in.State, op) {
		// Compared for a plan only: nothing is sent while Cloud SQL is busy.
		e.compared.Waiting = "Cloud SQL reports the instance " + in.State + " or an operation running: the provider changes it once it is RUNNABLE and idle"
	} else {
		obs.ResourceUpToDate = len(fields) == 0
		obs.Diff = reconciler.DiffFields(fields)
	}
	if pending.failed != nil && !meta.WasDeleted(cr) {
		// Said once: the operation is forgotten, and what it was to do is
		// drift again, sent at the next update.
		return managed.ExternalObservation{}, pending.failed
	}
	return obs, nil
}

// beyondSettings is what differs besides the settings: a password the
// instance does not have (a new one in the Secret, or none known: an
// instance this resource did not create gets one it knows), and the
// initial database, not made yet.
func (e *external) beyondSettings(cr *v1alpha1.DatabaseInstance, pw secretkey.Value, readErr error) []string {
	var f []string
	at := cr.Status.AtProvider
	if readErr == nil && !pw.Is(at.PasswordSecretVersion) && !pw.Is(at.PasswordResetting) {
		f = append(f, fieldPassword)
	}
	if db := ptr.Deref(cr.Spec.ForProvider.DatabaseName, ""); db != "" && at.Database != db {
		f = append(f, fieldDatabase)
	}
	return f
}

// An outcome is what became of the operation status says is pending.
type outcome struct {
	// running is the operation, if it still runs.
	running *v1alpha1.Operation
	// done says it finished, and failed with what error, if any. An
	// operation Cloud SQL no longer knows is neither running nor done:
	// what it was to do is done again if it is still needed.
	done   bool
	failed error
}

// pendingOperation asks Cloud SQL about the operation status says is
// pending. A resource being deleted never waits on a read of it.
func (e *external) pendingOperation(ctx context.Context, cr *v1alpha1.DatabaseInstance) (outcome, error) {
	op := cr.Status.AtProvider.PendingOperation
	if op == nil {
		return outcome{}, nil
	}
	got, err := e.sql.GetOperation(ctx, e.project, op.Name)
	switch {
	case isNotFound(err), err != nil && meta.WasDeleted(cr):
		return outcome{}, nil
	case err != nil:
		return outcome{}, xperrors.Wrapf(err, "cannot get Cloud SQL operation %s", op.Name)
	case got.Status != operationDone:
		return outcome{running: &v1alpha1.Operation{Name: got.Name, OperationType: got.OperationType}}, nil
	}
	return outcome{done: true, failed: operationError(got)}, nil
}

// operationError is the error a finished operation ended with, or nil.
func operationError(op *sqladmin.Operation) error {
	if op.Error == nil || len(op.Error.Errors) == 0 {
		return nil
	}
	first := op.Error.Errors[0]
	return xperrors.Errorf("Cloud SQL operation %s (%s) failed: %s: %s", op.OperationType, op.Name, first.Code, first.Message)
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.DatabaseInstance) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	if err := validName(name, e.project); err != nil {
		return managed.ExternalCreation{}, err
	}
	if err := gcplabels.Check("Cloud SQL", cr.Spec.ForProvider.UserLabels); err != nil {
		return managed.ExternalCreation{}, err
	}
	cr.SetConditions(xpv2.Creating())
	// The password is in its Secret before Cloud SQL hears of it: a crash
	// between the two cannot lose it.
	pw, err := e.passwords.Ensure(ctx, passwordRef(cr))
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	op, err := e.sql.InsertInstance(ctx, e.project, insertInstance(name, withSecureDefaults(desired(cr)), pw.Data))
	if hasReason(err, http.StatusConflict, "instanceAlreadyExists") {
		return managed.ExternalCreation{}, e.adopt(ctx, cr, name)
	}
	if err != nil {
		return managed.ExternalCreation{}, xperrors.Wrap(err, "cannot create Cloud SQL instance")
	}
	// The runtime saves a resource's metadata after Create but not always
	// its status, so the version applied is noted in an annotation too.
	cr.Status.AtProvider.PasswordSecretVersion = pw.Version
	meta.AddAnnotations(cr, map[string]string{annotationPasswordVersion: pw.Version})
	// The insert runs on after it answers, and can fail then: it is
	// polled as the provider's own operation, so that a failure is said
	// (Observe) rather than an instance inserted again at every poll. The
	// runtime saves the status after Create, and the provider's client
	// keeps it across the runtime's save of the annotations; only a
	// conflict in that save loses it, and then the next poll finds the
	// instance, or inserts again.
	if op != nil && op.Status != operationDone {
		cr.Status.AtProvider.PendingOperation = &v1alpha1.Operation{Name: op.Name, OperationType: op.OperationType}
	}
	if op != nil && op.Status == operationDone {
		return managed.ExternalCreation{}, operationError(op)
	}
	return managed.ExternalCreation{}, nil
}

// annotationPasswordVersion holds the version of the password the
// instance was created with; like the status field, it reveals nothing.
const annotationPasswordVersion = "sql.gcp.appinfra.io/password-secret-version"

// appliedPasswordVersion is the password Secret version the instance last
// got: the status says, once an update has set it; before that, the
// annotation Create wrote.
func appliedPasswordVersion(cr *v1alpha1.DatabaseInstance) string {
	return secretkey.AppliedVersion(cr.Status.AtProvider.PasswordSecretVersion, cr.GetAnnotations(), annotationPasswordVersion)
}

// adopt takes an instance that already exists only if no other resource
// manages it; its password is then set at the next update.
func (e *external) adopt(ctx context.Context, cr *v1alpha1.DatabaseInstance, name string) error {
	in, err := e.sql.GetInstance(ctx, e.project, name)
	if isNotFound(err) {
		return xperrors.Errorf("instance ID %q was used by an instance deleted recently: Cloud SQL keeps the ID of a deleted instance for up to a week; choose another with the crossplane.io/external-name annotation", name)
	}
	if err != nil {
		return xperrors.Wrap(err, "Cloud SQL instance already exists and cannot be read")
	}
	var labels map[string]string
	if in.Settings != nil {
		labels = in.Settings.UserLabels
	}
	if owned, err := e.owners.OwnedAfterConflict(ctx, cr, labels); !owned {
		return xperrors.Wrapf(err, "cannot adopt Cloud SQL instance %q", name)
	}
	return nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.DatabaseInstance) (managed.ExternalUpdate, error) {
	in := e.observed
	if in == nil || busy(in.State, cr.Status.AtProvider.PendingOperation) {
		// Cloud SQL refuses a change while it is busy
		// (operationInProgress); the next poll after it settles sends it.
		return managed.ExternalUpdate{}, nil
	}
	name := meta.GetExternalName(cr)
	want, got := desired(cr), parameters(in)
	fields := drifted(want, got)
	// A disk below the instance's is not sent (Cloud SQL cannot shrink
	// one): the rest is, and the resource says why it is not in sync.
	var refused error
	if shrinks(want, got) {
		fields = slices.DeleteFunc(fields, func(f string) bool { return f == fieldDiskSize })
		refused = xperrors.Errorf("dataDiskSizeGb %d is below the instance's %d GB: Cloud SQL cannot shrink a disk; write %d or more (with storageAutoResize, Cloud SQL grows the disk by itself and a larger disk is in sync)",
			*want.DataDiskSizeGb, *got.DataDiskSizeGb, *got.DataDiskSizeGb)
	}
	// Ensure, not Read: an instance whose password this resource does not
	// know gets a generated one, in its Secret before Cloud SQL hears of it.
	pw, err := e.passwords.Ensure(ctx, passwordRef(cr))
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	all := append(slices.Clone(fields), e.beyondSettings(cr, pw, nil)...)
	if len(all) == 0 {
		return managed.ExternalUpdate{}, refused
	}
	reconciler.RecordDrift(e.record, cr, all)

	// Cloud SQL runs one operation at a time on an instance: one change is
	// sent per update, the next once it is done. The password first, then
	// the database the connection Secret waits for, then the settings.
	var op *sqladmin.Operation
	switch {
	case slices.Contains(all, fieldPassword):
		user, host := builtInUser(in.DatabaseVersion)
		op, err = e.sql.UpdateUser(ctx, e.project, name, user, host, &sqladmin.User{Password: pw.Data})
		if err == nil {
			if op.Status == operationDone && op.Error == nil {
				cr.Status.AtProvider.PasswordSecretVersion = pw.Version
			} else {
				// Published once the operation is done (Observe): until
				// then the connection Secret keeps the old password.
				cr.Status.AtProvider.PasswordResetting = pw.Version
			}
		}
		err = xperrors.Wrap(err, "cannot set the built-in user's password")
	case slices.Contains(all, fieldDatabase):
		db := *cr.Spec.ForProvider.DatabaseName
		op, err = e.sql.InsertDatabase(ctx, e.project, name, &sqladmin.Database{Name: db})
		if hasStatus(err, http.StatusConflict) && !hasReason(err, http.StatusConflict, "operationInProgress") {
			op, err = &sqladmin.Operation{Status: operationDone}, nil
		}
		if err == nil && op.Status == operationDone && op.Error == nil {
			cr.Status.AtProvider.Database = db
		}
		err = xperrors.Wrap(err, "cannot create the instance's database")
	default:
		op, err = e.sql.PatchInstance(ctx, e.project, name, patchInstance(want, got, fields, settingsVersion(in)))
		if hasStatus(err, http.StatusPreconditionFailed) || hasReason(err, http.StatusConflict, "staleData") {
			return managed.ExternalUpdate{}, xperrors.New("the instance's settings changed while they were being updated (settingsVersion); the next reconcile reads them again and sends what still differs")
		}
		err = xperrors.Wrap(err, "cannot patch Cloud SQL instance")
	}
	if hasReason(err, http.StatusConflict, "operationInProgress") {
		err := e.waitForRunning(ctx, cr, name)
		cr.SetConditions(condition(in, cr.Status.AtProvider.PendingOperation))
		return managed.ExternalUpdate{}, err
	}
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if op != nil && op.Status != operationDone {
		cr.Status.AtProvider.PendingOperation = &v1alpha1.Operation{Name: op.Name, OperationType: op.OperationType}
		cr.SetConditions(condition(in, cr.Status.AtProvider.PendingOperation))
	}
	if op != nil && op.Status == operationDone {
		if err := operationError(op); err != nil {
			return managed.ExternalUpdate{}, err
		}
	}
	return managed.ExternalUpdate{ConnectionDetails: connectionDetails(e.project, cr.Spec.ForProvider, in, cr.Status.AtProvider.Database, pw.IfSent(appliedPasswordVersion(cr)))}, refused
}

// waitForRunning records the operation Cloud SQL said was in progress
// when it refused a change: the change waits for it, polled as the
// provider's own. Not an error: the instance is busy, as it is meant to be.
func (e *external) waitForRunning(ctx context.Context, cr *v1alpha1.DatabaseInstance, name string) error {
	ops, err := e.sql.ListOperations(ctx, e.project, name)
	if err != nil {
		return xperrors.Wrap(err, "Cloud SQL is running an operation on the instance, which cannot be listed")
	}
	for _, op := range ops.Items {
		if op != nil && op.Status != operationDone {
			cr.Status.AtProvider.PendingOperation = &v1alpha1.Operation{Name: op.Name, OperationType: op.OperationType}
			return nil
		}
	}
	// Done between the two calls: the next poll sends the change.
	return nil
}

// reasonWaiting is the event of a deletion that waits for an operation.
const reasonWaiting event.Reason = "WaitingForOperation"

func (e *external) Delete(ctx context.Context, cr *v1alpha1.DatabaseInstance) (managed.ExternalDelete, error) {
	cr.SetConditions(xpv2.Deleting())
	name := meta.GetExternalName(cr)
	if in := e.observed; in != nil {
		if in.State == statePendingDelete {
			return managed.ExternalDelete{}, nil
		}
		if in.Settings != nil && in.Settings.DeletionProtectionEnabled {
			if ptr.Deref(cr.Spec.ForProvider.DeletionProtectionEnabled, true) {
				return managed.ExternalDelete{}, xperrors.Errorf("deletion protection is on (deletionProtectionEnabled), so the instance was not deleted: set spec.forProvider.deletionProtectionEnabled to false and the provider turns it off and deletes, or remove Delete from spec.managementPolicies to leave the instance behind")
			}
			// A resource being deleted is never updated: the spec turned
			// protection off, so Delete turns it off first.
			off := &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{SettingsVersion: settingsVersion(in), ForceSendFields: []string{"DeletionProtectionEnabled"}}}
			_, err := e.sql.PatchInstance(ctx, e.project, name, off)
			if hasReason(err, http.StatusConflict, "operationInProgress") {
				return managed.ExternalDelete{}, e.waitToDelete(ctx, cr, name)
			}
			return managed.ExternalDelete{}, xperrors.Wrap(err, "cannot turn deletion protection off before deleting")
		}
	}
	_, err := e.sql.DeleteInstance(ctx, e.project, name)
	switch {
	case err == nil, isNotFound(err):
		return managed.ExternalDelete{}, nil
	case hasReason(err, http.StatusConflict, "operationInProgress"):
		return managed.ExternalDelete{}, e.waitToDelete(ctx, cr, name)
	default:
		return managed.ExternalDelete{}, xperrors.Wrap(err, "cannot delete Cloud SQL instance")
	}
}

// Compared is what the last Observe compared (reconciler.Compared).
func (e *external) Compared() *reconciler.Comparison { return e.compared }

// Deletion says what Delete would do (reconciler.Deleter): the provider
// takes no final backup, and Cloud SQL deletes the instance's backups
// with it.
func (e *external) Deletion(cr *v1alpha1.DatabaseInstance) reconciler.Deletion {
	name := meta.GetExternalName(cr)
	d := reconciler.Deletion{Lost: []string{
		fmt.Sprintf("Cloud SQL instance %q and every database in it: the provider takes no final backup", name),
		"its automated and on-demand backups: Cloud SQL deletes them with the instance",
	}}
	if r := cr.Spec.ForProvider.MasterPasswordSecretRef; r.Name != "" {
		d.Lost = append(d.Lost, fmt.Sprintf("the master password Secret %q, if the provider generated it", r.Name))
	}
	if in := e.observed; in != nil && in.Settings != nil && in.Settings.DeletionProtectionEnabled && ptr.Deref(cr.Spec.ForProvider.DeletionProtectionEnabled, true) {
		d.Refused = "deletion protection is on: the provider does not delete the instance until spec.forProvider.deletionProtectionEnabled is false"
	}
	return d
}

// waitToDelete says, once per operation (events fold repeats), which
// operation the deletion waits for and how to go without waiting.
func (e *external) waitToDelete(ctx context.Context, cr *v1alpha1.DatabaseInstance, name string) error {
	if err := e.waitForRunning(ctx, cr, name); err != nil {
		return err
	}
	what := "an operation"
	if op := cr.Status.AtProvider.PendingOperation; op != nil {
		what = fmt.Sprintf("operation %s (%s)", op.OperationType, op.Name)
	}
	e.record.Event(cr, event.Normal(reasonWaiting, "Cloud SQL is running "+what+" on the instance, and deletes it once that is done; to leave the instance behind instead, remove Delete from spec.managementPolicies"))
	return nil
}

// Disconnect leaves the client open: it is the config's, shared and cached.
func (e *external) Disconnect(context.Context) error { return nil }

func hasStatus(err error, code int) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}

// hasReason says whether err is Cloud SQL's answer code with reason, as
// its errors list gives it (operationInProgress, instanceAlreadyExists...).
func hasReason(err error, code int, reason string) bool {
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != code {
		return false
	}
	for _, it := range ge.Errors {
		if it.Reason == reason {
			return true
		}
	}
	return false
}

func isNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }
