package ec2

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	_, c := newTestService(t, dir, nil)
	db := createGroup(t, c, "db", tags("team", "payments")...)
	app := createGroup(t, c, "app")
	authorizeIngress(t, c, db, fromGroups(tcp(5432, 5432, "127.0.1.0/24"), app))
	if _, err := c.RevokeSecurityGroupEgress(ctx, &awsec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(DefaultSecurityGroupID),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatalf("RevokeSecurityGroupEgress: %v", err)
	}
	var before []groupView
	for _, id := range []string{db, app, DefaultSecurityGroupID} {
		before = append(before, describeGroup(t, c, id))
	}

	// Each change is saved as it is made: a new service on the same dir,
	// as after a crash, sees them all.
	_, c = newTestService(t, dir, nil)
	var after []groupView
	for _, id := range []string{db, app, DefaultSecurityGroupID} {
		after = append(after, describeGroup(t, c, id))
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("after restart: -want +got:\n%s", diff)
	}
	if _, err := c.CreateSecurityGroup(ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String("DB"), Description: aws.String("again"), VpcId: aws.String(VPCID)}); err == nil {
		t.Errorf("CreateSecurityGroup of a restored group's name (in another case): want InvalidGroup.Duplicate, got nil")
	}
}
