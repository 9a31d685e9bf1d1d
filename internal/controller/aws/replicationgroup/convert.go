package replicationgroup

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"k8s.io/utils/ptr"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/controller/aws/awsparams"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/tags"
)

// ElastiCache states this controller acts on; any other is shown as is.
const (
	statusAvailable = "available"
	statusDeleting  = "deleting"
)

// failedStates need a person: ElastiCache will not leave them by itself.
var failedStates = map[string]bool{"create-failed": true, "incompatible-network": true, "restore-failed": true}

// The fields Update may change, by their spec names.
const (
	fieldNodeType       = "cacheNodeType"
	fieldEngineVersion  = "engineVersion"
	fieldReplicas       = "numCacheClusters"
	fieldFailover       = "automaticFailoverEnabled"
	fieldMultiAZ        = "multiAZEnabled"
	fieldParameterGroup = "cacheParameterGroupName"
	fieldSecurityGroups = "securityGroupIDs"
	fieldSnapshotLimit  = "snapshotRetentionLimit"
	fieldSnapshotWindow = "snapshotWindow"
	fieldMaintenance    = "preferredMaintenanceWindow"
	fieldDescription    = "description"
	fieldTags           = "tags"
	fieldAuthToken      = "authToken"
)

// observed is what one DescribeReplicationGroups (and its tags) said, in
// spec terms.
type observed struct {
	// node is what the primary's cache cluster reported, nil if it was
	// never described.
	node *v1alpha1.NodeObservation
	// primary is the cache cluster of the primary node, as the group's
	// node group reports it; "" if it does not say.
	primary string
	status  string
	// tokenChanging: ElastiCache reports a ROTATE or SET in progress.
	tokenChanging bool
	params        v1alpha1.ReplicationGroupParameters
	tags          map[string]string
	observation   v1alpha1.ReplicationGroupObservation
}

func observe(g types.ReplicationGroup) observed {
	o := observed{status: aws.ToString(g.Status)}
	o.tokenChanging = g.PendingModifiedValues != nil && g.PendingModifiedValues.AuthTokenStatus != ""
	p := v1alpha1.ReplicationGroupParameters{
		Description:              aws.ToString(g.Description),
		Engine:                   aws.ToString(g.Engine),
		CacheNodeType:            aws.ToString(g.CacheNodeType),
		NumCacheClusters:         int32(len(g.MemberClusters)),
		AutomaticFailoverEnabled: g.AutomaticFailover == types.AutomaticFailoverStatusEnabled || g.AutomaticFailover == types.AutomaticFailoverStatusEnabling,
		TransitEncryptionEnabled: aws.ToBool(g.TransitEncryptionEnabled),
		AtRestEncryptionEnabled:  aws.ToBool(g.AtRestEncryptionEnabled),
		KMSKeyID:                 g.KmsKeyId,
		SnapshotRetentionLimit:   g.SnapshotRetentionLimit,
		SnapshotWindow:           g.SnapshotWindow,
	}
	if g.MultiAZ != "" {
		p.MultiAZEnabled = ptr.To(g.MultiAZ == types.MultiAZStatusEnabled)
	}
	obs := v1alpha1.ReplicationGroupObservation{
		Status:         o.status,
		ARN:            aws.ToString(g.ARN),
		MemberClusters: g.MemberClusters,
	}
	if len(g.NodeGroups) > 0 {
		ng := g.NodeGroups[0]
		if ep := ng.PrimaryEndpoint; ep != nil {
			obs.PrimaryAddress, obs.Port = aws.ToString(ep.Address), aws.ToInt32(ep.Port)
			p.Port = ep.Port
		}
		if ep := ng.ReaderEndpoint; ep != nil {
			obs.ReaderAddress, obs.ReaderPort = aws.ToString(ep.Address), aws.ToInt32(ep.Port)
		}
		for _, m := range ng.NodeGroupMembers {
			if aws.ToString(m.CurrentRole) == "primary" {
				o.primary = aws.ToString(m.CacheClusterId)
			}
		}
	}
	if g.ConfigurationEndpoint != nil && obs.PrimaryAddress == "" {
		obs.PrimaryAddress, obs.Port = aws.ToString(g.ConfigurationEndpoint.Address), aws.ToInt32(g.ConfigurationEndpoint.Port)
	}
	o.params, o.observation = p, obs
	return o
}

// setNode records what the primary's node reports: the version it runs
// ("" if unknown) and its other settings (nil if never described).
func (o *observed) setNode(version string, n *v1alpha1.NodeObservation) {
	o.observation.EngineVersion = version
	if version != "" {
		o.params.EngineVersion = aws.String(version)
	}
	o.node, o.observation.PrimaryNode = n, n
	if n == nil {
		return
	}
	o.params.SecurityGroupIDs = slices.Clone(n.SecurityGroupIDs)
	if n.CacheParameterGroupName != "" {
		o.params.CacheParameterGroupName = aws.String(n.CacheParameterGroupName)
	}
	if n.PreferredMaintenanceWindow != "" {
		o.params.PreferredMaintenanceWindow = aws.String(n.PreferredMaintenanceWindow)
	}
}

// nodeOf is what a cache cluster reports, in the group's terms.
func nodeOf(c types.CacheCluster) (string, *v1alpha1.NodeObservation) {
	n := &v1alpha1.NodeObservation{PreferredMaintenanceWindow: aws.ToString(c.PreferredMaintenanceWindow)}
	for _, g := range c.SecurityGroups {
		n.SecurityGroupIDs = append(n.SecurityGroupIDs, aws.ToString(g.SecurityGroupId))
	}
	if pg := c.CacheParameterGroup; pg != nil {
		n.CacheParameterGroupName = aws.ToString(pg.CacheParameterGroupName)
	}
	if pv := c.PendingModifiedValues; pv != nil {
		n.PendingCacheNodeType, n.PendingEngineVersion = aws.ToString(pv.CacheNodeType), aws.ToString(pv.EngineVersion)
	}
	return aws.ToString(c.EngineVersion), n
}

// nodeFields are the fields whose observed values, or pending changes,
// only a description of the node tells.
var nodeFields = []string{fieldNodeType, fieldEngineVersion, fieldSecurityGroups, fieldParameterGroup, fieldMaintenance}

// versionMatches says whether the running version satisfies the wanted
// one: ElastiCache takes "7.1" or "7.x" and reports "7.1.0".
func versionMatches(want, running string) bool {
	want = strings.TrimSuffix(want, ".x")
	return running == want || strings.HasPrefix(running, want+".")
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// isBusy says whether ElastiCache is in the middle of something: it
// refuses changes until the group is available again.
func isBusy(status string) bool { return status != statusAvailable }

// condition is the Ready condition a status gives: Available only when the
// group is available, otherwise the state as ElastiCache names it.
func condition(status string) xpv2.Condition {
	switch {
	case status == statusAvailable:
		return xpv2.Available()
	case failedStates[status]:
		return xpv2.Unavailable().WithMessage("ElastiCache reports the replication group " + status + "; it needs attention (see its events)")
	case status == statusDeleting:
		return xpv2.Deleting()
	default:
		return xpv2.Unavailable().WithMessage("ElastiCache reports the replication group " + status)
	}
}

// desired is the spec with the provider's own tags added.
func desired(cr *v1alpha1.ReplicationGroup) v1alpha1.ReplicationGroupParameters {
	p := *cr.Spec.ForProvider.DeepCopy()
	tags := ownership.Tags(cr, v1alpha1.ReplicationGroupGroupVersionKind.GroupKind())
	maps.Copy(tags, p.Tags)
	p.Tags = tags
	return p
}

// drifted lists the fields want sets that the group differs in, leaving
// out changes ElastiCache holds as pending for the maintenance window.
// What only a node reports (engine version, parameter group, security
// groups, maintenance window) is compared once a node was described.
func drifted(want v1alpha1.ReplicationGroupParameters, got observed) []string {
	g := got.params
	n := got.node
	if n == nil {
		n = &v1alpha1.NodeObservation{}
	}
	var f []string
	add := func(differs bool, field string) {
		if differs {
			f = append(f, field)
		}
	}
	add(want.CacheNodeType != g.CacheNodeType && want.CacheNodeType != n.PendingCacheNodeType, fieldNodeType)
	add(want.EngineVersion != nil && g.EngineVersion != nil && !versionMatches(*want.EngineVersion, *g.EngineVersion) &&
		(n.PendingEngineVersion == "" || !versionMatches(*want.EngineVersion, n.PendingEngineVersion)), fieldEngineVersion)
	add(want.NumCacheClusters != g.NumCacheClusters, fieldReplicas)
	add(want.AutomaticFailoverEnabled != g.AutomaticFailoverEnabled, fieldFailover)
	add(want.MultiAZEnabled != nil && g.MultiAZEnabled != nil && *want.MultiAZEnabled != *g.MultiAZEnabled, fieldMultiAZ)
	add(want.Description != g.Description, fieldDescription)
	add(want.SnapshotRetentionLimit != nil && *want.SnapshotRetentionLimit != aws.ToInt32(g.SnapshotRetentionLimit), fieldSnapshotLimit)
	add(want.SnapshotWindow != nil && g.SnapshotWindow != nil && *want.SnapshotWindow != *g.SnapshotWindow, fieldSnapshotWindow)
	if got.node != nil {
		add(want.SecurityGroupIDs != nil && !awsparams.SameSet(want.SecurityGroupIDs, n.SecurityGroupIDs), fieldSecurityGroups)
		add(want.CacheParameterGroupName != nil && !awsparams.ParameterGroupMatches(*want.CacheParameterGroupName, n.CacheParameterGroupName), fieldParameterGroup)
		add(want.PreferredMaintenanceWindow != nil && !strings.EqualFold(*want.PreferredMaintenanceWindow, n.PreferredMaintenanceWindow), fieldMaintenance)
	}
	add(!maps.Equal(want.Tags, got.tags), fieldTags)
	return f
}

// lateInitialize fills spec fields left unset with what ElastiCache chose.
func lateInitialize(spec *v1alpha1.ReplicationGroupParameters, got v1alpha1.ReplicationGroupParameters) bool {
	changed := false
	if spec.Port == nil && got.Port != nil {
		spec.Port, changed = ptr.To(*got.Port), true
	}
	if spec.SnapshotRetentionLimit == nil && got.SnapshotRetentionLimit != nil {
		spec.SnapshotRetentionLimit, changed = ptr.To(*got.SnapshotRetentionLimit), true
	}
	if spec.SnapshotWindow == nil && got.SnapshotWindow != nil && *got.SnapshotWindow != "" {
		spec.SnapshotWindow, changed = ptr.To(*got.SnapshotWindow), true
	}
	if spec.MultiAZEnabled == nil && got.MultiAZEnabled != nil {
		spec.MultiAZEnabled, changed = ptr.To(*got.MultiAZEnabled), true
	}
	if spec.SecurityGroupIDs == nil && len(got.SecurityGroupIDs) > 0 {
		spec.SecurityGroupIDs, changed = slices.Clone(got.SecurityGroupIDs), true
	}
	if spec.CacheParameterGroupName == nil && got.CacheParameterGroupName != nil && !awsparams.IsDefaultParameterGroup(*got.CacheParameterGroupName) {
		spec.CacheParameterGroupName, changed = ptr.To(*got.CacheParameterGroupName), true
	}
	if spec.PreferredMaintenanceWindow == nil && got.PreferredMaintenanceWindow != nil {
		spec.PreferredMaintenanceWindow, changed = ptr.To(*got.PreferredMaintenanceWindow), true
	}
	return changed
}

func createInput(id string, p v1alpha1.ReplicationGroupParameters, token string) *elasticache.CreateReplicationGroupInput {
	in := &elasticache.CreateReplicationGroupInput{
		ReplicationGroupId:          aws.String(id),
		ReplicationGroupDescription: aws.String(p.Description),
		Engine:                      aws.String(p.Engine),
		EngineVersion:               p.EngineVersion,
		CacheNodeType:               aws.String(p.CacheNodeType),
		NumCacheClusters:            aws.Int32(p.NumCacheClusters),
		AutomaticFailoverEnabled:    aws.Bool(p.AutomaticFailoverEnabled),
		MultiAZEnabled:              p.MultiAZEnabled,
		TransitEncryptionEnabled:    aws.Bool(p.TransitEncryptionEnabled),
		AtRestEncryptionEnabled:     aws.Bool(p.AtRestEncryptionEnabled),
		KmsKeyId:                    p.KMSKeyID,
		Port:                        p.Port,
		CacheParameterGroupName:     p.CacheParameterGroupName,
		CacheSubnetGroupName:        p.CacheSubnetGroupName,
		SecurityGroupIds:            p.SecurityGroupIDs,
		SnapshotRetentionLimit:      p.SnapshotRetentionLimit,
		SnapshotWindow:              p.SnapshotWindow,
		PreferredMaintenanceWindow:  p.PreferredMaintenanceWindow,
		Tags:                        tagList(p.Tags),
	}
	if token != "" {
		in.AuthToken = aws.String(token)
	}
	return in
}

// modifyInput sends only the fields that differ; nil when none of them is
// changed by ModifyReplicationGroup (replicas, tags and the token have
// calls of their own).
func modifyInput(id string, want v1alpha1.ReplicationGroupParameters, fields []string) *elasticache.ModifyReplicationGroupInput {
	in := &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String(id), ApplyImmediately: aws.Bool(want.ApplyImmediately)}
	n := 0
	for _, f := range fields {
		n++
		switch f {
		case fieldNodeType:
			in.CacheNodeType = aws.String(want.CacheNodeType)
		case fieldEngineVersion:
			in.EngineVersion = want.EngineVersion
		case fieldFailover:
			in.AutomaticFailoverEnabled = aws.Bool(want.AutomaticFailoverEnabled)
		case fieldMultiAZ:
			in.MultiAZEnabled = want.MultiAZEnabled
		case fieldDescription:
			in.ReplicationGroupDescription = aws.String(want.Description)
		case fieldSnapshotLimit:
			in.SnapshotRetentionLimit = want.SnapshotRetentionLimit
		case fieldSnapshotWindow:
			in.SnapshotWindow = want.SnapshotWindow
		case fieldSecurityGroups:
			in.SecurityGroupIds = want.SecurityGroupIDs
		case fieldParameterGroup:
			in.CacheParameterGroupName = want.CacheParameterGroupName
		case fieldMaintenance:
			in.PreferredMaintenanceWindow = want.PreferredMaintenanceWindow
		default:
			n--
		}
	}
	if n == 0 {
		return nil
	}
	return in
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
// docs/connection-secrets.md. token is the auth token ElastiCache has. It
// is "" while a token just written to the referenced Secret has not been
// sent: password and url are then left out, and the Secret keeps the ones
// clients use today (publishing adds and replaces keys, never removes).
// ca is the private CA of the nodes' certificates, if any.
func connectionDetails(p v1alpha1.ReplicationGroupParameters, o v1alpha1.ReplicationGroupObservation, token, ca string) managed.ConnectionDetails {
	if o.PrimaryAddress == "" {
		return nil
	}
	port := strconv.Itoa(int(o.Port))
	cd := managed.ConnectionDetails{
		"host":     []byte(o.PrimaryAddress),
		"port":     []byte(port),
		"endpoint": []byte(o.PrimaryAddress),
	}
	if o.ReaderAddress != "" {
		cd["readerHost"] = []byte(o.ReaderAddress)
		cd["readerPort"] = []byte(strconv.Itoa(int(o.ReaderPort)))
	}
	if p.TransitEncryptionEnabled && ca != "" {
		cd["ca.crt"] = []byte(ca)
	}
	if p.AuthTokenSecretRef != nil && token == "" {
		return cd
	}
	u := url.URL{Scheme: "redis", Host: o.PrimaryAddress + ":" + port}
	if p.TransitEncryptionEnabled {
		u.Scheme = "rediss"
	}
	if token != "" {
		u.User = url.UserPassword("default", token)
		cd["password"] = []byte(token)
	}
	cd["url"] = []byte(u.String())
	return cd
}

var idRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,39}$`)

// validID applies ElastiCache's rules for replication group IDs.
func validID(id string) error {
	if !idRe.MatchString(id) || strings.HasSuffix(id, "-") || strings.Contains(id, "--") {
		return xperrors.Errorf("external name %q is not a valid replication group ID: 1 to 40 letters, digits or hyphens, starting with a letter, without a trailing or double hyphen", id)
	}
	return nil
}

func isNotFound(err error) bool {
	return awsclient.HasCode(err, "ReplicationGroupNotFoundFault", "ReplicationGroupNotFound")
}

func isAlreadyExists(err error) bool {
	return awsclient.HasCode(err, "ReplicationGroupAlreadyExists", "ReplicationGroupAlreadyExistsFault")
}
