package rds

import (
	"net/netip"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Statuses, as RDS spells them.
const (
	statusCreating         = "creating"
	statusBackingUp        = "backing-up"
	statusAvailable        = "available"
	statusModifying        = "modifying"
	statusResettingMaster  = "resetting-master-credentials"
	statusDeleting         = "deleting"
	statusFailed           = "failed"
	snapshotStatusCreating = "creating"
	snapshotStatusReady    = "available"
)

// timeFormat is how RDS writes timestamps.
const timeFormat = "2006-01-02T15:04:05.000Z"

type tag struct{ Key, Value string }

// values are the settings RDS reports in PendingModifiedValues while they
// wait for the maintenance window or are being applied; nil means unchanged.
type values struct {
	DBInstanceClass       *string `json:",omitempty"`
	AllocatedStorage      *int32  `json:",omitempty"`
	BackupRetentionPeriod *int32  `json:",omitempty"`
	MultiAZ               *bool   `json:",omitempty"`
	EngineVersion         *string `json:",omitempty"`
	StorageType           *string `json:",omitempty"`
	Iops                  *int32  `json:",omitempty"`
	// Port is never deferred: RDS moves an instance to a new port at once.
	Port *int32 `json:",omitempty"`
}

func (v values) empty() bool { return v == values{} }

// merge overlays o on v.
func (v values) merge(o values) values {
	if o.DBInstanceClass != nil {
		v.DBInstanceClass = o.DBInstanceClass
	}
	if o.AllocatedStorage != nil {
		v.AllocatedStorage = o.AllocatedStorage
	}
	if o.BackupRetentionPeriod != nil {
		v.BackupRetentionPeriod = o.BackupRetentionPeriod
	}
	if o.MultiAZ != nil {
		v.MultiAZ = o.MultiAZ
	}
	if o.EngineVersion != nil {
		v.EngineVersion = o.EngineVersion
	}
	if o.StorageType != nil {
		v.StorageType = o.StorageType
	}
	if o.Iops != nil {
		v.Iops = o.Iops
	}
	if o.Port != nil {
		v.Port = o.Port
	}
	return v
}

// instance is a DB instance as the local cloud saves it. Its status lives
// in the lifecycle machine and is copied into Status only when saved.
type instance struct {
	ID                  string
	ResourceID          string
	Engine              string
	EngineVersion       string
	Class               string
	AllocatedStorage    int32
	MaxAllocatedStorage *int32 `json:",omitempty"`
	StorageType         string
	Iops                *int32 `json:",omitempty"`
	StorageEncrypted    bool
	KmsKeyID            string `json:",omitempty"`
	MasterUsername      string
	DBName              string `json:",omitempty"`
	// Port is the engine's port: the one asked for when it was free.
	Port int32 `json:",omitempty"`
	// AskedPort is the port the instance was created or last modified
	// with, if any: an instance in a subnet group has its endpoint there
	// (see listenPort), whatever port its engine got on 127.0.0.1.
	AskedPort int32 `json:",omitempty"`
	// ParameterGroup is only a name: the local cloud has no parameter groups.
	ParameterGroup string
	// SubnetGroup names the DB subnet group the instance is in, if any.
	SubnetGroup string `json:",omitempty"`
	// Address is the instance's own address in its subnet group's subnet
	// of its zone, where its gate listens (see vpc.go); none outside a
	// subnet group. It stays through a Multi-AZ failover, as the
	// endpoint's DNS name does on RDS, which here would have no way to
	// follow the standby to another subnet.
	Address          netip.Addr `json:",omitzero"`
	AvailabilityZone string
	// SecondaryAvailabilityZone is the standby's, once a failover has
	// placed it.
	SecondaryAvailabilityZone  string `json:",omitempty"`
	MultiAZ                    bool
	PubliclyAccessible         bool
	AutoMinorVersionUpgrade    bool
	BackupRetentionPeriod      int32
	PreferredBackupWindow      string
	PreferredMaintenanceWindow string
	DeletionProtection         bool
	CopyTagsToSnapshot         bool
	VpcSecurityGroupIDs        []string   `json:",omitempty"`
	Tags                       []tag      `json:",omitempty"`
	CreateTime                 *time.Time `json:",omitempty"`
	Status                     string
	// Pending waits for the maintenance window; Applying is being applied now.
	Pending  values `json:",omitzero"`
	Applying values `json:",omitzero"`
	// FinalSnapshot names the snapshot a deletion takes, if any.
	FinalSnapshot string `json:",omitempty"`

	// Passwords are held in memory only, until the engine has them; the
	// saved state never contains a password.
	initialPassword string
	newPassword     string
}

// snapshot is a DB snapshot: a pg_dump file plus what RDS reports about it.
type snapshot struct {
	ID                 string
	InstanceID         string
	ResourceID         string
	Engine             string
	EngineVersion      string
	AllocatedStorage   int32
	MasterUsername     string
	Port               int32
	AvailabilityZone   string
	StorageType        string
	Encrypted          bool
	KmsKeyID           string     `json:",omitempty"`
	InstanceCreateTime *time.Time `json:",omitempty"`
	CreateTime         time.Time
	Status             string
	Type               string
	Tags               []tag `json:",omitempty"`
	// File is the dump, relative to the service's data dir.
	File string
}

func (s *Service) dbInstanceXML(in *instance, status string) xmlDBInstance {
	x := xmlDBInstance{
		DBInstanceIdentifier:       in.ID,
		DBInstanceClass:            in.Class,
		Engine:                     in.Engine,
		DBInstanceStatus:           status,
		MasterUsername:             in.MasterUsername,
		DBName:                     in.DBName,
		AllocatedStorage:           in.AllocatedStorage,
		PreferredBackupWindow:      in.PreferredBackupWindow,
		BackupRetentionPeriod:      in.BackupRetentionPeriod,
		DBParameterGroups:          []xmlDBParameterGroup{{DBParameterGroupName: in.ParameterGroup, ParameterApplyStatus: "in-sync"}},
		AvailabilityZone:           in.AvailabilityZone,
		DBSubnetGroup:              s.instanceSubnetGroupXML(in),
		SecondaryAvailabilityZone:  secondaryZone(in),
		PreferredMaintenanceWindow: in.PreferredMaintenanceWindow,
		PendingModifiedValues:      pendingXML(in),
		MultiAZ:                    in.MultiAZ,
		EngineVersion:              in.EngineVersion,
		AutoMinorVersionUpgrade:    in.AutoMinorVersionUpgrade,
		LicenseModel:               licenseModel(in.Engine),
		PubliclyAccessible:         in.PubliclyAccessible,
		StorageType:                in.StorageType,
		Iops:                       in.Iops,
		StorageEncrypted:           in.StorageEncrypted,
		KmsKeyId:                   in.KmsKeyID,
		DbiResourceId:              in.ResourceID,
		CACertificateIdentifier:    "rds-ca-rsa2048-g1",
		CopyTagsToSnapshot:         in.CopyTagsToSnapshot,
		DBInstanceArn:              s.arn("db", in.ID),
		DeletionProtection:         in.DeletionProtection,
		MaxAllocatedStorage:        in.MaxAllocatedStorage,
		TagList:                    tagsXML(in.Tags),
		NetworkType:                "IPV4",
		BackupTarget:               "region",
	}
	for _, id := range in.VpcSecurityGroupIDs {
		x.VpcSecurityGroups = append(x.VpcSecurityGroups, xmlVpcSecurityGroup{VpcSecurityGroupId: id, Status: "active"})
	}
	// RDS reports no endpoint until the engine is up.
	if in.Port != 0 && status != statusCreating {
		addr, port := "127.0.0.1", in.Port
		if in.Address.IsValid() {
			addr, port = in.Address.String(), listenPort(in)
		}
		x.Endpoint = &xmlEndpoint{Address: addr, Port: port, HostedZoneId: "Z2R2ITUGPM61AM"}
	}
	if in.CreateTime != nil {
		x.InstanceCreateTime = in.CreateTime.UTC().Format(timeFormat)
	}
	return x
}

// secondaryZone is reported for Multi-AZ instances only.
func secondaryZone(in *instance) string {
	if !in.MultiAZ {
		return ""
	}
	return in.SecondaryAvailabilityZone
}

func pendingXML(in *instance) xmlPendingModifiedValues {
	v := in.Pending.merge(in.Applying)
	p := xmlPendingModifiedValues{AllocatedStorage: v.AllocatedStorage, BackupRetentionPeriod: v.BackupRetentionPeriod, MultiAZ: v.MultiAZ,
		DBInstanceClass: aws.ToString(v.DBInstanceClass), EngineVersion: aws.ToString(v.EngineVersion), StorageType: aws.ToString(v.StorageType),
		Iops: v.Iops, Port: v.Port}
	// RDS never echoes a password, only that one is being set.
	if in.newPassword != "" {
		p.MasterUserPassword = "****"
	}
	return p
}

func (s *Service) dbSnapshotXML(sn *snapshot) xmlDBSnapshot {
	x := xmlDBSnapshot{
		DBSnapshotIdentifier: sn.ID,
		DBInstanceIdentifier: sn.InstanceID,
		SnapshotCreateTime:   sn.CreateTime.UTC().Format(timeFormat),
		Engine:               sn.Engine,
		AllocatedStorage:     sn.AllocatedStorage,
		Status:               sn.Status,
		Port:                 sn.Port,
		AvailabilityZone:     sn.AvailabilityZone,
		MasterUsername:       sn.MasterUsername,
		EngineVersion:        sn.EngineVersion,
		LicenseModel:         licenseModel(sn.Engine),
		SnapshotType:         sn.Type,
		StorageType:          sn.StorageType,
		Encrypted:            sn.Encrypted,
		KmsKeyId:             sn.KmsKeyID,
		DBSnapshotArn:        s.arn("snapshot", sn.ID),
		DbiResourceId:        sn.ResourceID,
		TagList:              tagsXML(sn.Tags),
		SnapshotTarget:       "region",
	}
	if sn.Status == snapshotStatusReady {
		x.PercentProgress = 100
	}
	if sn.InstanceCreateTime != nil {
		x.InstanceCreateTime = sn.InstanceCreateTime.UTC().Format(timeFormat)
	}
	return x
}

func tagsXML(tags []tag) []xmlTag {
	out := make([]xmlTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, xmlTag(t))
	}
	return out
}

// setTags adds or replaces tags by key, keeping their order.
func setTags(tags []tag, add []tag) []tag {
	tags = slices.Clone(tags)
	for _, a := range add {
		i := slices.IndexFunc(tags, func(t tag) bool { return t.Key == a.Key })
		if i >= 0 {
			tags[i] = a
			continue
		}
		tags = append(tags, a)
	}
	return tags
}

func removeTags(tags []tag, keys []string) []tag {
	return slices.DeleteFunc(slices.Clone(tags), func(t tag) bool { return slices.Contains(keys, t.Key) })
}

func licenseModel(engine string) string {
	if engine == "postgres" {
		return "postgresql-license"
	}
	return "general-public-license"
}
