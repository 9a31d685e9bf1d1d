package cloudsql

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

// Events are what Cloud SQL does on its own that Event triggers.
var Events = []string{"maintenance", "storage-low"}

// maintenanceUser is who a maintenance operation is by.
const maintenanceUser = "cloud-sql-maintenance@system.gserviceaccount.com"

// Event makes Cloud SQL do now what it does on its own:
//   - maintenance: a maintenance release: the instance is MAINTENANCE
//     while its engine restarts, with a MAINTENANCE operation, and its
//     databaseInstalledVersion moves to the next minor version.
//   - storage-low: free disk runs low: with storageAutoResize, the disk
//     grows at once by Cloud SQL's amount (a 25th of its size plus 5 GB,
//     at most 25 GB) up to storageAutoResizeLimit, and settingsVersion
//     moves on (a patch sent with the old one is stale); without, nothing
//     the API shows changes, and the event says so.
func (s *Service) Event(_ context.Context, name, event string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.idle(name)
	if err != nil {
		return err
	}
	if s.state(name) != stateRunnable {
		return errNotRunning()
	}
	switch event {
	case "maintenance":
		s.startOperation(maintenanceUser, "MAINTENANCE", in, s.restartTransition(name, stateMaintenance, func(in *instance) {
			in.InstalledVersion = nextMinor(in.InstalledVersion)
			in.MaintenanceVersion = maintenanceVersion(in.InstalledVersion, time.Now())
		}))
	case "storage-low":
		st := in.Settings
		if st.StorageAutoResize == nil || !*st.StorageAutoResize {
			return invalid("Instance %s does not resize its storage automatically: on Cloud SQL it would run out of disk.", name)
		}
		grown := st.DataDiskSizeGb + min(st.DataDiskSizeGb/25+5, 25)
		if st.StorageAutoResizeLimit != 0 {
			grown = min(grown, st.StorageAutoResizeLimit)
		}
		if grown <= st.DataDiskSizeGb {
			return invalid("Instance %s is at its storage auto resize limit (%d GB).", name, st.StorageAutoResizeLimit)
		}
		next := *st
		next.DataDiskSizeGb, next.SettingsVersion = grown, st.SettingsVersion+1
		in.Settings = &next
	default:
		return gcpapi.Errorf(http.StatusBadRequest, "invalid", "Unknown event %q; the local cloud's Cloud SQL knows %s.", event, strings.Join(Events, ", "))
	}
	go s.save()
	return nil
}

// Tick is the cloud's clock. Cloud SQL schedules maintenance from its own
// rollouts, which the local cloud has none of: maintenance comes only
// through Event.
func (s *Service) Tick(time.Time, time.Time) {}
