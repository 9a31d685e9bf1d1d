package ec2

import (
	"slices"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// filter is one Filter.N of a Describe call: the resource passes when one
// of the values matches.
type filter struct {
	name   string
	values []string
}

// filters reads Filter.N.Name and Filter.N.Value.M. Besides the names an
// action knows, every action takes tag:<key> and tag-key, as EC2's do; any
// other name is refused rather than ignored, so a misspelt filter does not
// quietly match everything.
func filters(r *awsquery.Request, known ...string) ([]filter, error) {
	var out []filter
	for _, item := range r.Items("Filter") {
		name, _ := item.String("Name")
		if name == "" {
			return nil, awsquery.MissingParameter("Filter.Name")
		}
		if !strings.HasPrefix(name, "tag:") && name != "tag-key" && !slices.Contains(known, name) {
			return nil, invalidParameterValue("The filter '%s' is invalid", name)
		}
		out = append(out, filter{name: name, values: item.List("Value")})
	}
	return out, nil
}

// matches reports whether a resource passes every filter. attrs holds the
// resource's values by filter name.
func matches(fs []filter, attrs map[string][]string, tags []tag) bool {
	for _, f := range fs {
		var have []string
		switch {
		case strings.HasPrefix(f.name, "tag:"):
			for _, t := range tags {
				if t.Key == strings.TrimPrefix(f.name, "tag:") {
					have = append(have, t.Value)
				}
			}
		case f.name == "tag-key":
			for _, t := range tags {
				have = append(have, t.Key)
			}
		default:
			have = attrs[f.name]
		}
		if !anyMatch(f.values, have) {
			return false
		}
	}
	return true
}

func anyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if glob(p, v) {
				return true
			}
		}
	}
	return false
}

// glob matches EC2's filter wildcards: * any run of characters, ? one.
// path.Match will not do: it stops * at the slash of a CIDR.
func glob(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if glob(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			s = s[1:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			s = s[1:]
		}
		pattern = pattern[1:]
	}
	return s == ""
}
