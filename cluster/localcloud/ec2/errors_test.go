package ec2

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

// TestErrors proves each error reaches the SDK with EC2's code, message
// and status (400 for every client error), and that a failed call changes
// nothing.
func TestErrors(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), nil)
	db := createGroup(t, c, "db")
	app := createGroup(t, c, "app")
	authorizeIngress(t, c, db, tcp(5432, 5432, "127.0.1.0/24"))
	authorizeIngress(t, c, app, fromGroups(tcp(80, 80), db))
	const unknown = "sg-0123456789abcdef0"
	ingress := func(perms ...types.IpPermission) func() error {
		return func() error {
			_, err := c.AuthorizeSecurityGroupIngress(ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(db), IpPermissions: perms})
			return err
		}
	}
	createTags := func(ids ...string) func() error {
		return func() error {
			_, err := c.CreateTags(ctx, &awsec2.CreateTagsInput{Resources: ids, Tags: tags("k", "v")})
			return err
		}
	}
	createGroupIn := func(name, desc string, vpc *string, spec ...types.TagSpecification) func() error {
		return func() error {
			_, err := c.CreateSecurityGroup(ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(desc), VpcId: vpc, TagSpecifications: spec})
			return err
		}
	}
	type want struct {
		code, message string
		status        int
	}
	cases := map[string]struct {
		reason string
		call   func() error
		want   want
	}{
		"DescribeUnknownVpc": {
			reason: "An unknown VPC id is InvalidVpcID.NotFound.",
			call: func() error {
				_, err := c.DescribeVpcs(ctx, &awsec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123456789abcdef0"}})
				return err
			},
			want: want{"InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist", 400},
		},
		"DescribeUnknownSubnet": {
			reason: "An unknown subnet id is InvalidSubnetID.NotFound, even next to known ones.",
			call: func() error {
				_, err := c.DescribeSubnets(ctx, &awsec2.DescribeSubnetsInput{SubnetIds: []string{privateA, "subnet-0123456789abcdef0"}})
				return err
			},
			want: want{"InvalidSubnetID.NotFound", "The subnet ID 'subnet-0123456789abcdef0' does not exist", 400},
		},
		"UnknownFilter": {
			reason: "A filter name the action does not know is refused, not ignored.",
			call: func() error {
				_, err := c.DescribeSubnets(ctx, &awsec2.DescribeSubnetsInput{Filters: []types.Filter{byFilter("vpc", VPCID)}})
				return err
			},
			want: want{"InvalidParameterValue", "The filter 'vpc' is invalid", 400},
		},
		"CreateDuplicate": {
			reason: "A name already in the VPC, whatever its case, is InvalidGroup.Duplicate.",
			call:   createGroupIn("DB", "again", aws.String(VPCID)),
			want:   want{"InvalidGroup.Duplicate", "The security group 'DB' already exists for VPC '" + VPCID + "'", 400},
		},
		"CreateInUnknownVpc": {
			reason: "An unknown VPC is InvalidVpcID.NotFound.",
			call:   createGroupIn("x", "x", aws.String("vpc-0123456789abcdef0")),
			want:   want{"InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist", 400},
		},
		"CreateWithoutVpc": {
			reason: "Without VpcId the group would go to the default VPC, which this account does not have.",
			call:   createGroupIn("x", "x", nil),
			want:   want{"VPCIdNotSpecified", "No default VPC for this user", 400},
		},
		"CreateNamedLikeAnID": {
			reason: "Names starting with sg- are refused, as on EC2.",
			call:   createGroupIn("sg-web", "x", aws.String(VPCID)),
			want:   want{"InvalidParameterValue", "Value (sg-web) for parameter GroupName is invalid. Group names may not be in the format sg-*.", 400},
		},
		"CreateLongDescription": {
			reason: "A description is at most 255 characters.",
			call:   createGroupIn("long", strings.Repeat("d", 256), aws.String(VPCID)),
			want:   want{"InvalidParameterValue", "Value for parameter GroupDescription is invalid: it is longer than 255 characters.", 400},
		},
		"CreateBadCharacters": {
			reason: "A name has only the characters EC2 allows in a VPC.",
			call:   createGroupIn("café", "x", aws.String(VPCID)),
			want:   want{"InvalidParameterValue", "Value (café) for parameter GroupName is invalid. Valid characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*", 400},
		},
		"CreateTaggingOtherType": {
			reason: "Tags at creation are for the type created.",
			call:   createGroupIn("tagged", "x", aws.String(VPCID), types.TagSpecification{ResourceType: types.ResourceTypeVpc, Tags: tags("a", "b")}),
			want:   want{"InvalidParameterValue", "'vpc' is not a valid taggable resource type for this operation.", 400},
		},
		"CreateAWSTag": {
			reason: "Tag keys starting with aws: are AWS's.",
			call:   createGroupIn("tagged", "x", aws.String(VPCID), types.TagSpecification{ResourceType: types.ResourceTypeSecurityGroup, Tags: tags("aws:owner", "me")}),
			want:   want{"InvalidParameterValue", "Value ( aws:owner ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use", 400},
		},
		"DescribeUnknownGroup": {
			reason: "An unknown group id is InvalidGroup.NotFound.",
			call: func() error {
				_, err := c.DescribeSecurityGroups(ctx, &awsec2.DescribeSecurityGroupsInput{GroupIds: []string{db, unknown}})
				return err
			},
			want: want{"InvalidGroup.NotFound", "The security group '" + unknown + "' does not exist", 400},
		},
		"DescribeMalformedGroup": {
			reason: "What cannot be a group id is InvalidGroupId.Malformed.",
			call: func() error {
				_, err := c.DescribeSecurityGroups(ctx, &awsec2.DescribeSecurityGroupsInput{GroupIds: []string{"db"}})
				return err
			},
			want: want{"InvalidGroupId.Malformed", `Invalid id: "db" (expecting "sg-...")`, 400},
		},
		"DescribeByName": {
			reason: "GroupName.N is for the default VPC, which this account does not have.",
			call: func() error {
				_, err := c.DescribeSecurityGroups(ctx, &awsec2.DescribeSecurityGroupsInput{GroupNames: []string{"db"}})
				return err
			},
			want: want{"VPCIdNotSpecified", "No default VPC for this user", 400},
		},
		"AuthorizeUnknownGroup": {
			reason: "Rules of an unknown group are InvalidGroup.NotFound.",
			call: func() error {
				_, err := c.AuthorizeSecurityGroupIngress(ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(unknown), IpPermissions: []types.IpPermission{tcp(1, 1, "127.0.0.0/16")}})
				return err
			},
			want: want{"InvalidGroup.NotFound", "The security group '" + unknown + "' does not exist", 400},
		},
		"AuthorizeUnknownSource": {
			reason: "A source group must exist.",
			call:   ingress(fromGroups(tcp(1, 1), unknown)),
			want:   want{"InvalidGroup.NotFound", "The security group '" + unknown + "' does not exist", 400},
		},
		"AuthorizeDuplicate": {
			reason: "A rule already there is InvalidPermission.Duplicate, and the new rule next to it is not added.",
			call:   ingress(tcp(6432, 6432, "127.0.2.0/24"), tcp(5432, 5432, "127.0.1.0/24")),
			want:   want{"InvalidPermission.Duplicate", `the specified rule "peer: 127.0.1.0/24, TCP, from port: 5432, to port: 5432, ALLOW" already exists`, 400},
		},
		"AuthorizeDuplicateInRequest": {
			reason: "A rule twice in one request is a duplicate too.",
			call:   ingress(tcp(7000, 7000, "127.0.3.0/24", "127.0.3.0/24")),
			want:   want{"InvalidPermission.Duplicate", `the specified rule "peer: 127.0.3.0/24, TCP, from port: 7000, to port: 7000, ALLOW" already exists`, 400},
		},
		"AuthorizeBadCIDR": {
			reason: "A CIDR must be an IPv4 range.",
			call:   ingress(tcp(1, 1, "127.0.0.0/33")),
			want:   want{"InvalidParameterValue", "Value (127.0.0.0/33) for parameter cidrIp is invalid. This is not a valid CIDR block.", 400},
		},
		"AuthorizeHostBits": {
			reason: "A CIDR is written as its network address, so that it has one spelling to revoke.",
			call:   ingress(tcp(1, 1, "127.0.1.7/24")),
			want:   want{"InvalidParameterValue", "Value (127.0.1.7/24) for parameter cidrIp is invalid. Write the range as 127.0.1.0/24.", 400},
		},
		"AuthorizeReversedPorts": {
			reason: "FromPort is at most ToPort.",
			call:   ingress(tcp(5433, 5432, "127.0.0.0/16")),
			want:   want{"InvalidParameterValue", "Invalid value for portRange: 5433-5432. Ports are 0 to 65535 and FromPort is at most ToPort.", 400},
		},
		"AuthorizePortTooHigh": {
			reason: "Ports end at 65535.",
			call:   ingress(tcp(1, 70000, "127.0.0.0/16")),
			want:   want{"InvalidParameterValue", "Invalid value for portRange: 1-70000. Ports are 0 to 65535 and FromPort is at most ToPort.", 400},
		},
		"AuthorizeTCPWithoutPorts": {
			reason: "tcp needs both ports.",
			call:   ingress(types.IpPermission{IpProtocol: aws.String("tcp"), IpRanges: []types.IpRange{{CidrIp: aws.String("127.0.0.0/16")}}}),
			want:   want{"InvalidParameterValue", "Invalid value for portRange. Must specify both from and to ports with TCP/UDP.", 400},
		},
		"AuthorizeUnknownProtocol": {
			reason: "A protocol is a name EC2 knows or a number.",
			call:   ingress(types.IpPermission{IpProtocol: aws.String("sctp"), IpRanges: []types.IpRange{{CidrIp: aws.String("127.0.0.0/16")}}}),
			want:   want{"InvalidParameterValue", "Invalid value 'sctp' for IP protocol. Unknown protocol.", 400},
		},
		"AuthorizeIPv6": {
			reason: "IPv6 ranges are refused rather than dropped.",
			call:   ingress(types.IpPermission{IpProtocol: aws.String("-1"), Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}}),
			want:   want{"InvalidParameterValue", "The local cloud has no IPv6: give IpRanges instead of Ipv6Ranges.", 400},
		},
		"AuthorizeNoSource": {
			reason: "A permission names a range or a group.",
			call:   ingress(tcp(1, 1)),
			want:   want{"MissingParameter", "The request must contain the parameter IpRanges or Groups", 400},
		},
		"RevokeAbsentIngress": {
			reason: "Revoking a rule not there is InvalidPermission.NotFound, and the rule next to it stays.",
			call: func() error {
				_, err := c.RevokeSecurityGroupIngress(ctx, &awsec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(db),
					IpPermissions: []types.IpPermission{tcp(5432, 5432, "127.0.1.0/24", "127.0.9.0/24")}})
				return err
			},
			want: want{"InvalidPermission.NotFound", "The specified rule does not exist in this security group.", 400},
		},
		"RevokeAbsentEgress": {
			reason: "Egress rules are revoked only if there.",
			call: func() error {
				_, err := c.RevokeSecurityGroupEgress(ctx, &awsec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(db), IpPermissions: []types.IpPermission{tcp(443, 443, "0.0.0.0/0")}})
				return err
			},
			want: want{"InvalidPermission.NotFound", "The specified rule does not exist in this security group.", 400},
		},
		"DeleteUnknownGroup": {
			reason: "Deleting an unknown group is InvalidGroup.NotFound, so controllers can treat it as done.",
			call: func() error {
				_, err := c.DeleteSecurityGroup(ctx, &awsec2.DeleteSecurityGroupInput{GroupId: aws.String(unknown)})
				return err
			},
			want: want{"InvalidGroup.NotFound", "The security group '" + unknown + "' does not exist", 400},
		},
		"DeleteDefaultGroup": {
			reason: "The VPC's default group is CannotDelete.",
			call: func() error {
				_, err := c.DeleteSecurityGroup(ctx, &awsec2.DeleteSecurityGroupInput{GroupId: aws.String(DefaultSecurityGroupID)})
				return err
			},
			want: want{"CannotDelete", `the specified group: "` + DefaultSecurityGroupID + `" name: "default" cannot be deleted by a user`, 400},
		},
		"DeleteReferencedGroup": {
			reason: "A group another group's rule names is DependencyViolation.",
			call: func() error {
				_, err := c.DeleteSecurityGroup(ctx, &awsec2.DeleteSecurityGroupInput{GroupId: aws.String(db)})
				return err
			},
			want: want{"DependencyViolation", "resource " + db + " has a dependent object", 400},
		},
		"DeleteByName": {
			reason: "GroupName is for the default VPC, which this account does not have.",
			call: func() error {
				_, err := c.DeleteSecurityGroup(ctx, &awsec2.DeleteSecurityGroupInput{GroupName: aws.String("app")})
				return err
			},
			want: want{"VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.", 400},
		},
		"TagUnknownGroup": {
			reason: "Tagging an unknown group is InvalidGroup.NotFound, and the known group next to it is not tagged.",
			call:   createTags(app, unknown),
			want:   want{"InvalidGroup.NotFound", "The security group '" + unknown + "' does not exist", 400},
		},
		"TagInvalidID": {
			reason: "What is no resource id here is InvalidID.",
			call:   createTags("i-0123456789abcdef0"),
			want:   want{"InvalidID", "The ID 'i-0123456789abcdef0' is not valid", 400},
		},
		"TagUnknownVpc": {
			reason: "An unknown VPC is InvalidVpcID.NotFound.",
			call:   createTags("vpc-0123456789abcdef0"),
			want:   want{"InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist", 400},
		},
		"TagSubnet": {
			reason: "The pre-made network keeps its tags.",
			call:   createTags(privateA),
			want:   want{"UnsupportedOperation", "The local cloud's subnet " + privateA + " keeps its tags; only security groups are tagged.", 400},
		},
		"TagLimit": {
			reason: "A resource has at most 50 tags.",
			call: func() error {
				var many []string
				for i := range 51 {
					many = append(many, fmt.Sprint("k", i), "v")
				}
				_, err := c.CreateTags(ctx, &awsec2.CreateTagsInput{Resources: []string{app}, Tags: tags(many...)})
				return err
			},
			want: want{"TagLimitExceeded", "The maximum number of tags for a resource has been reached: 50.", 400},
		},
		"UntagUnknownGroup": {
			reason: "Untagging an unknown group is InvalidGroup.NotFound.",
			call: func() error {
				_, err := c.DeleteTags(ctx, &awsec2.DeleteTagsInput{Resources: []string{unknown}})
				return err
			},
			want: want{"InvalidGroup.NotFound", "The security group '" + unknown + "' does not exist", 400},
		},
		"DryRun": {
			reason: "DryRun answers DryRunOperation (412) and changes nothing.",
			call: func() error {
				_, err := c.DeleteSecurityGroup(ctx, &awsec2.DeleteSecurityGroupInput{GroupId: aws.String(app), DryRun: aws.Bool(true)})
				return err
			},
			want: want{"DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412},
		},
	}
	before := [2]groupView{describeGroup(t, c, db), describeGroup(t, c, app)}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, message, status := apiError(tc.call())
			if diff := cmp.Diff(tc.want, want{code, message, status}, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
	after := [2]groupView{describeGroup(t, c, db), describeGroup(t, c, app)}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("failed calls changed the groups: -want +got:\n%s", diff)
	}
}

func TestRuleLimit(t *testing.T) {
	_, c := newTestService(t, t.TempDir(), nil)
	id := createGroup(t, c, "busy")
	var perms []types.IpPermission
	for port := range int32(60) {
		perms = append(perms, tcp(port, port, "127.0.0.0/16"))
	}
	authorizeIngress(t, c, id, perms...)
	_, err := c.AuthorizeSecurityGroupIngress(ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(id), IpPermissions: []types.IpPermission{tcp(60, 60, "127.0.0.0/16")}})
	code, _, status := apiError(err)
	if diff := cmp.Diff("RulesPerSecurityGroupLimitExceeded 400", fmt.Sprint(code, " ", status)); diff != "" {
		t.Errorf("the 61st ingress rule: -want +got:\n%s", diff)
	}
}

func TestInUse(t *testing.T) {
	var asked []string
	_, c := newTestService(t, t.TempDir(), func(id string) (string, bool) { asked = append(asked, id); return "rds db1", true })
	id := createGroup(t, c, "used")
	_, err := c.DeleteSecurityGroup(ctx, &awsec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
	code, message, _ := apiError(err)
	if diff := cmp.Diff([]string{"DependencyViolation", "resource " + id + " has a dependent object", id}, append([]string{code, message}, asked...)); diff != "" {
		t.Errorf("a group another service uses: -want +got:\n%s", diff)
	}
}
