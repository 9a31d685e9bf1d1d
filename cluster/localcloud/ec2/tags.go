package ec2

import (
	"context"
	"slices"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

type tag struct{ Key, Value string }

// maxTags is EC2's limit of tags per resource.
const maxTags = 50

// tagSpecifications reads the tags of TagSpecification.N for a resource
// being created, whose type must be the one created.
func tagSpecifications(r *awsquery.Request, resourceType string) ([]tag, error) {
	var out []tag
	for _, spec := range r.Items("TagSpecification") {
		typ, _ := spec.String("ResourceType")
		if typ != resourceType {
			return nil, invalidParameterValue("'%s' is not a valid taggable resource type for this operation.", typ)
		}
		params, err := tagsParam(spec)
		if err != nil {
			return nil, err
		}
		if out, err = setTags(out, params); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tagParam is one Tag.N; Value is nil when it was not sent: CreateTags
// then stores "", DeleteTags removes the key whatever its value.
type tagParam struct {
	Key   string
	Value *string
}

// tagsParam reads Tag.N.Key and Tag.N.Value.
func tagsParam(r *awsquery.Request) ([]tagParam, error) {
	var out []tagParam
	for _, item := range r.Items("Tag") {
		key, _ := item.String("Key")
		p := tagParam{Key: key}
		if v, sent := item.String("Value"); sent {
			p.Value = &v
		}
		switch {
		case key == "":
			return nil, awsquery.MissingParameter("Tag.Key")
		case len(key) > 128:
			return nil, invalidParameterValue("Tag key exceeds the maximum length of 128 characters")
		case p.Value != nil && len(*p.Value) > 256:
			return nil, invalidParameterValue("Tag value exceeds the maximum length of 256 characters")
		}
		out = append(out, p)
	}
	return out, nil
}

// setTags adds or replaces tags; keys starting with aws: are AWS's own.
func setTags(tags []tag, add []tagParam) ([]tag, error) {
	out := append([]tag(nil), tags...)
	for _, a := range add {
		if strings.HasPrefix(strings.ToLower(a.Key), "aws:") {
			return nil, invalidParameterValue("Value ( %s ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use", a.Key)
		}
		value := ""
		if a.Value != nil {
			value = *a.Value
		}
		i := slices.IndexFunc(out, func(t tag) bool { return t.Key == a.Key })
		if i < 0 {
			out = append(out, tag{a.Key, value})
			continue
		}
		out[i].Value = value
	}
	if len(out) > maxTags {
		return nil, errTagLimit()
	}
	return out, nil
}

// removeTags drops the tags remove names: by key when sent without a
// value, by key and value otherwise. No tags at all means every tag, as
// DeleteTags without Tag.N does.
func removeTags(tags []tag, remove []tagParam) []tag {
	if len(remove) == 0 {
		return nil
	}
	return slices.DeleteFunc(append([]tag(nil), tags...), func(t tag) bool {
		return slices.ContainsFunc(remove, func(r tagParam) bool {
			return r.Key == t.Key && (r.Value == nil || *r.Value == t.Value)
		})
	})
}

func (s *Service) createTags(_ context.Context, r *awsquery.Request) (any, error) {
	add, err := tagsParam(r)
	if err != nil {
		return nil, err
	}
	if len(add) == 0 {
		return nil, awsquery.MissingParameter("Tag")
	}
	return s.editTags(r, func(t []tag) ([]tag, error) { return setTags(t, add) })
}

func (s *Service) deleteTags(_ context.Context, r *awsquery.Request) (any, error) {
	remove, err := tagsParam(r)
	if err != nil {
		return nil, err
	}
	return s.editTags(r, func(t []tag) ([]tag, error) { return removeTags(t, remove), nil })
}

// editTags applies edit to the tags of every ResourceId.N, or to none when
// one of them cannot be tagged, as EC2 checks them all first.
func (s *Service) editTags(r *awsquery.Request, edit func([]tag) ([]tag, error)) (any, error) {
	ids := r.List("ResourceId")
	if len(ids) == 0 {
		return nil, awsquery.MissingParameter("ResourceId")
	}
	s.mu.Lock()
	next := make(map[*group][]tag, len(ids))
	for _, id := range ids {
		g, err := s.taggable(id)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		tags, err := edit(g.Tags)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		next[g] = tags
	}
	for g, tags := range next {
		g.Tags = tags
	}
	s.mu.Unlock()
	s.save()
	return returnResult{Return: true}, nil
}

// taggable returns the group id names; s.mu is held. The network is the
// same in every local cloud, so its tags do not change.
func (s *Service) taggable(id string) (*group, error) {
	switch {
	case strings.HasPrefix(id, "sg-"):
		g, ok := s.groups[id]
		if !ok {
			return nil, errGroupNotFound(id)
		}
		return g, nil
	case id == s.network.VPC.ID:
		return nil, awsquery.Errorf(400, "UnsupportedOperation", "The local cloud's VPC %s keeps its tags; only security groups are tagged.", id)
	case strings.HasPrefix(id, "vpc-"):
		return nil, errVpcNotFound(id)
	case strings.HasPrefix(id, "subnet-"):
		if _, _, _, ok := s.Subnet(id); ok {
			return nil, awsquery.Errorf(400, "UnsupportedOperation", "The local cloud's subnet %s keeps its tags; only security groups are tagged.", id)
		}
		return nil, errSubnetNotFound(id)
	}
	return nil, awsquery.Errorf(400, "InvalidID", "The ID '%s' is not valid", id)
}

func errTagLimit() error {
	return awsquery.Errorf(400, "TagLimitExceeded", "The maximum number of tags for a resource has been reached: %d.", maxTags)
}

// tagsXML returns nil for no tags, as EC2 leaves tagSet out then.
func tagsXML(tags []tag) *set[xmlTag] {
	if len(tags) == 0 {
		return nil
	}
	out := &set[xmlTag]{}
	for _, t := range tags {
		out.Items = append(out.Items, xmlTag{Key: t.Key, Value: t.Value})
	}
	return out
}
