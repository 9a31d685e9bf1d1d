package rds

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// SnapshotFile returns where snapshot id's dump is (or will be) written.
func (s *Service) SnapshotFile(id string) string {
	return filepath.Join(s.cfg.DataDir, "snapshots", strings.ToLower(id)+".dump")
}

// describeDBSnapshots lists snapshots by snapshot id, instance id and type.
func (s *Service) describeDBSnapshots(_ context.Context, r *awsquery.Request) (any, error) {
	snapID, bySnap := r.String("DBSnapshotIdentifier")
	instID, byInst := r.String("DBInstanceIdentifier")
	typ, byType := r.String("SnapshotType")
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*snapshot
	for _, sn := range s.snapshots {
		switch {
		case bySnap && sn.ID != strings.ToLower(snapID):
		case byInst && sn.InstanceID != s.instanceID(instID):
		case byType && typ != "" && sn.Type != typ:
		default:
			list = append(list, sn)
		}
	}
	if bySnap && len(list) == 0 {
		return nil, errSnapshotNotFound(snapID)
	}
	list, next, err := page(r, list, func(sn *snapshot) string { return sn.ID })
	if err != nil {
		return nil, err
	}
	out := describeDBSnapshotsResult{Marker: next}
	for _, sn := range list {
		out.DBSnapshots = append(out.DBSnapshots, s.dbSnapshotXML(sn))
	}
	return out, nil
}
