// Package cachesubnetgroup reconciles ElastiCache CacheSubnetGroup managed resources with
// aws-sdk-go-v2, through the reconciliation all subnet groups share.
package cachesubnetgroup

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	awsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/subnetgroup"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// api is the part of *elasticache.Client this controller uses; the real client
// satisfies it.
type api interface {
	DescribeCacheSubnetGroups(ctx context.Context, in *elasticache.DescribeCacheSubnetGroupsInput, opts ...func(*elasticache.Options)) (*elasticache.DescribeCacheSubnetGroupsOutput, error)
	CreateCacheSubnetGroup(ctx context.Context, in *elasticache.CreateCacheSubnetGroupInput, opts ...func(*elasticache.Options)) (*elasticache.CreateCacheSubnetGroupOutput, error)
	ModifyCacheSubnetGroup(ctx context.Context, in *elasticache.ModifyCacheSubnetGroupInput, opts ...func(*elasticache.Options)) (*elasticache.ModifyCacheSubnetGroupOutput, error)
	DeleteCacheSubnetGroup(ctx context.Context, in *elasticache.DeleteCacheSubnetGroupInput, opts ...func(*elasticache.Options)) (*elasticache.DeleteCacheSubnetGroupOutput, error)
	ListTagsForResource(ctx context.Context, in *elasticache.ListTagsForResourceInput, opts ...func(*elasticache.Options)) (*elasticache.ListTagsForResourceOutput, error)
	AddTagsToResource(ctx context.Context, in *elasticache.AddTagsToResourceInput, opts ...func(*elasticache.Options)) (*elasticache.AddTagsToResourceOutput, error)
	RemoveTagsFromResource(ctx context.Context, in *elasticache.RemoveTagsFromResourceInput, opts ...func(*elasticache.Options)) (*elasticache.RemoveTagsFromResourceOutput, error)
}

// newAPI returns the config's ElastiCache client, made once per config.
func newAPI(c *awsclient.Config) api { return c.ElastiCache() }

// Setup adds a controller that reconciles CacheSubnetGroups. clients is
// shared by every AWS controller.
func Setup(mgr ctrl.Manager, o controller.Options, clients *awsclient.Clients) error {
	return reconciler.Setup(mgr, o, reconciler.Kind[*v1alpha1.CacheSubnetGroup]{
		GVK:    v1alpha1.CacheSubnetGroupGroupVersionKind,
		Object: &v1alpha1.CacheSubnetGroup{},
		List:   &v1alpha1.CacheSubnetGroupList{},
		Connector: func(record event.Recorder) managed.TypedExternalConnector[*v1alpha1.CacheSubnetGroup] {
			return Connector(reconciler.Deps{
				Kube: mgr.GetClient(), Usage: resource.NewProviderConfigUsageTracker(mgr.GetClient(), &awsv1alpha1.ProviderConfigUsage{}), Record: record,
			}, clients)
		},
	})
}

// Connector returns how CacheSubnetGroups connect to ElastiCache: Setup's, and a
// plan's, which observes with the same external client through read-only
// clients.
func Connector(d reconciler.Deps, clients *awsclient.Clients) *reconciler.Connector[*v1alpha1.CacheSubnetGroup, *awsclient.Config] {
	owners := ownership.Checker{
		Kube:     d.Kube,
		Kind:     v1alpha1.CacheSubnetGroupGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.CacheSubnetGroupList{} },
		Encoding: ownership.Exact,
	}
	return connector(d.Usage, clients, newAPI, d.Record, owners)
}

func connector(usage resource.ModernTracker, clients *awsclient.Clients, newAPI func(*awsclient.Config) api, record event.Recorder, owners ownership.Checker) *reconciler.Connector[*v1alpha1.CacheSubnetGroup, *awsclient.Config] {
	return &reconciler.Connector[*v1alpha1.CacheSubnetGroup, *awsclient.Config]{
		Usage: usage,
		Client: func(ctx context.Context, cr *v1alpha1.CacheSubnetGroup) (*awsclient.Config, error) {
			return clients.Connect(ctx, cr, cr.Spec.ForProvider.Region)
		},
		External: func(cfg *awsclient.Config) (managed.TypedExternalClient[*v1alpha1.CacheSubnetGroup], error) {
			return &subnetgroup.External[*v1alpha1.CacheSubnetGroup]{
				Cloud: cloud{ec: newAPI(cfg)}, Record: record, Owners: owners.ForAdoption(providerconfig.AdoptionOf(cfg.Spec)), What: "cache subnet group",
				Desired: desired, SetStatus: setStatus,
			}, nil
		},
		Tidy: awsclient.WithoutTransportDetail,
	}
}

func desired(cr *v1alpha1.CacheSubnetGroup) subnetgroup.Params {
	p := cr.Spec.ForProvider
	t := ownership.Tags(cr, v1alpha1.CacheSubnetGroupGroupVersionKind.GroupKind())
	maps.Copy(t, p.Tags)
	return subnetgroup.Params{Description: p.Description, SubnetIDs: p.SubnetIDs, Tags: t}
}

func setStatus(cr *v1alpha1.CacheSubnetGroup, o subnetgroup.Observed) {
	cr.Status.AtProvider = v1alpha1.CacheSubnetGroupObservation{ARN: o.ARN, VPCID: o.VPCID, AvailabilityZones: o.Zones}
}

// cloud is ElastiCache's subnet group API, as subnetgroup.Cloud.
type cloud struct{ ec api }

func (c cloud) Describe(ctx context.Context, name string) (*subnetgroup.Observed, error) {
	out, err := c.ec.DescribeCacheSubnetGroups(ctx, &elasticache.DescribeCacheSubnetGroupsInput{CacheSubnetGroupName: aws.String(name)})
	if awsclient.HasCode(err, "CacheSubnetGroupNotFoundFault") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(out.CacheSubnetGroups) == 0 {
		return nil, nil
	}
	g := out.CacheSubnetGroups[0]
	o := &subnetgroup.Observed{
		Params: subnetgroup.Params{Description: aws.ToString(g.CacheSubnetGroupDescription)},
		ARN:    aws.ToString(g.ARN), VPCID: aws.ToString(g.VpcId),
	}
	for _, s := range g.Subnets {
		o.SubnetIDs = append(o.SubnetIDs, aws.ToString(s.SubnetIdentifier))
		if s.SubnetAvailabilityZone != nil {
			o.Zones = append(o.Zones, aws.ToString(s.SubnetAvailabilityZone.Name))
		}
	}
	o.Zones = slices.Compact(slices.Sorted(slices.Values(o.Zones)))
	// ElastiCache describes a subnet group without its tags.
	tags, err := c.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: aws.String(o.ARN)})
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
	_, err := c.ec.CreateCacheSubnetGroup(ctx, &elasticache.CreateCacheSubnetGroupInput{
		CacheSubnetGroupName: aws.String(name), CacheSubnetGroupDescription: aws.String(p.Description),
		SubnetIds: p.SubnetIDs, Tags: tagList(p.Tags),
	})
	if awsclient.HasCode(err, "CacheSubnetGroupAlreadyExists") {
		return true, nil
	}
	return false, err
}

func (c cloud) Modify(ctx context.Context, name string, p subnetgroup.Params) error {
	_, err := c.ec.ModifyCacheSubnetGroup(ctx, &elasticache.ModifyCacheSubnetGroupInput{
		CacheSubnetGroupName: aws.String(name), CacheSubnetGroupDescription: aws.String(p.Description), SubnetIds: p.SubnetIDs,
	})
	return err
}

func (c cloud) Retag(ctx context.Context, arn string, set map[string]string, remove []string) error {
	if len(set) > 0 {
		if _, err := c.ec.AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{ResourceName: aws.String(arn), Tags: tagList(set)}); err != nil {
			return err
		}
	}
	if len(remove) > 0 {
		_, err := c.ec.RemoveTagsFromResource(ctx, &elasticache.RemoveTagsFromResourceInput{ResourceName: aws.String(arn), TagKeys: remove})
		return err
	}
	return nil
}

func (c cloud) Delete(ctx context.Context, name string) (bool, error) {
	_, err := c.ec.DeleteCacheSubnetGroup(ctx, &elasticache.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String(name)})
	switch {
	case awsclient.HasCode(err, "CacheSubnetGroupNotFoundFault"):
		return false, nil
	case awsclient.HasCode(err, "CacheSubnetGroupInUse"):
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
