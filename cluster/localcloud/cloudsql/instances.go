package cloudsql

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

// instanceRequest is a DatabaseInstance as a request sends it: typed, with
// its settings kept raw to tell the fields it names.
type instanceRequest struct {
	sqladmin.DatabaseInstance
	RawSettings json.RawMessage
}

func readInstance(r *http.Request) (*instanceRequest, map[string]any, error) {
	var raw map[string]json.RawMessage
	if err := gcpapi.ReadJSON(r, &raw); err != nil {
		return nil, nil, err
	}
	settingsRaw := raw["settings"]
	delete(raw, "settings")
	b, _ := json.Marshal(raw)
	var req instanceRequest
	if err := json.Unmarshal(b, &req.DatabaseInstance); err != nil {
		return nil, nil, gcpapi.Errorf(http.StatusBadRequest, "parseError", "Invalid JSON payload received. %v", err)
	}
	named, err := settingsOf(settingsRaw)
	if err != nil {
		return nil, nil, err
	}
	req.RawSettings = settingsRaw
	return &req, named, nil
}

func errNotFound() error {
	return gcpapi.Errorf(http.StatusNotFound, "instanceDoesNotExist", "The Cloud SQL instance does not exist.")
}

func errInProgress() error {
	return gcpapi.Errorf(http.StatusConflict, "operationInProgress", "Operation failed because another operation was already in progress.").WithStatus("ABORTED")
}

func errNotRunning() error {
	return invalid("Invalid request since instance is not running.")
}

// idle returns instance name if no operation runs on it: Cloud SQL
// refuses a change to an instance while one does. s.mu is held.
func (s *Service) idle(name string) (*instance, error) {
	in, ok := s.instances[name]
	if !ok {
		return nil, errNotFound()
	}
	if in.Operation != "" || s.machine.Busy(key(name)) {
		return nil, errInProgress()
	}
	return in, nil
}

// insertInstance validates at once, as Cloud SQL does, and answers a
// CREATE operation; the engine starts in the background.
func (s *Service) insertInstance(r *http.Request) (int, any, error) {
	req, named, err := readInstance(r)
	if err != nil {
		return 0, nil, err
	}
	in, err := s.newInstance(req, named)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	if _, ok := s.instances[in.Name]; ok {
		s.mu.Unlock()
		return 0, nil, gcpapi.Errorf(http.StatusConflict, "instanceAlreadyExists", "The Cloud SQL instance already exists.")
	}
	if err := s.place(in); err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	s.instances[in.Name] = in
	op := s.startOperation(gcpapi.Caller(r.Context()), "CREATE", in, s.createTransition(in.Name, true))
	out := s.operationJSON(op)
	s.mu.Unlock()
	s.save()
	return http.StatusOK, out, nil
}

// newInstance reads and checks an insert request.
func (s *Service) newInstance(req *instanceRequest, named map[string]any) (*instance, error) {
	if err := validateName(req.Name); err != nil {
		return nil, err
	}
	version := req.DatabaseVersion
	if version == "" {
		version = "MYSQL_8_0"
	}
	if !slices.Contains(versions, version) {
		return nil, invalid("Database version %s is not one the local cloud runs (%s).", version, strings.Join(versions, ", "))
	}
	installed, err := s.cfg.Engines.Check(engine(version))
	if err != nil {
		return nil, invalid("Database version %s cannot run in this local cloud: %v", version, err)
	}
	region := req.Region
	if region == "" {
		region = s.cfg.Region
	}
	if region != s.cfg.Region {
		return nil, invalid("Invalid region %s: the local cloud serves %s only.", region, s.cfg.Region)
	}
	if req.Project != "" && req.Project != s.cfg.Project {
		return nil, invalid("The instance's project %s is not the project of the request, %s.", req.Project, s.cfg.Project)
	}
	st, err := decodeSettings(named)
	if err != nil {
		return nil, err
	}
	st = withDefaults(st, named, region, true)
	if err := validate(version, region, st); err != nil {
		return nil, err
	}
	st.SettingsVersion = 1
	in := &instance{
		Name:               req.Name,
		DatabaseVersion:    version,
		InstalledVersion:   installedVersion(version, installed),
		Region:             region,
		Zone:               st.LocationPreference.Zone,
		Settings:           st,
		rootPassword:       req.RootPassword,
		Databases:          initialDatabases(version),
		Users:              []*sqladmin.User{s.userJSON(req.Name, builtInUser(version), version)},
		MaintenanceVersion: "",
	}
	in.MaintenanceVersion = maintenanceVersion(in.InstalledVersion, time.Now())
	return in, nil
}

func (s *Service) getInstance(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[r.PathValue("instance")]
	if !ok {
		return 0, nil, errNotFound()
	}
	return http.StatusOK, s.instanceJSON(in), nil
}

// listInstances lists every instance of the project in one page.
func (s *Service) listInstances(*http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.instances))
	for name := range s.instances {
		names = append(names, name)
	}
	sort.Strings(names)
	out := &sqladmin.InstancesListResponse{Kind: "sql#instancesList", Items: []*sqladmin.DatabaseInstance{}}
	for _, name := range names {
		out.Items = append(out.Items, s.instanceJSON(s.instances[name]))
	}
	return http.StatusOK, out, nil
}

// patchInstance merges the request's settings into the instance's;
// updateInstance replaces them. Both answer an UPDATE operation that
// applies them (a new tier restarts the engine); a settingsVersion that
// is not the instance's is refused as stale.
func (s *Service) patchInstance(r *http.Request) (int, any, error) {
	return s.changeSettings(r, false)
}

func (s *Service) updateInstance(r *http.Request) (int, any, error) {
	return s.changeSettings(r, true)
}

func (s *Service) changeSettings(r *http.Request, replace bool) (int, any, error) {
	req, named, err := readInstance(r)
	if err != nil {
		return 0, nil, err
	}
	name := r.PathValue("instance")
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.idle(name)
	if err != nil {
		return 0, nil, err
	}
	if st := s.state(name); st != stateRunnable {
		return 0, nil, errNotRunning()
	}
	if v := req.DatabaseVersion; v != "" && v != in.DatabaseVersion {
		return 0, nil, invalid("The local cloud cannot upgrade %s to %s: it runs one version per engine.", in.DatabaseVersion, v)
	}
	version, sent := sentVersion(named)
	if replace && !sent {
		return 0, nil, invalid("settings.settingsVersion is required: send the instance's current one.")
	}
	if sent && version != in.Settings.SettingsVersion {
		e := gcpapi.Errorf(http.StatusPreconditionFailed, "staleData", "Condition does not match.")
		e.Location, e.LocationType = "If-Match", "header"
		return 0, nil, e
	}
	delete(named, "settingsVersion")
	var next *sqladmin.Settings
	if replace {
		if next, err = decodeSettings(named); err != nil {
			return 0, nil, err
		}
		next = withDefaults(next, named, in.Region, false)
	} else if next, err = decodeSettings(merge(toMap(in.Settings), named)); err != nil {
		return 0, nil, err
	}
	if err := validate(in.DatabaseVersion, in.Region, next); err != nil {
		return 0, nil, err
	}
	if next.DataDiskSizeGb < in.Settings.DataDiskSizeGb {
		return 0, nil, invalid("The disk size cannot be decreased (from %d GB to %d GB).", in.Settings.DataDiskSizeGb, next.DataDiskSizeGb)
	}
	if in.Settings.IpConfiguration.PrivateNetwork != "" && next.IpConfiguration.PrivateNetwork != in.Settings.IpConfiguration.PrivateNetwork {
		return 0, nil, invalid("Private IP cannot be disabled or moved to another network once it is configured.")
	}
	if next.LocationPreference.Zone != in.Settings.LocationPreference.Zone {
		return 0, nil, invalid("The local cloud cannot move an instance to another zone.")
	}
	next.SettingsVersion = in.Settings.SettingsVersion + 1
	in.Pending = next
	op := s.startOperation(gcpapi.Caller(r.Context()), "UPDATE", in, s.updateTransition(name))
	go s.save()
	return http.StatusOK, s.operationJSON(op), nil
}

// sentVersion is the settingsVersion a request names, if it does.
func sentVersion(named map[string]any) (int64, bool) {
	v, ok := named["settingsVersion"]
	if !ok {
		return 0, false
	}
	switch n := v.(type) {
	case string:
		var out int64
		if err := json.Unmarshal([]byte(n), &out); err == nil {
			return out, true
		}
	case float64:
		return int64(n), true
	}
	return -1, true
}

// deleteInstance refuses a protected instance, then answers a DELETE
// operation; the engine stops and the data goes in the background.
func (s *Service) deleteInstance(r *http.Request) (int, any, error) {
	name := r.PathValue("instance")
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.idle(name)
	if err != nil {
		return 0, nil, err
	}
	if in.Settings.DeletionProtectionEnabled {
		return 0, nil, invalid("The instance is protected. Please disable the deletion protection and try again. To disable deletion protection, update the instance settings with deletionProtectionEnabled set to false.")
	}
	op := s.startOperation(gcpapi.Caller(r.Context()), "DELETE", in, s.deleteTransition(name))
	go s.save()
	return http.StatusOK, s.operationJSON(op), nil
}

// restartInstance answers a RESTART operation; the engine restarts.
func (s *Service) restartInstance(r *http.Request) (int, any, error) {
	name := r.PathValue("instance")
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.idle(name)
	if err != nil {
		return 0, nil, err
	}
	if s.state(name) != stateRunnable || in.Settings.ActivationPolicy == "NEVER" {
		return 0, nil, errNotRunning()
	}
	op := s.startOperation(gcpapi.Caller(r.Context()), "RESTART", in, s.restartTransition(name, stateRunnable, nil))
	go s.save()
	return http.StatusOK, s.operationJSON(op), nil
}
