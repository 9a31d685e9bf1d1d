// Package replicationgroup reconciles ElastiCache ReplicationGroup managed
// resources with aws-sdk-go-v2.
package replicationgroup

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
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

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
)

// api is the part of *elasticache.Client this controller uses; the real
// client satisfies it.
type api interface {
	DescribeReplicationGroups(ctx context.Context, in *elasticache.DescribeReplicationGroupsInput, opts ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error)
	DescribeCacheClusters(ctx context.Context, in *elasticache.DescribeCacheClustersInput, opts ...func(*elasticache.Options)) (*elasticache.DescribeCacheClustersOutput, error)
	ListTagsForResource(ctx context.Context, in *elasticache.ListTagsForResourceInput, opts ...func(*elasticache.Options)) (*elasticache.ListTagsForResourceOutput, error)
	CreateReplicationGroup(ctx context.Context, in *elasticache.CreateReplicationGroupInput, opts ...func(*elasticache.Options)) (*elasticache.CreateReplicationGroupOutput, error)
	ModifyReplicationGroup(ctx context.Context, in *elasticache.ModifyReplicationGroupInput, opts ...func(*elasticache.Options)) (*elasticache.ModifyReplicationGroupOutput, error)
	IncreaseReplicaCount(ctx context.Context, in *elasticache.IncreaseReplicaCountInput, opts ...func(*elasticache.Options)) (*elasticache.IncreaseReplicaCountOutput, error)
	DecreaseReplicaCount(ctx context.Context, in *elasticache.DecreaseReplicaCountInput, opts ...func(*elasticache.Options)) (*elasticache.DecreaseReplicaCountOutput, error)
	DeleteReplicationGroup(ctx context.Context, in *elasticache.DeleteReplicationGroupInput, opts ...func(*elasticache.Options)) (*elasticache.DeleteReplicationGroupOutput, error)
	AddTagsToResource(ctx context.Context, in *elasticache.AddTagsToResourceInput, opts ...func(*elasticache.Options)) (*elasticache.AddTagsToResourceOutput, error)
	RemoveTagsFromResource(ctx context.Context, in *elasticache.RemoveTagsFromResourceInput, opts ...func(*elasticache.Options)) (*elasticache.RemoveTagsFromResourceOutput, error)
}

// newAPI returns the config's ElastiCache client, made once per config.
func newAPI(c *awsclient.Config) api { return c.ElastiCache() }

// busyPoll is how often a group in a transitional state is checked.
const busyPoll = 10 * time.Second

// Setup adds a controller that reconciles ReplicationGroups. clients is
// shared by every AWS controller.
func Setup(mgr ctrl.Manager, o controller.Options, clients *awsclient.Clients, versionKey []byte) error {
	tokens := secretkey.Store{Kube: mgr.GetClient(), Key: versionKey}
	return reconciler.Setup(mgr, o, reconciler.Kind[*v1alpha1.ReplicationGroup]{
		GVK:    v1alpha1.ReplicationGroupGroupVersionKind,
		Object: &v1alpha1.ReplicationGroup{},
		List:   &v1alpha1.ReplicationGroupList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.ReplicationGroup] {
			return Connector(reconciler.Deps{
				Kube: mgr.GetClient(), Usage: resource.NewProviderConfigUsageTracker(mgr.GetClient(), &awsv1alpha1.ProviderConfigUsage{}),
				Record: record, Key: versionKey,
			}, clients)
		},
		PollInterval: func(mg resource.Managed, d time.Duration) time.Duration {
			cr, ok := mg.(*v1alpha1.ReplicationGroup)
			if !ok {
				return d
			}
			// A rotation in its grace period is looked at again when SET
			// is due, not before.
			if left, ok := untilSet(cr, time.Now()); ok && left > busyPoll {
				return min(d, left+time.Second)
			}
			if (isBusy(cr.Status.AtProvider.Status) || cr.Status.AtProvider.AuthTokenRotating != "") && d > busyPoll {
				return busyPoll
			}
			return d
		},
		// A token Secret the provider generated goes with the group; an
		// orphaned group keeps it, as it still takes the token.
		Finalize: func(ctx context.Context, cr *v1alpha1.ReplicationGroup) error {
			if ref := tokenRef(cr); ref != nil && reconciler.Deletes(cr) {
				return tokens.DeleteGenerated(ctx, *ref)
			}
			return nil
		},
	})
}

// Connector returns how ReplicationGroups connect to ElastiCache: Setup's,
// and a plan's, which observes with the same external client through
// read-only clients.
func Connector(d reconciler.Deps, clients *awsclient.Clients) *reconciler.Connector[*v1alpha1.ReplicationGroup, *awsclient.Config] {
	tokens := secretkey.Store{Kube: d.Kube, Key: d.Key}
	owners := ownership.Checker{
		Kube:     d.Kube,
		Kind:     v1alpha1.ReplicationGroupGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.ReplicationGroupList{} },
		Encoding: ownership.Exact,
	}
	return &reconciler.Connector[*v1alpha1.ReplicationGroup, *awsclient.Config]{
		Usage: d.Usage,
		Client: func(ctx context.Context, cr *v1alpha1.ReplicationGroup) (*awsclient.Config, error) {
			return clients.Connect(ctx, cr, cr.Spec.ForProvider.Region)
		},
		External: func(cfg *awsclient.Config) (managed.TypedExternalClient[*v1alpha1.ReplicationGroup], error) {
			return &external{ec: newAPI(cfg), record: d.Record, owners: owners.ForAdoption(providerconfig.AdoptionOf(cfg.Spec)), tokens: tokens, ca: resourceCA(cfg)}, nil
		},
		Tidy: awsclient.WithoutTransportDetail,
	}
}

// external holds one reconcile's client. Observe keeps what it read so
// that Update acts on it without reading the group again.
type external struct {
	ec     api
	record event.Recorder
	owners ownership.Checker
	tokens secretkey.Store
	// ca is the private CA of the nodes' TLS certificates, if the
	// ProviderConfig names one: it goes into the connection Secret.
	ca string
	// now is the clock a rotation's grace period is measured by; nil is
	// the time of day.
	now func() time.Time

	observed *observed
	compared *reconciler.Comparison
}

func resourceCA(cfg *awsclient.Config) string {
	if cfg.Spec.Endpoint == nil {
		return ""
	}
	return cfg.Spec.Endpoint.ResourceCABundle
}

func (e *external) details(cr *v1alpha1.ReplicationGroup, o v1alpha1.ReplicationGroupObservation, tok secretkey.Value) managed.ConnectionDetails {
	return connectionDetails(cr.Spec.ForProvider, o, publishedToken(cr, tok), e.ca)
}

// clock is e.now, or the time of day.
func (e *external) clock() time.Time {
	if e.now == nil {
		return time.Now()
	}
	return e.now()
}

// tokenStep is where the rotation to tok stands now.
func (e *external) tokenStep(cr *v1alpha1.ReplicationGroup, tok secretkey.Value) tokenStep {
	if tokenRef(cr) == nil {
		return tokenInPlace
	}
	return nextTokenStep(tok, appliedTokenVersion(cr), cr.Status.AtProvider, tokenGrace(cr.Spec.ForProvider), e.clock())
}

func tokenRef(cr *v1alpha1.ReplicationGroup) *secretkey.Ref {
	r := cr.Spec.ForProvider.AuthTokenSecretRef
	if r == nil {
		return nil
	}
	return &secretkey.Ref{Namespace: cr.GetNamespace(), Name: r.Name, Key: r.Key, What: "auth token", For: cr.GetUID()}
}

// token reads the referenced auth token, if the spec references one.
func (e *external) token(ctx context.Context, cr *v1alpha1.ReplicationGroup) (secretkey.Value, error) {
	ref := tokenRef(cr)
	if ref == nil {
		return secretkey.Value{}, nil
	}
	return e.tokens.Read(ctx, *ref)
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.ReplicationGroup) (managed.ExternalObservation, error) {
	id := meta.GetExternalName(cr)
	if err := validID(id); err != nil {
		return managed.ExternalObservation{}, err
	}
	out, err := e.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
	if isNotFound(err) || (err == nil && len(out.ReplicationGroups) == 0) {
		return managed.ExternalObservation{ResourceExists: false}, nil
	}
	if err != nil {
		return managed.ExternalObservation{}, errors.Wrap(err, "cannot describe replication group")
	}
	got := observe(out.ReplicationGroups[0])
	if err := e.observeNode(ctx, cr, &got); err != nil {
		return managed.ExternalObservation{}, err
	}
	// ElastiCache keeps tags apart from the group: the second and last
	// read of a poll.
	tags, err := e.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: aws.String(got.observation.ARN)})
	if err != nil {
		return managed.ExternalObservation{}, errors.Wrap(err, "cannot list replication group tags")
	}
	got.tags = tagMap(tags.TagList)
	if owned, err := e.owners.Owned(ctx, cr, got.tags); !owned {
		return managed.ExternalObservation{}, err
	}
	e.observed = &got

	lateInit := reconciler.LateInitializes(cr) && lateInitialize(&cr.Spec.ForProvider, got.params)
	last := cr.Status.AtProvider
	applied, rotating := appliedTokenVersion(cr), last.AuthTokenRotating
	cr.Status.AtProvider = got.observation
	at := &cr.Status.AtProvider
	at.AuthTokenSecretVersion, at.AuthTokenRotating, at.AuthTokenRotated = applied, rotating, last.AuthTokenRotated
	rotationDone(at, got, e.clock())
	cr.SetConditions(condition(got.status))

	tok, err := e.token(ctx, cr)
	if err != nil && !meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, err
	}
	// The versions in place, recorded as they are named now (a version
	// recorded as a resourceVersion becomes a hash).
	if tok.Is(applied) {
		cr.Status.AtProvider.AuthTokenSecretVersion = tok.Version
	}
	if tok.Is(rotating) {
		cr.Status.AtProvider.AuthTokenRotating = tok.Version
	}
	obs := managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        true,
		ResourceLateInitialized: lateInit,
		ConnectionDetails:       e.details(cr, got.observation, tok),
	}
	want := desired(cr)
	fields := drifted(want, got)
	if step := e.tokenStep(cr, tok); err == nil && (step == tokenRotate || step == tokenSet) {
		// A new token in the Secret, a rotation whose grace period is
		// over, or no token at all: a group this resource did not create
		// (adopted, or the Secret lost) gets a token it knows at the next
		// update.
		fields = append(fields, fieldAuthToken)
	}
	e.compared = &reconciler.Comparison{Fields: fields, Want: want, Got: comparable(got)}
	if isBusy(got.status) {
		// Compared for a plan only: nothing is sent while the group is busy.
		e.compared.Waiting = "ElastiCache reports the group " + got.status + ": the provider changes it once it is available"
		return obs, nil
	}
	obs.ResourceUpToDate = len(fields) == 0
	obs.Diff = reconciler.DiffFields(fields)
	return obs, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.ReplicationGroup) (managed.ExternalCreation, error) {
	id := meta.GetExternalName(cr)
	if err := validID(id); err != nil {
		return managed.ExternalCreation{}, err
	}
	cr.SetConditions(xpv2.Creating())
	var tok secretkey.Value
	if ref := tokenRef(cr); ref != nil {
		// The token is in its Secret before ElastiCache hears of it.
		var err error
		if tok, err = e.tokens.Ensure(ctx, *ref); err != nil {
			return managed.ExternalCreation{}, err
		}
	}
	_, err := e.ec.CreateReplicationGroup(ctx, createInput(id, desired(cr), tok.Data))
	if isAlreadyExists(err) {
		return e.adopt(ctx, cr, id)
	}
	if err != nil {
		return managed.ExternalCreation{}, errors.Wrap(err, "cannot create replication group")
	}
	// The runtime saves metadata after Create, not status: the token
	// version goes into an annotation too.
	cr.Status.AtProvider.AuthTokenSecretVersion = tok.Version
	meta.AddAnnotations(cr, map[string]string{annotationTokenVersion: tok.Version})
	return managed.ExternalCreation{}, nil
}

// annotationTokenVersion holds the version of the token the group was
// created with; it reveals nothing of the token.
const annotationTokenVersion = "elasticache.aws.appinfra.io/auth-token-secret-version"

func appliedTokenVersion(cr *v1alpha1.ReplicationGroup) string {
	return secretkey.AppliedVersion(cr.Status.AtProvider.AuthTokenSecretVersion, cr.GetAnnotations(), annotationTokenVersion)
}

// adopt takes a group that already exists only if no other resource
// manages it.
func (e *external) adopt(ctx context.Context, cr *v1alpha1.ReplicationGroup, id string) (managed.ExternalCreation, error) {
	out, err := e.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
	if err != nil {
		return managed.ExternalCreation{}, errors.Wrap(err, "replication group already exists and cannot be described")
	}
	if len(out.ReplicationGroups) == 0 {
		// Created and deleted by someone else between the two calls: the
		// next poll starts over.
		return managed.ExternalCreation{}, errors.Errorf("replication group %q already exists but is not described", id)
	}
	tags, err := e.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: out.ReplicationGroups[0].ARN})
	if err != nil {
		return managed.ExternalCreation{}, errors.Wrap(err, "cannot list replication group tags")
	}
	if owned, err := e.owners.OwnedAfterConflict(ctx, cr, tagMap(tags.TagList)); !owned {
		return managed.ExternalCreation{}, errors.Wrapf(err, "cannot adopt replication group %q", id)
	}
	return managed.ExternalCreation{}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.ReplicationGroup) (managed.ExternalUpdate, error) {
	if e.observed == nil || isBusy(e.observed.status) {
		// ElastiCache refuses changes while it is busy
		// (InvalidReplicationGroupState); the next poll sends them.
		return managed.ExternalUpdate{}, nil
	}
	id, want := meta.GetExternalName(cr), desired(cr)
	fields := drifted(want, *e.observed)
	var tok secretkey.Value
	var err error
	ref := tokenRef(cr)
	if ref != nil {
		// Ensure, not Read: a group whose token this resource does not
		// know gets a generated one, in its Secret before ElastiCache
		// hears of it.
		if tok, err = e.tokens.Ensure(ctx, *ref); err != nil {
			return managed.ExternalUpdate{}, err
		}
	}
	step := e.tokenStep(cr, tok)
	rotate := step == tokenRotate || step == tokenSet
	if len(fields) == 0 && !rotate {
		return managed.ExternalUpdate{}, nil
	}
	if rotate {
		fields = append(fields, fieldAuthToken)
	}
	reconciler.RecordDrift(e.record, cr, fields)
	// Tags never make the group busy.
	if err := e.retag(ctx, want.Tags, e.observed); err != nil {
		return managed.ExternalUpdate{}, err
	}
	// Each of these makes the group busy, and ElastiCache refuses the next
	// until it is available again: one per poll (polls are short while the
	// group is busy). A token change goes first, so that no other change
	// (one ElastiCache keeps refusing, say) can hold a rotation half way
	// with two tokens valid. Replicas are added first among the rest,
	// since ElastiCache refuses failover and multi-AZ without one, and
	// removed last, after failover may have been turned off.
	members := int32(len(e.observed.observation.MemberClusters))
	switch in := modifyInput(id, want, fields); {
	case rotate:
		err = e.rotate(ctx, cr, id, tok, step)
	case want.NumCacheClusters > members:
		err = e.resize(ctx, id, want, members)
	case in != nil:
		_, err = e.ec.ModifyReplicationGroup(ctx, in)
		err = errors.Wrap(err, "cannot modify replication group")
	case want.NumCacheClusters < members:
		err = e.resize(ctx, id, want, members)
	}
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	return managed.ExternalUpdate{ConnectionDetails: e.details(cr, e.observed.observation, tok)}, nil
}

// rotate sends the step a token change is at (see rotation.go): ROTATE,
// which makes both tokens valid, or SET, which drops the old one once the
// grace period is over.
func (e *external) rotate(ctx context.Context, cr *v1alpha1.ReplicationGroup, id string, tok secretkey.Value, step tokenStep) error {
	at := &cr.Status.AtProvider
	strategy := types.AuthTokenUpdateStrategyTypeRotate
	if step == tokenSet {
		strategy = types.AuthTokenUpdateStrategyTypeSet
	}
	_, err := e.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{
		ReplicationGroupId: aws.String(id), AuthToken: aws.String(tok.Data), AuthTokenUpdateStrategy: strategy, ApplyImmediately: aws.Bool(true),
	})
	if err != nil {
		return errors.Wrapf(err, "cannot %s the auth token", string(strategy))
	}
	if strategy == types.AuthTokenUpdateStrategyTypeRotate {
		at.AuthTokenRotating, at.AuthTokenRotated = tok.Version, nil
		return nil
	}
	at.AuthTokenSecretVersion, at.AuthTokenRotating, at.AuthTokenRotated = tok.Version, "", nil
	return nil
}

// resize adds or removes replicas to reach numCacheClusters from n nodes.
func (e *external) resize(ctx context.Context, id string, want v1alpha1.ReplicationGroupParameters, n int32) error {
	replicas := want.NumCacheClusters - 1
	switch {
	case want.NumCacheClusters > n:
		_, err := e.ec.IncreaseReplicaCount(ctx, &elasticache.IncreaseReplicaCountInput{ReplicationGroupId: aws.String(id), NewReplicaCount: aws.Int32(replicas), ApplyImmediately: aws.Bool(true)})
		return errors.Wrap(err, "cannot add replicas")
	case want.NumCacheClusters < n:
		_, err := e.ec.DecreaseReplicaCount(ctx, &elasticache.DecreaseReplicaCountInput{ReplicationGroupId: aws.String(id), NewReplicaCount: aws.Int32(replicas), ApplyImmediately: aws.Bool(true)})
		return errors.Wrap(err, "cannot remove replicas")
	}
	return nil
}

// retag makes the group's tags the desired set: the spec owns it whole.
func (e *external) retag(ctx context.Context, want map[string]string, got *observed) error {
	add, remove := tagChanges(want, got.tags)
	arn := aws.String(got.observation.ARN)
	if len(add) > 0 {
		if _, err := e.ec.AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{ResourceName: arn, Tags: add}); err != nil {
			return errors.Wrap(err, "cannot tag replication group")
		}
	}
	if len(remove) > 0 {
		if _, err := e.ec.RemoveTagsFromResource(ctx, &elasticache.RemoveTagsFromResourceInput{ResourceName: arn, TagKeys: remove}); err != nil {
			return errors.Wrap(err, "cannot remove tags from replication group")
		}
	}
	return nil
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.ReplicationGroup) (managed.ExternalDelete, error) {
	cr.SetConditions(xpv2.Deleting())
	if e.observed != nil && e.observed.status == statusDeleting {
		return managed.ExternalDelete{}, nil
	}
	_, err := e.ec.DeleteReplicationGroup(ctx, &elasticache.DeleteReplicationGroupInput{
		ReplicationGroupId: aws.String(meta.GetExternalName(cr)), FinalSnapshotIdentifier: cr.Spec.ForProvider.FinalSnapshotIdentifier,
	})
	if err == nil || isNotFound(err) {
		return managed.ExternalDelete{}, nil
	}
	return managed.ExternalDelete{}, errors.Wrap(err, "cannot delete replication group")
}

// Compared is what the last Observe compared (reconciler.Compared).
func (e *external) Compared() *reconciler.Comparison { return e.compared }

// comparable is what the group has, in spec terms: with its tags, and
// what its primary's cluster reported when last described.
func comparable(got observed) v1alpha1.ReplicationGroupParameters {
	p := got.params
	p.Tags = got.tags
	if n := got.node; n != nil {
		p.SecurityGroupIDs = n.SecurityGroupIDs
		p.CacheParameterGroupName = ptr.To(n.CacheParameterGroupName)
		p.PreferredMaintenanceWindow = ptr.To(n.PreferredMaintenanceWindow)
	}
	return p
}

// Deletion says what Delete would do (reconciler.Deleter): it sends the
// spec's finalSnapshotIdentifier, and nothing else keeps the data.
func (e *external) Deletion(cr *v1alpha1.ReplicationGroup) reconciler.Deletion {
	id := meta.GetExternalName(cr)
	var d reconciler.Deletion
	if s := cr.Spec.ForProvider.FinalSnapshotIdentifier; s != nil {
		d.Lost = append(d.Lost, fmt.Sprintf("replication group %q and its nodes", id))
		d.Kept = append(d.Kept, fmt.Sprintf("its data, in the final snapshot %q taken as it is deleted", *s))
	} else {
		d.Lost = append(d.Lost, fmt.Sprintf("replication group %q and every key in it: finalSnapshotIdentifier is not set, so no final snapshot is taken", id))
	}
	if r := cr.Spec.ForProvider.AuthTokenSecretRef; r != nil {
		d.Lost = append(d.Lost, fmt.Sprintf("the auth token Secret %q, if the provider generated it", r.Name))
	}
	return d
}

// observeNode fills in what ElastiCache reports per node, not per group:
// the engine version, security groups, parameter group, maintenance
// window and the changes pending for the window. The primary's cluster is
// described only when these may have changed or the spec asks for other
// values: first, when the group comes back to available after a change,
// and while the spec differs from what was last described (a change to
// send, or one pending for the window). An in-sync poll stays at two
// reads; a change made outside the provider to these fields alone shows
// at the next change of the group's state.
func (e *external) observeNode(ctx context.Context, cr *v1alpha1.ReplicationGroup, got *observed) error {
	last := cr.Status.AtProvider
	got.setNode(last.EngineVersion, last.PrimaryNode)
	if got.status != statusAvailable || len(got.observation.MemberClusters) == 0 {
		return nil
	}
	stale := last.EngineVersion == "" || last.PrimaryNode == nil || last.Status != statusAvailable
	if !stale {
		fields := drifted(desired(cr), *got)
		stale = slices.ContainsFunc(fields, func(f string) bool { return slices.Contains(nodeFields, f) })
	}
	if !stale {
		return nil
	}
	// The primary's cluster, as the node group names it (members are in
	// no stated order, and a failover moves the primary); the first member
	// if it does not say.
	node := got.primary
	if node == "" {
		node = got.observation.MemberClusters[0]
	}
	out, err := e.ec.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(node)})
	if err != nil {
		return errors.Wrap(err, "cannot describe the replication group's cache cluster")
	}
	if len(out.CacheClusters) > 0 {
		got.setNode(nodeOf(out.CacheClusters[0]))
	}
	return nil
}

func (e *external) Disconnect(context.Context) error { return nil }
