package elasticache

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// unsupportedCreate are CreateReplicationGroup parameters for what the
// local cloud does not model, with the one value each may have (""
// for none): others are refused rather than silently ignored.
var unsupportedCreate = map[string]struct{ allowed, what string }{
	"NumNodeGroups":               {"1", "cluster mode (more than one node group)"},
	"ClusterMode":                 {"disabled", "cluster mode"},
	"NodeGroupConfiguration":      {"", "cluster mode (node group configuration)"},
	"GlobalReplicationGroupId":    {"", "global datastores"},
	"PrimaryClusterId":            {"", "groups made from an existing cluster"},
	"SnapshotArns":                {"", "seeding a group from a snapshot"},
	"SnapshotName":                {"", "restoring a group from a snapshot"},
	"ServerlessCacheSnapshotName": {"", "restoring a group from a snapshot"},
	"UserGroupIds":                {"", "RBAC user groups"},
	"DataTieringEnabled":          {"false", "data tiering"},
}

// createReplicationGroup validates synchronously, as ElastiCache does, and
// answers "creating"; the nodes start in the background.
func (s *Service) createReplicationGroup(_ context.Context, r *awsquery.Request) (any, error) {
	g, token, err := s.newGroup(r)
	if err != nil {
		return nil, err
	}
	auth, err := newAuth(token)
	if err != nil {
		return nil, err
	}
	g.AuthTokenEnabled = token != ""
	vpcs := s.lookupSecurityGroups(g.SecurityGroupIDs)
	s.mu.Lock()
	if _, ok := s.groups[g.ID]; ok {
		s.mu.Unlock()
		return nil, awsquery.Errorf(400, "ReplicationGroupAlreadyExists", "Replication group %s already exists.", g.ID)
	}
	if err := s.place(g, vpcs); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	// Whatever an earlier group of the same id left is wiped; its auth
	// file is written now, so that a restart while creating can go on.
	if err := os.RemoveAll(s.groupDir(g.ID)); err != nil {
		s.releaseAddresses(g)
		s.mu.Unlock()
		return nil, err
	}
	if err := s.saveAuth(g.ID, authState{Current: auth}); err != nil {
		s.releaseAddresses(g)
		s.mu.Unlock()
		return nil, err
	}
	s.groups[g.ID] = g
	s.machine.Start(key(g.ID), s.createTransition(g.ID))
	out := replicationGroupResult{ReplicationGroup: s.replicationGroupXML(g, s.status(g.ID))}
	s.mu.Unlock()
	s.save()
	return out, nil
}

// newGroup reads CreateReplicationGroup's parameters and returns the group
// and its AUTH token, which is kept nowhere but in the nodes' hashes.
// Parameters of no effect here (notification topics, log delivery, AZs)
// are accepted and not reported back.
func (s *Service) newGroup(r *awsquery.Request) (*group, string, error) {
	for name, u := range unsupportedCreate {
		v, ok := r.String(name)
		if ok && v != "" && !strings.EqualFold(v, u.allowed) || hasPrefix(r, name+".") {
			return nil, "", awsquery.InvalidParameterValue("The local cloud does not support %s (%s).", u.what, name)
		}
	}
	raw, err := r.Required("ReplicationGroupId")
	if err != nil {
		return nil, "", err
	}
	id, err := groupID(raw)
	if err != nil {
		return nil, "", err
	}
	g := &group{
		ID:                      id,
		Engine:                  "redis",
		SnapshotWindow:          "05:00-06:00",
		MaintenanceWindow:       "sun:23:00-mon:01:30",
		AutoMinorVersionUpgrade: true,
		AvailabilityZone:        s.cfg.Region + "a",
		CreateTime:              time.Now().UTC(),
	}
	if g.Description, err = r.Required("ReplicationGroupDescription"); err != nil {
		return nil, "", err
	}
	if err := s.engine(r, g); err != nil {
		return nil, "", err
	}
	if g.NodeType, err = r.Required("CacheNodeType"); err != nil {
		return nil, "", err
	}
	if err := validateNodeType(g.NodeType); err != nil {
		return nil, "", err
	}
	nodes, err := nodeCount(r)
	if err != nil {
		return nil, "", err
	}
	for range nodes {
		g.Members = append(g.Members, &member{ID: g.newMemberID()})
	}
	if err := availability(r, g); err != nil {
		return nil, "", err
	}
	token, err := encryption(r, g, s.cfg.Region, s.cfg.Account)
	if err != nil {
		return nil, "", err
	}
	if err := options(r, g); err != nil {
		return nil, "", err
	}
	if g.Tags, err = tagsParam(r); err != nil {
		return nil, "", err
	}
	for _, m := range g.Members {
		m.Tags = g.Tags
	}
	return g, token, nil
}

// engine checks that the engine can run here and that a requested
// version has the installed major version. The group reports the
// installed version unless another of the same major version was asked
// for, which it reports as ElastiCache would (the installed server runs
// either way).
func (s *Service) engine(r *awsquery.Request, g *group) error {
	if e, ok := r.String("Engine"); ok && e != "" {
		g.Engine = strings.ToLower(e)
	}
	if g.Engine != "redis" && g.Engine != "valkey" {
		return awsquery.InvalidParameterValue("Invalid engine name: %s. The local cloud offers redis and valkey.", g.Engine)
	}
	installed, err := s.cfg.Engines.Check(g.Engine)
	if err != nil {
		return awsquery.InvalidParameterCombination("Engine %s is not available in this local cloud: %v", g.Engine, err)
	}
	g.EngineVersion = installed
	if want, ok := r.String("EngineVersion"); ok && want != "" {
		if major(want) != major(installed) {
			return awsquery.InvalidParameterCombination("Cannot find version %s for %s: the local cloud runs %s.", want, g.Engine, installed)
		}
		if strings.Count(want, ".") > 0 && !strings.HasSuffix(want, ".x") {
			g.EngineVersion = want
		}
	}
	g.ParameterGroup = "default." + g.Engine + major(g.EngineVersion)
	if pg, ok := r.String("CacheParameterGroupName"); ok && pg != "" {
		g.ParameterGroup = pg
	}
	return nil
}

// nodeCount reads NumCacheClusters or ReplicasPerNodeGroup: the primary
// and its replicas, one node group.
func nodeCount(r *awsquery.Request) (int, error) {
	total, err := r.Int("NumCacheClusters")
	if err != nil {
		return 0, err
	}
	replicas, err := r.Int("ReplicasPerNodeGroup")
	if err != nil {
		return 0, err
	}
	switch {
	case total != nil && replicas != nil:
		return 0, awsquery.InvalidParameterCombination("Cannot specify both NumCacheClusters and ReplicasPerNodeGroup.")
	case total != nil:
		if *total < 1 || *total > maxNodes {
			return 0, awsquery.InvalidParameterValue("NumCacheClusters must be between 1 and %d, got %d.", maxNodes, *total)
		}
		return int(*total), nil
	case replicas != nil:
		if *replicas < 0 || *replicas > maxReplicas {
			return 0, awsquery.InvalidParameterValue("ReplicasPerNodeGroup must be between 0 and %d, got %d.", maxReplicas, *replicas)
		}
		return int(*replicas) + 1, nil
	}
	return 1, nil
}

// availability reads AutomaticFailoverEnabled and MultiAZEnabled, which
// need replicas, as on ElastiCache.
func availability(r *awsquery.Request, g *group) error {
	failover, err := r.Bool("AutomaticFailoverEnabled")
	if err != nil {
		return err
	}
	multiAZ, err := r.Bool("MultiAZEnabled")
	if err != nil {
		return err
	}
	g.AutomaticFailover = failover != nil && *failover
	g.MultiAZ = multiAZ != nil && *multiAZ
	return checkAvailability(g.AutomaticFailover, g.MultiAZ, len(g.Members)-1)
}

func checkAvailability(failover, multiAZ bool, replicas int) error {
	if failover && replicas < 1 {
		return awsquery.InvalidParameterCombination("When AutomaticFailoverEnabled is true, the replication group must have at least one replica (NumCacheClusters of 2 or more).")
	}
	if multiAZ && !failover {
		return awsquery.InvalidParameterCombination("MultiAZEnabled requires AutomaticFailoverEnabled.")
	}
	return nil
}

// encryption reads transit and at-rest encryption and the AUTH token,
// which ElastiCache accepts only with transit encryption. At-rest
// encryption is a label here: the RDB files are not encrypted.
func encryption(r *awsquery.Request, g *group, region, account string) (string, error) {
	transit, err := r.Bool("TransitEncryptionEnabled")
	if err != nil {
		return "", err
	}
	atRest, err := r.Bool("AtRestEncryptionEnabled")
	if err != nil {
		return "", err
	}
	g.TransitEncryption = transit != nil && *transit
	g.AtRestEncryption = atRest != nil && *atRest
	if mode, ok := r.String("TransitEncryptionMode"); ok && mode != "" && mode != "required" {
		return "", awsquery.InvalidParameterValue("The local cloud supports TransitEncryptionMode required only, not %s.", mode)
	}
	if kms, ok := r.String("KmsKeyId"); ok && kms != "" {
		if !g.AtRestEncryption {
			return "", awsquery.InvalidParameterCombination("KmsKeyId can be specified only when AtRestEncryptionEnabled is true.")
		}
		g.KmsKeyID = kms
	}
	token, ok := r.String("AuthToken")
	if !ok {
		return "", nil
	}
	if !g.TransitEncryption {
		return "", awsquery.InvalidParameterValue("The AUTH token is only supported when encryption-in-transit is enabled.")
	}
	return token, validateToken(token)
}

// options reads the settings ModifyReplicationGroup can change too.
func options(r *awsquery.Request, g *group) error {
	port, err := r.Int("Port")
	if err != nil {
		return err
	}
	if port != nil {
		if *port < 1 || *port > 65535 {
			return awsquery.InvalidParameterValue("Invalid port %d.", *port)
		}
		g.Port = *port
	}
	days, err := r.Int("SnapshotRetentionLimit")
	if err != nil {
		return err
	}
	if days != nil {
		if err := validateRetention(*days); err != nil {
			return err
		}
		g.SnapshotRetentionLimit = *days
	}
	if w, ok := r.String("SnapshotWindow"); ok && w != "" {
		if err := validateSnapshotWindow(w); err != nil {
			return err
		}
		g.SnapshotWindow = w
	}
	if w, ok := r.String("PreferredMaintenanceWindow"); ok && w != "" {
		if err := validateMaintenanceWindow(w); err != nil {
			return err
		}
		g.MaintenanceWindow = strings.ToLower(w)
	}
	auto, err := r.Bool("AutoMinorVersionUpgrade")
	if err != nil {
		return err
	}
	if auto != nil {
		g.AutoMinorVersionUpgrade = *auto
	}
	if sg, ok := r.String("CacheSubnetGroupName"); ok {
		g.SubnetGroup = strings.ToLower(sg)
	}
	g.SecurityGroupIDs = r.List("SecurityGroupIds.SecurityGroupId")
	return nil
}

func hasPrefix(r *awsquery.Request, prefix string) bool {
	for k := range r.Params {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
