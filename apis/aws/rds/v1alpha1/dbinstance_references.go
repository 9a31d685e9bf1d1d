package v1alpha1

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reference"

	ec2v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/common"
)

// ResolveReferences fills dbSubnetGroupName and vpcSecurityGroupIDs from
// their references or selectors, in the instance's namespace.
func (mg *DBInstance) ResolveReferences(ctx context.Context, c client.Reader) error {
	p := &mg.Spec.ForProvider
	name, ref, err := common.ResolveOne(ctx, c, mg, reference.FromPtrValue(p.DBSubnetGroupName), p.DBSubnetGroupNameRef, p.DBSubnetGroupNameSelector,
		reference.To{Managed: &DBSubnetGroup{}, List: &DBSubnetGroupList{}}, common.ExternalNameOnceReady())
	if err != nil {
		return errors.Wrap(err, "cannot resolve dbSubnetGroupName")
	}
	p.DBSubnetGroupName, p.DBSubnetGroupNameRef = reference.ToPtrValue(name), ref

	ids, refs, err := common.ResolveMany(ctx, c, mg, p.VPCSecurityGroupIDs, p.VPCSecurityGroupIDRefs, p.VPCSecurityGroupIDSelector, ec2v1alpha1.SecurityGroups(), ec2v1alpha1.SecurityGroupID())
	if err != nil {
		return errors.Wrap(err, "cannot resolve vpcSecurityGroupIDs")
	}
	p.VPCSecurityGroupIDs, p.VPCSecurityGroupIDRefs = ids, refs
	return nil
}
