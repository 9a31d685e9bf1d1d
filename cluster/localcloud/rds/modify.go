package rds

import (
	"context"
	"slices"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// modifiable are the ModifyDBInstance parameters the local cloud models;
// others are refused rather than silently ignored.
var modifiable = []string{
	"DBInstanceIdentifier", "ApplyImmediately", "DBInstanceClass", "AllocatedStorage",
	"MasterUserPassword", "BackupRetentionPeriod", "DeletionProtection",
	"PreferredMaintenanceWindow", "PreferredBackupWindow", "MaxAllocatedStorage",
	"PubliclyAccessible", "MultiAZ", "AutoMinorVersionUpgrade", "CopyTagsToSnapshot",
	"AllowMajorVersionUpgrade", "EngineVersion", "StorageType", "Iops",
	"DBParameterGroupName", "DBPortNumber",
}

// modification is a parsed ModifyDBInstance request; nil means unchanged.
type modification struct {
	// deferrable wait for the maintenance window unless ApplyImmediately.
	deferrable values
	password   string
	protect    *bool
	public     *bool
	autoMinor  *bool
	copyTags   *bool
	maxStorage *int32
	backupWin  *string
	maintWin   *string
	paramGroup *string
	groups     []string
	// groupVPCs is what the network said of groups.
	groupVPCs groupVPCs
	now       bool
}

// modifyDBInstance applies settings that RDS applies at once right away and
// defers the others to PendingModifiedValues unless ApplyImmediately; a new
// master password and a new port are always applied as soon as possible,
// as on RDS.
func (s *Service) modifyDBInstance(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("DBInstanceIdentifier")
	if err != nil {
		return nil, err
	}
	id := strings.ToLower(raw)
	m, err := parseModification(r)
	if err != nil {
		return nil, err
	}
	m.groupVPCs = s.lookupSecurityGroups(m.groups)
	s.mu.Lock()
	in, ok := s.instances[id]
	if !ok {
		s.mu.Unlock()
		return nil, errInstanceNotFound(raw)
	}
	status := s.status(id)
	if !slices.Contains(modifiableStates, status) {
		s.mu.Unlock()
		return nil, errInvalidState("Database instance is not in available state.")
	}
	if err := checkModification(in, m); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if err := checkSecurityGroups(m.groups, m.groupVPCs, s.subnetGroups[in.SubnetGroup]); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if status == statusStorageOptimization && storageChanging(differing(in, m.deferrable)) {
		s.mu.Unlock()
		return nil, errStorageOptimizing(in.ID)
	}
	if next := applyModification(in, m); next != "" {
		s.machine.Start(key(id), s.modifyTransition(id, next, storageChanging(in.Applying)))
	}
	out := dbInstanceResult{DBInstance: s.dbInstanceXML(in, s.status(id))}
	s.mu.Unlock()
	s.save()
	return out, nil
}

func parseModification(r *awsquery.Request) (*modification, error) {
	for name := range r.Params {
		if !slices.Contains(modifiable, name) && !strings.HasPrefix(name, "VpcSecurityGroupIds.VpcSecurityGroupId.") {
			return nil, awsquery.InvalidParameterValue("The local cloud does not support %s in ModifyDBInstance.", name)
		}
	}
	m := &modification{groups: r.List("VpcSecurityGroupIds.VpcSecurityGroupId")}
	d := &m.deferrable
	d.DBInstanceClass, d.EngineVersion, d.StorageType = optional(r, "DBInstanceClass"), optional(r, "EngineVersion"), optional(r, "StorageType")
	m.backupWin, m.maintWin, m.paramGroup = optional(r, "PreferredBackupWindow"), optional(r, "PreferredMaintenanceWindow"), optional(r, "DBParameterGroupName")
	m.password, _ = r.String("MasterUserPassword")
	var err error
	for name, dst := range map[string]**int32{"AllocatedStorage": &d.AllocatedStorage, "BackupRetentionPeriod": &d.BackupRetentionPeriod,
		"Iops": &d.Iops, "DBPortNumber": &d.Port, "MaxAllocatedStorage": &m.maxStorage} {
		if *dst, err = r.Int(name); err != nil {
			return nil, err
		}
	}
	for name, dst := range map[string]**bool{"MultiAZ": &d.MultiAZ, "DeletionProtection": &m.protect,
		"PubliclyAccessible": &m.public, "AutoMinorVersionUpgrade": &m.autoMinor, "CopyTagsToSnapshot": &m.copyTags} {
		if *dst, err = r.Bool(name); err != nil {
			return nil, err
		}
	}
	now, err := r.Bool("ApplyImmediately")
	m.now = now != nil && *now
	if m.maintWin != nil {
		*m.maintWin = strings.ToLower(*m.maintWin)
	}
	return m, err
}

// checkModification validates m against the instance's current settings.
func checkModification(in *instance, m *modification) error {
	d := m.deferrable
	if err := ifSet(d.DBInstanceClass, validateClass); err != nil {
		return err
	}
	if err := ifSet(d.BackupRetentionPeriod, validateRetention); err != nil {
		return err
	}
	if err := ifSet(m.backupWin, validateBackupWindow); err != nil {
		return err
	}
	if err := ifSet(m.maintWin, validateMaintenanceWindow); err != nil {
		return err
	}
	if m.password != "" {
		if err := validatePassword(m.password); err != nil {
			return err
		}
	}
	if d.Port != nil && *d.Port != in.Port {
		if err := validatePort(*d.Port); err != nil {
			return err
		}
	}
	if v := d.EngineVersion; v != nil && major(in.Engine, *v) != major(in.Engine, in.EngineVersion) {
		return awsquery.InvalidParameterCombination("The local cloud runs %s %s only and cannot upgrade to %s.", in.Engine, major(in.Engine, in.EngineVersion), *v)
	}
	if d.StorageType != nil || d.Iops != nil {
		if err := validateStorageType(in.Engine, ptrOr(d.StorageType, in.StorageType), d.Iops); err != nil {
			return err
		}
	}
	return checkStorage(in, m)
}

func checkStorage(in *instance, m *modification) error {
	storage := in.AllocatedStorage
	if gib := m.deferrable.AllocatedStorage; gib != nil {
		if err := validateStorage(in.Engine, in.StorageType, *gib); err != nil {
			return err
		}
		if *gib < in.AllocatedStorage {
			return awsquery.InvalidParameterValue("Invalid storage size: allocated storage cannot be reduced from %d to %d.", in.AllocatedStorage, *gib)
		}
		storage = *gib
	}
	if m.maxStorage != nil && *m.maxStorage <= storage {
		return awsquery.InvalidParameterCombination("Max storage size must be greater than storage size")
	}
	return nil
}

func ifSet[T any](v *T, check func(T) error) error {
	if v == nil {
		return nil
	}
	return check(*v)
}

// applyModification changes in and returns the status of the transition
// to run, "" for none.
func applyModification(in *instance, m *modification) string {
	changed := false
	setBool := func(dst *bool, v *bool) {
		if v != nil && *v != *dst {
			*dst, changed = *v, true
		}
	}
	setString := func(dst *string, v *string) {
		if v != nil && *v != *dst {
			*dst, changed = *v, true
		}
	}
	setBool(&in.DeletionProtection, m.protect)
	setBool(&in.PubliclyAccessible, m.public)
	setBool(&in.AutoMinorVersionUpgrade, m.autoMinor)
	setBool(&in.CopyTagsToSnapshot, m.copyTags)
	setString(&in.PreferredBackupWindow, m.backupWin)
	setString(&in.PreferredMaintenanceWindow, m.maintWin)
	setString(&in.ParameterGroup, m.paramGroup)
	if m.maxStorage != nil && (in.MaxAllocatedStorage == nil || *in.MaxAllocatedStorage != *m.maxStorage) {
		in.MaxAllocatedStorage, changed = m.maxStorage, true
	}
	if m.groups != nil && !slices.Equal(m.groups, in.VpcSecurityGroupIDs) {
		in.VpcSecurityGroupIDs, changed = m.groups, true
	}
	d := differing(in, m.deferrable)
	// Retention between two non-zero values changes at once on RDS; turning
	// backups on or off waits like the other deferrable settings.
	if v := d.BackupRetentionPeriod; v != nil && *v != 0 && in.BackupRetentionPeriod != 0 {
		in.BackupRetentionPeriod, d.BackupRetentionPeriod, changed = *v, nil, true
	}
	port := d.Port
	d.Port = nil
	if m.now {
		// ApplyImmediately also applies what was waiting for the window.
		in.Applying, in.Pending = in.Pending.merge(d), values{}
	} else {
		in.Pending = in.Pending.merge(d)
	}
	in.Applying.Port = port
	if m.password != "" {
		in.newPassword = m.password
	}
	switch {
	case port != nil || (m.now && (changed || !in.Applying.empty())):
		return statusModifying
	case m.password != "":
		return statusResettingMaster
	}
	return ""
}

// differing keeps the deferrable values that differ from the instance's.
func differing(in *instance, v values) values {
	if v.DBInstanceClass != nil && *v.DBInstanceClass == in.Class {
		v.DBInstanceClass = nil
	}
	if v.AllocatedStorage != nil && *v.AllocatedStorage == in.AllocatedStorage {
		v.AllocatedStorage = nil
	}
	if v.BackupRetentionPeriod != nil && *v.BackupRetentionPeriod == in.BackupRetentionPeriod {
		v.BackupRetentionPeriod = nil
	}
	if v.MultiAZ != nil && *v.MultiAZ == in.MultiAZ {
		v.MultiAZ = nil
	}
	if v.EngineVersion != nil && (*v.EngineVersion == in.EngineVersion || *v.EngineVersion == major(in.Engine, in.EngineVersion)) {
		v.EngineVersion = nil
	}
	if v.StorageType != nil && *v.StorageType == in.StorageType {
		v.StorageType = nil
	}
	if v.Iops != nil && in.Iops != nil && *v.Iops == *in.Iops {
		v.Iops = nil
	}
	if v.Port != nil && *v.Port == in.Port {
		v.Port = nil
	}
	return v
}

func ptrOr[T any](p *T, fallback T) T {
	if p == nil {
		return fallback
	}
	return *p
}

func optional(r *awsquery.Request, name string) *string {
	v, ok := r.String(name)
	if !ok {
		return nil
	}
	return &v
}
