package rds

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
)

// createTransition: creating (the engine starts) -> backing-up -> available.
// fresh wipes whatever an earlier instance of the same name left behind.
func (s *Service) createTransition(id string, fresh bool) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{
			{State: statusCreating, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
				if fresh {
					if err := os.RemoveAll(s.instanceDir(id)); err != nil {
						return err
					}
				}
				return s.startEngine(ctx, id)
			}},
			{State: statusBackingUp, Hold: s.cfg.Delay},
		},
		Final:   statusAvailable,
		Failed:  statusFailed,
		OnError: s.logFailure(id, "create"),
	}
}

// startEngine runs the instance's engine, records its endpoint and opens
// its gate.
func (s *Service) startEngine(ctx context.Context, id string) error {
	s.mu.Lock()
	in, ok := s.instances[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("instance %s is gone", id)
	}
	engine := in.Engine
	spec := engines.Spec{Dir: s.instanceDir(id), Port: int(in.Port), MasterUsername: in.MasterUsername, MasterPassword: in.initialPassword, DBName: in.DBName}
	s.mu.Unlock()

	port, err := s.cfg.Engines.Start(ctx, key(id), engine, spec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	in.Port = int32(port)
	in.initialPassword = ""
	if in.CreateTime == nil {
		now := time.Now().UTC()
		in.CreateTime = &now
	}
	s.mu.Unlock()
	s.save()
	return s.openGate(id)
}

// modifyTransition applies in.Applying and a new password, then
// available; after a storage change, storage-optimization first. A new
// port or engine version restarts the engine. An instance out of storage
// stays so unless storage was added.
func (s *Service) modifyTransition(id, status string, optimize bool) lifecycle.Transition {
	final := statusAvailable
	if s.status(id) == statusStorageFull && !optimize {
		final = statusStorageFull
	}
	// s.mu is held by the callers that change an instance (restore runs
	// before anything is served).
	hold := s.cfg.Delay
	if in, ok := s.instances[id]; ok && in.newPassword != "" {
		hold = max(hold, s.cfg.ResetDelay)
	}
	steps := []lifecycle.Step{{State: status, Hold: hold, Do: func(ctx context.Context) error {
		s.mu.Lock()
		in, ok := s.instances[id]
		if !ok {
			s.mu.Unlock()
			return fmt.Errorf("instance %s is gone", id)
		}
		user, password, port := in.MasterUsername, in.newPassword, in.Applying.Port
		upgrade := in.Applying.EngineVersion != nil && *in.Applying.EngineVersion != in.EngineVersion
		s.mu.Unlock()
		if port != nil || upgrade {
			if err := s.restartEngine(ctx, id, port); err != nil {
				return err
			}
		}
		if password != "" {
			if err := s.cfg.Engines.SetPassword(ctx, key(id), user, password); err != nil {
				return err
			}
		}
		s.mu.Lock()
		apply(in, in.Applying)
		in.Applying = values{}
		if in.newPassword == password {
			in.newPassword = ""
		}
		s.mu.Unlock()
		return nil
	}}}
	if optimize {
		steps = append(steps, s.optimizationStep())
	}
	return lifecycle.Transition{Steps: steps, Final: final, Failed: statusFailed, OnError: s.logFailure(id, "modify")}
}

// optimizationStep is storage-optimization: the instance serves normally
// while RDS reorganises its storage, and refuses another storage change.
func (s *Service) optimizationStep() lifecycle.Step {
	hold := s.cfg.OptimizationDelay
	if hold == 0 {
		hold = s.cfg.Delay
	}
	return lifecycle.Step{State: statusStorageOptimization, Hold: hold}
}

// restartEngine stops the engine and starts it again, on a new port if
// one is given, as RDS reboots an instance whose port or version changes.
func (s *Service) restartEngine(ctx context.Context, id string, port *int32) error {
	if err := s.stopEngine(id); err != nil {
		return err
	}
	if port != nil {
		s.mu.Lock()
		if in, ok := s.instances[id]; ok {
			in.Port, in.AskedPort, in.Applying.Port = *port, *port, nil
		}
		s.mu.Unlock()
	}
	return s.startEngine(ctx, id)
}

// apply writes modified values into the instance.
func apply(in *instance, v values) {
	if v.DBInstanceClass != nil {
		in.Class = *v.DBInstanceClass
	}
	if v.AllocatedStorage != nil {
		in.AllocatedStorage = *v.AllocatedStorage
	}
	if v.BackupRetentionPeriod != nil {
		in.BackupRetentionPeriod = *v.BackupRetentionPeriod
	}
	if v.MultiAZ != nil {
		in.MultiAZ = *v.MultiAZ
	}
	if v.EngineVersion != nil {
		in.EngineVersion = *v.EngineVersion
	}
	if v.StorageType != nil {
		in.StorageType = *v.StorageType
	}
	if v.Iops != nil {
		in.Iops = v.Iops
	}
}

// deleteTransition: deleting (final snapshot, engine stopped, data removed)
// -> gone.
// A stopped instance's engine starts for the final snapshot: RDS takes it
// from the stopped instance's storage.
func (s *Service) deleteTransition(id string, stopped bool) lifecycle.Transition {
	return lifecycle.Transition{
		Steps: []lifecycle.Step{{State: statusDeleting, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			if stopped && s.wantsFinalSnapshot(id) {
				if err := s.startEngine(ctx, id); err != nil {
					return err
				}
			}
			if err := s.finalSnapshot(ctx, id); err != nil {
				return err
			}
			if err := s.stopEngine(id); err != nil {
				return err
			}
			if err := os.RemoveAll(s.instanceDir(id)); err != nil {
				return err
			}
			s.mu.Lock()
			if in, ok := s.instances[id]; ok {
				s.releaseAddress(in.Address)
			}
			delete(s.instances, id)
			s.mu.Unlock()
			return nil
		}}},
		Failed:  statusFailed,
		OnError: s.logFailure(id, "delete"),
	}
}

func (s *Service) wantsFinalSnapshot(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[id]
	return ok && in.FinalSnapshot != ""
}

// finalSnapshot dumps the instance's database into the snapshot the
// deletion asked for; the snapshot record already exists as "creating".
func (s *Service) finalSnapshot(ctx context.Context, id string) error {
	s.mu.Lock()
	in, ok := s.instances[id]
	if !ok || in.FinalSnapshot == "" {
		s.mu.Unlock()
		return nil
	}
	sn := s.snapshots[in.FinalSnapshot]
	db := in.DBName
	s.mu.Unlock()
	if sn == nil || sn.Status == snapshotStatusReady {
		return nil
	}
	if db == "" {
		db = "postgres"
	}
	path := filepath.Join(s.cfg.DataDir, sn.File)
	err := s.dump(ctx, id, db, path)
	s.mu.Lock()
	if err != nil {
		delete(s.snapshots, sn.ID)
		in.FinalSnapshot = ""
	} else {
		sn.Status = snapshotStatusReady
	}
	s.mu.Unlock()
	s.save()
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("cannot take final snapshot %s: %w", sn.ID, err)
	}
	return nil
}

func (s *Service) dump(ctx context.Context, id, db, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := s.cfg.Engines.Dump(ctx, key(id), db, f); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func (s *Service) logFailure(id, what string) func(error) {
	return func(err error) { s.cfg.Logf("rds: %s of DB instance %s failed: %v", what, id, err) }
}

// restore brings saved instances back after a restart: their addresses
// are claimed again, available ones get their engine (and gate) now, so
// they are reachable as soon as the server answers, and interrupted
// transitions run again.
func (s *Service) restore(ctx context.Context) {
	s.mu.Lock()
	s.claimAddresses()
	ids := make(map[string]string, len(s.instances))
	for id, in := range s.instances {
		ids[id] = in.Status
		s.machine.Set(key(id), in.Status)
	}
	s.mu.Unlock()
	for id, status := range ids {
		switch status {
		case statusCreating, statusBackingUp:
			s.machine.Start(key(id), s.createTransition(id, false))
		case statusStopped, statusFailed:
		case statusStopping:
			s.machine.Set(key(id), statusStopped)
		default:
			if err := s.startEngine(ctx, id); err != nil {
				s.cfg.Logf("rds: cannot restart DB instance %s: %v", id, err)
				if status != statusDeleting {
					s.machine.Set(key(id), statusFailed)
					continue
				}
			}
			s.resume(id, status)
		}
	}
	s.save()
}

// resume starts again what a shutdown interrupted; the engine runs.
func (s *Service) resume(id, status string) {
	switch status {
	case statusModifying, statusResettingMaster, statusUpgrading:
		s.machine.Start(key(id), s.modifyTransition(id, status, storageChanging(s.instances[id].Applying)))
	case statusStorageOptimization:
		s.machine.Start(key(id), lifecycle.Transition{Steps: []lifecycle.Step{s.optimizationStep()}, Final: statusAvailable})
	case statusRebooting, statusStarting:
		s.machine.Set(key(id), statusAvailable)
	case statusDeleting:
		s.machine.Start(key(id), s.deleteTransition(id, false))
	}
}
