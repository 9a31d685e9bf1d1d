package memorystore

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

// Events are what Memorystore does on its own that Event triggers.
var Events = []string{"maintenance", "failover"}

// Event makes Memorystore do now what it does on its own:
//   - maintenance: the instance is MAINTENANCE and gets a new
//     maintenanceVersion; a BASIC instance restarts with its cache
//     flushed, a STANDARD_HA one fails over to its replica, so the
//     primary moves to the replica's zone (currentLocationId).
//   - failover: an unplanned failover of a STANDARD_HA instance
//     (FAILING_OVER): the replica becomes the primary behind the same host.
func (s *Service) Event(_ context.Context, id, event string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[id]
	if !ok {
		return errNotFound(s.instanceName(id))
	}
	switch event {
	case "failover":
		if _, err := s.startFailover(id); err != nil {
			return err
		}
	case "maintenance":
		if err := s.ready(in); err != nil {
			return err
		}
		t := s.maintenanceTransition(id)
		if in.Tier == "STANDARD_HA" {
			t = s.failoverTransition(id, stateMaintenance, func(in *instance) {
				in.MaintenanceVersion = maintenanceVersion(time.Now())
			})
		}
		s.startOperation("maintenance", in, t)
	default:
		return gcpapi.Errorf(http.StatusBadRequest, "", "Unknown event %q; the local cloud's Memorystore knows %s.", event, strings.Join(Events, ", "))
	}
	go s.save()
	return nil
}

// Tick is the cloud's clock; Memorystore schedules maintenance from its
// own rollouts, which the local cloud has none of: maintenance comes only
// through Event.
func (s *Service) Tick(time.Time, time.Time) {}
