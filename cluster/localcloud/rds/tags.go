package rds

import (
	"context"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// tagsOf returns a pointer to the tags of the resource an ARN names; s.mu
// is held. Unknown resources answer the not-found error of their kind, as
// RDS does.
func (s *Service) tagsOf(r *awsquery.Request) (*[]tag, error) {
	arn, err := r.Required("ResourceName")
	if err != nil {
		return nil, err
	}
	kind, id, local, err := s.parseARN(arn)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "db":
		if in, ok := s.instances[id]; ok && local {
			return &in.Tags, nil
		}
		return nil, errInstanceNotFound(id)
	case "snapshot":
		if sn, ok := s.snapshots[id]; ok && local {
			return &sn.Tags, nil
		}
		return nil, errSnapshotNotFound(id)
	case "subgrp":
		if g, ok := s.subnetGroups[id]; ok && local {
			return &g.Tags, nil
		}
		return nil, errSubnetGroupNotFound(id)
	}
	return nil, awsquery.InvalidParameterValue("The local cloud does not tag %s resources: %s", kind, arn)
}

func (s *Service) addTagsToResource(_ context.Context, r *awsquery.Request) (any, error) {
	add, err := tagsParam(r)
	if err != nil {
		return nil, err
	}
	if err := s.editTags(r, func(t []tag) []tag { return setTags(t, add) }); err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) removeTagsFromResource(_ context.Context, r *awsquery.Request) (any, error) {
	keys := r.List("TagKeys.member")
	if err := s.editTags(r, func(t []tag) []tag { return removeTags(t, keys) }); err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) editTags(r *awsquery.Request, edit func([]tag) []tag) error {
	s.mu.Lock()
	tags, err := s.tagsOf(r)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	next := edit(*tags)
	if len(next) > 50 {
		s.mu.Unlock()
		return awsquery.InvalidParameterValue("A resource can have at most 50 tags.")
	}
	*tags = next
	s.mu.Unlock()
	s.save()
	return nil
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
