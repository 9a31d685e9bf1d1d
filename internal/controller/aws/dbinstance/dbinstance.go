// Package dbinstance reconciles RDS DBInstance managed resources with
// aws-sdk-go-v2.
package dbinstance

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
)

// passwordRef names the master password's Secret key.
func passwordRef(cr *v1alpha1.DBInstance) secretkey.Ref {
	r := cr.Spec.ForProvider.MasterPasswordSecretRef
	return secretkey.Ref{Namespace: cr.GetNamespace(), Name: r.Name, Key: r.Key, What: "master password", For: cr.GetUID()}
}

// api is the part of *rds.Client this controller uses; the real client
// satisfies it.
type api interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	CreateDBInstance(ctx context.Context, in *rds.CreateDBInstanceInput, opts ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error)
	ModifyDBInstance(ctx context.Context, in *rds.ModifyDBInstanceInput, opts ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error)
	DeleteDBInstance(ctx context.Context, in *rds.DeleteDBInstanceInput, opts ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
	AddTagsToResource(ctx context.Context, in *rds.AddTagsToResourceInput, opts ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error)
	RemoveTagsFromResource(ctx context.Context, in *rds.RemoveTagsFromResourceInput, opts ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error)
}

// newAPI returns the config's RDS client, made once per config.
func newAPI(c *awsclient.Config) api { return c.RDS() }

// busyPoll is how often an instance in a transitional state is checked.
const busyPoll = 10 * time.Second

// Setup adds a controller that reconciles DBInstances. clients is shared by
// every AWS controller.
func Setup(mgr ctrl.Manager, o controller.Options, clients *awsclient.Clients, versionKey []byte) error {
	passwords := secretkey.Store{Kube: mgr.GetClient(), Key: versionKey}
	return reconciler.Setup(mgr, o, reconciler.Kind[*v1alpha1.DBInstance]{
		GVK:    v1alpha1.DBInstanceGroupVersionKind,
		Object: &v1alpha1.DBInstance{},
		List:   &v1alpha1.DBInstanceList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.DBInstance] {
			return Connector(reconciler.Deps{
				Kube: mgr.GetClient(), Usage: resource.NewProviderConfigUsageTracker(mgr.GetClient(), &awsv1alpha1.ProviderConfigUsage{}),
				Record: record, Key: versionKey,
			}, clients)
		},
		// While RDS is creating or modifying, look sooner than the poll;
		// not in a state that lasts (stopped, storage-optimization, one
		// that needs a person).
		PollInterval: func(mg resource.Managed, d time.Duration) time.Duration {
			if cr, ok := mg.(*v1alpha1.DBInstance); ok && pollSoon(cr.Status.AtProvider.Status) && d > busyPoll {
				return busyPoll
			}
			return d
		},
		// A password Secret the provider generated goes with the
		// instance; an orphaned instance keeps it, as it still takes the
		// password. (A final snapshot keeps the password it was taken
		// with: an instance restored from it needs a new one.)
		Finalize: func(ctx context.Context, cr *v1alpha1.DBInstance) error {
			if reconciler.Deletes(cr) {
				return passwords.DeleteGenerated(ctx, passwordRef(cr))
			}
			return nil
		},
	})
}

// Connector returns how DBInstances connect to RDS: Setup's, and a plan's,
// which observes with the same external client through read-only clients.
func Connector(d reconciler.Deps, clients *awsclient.Clients) *reconciler.Connector[*v1alpha1.DBInstance, *awsclient.Config] {
	owners := ownership.Checker{
		Kube:     d.Kube,
		Kind:     v1alpha1.DBInstanceGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.DBInstanceList{} },
		Encoding: ownership.Exact,
	}
	return connector(d.Usage, clients, newAPI, d.Record, owners, secretkey.Store{Kube: d.Kube, Key: d.Key})
}

func connector(usage resource.ModernTracker, clients *awsclient.Clients, newAPI func(*awsclient.Config) api, record event.Recorder, owners ownership.Checker, passwords secretkey.Store) *reconciler.Connector[*v1alpha1.DBInstance, *awsclient.Config] {
	return &reconciler.Connector[*v1alpha1.DBInstance, *awsclient.Config]{
		Usage: usage,
		Client: func(ctx context.Context, cr *v1alpha1.DBInstance) (*awsclient.Config, error) {
			return clients.Connect(ctx, cr, cr.Spec.ForProvider.Region)
		},
		External: func(cfg *awsclient.Config) (managed.TypedExternalClient[*v1alpha1.DBInstance], error) {
			return &external{rds: newAPI(cfg), record: record, owners: owners.ForAdoption(providerconfig.AdoptionOf(cfg.Spec)), passwords: passwords}, nil
		},
		Tidy: awsclient.WithoutTransportDetail,
	}
}

// external holds one reconcile's client. Observe keeps what it read so that
// Update acts on it without describing the instance again.
type external struct {
	rds       api
	record    event.Recorder
	owners    ownership.Checker
	passwords secretkey.Store

	observed *observed
	compared *reconciler.Comparison
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalObservation, error) {
	id := meta.GetExternalName(cr)
	if err := validIdentifier(id); err != nil {
		return managed.ExternalObservation{}, err
	}
	out, err := e.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if isNotFound(err) {
		return managed.ExternalObservation{ResourceExists: false}, nil
	}
	if err != nil {
		return managed.ExternalObservation{}, errors.Wrap(err, "cannot describe DB instance")
	}
	if len(out.DBInstances) == 0 {
		return managed.ExternalObservation{ResourceExists: false}, nil
	}
	got := observe(out.DBInstances[0])
	if owned, err := e.owners.Owned(ctx, cr, got.tags); !owned {
		return managed.ExternalObservation{}, err
	}
	e.observed = &got

	lateInit := reconciler.LateInitializes(cr) && lateInitialize(&cr.Spec.ForProvider, got.params)
	version, resetting := appliedPasswordVersion(cr), cr.Status.AtProvider.PasswordResetting
	if resetting != "" && !resettingPassword(got) {
		// RDS has reset the password: it works now, and is published.
		version, resetting = resetting, ""
	}
	cr.Status.AtProvider = got.observation
	cr.Status.AtProvider.PasswordSecretVersion, cr.Status.AtProvider.PasswordResetting = version, resetting
	cr.SetConditions(condition(got.status))

	pw, err := e.passwords.Read(ctx, passwordRef(cr))
	if err != nil && !meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, err
	}
	if pw.Is(version) {
		// The version in place, recorded as it is named now (a version
		// recorded as a resourceVersion becomes a hash).
		cr.Status.AtProvider.PasswordSecretVersion = pw.Version
	}
	obs := managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        true,
		ResourceLateInitialized: lateInit,
		ConnectionDetails:       connectionDetails(cr.Spec.ForProvider, got.observation, sentPassword(cr, pw)),
	}
	want := desired(cr)
	fields := sendable(drifted(want, got), got.status)
	if err == nil && !pw.Is(version) && !pw.Is(resetting) {
		// A new password in the Secret, or none at all: an instance this
		// resource did not create (adopted, or its Secret lost) gets a
		// password it knows at the next update.
		fields = append(fields, fieldPassword)
	}
	e.compared = &reconciler.Comparison{Fields: fields, Want: want, Got: comparable(got)}
	if isBusy(got.status) {
		// Compared for a plan only: nothing is sent until RDS settles.
		e.compared.Waiting = "RDS reports the instance " + got.status + ": the provider changes it once it is available"
		return obs, nil
	}
	obs.ResourceUpToDate = len(fields) == 0
	obs.Diff = reconciler.DiffFields(fields)
	return obs, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalCreation, error) {
	id := meta.GetExternalName(cr)
	if err := validIdentifier(id); err != nil {
		return managed.ExternalCreation{}, err
	}
	cr.SetConditions(xpv2.Creating())
	// The password is in its Secret before RDS hears of it: a crash
	// between the two cannot lose it.
	pw, err := e.passwords.Ensure(ctx, passwordRef(cr))
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	_, err = e.rds.CreateDBInstance(ctx, createInput(id, desired(cr), pw.Data))
	if hasCode(err, "DBInstanceAlreadyExists") {
		return e.adopt(ctx, cr, id)
	}
	if err != nil {
		return managed.ExternalCreation{}, errors.Wrap(err, "cannot create DB instance")
	}
	// The runtime saves a resource's metadata after Create but not its
	// status, so the version applied is noted in an annotation too.
	cr.Status.AtProvider.PasswordSecretVersion = pw.Version
	meta.AddAnnotations(cr, map[string]string{annotationPasswordVersion: pw.Version})
	return managed.ExternalCreation{}, nil
}

// annotationPasswordVersion holds the version of the password the
// instance was created with; like the status field, it reveals nothing.
const annotationPasswordVersion = "rds.aws.appinfra.io/password-secret-version"

// appliedPasswordVersion is the password Secret version the instance last
// got: the status says, once an update has set it; before that, the
// annotation Create wrote.
func appliedPasswordVersion(cr *v1alpha1.DBInstance) string {
	return secretkey.AppliedVersion(cr.Status.AtProvider.PasswordSecretVersion, cr.GetAnnotations(), annotationPasswordVersion)
}

// adopt takes an instance that already exists only if no other resource
// manages it; its password is then set at the next update.
func (e *external) adopt(ctx context.Context, cr *v1alpha1.DBInstance, id string) (managed.ExternalCreation, error) {
	out, err := e.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		return managed.ExternalCreation{}, errors.Wrap(err, "DB instance already exists and cannot be described")
	}
	if len(out.DBInstances) == 0 {
		// Deleted by someone else between the two calls: the next poll
		// starts over.
		return managed.ExternalCreation{}, errors.Errorf("DB instance %q already exists but is not described", id)
	}
	if owned, err := e.owners.OwnedAfterConflict(ctx, cr, observe(out.DBInstances[0]).tags); !owned {
		return managed.ExternalCreation{}, errors.Wrapf(err, "cannot adopt DB instance %q", id)
	}
	return managed.ExternalCreation{}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalUpdate, error) {
	if e.observed == nil || isBusy(e.observed.status) {
		// RDS refuses changes while it is busy (InvalidDBInstanceState);
		// the next poll after it settles sends them.
		return managed.ExternalUpdate{}, nil
	}
	want := desired(cr)
	fields := sendable(drifted(want, *e.observed), e.observed.status)
	// A version below the running one is not sent (RDS cannot go down):
	// the rest is, and the resource says why it is not in sync.
	var refused error
	if downgrade(want, *e.observed) {
		fields = slices.DeleteFunc(fields, func(f string) bool { return f == fieldEngineVersion })
		refused = errors.Errorf("engineVersion %s is below the version the instance runs, %s: RDS cannot downgrade an instance; write %s or later, or restore a snapshot into a new instance to run an older version",
			*want.EngineVersion, aws.ToString(e.observed.params.EngineVersion), aws.ToString(e.observed.params.EngineVersion))
	}
	// Ensure, not Read: an instance whose password this resource does not
	// know gets a generated one, in its Secret before RDS hears of it.
	pw, err := e.passwords.Ensure(ctx, passwordRef(cr))
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	rotate := !pw.Is(appliedPasswordVersion(cr)) && !pw.Is(cr.Status.AtProvider.PasswordResetting)
	if rotate {
		fields = append(fields, fieldPassword)
	}
	if len(fields) == 0 {
		return managed.ExternalUpdate{}, refused
	}
	reconciler.RecordDrift(e.record, cr, fields)
	if in := modifyInput(meta.GetExternalName(cr), want, *e.observed, fields, pw.Data); in != nil {
		if _, err := e.rds.ModifyDBInstance(ctx, in); err != nil {
			return managed.ExternalUpdate{}, errors.Wrap(err, "cannot modify DB instance")
		}
	}
	if err := e.retag(ctx, want.Tags, e.observed); err != nil {
		return managed.ExternalUpdate{}, err
	}
	if rotate {
		// Published once RDS has reset it (Observe): until then the old
		// password works, and the connection Secret keeps it.
		cr.Status.AtProvider.PasswordResetting = pw.Version
	}
	return managed.ExternalUpdate{ConnectionDetails: connectionDetails(cr.Spec.ForProvider, e.observed.observation, sentPassword(cr, pw))}, refused
}

// sentPassword is the Secret's password once RDS has it (the instance was
// created or last modified with this version of the Secret), else "": a
// password just written to the Secret must not reach the connection Secret
// before RDS is told.
func sentPassword(cr *v1alpha1.DBInstance, pw secretkey.Value) string {
	return pw.IfSent(appliedPasswordVersion(cr))
}

// retag makes the instance's tags the desired set: the spec owns it whole.
func (e *external) retag(ctx context.Context, want map[string]string, got *observed) error {
	add, remove := tagChanges(want, got.tags)
	arn := aws.String(got.observation.ARN)
	if len(add) > 0 {
		if _, err := e.rds.AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: arn, Tags: add}); err != nil {
			return errors.Wrap(err, "cannot tag DB instance")
		}
	}
	if len(remove) > 0 {
		if _, err := e.rds.RemoveTagsFromResource(ctx, &rds.RemoveTagsFromResourceInput{ResourceName: arn, TagKeys: remove}); err != nil {
			return errors.Wrap(err, "cannot remove tags from DB instance")
		}
	}
	return nil
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalDelete, error) {
	cr.SetConditions(xpv2.Deleting())
	if e.observed != nil && e.observed.status == statusDeleting {
		return managed.ExternalDelete{}, nil
	}
	if e.observed != nil && !cr.Spec.ForProvider.SkipFinalSnapshot && snapshotWaits(e.observed.status) {
		// RDS takes no final snapshot of an instance on its way
		// somewhere (creating, modifying, rebooting...): asking would be
		// refused at every poll. It is asked once the instance is there.
		cr.SetConditions(xpv2.Deleting().WithMessage("waiting for RDS to finish " + e.observed.status + " before deleting with a final snapshot"))
		return managed.ExternalDelete{}, nil
	}
	// A resource being deleted is never updated: if its spec turned
	// deletion protection off, Delete turns it off first.
	if e.observed != nil && ptr.Deref(e.observed.params.DeletionProtection, false) && !ptr.Deref(cr.Spec.ForProvider.DeletionProtection, true) {
		_, err := e.rds.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(meta.GetExternalName(cr)), DeletionProtection: aws.Bool(false), ApplyImmediately: aws.Bool(true)})
		return managed.ExternalDelete{}, errors.Wrap(err, "cannot turn deletion protection off before deleting")
	}
	_, err := e.rds.DeleteDBInstance(ctx, deleteInput(meta.GetExternalName(cr), cr.GetUID(), cr.Spec.ForProvider))
	switch {
	case err == nil, isNotFound(err):
		return managed.ExternalDelete{}, nil
	case hasCode(err, "InvalidParameterCombination") && e.observed != nil && e.observed.params.DeletionProtection != nil && *e.observed.params.DeletionProtection:
		return managed.ExternalDelete{}, errors.New("deletion protection is on, so RDS refused to delete the instance: set spec.forProvider.deletionProtection to false and the provider turns it off and deletes, or remove Delete from spec.managementPolicies to leave the instance behind")
	default:
		return managed.ExternalDelete{}, errors.Wrap(err, "cannot delete DB instance")
	}
}

func (e *external) Disconnect(context.Context) error { return nil }

// Compared is what the last Observe compared (reconciler.Compared).
func (e *external) Compared() *reconciler.Comparison { return e.compared }

// comparable is what the instance has, in spec terms, with its tags.
func comparable(got observed) v1alpha1.DBInstanceParameters {
	p := got.params
	p.Tags = got.tags
	return p
}

// Deletion says what Delete would do (reconciler.Deleter), from the same
// input it sends (deleteInput) and what Observe read.
func (e *external) Deletion(cr *v1alpha1.DBInstance) reconciler.Deletion {
	id := meta.GetExternalName(cr)
	in := deleteInput(id, cr.GetUID(), cr.Spec.ForProvider)
	var d reconciler.Deletion
	if aws.ToBool(in.SkipFinalSnapshot) {
		d.Lost = append(d.Lost, fmt.Sprintf("DB instance %q and every database in it: skipFinalSnapshot is true, so no final snapshot is taken", id))
	} else {
		d.Lost = append(d.Lost, fmt.Sprintf("DB instance %q", id))
		d.Kept = append(d.Kept, fmt.Sprintf("its data, in the final snapshot %q taken as it is deleted (with the master password it had then)", aws.ToString(in.FinalDBSnapshotIdentifier)))
	}
	// The provider leaves DeleteAutomatedBackups to RDS, whose default
	// removes them with the instance.
	d.Lost = append(d.Lost, "its automated backups: RDS removes them with the instance")
	if r := cr.Spec.ForProvider.MasterPasswordSecretRef; r.Name != "" {
		d.Lost = append(d.Lost, fmt.Sprintf("the master password Secret %q, if the provider generated it", r.Name))
	}
	if e.observed != nil && ptr.Deref(e.observed.params.DeletionProtection, false) && ptr.Deref(cr.Spec.ForProvider.DeletionProtection, true) {
		d.Refused = "deletion protection is on: RDS refuses to delete the instance until spec.forProvider.deletionProtection is false"
	}
	return d
}
