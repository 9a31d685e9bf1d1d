// Package securitygroup reconciles EC2 SecurityGroup managed resources with
// aws-sdk-go-v2.
package securitygroup

import (
	"context"
	"maps"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/tags"
)

// api is the part of *ec2.Client this controller uses; the real client
// satisfies it.
type api interface {
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	CreateSecurityGroup(ctx context.Context, in *ec2.CreateSecurityGroupInput, opts ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error)
	DeleteSecurityGroup(ctx context.Context, in *ec2.DeleteSecurityGroupInput, opts ...func(*ec2.Options)) (*ec2.DeleteSecurityGroupOutput, error)
	AuthorizeSecurityGroupIngress(ctx context.Context, in *ec2.AuthorizeSecurityGroupIngressInput, opts ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
	RevokeSecurityGroupIngress(ctx context.Context, in *ec2.RevokeSecurityGroupIngressInput, opts ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error)
	AuthorizeSecurityGroupEgress(ctx context.Context, in *ec2.AuthorizeSecurityGroupEgressInput, opts ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupEgressOutput, error)
	RevokeSecurityGroupEgress(ctx context.Context, in *ec2.RevokeSecurityGroupEgressInput, opts ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupEgressOutput, error)
	CreateTags(ctx context.Context, in *ec2.CreateTagsInput, opts ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DeleteTags(ctx context.Context, in *ec2.DeleteTagsInput, opts ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error)
}

// newAPI returns the config's EC2 client, made once per config.
func newAPI(c *awsclient.Config) api { return c.EC2() }

// Setup adds a controller that reconciles SecurityGroups. clients is shared
// by every AWS controller.
func Setup(mgr ctrl.Manager, o controller.Options, clients *awsclient.Clients) error {
	return reconciler.Setup(mgr, o, reconciler.Kind[*v1alpha1.SecurityGroup]{
		GVK:    v1alpha1.SecurityGroupGroupVersionKind,
		Object: &v1alpha1.SecurityGroup{},
		List:   &v1alpha1.SecurityGroupList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.SecurityGroup] {
			return Connector(reconciler.Deps{
				Kube: mgr.GetClient(), Usage: resource.NewProviderConfigUsageTracker(mgr.GetClient(), &awsv1alpha1.ProviderConfigUsage{}), Record: record,
			}, clients)
		},
	})
}

// Connector returns how SecurityGroups connect to EC2: Setup's, and a
// plan's, which observes with the same external client through read-only
// clients.
func Connector(d reconciler.Deps, clients *awsclient.Clients) *reconciler.Connector[*v1alpha1.SecurityGroup, *awsclient.Config] {
	owners := ownership.Checker{
		Kube:     d.Kube,
		Kind:     v1alpha1.SecurityGroupGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.SecurityGroupList{} },
		Encoding: ownership.Exact,
	}
	return connector(d.Usage, clients, newAPI, d.Record, owners)
}

func connector(usage resource.ModernTracker, clients *awsclient.Clients, newAPI func(*awsclient.Config) api, record event.Recorder, owners ownership.Checker) *reconciler.Connector[*v1alpha1.SecurityGroup, *awsclient.Config] {
	return &reconciler.Connector[*v1alpha1.SecurityGroup, *awsclient.Config]{
		Usage: usage,
		Client: func(ctx context.Context, cr *v1alpha1.SecurityGroup) (*awsclient.Config, error) {
			return clients.Connect(ctx, cr, cr.Spec.ForProvider.Region)
		},
		External: func(cfg *awsclient.Config) (managed.TypedExternalClient[*v1alpha1.SecurityGroup], error) {
			return &external{ec2: newAPI(cfg), record: record, owners: owners.ForAdoption(providerconfig.AdoptionOf(cfg.Spec))}, nil
		},
		Tidy: awsclient.WithoutTransportDetail,
	}
}

// external holds one reconcile's client. Observe keeps the group it read
// so that Update and Delete act on it without describing it again.
type external struct {
	ec2    api
	record event.Recorder
	owners ownership.Checker

	observed *types.SecurityGroup
	compared *reconciler.Comparison
}

// The fields Update may change, by their spec names.
const (
	fieldIngress = "ingress"
	fieldEgress  = "egress"
	fieldTags    = "tags"
)

// find describes the group named name in the VPC; nil if there is none.
// Group names are unique in a VPC, so the name is the group's identity
// until EC2 has given it an id.
func (e *external) find(ctx context.Context, vpc, name string) (*types.SecurityGroup, error) {
	out, err := e.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
		{Name: aws.String("group-name"), Values: []string{name}},
	}})
	if err != nil {
		return nil, errors.Wrap(err, "cannot describe security group")
	}
	if len(out.SecurityGroups) == 0 {
		return nil, nil
	}
	return &out.SecurityGroups[0], nil
}

// errDefaultGroup refuses the VPC's own group, which EC2 will not delete
// and whose rules other resources of the VPC may rely on. Admission
// refuses it as metadata.name; an external name can only be checked here.
var errDefaultGroup = errors.New("a VPC's default security group is the VPC's own: it cannot be managed or deleted as a SecurityGroup; name another group in crossplane.io/external-name")

func (e *external) Observe(ctx context.Context, cr *v1alpha1.SecurityGroup) (managed.ExternalObservation, error) {
	if meta.GetExternalName(cr) == "default" {
		return managed.ExternalObservation{}, errDefaultGroup
	}
	got, err := e.find(ctx, cr.Spec.ForProvider.VPCID, meta.GetExternalName(cr))
	if err != nil || got == nil {
		return managed.ExternalObservation{}, err
	}
	if owned, err := e.owners.Owned(ctx, cr, tagMap(got.Tags)); !owned {
		return managed.ExternalObservation{}, err
	}
	e.observed = got
	cr.Status.AtProvider = observation(got)
	cr.SetConditions(xpv2.Available())
	want := desired(cr)
	fields := drifted(want, got)
	e.compared = &reconciler.Comparison{Fields: fields, Want: comparable(want), Got: observedComparable(got)}
	return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: len(fields) == 0, Diff: reconciler.DiffFields(fields)}, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.SecurityGroup) (managed.ExternalCreation, error) {
	cr.SetConditions(xpv2.Creating())
	p := desired(cr)
	_, err := e.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName:         aws.String(meta.GetExternalName(cr)),
		Description:       aws.String(p.Description),
		VpcId:             aws.String(p.VPCID),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: tagList(p.Tags)}},
	})
	if awsclient.HasCode(err, "InvalidGroup.Duplicate") {
		// Made by an attempt whose answer was lost, or by someone else:
		// taken only if no other resource manages it.
		got, err := e.find(ctx, p.VPCID, meta.GetExternalName(cr))
		if err != nil {
			return managed.ExternalCreation{}, errors.Wrap(err, "security group already exists and cannot be described")
		}
		if got == nil {
			// Deleted by someone else between the two calls: the next
			// poll starts over.
			return managed.ExternalCreation{}, errors.Errorf("security group %q already exists but is not described", meta.GetExternalName(cr))
		}
		if owned, err := e.owners.OwnedAfterConflict(ctx, cr, tagMap(got.Tags)); !owned {
			return managed.ExternalCreation{}, errors.Wrapf(err, "cannot adopt security group %q", meta.GetExternalName(cr))
		}
		return managed.ExternalCreation{}, nil
	}
	// The rules follow at the next poll's update: one path sets them,
	// whether the group is new or has drifted.
	return managed.ExternalCreation{}, errors.Wrap(err, "cannot create security group")
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.SecurityGroup) (managed.ExternalUpdate, error) {
	if e.observed == nil {
		return managed.ExternalUpdate{}, nil
	}
	p, id := desired(cr), e.observed.GroupId
	fields := drifted(p, e.observed)
	reconciler.RecordDrift(e.record, cr, fields)
	// Each direction adds what is missing before removing what is not
	// wanted: a rule being replaced never leaves a gap in what the
	// applications behind it can reach.
	add, remove := changes(wanted(p.Ingress), observedPermissions(e.observed.IpPermissions))
	if err := e.authorizeIngress(ctx, id, add); err != nil {
		return managed.ExternalUpdate{}, err
	}
	if err := e.revokeIngress(ctx, id, remove); err != nil {
		return managed.ExternalUpdate{}, err
	}
	if p.Egress != nil {
		add, remove := changes(wanted(*p.Egress), observedPermissions(e.observed.IpPermissionsEgress))
		if err := e.authorizeEgress(ctx, id, add); err != nil {
			return managed.ExternalUpdate{}, err
		}
		if err := e.revokeEgress(ctx, id, remove); err != nil {
			return managed.ExternalUpdate{}, err
		}
	}
	return managed.ExternalUpdate{}, e.retag(ctx, id, p.Tags, tagMap(e.observed.Tags))
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.SecurityGroup) (managed.ExternalDelete, error) {
	cr.SetConditions(xpv2.Deleting())
	if e.observed == nil {
		return managed.ExternalDelete{}, nil
	}
	_, err := e.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: e.observed.GroupId})
	switch {
	case err == nil, awsclient.HasCode(err, "InvalidGroup.NotFound"):
		return managed.ExternalDelete{}, nil
	case awsclient.HasCode(err, "DependencyViolation"):
		// A database, a cache or another group's rule still uses it,
		// usually because it is being deleted too. The runtime marks a
		// deletion that went through as plain Deleting, so the wait is
		// said as the error the resource shows (Synced=False) until
		// EC2 lets the group go; the retries back off.
		return managed.ExternalDelete{}, errors.New("waiting to delete: the security group is still in use (by an instance, a cache or another group's rule); it is deleted once nothing uses it")
	default:
		return managed.ExternalDelete{}, errors.Wrap(err, "cannot delete security group")
	}
}

func (e *external) Disconnect(context.Context) error { return nil }

// Compared is what the last Observe compared (reconciler.Compared).
func (e *external) Compared() *reconciler.Comparison { return e.compared }

// comparable is what drifted compares of the spec: its rules, one
// permission each, and its tags.
func comparable(want v1alpha1.SecurityGroupParameters) map[string]any {
	c := map[string]any{fieldIngress: permissionStrings(wanted(want.Ingress)), fieldTags: want.Tags}
	if want.Egress != nil {
		c[fieldEgress] = permissionStrings(wanted(*want.Egress))
	}
	return c
}

// observedComparable is the same of the group EC2 described.
func observedComparable(got *types.SecurityGroup) map[string]any {
	return map[string]any{
		fieldIngress: permissionStrings(observedPermissions(got.IpPermissions)),
		fieldEgress:  permissionStrings(observedPermissions(got.IpPermissionsEgress)),
		fieldTags:    tagMap(got.Tags),
	}
}

func permissionStrings(ps []permission) []string {
	out := make([]string, 0, len(ps))
	for _, p := range sorted(ps) {
		out = append(out, p.String())
	}
	return out
}

// desired is the spec with the provider's ownership tags added.
func desired(cr *v1alpha1.SecurityGroup) v1alpha1.SecurityGroupParameters {
	p := *cr.Spec.ForProvider.DeepCopy()
	t := ownership.Tags(cr, v1alpha1.SecurityGroupGroupVersionKind.GroupKind())
	maps.Copy(t, p.Tags)
	p.Tags = t
	return p
}

// drifted lists the fields of want the group differs in.
func drifted(want v1alpha1.SecurityGroupParameters, got *types.SecurityGroup) []string {
	var fields []string
	if add, remove := changes(wanted(want.Ingress), observedPermissions(got.IpPermissions)); len(add)+len(remove) > 0 {
		fields = append(fields, fieldIngress)
	}
	if want.Egress != nil {
		if add, remove := changes(wanted(*want.Egress), observedPermissions(got.IpPermissionsEgress)); len(add)+len(remove) > 0 {
			fields = append(fields, fieldEgress)
		}
	}
	if set, remove := tags.Changes(want.Tags, tagMap(got.Tags)); len(set)+len(remove) > 0 {
		fields = append(fields, fieldTags)
	}
	return fields
}

func observation(g *types.SecurityGroup) v1alpha1.SecurityGroupObservation {
	return v1alpha1.SecurityGroupObservation{ID: aws.ToString(g.GroupId), ARN: aws.ToString(g.SecurityGroupArn), OwnerID: aws.ToString(g.OwnerId)}
}

// tagMap is the group's tags but AWS's own (aws:...), which no one else
// may change, so the spec cannot own them.
func tagMap(in []types.Tag) map[string]string {
	out := make(map[string]string, len(in))
	for _, t := range in {
		if strings.HasPrefix(aws.ToString(t.Key), "aws:") {
			continue
		}
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func tagList(in map[string]string) []types.Tag {
	set, _ := tags.Changes(in, nil)
	out := make([]types.Tag, 0, len(set))
	for _, k := range set {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(in[k])})
	}
	return out
}
