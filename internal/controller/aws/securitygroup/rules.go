package securitygroup

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"k8s.io/utils/ptr"

	"github.com/appinfra/provider-appinfra/apis/aws/ec2/v1alpha1"
)

// A permission is one thing a security group allows: a protocol and port
// range from (or to) one source. EC2 stores rules this way; a rule of the
// spec with three CIDR blocks is three permissions. Comparing permissions
// makes the comparison indifferent to how rules are grouped and ordered.
type permission struct {
	protocol string
	from, to int32
	// One of these is set: the source.
	cidr, cidrV6, group, prefixList string
}

func (p permission) String() string {
	src := cmp.Or(p.cidr, p.cidrV6, p.group, p.prefixList)
	if p.protocol == allProtocols {
		return "all traffic " + src
	}
	return fmt.Sprintf("%s %d-%d %s", p.protocol, p.from, p.to, src)
}

// allProtocols is EC2's protocol for every protocol and port.
const allProtocols = "-1"

// protocolNames are the names EC2 answers for the protocols the API
// accepts, should a rule made elsewhere use their numbers.
var protocolNames = map[string]string{"6": "tcp", "17": "udp", "1": "icmp"}

// ports normalises a protocol's port range: all protocols and a port-less
// icmp rule cover every port (-1), which EC2 reports without ports.
func ports(protocol string, from, to *int32) (int32, int32) {
	if protocol == allProtocols {
		return -1, -1
	}
	return ptr.Deref(from, -1), ptr.Deref(to, -1)
}

// wanted lists the permissions of a spec's rules, whose references have
// been resolved into sourceSecurityGroupIDs.
func wanted(rules []v1alpha1.Rule) []permission {
	var out []permission
	for _, r := range rules {
		from, to := ports(r.Protocol, r.FromPort, r.ToPort)
		base := permission{protocol: r.Protocol, from: from, to: to}
		for _, c := range r.CIDRBlocks {
			p := base
			p.cidr = c
			out = append(out, p)
		}
		for _, g := range r.SourceSecurityGroupIDs {
			p := base
			p.group = g
			out = append(out, p)
		}
	}
	return sorted(out)
}

// observedPermissions lists what EC2 reports, every kind of source
// included: a source the API cannot express (IPv6, a prefix list) is
// still a permission that is not wanted.
func observedPermissions(in []types.IpPermission) []permission {
	var out []permission
	for _, ip := range in {
		proto := aws.ToString(ip.IpProtocol)
		if n, ok := protocolNames[proto]; ok {
			proto = n
		}
		from, to := ports(proto, ip.FromPort, ip.ToPort)
		base := permission{protocol: proto, from: from, to: to}
		for _, r := range ip.IpRanges {
			p := base
			p.cidr = aws.ToString(r.CidrIp)
			out = append(out, p)
		}
		for _, r := range ip.Ipv6Ranges {
			p := base
			p.cidrV6 = aws.ToString(r.CidrIpv6)
			out = append(out, p)
		}
		for _, g := range ip.UserIdGroupPairs {
			p := base
			p.group = aws.ToString(g.GroupId)
			out = append(out, p)
		}
		for _, l := range ip.PrefixListIds {
			p := base
			p.prefixList = aws.ToString(l.PrefixListId)
			out = append(out, p)
		}
	}
	return sorted(out)
}

func sorted(ps []permission) []permission {
	slices.SortFunc(ps, func(a, b permission) int { return cmp.Compare(a.String(), b.String()) })
	return slices.Compact(ps)
}

// changes are the permissions to authorize (wanted, missing) and to
// revoke (present, not wanted).
func changes(want, got []permission) (authorize, revoke []permission) {
	for _, p := range want {
		if !slices.Contains(got, p) {
			authorize = append(authorize, p)
		}
	}
	for _, p := range got {
		if !slices.Contains(want, p) {
			revoke = append(revoke, p)
		}
	}
	return authorize, revoke
}

// ipPermissions turns permissions into EC2's form, one IpPermission each:
// a call then adds or removes exactly these, nothing grouped with them.
func ipPermissions(ps []permission) []types.IpPermission {
	out := make([]types.IpPermission, 0, len(ps))
	for _, p := range ps {
		ip := types.IpPermission{IpProtocol: aws.String(p.protocol)}
		if p.protocol != allProtocols {
			ip.FromPort, ip.ToPort = aws.Int32(p.from), aws.Int32(p.to)
		}
		switch {
		case p.cidr != "":
			ip.IpRanges = []types.IpRange{{CidrIp: aws.String(p.cidr)}}
		case p.cidrV6 != "":
			ip.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: aws.String(p.cidrV6)}}
		case p.group != "":
			ip.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String(p.group)}}
		case p.prefixList != "":
			ip.PrefixListIds = []types.PrefixListId{{PrefixListId: aws.String(p.prefixList)}}
		}
		out = append(out, ip)
	}
	return out
}
