package replicationgroup

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/utils/ptr"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
)

// params are the parameters desired(group()) gives: group()'s spec with
// the provider's tags.
func params(mods ...func(*v1alpha1.ReplicationGroupParameters)) v1alpha1.ReplicationGroupParameters {
	p := group().Spec.ForProvider
	p.Tags = allTags()
	for _, m := range mods {
		m(&p)
	}
	return p
}

func TestDesired(t *testing.T) {
	want := params()
	if diff := cmp.Diff(want, desired(group())); diff != "" {
		t.Errorf("desired(group()): -want, +got:\n%s", diff)
	}
}

// described is observation() as one Describe gives it: the engine version
// and the node's settings come from the primary's cluster, apart.
func described() v1alpha1.ReplicationGroupObservation {
	o := observation()
	o.EngineVersion, o.PrimaryNode = "", nil
	return o
}

func TestObserveConversion(t *testing.T) {
	cases := map[string]struct {
		reason string
		g      types.ReplicationGroup
		want   observed
	}{
		"Available": {
			reason: "The endpoints come from the first node group, the node count from the member clusters; failover, multi-AZ, encryption, snapshots and the ARN are mapped; tags are not in the description.",
			g:      replicationGroup(t),
			want: observed{
				status: "available",
				params: v1alpha1.ReplicationGroupParameters{
					Description:              "sessions cache",
					Engine:                   "redis",
					CacheNodeType:            "cache.t4g.small",
					NumCacheClusters:         2,
					AutomaticFailoverEnabled: true,
					MultiAZEnabled:           ptr.To(true),
					TransitEncryptionEnabled: true,
					AtRestEncryptionEnabled:  true,
					KMSKeyID:                 ptr.To("arn:aws:kms:eu-west-1:111122223333:key/abc"),
					Port:                     ptr.To[int32](6379),
					SnapshotRetentionLimit:   ptr.To[int32](7),
					SnapshotWindow:           ptr.To("03:00-04:00"),
				},
				observation: described(),
			},
		},
		"OnlyFirstNodeGroup": {
			reason: "Endpoints of node groups after the first should be ignored.",
			g: replicationGroup(t, func(g *types.ReplicationGroup) {
				g.NodeGroups = append(g.NodeGroups, types.NodeGroup{
					NodeGroupId:     aws.String("0002"),
					PrimaryEndpoint: &types.Endpoint{Address: aws.String("other-primary"), Port: aws.Int32(7000)},
					ReaderEndpoint:  &types.Endpoint{Address: aws.String("other-reader"), Port: aws.Int32(7000)},
				})
			}),
			want: observed{
				status:      "available",
				params:      observe(replicationGroup(t)).params,
				observation: described(),
			},
		},
		"Disabled": {
			reason: "Failover and multi-AZ disabled, and no encryption, should map to false.",
			g: replicationGroup(t, withMembers(1), func(g *types.ReplicationGroup) {
				g.AutomaticFailover, g.MultiAZ = types.AutomaticFailoverStatusDisabled, types.MultiAZStatusDisabled
				g.TransitEncryptionEnabled, g.AtRestEncryptionEnabled, g.KmsKeyId = aws.Bool(false), nil, nil
				g.NodeGroups[0].ReaderEndpoint = nil
			}),
			want: observed{
				status: "available",
				params: v1alpha1.ReplicationGroupParameters{
					Description:            "sessions cache",
					Engine:                 "redis",
					CacheNodeType:          "cache.t4g.small",
					NumCacheClusters:       1,
					MultiAZEnabled:         ptr.To(false),
					Port:                   ptr.To[int32](6379),
					SnapshotRetentionLimit: ptr.To[int32](7),
					SnapshotWindow:         ptr.To("03:00-04:00"),
				},
				observation: v1alpha1.ReplicationGroupObservation{
					Status:         "available",
					PrimaryAddress: testPrimary,
					Port:           6379,
					ARN:            testARN,
					MemberClusters: []string{"sessions-001"},
				},
			},
		},
		"FailoverEnabling": {
			reason: "Failover being enabled counts as enabled: it is what the spec asked for.",
			g: replicationGroup(t, func(g *types.ReplicationGroup) {
				g.AutomaticFailover = types.AutomaticFailoverStatusEnabling
			}),
			want: observed{status: "available", params: observe(replicationGroup(t)).params, observation: described()},
		},
		"FailoverDisabling": {
			reason: "Failover being disabled counts as disabled.",
			g: replicationGroup(t, func(g *types.ReplicationGroup) {
				g.AutomaticFailover = types.AutomaticFailoverStatusDisabling
			}),
			want: observed{
				status: "available",
				params: func() v1alpha1.ReplicationGroupParameters {
					p := observe(replicationGroup(t)).params
					p.AutomaticFailoverEnabled = false
					return p
				}(),
				observation: described(),
			},
		},
		"MultiAZUnreported": {
			reason: "A multi-AZ ElastiCache does not report should stay unknown, not become false.",
			g:      replicationGroup(t, func(g *types.ReplicationGroup) { g.MultiAZ = "" }),
			want: observed{
				status: "available",
				params: func() v1alpha1.ReplicationGroupParameters {
					p := observe(replicationGroup(t)).params
					p.MultiAZEnabled = nil
					return p
				}(),
				observation: described(),
			},
		},
		"ConfigurationEndpoint": {
			reason: "A group whose node group has no primary endpoint (cluster mode) should be reached through its configuration endpoint.",
			g: replicationGroup(t, func(g *types.ReplicationGroup) {
				g.NodeGroups = []types.NodeGroup{{NodeGroupId: aws.String("0001")}}
				g.ConfigurationEndpoint = &types.Endpoint{Address: aws.String("clustercfg.sessions.abc123.euw1.cache.amazonaws.com"), Port: aws.Int32(6380)}
			}),
			want: observed{
				status: "available",
				params: func() v1alpha1.ReplicationGroupParameters {
					p := observe(replicationGroup(t)).params
					p.Port = nil
					return p
				}(),
				observation: v1alpha1.ReplicationGroupObservation{
					Status:         "available",
					PrimaryAddress: "clustercfg.sessions.abc123.euw1.cache.amazonaws.com",
					Port:           6380,
					ARN:            testARN,
					MemberClusters: []string{"sessions-001", "sessions-002"},
				},
			},
		},
		"PrimaryBeforeConfigurationEndpoint": {
			reason: "A primary endpoint, when there is one, should win over a configuration endpoint.",
			g: replicationGroup(t, func(g *types.ReplicationGroup) {
				g.ConfigurationEndpoint = &types.Endpoint{Address: aws.String("clustercfg"), Port: aws.Int32(6380)}
			}),
			want: observed{status: "available", params: observe(replicationGroup(t)).params, observation: described()},
		},
		"Creating": {
			reason: "A group being created has no endpoint or members yet: none should be made up.",
			g: types.ReplicationGroup{
				ReplicationGroupId: aws.String(testName),
				Status:             aws.String("creating"),
				ARN:                aws.String(testARN),
				Engine:             aws.String("valkey"),
				CacheNodeType:      aws.String("cache.t4g.micro"),
				Description:        aws.String("d"),
			},
			want: observed{
				status:      "creating",
				params:      v1alpha1.ReplicationGroupParameters{Description: "d", Engine: "valkey", CacheNodeType: "cache.t4g.micro"},
				observation: v1alpha1.ReplicationGroupObservation{Status: "creating", ARN: testARN},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := observe(tc.g)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(observed{})); diff != "" {
				t.Errorf("\n%s\nobserve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestTagMap(t *testing.T) {
	got := tagMap([]types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b")}})
	if diff := cmp.Diff(map[string]string{"a": "1", "b": ""}, got); diff != "" {
		t.Errorf("tagMap(...): -want, +got:\n%s", diff)
	}
}

func TestCondition(t *testing.T) {
	unavailable := func(s string) xpv2.Condition {
		return xpv2.Unavailable().WithMessage("ElastiCache reports the replication group " + s)
	}
	attention := func(s string) xpv2.Condition {
		return xpv2.Unavailable().WithMessage("ElastiCache reports the replication group " + s + "; it needs attention (see its events)")
	}
	cases := map[string]struct {
		reason string
		status string
		want   xpv2.Condition
		busy   bool
	}{
		"Available":           {reason: "Only an available group is Available, and not busy.", status: "available", want: xpv2.Available()},
		"Creating":            {reason: "A creating group is Unavailable, naming the state.", status: "creating", want: unavailable("creating"), busy: true},
		"Modifying":           {reason: "A modifying group is Unavailable, naming the state.", status: "modifying", want: unavailable("modifying"), busy: true},
		"Snapshotting":        {reason: "A snapshotting group is Unavailable, naming the state.", status: "snapshotting", want: unavailable("snapshotting"), busy: true},
		"Unknown":             {reason: "A state this controller does not know is shown as it is.", status: "migrating", want: unavailable("migrating"), busy: true},
		"CreateFailed":        {reason: "A group that failed to be created needs attention.", status: "create-failed", want: attention("create-failed"), busy: true},
		"IncompatibleNetwork": {reason: "A group with an incompatible network needs attention.", status: "incompatible-network", want: attention("incompatible-network"), busy: true},
		"RestoreFailed":       {reason: "A group that failed to restore needs attention.", status: "restore-failed", want: attention("restore-failed"), busy: true},
		"Deleting":            {reason: "A deleting group is Deleting.", status: "deleting", want: xpv2.Deleting(), busy: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := condition(tc.status)
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime")); diff != "" {
				t.Errorf("\n%s\ncondition(%q): -want, +got:\n%s", tc.reason, tc.status, diff)
			}
			if got := isBusy(tc.status); got != tc.busy {
				t.Errorf("\n%s\nisBusy(%q): got %t, want %t", tc.reason, tc.status, got, tc.busy)
			}
		})
	}
}

func TestDrifted(t *testing.T) {
	// got is what observe makes of replicationGroup() changed by mods,
	// with the tags group() wants.
	got := func(mods ...func(*types.ReplicationGroup)) observed {
		o := observe(replicationGroup(t, mods...))
		o.tags = allTags()
		return o
	}
	tagged := func(tags map[string]string) observed {
		o := got()
		o.tags = tags
		return o
	}
	cases := map[string]struct {
		reason string
		want   v1alpha1.ReplicationGroupParameters
		got    observed
		drift  []string
	}{
		"InSync": {
			reason: "A group matching the spec has not drifted.",
			want:   params(),
			got:    got(),
		},
		"UnsetIsIgnored": {
			reason: "What the spec leaves unset is not compared.",
			want: params(func(p *v1alpha1.ReplicationGroupParameters) {
				p.MultiAZEnabled, p.SnapshotRetentionLimit, p.SnapshotWindow = nil, nil, nil
			}),
			got: got(func(g *types.ReplicationGroup) {
				g.MultiAZ, g.SnapshotRetentionLimit, g.SnapshotWindow = types.MultiAZStatusDisabled, aws.Int32(1), aws.String("01:00-02:00")
			}),
		},
		"NotReported": {
			reason: "What Describe does not report (engine version, parameter group, security groups, maintenance window, port) is not compared until a node was described.",
			want: params(func(p *v1alpha1.ReplicationGroupParameters) {
				p.EngineVersion, p.CacheParameterGroupName = ptr.To("7.2"), ptr.To("custom")
				p.SecurityGroupIDs, p.PreferredMaintenanceWindow, p.Port = []string{"sg-9"}, ptr.To("mon:01:00-mon:02:00"), ptr.To[int32](6380)
			}),
			got: got(),
		},
		"NodeSettingsDiffer": {
			reason: "Once a node was described, its security groups, parameter group and maintenance window are compared.",
			want: params(func(p *v1alpha1.ReplicationGroupParameters) {
				p.CacheParameterGroupName, p.SecurityGroupIDs, p.PreferredMaintenanceWindow = ptr.To("custom"), []string{"sg-9"}, ptr.To("mon:01:00-mon:02:00")
			}),
			got: func() observed {
				o := got()
				o.setNode("7.1.0", &v1alpha1.NodeObservation{SecurityGroupIDs: []string{"sg-1"}, CacheParameterGroupName: "default.redis7", PreferredMaintenanceWindow: "sun:05:00-sun:06:00"})
				return o
			}(),
			drift: []string{fieldSecurityGroups, fieldParameterGroup, fieldMaintenance},
		},
		"NodeSettingsMatch": {
			reason: "Security groups in another order, a maintenance window in other case and a default parameter group of another family (after an engine upgrade) match.",
			want: params(func(p *v1alpha1.ReplicationGroupParameters) {
				p.CacheParameterGroupName, p.SecurityGroupIDs, p.PreferredMaintenanceWindow = ptr.To("default.redis6.x"), []string{"sg-2", "sg-1"}, ptr.To("Sun:05:00-Sun:06:00")
			}),
			got: func() observed {
				o := got()
				o.setNode("7.1.0", &v1alpha1.NodeObservation{SecurityGroupIDs: []string{"sg-1", "sg-2"}, CacheParameterGroupName: "default.redis7", PreferredMaintenanceWindow: "sun:05:00-sun:06:00"})
				return o
			}(),
		},
		"VersionPending": {
			reason: "An engine version ElastiCache holds for the maintenance window is not drift.",
			want:   params(func(p *v1alpha1.ReplicationGroupParameters) { p.EngineVersion = ptr.To("7.2") }),
			got: func() observed {
				o := got()
				n := &v1alpha1.NodeObservation{SecurityGroupIDs: []string{"sg-1", "sg-2"}, CacheParameterGroupName: "default.redis7", PreferredMaintenanceWindow: "sun:05:00-sun:06:00", PendingEngineVersion: "7.2.4"}
				o.setNode("7.1.0", n)
				return o
			}(),
		},
		"MultiAZUnreported": {
			reason: "A multi-AZ setting ElastiCache does not report is not drift.",
			want:   params(),
			got:    got(func(g *types.ReplicationGroup) { g.MultiAZ = "" }),
		},
		"SnapshotWindowUnreported": {
			reason: "A snapshot window ElastiCache does not report is not drift.",
			want:   params(),
			got:    got(func(g *types.ReplicationGroup) { g.SnapshotWindow = nil }),
		},
		"NodeType": {
			reason: "A different node type is drift.",
			want:   params(),
			got:    got(func(g *types.ReplicationGroup) { g.CacheNodeType = aws.String("cache.r7g.large") }),
			drift:  []string{fieldNodeType},
		},
		"Replicas": {
			reason: "Another number of nodes is drift.",
			want:   params(),
			got:    got(withMembers(3)),
			drift:  []string{fieldReplicas},
		},
		"Failover": {
			reason: "Failover disabled where the spec enables it is drift.",
			want:   params(),
			got:    got(func(g *types.ReplicationGroup) { g.AutomaticFailover = types.AutomaticFailoverStatusDisabled }),
			drift:  []string{fieldFailover},
		},
		"FailoverOn": {
			reason: "Failover enabled where the spec disables it is drift, even though false is the zero value.",
			want: params(func(p *v1alpha1.ReplicationGroupParameters) {
				p.AutomaticFailoverEnabled, p.MultiAZEnabled = false, nil
			}),
			got:   got(),
			drift: []string{fieldFailover},
		},
		"MultiAZ": {
			reason: "A different multi-AZ setting is drift.",
			want:   params(),
			got:    got(func(g *types.ReplicationGroup) { g.MultiAZ = types.MultiAZStatusDisabled }),
			drift:  []string{fieldMultiAZ},
		},
		"Description": {
			reason: "A different description is drift.",
			want:   params(),
			got:    got(func(g *types.ReplicationGroup) { g.Description = aws.String("old") }),
			drift:  []string{fieldDescription},
		},
		"SnapshotLimit": {
			reason: "A different snapshot retention is drift.",
			want:   params(),
			got:    got(func(g *types.ReplicationGroup) { g.SnapshotRetentionLimit = aws.Int32(1) }),
			drift:  []string{fieldSnapshotLimit},
		},
		"SnapshotsOff": {
			reason: "Snapshots turned off (0) where ElastiCache reports none is not drift.",
			want:   params(func(p *v1alpha1.ReplicationGroupParameters) { p.SnapshotRetentionLimit = ptr.To[int32](0) }),
			got:    got(func(g *types.ReplicationGroup) { g.SnapshotRetentionLimit = nil }),
		},
		"SnapshotWindow": {
			reason: "A different snapshot window is drift.",
			want:   params(),
			got:    got(func(g *types.ReplicationGroup) { g.SnapshotWindow = aws.String("04:00-05:00") }),
			drift:  []string{fieldSnapshotWindow},
		},
		"ExtraTag": {
			reason: "A tag the spec does not name is drift: the spec owns the whole set.",
			want:   params(),
			got:    tagged(plus(allTags(), "owner", "someone")),
			drift:  []string{fieldTags},
		},
		"MissingTag": {
			reason: "A missing tag is drift.",
			want:   params(),
			got:    tagged(providerTags()),
			drift:  []string{fieldTags},
		},
		"TagValue": {
			reason: "A tag with another value is drift.",
			want:   params(),
			got:    tagged(plus(allTags(), "team", "payments")),
			drift:  []string{fieldTags},
		},
		"Several": {
			reason: "Every drifted field is named, in a stable order.",
			want:   params(),
			got: func() observed {
				o := got(withMembers(1), func(g *types.ReplicationGroup) {
					g.CacheNodeType, g.Description = aws.String("cache.r7g.large"), aws.String("old")
					g.SnapshotRetentionLimit, g.SnapshotWindow = aws.Int32(1), aws.String("04:00-05:00")
					g.AutomaticFailover, g.MultiAZ = types.AutomaticFailoverStatusDisabled, types.MultiAZStatusDisabled
				})
				o.tags = nil
				return o
			}(),
			drift: []string{fieldNodeType, fieldReplicas, fieldFailover, fieldMultiAZ, fieldDescription, fieldSnapshotLimit, fieldSnapshotWindow, fieldTags},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := drifted(tc.want, tc.got)
			if diff := cmp.Diff(tc.drift, got); diff != "" {
				t.Errorf("\n%s\ndrifted(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	// unset is group()'s spec with every late-initialised field unset.
	unset := func() v1alpha1.ReplicationGroupParameters {
		p := group().Spec.ForProvider
		p.Port, p.SnapshotRetentionLimit, p.SnapshotWindow, p.MultiAZEnabled = nil, nil, nil, nil
		return p
	}
	observedParams := func(mods ...func(*types.ReplicationGroup)) v1alpha1.ReplicationGroupParameters {
		return observe(replicationGroup(t, mods...)).params
	}
	cases := map[string]struct {
		reason  string
		spec    v1alpha1.ReplicationGroupParameters
		got     v1alpha1.ReplicationGroupParameters
		want    v1alpha1.ReplicationGroupParameters
		changed bool
	}{
		"FillsUnset": {
			reason:  "Every unset late-initialised field should take what ElastiCache chose, and the change be reported.",
			spec:    unset(),
			got:     observedParams(),
			want:    group().Spec.ForProvider,
			changed: true,
		},
		"KeepsSet": {
			reason: "Fields the spec sets should be left as they are, however ElastiCache differs, and no change reported.",
			spec:   group().Spec.ForProvider,
			got: observedParams(func(g *types.ReplicationGroup) {
				g.SnapshotRetentionLimit, g.SnapshotWindow, g.MultiAZ = aws.Int32(1), aws.String("01:00-02:00"), types.MultiAZStatusDisabled
				g.NodeGroups[0].PrimaryEndpoint.Port = aws.Int32(6380)
				g.CacheNodeType, g.Description = aws.String("cache.r7g.large"), aws.String("old")
			}),
			want: group().Spec.ForProvider,
		},
		"NothingToFill": {
			reason: "What ElastiCache does not report (no endpoint while creating, empty strings) should not be filled.",
			spec:   unset(),
			got: observedParams(func(g *types.ReplicationGroup) {
				g.NodeGroups, g.SnapshotRetentionLimit, g.SnapshotWindow, g.MultiAZ = nil, nil, aws.String(""), ""
			}),
			want: unset(),
		},
		"FillsOne": {
			reason:  "A single unset field should be filled and reported.",
			spec:    group(withParams(func(p *v1alpha1.ReplicationGroupParameters) { p.SnapshotWindow = nil })).Spec.ForProvider,
			got:     observedParams(),
			want:    group().Spec.ForProvider,
			changed: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			spec := tc.spec
			changed := lateInitialize(&spec, tc.got)
			if diff := cmp.Diff(tc.want, spec); diff != "" {
				t.Errorf("\n%s\nlateInitialize(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}
			if changed != tc.changed {
				t.Errorf("\n%s\nlateInitialize(...): reported a change: %t, want %t", tc.reason, changed, tc.changed)
			}
		})
	}
}

func TestLateInitializeCopies(t *testing.T) {
	got := observe(replicationGroup(t)).params
	spec := v1alpha1.ReplicationGroupParameters{}
	lateInitialize(&spec, got)
	*got.Port, *got.SnapshotRetentionLimit, *got.SnapshotWindow, *got.MultiAZEnabled = 1, 1, "x", false
	if *spec.Port != 6379 || *spec.SnapshotRetentionLimit != 7 || *spec.SnapshotWindow != "03:00-04:00" || !*spec.MultiAZEnabled {
		t.Errorf("lateInitialize(...): the spec shares pointers with the observation: %+v", spec)
	}
}

func TestCreateInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      v1alpha1.ReplicationGroupParameters
		token  string
		want   *elasticache.CreateReplicationGroupInput
	}{
		"WithToken": {
			reason: "Every parameter should be sent, with the tags sorted and the token given.",
			p:      params(func(p *v1alpha1.ReplicationGroupParameters) { p.KMSKeyID = ptr.To("alias/cache") }),
			token:  testToken,
			want: func() *elasticache.CreateReplicationGroupInput {
				in := wantCreateInput()
				in.AuthToken, in.KmsKeyId = aws.String(testToken), aws.String("alias/cache")
				return in
			}(),
		},
		"WithoutToken": {
			reason: "Without a token no AuthToken should be sent, not even an empty one.",
			p:      params(),
			want:   wantCreateInput(),
		},
		"Minimal": {
			reason: "Optional parameters left unset should not be sent: ElastiCache picks them.",
			p: v1alpha1.ReplicationGroupParameters{
				Description: "d", Engine: "valkey", CacheNodeType: "cache.t4g.micro", NumCacheClusters: 1,
				Tags: map[string]string{"b": "2", "a": "1"},
			},
			want: &elasticache.CreateReplicationGroupInput{
				ReplicationGroupId:          aws.String(testName),
				ReplicationGroupDescription: aws.String("d"),
				Engine:                      aws.String("valkey"),
				CacheNodeType:               aws.String("cache.t4g.micro"),
				NumCacheClusters:            aws.Int32(1),
				AutomaticFailoverEnabled:    aws.Bool(false),
				TransitEncryptionEnabled:    aws.Bool(false),
				AtRestEncryptionEnabled:     aws.Bool(false),
				Tags:                        []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := createInput(testName, tc.p, tc.token)
			if diff := cmp.Diff(tc.want, got, ignoreInputs); diff != "" {
				t.Errorf("\n%s\ncreateInput(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestModifyInput(t *testing.T) {
	in := func(m func(*elasticache.ModifyReplicationGroupInput)) *elasticache.ModifyReplicationGroupInput {
		i := &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String(testName), ApplyImmediately: aws.Bool(true)}
		m(i)
		return i
	}
	cases := map[string]struct {
		reason string
		want   v1alpha1.ReplicationGroupParameters
		fields []string
		in     *elasticache.ModifyReplicationGroupInput
	}{
		"EveryField": {
			reason: "Each drifted field Modify changes should be sent under its ElastiCache name, with ApplyImmediately; replicas, tags and the token are not.",
			want:   params(),
			fields: []string{fieldNodeType, fieldReplicas, fieldFailover, fieldMultiAZ, fieldDescription, fieldSnapshotLimit, fieldSnapshotWindow, fieldTags, fieldAuthToken},
			in: in(func(i *elasticache.ModifyReplicationGroupInput) {
				i.CacheNodeType, i.AutomaticFailoverEnabled, i.MultiAZEnabled = aws.String("cache.t4g.small"), aws.Bool(true), aws.Bool(true)
				i.ReplicationGroupDescription, i.SnapshotRetentionLimit, i.SnapshotWindow = aws.String("sessions cache"), aws.Int32(7), aws.String("03:00-04:00")
			}),
		},
		"NodeSettings": {
			reason: "Security groups, the parameter group and the maintenance window should be sent once they differ: they used to be set at creation only.",
			want:   params(),
			fields: []string{fieldSecurityGroups, fieldParameterGroup, fieldMaintenance},
			in: in(func(i *elasticache.ModifyReplicationGroupInput) {
				i.SecurityGroupIds, i.CacheParameterGroupName, i.PreferredMaintenanceWindow = []string{"sg-1", "sg-2"}, aws.String("default.redis7"), aws.String("sun:05:00-sun:06:00")
			}),
		},
		"OnlyWhatDiffers": {
			reason: "Fields that have not drifted should not be sent.",
			want:   params(),
			fields: []string{fieldSnapshotWindow},
			in:     in(func(i *elasticache.ModifyReplicationGroupInput) { i.SnapshotWindow = aws.String("03:00-04:00") }),
		},
		"FailoverOff": {
			reason: "Turning failover off should send false, not leave it out.",
			want:   params(func(p *v1alpha1.ReplicationGroupParameters) { p.AutomaticFailoverEnabled = false }),
			fields: []string{fieldFailover},
			in:     in(func(i *elasticache.ModifyReplicationGroupInput) { i.AutomaticFailoverEnabled = aws.Bool(false) }),
		},
		"Later": {
			reason: "applyImmediately false should be sent as false.",
			want:   params(func(p *v1alpha1.ReplicationGroupParameters) { p.ApplyImmediately = false }),
			fields: []string{fieldNodeType},
			in: in(func(i *elasticache.ModifyReplicationGroupInput) {
				i.ApplyImmediately, i.CacheNodeType = aws.Bool(false), aws.String("cache.t4g.small")
			}),
		},
		"OnlyReplicas": {
			reason: "Replicas have calls of their own: with only replicas drifted there is no Modify.",
			want:   params(),
			fields: []string{fieldReplicas},
		},
		"OnlyTags": {
			reason: "Tags have calls of their own: with only tags drifted there is no Modify.",
			want:   params(),
			fields: []string{fieldTags},
		},
		"ReplicasTagsAndToken": {
			reason: "Replicas, tags and the token together still need no Modify of fields.",
			want:   params(),
			fields: []string{fieldReplicas, fieldTags, fieldAuthToken},
		},
		"Nothing": {
			reason: "Without drift there is no Modify.",
			want:   params(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := modifyInput(testName, tc.want, tc.fields)
			if diff := cmp.Diff(tc.in, got, ignoreInputs); diff != "" {
				t.Errorf("\n%s\nmodifyInput(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestTagChanges(t *testing.T) {
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	cases := map[string]struct {
		reason string
		want   map[string]string
		got    map[string]string
		add    []types.Tag
		remove []string
	}{
		"Same": {
			reason: "Equal sets need no change.",
			want:   map[string]string{"a": "1"},
			got:    map[string]string{"a": "1"},
		},
		"AddRemoveChange": {
			reason: "Missing and changed tags are added, sorted; extra ones removed, sorted.",
			want:   map[string]string{"c": "3", "a": "1", "b": "2"},
			got:    map[string]string{"a": "0", "z": "x", "y": "x", "b": "2"},
			add:    []types.Tag{tag("a", "1"), tag("c", "3")},
			remove: []string{"y", "z"},
		},
		"EmptyValue": {
			reason: "A tag wanted with an empty value where it is missing is added.",
			want:   map[string]string{"a": ""},
			add:    []types.Tag{tag("a", "")},
		},
		"AllGone": {
			reason: "Wanting no tags removes every tag.",
			got:    map[string]string{"a": "1"},
			remove: []string{"a"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			add, remove := tagChanges(tc.want, tc.got)
			if diff := cmp.Diff(tc.add, add, ignoreInputs); diff != "" {
				t.Errorf("\n%s\ntagChanges(...): -want add, +got add:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.remove, remove); diff != "" {
				t.Errorf("\n%s\ntagChanges(...): -want remove, +got remove:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnectionDetails(t *testing.T) {
	tls := params()
	plain := params(func(p *v1alpha1.ReplicationGroupParameters) {
		p.TransitEncryptionEnabled, p.AuthTokenSecretRef = false, nil
	})
	noRef := params(func(p *v1alpha1.ReplicationGroupParameters) { p.AuthTokenSecretRef = nil })
	noReader := observation()
	noReader.ReaderAddress, noReader.ReaderPort = "", 0
	const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	withCA := connection()
	withCA["ca.crt"] = []byte(ca)
	cases := map[string]struct {
		reason string
		p      v1alpha1.ReplicationGroupParameters
		o      v1alpha1.ReplicationGroupObservation
		token  string
		ca     string
		want   managed.ConnectionDetails
	}{
		"TLSWithToken": {
			reason: "Transit encryption gives a rediss:// URL whose user is default and whose password is the token, URL-escaped; the password key holds it as it is; the reader has its own host and port keys.",
			p:      tls,
			o:      observation(),
			token:  testToken,
			want:   connection(),
		},
		"TokenNotSent": {
			reason: "With a token reference but no token ElastiCache has, password and url are left out, so that the Secret keeps the ones clients use.",
			p:      tls,
			o:      observation(),
			want:   pending(),
		},
		"NoTokenReference": {
			reason: "Without a token reference the URL has no user info and there is no password key.",
			p:      noRef,
			o:      observation(),
			want:   tokenless(),
		},
		"Plain": {
			reason: "Without transit encryption the URL is redis://.",
			p:      plain,
			o:      observation(),
			want: managed.ConnectionDetails{
				"host": []byte(testPrimary), "port": []byte("6379"), "endpoint": []byte(testPrimary),
				"readerHost": []byte(testReader), "readerPort": []byte("6379"),
				"url": []byte("redis://" + testPrimary + ":6379"),
			},
		},
		"PrivateCA": {
			reason: "A private CA named by the ProviderConfig goes into the Secret as ca.crt when the endpoint uses TLS.",
			p:      tls,
			o:      observation(),
			token:  testToken,
			ca:     ca,
			want:   withCA,
		},
		"PrivateCAWithoutTLS": {
			reason: "Without TLS there is no certificate to verify: no ca.crt.",
			p:      plain,
			o:      observation(),
			ca:     ca,
			want: managed.ConnectionDetails{
				"host": []byte(testPrimary), "port": []byte("6379"), "endpoint": []byte(testPrimary),
				"readerHost": []byte(testReader), "readerPort": []byte("6379"),
				"url": []byte("redis://" + testPrimary + ":6379"),
			},
		},
		"NoReader": {
			reason: "A group without a reader endpoint has no readerHost or readerPort.",
			p:      tls,
			o:      noReader,
			token:  "plain-token-0123456789",
			want: managed.ConnectionDetails{
				"host": []byte(testPrimary), "port": []byte("6379"), "endpoint": []byte(testPrimary), "password": []byte("plain-token-0123456789"),
				"url": []byte("rediss://default:plain-token-0123456789@" + testPrimary + ":6379"),
			},
		},
		"NoEndpoint": {
			reason: "A group without an address yet has nothing to connect to.",
			p:      tls,
			o:      v1alpha1.ReplicationGroupObservation{Status: "creating"},
			token:  testToken,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := connectionDetails(tc.p, tc.o, tc.token, tc.ca)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nconnectionDetails(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	cases := map[string]struct {
		reason string
		id     string
		valid  bool
	}{
		"Simple":         {reason: "Letters, digits and single hyphens are valid.", id: "sessions-cache-1", valid: true},
		"OneLetter":      {reason: "One letter is valid.", id: "a", valid: true},
		"Longest":        {reason: "40 characters are valid.", id: "a" + strings.Repeat("b", 39), valid: true},
		"TooLong":        {reason: "41 characters are not.", id: "a" + strings.Repeat("b", 40)},
		"Empty":          {reason: "An empty ID is not valid.", id: ""},
		"LeadingDigit":   {reason: "An ID starts with a letter.", id: "1sessions"},
		"LeadingHyphen":  {reason: "An ID starts with a letter, not a hyphen.", id: "-sessions"},
		"TrailingHyphen": {reason: "An ID does not end with a hyphen.", id: "sessions-"},
		"DoubleHyphen":   {reason: "An ID has no two hyphens in a row.", id: "sessions--cache"},
		"Underscore":     {reason: "Underscores are not allowed.", id: "sessions_cache"},
		"Dot":            {reason: "Dots are not allowed.", id: "sessions.cache"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := validID(tc.id)
			if (err == nil) != tc.valid {
				t.Errorf("\n%s\nvalidID(%q): %v, want valid: %t", tc.reason, tc.id, err, tc.valid)
			}
		})
	}
}

func TestIsNotFound(t *testing.T) {
	cases := map[string]struct {
		reason string
		err    error
		want   bool
	}{
		"SDKFault":  {reason: "The SDK's fault is not found.", err: errors.Wrap(&types.ReplicationGroupNotFoundFault{Message: aws.String("gone")}, "operation error ElastiCache"), want: true},
		"Code":      {reason: "ElastiCache's code, wrapped, is not found.", err: errors.Wrap(apiError("ReplicationGroupNotFoundFault"), "operation error ElastiCache"), want: true},
		"NoSuffix":  {reason: "The code without the Fault suffix some emulators answer is not found.", err: apiError("ReplicationGroupNotFound"), want: true},
		"Other":     {reason: "Another group's not-found code is not.", err: apiError("CacheClusterNotFound")},
		"Exists":    {reason: "Already exists is not.", err: apiError("ReplicationGroupAlreadyExists")},
		"Plain":     {reason: "An error without a code is not.", err: errBoom},
		"NilIsNot":  {reason: "No error is not.", err: nil},
		"Substring": {reason: "A plain message naming the code is not: only the code counts.", err: errors.New("ReplicationGroupNotFoundFault")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := isNotFound(tc.err); got != tc.want {
				t.Errorf("\n%s\nisNotFound(%v): got %t, want %t", tc.reason, tc.err, got, tc.want)
			}
		})
	}
}

func TestIsAlreadyExists(t *testing.T) {
	cases := map[string]struct {
		reason string
		err    error
		want   bool
	}{
		"SDKFault":    {reason: "The SDK's fault is already exists.", err: errors.Wrap(&types.ReplicationGroupAlreadyExistsFault{Message: aws.String("taken")}, "operation error ElastiCache"), want: true},
		"Code":        {reason: "ElastiCache's code is already exists.", err: apiError("ReplicationGroupAlreadyExists"), want: true},
		"FaultSuffix": {reason: "The code with the Fault suffix is already exists.", err: apiError("ReplicationGroupAlreadyExistsFault"), want: true},
		"Other":       {reason: "Another code is not.", err: apiError("CacheClusterAlreadyExists")},
		"NotFound":    {reason: "Not found is not.", err: apiError("ReplicationGroupNotFoundFault")},
		"Plain":       {reason: "An error without a code is not.", err: errBoom},
		"Nil":         {reason: "No error is not.", err: nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := isAlreadyExists(tc.err); got != tc.want {
				t.Errorf("\n%s\nisAlreadyExists(%v): got %t, want %t", tc.reason, tc.err, got, tc.want)
			}
		})
	}
}

// TestPrimaryFromNodeGroup: the primary's cluster is the one the node
// group says has the primary role, whatever the order of the members (a
// failover moves the primary).
func TestPrimaryFromNodeGroup(t *testing.T) {
	g := replicationGroup(t, func(g *types.ReplicationGroup) {
		g.NodeGroups[0].NodeGroupMembers = []types.NodeGroupMember{
			{CacheClusterId: aws.String("sessions-001"), CurrentRole: aws.String("replica")},
			{CacheClusterId: aws.String("sessions-002"), CurrentRole: aws.String("primary")},
		}
	})
	if got := observe(g).primary; got != "sessions-002" {
		t.Errorf("primary %q, want sessions-002", got)
	}
	if got := observe(replicationGroup(t)).primary; got != "" {
		t.Errorf("primary %q for a group whose node group names no roles, want none", got)
	}
}
