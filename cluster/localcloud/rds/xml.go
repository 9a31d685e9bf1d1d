package rds

// The wire shapes below follow the member names in aws-sdk-go-v2's
// service/rds schemas (and its response snapshots); only the members the
// local cloud models are written.

type xmlTag struct {
	Key   string
	Value string
}

type xmlEndpoint struct {
	Address      string
	Port         int32
	HostedZoneId string
}

type xmlPendingModifiedValues struct {
	DBInstanceClass       string `xml:",omitempty"`
	AllocatedStorage      *int32 `xml:",omitempty"`
	MasterUserPassword    string `xml:",omitempty"`
	Port                  *int32 `xml:",omitempty"`
	BackupRetentionPeriod *int32 `xml:",omitempty"`
	MultiAZ               *bool  `xml:",omitempty"`
	EngineVersion         string `xml:",omitempty"`
	Iops                  *int32 `xml:",omitempty"`
	StorageType           string `xml:",omitempty"`
}

type xmlVpcSecurityGroup struct {
	VpcSecurityGroupId string
	Status             string
}

type xmlDBParameterGroup struct {
	DBParameterGroupName string
	ParameterApplyStatus string
}

type xmlAvailabilityZone struct {
	Name string
}

type xmlSubnet struct {
	SubnetIdentifier       string
	SubnetAvailabilityZone xmlAvailabilityZone
	SubnetStatus           string
}

type xmlDBSubnetGroup struct {
	DBSubnetGroupName        string
	DBSubnetGroupDescription string      `xml:",omitempty"`
	VpcId                    string      `xml:",omitempty"`
	SubnetGroupStatus        string      `xml:",omitempty"`
	Subnets                  []xmlSubnet `xml:"Subnets>Subnet"`
	DBSubnetGroupArn         string      `xml:",omitempty"`
	SupportedNetworkTypes    []string    `xml:"SupportedNetworkTypes>member"`
}

type xmlDBInstance struct {
	DBInstanceIdentifier             string
	DBInstanceClass                  string
	Engine                           string
	DBInstanceStatus                 string
	MasterUsername                   string       `xml:",omitempty"`
	DBName                           string       `xml:",omitempty"`
	Endpoint                         *xmlEndpoint `xml:",omitempty"`
	AllocatedStorage                 int32
	InstanceCreateTime               string `xml:",omitempty"`
	PreferredBackupWindow            string
	BackupRetentionPeriod            int32
	VpcSecurityGroups                []xmlVpcSecurityGroup `xml:"VpcSecurityGroups>VpcSecurityGroupMembership"`
	DBParameterGroups                []xmlDBParameterGroup `xml:"DBParameterGroups>DBParameterGroup"`
	AvailabilityZone                 string
	DBSubnetGroup                    *xmlDBSubnetGroup `xml:",omitempty"`
	SecondaryAvailabilityZone        string            `xml:",omitempty"`
	PreferredMaintenanceWindow       string
	PendingModifiedValues            xmlPendingModifiedValues
	MultiAZ                          bool
	EngineVersion                    string
	AutoMinorVersionUpgrade          bool
	LicenseModel                     string
	PubliclyAccessible               bool
	StorageType                      string
	Iops                             *int32 `xml:",omitempty"`
	DbInstancePort                   int32
	StorageEncrypted                 bool
	KmsKeyId                         string `xml:",omitempty"`
	DbiResourceId                    string
	CACertificateIdentifier          string
	CopyTagsToSnapshot               bool
	DBInstanceArn                    string
	IAMDatabaseAuthenticationEnabled bool
	PerformanceInsightsEnabled       bool
	DeletionProtection               bool
	MaxAllocatedStorage              *int32   `xml:",omitempty"`
	TagList                          []xmlTag `xml:"TagList>Tag"`
	NetworkType                      string
	BackupTarget                     string
}

type xmlDBSnapshot struct {
	DBSnapshotIdentifier string
	DBInstanceIdentifier string
	SnapshotCreateTime   string `xml:",omitempty"`
	Engine               string
	AllocatedStorage     int32
	Status               string
	Port                 int32
	AvailabilityZone     string
	InstanceCreateTime   string `xml:",omitempty"`
	MasterUsername       string
	EngineVersion        string
	LicenseModel         string
	SnapshotType         string
	PercentProgress      int32
	StorageType          string
	Encrypted            bool
	KmsKeyId             string `xml:",omitempty"`
	DBSnapshotArn        string
	DbiResourceId        string
	TagList              []xmlTag `xml:"TagList>Tag"`
	SnapshotTarget       string
}

type dbInstanceResult struct {
	DBInstance xmlDBInstance
}

type describeDBInstancesResult struct {
	Marker      string          `xml:",omitempty"`
	DBInstances []xmlDBInstance `xml:"DBInstances>DBInstance"`
}

type describeDBSnapshotsResult struct {
	Marker      string          `xml:",omitempty"`
	DBSnapshots []xmlDBSnapshot `xml:"DBSnapshots>DBSnapshot"`
}

type dbSubnetGroupResult struct {
	DBSubnetGroup xmlDBSubnetGroup
}

type describeDBSubnetGroupsResult struct {
	Marker         string             `xml:",omitempty"`
	DBSubnetGroups []xmlDBSubnetGroup `xml:"DBSubnetGroups>DBSubnetGroup"`
}

type tagListResult struct {
	TagList []xmlTag `xml:"TagList>Tag"`
}
