package rds

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/clock"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
)

// What RDS does on its own, after the instance is created: maintenance in
// the weekly window (deferred modifications, automatic minor version
// upgrades), storage autoscaling and storage-full, stop and start, reboot
// and Multi-AZ failover. Tests and demos trigger each through Event (the
// local cloud's admin endpoint); Tick runs the maintenance windows on the
// local cloud's clock.

// Statuses of day two, as RDS spells them.
const (
	statusUpgrading           = "upgrading"
	statusRebooting           = "rebooting"
	statusStopping            = "stopping"
	statusStopped             = "stopped"
	statusStarting            = "starting"
	statusStorageFull         = "storage-full"
	statusStorageOptimization = "storage-optimization"
)

// Events are the day-two events Event triggers.
var Events = []string{"maintenance", "storage-low", "storage-full", "failover", "reboot", "stop", "start"}

// modifiableStates are the statuses in which RDS takes a ModifyDBInstance:
// storage-full so that storage can be added, storage-optimization because
// the instance serves normally for the hours it lasts.
var modifiableStates = []string{statusAvailable, statusStorageFull, statusStorageOptimization}

// Event makes RDS do now what it does on its own:
//   - maintenance: the window arrives: deferred modifications are applied,
//     and an instance with AutoMinorVersionUpgrade moves to the newest minor
//     version of its major version (its engine restarts, "upgrading").
//   - storage-low: free storage runs low: with MaxAllocatedStorage the
//     storage grows by the larger of 10 GiB and 10%, up to the maximum
//     (modifying, then storage-optimization); without, storage-full.
//   - storage-full: the instance is out of storage.
//   - failover: RebootDBInstance with ForceFailover (Multi-AZ only).
//   - reboot, stop, start: RebootDBInstance, StopDBInstance, StartDBInstance.
func (s *Service) Event(_ context.Context, rawID, event string) error {
	id := strings.ToLower(rawID)
	s.mu.Lock()
	in, ok := s.instances[id]
	if !ok {
		s.mu.Unlock()
		return errInstanceNotFound(rawID)
	}
	var err error
	switch event {
	case "maintenance":
		_, err = s.maintain(in)
	case "storage-low":
		err = s.storageLow(in)
	case "storage-full":
		err = s.requireState(in, statusAvailable, statusStorageOptimization)
		if err == nil {
			s.machine.Set(key(id), statusStorageFull)
		}
	case "failover", "reboot":
		err = s.reboot(in, event == "failover")
	case "stop":
		err = s.stop(in)
	case "start":
		err = s.start(in)
	default:
		err = awsquery.InvalidParameterValue("Unknown event %q; the local cloud's RDS knows %s.", event, strings.Join(Events, ", "))
	}
	s.mu.Unlock()
	s.save()
	return err
}

// Tick runs the maintenance of each instance whose window opens in the
// simulated interval (from, to], if it has anything to do.
func (s *Service) Tick(from, to time.Time) {
	s.mu.Lock()
	started := false
	for _, in := range s.instances {
		w, err := clock.ParseWindow(in.PreferredMaintenanceWindow)
		if err != nil || !w.Opens(from, to) || !slices.Contains(modifiableStates, s.status(in.ID)) {
			continue
		}
		ran, err := s.maintain(in)
		if err != nil {
			s.cfg.Logf("rds: maintenance of DB instance %s: %v", in.ID, err)
		}
		started = started || ran
	}
	s.mu.Unlock()
	// Ticks come four times a second: the state is written only when a
	// window started something.
	if started {
		s.save()
	}
}

func (s *Service) requireState(in *instance, states ...string) error {
	if st := s.status(in.ID); !slices.Contains(states, st) {
		return errInvalidState("Instance %s is %s, not %s.", in.ID, st, strings.Join(states, " or "))
	}
	return nil
}

// maintain applies what waits for the window and the minor upgrade due,
// and reports whether that started a transition; s.mu is held. An
// instance that is not in a state to be maintained is refused.
func (s *Service) maintain(in *instance) (bool, error) {
	if err := s.requireState(in, modifiableStates...); err != nil {
		return false, err
	}
	v := in.Pending
	if in.AutoMinorVersionUpgrade && v.EngineVersion == nil {
		if newest, ok := s.newerMinor(in); ok {
			v.EngineVersion = &newest
		}
	}
	if v.empty() {
		return false, nil
	}
	in.Applying, in.Pending = in.Applying.merge(v), values{}
	status := statusModifying
	if v.EngineVersion != nil {
		status = statusUpgrading
	}
	s.machine.Start(key(in.ID), s.modifyTransition(in.ID, status, storageChanging(in.Applying)))
	return true, nil
}

// newerMinor is the newest minor version of the instance's major version
// that this cloud runs, if it is newer than the instance's: the installed
// engine's version. An instance created at an older minor of the same
// major (it runs on the installed engine either way) is upgraded to it.
func (s *Service) newerMinor(in *instance) (string, bool) {
	installed, err := s.cfg.Engines.Check(in.Engine)
	if err != nil || major(in.Engine, installed) != major(in.Engine, in.EngineVersion) {
		return "", false
	}
	return installed, versionLess(in.EngineVersion, installed)
}

// versionLess compares dotted versions number by number.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errX := strconv.Atoi(as[i])
		y, errY := strconv.Atoi(bs[i])
		if errX != nil || errY != nil {
			return as[i] < bs[i]
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// storageLow is RDS storage autoscaling: when free space is low, storage
// grows by the larger of 10 GiB and 10% (RDS also weighs predicted
// growth), never above MaxAllocatedStorage; an instance without autoscaling,
// or at its maximum, is storage-full.
func (s *Service) storageLow(in *instance) error {
	if err := s.requireState(in, statusAvailable); err != nil {
		return err
	}
	limit := aws.ToInt32(in.MaxAllocatedStorage)
	if limit <= in.AllocatedStorage {
		s.machine.Set(key(in.ID), statusStorageFull)
		return nil
	}
	grown := in.AllocatedStorage + max(10, (in.AllocatedStorage+9)/10)
	grown = min(grown, limit)
	in.Applying.AllocatedStorage = &grown
	s.machine.Start(key(in.ID), s.modifyTransition(in.ID, statusModifying, true))
	return nil
}

// reboot restarts the engine; a failover also moves the instance to its
// standby's availability zone, as a Multi-AZ failover does.
func (s *Service) reboot(in *instance, failover bool) error {
	if err := s.requireState(in, statusAvailable, statusStorageFull, statusStorageOptimization); err != nil {
		return err
	}
	if failover && !in.MultiAZ {
		return awsquery.InvalidParameterCombination("ForceFailover applies only to a Multi-AZ DB instance; %s is not Multi-AZ.", in.ID)
	}
	id := in.ID
	s.machine.Start(key(id), lifecycle.Transition{
		Steps: []lifecycle.Step{{State: statusRebooting, Hold: s.cfg.Delay, Do: func(ctx context.Context) error {
			if err := s.stopEngine(id); err != nil {
				return err
			}
			if failover {
				s.mu.Lock()
				in.AvailabilityZone, in.SecondaryAvailabilityZone = s.standbyZone(in), in.AvailabilityZone
				s.mu.Unlock()
			}
			return s.startEngine(ctx, id)
		}}},
		Final:   statusAvailable,
		Failed:  statusFailed,
		OnError: s.logFailure(id, "reboot"),
	})
	return nil
}

// standbyZone is where a Multi-AZ instance's standby runs: another zone
// of its subnet group, if it is in one. s.mu is held.
func (s *Service) standbyZone(in *instance) string {
	if in.SecondaryAvailabilityZone != "" {
		return in.SecondaryAvailabilityZone
	}
	if g, ok := s.subnetGroups[in.SubnetGroup]; ok {
		for _, zone := range g.zones() {
			if zone != in.AvailabilityZone {
				return zone
			}
		}
	}
	if in.AvailabilityZone == s.cfg.Region+"b" {
		return s.cfg.Region + "a"
	}
	return s.cfg.Region + "b"
}

// stop is StopDBInstance: stopping (the engine stops) -> stopped. RDS
// starts a stopped instance again after seven days; the local cloud
// does not.
func (s *Service) stop(in *instance) error {
	if err := s.requireState(in, statusAvailable); err != nil {
		return err
	}
	id := in.ID
	s.machine.Start(key(id), lifecycle.Transition{
		Steps: []lifecycle.Step{{State: statusStopping, Hold: s.cfg.Delay, Do: func(context.Context) error {
			return s.stopEngine(id)
		}}},
		Final:   statusStopped,
		Failed:  statusFailed,
		OnError: s.logFailure(id, "stop"),
	})
	return nil
}

// start is StartDBInstance: starting (the engine starts) -> available.
func (s *Service) start(in *instance) error {
	if err := s.requireState(in, statusStopped); err != nil {
		return err
	}
	s.machine.Start(key(in.ID), s.startTransition(in.ID))
	return nil
}

func (s *Service) startTransition(id string) lifecycle.Transition {
	return lifecycle.Transition{
		Steps:   []lifecycle.Step{{State: statusStarting, Hold: s.cfg.Delay, Do: func(ctx context.Context) error { return s.startEngine(ctx, id) }}},
		Final:   statusAvailable,
		Failed:  statusFailed,
		OnError: s.logFailure(id, "start"),
	}
}

// The API actions of the events above.

func (s *Service) stopDBInstance(ctx context.Context, r *awsquery.Request) (any, error) {
	return s.instanceAction(ctx, r, "stop")
}

func (s *Service) startDBInstance(ctx context.Context, r *awsquery.Request) (any, error) {
	return s.instanceAction(ctx, r, "start")
}

func (s *Service) rebootDBInstance(ctx context.Context, r *awsquery.Request) (any, error) {
	failover, err := r.Bool("ForceFailover")
	if err != nil {
		return nil, err
	}
	if failover != nil && *failover {
		return s.instanceAction(ctx, r, "failover")
	}
	return s.instanceAction(ctx, r, "reboot")
}

func (s *Service) instanceAction(ctx context.Context, r *awsquery.Request, event string) (any, error) {
	id, err := r.Required("DBInstanceIdentifier")
	if err != nil {
		return nil, err
	}
	if err := s.Event(ctx, id, event); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[strings.ToLower(id)]
	if !ok {
		return nil, errInstanceNotFound(id)
	}
	return dbInstanceResult{DBInstance: s.dbInstanceXML(in, s.status(in.ID))}, nil
}

// storageChanging reports whether v changes the storage, after which RDS
// optimises it for hours (storage-optimization) and refuses another
// storage change meanwhile.
func storageChanging(v values) bool {
	return v.AllocatedStorage != nil || v.StorageType != nil || v.Iops != nil
}

func errStorageOptimizing(id string) error {
	return awsquery.InvalidParameterCombination("You can't currently modify the storage of DB instance %s because the previous storage change is being optimized.", id)
}
