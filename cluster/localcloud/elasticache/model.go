package elasticache

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Statuses, as ElastiCache spells them. "failed" is the local cloud's own:
// a step other than creation failed, and its log says why.
const (
	statusCreating     = "creating"
	statusCreateFailed = "create-failed"
	statusAvailable    = "available"
	statusModifying    = "modifying"
	statusSnapshotting = "snapshotting"
	statusDeleting     = "deleting"
	statusFailed       = "failed"

	snapshotCreating  = "creating"
	snapshotAvailable = "available"
)

// Values of AuthTokenStatus while a token is being applied.
const (
	authRotating = "ROTATING"
	authSetting  = "SETTING"
)

// timeFormat is how ElastiCache writes timestamps.
const timeFormat = "2006-01-02T15:04:05.000Z"

type tag struct{ Key, Value string }

// values are the settings ElastiCache reports as pending while they wait
// for the maintenance window or are being applied; nil means unchanged.
type values struct {
	NodeType          *string `json:",omitempty"`
	EngineVersion     *string `json:",omitempty"`
	AutomaticFailover *bool   `json:",omitempty"`
	MultiAZ           *bool   `json:",omitempty"`
}

func (v values) empty() bool { return v == values{} }

// merge overlays o on v.
func (v values) merge(o values) values {
	if o.NodeType != nil {
		v.NodeType = o.NodeType
	}
	if o.EngineVersion != nil {
		v.EngineVersion = o.EngineVersion
	}
	if o.AutomaticFailover != nil {
		v.AutomaticFailover = o.AutomaticFailover
	}
	if o.MultiAZ != nil {
		v.MultiAZ = o.MultiAZ
	}
	return v
}

// group is a replication group (cluster mode disabled: one node group) as
// the local cloud saves it. Its status lives in the lifecycle machine and
// is copied into Status only when saved. The token is not here: the
// group's auth file holds its hashes (see auth.go).
type group struct {
	ID                      string
	Description             string
	Engine                  string
	EngineVersion           string
	NodeType                string
	AutomaticFailover       bool
	MultiAZ                 bool
	TransitEncryption       bool
	AtRestEncryption        bool
	KmsKeyID                string `json:",omitempty"`
	AuthTokenEnabled        bool
	AuthTokenLastModified   *time.Time `json:",omitempty"`
	Port                    int32      `json:",omitempty"`
	ParameterGroup          string
	SubnetGroup             string   `json:",omitempty"`
	SecurityGroupIDs        []string `json:",omitempty"`
	SnapshotRetentionLimit  int32
	SnapshotWindow          string
	MaintenanceWindow       string
	AutoMinorVersionUpgrade bool
	AvailabilityZone        string
	Tags                    []tag `json:",omitempty"`
	// Members are the member clusters, one node each; the first is the
	// primary, which a failover moves to the front.
	Members    []*member
	CreateTime time.Time
	Status     string
	// Pending waits for the maintenance window; Applying is being applied.
	Pending  values `json:",omitzero"`
	Applying values `json:",omitzero"`
	// AuthChange is ROTATING or SETTING while a new token is applied.
	AuthChange string `json:",omitempty"`
	// Snapshot names the snapshot being taken (CreateSnapshot, or the
	// final one of a deletion), if any.
	Snapshot string `json:",omitempty"`
	// Failover is the failover being carried out, if any.
	Failover *failover `json:",omitempty"`
	// PrimaryAddress and ReaderAddress are the primary and reader
	// endpoints' own addresses in the subnet group's subnet, where their
	// gates listen (see vpc.go); none outside a subnet group. Each member
	// has its own too. The primary's stays through a failover, as its DNS
	// name does on ElastiCache.
	PrimaryAddress netip.Addr `json:",omitzero"`
	ReaderAddress  netip.Addr `json:",omitzero"`
}

// member is a member cluster: one node, a primary or a replica.
type member struct {
	ID string
	// Port is the node's port, once it has run: the one it prefers.
	Port       int32      `json:",omitempty"`
	CreateTime *time.Time `json:",omitempty"`
	// Adding and Removing mark replicas that IncreaseReplicaCount and
	// DecreaseReplicaCount are creating or deleting.
	Adding   bool  `json:",omitempty"`
	Removing bool  `json:",omitempty"`
	Tags     []tag `json:",omitempty"`
	// Address is the node's own endpoint address, in a subnet group.
	Address netip.Addr `json:",omitzero"`
}

// snapshot is a backup: an RDB file plus what ElastiCache reports about it.
type snapshot struct {
	Name                    string
	GroupID                 string
	GroupDescription        string
	ClusterID               string
	Status                  string
	Source                  string
	NodeType                string
	Engine                  string
	EngineVersion           string
	Port                    int32
	ParameterGroup          string
	SubnetGroup             string `json:",omitempty"`
	MaintenanceWindow       string
	SnapshotRetentionLimit  int32
	SnapshotWindow          string
	AutomaticFailover       bool
	AutoMinorVersionUpgrade bool
	KmsKeyID                string     `json:",omitempty"`
	ClusterCreateTime       *time.Time `json:",omitempty"`
	CreateTime              time.Time
	Tags                    []tag `json:",omitempty"`
	// File is the RDB file, relative to the service's data dir.
	File string
}

func (g *group) primary() *member { return g.Members[0] }

// replicas counts the replicas, those being added included.
func (g *group) replicas() int {
	n := 0
	for _, m := range g.Members[1:] {
		if !m.Removing {
			n++
		}
	}
	return n
}

func (g *group) member(id string) *member {
	i := slices.IndexFunc(g.Members, func(m *member) bool { return m.ID == id })
	if i < 0 {
		return nil
	}
	return g.Members[i]
}

// newMemberID returns the next free member cluster id, as ElastiCache
// names them: <group>-001, <group>-002...
func (g *group) newMemberID() string {
	for n := 1; ; n++ {
		id := fmt.Sprintf("%s-%03d", g.ID, n)
		if g.member(id) == nil {
			return id
		}
	}
}

// memberStatus is a member cluster's status, given its group's.
func memberStatus(g *group, m *member, groupStatus string) string {
	switch {
	case groupStatus == statusCreating || groupStatus == statusCreateFailed || groupStatus == statusDeleting || groupStatus == statusFailed:
		return groupStatus
	case m.Adding:
		return statusCreating
	case m.Removing:
		return statusDeleting
	case groupStatus == statusModifying && (g.Applying.NodeType != nil || g.Applying.EngineVersion != nil):
		return statusModifying
	case groupStatus == statusModifying && g.Failover != nil && (m.ID == g.Failover.From || m.ID == g.Failover.To):
		// The two nodes whose roles swap restart.
		return statusModifying
	case groupStatus == statusSnapshotting && m == g.primary():
		return statusSnapshotting
	}
	return statusAvailable
}

// endpoint is where member m is reached through addr (its own address,
// or the group's primary or reader address), once its node runs; outside
// a subnet group that is 127.0.0.1.
func endpoint(g *group, m *member, addr netip.Addr, groupStatus string) *xmlEndpoint {
	if m.Port == 0 || m.Adding || groupStatus == statusCreating {
		return nil
	}
	host, port := "127.0.0.1", m.Port
	if addr.IsValid() {
		host, port = addr.String(), listenPort(g)
	}
	return &xmlEndpoint{Address: host, Port: port}
}

// reader is the member behind the reader endpoint: the first replica that
// serves, else the primary.
func reader(g *group) *member {
	for _, m := range g.Members[1:] {
		if !m.Adding && !m.Removing && m.Port != 0 {
			return m
		}
	}
	return g.primary()
}

func enabled(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

func (s *Service) replicationGroupXML(g *group, status string) xmlReplicationGroup {
	x := xmlReplicationGroup{
		ReplicationGroupId:         g.ID,
		Description:                g.Description,
		Status:                     status,
		AutomaticFailover:          enabled(g.AutomaticFailover),
		MultiAZ:                    enabled(g.MultiAZ),
		SnapshotRetentionLimit:     g.SnapshotRetentionLimit,
		SnapshotWindow:             g.SnapshotWindow,
		CacheNodeType:              g.NodeType,
		AuthTokenEnabled:           g.AuthTokenEnabled,
		AuthTokenLastModifiedDate:  formatTime(g.AuthTokenLastModified),
		TransitEncryptionEnabled:   g.TransitEncryption,
		AtRestEncryptionEnabled:    g.AtRestEncryption,
		KmsKeyId:                   g.KmsKeyID,
		ARN:                        s.arn("replicationgroup", g.ID),
		ReplicationGroupCreateTime: formatTime(&g.CreateTime),
		DataTiering:                "disabled",
		AutoMinorVersionUpgrade:    g.AutoMinorVersionUpgrade,
		NetworkType:                "ipv4",
		IpDiscovery:                "ipv4",
		ClusterMode:                "disabled",
		Engine:                     g.Engine,
		PendingModifiedValues:      xmlGroupPending{AuthTokenStatus: g.AuthChange},
	}
	if g.TransitEncryption {
		x.TransitEncryptionMode = "required"
	}
	if v := g.Applying.AutomaticFailover; v != nil && *v != g.AutomaticFailover {
		x.PendingModifiedValues.AutomaticFailoverStatus = enabled(*v)
		x.AutomaticFailover = map[bool]string{true: "enabling", false: "disabling"}[*v]
	}
	ng := xmlNodeGroup{NodeGroupId: "0001", Status: status}
	if status == statusSnapshotting {
		ng.Status = statusAvailable
		x.SnapshottingClusterId = g.primary().ID
	}
	for i, m := range g.Members {
		x.MemberClusters = append(x.MemberClusters, m.ID)
		role := "replica"
		if i == 0 {
			role = "primary"
		}
		ng.NodeGroupMembers = append(ng.NodeGroupMembers, xmlNodeGroupMember{
			CacheClusterId:            m.ID,
			CacheNodeId:               "0001",
			ReadEndpoint:              endpoint(g, m, m.Address, status),
			PreferredAvailabilityZone: g.AvailabilityZone,
			CurrentRole:               role,
		})
	}
	slices.Sort(x.MemberClusters)
	ng.PrimaryEndpoint = endpoint(g, g.primary(), g.PrimaryAddress, status)
	if ng.PrimaryEndpoint != nil {
		ng.ReaderEndpoint = endpoint(g, reader(g), g.ReaderAddress, status)
	}
	x.NodeGroups = []xmlNodeGroup{ng}
	return x
}

func (s *Service) cacheClusterXML(g *group, m *member, groupStatus string, nodes bool) xmlCacheCluster {
	st := memberStatus(g, m, groupStatus)
	pending := g.Pending.merge(g.Applying)
	x := xmlCacheCluster{
		CacheClusterId:             m.ID,
		CacheNodeType:              g.NodeType,
		Engine:                     g.Engine,
		EngineVersion:              g.EngineVersion,
		CacheClusterStatus:         st,
		NumCacheNodes:              1,
		PreferredAvailabilityZone:  g.AvailabilityZone,
		CacheClusterCreateTime:     formatTime(m.CreateTime),
		PreferredMaintenanceWindow: g.MaintenanceWindow,
		PendingModifiedValues:      xmlClusterPending{AuthTokenStatus: g.AuthChange},
		CacheParameterGroup:        xmlParameterGroupStatus{CacheParameterGroupName: g.ParameterGroup, ParameterApplyStatus: "in-sync"},
		CacheSubnetGroupName:       g.SubnetGroup,
		AutoMinorVersionUpgrade:    g.AutoMinorVersionUpgrade,
		ReplicationGroupId:         g.ID,
		SnapshotRetentionLimit:     g.SnapshotRetentionLimit,
		SnapshotWindow:             g.SnapshotWindow,
		AuthTokenEnabled:           g.AuthTokenEnabled,
		AuthTokenLastModifiedDate:  formatTime(g.AuthTokenLastModified),
		TransitEncryptionEnabled:   g.TransitEncryption,
		AtRestEncryptionEnabled:    g.AtRestEncryption,
		ARN:                        s.arn("cluster", m.ID),
		NetworkType:                "ipv4",
		IpDiscovery:                "ipv4",
	}
	if v := pending.NodeType; v != nil && *v != g.NodeType {
		x.PendingModifiedValues.CacheNodeType = *v
	}
	if v := pending.EngineVersion; v != nil && *v != g.EngineVersion {
		x.PendingModifiedValues.EngineVersion = *v
	}
	if g.TransitEncryption {
		x.TransitEncryptionMode = "required"
	}
	for _, id := range g.SecurityGroupIDs {
		x.SecurityGroups = append(x.SecurityGroups, xmlSecurityGroupMembership{SecurityGroupId: id, Status: "active"})
	}
	if nodes {
		x.CacheNodes = []xmlCacheNode{{
			CacheNodeId:              "0001",
			CacheNodeStatus:          st,
			CacheNodeCreateTime:      formatTime(m.CreateTime),
			Endpoint:                 endpoint(g, m, m.Address, groupStatus),
			ParameterGroupStatus:     "in-sync",
			CustomerAvailabilityZone: g.AvailabilityZone,
		}}
	}
	return x
}

func (s *Service) snapshotXML(sn *snapshot) xmlSnapshot {
	return xmlSnapshot{
		SnapshotName:                sn.Name,
		ReplicationGroupId:          sn.GroupID,
		ReplicationGroupDescription: sn.GroupDescription,
		CacheClusterId:              sn.ClusterID,
		SnapshotStatus:              sn.Status,
		SnapshotSource:              sn.Source,
		CacheNodeType:               sn.NodeType,
		Engine:                      sn.Engine,
		EngineVersion:               sn.EngineVersion,
		PreferredMaintenanceWindow:  sn.MaintenanceWindow,
		Port:                        sn.Port,
		CacheParameterGroupName:     sn.ParameterGroup,
		CacheSubnetGroupName:        sn.SubnetGroup,
		AutoMinorVersionUpgrade:     sn.AutoMinorVersionUpgrade,
		SnapshotRetentionLimit:      sn.SnapshotRetentionLimit,
		SnapshotWindow:              sn.SnapshotWindow,
		NumNodeGroups:               1,
		AutomaticFailover:           enabled(sn.AutomaticFailover),
		NodeSnapshots: []xmlNodeSnapshot{{
			CacheClusterId:      sn.ClusterID,
			NodeGroupId:         "0001",
			CacheNodeId:         "0001",
			CacheSize:           "0 MB",
			CacheNodeCreateTime: formatTime(sn.ClusterCreateTime),
			SnapshotCreateTime:  formatTime(&sn.CreateTime),
		}},
		KmsKeyId:    sn.KmsKeyID,
		ARN:         s.arn("snapshot", sn.Name),
		DataTiering: "disabled",
	}
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
