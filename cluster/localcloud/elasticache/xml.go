package elasticache

// The wire shapes below follow the member names in aws-sdk-go-v2's
// service/elasticache schemas (list members carry their XML names, e.g.
// MemberClusters>ClusterId); only the members the local cloud models are
// written.

type xmlTag struct {
	Key   string
	Value string
}

type xmlEndpoint struct {
	Address string
	Port    int32
}

type xmlNodeGroupMember struct {
	CacheClusterId            string
	CacheNodeId               string
	ReadEndpoint              *xmlEndpoint `xml:",omitempty"`
	PreferredAvailabilityZone string
	CurrentRole               string `xml:",omitempty"`
}

type xmlNodeGroup struct {
	NodeGroupId      string
	Status           string
	PrimaryEndpoint  *xmlEndpoint         `xml:",omitempty"`
	ReaderEndpoint   *xmlEndpoint         `xml:",omitempty"`
	NodeGroupMembers []xmlNodeGroupMember `xml:"NodeGroupMembers>NodeGroupMember"`
}

type xmlGroupPending struct {
	AutomaticFailoverStatus string `xml:",omitempty"`
	AuthTokenStatus         string `xml:",omitempty"`
}

type xmlReplicationGroup struct {
	ReplicationGroupId         string
	Description                string
	Status                     string
	PendingModifiedValues      xmlGroupPending
	MemberClusters             []string       `xml:"MemberClusters>ClusterId"`
	NodeGroups                 []xmlNodeGroup `xml:"NodeGroups>NodeGroup"`
	SnapshottingClusterId      string         `xml:",omitempty"`
	AutomaticFailover          string
	MultiAZ                    string
	SnapshotRetentionLimit     int32
	SnapshotWindow             string
	ClusterEnabled             bool
	CacheNodeType              string
	AuthTokenEnabled           bool
	AuthTokenLastModifiedDate  string `xml:",omitempty"`
	TransitEncryptionEnabled   bool
	AtRestEncryptionEnabled    bool
	KmsKeyId                   string `xml:",omitempty"`
	ARN                        string
	ReplicationGroupCreateTime string `xml:",omitempty"`
	DataTiering                string
	AutoMinorVersionUpgrade    bool
	NetworkType                string
	IpDiscovery                string
	TransitEncryptionMode      string `xml:",omitempty"`
	ClusterMode                string
	Engine                     string
}

type xmlClusterPending struct {
	CacheNodeType   string `xml:",omitempty"`
	EngineVersion   string `xml:",omitempty"`
	AuthTokenStatus string `xml:",omitempty"`
}

type xmlParameterGroupStatus struct {
	CacheParameterGroupName string
	ParameterApplyStatus    string
}

type xmlSecurityGroupMembership struct {
	SecurityGroupId string
	Status          string
}

type xmlCacheNode struct {
	CacheNodeId              string
	CacheNodeStatus          string
	CacheNodeCreateTime      string       `xml:",omitempty"`
	Endpoint                 *xmlEndpoint `xml:",omitempty"`
	ParameterGroupStatus     string
	CustomerAvailabilityZone string
}

type xmlCacheCluster struct {
	CacheClusterId                     string
	CacheNodeType                      string
	Engine                             string
	EngineVersion                      string
	CacheClusterStatus                 string
	NumCacheNodes                      int32
	PreferredAvailabilityZone          string
	CacheClusterCreateTime             string `xml:",omitempty"`
	PreferredMaintenanceWindow         string
	PendingModifiedValues              xmlClusterPending
	CacheParameterGroup                xmlParameterGroupStatus
	CacheSubnetGroupName               string         `xml:",omitempty"`
	CacheNodes                         []xmlCacheNode `xml:"CacheNodes>CacheNode"`
	AutoMinorVersionUpgrade            bool
	SecurityGroups                     []xmlSecurityGroupMembership `xml:"SecurityGroups>member"`
	ReplicationGroupId                 string
	SnapshotRetentionLimit             int32
	SnapshotWindow                     string
	AuthTokenEnabled                   bool
	AuthTokenLastModifiedDate          string `xml:",omitempty"`
	TransitEncryptionEnabled           bool
	AtRestEncryptionEnabled            bool
	ARN                                string
	ReplicationGroupLogDeliveryEnabled bool
	NetworkType                        string
	IpDiscovery                        string
	TransitEncryptionMode              string `xml:",omitempty"`
}

type xmlNodeSnapshot struct {
	CacheClusterId      string
	NodeGroupId         string
	CacheNodeId         string
	CacheSize           string
	CacheNodeCreateTime string `xml:",omitempty"`
	SnapshotCreateTime  string `xml:",omitempty"`
}

type xmlSnapshot struct {
	SnapshotName                string
	ReplicationGroupId          string
	ReplicationGroupDescription string
	CacheClusterId              string
	SnapshotStatus              string
	SnapshotSource              string
	CacheNodeType               string
	Engine                      string
	EngineVersion               string
	PreferredMaintenanceWindow  string
	Port                        int32
	CacheParameterGroupName     string
	CacheSubnetGroupName        string `xml:",omitempty"`
	AutoMinorVersionUpgrade     bool
	SnapshotRetentionLimit      int32
	SnapshotWindow              string
	NumNodeGroups               int32
	AutomaticFailover           string
	NodeSnapshots               []xmlNodeSnapshot `xml:"NodeSnapshots>NodeSnapshot"`
	KmsKeyId                    string            `xml:",omitempty"`
	ARN                         string
	DataTiering                 string
}

type xmlAvailabilityZone struct {
	Name string
}

type xmlSubnet struct {
	SubnetIdentifier       string
	SubnetAvailabilityZone xmlAvailabilityZone
	SupportedNetworkTypes  []string `xml:"SupportedNetworkTypes>member"`
}

type xmlCacheSubnetGroup struct {
	CacheSubnetGroupName        string
	CacheSubnetGroupDescription string
	VpcId                       string
	Subnets                     []xmlSubnet `xml:"Subnets>Subnet"`
	ARN                         string
	SupportedNetworkTypes       []string `xml:"SupportedNetworkTypes>member"`
}

type cacheSubnetGroupResult struct {
	CacheSubnetGroup xmlCacheSubnetGroup
}

type describeCacheSubnetGroupsResult struct {
	Marker            string                `xml:",omitempty"`
	CacheSubnetGroups []xmlCacheSubnetGroup `xml:"CacheSubnetGroups>CacheSubnetGroup"`
}

type replicationGroupResult struct {
	ReplicationGroup xmlReplicationGroup
}

type describeReplicationGroupsResult struct {
	Marker            string                `xml:",omitempty"`
	ReplicationGroups []xmlReplicationGroup `xml:"ReplicationGroups>ReplicationGroup"`
}

type describeCacheClustersResult struct {
	Marker        string            `xml:",omitempty"`
	CacheClusters []xmlCacheCluster `xml:"CacheClusters>CacheCluster"`
}

type snapshotResult struct {
	Snapshot xmlSnapshot
}

type describeSnapshotsResult struct {
	Marker    string        `xml:",omitempty"`
	Snapshots []xmlSnapshot `xml:"Snapshots>Snapshot"`
}

type tagListResult struct {
	TagList []xmlTag `xml:"TagList>Tag"`
}
