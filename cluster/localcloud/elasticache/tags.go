package elasticache

import (
	"context"
	"slices"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// tagsOf returns a pointer to the tags of the resource an ARN names; s.mu
// is held. Unknown resources answer the not-found error of their kind, as
// ElastiCache does.
func (s *Service) tagsOf(r *awsquery.Request) (*[]tag, error) {
	arn, err := r.Required("ResourceName")
	if err != nil {
		return nil, err
	}
	f := strings.SplitN(arn, ":", 7)
	if len(f) != 7 || f[0] != "arn" || f[2] != "elasticache" || f[6] == "" {
		return nil, awsquery.Errorf(400, "InvalidARN", "The ARN %s is not a valid ElastiCache ARN.", arn)
	}
	kind, id, local := f[5], f[6], f[3] == s.cfg.Region && f[4] == s.cfg.Account
	switch kind {
	case "replicationgroup":
		if g, ok := s.groups[strings.ToLower(id)]; ok && local {
			return &g.Tags, nil
		}
		return nil, errGroupNotFound(id)
	case "cluster":
		for _, g := range s.groups {
			if m := g.member(strings.ToLower(id)); m != nil && local {
				return &m.Tags, nil
			}
		}
		return nil, errClusterNotFound(id)
	case "snapshot":
		if sn, ok := s.snapshots[id]; ok && local {
			return &sn.Tags, nil
		}
		return nil, errSnapshotNotFound(id)
	case "subnetgroup":
		if sg, ok := s.subnetGroups[strings.ToLower(id)]; ok && local {
			return &sg.Tags, nil
		}
		return nil, errSubnetGroupNotFound(id)
	}
	return nil, awsquery.Errorf(400, "InvalidARN", "The local cloud does not tag %s resources: %s", kind, arn)
}

func (s *Service) addTagsToResource(_ context.Context, r *awsquery.Request) (any, error) {
	add, err := tagsParam(r)
	if err != nil {
		return nil, err
	}
	return s.editTags(r, func(t []tag) ([]tag, error) { return setTags(t, add), nil })
}

// removeTagsFromResource refuses keys the resource does not have with
// TagNotFound, as ElastiCache does.
func (s *Service) removeTagsFromResource(_ context.Context, r *awsquery.Request) (any, error) {
	keys := r.List("TagKeys.member")
	return s.editTags(r, func(t []tag) ([]tag, error) {
		for _, k := range keys {
			if !slices.ContainsFunc(t, func(x tag) bool { return x.Key == k }) {
				return nil, awsquery.Errorf(404, "TagNotFound", "The tag %s was not found on the resource.", k)
			}
		}
		return slices.DeleteFunc(slices.Clone(t), func(x tag) bool { return slices.Contains(keys, x.Key) }), nil
	})
}

// editTags changes a resource's tags and answers them all.
func (s *Service) editTags(r *awsquery.Request, edit func([]tag) ([]tag, error)) (any, error) {
	s.mu.Lock()
	tags, err := s.tagsOf(r)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	next, err := edit(*tags)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if len(next) > maxTags {
		s.mu.Unlock()
		return nil, errTagQuota()
	}
	*tags = next
	out := tagListResult{TagList: tagsXML(next)}
	s.mu.Unlock()
	s.save()
	return out, nil
}

func (s *Service) listTagsForResource(_ context.Context, r *awsquery.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, err := s.tagsOf(r)
	if err != nil {
		return nil, err
	}
	return tagListResult{TagList: tagsXML(*tags)}, nil
}
