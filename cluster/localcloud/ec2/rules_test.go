package ec2

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

// TestRules drives one group's rules through authorize and revoke calls in
// both directions and compares the described permissions after each.
func TestRules(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), nil)
	db := createGroup(t, c, "db")
	app := createGroup(t, c, "app")
	described := func(in types.IpRange, d string) types.IpRange { in.Description = aws.String(d); return in }
	pgFromApp := "tcp 5432-5432 [127.0.1.0/24(private a) 127.0.2.0/24] [000000000000/" + app + "(app)]"
	steps := []struct {
		reason      string
		call        func() (*bool, error)
		wantIngress []string
		wantEgress  []string
	}{
		{
			reason: "One permission with two ranges and a group is three rules, described as one permission.",
			call: func() (*bool, error) {
				p := fromGroups(tcp(5432, 5432), app)
				p.UserIdGroupPairs[0].Description = aws.String("app")
				p.IpRanges = []types.IpRange{described(types.IpRange{CidrIp: aws.String("127.0.1.0/24")}, "private a"), {CidrIp: aws.String("127.0.2.0/24")}}
				out, err := c.AuthorizeSecurityGroupIngress(ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(db), IpPermissions: []types.IpPermission{p}})
				if err != nil {
					return nil, err
				}
				return out.Return, nil
			},
			wantIngress: []string{pgFromApp},
			wantEgress:  []string{allEgress},
		},
		{
			reason: "Protocol numbers are named, ICMP keeps type and code, -1 has no ports, and the older top-level parameters work.",
			call: func() (*bool, error) {
				out, err := c.AuthorizeSecurityGroupIngress(ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(db), IpPermissions: []types.IpPermission{
					{IpProtocol: aws.String("17"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), IpRanges: []types.IpRange{{CidrIp: aws.String("127.0.0.0/16")}}},
					{IpProtocol: aws.String("icmp"), FromPort: aws.Int32(8), ToPort: aws.Int32(-1), IpRanges: []types.IpRange{{CidrIp: aws.String("127.0.0.0/16")}}},
					{IpProtocol: aws.String("-1"), FromPort: aws.Int32(1), ToPort: aws.Int32(2), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(db)}}},
				}})
				if err != nil {
					return nil, err
				}
				if _, err := c.AuthorizeSecurityGroupIngress(ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(db),
					IpProtocol: aws.String("tcp"), FromPort: aws.Int32(6379), ToPort: aws.Int32(6380), CidrIp: aws.String("127.0.101.0/24")}); err != nil {
					return nil, err
				}
				return out.Return, nil
			},
			wantIngress: []string{pgFromApp, "udp 53-53 [127.0.0.0/16] []", "icmp 8--1 [127.0.0.0/16] []", "-1 *-* [] [000000000000/" + db + "]", "tcp 6379-6380 [127.0.101.0/24] []"},
			wantEgress:  []string{allEgress},
		},
		{
			reason: "Revoking one range of a permission leaves its other rules; a description is not needed to revoke.",
			call: func() (*bool, error) {
				out, err := c.RevokeSecurityGroupIngress(ctx, &awsec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(db), IpPermissions: []types.IpPermission{
					tcp(5432, 5432, "127.0.1.0/24"), {IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), IpRanges: []types.IpRange{{CidrIp: aws.String("127.0.0.0/16")}}},
				}})
				if err != nil {
					return nil, err
				}
				return out.Return, nil
			},
			wantIngress: []string{"tcp 5432-5432 [127.0.2.0/24] [000000000000/" + app + "(app)]", "icmp 8--1 [127.0.0.0/16] []", "-1 *-* [] [000000000000/" + db + "]", "tcp 6379-6380 [127.0.101.0/24] []"},
			wantEgress:  []string{allEgress},
		},
		{
			reason: "Egress: the default rule can be revoked and narrower ones authorized.",
			call: func() (*bool, error) {
				if _, err := c.RevokeSecurityGroupEgress(ctx, &awsec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(db), IpPermissions: []types.IpPermission{
					{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
				}}); err != nil {
					return nil, err
				}
				out, err := c.AuthorizeSecurityGroupEgress(ctx, &awsec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(db), IpPermissions: []types.IpPermission{
					fromGroups(tcp(443, 443, "127.0.0.0/16"), app),
				}})
				if err != nil {
					return nil, err
				}
				return out.Return, nil
			},
			wantIngress: []string{"tcp 5432-5432 [127.0.2.0/24] [000000000000/" + app + "(app)]", "icmp 8--1 [127.0.0.0/16] []", "-1 *-* [] [000000000000/" + db + "]", "tcp 6379-6380 [127.0.101.0/24] []"},
			wantEgress:  []string{"tcp 443-443 [127.0.0.0/16] [000000000000/" + app + "]"},
		},
	}
	for i, st := range steps {
		ret, err := st.call()
		if err != nil {
			t.Fatalf("step %d: %s\n%v", i, st.reason, err)
		}
		if !aws.ToBool(ret) {
			t.Errorf("step %d: Return: want true, got %v", i, ret)
		}
		g := describeGroup(t, c, db)
		if diff := cmp.Diff([][]string{st.wantIngress, st.wantEgress}, [][]string{g.Ingress, g.Egress}); diff != "" {
			t.Errorf("step %d: %s\n-want +got:\n%s", i, st.reason, diff)
		}
	}

	got, ok := s.SecurityGroupRules(db)
	want := []Rule{
		{Protocol: "tcp", FromPort: 5432, ToPort: 5432, CIDR: "127.0.2.0/24"},
		{Protocol: "tcp", FromPort: 5432, ToPort: 5432, Group: app, Description: "app"},
		{Protocol: "icmp", FromPort: 8, ToPort: -1, CIDR: "127.0.0.0/16"},
		{Protocol: "-1", FromPort: -1, ToPort: -1, Group: db},
		{Protocol: "tcp", FromPort: 6379, ToPort: 6380, CIDR: "127.0.101.0/24"},
	}
	if diff := cmp.Diff(want, got); diff != "" || !ok {
		t.Errorf("SecurityGroupRules (ok %t): -want +got:\n%s", ok, diff)
	}
	if _, ok := s.SecurityGroupRules("sg-0123456789abcdef0"); ok {
		t.Errorf("SecurityGroupRules of an unknown group: want not ok")
	}
}

func TestAllowsTCP(t *testing.T) {
	cases := map[string]struct {
		reason string
		rule   Rule
		port   int
		want   bool
	}{
		"InRange":    {reason: "A tcp rule allows its ports.", rule: Rule{Protocol: "tcp", FromPort: 5432, ToPort: 5433}, port: 5433, want: true},
		"OutOfRange": {reason: "A tcp rule allows no other port.", rule: Rule{Protocol: "tcp", FromPort: 5432, ToPort: 5433}, port: 5434},
		"All":        {reason: "-1 allows everything.", rule: Rule{Protocol: "-1", FromPort: -1, ToPort: -1}, port: 6379, want: true},
		"UDP":        {reason: "udp allows no TCP.", rule: Rule{Protocol: "udp", FromPort: 0, ToPort: 65535}, port: 53},
		"ICMP":       {reason: "icmp allows no TCP.", rule: Rule{Protocol: "icmp", FromPort: -1, ToPort: -1}, port: 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.rule.AllowsTCP(tc.port)); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
