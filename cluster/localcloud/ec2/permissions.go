package ec2

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// permissions reads the rules of IpPermissions.N, or of the older
// top-level IpProtocol, FromPort, ToPort and CidrIp; s.mu is held.
func (s *Service) permissions(r *awsquery.Request, groupsMustExist bool) ([]Rule, error) {
	perms := r.Items("IpPermissions")
	if len(perms) == 0 {
		if _, ok := r.String("IpProtocol"); !ok {
			return nil, awsquery.MissingParameter("IpPermissions")
		}
		legacy := &awsquery.Request{Action: r.Action, Params: url.Values{}}
		for _, k := range []string{"IpProtocol", "FromPort", "ToPort"} {
			if v, ok := r.Params[k]; ok {
				legacy.Params[k] = v
			}
		}
		if cidr, ok := r.String("CidrIp"); ok {
			legacy.Params.Set("IpRanges.1.CidrIp", cidr)
		}
		perms = []*awsquery.Request{legacy}
	}
	var out []Rule
	for _, p := range perms {
		rules, err := s.permission(p, groupsMustExist)
		if err != nil {
			return nil, err
		}
		out = append(out, rules...)
	}
	return out, nil
}

// permission reads one IpPermissions.N into a rule per range and group.
func (s *Service) permission(p *awsquery.Request, groupsMustExist bool) ([]Rule, error) {
	raw, err := p.Required("IpProtocol")
	if err != nil {
		return nil, err
	}
	proto, err := protocol(raw)
	if err != nil {
		return nil, err
	}
	from, to, err := ports(p, proto)
	if err != nil {
		return nil, err
	}
	if len(p.Items("Ipv6Ranges")) > 0 {
		return nil, invalidParameterValue("The local cloud has no IPv6: give IpRanges instead of Ipv6Ranges.")
	}
	if len(p.Items("PrefixListIds")) > 0 {
		return nil, invalidParameterValue("The local cloud has no prefix lists: give IpRanges instead of PrefixListIds.")
	}
	ranges, groups := p.Items("IpRanges"), p.Items("Groups")
	if len(ranges)+len(groups) == 0 {
		return nil, awsquery.MissingParameter("IpRanges or Groups")
	}
	var out []Rule
	for _, item := range ranges {
		cidr, err := item.Required("CidrIp")
		if err != nil {
			return nil, err
		}
		if err := checkCIDR(cidr); err != nil {
			return nil, err
		}
		desc, err := description(item)
		if err != nil {
			return nil, err
		}
		out = append(out, Rule{Protocol: proto, FromPort: from, ToPort: to, CIDR: cidr, Description: desc})
	}
	for _, item := range groups {
		id, err := groupIDParam(item)
		if err != nil {
			return nil, err
		}
		if _, ok := s.groups[id]; groupsMustExist && !ok {
			return nil, errGroupNotFound(id)
		}
		desc, err := description(item)
		if err != nil {
			return nil, err
		}
		out = append(out, Rule{Protocol: proto, FromPort: from, ToPort: to, Group: id, Description: desc})
	}
	return out, nil
}

// protocol returns EC2's name for an IP protocol: tcp, udp and icmp by
// name whether sent by name or number, -1 for all, any other by number.
func protocol(v string) (string, error) {
	switch strings.ToLower(v) {
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case "-1":
		return "-1", nil
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 255 {
		return strconv.Itoa(n), nil
	}
	return "", invalidParameterValue("Invalid value '%s' for IP protocol. Unknown protocol.", v)
}

// ports returns the port range of tcp and udp (both ends required, 0 to
// 65535), the ICMP type and code (-1 to 255, -1 when not sent), and -1 for
// the protocols whose ports EC2 ignores.
func ports(p *awsquery.Request, proto string) (from, to int32, err error) {
	f, err := p.Int("FromPort")
	if err != nil {
		return 0, 0, err
	}
	t, err := p.Int("ToPort")
	if err != nil {
		return 0, 0, err
	}
	switch proto {
	case "tcp", "udp":
		if f == nil || t == nil {
			return 0, 0, invalidParameterValue("Invalid value for portRange. Must specify both from and to ports with TCP/UDP.")
		}
		if *f < 0 || *t > 65535 || *f > *t {
			return 0, 0, invalidParameterValue("Invalid value for portRange: %d-%d. Ports are 0 to 65535 and FromPort is at most ToPort.", *f, *t)
		}
		return *f, *t, nil
	case "icmp":
		from, to = -1, -1
		if f != nil {
			from = *f
		}
		if t != nil {
			to = *t
		}
		if from < -1 || from > 255 || to < -1 || to > 255 {
			return 0, 0, invalidParameterValue("Invalid value for portRange: ICMP type %d and code %d must be -1 to 255.", from, to)
		}
		return from, to, nil
	}
	return -1, -1, nil
}

// checkCIDR accepts an IPv4 range written as its network address, so
// that a rule has one spelling to authorize and revoke.
func checkCIDR(cidr string) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return invalidParameterValue("Value (%s) for parameter cidrIp is invalid. This is not a valid CIDR block.", cidr)
	}
	if p != p.Masked() {
		return invalidParameterValue("Value (%s) for parameter cidrIp is invalid. Write the range as %s.", cidr, p.Masked())
	}
	return nil
}

func description(item *awsquery.Request) (string, error) {
	desc, _ := item.String("Description")
	return desc, validName("Description", desc)
}
