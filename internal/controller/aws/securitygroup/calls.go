package securitygroup

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"

	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/tags"
)

// Rules are changed in one call per direction. EC2 refuses the whole call
// when one permission is already there (InvalidPermission.Duplicate) or
// already gone (InvalidPermission.NotFound), which happens when another
// writer got there first: the call is then made permission by permission,
// each of those answers meaning the permission is as wanted.

func (e *external) authorizeIngress(ctx context.Context, id *string, ps []permission) error {
	return each(ps, "InvalidPermission.Duplicate", "cannot authorize security group ingress", func(ip []types.IpPermission) error {
		_, err := e.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: id, IpPermissions: ip})
		return err
	})
}

func (e *external) revokeIngress(ctx context.Context, id *string, ps []permission) error {
	return each(ps, "InvalidPermission.NotFound", "cannot revoke security group ingress", func(ip []types.IpPermission) error {
		_, err := e.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: id, IpPermissions: ip})
		return err
	})
}

func (e *external) authorizeEgress(ctx context.Context, id *string, ps []permission) error {
	return each(ps, "InvalidPermission.Duplicate", "cannot authorize security group egress", func(ip []types.IpPermission) error {
		_, err := e.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: id, IpPermissions: ip})
		return err
	})
}

func (e *external) revokeEgress(ctx context.Context, id *string, ps []permission) error {
	return each(ps, "InvalidPermission.NotFound", "cannot revoke security group egress", func(ip []types.IpPermission) error {
		_, err := e.ec2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: id, IpPermissions: ip})
		return err
	})
}

// each calls call with every permission at once, or, when EC2 answers
// done (the code that means one was already as wanted), one at a time.
func each(ps []permission, done, what string, call func([]types.IpPermission) error) error {
	if len(ps) == 0 {
		return nil
	}
	err := call(ipPermissions(ps))
	if !awsclient.HasCode(err, done) {
		return errors.Wrap(err, what)
	}
	for _, p := range ps {
		if err := call(ipPermissions([]permission{p})); err != nil && !awsclient.HasCode(err, done) {
			return errors.Wrapf(err, "%s (%s)", what, p)
		}
	}
	return nil
}

// retag makes the group's tags the desired set: the spec owns it whole.
func (e *external) retag(ctx context.Context, id *string, want, got map[string]string) error {
	set, remove := tags.Changes(want, got)
	if len(set) > 0 {
		add := make([]types.Tag, 0, len(set))
		for _, k := range set {
			add = append(add, types.Tag{Key: aws.String(k), Value: aws.String(want[k])})
		}
		if _, err := e.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(id)}, Tags: add}); err != nil {
			return errors.Wrap(err, "cannot tag security group")
		}
	}
	if len(remove) > 0 {
		del := make([]types.Tag, 0, len(remove))
		for _, k := range remove {
			del = append(del, types.Tag{Key: aws.String(k)})
		}
		if _, err := e.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{aws.ToString(id)}, Tags: del}); err != nil {
			return errors.Wrap(err, "cannot remove tags from security group")
		}
	}
	return nil
}
