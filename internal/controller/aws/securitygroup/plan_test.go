package securitygroup

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
)

// TestComparable: a plan shows rules as the permissions drifted compares,
// one per source, the same on the spec's side and EC2's.
func TestComparable(t *testing.T) {
	want := v1alpha1.SecurityGroupParameters{
		Ingress: []v1alpha1.Rule{{Protocol: "tcp", FromPort: ptr.To[int32](5432), ToPort: ptr.To[int32](5432), CIDRBlocks: []string{"10.0.2.0/24", "10.0.1.0/24"}}},
		Tags:    map[string]string{"team": "a"},
	}
	got := &types.SecurityGroup{
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.1.0/24")}}}},
		Tags:          []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("x")}},
	}
	if diff := cmp.Diff(map[string]any{
		fieldIngress: []string{"tcp 5432-5432 10.0.1.0/24", "tcp 5432-5432 10.0.2.0/24"},
		fieldTags:    map[string]string{"team": "a"},
	}, comparable(want)); diff != "" {
		t.Errorf("comparable(...): -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{
		fieldIngress: []string{"tcp 5432-5432 10.0.1.0/24"},
		fieldEgress:  []string{},
		fieldTags:    map[string]string{"team": "a"},
	}, observedComparable(got)); diff != "" {
		t.Errorf("observedComparable(...): -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{fieldIngress}, drifted(want, got)); diff != "" {
		t.Errorf("drifted(...): -want, +got:\n%s", diff)
	}
}
