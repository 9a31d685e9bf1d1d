package v1alpha1

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reference"

	ec2v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/common"
)

// ResolveReferences fills cacheSubnetGroupName and securityGroupIDs from
// their references or selectors, in the group's namespace.
func (mg *ReplicationGroup) ResolveReferences(ctx context.Context, c client.Reader) error {
	p := &mg.Spec.ForProvider
	name, ref, err := common.ResolveOne(ctx, c, mg, reference.FromPtrValue(p.CacheSubnetGroupName), p.CacheSubnetGroupNameRef, p.CacheSubnetGroupNameSelector,
		reference.To{Managed: &CacheSubnetGroup{}, List: &CacheSubnetGroupList{}}, common.ExternalNameOnceReady())
	if err != nil {
		return errors.Wrap(err, "cannot resolve cacheSubnetGroupName")
	}
	p.CacheSubnetGroupName, p.CacheSubnetGroupNameRef = reference.ToPtrValue(name), ref

	ids, refs, err := common.ResolveMany(ctx, c, mg, p.SecurityGroupIDs, p.SecurityGroupIDRefs, p.SecurityGroupIDSelector, ec2v1alpha1.SecurityGroups(), ec2v1alpha1.SecurityGroupID())
	if err != nil {
		return errors.Wrap(err, "cannot resolve securityGroupIDs")
	}
	p.SecurityGroupIDs, p.SecurityGroupIDRefs = ids, refs
	return nil
}
