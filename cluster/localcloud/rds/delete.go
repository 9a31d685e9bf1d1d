package rds

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// deleteDBInstance refuses what RDS refuses (deletion protection, a final
// snapshot that cannot be taken) and otherwise answers "deleting"; the
// final snapshot, the engine's stop and the data's removal follow.
func (s *Service) deleteDBInstance(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("DBInstanceIdentifier")
	if err != nil {
		return nil, err
	}
	id := strings.ToLower(raw)
	skip, err := r.Bool("SkipFinalSnapshot")
	if err != nil {
		return nil, err
	}
	final, _ := r.String("FinalDBSnapshotIdentifier")
	skipping := skip != nil && *skip
	switch {
	case skipping && final != "":
		return nil, awsquery.InvalidParameterCombination("FinalDBSnapshotIdentifier can not be specified when deleting a DB instance with SkipFinalSnapshot enabled.")
	case !skipping && final == "":
		return nil, awsquery.InvalidParameterCombination("FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
	case final != "":
		if final, err = identifier("FinalDBSnapshotIdentifier", final); err != nil {
			return nil, err
		}
	}

	s.mu.Lock()
	in, ok := s.instances[id]
	if !ok {
		s.mu.Unlock()
		return nil, errInstanceNotFound(raw)
	}
	if err := s.checkDeletable(in, final); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if final != "" {
		s.snapshots[final] = s.newSnapshot(in, final)
		in.FinalSnapshot = final
	}
	s.machine.Start(key(id), s.deleteTransition(id, s.status(id) == statusStopped))
	out := dbInstanceResult{DBInstance: s.dbInstanceXML(in, s.status(id))}
	s.mu.Unlock()
	s.save()
	return out, nil
}

// snapshotStates are the statuses a final snapshot can be taken in.
var snapshotStates = []string{statusAvailable, statusBackingUp, statusStopped, statusStorageFull, statusStorageOptimization}

// checkDeletable applies RDS's rules; s.mu is held.
func (s *Service) checkDeletable(in *instance, final string) error {
	if in.DeletionProtection {
		return awsquery.InvalidParameterCombination("Cannot delete protected DB Instance, please disable deletion protection and try again.")
	}
	status := s.status(in.ID)
	if status == statusDeleting {
		return errInvalidState("Instance %s is already being deleted.", in.ID)
	}
	// A busy or failed instance can go only without a final snapshot: there
	// is no consistent database to dump. A stopped one, or one that serves
	// while its storage is full or optimised, can.
	if final != "" && !slices.Contains(snapshotStates, status) {
		return errInvalidState("Instance %s is currently %s - a final snapshot cannot be taken.", in.ID, status)
	}
	if _, ok := s.snapshots[final]; ok && final != "" {
		return awsquery.Errorf(400, "DBSnapshotAlreadyExists", "Cannot create the snapshot because a snapshot with the identifier %s already exists.", final)
	}
	return nil
}

func (s *Service) newSnapshot(in *instance, id string) *snapshot {
	sn := &snapshot{
		ID:                 id,
		InstanceID:         in.ID,
		ResourceID:         in.ResourceID,
		Engine:             in.Engine,
		EngineVersion:      in.EngineVersion,
		AllocatedStorage:   in.AllocatedStorage,
		MasterUsername:     in.MasterUsername,
		Port:               in.Port,
		AvailabilityZone:   in.AvailabilityZone,
		StorageType:        in.StorageType,
		Encrypted:          in.StorageEncrypted,
		KmsKeyID:           in.KmsKeyID,
		InstanceCreateTime: in.CreateTime,
		CreateTime:         time.Now().UTC(),
		Status:             snapshotStatusCreating,
		Type:               "manual",
		File:               filepath.Join("snapshots", id+".dump"),
	}
	if in.CopyTagsToSnapshot {
		sn.Tags = append([]tag(nil), in.Tags...)
	}
	return sn
}
