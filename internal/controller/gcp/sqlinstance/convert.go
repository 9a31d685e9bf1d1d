package sqlinstance

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcplabels"
	"github.com/appinfra/provider-appinfra/internal/dbconn"
)

// Instance states, as Cloud SQL names them.
const (
	stateRunnable      = "RUNNABLE"
	statePendingCreate = "PENDING_CREATE"
	stateMaintenance   = "MAINTENANCE"
	statePendingDelete = "PENDING_DELETE"
	stateSuspended     = "SUSPENDED"
	stateFailed        = "FAILED"
)

// operationDone is the status of a finished operation.
const operationDone = "DONE"

// operationCreate is the type of an instances.insert's operation.
const operationCreate = "CREATE"

// servingOperations are the operation types during which the instance
// serves connections as usual: they change users and databases, or read.
// Any other (UPDATE, RESTART, MAINTENANCE...) may restart the engine.
var servingOperations = map[string]bool{
	"UPDATE_USER": true, "CREATE_USER": true, "DELETE_USER": true,
	"CREATE_DATABASE": true, "UPDATE_DATABASE": true, "DELETE_DATABASE": true,
	"BACKUP_VOLUME": true, "EXPORT": true,
}

// The fields Update may change, by their spec names, and the two it
// manages beside the settings: the built-in user's password and the
// initial database.
const (
	fieldTier              = "tier"
	fieldDiskSize          = "dataDiskSizeGb"
	fieldAutoResize        = "storageAutoResize"
	fieldAutoResizeLimit   = "storageAutoResizeLimit"
	fieldAvailability      = "availabilityType"
	fieldBackup            = "backupConfiguration"
	fieldMaintenance       = "maintenanceWindow"
	fieldDeletionProtected = "deletionProtectionEnabled"
	fieldIP                = "ipConfiguration"
	fieldFlags             = "databaseFlags"
	fieldLabels            = "userLabels"
	fieldPassword          = "masterPassword"
	fieldDatabase          = "databaseName"
)

// mysql says whether a database version is a MySQL one.
func mysql(version string) bool { return strings.HasPrefix(version, "MYSQL_") }

// engine is a database version's engine, as the connection Secret names it.
func engine(version string) string {
	if mysql(version) {
		return dbconn.MySQL
	}
	return dbconn.Postgres
}

// builtInUser is the user every instance has, whose password the provider
// manages: postgres, or root (at any host) on MySQL.
func builtInUser(version string) (name, host string) {
	if mysql(version) {
		return "root", "%"
	}
	return "postgres", ""
}

// port is the port Cloud SQL serves a database version on.
func port(version string) int {
	if mysql(version) {
		return 3306
	}
	return 5432
}

// edition is the Cloud SQL edition a tier belongs to. It is sent with the
// tier: Cloud SQL's default edition depends on the database version
// (Enterprise Plus for the newest), and a tier of the other edition would
// be refused.
func edition(tier string) string {
	if strings.HasPrefix(tier, "db-perf-optimized-") {
		return "ENTERPRISE_PLUS"
	}
	return "ENTERPRISE"
}

// desired is the spec with the provider's own labels added.
func desired(cr *v1alpha1.DatabaseInstance) v1alpha1.DatabaseInstanceParameters {
	p := *cr.Spec.ForProvider.DeepCopy()
	p.UserLabels = gcplabels.Desired(cr, v1alpha1.DatabaseInstanceGroupVersionKind.GroupKind(), p.UserLabels)
	return p
}

// withSecureDefaults is what a new instance gets where the spec leaves it
// to Cloud SQL: TLS required (ENCRYPTED_ONLY; Cloud SQL's own default
// admits plain connections). An existing instance keeps its setting, which
// is late-initialised instead.
func withSecureDefaults(p v1alpha1.DatabaseInstanceParameters) v1alpha1.DatabaseInstanceParameters {
	ip := v1alpha1.IPConfiguration{}
	if p.IPConfiguration != nil {
		ip = *p.IPConfiguration.DeepCopy()
	}
	if ip.SSLMode == nil {
		ip.SSLMode = ptr.To(v1alpha1.SSLModeEncryptedOnly)
	}
	p.IPConfiguration = &ip
	return p
}

// parameters is what an instance's settings say, in spec terms.
func parameters(in *sqladmin.DatabaseInstance) v1alpha1.DatabaseInstanceParameters {
	p := v1alpha1.DatabaseInstanceParameters{Region: in.Region, DatabaseVersion: in.DatabaseVersion, UserLabels: map[string]string{}}
	st := in.Settings
	if st == nil {
		return p
	}
	p.Tier = st.Tier
	p.DataDiskSizeGb = ptr.To(st.DataDiskSizeGb)
	if st.DataDiskType != "" {
		p.DataDiskType = ptr.To(st.DataDiskType)
	}
	if st.StorageAutoResize != nil {
		p.StorageAutoResize = ptr.To(*st.StorageAutoResize)
	}
	p.StorageAutoResizeLimit = ptr.To(st.StorageAutoResizeLimit)
	if st.AvailabilityType != "" {
		p.AvailabilityType = ptr.To(st.AvailabilityType)
	}
	if b := st.BackupConfiguration; b != nil {
		pitr := b.PointInTimeRecoveryEnabled
		if mysql(in.DatabaseVersion) {
			pitr = b.BinaryLogEnabled
		}
		p.BackupConfiguration = &v1alpha1.BackupConfiguration{Enabled: ptr.To(b.Enabled), PointInTimeRecoveryEnabled: ptr.To(pitr)}
		if b.StartTime != "" {
			p.BackupConfiguration.StartTime = ptr.To(b.StartTime)
		}
	}
	if w := st.MaintenanceWindow; w != nil && w.Day != 0 {
		p.MaintenanceWindow = &v1alpha1.MaintenanceWindow{Day: w.Day, Hour: w.Hour}
	}
	p.DeletionProtectionEnabled = ptr.To(st.DeletionProtectionEnabled)
	if ip := st.IpConfiguration; ip != nil {
		p.IPConfiguration = &v1alpha1.IPConfiguration{IPv4Enabled: ptr.To(ip.Ipv4Enabled), AuthorizedNetworks: []v1alpha1.AuthorizedNetwork{}}
		if ip.PrivateNetwork != "" {
			p.IPConfiguration.PrivateNetwork = ptr.To(ip.PrivateNetwork)
		}
		if ip.SslMode != "" {
			p.IPConfiguration.SSLMode = ptr.To(ip.SslMode)
		}
		for _, n := range ip.AuthorizedNetworks {
			if n != nil {
				p.IPConfiguration.AuthorizedNetworks = append(p.IPConfiguration.AuthorizedNetworks, v1alpha1.AuthorizedNetwork{Name: n.Name, Value: n.Value})
			}
		}
	}
	p.DatabaseFlags = []v1alpha1.DatabaseFlag{}
	for _, f := range st.DatabaseFlags {
		if f != nil {
			p.DatabaseFlags = append(p.DatabaseFlags, v1alpha1.DatabaseFlag{Name: f.Name, Value: f.Value})
		}
	}
	maps.Copy(p.UserLabels, st.UserLabels)
	return p
}

// lateInitialize fills the spec fields left unset with what the instance
// has. Not the initial database, the password, or labels: those are the
// spec's alone.
func lateInitialize(spec *v1alpha1.DatabaseInstanceParameters, got v1alpha1.DatabaseInstanceParameters) bool {
	changed := false
	fill := func(dst **string, src *string) {
		if *dst == nil && src != nil && *src != "" {
			*dst, changed = ptr.To(*src), true
		}
	}
	fillInt := func(dst **int64, src *int64) {
		if *dst == nil && src != nil {
			*dst, changed = ptr.To(*src), true
		}
	}
	fillBool := func(dst **bool, src *bool) {
		if *dst == nil && src != nil {
			*dst, changed = ptr.To(*src), true
		}
	}
	fillInt(&spec.DataDiskSizeGb, got.DataDiskSizeGb)
	fill(&spec.DataDiskType, got.DataDiskType)
	fillBool(&spec.StorageAutoResize, got.StorageAutoResize)
	fillInt(&spec.StorageAutoResizeLimit, got.StorageAutoResizeLimit)
	fill(&spec.AvailabilityType, got.AvailabilityType)
	fillBool(&spec.DeletionProtectionEnabled, got.DeletionProtectionEnabled)
	if g := got.BackupConfiguration; g != nil {
		if spec.BackupConfiguration == nil {
			spec.BackupConfiguration, changed = &v1alpha1.BackupConfiguration{}, true
		}
		fillBool(&spec.BackupConfiguration.Enabled, g.Enabled)
		fill(&spec.BackupConfiguration.StartTime, g.StartTime)
		fillBool(&spec.BackupConfiguration.PointInTimeRecoveryEnabled, g.PointInTimeRecoveryEnabled)
	}
	if spec.MaintenanceWindow == nil && got.MaintenanceWindow != nil {
		spec.MaintenanceWindow, changed = ptr.To(*got.MaintenanceWindow), true
	}
	if g := got.IPConfiguration; g != nil {
		if spec.IPConfiguration == nil {
			spec.IPConfiguration, changed = &v1alpha1.IPConfiguration{}, true
		}
		s := spec.IPConfiguration
		fillBool(&s.IPv4Enabled, g.IPv4Enabled)
		fill(&s.PrivateNetwork, g.PrivateNetwork)
		fill(&s.SSLMode, g.SSLMode)
		if s.AuthorizedNetworks == nil && len(g.AuthorizedNetworks) > 0 {
			s.AuthorizedNetworks, changed = slices.Clone(g.AuthorizedNetworks), true
		}
	}
	return changed
}

// autoResizes says whether Cloud SQL grows the disk by itself: the spec
// says so, or, where it does not, the instance.
func autoResizes(want, got v1alpha1.DatabaseInstanceParameters) bool {
	if want.StorageAutoResize != nil {
		return *want.StorageAutoResize
	}
	return ptr.Deref(got.StorageAutoResize, false)
}

// shrinks says whether the spec's disk is below the instance's when Cloud
// SQL does not grow it by itself: a size Cloud SQL cannot go down to.
func shrinks(want, got v1alpha1.DatabaseInstanceParameters) bool {
	return want.DataDiskSizeGb != nil && *want.DataDiskSizeGb < ptr.Deref(got.DataDiskSizeGb, 0) && !autoResizes(want, got)
}

// drifted lists the settings want sets that the instance differs in. A
// disk larger than the spec's is in sync while Cloud SQL grows it by
// itself; without that, it is drift that Update refuses to send.
func drifted(want, got v1alpha1.DatabaseInstanceParameters) []string {
	var f []string
	add := func(differs bool, field string) {
		if differs {
			f = append(f, field)
		}
	}
	add(want.Tier != got.Tier, fieldTier)
	add(want.DataDiskSizeGb != nil && (*want.DataDiskSizeGb > ptr.Deref(got.DataDiskSizeGb, 0) || shrinks(want, got)), fieldDiskSize)
	add(want.StorageAutoResize != nil && *want.StorageAutoResize != ptr.Deref(got.StorageAutoResize, false), fieldAutoResize)
	add(want.StorageAutoResizeLimit != nil && *want.StorageAutoResizeLimit != ptr.Deref(got.StorageAutoResizeLimit, 0), fieldAutoResizeLimit)
	add(want.AvailabilityType != nil && *want.AvailabilityType != ptr.Deref(got.AvailabilityType, ""), fieldAvailability)
	add(want.BackupConfiguration != nil && !backupSatisfied(*want.BackupConfiguration, got.BackupConfiguration), fieldBackup)
	add(want.MaintenanceWindow != nil && (got.MaintenanceWindow == nil || *want.MaintenanceWindow != *got.MaintenanceWindow), fieldMaintenance)
	add(want.DeletionProtectionEnabled != nil && *want.DeletionProtectionEnabled != ptr.Deref(got.DeletionProtectionEnabled, false), fieldDeletionProtected)
	add(want.IPConfiguration != nil && !ipSatisfied(*want.IPConfiguration, got.IPConfiguration), fieldIP)
	add(want.DatabaseFlags != nil && !sameFlags(want.DatabaseFlags, got.DatabaseFlags), fieldFlags)
	add(!maps.Equal(want.UserLabels, got.UserLabels), fieldLabels)
	return f
}

func backupSatisfied(want v1alpha1.BackupConfiguration, got *v1alpha1.BackupConfiguration) bool {
	if got == nil {
		got = &v1alpha1.BackupConfiguration{}
	}
	return (want.Enabled == nil || *want.Enabled == ptr.Deref(got.Enabled, false)) &&
		(want.StartTime == nil || *want.StartTime == ptr.Deref(got.StartTime, "")) &&
		(want.PointInTimeRecoveryEnabled == nil || *want.PointInTimeRecoveryEnabled == ptr.Deref(got.PointInTimeRecoveryEnabled, false))
}

func ipSatisfied(want v1alpha1.IPConfiguration, got *v1alpha1.IPConfiguration) bool {
	if got == nil {
		got = &v1alpha1.IPConfiguration{}
	}
	return (want.IPv4Enabled == nil || *want.IPv4Enabled == ptr.Deref(got.IPv4Enabled, false)) &&
		(want.PrivateNetwork == nil || *want.PrivateNetwork == ptr.Deref(got.PrivateNetwork, "")) &&
		(want.SSLMode == nil || *want.SSLMode == ptr.Deref(got.SSLMode, "")) &&
		(want.AuthorizedNetworks == nil || sameNetworks(want.AuthorizedNetworks, got.AuthorizedNetworks))
}

// sameNetworks compares authorized networks as a set: Cloud SQL keeps no
// order that matters.
func sameNetworks(a, b []v1alpha1.AuthorizedNetwork) bool {
	key := func(n v1alpha1.AuthorizedNetwork) string { return n.Value + "\x00" + n.Name }
	as, bs := make([]string, 0, len(a)), make([]string, 0, len(b))
	for _, n := range a {
		as = append(as, key(n))
	}
	for _, n := range b {
		bs = append(bs, key(n))
	}
	slices.Sort(as)
	slices.Sort(bs)
	return slices.Equal(slices.Compact(as), slices.Compact(bs))
}

// sameFlags compares flags by name.
func sameFlags(a, b []v1alpha1.DatabaseFlag) bool {
	am, bm := map[string]string{}, map[string]string{}
	for _, f := range a {
		am[f.Name] = f.Value
	}
	for _, f := range b {
		bm[f.Name] = f.Value
	}
	return maps.Equal(am, bm)
}

// merged is want's sub-settings over got's: the whole object sent in a
// patch, so that whether Cloud SQL merges or replaces it, a sub-setting
// the spec leaves unset keeps its value.
func mergedIP(want v1alpha1.IPConfiguration, got *v1alpha1.IPConfiguration) v1alpha1.IPConfiguration {
	out := *want.DeepCopy()
	if got == nil {
		return out
	}
	if out.IPv4Enabled == nil {
		out.IPv4Enabled = got.IPv4Enabled
	}
	if out.PrivateNetwork == nil {
		out.PrivateNetwork = got.PrivateNetwork
	}
	if out.SSLMode == nil {
		out.SSLMode = got.SSLMode
	}
	if out.AuthorizedNetworks == nil {
		out.AuthorizedNetworks = slices.Clone(got.AuthorizedNetworks)
	}
	return out
}

func mergedBackup(want v1alpha1.BackupConfiguration, got *v1alpha1.BackupConfiguration) v1alpha1.BackupConfiguration {
	out := *want.DeepCopy()
	if got == nil {
		return out
	}
	if out.Enabled == nil {
		out.Enabled = got.Enabled
	}
	if out.StartTime == nil {
		out.StartTime = got.StartTime
	}
	if out.PointInTimeRecoveryEnabled == nil {
		out.PointInTimeRecoveryEnabled = got.PointInTimeRecoveryEnabled
	}
	return out
}

// settings is every setting p sets, as Cloud SQL's Settings. Booleans and
// zeroes the client would leave out are forced into the JSON: a false is a
// value.
func settings(version string, p v1alpha1.DatabaseInstanceParameters) *sqladmin.Settings {
	st := &sqladmin.Settings{Tier: p.Tier, Edition: edition(p.Tier), UserLabels: p.UserLabels}
	force := func(set bool, field string) {
		if set {
			st.ForceSendFields = append(st.ForceSendFields, field)
		}
	}
	if p.DataDiskSizeGb != nil {
		st.DataDiskSizeGb = *p.DataDiskSizeGb
	}
	st.DataDiskType = ptr.Deref(p.DataDiskType, "")
	if p.StorageAutoResize != nil {
		st.StorageAutoResize = ptr.To(*p.StorageAutoResize)
	}
	if p.StorageAutoResizeLimit != nil {
		st.StorageAutoResizeLimit = *p.StorageAutoResizeLimit
		force(*p.StorageAutoResizeLimit == 0, "StorageAutoResizeLimit")
	}
	st.AvailabilityType = ptr.Deref(p.AvailabilityType, "")
	if p.BackupConfiguration != nil {
		st.BackupConfiguration = backupConfiguration(version, *p.BackupConfiguration)
	}
	if w := p.MaintenanceWindow; w != nil {
		st.MaintenanceWindow = &sqladmin.MaintenanceWindow{Day: w.Day, Hour: w.Hour, ForceSendFields: []string{"Hour"}}
	}
	if p.DeletionProtectionEnabled != nil {
		st.DeletionProtectionEnabled = *p.DeletionProtectionEnabled
		force(!*p.DeletionProtectionEnabled, "DeletionProtectionEnabled")
	}
	if p.IPConfiguration != nil {
		st.IpConfiguration = ipConfiguration(*p.IPConfiguration)
	}
	if p.DatabaseFlags != nil {
		st.DatabaseFlags = make([]*sqladmin.DatabaseFlags, 0, len(p.DatabaseFlags))
		for _, f := range p.DatabaseFlags {
			st.DatabaseFlags = append(st.DatabaseFlags, &sqladmin.DatabaseFlags{Name: f.Name, Value: f.Value})
		}
		force(len(p.DatabaseFlags) == 0, "DatabaseFlags")
	}
	return st
}

// backupConfiguration sends point-in-time recovery as Cloud SQL names it
// for the engine: binaryLogEnabled on MySQL.
func backupConfiguration(version string, b v1alpha1.BackupConfiguration) *sqladmin.BackupConfiguration {
	out := &sqladmin.BackupConfiguration{StartTime: ptr.Deref(b.StartTime, "")}
	if b.Enabled != nil {
		out.Enabled = *b.Enabled
		out.ForceSendFields = append(out.ForceSendFields, "Enabled")
	}
	if b.PointInTimeRecoveryEnabled != nil {
		field := "PointInTimeRecoveryEnabled"
		out.PointInTimeRecoveryEnabled = *b.PointInTimeRecoveryEnabled
		if mysql(version) {
			field, out.PointInTimeRecoveryEnabled, out.BinaryLogEnabled = "BinaryLogEnabled", false, *b.PointInTimeRecoveryEnabled
		}
		out.ForceSendFields = append(out.ForceSendFields, field)
	}
	return out
}

// ipConfiguration sends requireSsl with sslMode, as Cloud SQL wants them
// to agree: true only for TRUSTED_CLIENT_CERTIFICATE_REQUIRED.
func ipConfiguration(ip v1alpha1.IPConfiguration) *sqladmin.IpConfiguration {
	out := &sqladmin.IpConfiguration{PrivateNetwork: ptr.Deref(ip.PrivateNetwork, "")}
	if ip.IPv4Enabled != nil {
		out.Ipv4Enabled = *ip.IPv4Enabled
		out.ForceSendFields = append(out.ForceSendFields, "Ipv4Enabled")
	}
	if ip.SSLMode != nil {
		out.SslMode, out.RequireSsl = *ip.SSLMode, *ip.SSLMode == v1alpha1.SSLModeTrustedClientCert
		out.ForceSendFields = append(out.ForceSendFields, "RequireSsl")
	}
	if ip.AuthorizedNetworks != nil {
		out.AuthorizedNetworks = make([]*sqladmin.AclEntry, 0, len(ip.AuthorizedNetworks))
		for _, n := range ip.AuthorizedNetworks {
			out.AuthorizedNetworks = append(out.AuthorizedNetworks, &sqladmin.AclEntry{Kind: "sql#aclEntry", Name: n.Name, Value: n.Value})
		}
		out.ForceSendFields = append(out.ForceSendFields, "AuthorizedNetworks")
	}
	return out
}

// insertInstance is a new instance with every setting p sets, the
// built-in user's password, and the provider's labels.
func insertInstance(name string, p v1alpha1.DatabaseInstanceParameters, password string) *sqladmin.DatabaseInstance {
	return &sqladmin.DatabaseInstance{
		Name:            name,
		Region:          p.Region,
		DatabaseVersion: p.DatabaseVersion,
		RootPassword:    password,
		Settings:        settings(p.DatabaseVersion, p),
	}
}

// patchInstance sends only the settings that differ, with the
// settingsVersion Observe saw: Cloud SQL refuses it if the settings
// changed since. Objects are sent whole (want over got), lists replaced,
// and labels the instance has but the spec does not want are sent as
// null, which removes them.
func patchInstance(want, got v1alpha1.DatabaseInstanceParameters, fields []string, settingsVersion int64) *sqladmin.DatabaseInstance {
	all := settings(want.DatabaseVersion, want)
	st := &sqladmin.Settings{SettingsVersion: settingsVersion}
	for _, f := range fields {
		switch f {
		case fieldTier:
			st.Tier, st.Edition = all.Tier, all.Edition
		case fieldDiskSize:
			st.DataDiskSizeGb = all.DataDiskSizeGb
		case fieldAutoResize:
			st.StorageAutoResize = all.StorageAutoResize
		case fieldAutoResizeLimit:
			st.StorageAutoResizeLimit = all.StorageAutoResizeLimit
			if all.StorageAutoResizeLimit == 0 {
				st.ForceSendFields = append(st.ForceSendFields, "StorageAutoResizeLimit")
			}
		case fieldAvailability:
			st.AvailabilityType = all.AvailabilityType
		case fieldBackup:
			st.BackupConfiguration = backupConfiguration(want.DatabaseVersion, mergedBackup(*want.BackupConfiguration, got.BackupConfiguration))
		case fieldMaintenance:
			st.MaintenanceWindow = all.MaintenanceWindow
		case fieldDeletionProtected:
			st.DeletionProtectionEnabled = all.DeletionProtectionEnabled
			if !all.DeletionProtectionEnabled {
				st.ForceSendFields = append(st.ForceSendFields, "DeletionProtectionEnabled")
			}
		case fieldIP:
			st.IpConfiguration = ipConfiguration(mergedIP(*want.IPConfiguration, got.IPConfiguration))
		case fieldFlags:
			st.DatabaseFlags = all.DatabaseFlags
			if len(all.DatabaseFlags) == 0 {
				st.ForceSendFields = append(st.ForceSendFields, "DatabaseFlags")
			}
		case fieldLabels:
			st.UserLabels = maps.Clone(want.UserLabels)
			for _, k := range slices.Sorted(maps.Keys(got.UserLabels)) {
				if _, ok := want.UserLabels[k]; !ok {
					st.NullFields = append(st.NullFields, "UserLabels."+k)
				}
			}
		}
	}
	return &sqladmin.DatabaseInstance{Settings: st}
}

// observation is what status.atProvider reports of an instance; the
// pending operation, the database and the password versions are the
// controller's to fill.
func observation(in *sqladmin.DatabaseInstance) v1alpha1.DatabaseInstanceObservation {
	o := v1alpha1.DatabaseInstanceObservation{
		State:                    in.State,
		DatabaseInstalledVersion: in.DatabaseInstalledVersion,
		ConnectionName:           in.ConnectionName,
		Project:                  in.Project,
	}
	for _, a := range in.IpAddresses {
		if a != nil {
			o.IPAddresses = append(o.IPAddresses, v1alpha1.IPAddress{Type: a.Type, IPAddress: a.IpAddress})
		}
	}
	if c := in.ServerCaCert; c != nil && c.ExpirationTime != "" {
		if t, err := time.Parse(time.RFC3339, c.ExpirationTime); err == nil {
			o.ServerCACertExpirationTime = &metav1.Time{Time: t}
		}
	}
	if st := in.Settings; st != nil {
		o.SettingsVersion, o.DataDiskSizeGb = st.SettingsVersion, st.DataDiskSizeGb
		if len(st.UserLabels) > 0 {
			o.UserLabels = maps.Clone(st.UserLabels)
		}
	}
	return o
}

// settingsVersion is the version of the settings Observe saw, which a
// patch carries.
func settingsVersion(in *sqladmin.DatabaseInstance) int64 {
	if in.Settings == nil {
		return 0
	}
	return in.Settings.SettingsVersion
}

// busy says whether Cloud SQL would refuse a change now: the instance is
// not RUNNABLE, or an operation runs on it (409 operationInProgress).
func busy(state string, op *v1alpha1.Operation) bool {
	return state != stateRunnable || op != nil
}

// condition is the Ready condition of an instance in state, with op
// running on it: Available only when it serves connections as usual.
func condition(in *sqladmin.DatabaseInstance, op *v1alpha1.Operation) xpv2.Condition {
	switch in.State {
	case stateRunnable:
		switch {
		case op != nil && op.OperationType == operationCreate:
			return xpv2.Creating().WithMessage(fmt.Sprintf("Cloud SQL is finishing operation CREATE (%s)", op.Name))
		case op != nil && servingOperations[op.OperationType]:
			return xpv2.Available().WithMessage(fmt.Sprintf("Cloud SQL is running operation %s (%s); the instance serves meanwhile", op.OperationType, op.Name))
		case op != nil:
			return xpv2.Unavailable().WithMessage(fmt.Sprintf("Cloud SQL is running operation %s (%s), which may restart the instance; changes wait until it is done", op.OperationType, op.Name))
		case in.Settings != nil && in.Settings.ActivationPolicy == "NEVER":
			return xpv2.Unavailable().WithMessage("the instance is stopped (activationPolicy NEVER): it serves no connections until it is started")
		}
		return xpv2.Available()
	case statePendingCreate:
		return xpv2.Creating().WithMessage("Cloud SQL reports the instance PENDING_CREATE")
	case statePendingDelete:
		return xpv2.Deleting()
	case stateMaintenance:
		return xpv2.Unavailable().WithMessage("Cloud SQL reports the instance MAINTENANCE: it is down for maintenance; changes wait until it is RUNNABLE")
	case stateSuspended:
		why := "no reason given"
		if len(in.SuspensionReason) > 0 {
			why = strings.Join(in.SuspensionReason, ", ")
		}
		return xpv2.Unavailable().WithMessage("Cloud SQL reports the instance SUSPENDED (" + why + "): it serves nothing until the cause is resolved")
	case stateFailed:
		return xpv2.Unavailable().WithMessage("Cloud SQL reports the instance FAILED: its creation failed, or a fatal error occurred during maintenance; it needs attention (see its operations)")
	}
	return xpv2.Unavailable().WithMessage("Cloud SQL reports the instance " + in.State)
}

// host is the address clients reach the instance at: the PRIVATE one on a
// private network (applications run in the VPC), else the PRIMARY one.
func host(in *sqladmin.DatabaseInstance) string {
	primary := ""
	for _, a := range in.IpAddresses {
		switch {
		case a == nil:
		case a.Type == "PRIVATE":
			return a.IpAddress
		case a.Type == "PRIMARY":
			primary = a.IpAddress
		}
	}
	return primary
}

// connectionDetails follow the provider's connection Secret contract: see
// docs/connection-secrets.md. password is the one Cloud SQL has; "" while
// it is not known to be in place, and then password and url are left out.
// Nothing is written before the instance has an address and, when the spec
// names a database, before it exists: a url must work when it appears.
// The url asks for TLS (sslmode=require, ssl-mode=REQUIRED): every Cloud
// SQL instance serves it; with ca.crt as sslrootcert, PostgreSQL clients
// verify the server against it too.
func connectionDetails(project string, p v1alpha1.DatabaseInstanceParameters, in *sqladmin.DatabaseInstance, database, password string) managed.ConnectionDetails {
	name := ptr.Deref(p.DatabaseName, "")
	if name != "" && database != name {
		return nil
	}
	user, _ := builtInUser(in.DatabaseVersion)
	query := "sslmode=require"
	if mysql(in.DatabaseVersion) {
		query = "ssl-mode=REQUIRED"
	}
	cd := dbconn.Database{
		Engine: engine(in.DatabaseVersion), Host: host(in), Port: port(in.DatabaseVersion),
		Username: user, Password: password, Name: name, Query: query,
	}.ConnectionDetails()
	if cd == nil {
		return nil
	}
	cd["project"], cd["connectionName"] = []byte(project), []byte(in.ConnectionName)
	if in.ServerCaCert != nil && in.ServerCaCert.Cert != "" {
		cd["ca.crt"] = []byte(in.ServerCaCert.Cert)
	}
	return cd
}

var instanceID = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// validName applies Cloud SQL's rules for instance IDs: lower-case
// letters, digits and hyphens, starting with a letter (and not ending with
// a hyphen), with PROJECT:INSTANCE at most 98 characters.
func validName(name, project string) error {
	switch {
	case !instanceID.MatchString(name):
		return xperrors.Errorf("external name %q is not a valid Cloud SQL instance ID: lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen", name)
	case len(project)+1+len(name) > 98:
		return xperrors.Errorf("external name %q is too long for a Cloud SQL instance ID in project %s: PROJECT:INSTANCE may be at most 98 characters", name, project)
	}
	return nil
}

// mismatch refuses an instance that differs from the spec in what Cloud
// SQL cannot change: it would be adopted, or reported, as something else.
func mismatch(name string, want, got v1alpha1.DatabaseInstanceParameters) error {
	switch {
	case got.Region != "" && want.Region != got.Region:
		return xperrors.Errorf("instance %q is in region %s, not %s: a Cloud SQL instance cannot move; create a new one, or write the region it is in", name, got.Region, want.Region)
	case got.DatabaseVersion != "" && want.DatabaseVersion != got.DatabaseVersion:
		return xperrors.Errorf("instance %q runs %s, not %s: this provider does not change an instance's database version; write %s, or create a new instance", name, got.DatabaseVersion, want.DatabaseVersion, got.DatabaseVersion)
	case want.DataDiskType != nil && got.DataDiskType != nil && *want.DataDiskType != *got.DataDiskType:
		return xperrors.Errorf("instance %q has a %s disk, not %s: Cloud SQL cannot change a disk's type", name, *got.DataDiskType, *want.DataDiskType)
	}
	return nil
}
