package elasticache

import (
	"context"
	"slices"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// modifiable are the ModifyReplicationGroup parameters the local cloud
// models; others are refused rather than silently ignored.
var modifiable = []string{
	"ReplicationGroupId", "ApplyImmediately", "ReplicationGroupDescription",
	"AuthToken", "AuthTokenUpdateStrategy", "CacheNodeType", "EngineVersion", "Engine",
	"AutomaticFailoverEnabled", "MultiAZEnabled", "SnapshotRetentionLimit", "SnapshotWindow",
	"PreferredMaintenanceWindow", "CacheParameterGroupName", "AutoMinorVersionUpgrade",
	"TransitEncryptionEnabled",
}

// modification is a parsed ModifyReplicationGroup request; nil means
// unchanged.
type modification struct {
	// deferrable wait for the maintenance window unless ApplyImmediately.
	deferrable  values
	failover    *bool
	multiAZ     *bool
	description *string
	snapWindow  *string
	maintWindow *string
	paramGroup  *string
	engine      *string
	transit     *bool
	retention   *int32
	autoMinor   *bool
	groups      []string
	// groupVPCs is what the network said of groups.
	groupVPCs groupVPCs
	token     *string
	strategy  string
	now       bool
}

// modifyReplicationGroup applies at once what ElastiCache applies at once
// (with a "modifying" spell), and defers the node type and engine version
// to the maintenance window unless ApplyImmediately. A new AUTH token is
// always applied at once: ROTATE makes the old and the new token work,
// SET leaves only the new one. Deferred values are applied when the
// maintenance window opens (see Tick and Event), or with a later
// ApplyImmediately.
func (s *Service) modifyReplicationGroup(_ context.Context, r *awsquery.Request) (any, error) {
	raw, err := r.Required("ReplicationGroupId")
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
	g, ok := s.groups[id]
	if !ok {
		s.mu.Unlock()
		return nil, errGroupNotFound(raw)
	}
	if st := s.status(id); st != statusAvailable {
		s.mu.Unlock()
		return nil, errInvalidState("Replication group %s is %s; it must be available to be modified.", id, st)
	}
	if err := s.checkModification(g, m); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	run, err := s.applyModification(g, m)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if run {
		s.machine.Start(key(id), s.modifyTransition(id))
	}
	out := replicationGroupResult{ReplicationGroup: s.replicationGroupXML(g, s.status(id))}
	s.mu.Unlock()
	s.save()
	return out, nil
}

func parseModification(r *awsquery.Request) (*modification, error) {
	for name := range r.Params {
		if !slices.Contains(modifiable, name) && !strings.HasPrefix(name, "SecurityGroupIds.SecurityGroupId.") {
			return nil, awsquery.InvalidParameterValue("The local cloud does not support %s in ModifyReplicationGroup.", name)
		}
	}
	m := &modification{
		description: optional(r, "ReplicationGroupDescription"),
		snapWindow:  optional(r, "SnapshotWindow"),
		maintWindow: optional(r, "PreferredMaintenanceWindow"),
		paramGroup:  optional(r, "CacheParameterGroupName"),
		engine:      optional(r, "Engine"),
		token:       optional(r, "AuthToken"),
		groups:      r.List("SecurityGroupIds.SecurityGroupId"),
	}
	m.deferrable.NodeType, m.deferrable.EngineVersion = optional(r, "CacheNodeType"), optional(r, "EngineVersion")
	m.strategy, _ = r.String("AuthTokenUpdateStrategy")
	var err error
	for name, dst := range map[string]**bool{"AutomaticFailoverEnabled": &m.failover, "MultiAZEnabled": &m.multiAZ,
		"AutoMinorVersionUpgrade": &m.autoMinor, "TransitEncryptionEnabled": &m.transit} {
		if *dst, err = r.Bool(name); err != nil {
			return nil, err
		}
	}
	if m.retention, err = r.Int("SnapshotRetentionLimit"); err != nil {
		return nil, err
	}
	now, err := r.Bool("ApplyImmediately")
	m.now = now != nil && *now
	if m.maintWindow != nil {
		*m.maintWindow = strings.ToLower(*m.maintWindow)
	}
	return m, err
}

// checkModification validates m against the group's current settings;
// s.mu is held.
func (s *Service) checkModification(g *group, m *modification) error {
	if err := ifSet(m.deferrable.NodeType, validateNodeType); err != nil {
		return err
	}
	if err := ifSet(m.retention, validateRetention); err != nil {
		return err
	}
	if err := ifSet(m.snapWindow, validateSnapshotWindow); err != nil {
		return err
	}
	if err := ifSet(m.maintWindow, validateMaintenanceWindow); err != nil {
		return err
	}
	if m.engine != nil && !strings.EqualFold(*m.engine, g.Engine) {
		return awsquery.InvalidParameterCombination("The local cloud cannot change a group's engine from %s to %s.", g.Engine, *m.engine)
	}
	if m.transit != nil && *m.transit != g.TransitEncryption {
		return awsquery.InvalidParameterCombination("The local cloud cannot change the transit encryption of an existing group.")
	}
	if v := m.deferrable.EngineVersion; v != nil && major(*v) != major(g.EngineVersion) {
		return awsquery.InvalidParameterCombination("The local cloud runs %s %s only and cannot move to %s.", g.Engine, major(g.EngineVersion), *v)
	}
	failover, multiAZ := ptrOr(m.failover, g.AutomaticFailover), ptrOr(m.multiAZ, g.MultiAZ)
	if err := checkAvailability(failover, multiAZ, g.replicas()); err != nil {
		return err
	}
	if err := checkSecurityGroups(m.groups, m.groupVPCs, s.subnetGroups[g.SubnetGroup]); err != nil {
		return err
	}
	return checkToken(g, m)
}

// checkToken applies ElastiCache's rules for AuthToken and
// AuthTokenUpdateStrategy.
func checkToken(g *group, m *modification) error {
	switch m.strategy {
	case "", strategyRotate, strategySet:
	case strategyDelete:
		if m.token != nil {
			return awsquery.InvalidParameterCombination("AuthToken must not be specified with AuthTokenUpdateStrategy DELETE.")
		}
		if !g.AuthTokenEnabled {
			return awsquery.InvalidParameterCombination("Replication group %s has no AUTH token to delete.", g.ID)
		}
		// ElastiCache deletes a token only while moving the group to RBAC
		// user groups, which the local cloud does not model.
		return awsquery.InvalidParameterCombination("AuthTokenUpdateStrategy DELETE is allowed only when transitioning to RBAC with UserGroupIdsToAdd, which the local cloud does not support.")
	default:
		return awsquery.InvalidParameterValue("Invalid AuthTokenUpdateStrategy: %s. Valid values are ROTATE, SET and DELETE.", m.strategy)
	}
	if m.token == nil {
		if m.strategy != "" {
			return awsquery.InvalidParameterCombination("AuthTokenUpdateStrategy %s requires an AuthToken.", m.strategy)
		}
		return nil
	}
	if !g.TransitEncryption {
		return awsquery.InvalidParameterValue("The AUTH token is only supported when encryption-in-transit is enabled.")
	}
	return validateToken(*m.token)
}

func ifSet[T any](v *T, check func(T) error) error {
	if v == nil {
		return nil
	}
	return check(*v)
}

// applyModification changes g and reports whether a "modifying"
// transition must run; s.mu is held.
func (s *Service) applyModification(g *group, m *modification) (bool, error) {
	changed := false
	setString := func(dst *string, v *string) {
		if v != nil && *v != *dst {
			*dst, changed = *v, true
		}
	}
	setString(&g.Description, m.description)
	setString(&g.SnapshotWindow, m.snapWindow)
	setString(&g.MaintenanceWindow, m.maintWindow)
	setString(&g.ParameterGroup, m.paramGroup)
	if m.retention != nil && *m.retention != g.SnapshotRetentionLimit {
		g.SnapshotRetentionLimit, changed = *m.retention, true
	}
	if m.autoMinor != nil && *m.autoMinor != g.AutoMinorVersionUpgrade {
		g.AutoMinorVersionUpgrade, changed = *m.autoMinor, true
	}
	if m.groups != nil && !slices.Equal(m.groups, g.SecurityGroupIDs) {
		g.SecurityGroupIDs, changed = m.groups, true
	}
	// Failover and Multi-AZ change during the transition, as ElastiCache
	// reports them "enabling" or "disabling" meanwhile.
	if m.failover != nil && *m.failover != g.AutomaticFailover {
		g.Applying.AutomaticFailover, changed = m.failover, true
	}
	if m.multiAZ != nil && *m.multiAZ != g.MultiAZ {
		g.Applying.MultiAZ, changed = m.multiAZ, true
	}
	d := differing(g, m.deferrable)
	switch {
	case m.now:
		// ApplyImmediately also applies what was waiting for the window.
		g.Applying, g.Pending = g.Applying.merge(g.Pending).merge(d), values{}
		changed = changed || !g.Applying.empty()
	case !d.empty():
		g.Pending = g.Pending.merge(d)
		if !changed && m.token == nil {
			// Only deferred values: the group stays available.
			return false, nil
		}
	}
	if m.token != nil {
		if err := s.stageToken(g, *m.token, m.strategy); err != nil {
			return false, err
		}
		changed = true
	}
	if !changed {
		return false, awsquery.InvalidParameterCombination("No modifications were requested.")
	}
	return true, nil
}

// stageToken records the auth a token change leaves, as hashes in the
// group's auth file, for the transition to apply.
func (s *Service) stageToken(g *group, token, strategy string) error {
	a, err := s.loadAuth(g.ID)
	if err != nil {
		return err
	}
	next, status := rotate(a.Current, token), authRotating
	if strategy == strategySet {
		next, status = set(a.Current, token), authSetting
	}
	a.Next = &next
	if err := s.saveAuth(g.ID, a); err != nil {
		return err
	}
	g.AuthChange = status
	return nil
}

// differing keeps the deferrable values that differ from the group's.
func differing(g *group, v values) values {
	if v.NodeType != nil && *v.NodeType == g.NodeType {
		v.NodeType = nil
	}
	if v.EngineVersion != nil && (*v.EngineVersion == g.EngineVersion || *v.EngineVersion == major(g.EngineVersion)) {
		v.EngineVersion = nil
	}
	return v
}

// apply writes applied values into the group.
func apply(g *group, v values) {
	if v.NodeType != nil {
		g.NodeType = *v.NodeType
	}
	if v.EngineVersion != nil {
		g.EngineVersion = *v.EngineVersion
	}
	if v.AutomaticFailover != nil {
		g.AutomaticFailover = *v.AutomaticFailover
	}
	if v.MultiAZ != nil {
		g.MultiAZ = *v.MultiAZ
	}
}

func ptrOr[T any](p *T, fallback T) T {
	if p == nil {
		return fallback
	}
	return *p
}
