package securitygroup

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
)

func TestWanted(t *testing.T) {
	cases := map[string]struct {
		reason string
		rules  []v1alpha1.Rule
		want   []permission
	}{
		"OnePerSource": {
			reason: "a rule with two CIDRs and a group is three permissions, as EC2 stores them",
			rules: []v1alpha1.Rule{{Protocol: "tcp", FromPort: ptr.To[int32](5432), ToPort: ptr.To[int32](5432),
				CIDRBlocks: []string{"10.0.2.0/24", "10.0.1.0/24"}, SourceSecurityGroupIDs: []string{"sg-0123456789abcdef0"}}},
			want: []permission{
				{protocol: "tcp", from: 5432, to: 5432, cidr: "10.0.1.0/24"},
				{protocol: "tcp", from: 5432, to: 5432, cidr: "10.0.2.0/24"},
				{protocol: "tcp", from: 5432, to: 5432, group: "sg-0123456789abcdef0"},
			},
		},
		"AllProtocolsHaveNoPorts": {
			reason: "-1 covers every port: EC2 reports it without ports",
			rules:  []v1alpha1.Rule{{Protocol: "-1", CIDRBlocks: []string{"0.0.0.0/0"}}},
			want:   []permission{{protocol: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"}},
		},
		"DuplicatesFold": {
			reason: "the same permission written twice is one",
			rules: []v1alpha1.Rule{
				{Protocol: "udp", FromPort: ptr.To[int32](53), ToPort: ptr.To[int32](53), CIDRBlocks: []string{"10.0.0.0/16"}},
				{Protocol: "udp", FromPort: ptr.To[int32](53), ToPort: ptr.To[int32](53), CIDRBlocks: []string{"10.0.0.0/16"}},
			},
			want: []permission{{protocol: "udp", from: 53, to: 53, cidr: "10.0.0.0/16"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, wanted(tc.rules), cmp.AllowUnexported(permission{})); diff != "" {
				t.Errorf("%s\nwanted(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestObservedPermissions(t *testing.T) {
	got := observedPermissions([]types.IpPermission{
		{IpProtocol: aws.String("6"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
		{IpProtocol: aws.String("-1"), Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}, PrefixListIds: []types.PrefixListId{{PrefixListId: aws.String("pl-1")}}},
	})
	want := []permission{
		{protocol: "-1", from: -1, to: -1, cidrV6: "::/0"},
		{protocol: "-1", from: -1, to: -1, prefixList: "pl-1"},
		{protocol: "tcp", from: 443, to: 443, cidr: "10.0.0.0/8"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(permission{})); diff != "" {
		t.Errorf("protocol numbers are named and sources the API cannot write are kept, to be revoked: -want, +got:\n%s", diff)
	}
}

func TestChanges(t *testing.T) {
	keep := permission{protocol: "tcp", from: 5432, to: 5432, cidr: "10.0.1.0/24"}
	add := permission{protocol: "tcp", from: 5432, to: 5432, group: "sg-0123456789abcdef0"}
	stray := permission{protocol: "tcp", from: 22, to: 22, cidr: "0.0.0.0/0"}
	gotAdd, gotRemove := changes([]permission{keep, add}, []permission{keep, stray})
	if diff := cmp.Diff([]permission{add}, gotAdd, cmp.AllowUnexported(permission{})); diff != "" {
		t.Errorf("authorize: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]permission{stray}, gotRemove, cmp.AllowUnexported(permission{})); diff != "" {
		t.Errorf("revoke: -want, +got:\n%s", diff)
	}
}

func TestIPPermissionsRoundTrip(t *testing.T) {
	ps := []permission{
		{protocol: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"},
		{protocol: "icmp", from: 8, to: -1, cidr: "10.0.0.0/8"},
		{protocol: "tcp", from: 6379, to: 6379, group: "sg-0123456789abcdef0"},
	}
	if diff := cmp.Diff(ps, observedPermissions(ipPermissions(ps)), cmp.AllowUnexported(permission{})); diff != "" {
		t.Errorf("what is sent reads back as the same permissions: -want, +got:\n%s", diff)
	}
	if ip := ipPermissions(ps[:1])[0]; ip.FromPort != nil || ip.ToPort != nil {
		t.Errorf("all protocols sent with ports %v-%v; EC2 takes none", ip.FromPort, ip.ToPort)
	}
}

type codeErr string

func (c codeErr) Error() string                 { return string(c) }
func (c codeErr) ErrorCode() string             { return string(c) }
func (c codeErr) ErrorMessage() string          { return string(c) }
func (c codeErr) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

func TestEachFallsBackOnePermissionAtATime(t *testing.T) {
	ps := []permission{
		{protocol: "tcp", from: 1, to: 1, cidr: "10.0.0.0/8"},
		{protocol: "tcp", from: 2, to: 2, cidr: "10.0.0.0/8"},
	}
	cases := map[string]struct {
		reason  string
		answer  func(n int) error
		calls   int
		wantErr bool
	}{
		"AllAtOnce": {reason: "one call adds every permission", answer: func(int) error { return nil }, calls: 1},
		"OneWasThere": {
			reason: "the batch is refused as a duplicate: each permission is sent, the duplicate one taken as done",
			answer: func(n int) error {
				if n == 0 || n == 1 {
					return codeErr("InvalidPermission.Duplicate")
				}
				return nil
			},
			calls: 3,
		},
		"OtherRefusal": {reason: "another refusal is an error at once", answer: func(int) error { return codeErr("InvalidGroup.NotFound") }, calls: 1, wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			n := 0
			err := each(ps, "InvalidPermission.Duplicate", "cannot authorize", func([]types.IpPermission) error {
				defer func() { n++ }()
				return tc.answer(n)
			})
			if n != tc.calls || (err != nil) != tc.wantErr {
				t.Errorf("%s: %d calls, error %v; want %d calls, error %t", tc.reason, n, err, tc.calls, tc.wantErr)
			}
			if tc.wantErr && !errors.As(err, new(codeErr)) {
				t.Errorf("%s: the cloud's error is not kept: %v", tc.reason, err)
			}
		})
	}
}
