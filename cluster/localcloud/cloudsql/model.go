package cloudsql

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"strings"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/lifecycle"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// Instance states, as Cloud SQL spells them.
const (
	statePendingCreate = "PENDING_CREATE"
	stateRunnable      = "RUNNABLE"
	stateMaintenance   = "MAINTENANCE"
	statePendingDelete = "PENDING_DELETE"
	stateFailed        = "FAILED"
)

// Operation statuses.
const (
	opPending = "PENDING"
	opRunning = "RUNNING"
	opDone    = "DONE"
)

// instance is a Cloud SQL instance as the local cloud saves it. Its state
// lives in the lifecycle machine and is copied into State only when saved.
type instance struct {
	Name            string
	DatabaseVersion string
	// InstalledVersion is databaseInstalledVersion, e.g. POSTGRES_15_8; a
	// maintenance moves its minor version.
	InstalledVersion   string
	MaintenanceVersion string
	Region, Zone       string
	Settings           *sqladmin.Settings
	CreateTime         time.Time
	State              string
	// PublicIP is the PRIMARY address while ipv4Enabled; PrivateIP the
	// PRIVATE one on a private network.
	PublicIP  netip.Addr `json:",omitzero"`
	PrivateIP netip.Addr `json:",omitzero"`
	// EnginePort is the engine's own port on 127.0.0.1, behind the gates.
	EnginePort int `json:",omitempty"`
	Users      []*sqladmin.User
	Databases  []*sqladmin.Database
	// Operation is the operation running on the instance, if any.
	Operation string `json:",omitempty"`
	// Pending is a patch or update being applied, and its kind.
	Pending *sqladmin.Settings `json:",omitempty"`

	// rootPassword is held in memory only, until the engine has it.
	rootPassword string
}

// operation is a Cloud SQL operation.
type operation struct {
	Name, Type, Target, User string
	Status                   string
	Insert, Start, End       time.Time
	Error                    *sqladmin.OperationError `json:",omitempty"`
}

func (op *operation) OperationName() string   { return op.Name }
func (op *operation) OperationTarget() string { return op.Target }
func (op *operation) Inserted() time.Time     { return op.Insert }
func (op *operation) Finished() bool          { return op.Status == opDone }

// engine is the local cloud engine behind a database version.
func engine(version string) string {
	if strings.HasPrefix(version, "POSTGRES_") {
		return "postgres"
	}
	return "mysql"
}

// builtInUser is the user every instance has: postgres or root.
func builtInUser(version string) string {
	if engine(version) == "postgres" {
		return "postgres"
	}
	return "root"
}

// listenPort is the port the instance's addresses serve, as on Cloud SQL.
func listenPort(version string) int {
	if engine(version) == "postgres" {
		return 5432
	}
	return 3306
}

func (s *Service) instanceJSON(in *instance) *sqladmin.DatabaseInstance {
	state := s.state(in.Name)
	st := *in.Settings
	out := &sqladmin.DatabaseInstance{
		Kind:                       "sql#instance",
		Name:                       in.Name,
		Project:                    s.cfg.Project,
		State:                      state,
		DatabaseVersion:            in.DatabaseVersion,
		DatabaseInstalledVersion:   in.InstalledVersion,
		MaintenanceVersion:         in.MaintenanceVersion,
		Settings:                   &st,
		Etag:                       etag(in),
		Region:                     in.Region,
		GceZone:                    in.Zone,
		ConnectionName:             s.cfg.Project + ":" + in.Region + ":" + in.Name,
		SelfLink:                   s.selfLink("instances/" + in.Name),
		InstanceType:               "CLOUD_SQL_INSTANCE",
		BackendType:                "SECOND_GEN",
		CreateTime:                 gcpapi.Timestamp(in.CreateTime),
		ServiceAccountEmailAddress: "p000000000000-localcloud@gcp-sa-cloud-sql.iam.gserviceaccount.com",
		SqlNetworkArchitecture:     "NEW_NETWORK_ARCHITECTURE",
	}
	ca := *s.caCert
	ca.Instance = in.Name
	out.ServerCaCert = &ca
	// Cloud SQL reports no address until the instance is created.
	if state != statePendingCreate {
		if in.PublicIP.IsValid() {
			out.IpAddresses = append(out.IpAddresses, &sqladmin.IpMapping{Type: "PRIMARY", IpAddress: in.PublicIP.String()})
		}
		if in.PrivateIP.IsValid() {
			out.IpAddresses = append(out.IpAddresses, &sqladmin.IpMapping{Type: "PRIVATE", IpAddress: in.PrivateIP.String()})
		}
	}
	return out
}

// etag changes with the settings, as Cloud SQL's does.
func etag(in *instance) string {
	b, _ := json.Marshal(in.Settings)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func (s *Service) operationJSON(op *operation) *sqladmin.Operation {
	out := &sqladmin.Operation{
		Kind:          "sql#operation",
		Name:          op.Name,
		OperationType: op.Type,
		Status:        op.Status,
		User:          op.User,
		InsertTime:    gcpapi.Timestamp(op.Insert),
		StartTime:     gcpapi.Timestamp(op.Start),
		EndTime:       gcpapi.Timestamp(op.End),
		TargetId:      op.Target,
		TargetProject: s.cfg.Project,
		TargetLink:    s.selfLink("instances/" + op.Target),
		SelfLink:      s.selfLink("operations/" + op.Name),
	}
	if op.Error != nil {
		e := *op.Error
		e.Kind = "sql#operationError"
		out.Error = &sqladmin.OperationErrors{Kind: "sql#operationErrors", Errors: []*sqladmin.OperationError{&e}}
	}
	return out
}

// newOperation records an operation of kind by user on target; s.mu is
// held.
func (s *Service) newOperation(user, kind, target string) *operation {
	now := time.Now().UTC()
	op := &operation{Name: gcpapi.UUID(), Type: kind, Target: target, User: user, Status: opRunning, Insert: now, Start: now}
	s.operations.Add(op)
	return op
}

// startOperation answers a change to instance in with an operation of
// kind by user, which t carries out; the operation ends with t (see
// changed). s.mu is held.
func (s *Service) startOperation(user, kind string, in *instance, t lifecycle.Transition) *operation {
	op := s.newOperation(user, kind, in.Name)
	in.Operation = op.Name
	s.machine.Start(key(in.Name), t)
	return op
}

// finish ends an operation, with an error if err is not nil; s.mu is held.
func finish(op *operation, code string, err error) {
	op.Status, op.End = opDone, time.Now().UTC()
	if err != nil {
		op.Error = &sqladmin.OperationError{Code: code, Message: err.Error()}
	}
}

// state is what survives a restart, as JSON in DataDir/state.json.
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
		s.instances[in.Name] = in
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
			Instances:  statefile.Records(s.instances, func(in *instance) { in.State = s.state(in.Name) }),
			Operations: statefile.Records(s.operations.ByName(), nil),
		}
	})
	if err != nil {
		s.cfg.Logf("cloudsql: %v", err)
	}
}
