// Package awsquery speaks the wire side of the AWS Query protocol that RDS
// and ElastiCache use, and of its EC2 dialect: it decodes form-encoded
// requests (Action, Version and flattened parameters such as Tags.Tag.1.Key
// or EC2's IpPermissions.1.IpRanges.1.CidrIp) and writes the XML result and
// error documents aws-sdk-go-v2 deserialises. It knows nothing of any one
// service, so each service only declares its namespace, its protocol and
// its actions.
package awsquery

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Request is one decoded Query call.
type Request struct {
	Action  string
	Version string
	// Params holds every parameter except Action and Version.
	Params url.Values
}

// Decode merges the URL query and the form body, as the Query protocol
// allows both (the SDK always POSTs a form).
func Decode(query url.Values, body []byte) (*Request, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, Errorf(400, "MalformedQueryString", "cannot parse the request body: %v", err)
	}
	for k, v := range query {
		form[k] = append(form[k], v...)
	}
	r := &Request{Action: form.Get("Action"), Version: form.Get("Version"), Params: form}
	delete(form, "Action")
	delete(form, "Version")
	if r.Action == "" {
		return nil, Errorf(400, "MissingAction", "Could not find operation to perform.")
	}
	return r, nil
}

// String returns a scalar parameter and whether it was sent.
func (r *Request) String(name string) (string, bool) {
	v, ok := r.Params[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// Required returns a scalar parameter or a MissingParameter error.
func (r *Request) Required(name string) (string, error) {
	v, ok := r.String(name)
	if !ok || v == "" {
		return "", MissingParameter(name)
	}
	return v, nil
}

// Bool returns a boolean parameter; nil when it was not sent.
func (r *Request) Bool(name string) (*bool, error) {
	v, ok := r.String(name)
	if !ok {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, InvalidParameterValue("Invalid boolean value %q for parameter %s", v, name)
	}
	return &b, nil
}

// Int returns an integer parameter; nil when it was not sent.
func (r *Request) Int(name string) (*int32, error) {
	v, ok := r.String(name)
	if !ok {
		return nil, nil
	}
	i, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return nil, InvalidParameterValue("Invalid integer value %q for parameter %s", v, name)
	}
	n := int32(i)
	return &n, nil
}

// List returns a flattened list such as VpcSecurityGroupIds.VpcSecurityGroupId.N
// (prefix "VpcSecurityGroupIds.VpcSecurityGroupId") or TagKeys.member.N, in
// index order. Indexes start at 1 and the SDK never leaves gaps, but sorting
// by index keeps hand-written requests working too.
func (r *Request) List(prefix string) []string {
	var out []indexed[string]
	for k, v := range r.Params {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok || len(v) == 0 {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil {
			continue
		}
		out = append(out, indexed[string]{n, v[0]})
	}
	return values(out)
}

// Structs returns a flattened list of structures such as Tags.Tag.N.Key and
// Tags.Tag.N.Value (prefix "Tags.Tag"), each as a map of member to value.
func (r *Request) Structs(prefix string) []map[string]string {
	byIndex := map[int]map[string]string{}
	for k, v := range r.Params {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok || len(v) == 0 {
			continue
		}
		idx, member, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(idx)
		if err != nil {
			continue
		}
		if byIndex[n] == nil {
			byIndex[n] = map[string]string{}
		}
		byIndex[n][member] = v[0]
	}
	out := make([]indexed[map[string]string], 0, len(byIndex))
	for n, m := range byIndex {
		out = append(out, indexed[map[string]string]{n, m})
	}
	return values(out)
}

// Items returns a flattened list of structures whose members may be lists
// themselves, such as EC2's IpPermissions.N.IpRanges.M.CidrIp (prefix
// "IpPermissions"): one Request per index, in index order, whose Params are
// that item's members with "IpPermissions.N." cut off, so the item's own
// lists are read with Items, List and the scalar getters again.
func (r *Request) Items(prefix string) []*Request {
	byIndex := map[int]*Request{}
	for k, v := range r.Params {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		idx, member, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(idx)
		if err != nil {
			continue
		}
		if byIndex[n] == nil {
			byIndex[n] = &Request{Action: r.Action, Version: r.Version, Params: url.Values{}}
		}
		byIndex[n].Params[member] = v
	}
	out := make([]indexed[*Request], 0, len(byIndex))
	for n, item := range byIndex {
		out = append(out, indexed[*Request]{n, item})
	}
	return values(out)
}

type indexed[T any] struct {
	n int
	v T
}

func values[T any](in []indexed[T]) []T {
	sort.Slice(in, func(i, j int) bool { return in[i].n < in[j].n })
	if len(in) == 0 {
		return nil
	}
	out := make([]T, len(in))
	for i := range in {
		out[i] = in[i].v
	}
	return out
}
