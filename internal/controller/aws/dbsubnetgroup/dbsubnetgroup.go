// Package dbsubnetgroup reconciles RDS DBSubnetGroup managed resources with
// aws-sdk-go-v2, through the reconciliation all subnet groups share.
package dbsubnetgroup

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/subnetgroup"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// api is the part of *rds.Client this controller uses; the real client
// satisfies it.
type api interface {
	DescribeDBSubnetGroups(ctx context.Context, in *rds.DescribeDBSubnetGroupsInput, opts ...func(*rds.Options)) (*rds.DescribeDBSubnetGroupsOutput, error)
	CreateDBSubnetGroup(ctx context.Context, in *rds.CreateDBSubnetGroupInput, opts ...func(*rds.Options)) (*rds.CreateDBSubnetGroupOutput, error)
	ModifyDBSubnetGroup(ctx context.Context, in *rds.ModifyDBSubnetGroupInput, opts ...func(*rds.Options)) (*rds.ModifyDBSubnetGroupOutput, error)
	DeleteDBSubnetGroup(ctx context.Context, in *rds.DeleteDBSubnetGroupInput, opts ...func(*rds.Options)) (*rds.DeleteDBSubnetGroupOutput, error)
	ListTagsForResource(ctx context.Context, in *rds.ListTagsForResourceInput, opts ...func(*rds.Options)) (*rds.ListTagsForResourceOutput, error)
	AddTagsToResource(ctx context.Context, in *rds.AddTagsToResourceInput, opts ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error)
	RemoveTagsFromResource(ctx context.Context, in *rds.RemoveTagsFromResourceInput, opts ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error)
}

// newAPI returns the config's RDS client, made once per config.
func newAPI(c *awsclient.Config) api { return c.RDS() }

// Setup adds a controller that reconciles DBSubnetGroups. clients is
// shared by every AWS controller.
func Setup(mgr ctrl.Manager, o controller.Options, clients *awsclient.Clients) error {
	return reconciler.Setup(mgr, o, reconciler.Kind[*v1alpha1.DBSubnetGroup]{
		GVK:    v1alpha1.DBSubnetGroupGroupVersionKind,
		Object: &v1alpha1.DBSubnetGroup{},
		List:   &v1alpha1.DBSubnetGroupList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.DBSubnetGroup] {
			return Connector(reconciler.Deps{
				Kube: mgr.GetClient(), Usage: resource.NewProviderConfigUsageTracker(mgr.GetClient(), &awsv1alpha1.ProviderConfigUsage{}), Record: record,
			}, clients)
		},
	})
}

// Connector returns how DBSubnetGroups connect to RDS: Setup's, and a
// plan's, which observes with the same external client through read-only
// clients.
func Connector(d reconciler.Deps, clients *awsclient.Clients) *reconciler.Connector[*v1alpha1.DBSubnetGroup, *awsclient.Config] {
	owners := ownership.Checker{
		Kube:     d.Kube,
		Kind:     v1alpha1.DBSubnetGroupGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.DBSubnetGroupList{} },
		Encoding: ownership.Exact,
	}
	return connector(d.Usage, clients, newAPI, d.Record, owners)
}

func connector(usage resource.ModernTracker, clients *awsclient.Clients, newAPI func(*awsclient.Config) api, record event.Recorder, owners ownership.Checker) *reconciler.Connector[*v1alpha1.DBSubnetGroup, *awsclient.Config] {
	return &reconciler.Connector[*v1alpha1.DBSubnetGroup, *awsclient.Config]{
		Usage: usage,
		Client: func(ctx context.Context, cr *v1alpha1.DBSubnetGroup) (*awsclient.Config, error) {
			return clients.Connect(ctx, cr, cr.Spec.ForProvider.Region)
		},
		External: func(cfg *awsclient.Config) (managed.TypedExternalClient[*v1alpha1.DBSubnetGroup], error) {
			return &subnetgroup.External[*v1alpha1.DBSubnetGroup]{
				Cloud: cloud{rds: newAPI(cfg)}, Record: record, Owners: owners.ForAdoption(providerconfig.AdoptionOf(cfg.Spec)), What: "DB subnet group",
				Desired: desired, SetStatus: setStatus,
			}, nil
		},
		Tidy: awsclient.WithoutTransportDetail,
	}
}

func desired(cr *v1alpha1.DBSubnetGroup) subnetgroup.Params {
	p := cr.Spec.ForProvider
	t := ownership.Tags(cr, v1alpha1.DBSubnetGroupGroupVersionKind.GroupKind())
	maps.Copy(t, p.Tags)
	return subnetgroup.Params{Description: p.Description, SubnetIDs: p.SubnetIDs, Tags: t}
}

func setStatus(cr *v1alpha1.DBSubnetGroup, o subnetgroup.Observed) {
	cr.Status.AtProvider = v1alpha1.DBSubnetGroupObservation{ARN: o.ARN, VPCID: o.VPCID, Status: o.Status, AvailabilityZones: o.Zones}
}

// cloud is RDS's subnet group API, as subnetgroup.Cloud.
type cloud struct{ rds api }

func (c cloud) Describe(ctx context.Context, name string) (*subnetgroup.Observed, error) {
	out, err := c.rds.DescribeDBSubnetGroups(ctx, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String(name)})
	if awsclient.HasCode(err, "DBSubnetGroupNotFoundFault") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(out.DBSubnetGroups) == 0 {
		return nil, nil
	}
	g := out.DBSubnetGroups[0]
	o := &subnetgroup.Observed{
		Params: subnetgroup.Params{Description: aws.ToString(g.DBSubnetGroupDescription)},
		ARN:    aws.ToString(g.DBSubnetGroupArn), VPCID: aws.ToString(g.VpcId), Status: aws.ToString(g.SubnetGroupStatus),
	}
	for _, s := range g.Subnets {
		o.SubnetIDs = append(o.SubnetIDs, aws.ToString(s.SubnetIdentifier))
		if s.SubnetAvailabilityZone != nil {
			o.Zones = append(o.Zones, aws.ToString(s.SubnetAvailabilityZone.Name))
		}
	}
	o.Zones = slices.Compact(slices.Sorted(slices.Values(o.Zones)))
	// RDS describes a subnet group without its tags.
	tags, err := c.rds.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: aws.String(o.ARN)})
	if err != nil {
		return nil, err
	}
	o.Tags = map[string]string{}
	for _, t := range tags.TagList {
		// AWS's own tags (aws:...) no one else may change: the spec
		// cannot own them.
		if k := aws.ToString(t.Key); !strings.HasPrefix(k, "aws:") {
			o.Tags[k] = aws.ToString(t.Value)
		}
	}
	return o, nil
}

func (c cloud) Create(ctx context.Context, name string, p subnetgroup.Params) (bool, error) {
	_, err := c.rds.CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{
		DBSubnetGroupName: aws.String(name), DBSubnetGroupDescription: aws.String(p.Description),
		SubnetIds: p.SubnetIDs, Tags: tagList(p.Tags),
	})
	if awsclient.HasCode(err, "DBSubnetGroupAlreadyExists") {
		return true, nil
	}
	return false, err
}

func (c cloud) Modify(ctx context.Context, name string, p subnetgroup.Params) error {
	_, err := c.rds.ModifyDBSubnetGroup(ctx, &rds.ModifyDBSubnetGroupInput{
		DBSubnetGroupName: aws.String(name), DBSubnetGroupDescription: aws.String(p.Description), SubnetIds: p.SubnetIDs,
	})
	return err
}

func (c cloud) Retag(ctx context.Context, arn string, set map[string]string, remove []string) error {
	if len(set) > 0 {
		if _, err := c.rds.AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: aws.String(arn), Tags: tagList(set)}); err != nil {
			return err
		}
	}
	if len(remove) > 0 {
		_, err := c.rds.RemoveTagsFromResource(ctx, &rds.RemoveTagsFromResourceInput{ResourceName: aws.String(arn), TagKeys: remove})
		return err
	}
	return nil
}

func (c cloud) Delete(ctx context.Context, name string) (bool, error) {
	_, err := c.rds.DeleteDBSubnetGroup(ctx, &rds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String(name)})
	switch {
	case awsclient.HasCode(err, "DBSubnetGroupNotFoundFault"):
		return false, nil
	case awsclient.HasCode(err, "InvalidDBSubnetGroupStateFault"):
		return true, nil
	}
	return false, err
}

func tagList(in map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(in[k])})
	}
	return out
}
