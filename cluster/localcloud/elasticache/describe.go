package elasticache

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// describeReplicationGroups lists groups, one or all, a page at a time.
func (s *Service) describeReplicationGroups(_ context.Context, r *awsquery.Request) (any, error) {
	raw, one := r.String("ReplicationGroupId")
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*group
	for _, g := range s.groups {
		if !one || g.ID == strings.ToLower(raw) {
			list = append(list, g)
		}
	}
	if one && len(list) == 0 {
		return nil, errGroupNotFound(raw)
	}
	list, next, err := page(r, 100, list, func(g *group) string { return g.ID })
	if err != nil {
		return nil, err
	}
	out := describeReplicationGroupsResult{Marker: next}
	for _, g := range list {
		out.ReplicationGroups = append(out.ReplicationGroups, s.replicationGroupXML(g, s.status(g.ID)))
	}
	return out, nil
}

// describeCacheClusters lists the member clusters, one or all; every
// cluster of the local cloud belongs to a replication group. CacheNodes
// (with the endpoints) come only with ShowCacheNodeInfo, as on ElastiCache.
func (s *Service) describeCacheClusters(_ context.Context, r *awsquery.Request) (any, error) {
	raw, one := r.String("CacheClusterId")
	nodes, err := r.Bool("ShowCacheNodeInfo")
	if err != nil {
		return nil, err
	}
	outside, err := r.Bool("ShowCacheClustersNotInReplicationGroups")
	if err != nil {
		return nil, err
	}
	type pair struct {
		g *group
		m *member
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []pair
	for _, g := range s.groups {
		for _, m := range g.Members {
			if !one || m.ID == strings.ToLower(raw) {
				list = append(list, pair{g, m})
			}
		}
	}
	if outside != nil && *outside {
		list = nil
	}
	if one && len(list) == 0 {
		return nil, errClusterNotFound(raw)
	}
	list, next, err := page(r, 100, list, func(p pair) string { return p.m.ID })
	if err != nil {
		return nil, err
	}
	out := describeCacheClustersResult{Marker: next}
	for _, p := range list {
		out.CacheClusters = append(out.CacheClusters, s.cacheClusterXML(p.g, p.m, s.status(p.g.ID), nodes != nil && *nodes))
	}
	return out, nil
}

// describeSnapshots lists snapshots by name, group, cluster and source.
func (s *Service) describeSnapshots(_ context.Context, r *awsquery.Request) (any, error) {
	name, byName := r.String("SnapshotName")
	groupID, byGroup := r.String("ReplicationGroupId")
	clusterID, byCluster := r.String("CacheClusterId")
	source, bySource := r.String("SnapshotSource")
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*snapshot
	for _, sn := range s.snapshots {
		switch {
		case byName && sn.Name != name:
		case byGroup && sn.GroupID != strings.ToLower(groupID):
		case byCluster && sn.ClusterID != strings.ToLower(clusterID):
		case bySource && source != "" && sn.Source != source:
		default:
			list = append(list, sn)
		}
	}
	if byName && len(list) == 0 {
		return nil, errSnapshotNotFound(name)
	}
	list, next, err := page(r, 50, list, func(sn *snapshot) string { return sn.Name })
	if err != nil {
		return nil, err
	}
	out := describeSnapshotsResult{Marker: next}
	for _, sn := range list {
		out.Snapshots = append(out.Snapshots, s.snapshotXML(sn))
	}
	return out, nil
}

// page returns the page of items (sorted by id) that Marker starts, and
// the Marker of the next page. MaxRecords is 20 to max, max by default, as
// on ElastiCache. A marker is the opaque form of the first id of its page,
// so pages stay consistent while items come and go.
func page[T any](r *awsquery.Request, max int, items []T, id func(T) string) ([]T, string, error) {
	limit := max
	n, err := r.Int("MaxRecords")
	if err != nil {
		return nil, "", err
	}
	if n != nil {
		if *n < 20 || int(*n) > max {
			return nil, "", awsquery.InvalidParameterValue("Invalid value %d for MaxRecords. Must be between 20 and %d", *n, max)
		}
		limit = int(*n)
	}
	sort.Slice(items, func(i, j int) bool { return id(items[i]) < id(items[j]) })
	start := 0
	if m, ok := r.String("Marker"); ok && m != "" {
		from, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil {
			return nil, "", awsquery.InvalidParameterValue("Invalid Marker: %s", m)
		}
		start = sort.Search(len(items), func(i int) bool { return id(items[i]) >= string(from) })
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(id(items[end])))
	}
	return items[start:end], next, nil
}
