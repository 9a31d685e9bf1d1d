package memorystore

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	redis "google.golang.org/api/redis/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

var (
	instanceID = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$`)
	// versions are the Redis versions the local cloud offers; all run on
	// the installed redis-server.
	versions = []string{"REDIS_6_X", "REDIS_7_0", "REDIS_7_2"}
)

// Memory sizes Memorystore accepts, in GB, and the least an instance with
// read replicas has.
const (
	minMemoryGB          = 1
	maxMemoryGB          = 300
	minReadReplicaMemory = 5
)

func invalidArgument(format string, args ...any) error {
	return gcpapi.Errorf(http.StatusBadRequest, "", format, args...)
}

func failedPrecondition(format string, args ...any) error {
	return gcpapi.Errorf(http.StatusBadRequest, "", format, args...).WithStatus("FAILED_PRECONDITION")
}

// createInstance validates at once and answers an operation; the nodes
// start in the background.
func (s *Service) createInstance(r *http.Request) (int, any, error) {
	id := r.URL.Query().Get("instanceId")
	if !instanceID.MatchString(id) {
		return 0, nil, invalidArgument("instance_id %q must be 1 to 40 lowercase letters, numbers and hyphens, start with a letter and end with a letter or a number.", id)
	}
	var req redis.Instance
	if err := gcpapi.ReadJSON(r, &req); err != nil {
		return 0, nil, err
	}
	in, err := s.newInstance(id, &req)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	if _, ok := s.instances[id]; ok {
		s.mu.Unlock()
		name := s.instanceName(id)
		return 0, nil, gcpapi.Errorf(http.StatusConflict, "", "Resource '%s' already exists", name).WithDetail(map[string]any{
			"@type": "type.googleapis.com/google.rpc.ResourceInfo", "resourceName": name,
		})
	}
	if err := s.place(in); err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	s.instances[id] = in
	op := s.startOperation("create", in, s.createTransition(id, true))
	out := s.operationJSON(op)
	s.mu.Unlock()
	s.save()
	return http.StatusOK, out, nil
}

// newInstance reads and checks a create request, filling Memorystore's
// defaults.
func (s *Service) newInstance(id string, req *redis.Instance) (*instance, error) {
	if _, err := s.cfg.Engines.Check("redis"); err != nil {
		return nil, failedPrecondition("Redis cannot run in this local cloud: %v", err)
	}
	in := &instance{
		ID:                    id,
		DisplayName:           req.DisplayName,
		Labels:                req.Labels,
		Tier:                  req.Tier,
		MemorySizeGB:          req.MemorySizeGb,
		RedisVersion:          req.RedisVersion,
		LocationID:            req.LocationId,
		AlternativeLocationID: req.AlternativeLocationId,
		AuthorizedNetwork:     req.AuthorizedNetwork,
		ConnectMode:           req.ConnectMode,
		AuthEnabled:           req.AuthEnabled,
		TransitEncryptionMode: req.TransitEncryptionMode,
		ReadReplicasMode:      req.ReadReplicasMode,
		ReplicaCount:          req.ReplicaCount,
		RedisConfigs:          req.RedisConfigs,
		MaintenancePolicy:     req.MaintenancePolicy,
		MaintenanceVersion:    maintenanceVersion(time.Now()),
	}
	if in.RedisVersion == "" {
		in.RedisVersion = "REDIS_7_0"
	}
	if in.LocationID == "" {
		in.LocationID = s.cfg.Region + "-a"
	}
	if in.Tier == "STANDARD_HA" && in.AlternativeLocationID == "" {
		in.AlternativeLocationID = s.cfg.Region + "-b"
	}
	if in.AuthorizedNetwork == "" {
		in.AuthorizedNetwork = "projects/" + s.cfg.Project + "/global/networks/default"
	}
	if in.ConnectMode == "" || in.ConnectMode == "CONNECT_MODE_UNSPECIFIED" {
		in.ConnectMode = "DIRECT_PEERING"
	}
	if in.TransitEncryptionMode == "" || in.TransitEncryptionMode == "TRANSIT_ENCRYPTION_MODE_UNSPECIFIED" {
		in.TransitEncryptionMode = "DISABLED"
	}
	if in.ReadReplicasMode == "" || in.ReadReplicasMode == "READ_REPLICAS_MODE_UNSPECIFIED" {
		in.ReadReplicasMode = "READ_REPLICAS_DISABLED"
	}
	if in.Tier == "STANDARD_HA" && in.ReplicaCount == 0 {
		in.ReplicaCount = 1
		if in.readReplicas() {
			in.ReplicaCount = 2
		}
	}
	if err := s.validate(in); err != nil {
		return nil, err
	}
	if in.MaintenancePolicy != nil {
		now := gcpapi.Timestamp(time.Now())
		in.MaintenancePolicy.CreateTime, in.MaintenancePolicy.UpdateTime = now, now
		for _, w := range in.MaintenancePolicy.WeeklyMaintenanceWindow {
			w.Duration = "3600s"
		}
	}
	in.Nodes = nodesFor(in)
	return in, nil
}

// validate applies Memorystore's rules to an instance's settings.
func (s *Service) validate(in *instance) error {
	switch in.Tier {
	case "BASIC", "STANDARD_HA":
	case "":
		return invalidArgument("tier is required: BASIC or STANDARD_HA.")
	default:
		return invalidArgument("Invalid tier %s: BASIC or STANDARD_HA.", in.Tier)
	}
	if in.MemorySizeGB < minMemoryGB || in.MemorySizeGB > maxMemoryGB {
		return invalidArgument("memory_size_gb %d is out of range: %d to %d GB.", in.MemorySizeGB, minMemoryGB, maxMemoryGB)
	}
	if !slices.Contains(versions, in.RedisVersion) {
		return invalidArgument("Redis version %s is not one the local cloud runs (%s).", in.RedisVersion, strings.Join(versions, ", "))
	}
	if !strings.HasPrefix(in.LocationID, s.cfg.Region+"-") {
		return invalidArgument("location_id %s is not a zone of %s.", in.LocationID, s.cfg.Region)
	}
	switch in.Tier {
	case "BASIC":
		if in.AlternativeLocationID != "" {
			return invalidArgument("alternative_location_id applies to the STANDARD_HA tier only.")
		}
		if in.readReplicas() {
			return invalidArgument("Read replicas are supported for the STANDARD_HA tier only.")
		}
		if in.ReplicaCount != 0 {
			return invalidArgument("replica_count must be 0 for the BASIC tier.")
		}
	case "STANDARD_HA":
		if !strings.HasPrefix(in.AlternativeLocationID, s.cfg.Region+"-") || in.AlternativeLocationID == in.LocationID {
			return invalidArgument("alternative_location_id %s must be another zone of %s than location_id.", in.AlternativeLocationID, s.cfg.Region)
		}
		if in.readReplicas() {
			if in.ReplicaCount < 1 || in.ReplicaCount > 5 {
				return invalidArgument("replica_count %d is out of range: 1 to 5 with read replicas.", in.ReplicaCount)
			}
			if in.MemorySizeGB < minReadReplicaMemory {
				return invalidArgument("Read replicas need an instance of %d GB or more.", minReadReplicaMemory)
			}
		} else if in.ReplicaCount != 1 {
			return invalidArgument("replica_count must be 1 without read replicas.")
		}
	}
	switch in.TransitEncryptionMode {
	case "DISABLED", "SERVER_AUTHENTICATION":
	default:
		return invalidArgument("Invalid transit_encryption_mode %s.", in.TransitEncryptionMode)
	}
	switch in.ReadReplicasMode {
	case "READ_REPLICAS_DISABLED", "READ_REPLICAS_ENABLED":
	default:
		return invalidArgument("Invalid read_replicas_mode %s.", in.ReadReplicasMode)
	}
	if in.ConnectMode != "DIRECT_PEERING" && in.ConnectMode != "PRIVATE_SERVICE_ACCESS" {
		return invalidArgument("Invalid connect_mode %s.", in.ConnectMode)
	}
	if p := in.MaintenancePolicy; p != nil {
		if len(p.WeeklyMaintenanceWindow) > 1 {
			return invalidArgument("maintenance_policy: at most one weekly_maintenance_window.")
		}
		for _, w := range p.WeeklyMaintenanceWindow {
			days := []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}
			if !slices.Contains(days, w.Day) || w.StartTime == nil || w.StartTime.Hours < 0 || w.StartTime.Hours > 23 {
				return invalidArgument("maintenance_policy: a weekly window needs a day (MONDAY to SUNDAY) and a start time.")
			}
		}
	}
	return nil
}

// nodesFor is the nodes an instance has: the primary in its zone, and
// the replicas of a STANDARD_HA instance, the first in the alternative
// zone.
func nodesFor(in *instance) []*node {
	nodes := []*node{{ID: "node-0", Zone: in.LocationID}}
	for i := int64(1); i <= in.ReplicaCount; i++ {
		zone := in.AlternativeLocationID
		if i%2 == 0 {
			zone = in.LocationID
		}
		nodes = append(nodes, &node{ID: "node-" + strconv.FormatInt(i, 10), Zone: zone})
	}
	return nodes
}

// maintenanceVersion is a date-based version, as Memorystore's are.
func maintenanceVersion(t time.Time) string { return t.UTC().Format("20060102") + "_00_00" }

func (s *Service) getInstance(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[r.PathValue("instance")]
	if !ok {
		return 0, nil, errNotFound(s.instanceName(r.PathValue("instance")))
	}
	return http.StatusOK, s.instanceJSON(in), nil
}

func (s *Service) listInstances(*http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.instances))
	for id := range s.instances {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := &redis.ListInstancesResponse{Instances: []*redis.Instance{}}
	for _, id := range ids {
		out.Instances = append(out.Instances, s.instanceJSON(s.instances[id]))
	}
	return http.StatusOK, out, nil
}

// updatable are the fields an updateMask may name, in both spellings.
var updatable = map[string]string{
	"displayName": "displayName", "display_name": "displayName",
	"labels":       "labels",
	"memorySizeGb": "memorySizeGb", "memory_size_gb": "memorySizeGb",
	"redisConfigs": "redisConfigs", "redis_configs": "redisConfigs", "redisConfig": "redisConfigs", "redis_config": "redisConfigs",
	"replicaCount": "replicaCount", "replica_count": "replicaCount",
	"readReplicasMode": "readReplicasMode", "read_replicas_mode": "readReplicasMode",
	"maintenancePolicy": "maintenancePolicy", "maintenance_policy": "maintenancePolicy",
	"authEnabled": "authEnabled", "auth_enabled": "authEnabled",
}

// patchInstance changes the fields the updateMask names, in an UPDATING
// operation: memory and replica changes reach the nodes (a BASIC
// instance's cache is flushed when it is scaled), AUTH is turned on or off.
func (s *Service) patchInstance(r *http.Request) (int, any, error) {
	var req redis.Instance
	if err := gcpapi.ReadJSON(r, &req); err != nil {
		return 0, nil, err
	}
	mask := r.URL.Query().Get("updateMask")
	if mask == "" {
		return 0, nil, invalidArgument("update_mask is required: name at least one field.")
	}
	var fields []string
	for _, f := range strings.Split(mask, ",") {
		canonical, ok := updatable[strings.TrimSpace(f)]
		if !ok {
			return 0, nil, invalidArgument("Field %q cannot be updated: update_mask may name displayName, labels, memorySizeGb, redisConfigs, replicaCount, readReplicasMode, maintenancePolicy and authEnabled.", f)
		}
		fields = append(fields, canonical)
	}
	id := r.PathValue("instance")
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[id]
	if !ok {
		return 0, nil, errNotFound(s.instanceName(id))
	}
	if err := s.ready(in); err != nil {
		return 0, nil, err
	}
	next := *in
	next.Pending, next.Nodes = nil, nil
	for _, f := range fields {
		switch f {
		case "displayName":
			next.DisplayName = req.DisplayName
		case "labels":
			next.Labels = req.Labels
		case "memorySizeGb":
			next.MemorySizeGB = req.MemorySizeGb
		case "redisConfigs":
			next.RedisConfigs = req.RedisConfigs
		case "replicaCount":
			next.ReplicaCount = req.ReplicaCount
		case "readReplicasMode":
			next.ReadReplicasMode = req.ReadReplicasMode
		case "maintenancePolicy":
			next.MaintenancePolicy = req.MaintenancePolicy
			if p := next.MaintenancePolicy; p != nil {
				p.UpdateTime = gcpapi.Timestamp(time.Now())
				for _, w := range p.WeeklyMaintenanceWindow {
					w.Duration = "3600s"
				}
			}
		case "authEnabled":
			next.AuthEnabled = req.AuthEnabled
		}
	}
	if next.readReplicas() != in.readReplicas() && !next.readReplicas() {
		return 0, nil, invalidArgument("Read replicas cannot be disabled once enabled.")
	}
	if next.readReplicas() && !in.readReplicas() && next.ReplicaCount == 1 && !slices.Contains(fields, "replicaCount") {
		next.ReplicaCount = 2
	}
	if err := s.validate(&next); err != nil {
		return 0, nil, err
	}
	if next.ReplicaCount != in.ReplicaCount && !next.readReplicas() {
		return 0, nil, invalidArgument("replica_count can be changed only with read replicas enabled.")
	}
	next.Nodes = in.Nodes
	next.Flush = in.Tier == "BASIC" && next.MemorySizeGB != in.MemorySizeGB
	in.Pending = &next
	op := s.startOperation("update", in, s.updateTransition(id))
	go s.save()
	return http.StatusOK, s.operationJSON(op), nil
}

// ready refuses a change while another runs or the instance is not
// READY; s.mu is held.
func (s *Service) ready(in *instance) error {
	if in.Operation != "" || s.machine.Busy(key(in.ID)) {
		return failedPrecondition("Conflicting operation in progress: instance %s is %s.", s.instanceName(in.ID), s.state(in.ID))
	}
	if st := s.state(in.ID); st != stateReady {
		return failedPrecondition("Instance %s is %s, not READY.", s.instanceName(in.ID), st)
	}
	return nil
}

func (s *Service) deleteInstance(r *http.Request) (int, any, error) {
	id := r.PathValue("instance")
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[id]
	if !ok {
		return 0, nil, errNotFound(s.instanceName(id))
	}
	if in.Operation != "" && s.state(id) != stateCreating {
		return 0, nil, failedPrecondition("Conflicting operation in progress: instance %s is %s.", s.instanceName(id), s.state(id))
	}
	if prev, ok := s.operations.Get(in.Operation); ok {
		// A delete supersedes a create, as on Memorystore: the create's
		// operation ends with an error.
		s.finish(prev, nil, 10, "The instance was deleted while it was being created.")
	}
	op := s.startOperation("delete", in, s.deleteTransition(id))
	go s.save()
	return http.StatusOK, s.operationJSON(op), nil
}

// getAuthString returns the AUTH string of an instance with AUTH on; an
// instance without has none.
func (s *Service) getAuthString(r *http.Request) (int, any, error) {
	id := r.PathValue("instance")
	s.mu.Lock()
	in, ok := s.instances[id]
	enabled := ok && in.AuthEnabled
	s.mu.Unlock()
	if !ok {
		return 0, nil, errNotFound(s.instanceName(id))
	}
	if !enabled {
		return http.StatusOK, &redis.InstanceAuthString{}, nil
	}
	a, err := s.loadAuth(id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &redis.InstanceAuthString{AuthString: a.AuthString}, nil
}

// instanceAction serves POST .../instances/{id}:verb; failover is the
// one the local cloud has.
func (s *Service) instanceAction(r *http.Request) (int, any, error) {
	id, verb, _ := strings.Cut(r.PathValue("instance"), ":")
	if verb != "failover" {
		return 0, nil, gcpapi.Errorf(http.StatusNotFound, "", "The local cloud's Memorystore does not serve :%s.", verb)
	}
	var req redis.FailoverInstanceRequest
	if err := gcpapi.ReadJSON(r, &req); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	op, err := s.startFailover(id)
	if err != nil {
		return 0, nil, err
	}
	go s.save()
	return http.StatusOK, s.operationJSON(op), nil
}

func (s *Service) getOperation(r *http.Request) (int, any, error) {
	name := s.parent() + "/operations/" + r.PathValue("operation")
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := s.operations.Get(name)
	if !ok {
		return 0, nil, errNotFound(name)
	}
	return http.StatusOK, s.operationJSON(op), nil
}

func (s *Service) listOperations(*http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, op := range s.operations.Of("") {
		out = append(out, s.operationJSON(op))
	}
	return http.StatusOK, map[string]any{"operations": out}, nil
}
