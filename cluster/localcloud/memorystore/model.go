package memorystore

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"time"

	redis "google.golang.org/api/redis/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// Instance states, as Memorystore spells them.
const (
	stateCreating    = "CREATING"
	stateReady       = "READY"
	stateUpdating    = "UPDATING"
	stateDeleting    = "DELETING"
	stateRepairing   = "REPAIRING"
	stateMaintenance = "MAINTENANCE"
	stateFailingOver = "FAILING_OVER"
)

// Ports of an instance's endpoints, as on Memorystore: 6378 when the
// instance serves TLS.
const (
	plainPort = 6379
	tlsPort   = 6378
)

// instance is a Memorystore instance as the local cloud saves it. Its
// state lives in the lifecycle machine and is copied into State when saved.
type instance struct {
	ID                    string
	DisplayName           string            `json:",omitempty"`
	Labels                map[string]string `json:",omitempty"`
	Tier                  string
	MemorySizeGB          int64
	RedisVersion          string
	LocationID            string
	AlternativeLocationID string `json:",omitempty"`
	AuthorizedNetwork     string
	ConnectMode           string
	ReservedIPRange       string
	AuthEnabled           bool
	TransitEncryptionMode string
	ReadReplicasMode      string
	ReplicaCount          int64
	RedisConfigs          map[string]string        `json:",omitempty"`
	MaintenancePolicy     *redis.MaintenancePolicy `json:",omitempty"`
	MaintenanceVersion    string
	CreateTime            time.Time
	State                 string
	// Host is the primary endpoint's address; ReadHost the read
	// endpoint's, with read replicas.
	Host     netip.Addr `json:",omitzero"`
	ReadHost netip.Addr `json:",omitzero"`
	// Nodes are the instance's Redis servers, the primary first.
	Nodes []*node
	// Operation is the operation running on the instance, if any.
	Operation string `json:",omitempty"`
	// Pending is a patch being applied.
	Pending *instance `json:",omitempty"`
	// Flush empties the data when the nodes next start: a BASIC instance
	// loses its cache when it is scaled, as on Memorystore.
	Flush bool `json:",omitempty"`
}

// node is one Redis server of an instance.
type node struct {
	ID   string
	Zone string
	// Port is its engine's port on 127.0.0.1, behind the gates.
	Port int `json:",omitempty"`
}

// operation is a google.longrunning operation on an instance.
type operation struct {
	Name     string
	Target   string
	Verb     string
	Create   time.Time
	End      time.Time `json:",omitzero"`
	Done     bool
	ErrCode  int             `json:",omitempty"`
	ErrMsg   string          `json:",omitempty"`
	Response json.RawMessage `json:",omitempty"`
}

func (op *operation) OperationName() string   { return op.Name }
func (op *operation) OperationTarget() string { return op.Target }
func (op *operation) Inserted() time.Time     { return op.Create }
func (op *operation) Finished() bool          { return op.Done }

func (in *instance) port() int64 {
	if in.TransitEncryptionMode == "SERVER_AUTHENTICATION" {
		return tlsPort
	}
	return plainPort
}

func (in *instance) readReplicas() bool { return in.ReadReplicasMode == "READ_REPLICAS_ENABLED" }

// currentLocation is the zone of the primary node.
func (in *instance) currentLocation() string {
	if len(in.Nodes) > 0 && in.Nodes[0].Zone != "" {
		return in.Nodes[0].Zone
	}
	return in.LocationID
}

func (s *Service) instanceJSON(in *instance) *redis.Instance {
	out := &redis.Instance{
		Name:                  s.instanceName(in.ID),
		DisplayName:           in.DisplayName,
		Labels:                in.Labels,
		LocationId:            in.LocationID,
		AlternativeLocationId: in.AlternativeLocationID,
		RedisVersion:          in.RedisVersion,
		ReservedIpRange:       in.ReservedIPRange,
		CurrentLocationId:     in.currentLocation(),
		CreateTime:            gcpapi.Timestamp(in.CreateTime),
		State:                 s.state(in.ID),
		RedisConfigs:          in.RedisConfigs,
		Tier:                  in.Tier,
		MemorySizeGb:          in.MemorySizeGB,
		AuthorizedNetwork:     in.AuthorizedNetwork,
		ConnectMode:           in.ConnectMode,
		AuthEnabled:           in.AuthEnabled,
		TransitEncryptionMode: in.TransitEncryptionMode,
		MaintenancePolicy:     in.MaintenancePolicy,
		ReplicaCount:          in.ReplicaCount,
		ReadReplicasMode:      in.ReadReplicasMode,
		MaintenanceVersion:    in.MaintenanceVersion,
		PersistenceConfig:     &redis.PersistenceConfig{PersistenceMode: "DISABLED"},
	}
	if in.Host.IsValid() {
		out.Host, out.Port = in.Host.String(), in.port()
	}
	if in.ReadHost.IsValid() {
		out.ReadEndpoint, out.ReadEndpointPort = in.ReadHost.String(), in.port()
	}
	if in.TransitEncryptionMode == "SERVER_AUTHENTICATION" {
		out.ServerCaCerts = []*redis.TlsCertificate{s.caCert}
	}
	if in.Tier == "STANDARD_HA" {
		for _, n := range in.Nodes {
			out.Nodes = append(out.Nodes, &redis.NodeInfo{Id: n.ID, Zone: n.Zone})
		}
	}
	return out
}

// operationJSON is the google.longrunning.Operation: metadata always, the
// instance (or Empty) as response once done, or an error.
func (s *Service) operationJSON(op *operation) map[string]any {
	md := map[string]any{
		"@type":                 "type.googleapis.com/google.cloud.redis.v1.OperationMetadata",
		"createTime":            gcpapi.Timestamp(op.Create),
		"target":                s.instanceName(op.Target),
		"verb":                  op.Verb,
		"apiVersion":            "v1",
		"requestedCancellation": false,
	}
	if !op.End.IsZero() {
		md["endTime"] = gcpapi.Timestamp(op.End)
	}
	out := map[string]any{"name": op.Name, "metadata": md, "done": op.Done}
	switch {
	case !op.Done:
	case op.ErrCode != 0:
		out["error"] = map[string]any{"code": op.ErrCode, "message": op.ErrMsg}
	case len(op.Response) > 0:
		out["response"] = op.Response
	default:
		out["response"] = map[string]string{"@type": "type.googleapis.com/google.protobuf.Empty"}
	}
	return out
}

// startOperation answers a change to instance in with an operation of
// verb, which t carries out; the operation ends with t (see changed).
// s.mu is held.
func (s *Service) startOperation(verb string, in *instance, t lifecycle.Transition) *operation {
	now := time.Now().UTC()
	op := &operation{Name: s.parent() + "/operations/" + gcpapi.OperationID(now), Target: in.ID, Verb: verb, Create: now}
	s.operations.Add(op)
	in.Operation = op.Name
	s.machine.Start(key(in.ID), t)
	return op
}

// finish ends an operation: with the instance as its response, or the
// google.rpc code and message of what failed. s.mu is held.
func (s *Service) finish(op *operation, in *instance, code int, msg string) {
	op.Done, op.End = true, time.Now().UTC()
	if code != 0 {
		op.ErrCode, op.ErrMsg = code, msg
		return
	}
	if in == nil {
		return
	}
	b, err := json.Marshal(s.instanceJSON(in))
	if err != nil {
		return
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["@type"] = "type.googleapis.com/google.cloud.redis.v1.Instance"
	op.Response, _ = json.Marshal(m)
}

// codeInternal is google.rpc.Code INTERNAL.
const codeInternal = 13

func errNotFound(name string) error {
	return gcpapi.Errorf(http.StatusNotFound, "", "Resource '%s' was not found", name).WithDetail(map[string]any{
		"@type": "type.googleapis.com/google.rpc.ResourceInfo", "resourceName": name,
	})
}

// state is what survives a restart, as JSON in DataDir/state.json. The
// AUTH strings are not in it: see auth.go.
type state struct {
	Instances  []*instance
	Operations []*operation
}

func (s *Service) load() error {
	var st state
	if _, err := s.store.Load(&st); err != nil {
		return err
	}
	for _, in := range st.Instances {
		s.instances[in.ID] = in
	}
	for _, op := range st.Operations {
		s.operations.Add(op)
	}
	return nil
}

// save writes the whole state, each instance with its current state.
func (s *Service) save() {
	err := s.store.Save(func() any {
		return state{
			Instances:  statefile.Records(s.instances, func(in *instance) { in.State = s.state(in.ID) }),
			Operations: statefile.Records(s.operations.ByName(), nil),
		}
	})
	if err != nil {
		s.cfg.Logf("memorystore: %v", err)
	}
}
