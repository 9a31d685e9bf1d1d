package dbinstance

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	ktypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/awsparams"
	"github.com/appinfra/provider-appinfra/internal/dbconn"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/tags"
)

// RDS instance states this controller acts on; any other is shown as is.
const (
	statusAvailable   = "available"
	statusDeleting    = "deleting"
	statusStopped     = "stopped"
	statusStorageFull = "storage-full"
)

// servingStates are the states in which the engine serves connections as
// usual, by RDS's documentation of instance statuses: Ready stays True in
// them, with the state named in the condition. storage-optimization, for
// one, follows every storage change and can last hours.
var servingStates = map[string]bool{
	statusAvailable: true, "backing-up": true, "storage-optimization": true,
	"configuring-enhanced-monitoring": true, "configuring-iam-database-auth": true,
	"configuring-log-exports": true, "resetting-master-credentials": true,
}

// modifiableStates are the states RDS accepts ModifyDBInstance in:
// available; storage-optimization (other than storage changes, which RDS
// refuses itself for six hours after the last); and storage-full, whose
// remedy is a modify that adds storage.
var modifiableStates = map[string]bool{statusAvailable: true, "storage-optimization": true, statusStorageFull: true}

// failedStates need a person: RDS will not leave them by itself.
var failedStates = map[string]bool{
	"failed": true, "storage-full": true, "incompatible-parameters": true, "incompatible-network": true,
	"incompatible-option-group": true, "incompatible-restore": true, "inaccessible-encryption-credentials": true,
	"restore-error": true, "insufficient-capacity": true,
}

// The fields Update may change, by their spec names.
const (
	fieldClass            = "dbInstanceClass"
	fieldStorage          = "allocatedStorage"
	fieldMaxStorage       = "maxAllocatedStorage"
	fieldStorageType      = "storageType"
	fieldIOPS             = "iops"
	fieldEngineVersion    = "engineVersion"
	fieldMultiAZ          = "multiAZ"
	fieldPublic           = "publiclyAccessible"
	fieldBackupRetention  = "backupRetentionPeriod"
	fieldBackupWindow     = "preferredBackupWindow"
	fieldMaintenance      = "preferredMaintenanceWindow"
	fieldAutoMinorUpgrade = "autoMinorVersionUpgrade"
	fieldDeletionProtect  = "deletionProtection"
	fieldSecurityGroups   = "vpcSecurityGroupIDs"
	fieldParameterGroup   = "dbParameterGroupName"
	fieldPort             = "port"
	fieldTags             = "tags"
	fieldPassword         = "masterPassword"
)

// observed is what one DescribeDBInstances said, in spec terms.
type observed struct {
	status      string
	params      v1alpha1.DBInstanceParameters
	tags        map[string]string
	pending     *types.PendingModifiedValues
	observation v1alpha1.DBInstanceObservation
}

func observe(db types.DBInstance) observed {
	o := observed{status: aws.ToString(db.DBInstanceStatus), tags: map[string]string{}, pending: db.PendingModifiedValues}
	for _, t := range db.TagList {
		o.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	p := v1alpha1.DBInstanceParameters{
		Engine:                     aws.ToString(db.Engine),
		EngineVersion:              db.EngineVersion,
		DBInstanceClass:            aws.ToString(db.DBInstanceClass),
		AllocatedStorage:           aws.ToInt32(db.AllocatedStorage),
		MaxAllocatedStorage:        db.MaxAllocatedStorage,
		StorageType:                db.StorageType,
		IOPS:                       db.Iops,
		StorageEncrypted:           aws.ToBool(db.StorageEncrypted),
		KMSKeyID:                   db.KmsKeyId,
		MultiAZ:                    db.MultiAZ,
		PubliclyAccessible:         aws.ToBool(db.PubliclyAccessible),
		DBName:                     db.DBName,
		MasterUsername:             aws.ToString(db.MasterUsername),
		BackupRetentionPeriod:      db.BackupRetentionPeriod,
		PreferredBackupWindow:      db.PreferredBackupWindow,
		PreferredMaintenanceWindow: db.PreferredMaintenanceWindow,
		AutoMinorVersionUpgrade:    db.AutoMinorVersionUpgrade,
		DeletionProtection:         db.DeletionProtection,
		Tags:                       o.tags,
	}
	for _, g := range db.VpcSecurityGroups {
		p.VPCSecurityGroupIDs = append(p.VPCSecurityGroupIDs, aws.ToString(g.VpcSecurityGroupId))
	}
	if len(db.DBParameterGroups) > 0 {
		p.DBParameterGroupName = db.DBParameterGroups[0].DBParameterGroupName
	}
	obs := v1alpha1.DBInstanceObservation{
		Status:        o.status,
		ARN:           aws.ToString(db.DBInstanceArn),
		ResourceID:    aws.ToString(db.DbiResourceId),
		EngineVersion: aws.ToString(db.EngineVersion),
	}
	if ep := db.Endpoint; ep != nil {
		obs.Address, obs.Port = aws.ToString(ep.Address), aws.ToInt32(ep.Port)
		p.Port = ep.Port
	}
	if pv := db.PendingModifiedValues; pv != nil {
		obs.PendingModifiedValues = &v1alpha1.PendingModifiedValues{
			DBInstanceClass:       aws.ToString(pv.DBInstanceClass),
			AllocatedStorage:      pv.AllocatedStorage,
			EngineVersion:         aws.ToString(pv.EngineVersion),
			BackupRetentionPeriod: pv.BackupRetentionPeriod,
			MultiAZ:               pv.MultiAZ,
			StorageType:           aws.ToString(pv.StorageType),
			IOPS:                  pv.Iops,
			MasterUserPassword:    pv.MasterUserPassword != nil,
		}
		if *obs.PendingModifiedValues == (v1alpha1.PendingModifiedValues{}) {
			obs.PendingModifiedValues = nil
		}
	}
	o.params, o.observation = p, obs
	return o
}

// resettingPassword says whether RDS is still resetting the master
// password: the state says so, or a password is pending.
func resettingPassword(o observed) bool {
	return o.status == "resetting-master-credentials" || (o.pending != nil && o.pending.MasterUserPassword != nil)
}

// isBusy says whether RDS is in the middle of something: it refuses
// changes until the instance is in a state it accepts them in.
func isBusy(status string) bool { return !modifiableStates[status] }

// pollSoon says whether the instance is in a passing state worth looking
// at sooner than the poll: not one it serves in, not stopped, not one that
// needs a person.
func pollSoon(status string) bool {
	return !servingStates[status] && status != statusStopped && !failedStates[status]
}

// snapshotWaits says whether a deletion with a final snapshot must wait
// for the instance to leave status: a passing state in which it serves no
// connections. Serving, stopped and storage-full instances can be
// snapshotted; one that needs a person cannot be, and the refusal says so.
func snapshotWaits(status string) bool {
	return pollSoon(status) && status != statusDeleting
}

// condition is the Ready condition an RDS status gives: Available when
// the engine serves connections (naming the state when it is not plain
// available), otherwise the state, as RDS names it.
func condition(status string) xpv2.Condition {
	switch {
	case status == statusAvailable:
		return xpv2.Available()
	case servingStates[status]:
		return xpv2.Available().WithMessage("RDS reports the instance " + status + "; it serves connections meanwhile")
	case status == statusStopped:
		return xpv2.Unavailable().WithMessage("RDS reports the instance stopped: it serves no connections until it is started (RDS starts a stopped instance by itself after seven days)")
	case status == statusStorageFull:
		return xpv2.Unavailable().WithMessage("RDS reports the instance storage-full: raise allocatedStorage (or set maxAllocatedStorage for autoscaling) and the provider adds the storage")
	case failedStates[status]:
		return xpv2.Unavailable().WithMessage(fmt.Sprintf("RDS reports the instance %s; it needs attention (see the RDS events of the instance)", status))
	case status == statusDeleting:
		return xpv2.Deleting()
	default:
		return xpv2.Unavailable().WithMessage("RDS reports the instance " + status)
	}
}

// desired is the spec with the provider's own tags added.
func desired(cr *v1alpha1.DBInstance) v1alpha1.DBInstanceParameters {
	p := *cr.Spec.ForProvider.DeepCopy()
	tags := ownership.Tags(cr, v1alpha1.DBInstanceGroupVersionKind.GroupKind())
	maps.Copy(tags, p.Tags)
	p.Tags = tags
	return p
}

// drifted lists the fields want sets that the instance differs in, leaving
// out changes RDS already holds as pending.
func drifted(want v1alpha1.DBInstanceParameters, got observed) []string {
	g, pv := got.params, got.pending
	if pv == nil {
		pv = &types.PendingModifiedValues{}
	}
	var f []string
	add := func(differs bool, field string) {
		if differs {
			f = append(f, field)
		}
	}
	add(want.DBInstanceClass != g.DBInstanceClass && want.DBInstanceClass != aws.ToString(pv.DBInstanceClass), fieldClass)
	// Storage the instance has beyond the spec's (autoscaling grew it) is
	// in sync: RDS never shrinks it.
	add(want.AllocatedStorage > g.AllocatedStorage && want.AllocatedStorage > aws.ToInt32(pv.AllocatedStorage), fieldStorage)
	add(want.MaxAllocatedStorage != nil && *want.MaxAllocatedStorage != aws.ToInt32(g.MaxAllocatedStorage), fieldMaxStorage)
	add(want.StorageType != nil && *want.StorageType != aws.ToString(g.StorageType) && *want.StorageType != aws.ToString(pv.StorageType), fieldStorageType)
	add(want.IOPS != nil && *want.IOPS != aws.ToInt32(g.IOPS) && *want.IOPS != aws.ToInt32(pv.Iops), fieldIOPS)
	add(want.EngineVersion != nil && !versionSatisfies(want.Engine, *want.EngineVersion, aws.ToString(g.EngineVersion)) && !versionSatisfies(want.Engine, *want.EngineVersion, aws.ToString(pv.EngineVersion)), fieldEngineVersion)
	add(want.MultiAZ != nil && *want.MultiAZ != aws.ToBool(g.MultiAZ) && (pv.MultiAZ == nil || *want.MultiAZ != *pv.MultiAZ), fieldMultiAZ)
	add(want.PubliclyAccessible != g.PubliclyAccessible, fieldPublic)
	add(want.BackupRetentionPeriod != nil && *want.BackupRetentionPeriod != aws.ToInt32(g.BackupRetentionPeriod) && (pv.BackupRetentionPeriod == nil || *want.BackupRetentionPeriod != *pv.BackupRetentionPeriod), fieldBackupRetention)
	add(want.PreferredBackupWindow != nil && *want.PreferredBackupWindow != aws.ToString(g.PreferredBackupWindow), fieldBackupWindow)
	add(want.PreferredMaintenanceWindow != nil && !strings.EqualFold(*want.PreferredMaintenanceWindow, aws.ToString(g.PreferredMaintenanceWindow)), fieldMaintenance)
	add(want.AutoMinorVersionUpgrade != nil && *want.AutoMinorVersionUpgrade != aws.ToBool(g.AutoMinorVersionUpgrade), fieldAutoMinorUpgrade)
	add(want.DeletionProtection != nil && *want.DeletionProtection != aws.ToBool(g.DeletionProtection), fieldDeletionProtect)
	add(want.VPCSecurityGroupIDs != nil && !awsparams.SameSet(want.VPCSecurityGroupIDs, g.VPCSecurityGroupIDs), fieldSecurityGroups)
	add(want.DBParameterGroupName != nil && !awsparams.ParameterGroupMatches(*want.DBParameterGroupName, aws.ToString(g.DBParameterGroupName)), fieldParameterGroup)
	add(want.Port != nil && *want.Port != aws.ToInt32(g.Port), fieldPort)
	add(!maps.Equal(want.Tags, got.tags), fieldTags)
	return f
}

// versionSatisfies says whether a running version satisfies the spec's, at
// the precision the spec wrote it: "15" is satisfied by 15.7; "15.7" by
// 15.7 and by a later minor of the same major (15.8), which RDS moved to
// by itself (autoMinorVersionUpgrade) and cannot go back from, so asking
// for 15.7 again would only be refused on every poll.
func versionSatisfies(engine, want, got string) bool {
	if got == "" {
		return false
	}
	if got == want || strings.HasPrefix(got, want+".") {
		return true
	}
	return major(engine, got) == major(engine, want) && compareVersions(got, want) > 0
}

// compareVersions compares dotted versions component by component,
// numerically where both components are numbers.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range min(len(as), len(bs)) {
		x, errX := strconv.Atoi(as[i])
		y, errY := strconv.Atoi(bs[i])
		switch {
		case errX == nil && errY == nil && x != y:
			return cmp.Compare(x, y)
		case (errX != nil || errY != nil) && as[i] != bs[i]:
			return strings.Compare(as[i], bs[i])
		}
	}
	return cmp.Compare(len(as), len(bs))
}

// lateInitialize fills spec fields left unset with what RDS chose.
func lateInitialize(spec *v1alpha1.DBInstanceParameters, got v1alpha1.DBInstanceParameters) bool {
	changed := false
	fill := func(dst **string, src *string) {
		if *dst == nil && src != nil && *src != "" {
			*dst, changed = ptr.To(*src), true
		}
	}
	fill32 := func(dst **int32, src *int32) {
		if *dst == nil && src != nil {
			*dst, changed = ptr.To(*src), true
		}
	}
	fillBool := func(dst **bool, src *bool) {
		if *dst == nil && src != nil {
			*dst, changed = ptr.To(*src), true
		}
	}
	// Not the engine version: RDS moves its minor version by itself, and
	// a pinned one would then ask for a downgrade. Nor a default parameter
	// group, whose family a major upgrade changes.
	fill(&spec.StorageType, got.StorageType)
	fill(&spec.PreferredBackupWindow, got.PreferredBackupWindow)
	fill(&spec.PreferredMaintenanceWindow, got.PreferredMaintenanceWindow)
	if !awsparams.IsDefaultParameterGroup(aws.ToString(got.DBParameterGroupName)) {
		fill(&spec.DBParameterGroupName, got.DBParameterGroupName)
	}
	fill32(&spec.BackupRetentionPeriod, got.BackupRetentionPeriod)
	fill32(&spec.Port, got.Port)
	fillBool(&spec.AutoMinorVersionUpgrade, got.AutoMinorVersionUpgrade)
	fillBool(&spec.MultiAZ, got.MultiAZ)
	fillBool(&spec.DeletionProtection, got.DeletionProtection)
	if spec.VPCSecurityGroupIDs == nil && len(got.VPCSecurityGroupIDs) > 0 {
		spec.VPCSecurityGroupIDs, changed = slices.Clone(got.VPCSecurityGroupIDs), true
	}
	return changed
}

func createInput(id string, p v1alpha1.DBInstanceParameters, password string) *rds.CreateDBInstanceInput {
	in := &rds.CreateDBInstanceInput{
		DBInstanceIdentifier:       aws.String(id),
		Engine:                     aws.String(p.Engine),
		EngineVersion:              p.EngineVersion,
		DBInstanceClass:            aws.String(p.DBInstanceClass),
		AllocatedStorage:           aws.Int32(p.AllocatedStorage),
		MaxAllocatedStorage:        p.MaxAllocatedStorage,
		StorageType:                p.StorageType,
		Iops:                       p.IOPS,
		StorageEncrypted:           aws.Bool(p.StorageEncrypted),
		KmsKeyId:                   p.KMSKeyID,
		MultiAZ:                    p.MultiAZ,
		PubliclyAccessible:         aws.Bool(p.PubliclyAccessible),
		DBName:                     p.DBName,
		MasterUsername:             aws.String(p.MasterUsername),
		MasterUserPassword:         aws.String(password),
		BackupRetentionPeriod:      p.BackupRetentionPeriod,
		PreferredBackupWindow:      p.PreferredBackupWindow,
		PreferredMaintenanceWindow: p.PreferredMaintenanceWindow,
		AutoMinorVersionUpgrade:    p.AutoMinorVersionUpgrade,
		DeletionProtection:         p.DeletionProtection,
		DBSubnetGroupName:          p.DBSubnetGroupName,
		VpcSecurityGroupIds:        p.VPCSecurityGroupIDs,
		DBParameterGroupName:       p.DBParameterGroupName,
		Port:                       p.Port,
		Tags:                       tagList(p.Tags),
	}
	return in
}

// storageFields are the fields RDS changes storage for.
var storageFields = []string{fieldStorage, fieldMaxStorage, fieldStorageType, fieldIOPS}

// sendable is the drifted fields RDS takes in the instance's state: in
// storage-optimization, which follows every storage change and can last
// hours, RDS refuses storage changes ("You can't make further storage
// modifications for either six hours or until storage optimization has
// completed") but takes the others, so storage waits and the rest goes.
func sendable(fields []string, status string) []string {
	if status != "storage-optimization" {
		return fields
	}
	return slices.DeleteFunc(slices.Clone(fields), func(f string) bool { return slices.Contains(storageFields, f) })
}

// provisionedIOPS are the storage types whose IOPS RDS wants sent with a
// storage increase ("you must also specify the Iops parameter; you can use
// the current value").
var provisionedIOPS = map[string]bool{"gp3": true, "io1": true, "io2": true}

// modifyInput sends only the fields that differ; nil when only tags do
// (tags have calls of their own).
func modifyInput(id string, want v1alpha1.DBInstanceParameters, got observed, fields []string, password string) *rds.ModifyDBInstanceInput {
	in := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(id), ApplyImmediately: aws.Bool(want.ApplyImmediately)}
	n := 0
	for _, f := range fields {
		n++
		switch f {
		case fieldClass:
			in.DBInstanceClass = aws.String(want.DBInstanceClass)
		case fieldStorage:
			in.AllocatedStorage = aws.Int32(want.AllocatedStorage)
		case fieldMaxStorage:
			in.MaxAllocatedStorage = want.MaxAllocatedStorage
		case fieldStorageType:
			in.StorageType = want.StorageType
		case fieldIOPS:
			in.Iops = want.IOPS
		case fieldEngineVersion:
			in.EngineVersion = want.EngineVersion
			in.AllowMajorVersionUpgrade = aws.Bool(major(want.Engine, *want.EngineVersion) != major(want.Engine, aws.ToString(got.params.EngineVersion)))
		case fieldMultiAZ:
			in.MultiAZ = want.MultiAZ
		case fieldPublic:
			in.PubliclyAccessible = aws.Bool(want.PubliclyAccessible)
		case fieldBackupRetention:
			in.BackupRetentionPeriod = want.BackupRetentionPeriod
		case fieldBackupWindow:
			in.PreferredBackupWindow = want.PreferredBackupWindow
		case fieldMaintenance:
			in.PreferredMaintenanceWindow = want.PreferredMaintenanceWindow
		case fieldAutoMinorUpgrade:
			in.AutoMinorVersionUpgrade = want.AutoMinorVersionUpgrade
		case fieldDeletionProtect:
			in.DeletionProtection = want.DeletionProtection
		case fieldSecurityGroups:
			in.VpcSecurityGroupIds = want.VPCSecurityGroupIDs
		case fieldParameterGroup:
			in.DBParameterGroupName = want.DBParameterGroupName
		case fieldPort:
			in.DBPortNumber = want.Port
		case fieldPassword:
			in.MasterUserPassword = aws.String(password)
		default:
			n--
		}
	}
	if n == 0 {
		return nil
	}
	if in.AllocatedStorage != nil && in.Iops == nil && provisionedIOPS[aws.ToString(got.params.StorageType)] && got.params.IOPS != nil {
		in.Iops = ptr.To(ptr.Deref(want.IOPS, *got.params.IOPS))
	}
	return in
}

// downgrade says whether the spec's engine version is below the one the
// instance runs, which RDS cannot go down from: sending it would only be
// refused, on every poll.
func downgrade(want v1alpha1.DBInstanceParameters, got observed) bool {
	running := aws.ToString(got.params.EngineVersion)
	return want.EngineVersion != nil && running != "" && !versionSatisfies(want.Engine, *want.EngineVersion, running) && compareVersions(running, *want.EngineVersion) > 0
}

// major is the version RDS upgrades within without AllowMajorVersionUpgrade:
// 15 of postgres 15.7, but 8.0 of mysql 8.0.35 and 10.11 of mariadb 10.11.6
// (8.0 to 8.4 and 10.6 to 10.11 are major upgrades).
func major(engine, v string) string {
	parts := strings.SplitN(v, ".", 3)
	if engine != v1alpha1.EnginePostgres && len(parts) > 1 {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

// deleteInput takes a final snapshot unless the spec says to skip it.
func deleteInput(id string, uid ktypes.UID, p v1alpha1.DBInstanceParameters) *rds.DeleteDBInstanceInput {
	in := &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id), SkipFinalSnapshot: aws.Bool(p.SkipFinalSnapshot)}
	if !p.SkipFinalSnapshot {
		in.FinalDBSnapshotIdentifier = aws.String(ptr.Deref(p.FinalDBSnapshotIdentifier, finalSnapshotName(id, uid)))
	}
	return in
}

// finalSnapshotName is the default final snapshot's: the identifier and a
// part of the resource's UID. Identifiers are reused (deleted and created
// again, the same name in another namespace) and a snapshot outlives its
// instance, so <identifier>-final alone would be taken the second time
// and the delete refused (DBSnapshotAlreadyExists).
func finalSnapshotName(id string, uid ktypes.UID) string {
	u := strings.ReplaceAll(string(uid), "-", "")
	return id + "-final-" + u[:min(8, len(u))]
}

// tagChanges is what to add and what to remove to make got want.
func tagChanges(want, got map[string]string) (add []types.Tag, remove []string) {
	set, remove := tags.Changes(want, got)
	for _, k := range set {
		add = append(add, types.Tag{Key: aws.String(k), Value: aws.String(want[k])})
	}
	return add, remove
}

func tagList(tags map[string]string) []types.Tag {
	add, _ := tagChanges(tags, nil)
	return add
}

// connectionDetails follow the provider's connection Secret contract: see
// docs/connection-secrets.md. password is the one RDS has; "" while it is
// not known to be in place, and then password and url are left out, so
// that the Secret keeps the ones clients use.
func connectionDetails(p v1alpha1.DBInstanceParameters, o v1alpha1.DBInstanceObservation, password string) managed.ConnectionDetails {
	// RDS offers TLS; clients that can use it do (sslmode=prefer).
	query := ""
	if p.Engine == v1alpha1.EnginePostgres {
		query = "sslmode=prefer"
	}
	return dbconn.Database{
		Engine: p.Engine, Host: o.Address, Port: int(o.Port),
		Username: p.MasterUsername, Password: password, Name: ptr.Deref(p.DBName, ""), Query: query,
	}.ConnectionDetails()
}

var identifierRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,62}$`)

// validIdentifier applies RDS's rules for instance identifiers.
func validIdentifier(id string) error {
	if !identifierRe.MatchString(id) || strings.HasSuffix(id, "-") || strings.Contains(id, "--") {
		return xperrors.Errorf("external name %q is not a valid DB instance identifier: 1 to 63 letters, digits or hyphens, starting with a letter, without a trailing or double hyphen", id)
	}
	return nil
}

func hasCode(err error, codes ...string) bool { return awsclient.HasCode(err, codes...) }

// isNotFound also accepts the code with the Fault suffix some emulators
// answer with.
func isNotFound(err error) bool {
	return hasCode(err, "DBInstanceNotFound", "DBInstanceNotFoundFault")
}
