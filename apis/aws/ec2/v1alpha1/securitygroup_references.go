package v1alpha1

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reference"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/apis/common"
)

// SecurityGroupID extracts a SecurityGroup's id, for references to it.
func SecurityGroupID() reference.ExtractValueFn {
	return func(mg resource.Managed) string {
		sg, ok := mg.(*SecurityGroup)
		if !ok {
			return ""
		}
		return sg.Status.AtProvider.ID
	}
}

// SecurityGroups is what a reference to SecurityGroups resolves into.
func SecurityGroups() reference.To {
	return reference.To{Managed: &SecurityGroup{}, List: &SecurityGroupList{}}
}

// ResolveReferences fills each rule's sourceSecurityGroupIDs from its
// references or selector, in the group's namespace.
func (mg *SecurityGroup) ResolveReferences(ctx context.Context, c client.Reader) error {
	all := [][]Rule{mg.Spec.ForProvider.Ingress}
	if mg.Spec.ForProvider.Egress != nil {
		all = append(all, *mg.Spec.ForProvider.Egress)
	}
	for _, rules := range all {
		for i := range rules {
			r := &rules[i]
			ids, refs, err := common.ResolveMany(ctx, c, mg, r.SourceSecurityGroupIDs, r.SourceSecurityGroupIDRefs, r.SourceSecurityGroupIDSelector, SecurityGroups(), SecurityGroupID())
			if err != nil {
				return errors.Wrap(err, "cannot resolve a rule's source security groups")
			}
			r.SourceSecurityGroupIDs, r.SourceSecurityGroupIDRefs = ids, refs
		}
	}
	return nil
}
