package elasticache

import (
	"context"
	"strings"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// deleteReplicationGroup answers "deleting" at once, as ElastiCache does;
// the final snapshot (an RDB file taken from the primary), the nodes' stop
// and the data's removal follow.
func (s *Service) deleteReplicationGroup(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("ReplicationGroupId")
	if err != nil {
		return nil, err
	}
	id := strings.ToLower(raw)
	retain, err := r.Bool("RetainPrimaryCluster")
	if err != nil {
		return nil, err
	}
	if retain != nil && *retain {
		return nil, awsquery.InvalidParameterValue("The local cloud does not support RetainPrimaryCluster: every cluster belongs to a replication group.")
	}
	final, _ := r.String("FinalSnapshotIdentifier")
	if final != "" {
		if err := validateSnapshotName("FinalSnapshotIdentifier", final); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	g, ok := s.groups[id]
	if !ok {
		s.mu.Unlock()
		return nil, errGroupNotFound(raw)
	}
	switch st := s.status(id); {
	case st == statusDeleting:
		s.mu.Unlock()
		return nil, errInvalidState("Replication group %s is already being deleted.", id)
	case st == statusCreateFailed || st == statusFailed:
		// A failed group can go, but has no data to snapshot.
		if final != "" {
			s.mu.Unlock()
			return nil, errInvalidState("Replication group %s is %s - a final snapshot cannot be taken.", id, st)
		}
	case st != statusAvailable:
		s.mu.Unlock()
		return nil, errInvalidState("Replication group %s is %s; it must be available to be deleted.", id, st)
	}
	if final != "" {
		if _, ok := s.snapshots[final]; ok {
			s.mu.Unlock()
			return nil, errSnapshotExists(final)
		}
		s.snapshots[final] = s.newSnapshot(g, final, g.primary().ID, nil)
		g.Snapshot = final
	}
	s.machine.Start(key(id), s.deleteTransition(id))
	out := replicationGroupResult{ReplicationGroup: s.replicationGroupXML(g, s.status(id))}
	s.mu.Unlock()
	s.save()
	return out, nil
}

// createSnapshot backs up a group (or the group of a member cluster): the
// group is "snapshotting" while its primary writes an RDB file, which is
// then copied into the snapshot.
func (s *Service) createSnapshot(_ context.Context, r *awsquery.Request) (any, error) {
	name, err := r.Required("SnapshotName")
	if err != nil {
		return nil, err
	}
	if err := validateSnapshotName("SnapshotName", name); err != nil {
		return nil, err
	}
	groupRaw, byGroup := r.String("ReplicationGroupId")
	clusterRaw, byCluster := r.String("CacheClusterId")
	if byGroup == byCluster {
		return nil, awsquery.InvalidParameterCombination("Specify either ReplicationGroupId or CacheClusterId.")
	}
	tags, err := tagsParam(r)
	if err != nil {
		return nil, err
	}
	out, err := s.startSnapshot(name, strings.ToLower(groupRaw), strings.ToLower(clusterRaw), tags)
	if err != nil {
		return nil, err
	}
	s.save()
	return snapshotResult{Snapshot: out}, nil
}

func (s *Service) startSnapshot(name, groupID, clusterID string, tags []tag) (xmlSnapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, cluster, err := s.snapshotSource(groupID, clusterID)
	if err != nil {
		return xmlSnapshot{}, err
	}
	if st := s.status(g.ID); st != statusAvailable {
		if clusterID != "" {
			return xmlSnapshot{}, awsquery.Errorf(400, "InvalidCacheClusterState", "Cluster %s is %s; it must be available for a snapshot.", cluster, st)
		}
		return xmlSnapshot{}, errInvalidState("Replication group %s is %s; it must be available for a snapshot.", g.ID, st)
	}
	if _, ok := s.snapshots[name]; ok {
		return xmlSnapshot{}, errSnapshotExists(name)
	}
	sn := s.newSnapshot(g, name, cluster, tags)
	s.snapshots[name] = sn
	g.Snapshot = name
	s.machine.Start(key(g.ID), s.snapshotTransition(g.ID))
	return s.snapshotXML(sn), nil
}

// snapshotSource finds the group a snapshot is taken of; s.mu is held.
func (s *Service) snapshotSource(groupID, clusterID string) (*group, string, error) {
	if groupID != "" {
		g, ok := s.groups[groupID]
		if !ok {
			return nil, "", errGroupNotFound(groupID)
		}
		return g, g.primary().ID, nil
	}
	for _, g := range s.groups {
		if g.member(clusterID) != nil {
			return g, clusterID, nil
		}
	}
	return nil, "", errClusterNotFound(clusterID)
}

func (s *Service) newSnapshot(g *group, name, cluster string, tags []tag) *snapshot {
	return &snapshot{
		Name:                    name,
		GroupID:                 g.ID,
		GroupDescription:        g.Description,
		ClusterID:               cluster,
		Status:                  snapshotCreating,
		Source:                  "manual",
		NodeType:                g.NodeType,
		Engine:                  g.Engine,
		EngineVersion:           g.EngineVersion,
		Port:                    g.primary().Port,
		ParameterGroup:          g.ParameterGroup,
		SubnetGroup:             g.SubnetGroup,
		MaintenanceWindow:       g.MaintenanceWindow,
		SnapshotRetentionLimit:  g.SnapshotRetentionLimit,
		SnapshotWindow:          g.SnapshotWindow,
		AutomaticFailover:       g.AutomaticFailover,
		AutoMinorVersionUpgrade: g.AutoMinorVersionUpgrade,
		KmsKeyID:                g.KmsKeyID,
		ClusterCreateTime:       g.primary().CreateTime,
		CreateTime:              time.Now().UTC(),
		Tags:                    tags,
		File:                    snapshotFile(name),
	}
}

func errSnapshotExists(name string) error {
	return awsquery.Errorf(400, "SnapshotAlreadyExistsFault", "Snapshot %s already exists.", name)
}
