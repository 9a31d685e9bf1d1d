package ec2

import (
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

// TestAdmits evaluates a resource's groups against sources and ports: db
// admits 5432 from the host and from members of app, 6379 from
// 127.0.60.0/24, and udp (not tcp) from 127.0.50.0/24; open admits all
// traffic from 127.0.70.0/24. The endpoints at 127.0.1.4, .5 and .6 are
// members of app, of other and of the VPC's default group.
func TestAdmits(t *testing.T) {
	s, c := newTestService(t, t.TempDir(), nil)
	db, app, other, open := createGroup(t, c, "db"), createGroup(t, c, "app"), createGroup(t, c, "other"), createGroup(t, c, "open")
	authorizeIngress(t, c, db,
		tcp(5432, 5432, "127.0.0.1/32"),
		fromGroups(tcp(5432, 5432), app),
		tcp(6379, 6379, "127.0.60.0/24"),
		types.IpPermission{IpProtocol: aws.String("udp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), IpRanges: []types.IpRange{{CidrIp: aws.String("127.0.50.0/24")}}},
	)
	authorizeIngress(t, c, open, types.IpPermission{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("127.0.70.0/24")}}})
	members := map[netip.Addr][]string{
		netip.MustParseAddr("127.0.1.4"): {app},
		netip.MustParseAddr("127.0.1.5"): {other},
		netip.MustParseAddr("127.0.1.6"): {DefaultSecurityGroupID},
	}
	s.cfg.Members = func(a netip.Addr) []string { return members[a] }

	cases := map[string]struct {
		reason string
		groups []string
		src    string
		port   int
		want   bool
	}{
		"CIDR":                 {reason: "A tcp rule's CIDR admits a source in it.", groups: []string{db}, src: "127.0.0.1", port: 5432, want: true},
		"CIDRMapped":           {reason: "An IPv4-mapped source is its IPv4 address.", groups: []string{db}, src: "::ffff:127.0.0.1", port: 5432, want: true},
		"OutsideCIDR":          {reason: "A source outside every CIDR and group is refused.", groups: []string{db}, src: "127.0.0.2", port: 5432},
		"SourceGroupMember":    {reason: "A rule naming a group admits the endpoints of its members.", groups: []string{db}, src: "127.0.1.4", port: 5432, want: true},
		"SourceGroupNonMember": {reason: "An endpoint of another group is refused.", groups: []string{db}, src: "127.0.1.5", port: 5432},
		"PortMismatch":         {reason: "A rule for another port admits nothing here.", groups: []string{db}, src: "127.0.60.1", port: 5432},
		"OtherPort":            {reason: "The same source on the rule's port is admitted.", groups: []string{db}, src: "127.0.60.1", port: 6379, want: true},
		"UDPIsNotTCP":          {reason: "A udp rule admits no TCP connection.", groups: []string{db}, src: "127.0.50.1", port: 5432},
		"AllTraffic":           {reason: "An all-traffic rule admits any port.", groups: []string{open}, src: "127.0.70.9", port: 11211, want: true},
		"AnyGroup":             {reason: "One group of several admitting is enough.", groups: []string{other, db}, src: "127.0.0.1", port: 5432, want: true},
		"DefaultGroupMember":   {reason: "The default group admits its own members.", groups: []string{DefaultSecurityGroupID}, src: "127.0.1.6", port: 5432, want: true},
		"DefaultGroupHost":     {reason: "The default group admits nothing else, the host included.", groups: []string{DefaultSecurityGroupID}, src: "127.0.0.1", port: 5432},
		"NoGroups":             {reason: "No group, no rule: nothing is admitted.", src: "127.0.0.1", port: 5432},
		"UnknownGroup":         {reason: "A group that does not exist has no rules.", groups: []string{"sg-0123456789abcdef0"}, src: "127.0.0.1", port: 5432},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := s.Admits(tc.groups, netip.MustParseAddr(tc.src), tc.port)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}

	// A revoked rule no longer admits.
	if _, err := c.RevokeSecurityGroupIngress(ctx, &awsec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(db), IpPermissions: []types.IpPermission{tcp(5432, 5432, "127.0.0.1/32")}}); err != nil {
		t.Fatalf("RevokeSecurityGroupIngress: %v", err)
	}
	if s.Admits([]string{db}, netip.MustParseAddr("127.0.0.1"), 5432) {
		t.Errorf("Admits after the rule was revoked: want false")
	}
}
