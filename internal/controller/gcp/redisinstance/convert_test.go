package redisinstance

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	redis "google.golang.org/api/redis/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
)

func TestValidID(t *testing.T) {
	cases := map[string]struct {
		reason string
		id     string
		ok     bool
	}{
		"Simple":        {reason: "Lower-case letters, digits and hyphens are allowed.", id: "app-cache-1", ok: true},
		"OneLetter":     {reason: "A single letter is an id.", id: "a", ok: true},
		"Longest":       {reason: "40 characters are allowed.", id: "a" + strings.Repeat("b", 39), ok: true},
		"TooLong":       {reason: "41 characters are too many.", id: "a" + strings.Repeat("b", 40)},
		"Empty":         {reason: "An id cannot be empty.", id: ""},
		"StartsDigit":   {reason: "An id starts with a letter.", id: "1cache"},
		"EndsHyphen":    {reason: "An id ends with a letter or digit.", id: "cache-"},
		"UpperCase":     {reason: "Upper-case letters are refused.", id: "Cache"},
		"Underscore":    {reason: "Underscores are refused.", id: "app_cache"},
		"DottedK8sName": {reason: "A Kubernetes name with dots is not an instance id.", id: "app.cache"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := validID(tc.id)
			if (err == nil) != tc.ok {
				t.Errorf("\n%s\nvalidID(%q): %v, want ok %t", tc.reason, tc.id, err, tc.ok)
			}
		})
	}
}

func TestNames(t *testing.T) {
	name := instanceName("my-project", "us-central1", "cache")
	if name != "projects/my-project/locations/us-central1/instances/cache" {
		t.Errorf("instanceName: %q", name)
	}
	if got := projectOf(name); got != "my-project" {
		t.Errorf("projectOf(%q) = %q", name, got)
	}
	if got := regionOf(name); got != "us-central1" {
		t.Errorf("regionOf(%q) = %q", name, got)
	}
	if projectOf("") != "" || regionOf("") != "" || regionOf("projects/p") != "" {
		t.Errorf("an empty or short name should name no project or region")
	}
}

func TestVersionAtLeast(t *testing.T) {
	cases := map[string]struct {
		reason        string
		running, want string
		ok            bool
	}{
		"Same":               {reason: "The version written runs.", running: "REDIS_7_0", want: "REDIS_7_0", ok: true},
		"HigherMinor":        {reason: "A later minor version satisfies an earlier one: Memorystore cannot go back.", running: "REDIS_7_2", want: "REDIS_7_0", ok: true},
		"LowerMinor":         {reason: "An earlier minor version needs an upgrade.", running: "REDIS_7_0", want: "REDIS_7_2"},
		"HigherMajor":        {reason: "A later major version satisfies an earlier one.", running: "REDIS_7_0", want: "REDIS_6_X", ok: true},
		"LowerMajor":         {reason: "An earlier major version needs an upgrade.", running: "REDIS_6_X", want: "REDIS_7_0"},
		"AnyMinor":           {reason: "An X minor is any minor of its major version.", running: "REDIS_6_X", want: "REDIS_6_X", ok: true},
		"AnyMinorRunning":    {reason: "Running an X minor satisfies a minor of its major version.", running: "REDIS_6_X", want: "REDIS_6_0", ok: true},
		"UnknownIsCompared":  {reason: "Versions of another form are compared as they are.", running: "REDIS_7_0_BETA", want: "REDIS_7_0_BETA", ok: true},
		"UnknownDiffers":     {reason: "Versions of another form that differ do not match.", running: "REDIS_7_0_BETA", want: "REDIS_7_0"},
		"NothingReportedYet": {reason: "A version not reported is not the one wanted.", running: "", want: "REDIS_7_0"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := versionAtLeast(tc.running, tc.want); got != tc.ok {
				t.Errorf("\n%s\nversionAtLeast(%q, %q) = %t", tc.reason, tc.running, tc.want, got)
			}
		})
	}
}

// cloudInstance is what Memorystore reports for an instance matching
// params(), with mods applied.
func cloudInstance(mods ...func(*redis.Instance)) *redis.Instance {
	in := &redis.Instance{
		Name:                  testName,
		State:                 stateReady,
		Tier:                  v1alpha1.TierStandardHA,
		MemorySizeGb:          5,
		RedisVersion:          "REDIS_7_0",
		ReplicaCount:          2,
		ReadReplicasMode:      v1alpha1.ReadReplicasEnabled,
		AuthEnabled:           true,
		TransitEncryptionMode: v1alpha1.TransitEncryptionServerAuthentication,
		ConnectMode:           v1alpha1.ConnectModeDirectPeering,
		AuthorizedNetwork:     testNetwork,
		MaintenancePolicy: &redis.MaintenancePolicy{CreateTime: "2026-01-01T00:00:00Z", WeeklyMaintenanceWindow: []*redis.WeeklyMaintenanceWindow{
			{Day: "SUNDAY", Duration: "3600s", StartTime: &redis.TimeOfDay{Hours: 3}},
		}},
		RedisConfigs:       map[string]string{"maxmemory-policy": "allkeys-lru"},
		Labels:             allLabels(),
		DisplayName:        "App cache",
		Host:               "10.0.0.3",
		Port:               6378,
		ReadEndpoint:       "10.0.0.4",
		ReadEndpointPort:   6378,
		LocationId:         "us-central1-a",
		CurrentLocationId:  "us-central1-a",
		MaintenanceVersion: "20260101_00_00",
		CreateTime:         "2026-01-01T12:00:00Z",
		ServerCaCerts: []*redis.TlsCertificate{
			{Cert: "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n", ExpireTime: "2036-01-01T00:00:00Z"},
			{Cert: "-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----", ExpireTime: "2031-01-01T00:00:00.5Z"},
		},
	}
	for _, m := range mods {
		m(in)
	}
	return in
}

func TestParameters(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     *redis.Instance
		want   v1alpha1.InstanceParameters
	}{
		"StandardHA": {
			reason: "Every field an instance reports should be read in spec terms, the labels included.",
			in:     cloudInstance(),
			want: params(func(p *v1alpha1.InstanceParameters) {
				p.Labels = allLabels()
			}),
		},
		"Basic": {
			reason: "A BASIC instance has no replicas and no read replicas mode; unset modes are Memorystore's defaults; no labels are an empty set.",
			in: &redis.Instance{
				Name: testName, Tier: v1alpha1.TierBasic, MemorySizeGb: 1, ReadReplicasMode: v1alpha1.ReadReplicasDisabled,
				ConnectMode: "CONNECT_MODE_UNSPECIFIED",
			},
			want: v1alpha1.InstanceParameters{
				Region: testRegion, Tier: v1alpha1.TierBasic, MemorySizeGb: 1, AuthEnabled: ptr.To(false),
				TransitEncryptionMode: ptr.To(v1alpha1.TransitEncryptionDisabled), Labels: map[string]string{}, DisplayName: ptr.To(""),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, parameters(tc.in), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nparameters(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDrifted(t *testing.T) {
	cases := map[string]struct {
		reason    string
		want, got v1alpha1.InstanceParameters
		fields    []string
	}{
		"InSync": {
			reason: "An instance as the spec says has not drifted.",
			want:   params(), got: params(),
		},
		"Every": {
			reason: "Every changeable field that differs should be named, in order.",
			want:   params(),
			got: params(func(p *v1alpha1.InstanceParameters) {
				p.MemorySizeGb, p.ReplicaCount, p.AuthEnabled = 6, ptr.To[int64](3), ptr.To(false)
				p.MaintenancePolicy.WeeklyMaintenanceWindow[0].StartTime.Hours = 4
				p.RedisConfigs = map[string]string{}
				p.Labels = map[string]string{"team": "other"}
				p.DisplayName = ptr.To("")
				p.RedisVersion = ptr.To("REDIS_6_X")
			}),
			fields: []string{fieldMemory, fieldReplicaCount, fieldAuthEnabled, fieldMaintenancePolicy, fieldRedisConfigs, fieldLabels, fieldDisplayName, fieldRedisVersion},
		},
		"UnsetIsUnmanaged": {
			reason: "Fields the spec leaves unset are not compared.",
			want: params(func(p *v1alpha1.InstanceParameters) {
				p.ReplicaCount, p.AuthEnabled, p.MaintenancePolicy, p.RedisConfigs, p.DisplayName, p.RedisVersion = nil, nil, nil, nil, nil, nil
			}),
			got: params(func(p *v1alpha1.InstanceParameters) {
				p.ReplicaCount, p.AuthEnabled, p.MaintenancePolicy = ptr.To[int64](4), ptr.To(false), nil
				p.RedisConfigs, p.DisplayName, p.RedisVersion = map[string]string{"a": "b"}, ptr.To("x"), ptr.To("REDIS_6_X")
			}),
		},
		"NoMaintenancePolicy": {
			reason: "A maintenance window the instance lacks (any time is Memorystore's default) is drift.",
			want:   params(),
			got:    params(func(p *v1alpha1.InstanceParameters) { p.MaintenancePolicy = nil }),
			fields: []string{fieldMaintenancePolicy},
		},
		"EmptyRedisConfigsRemoveAll": {
			reason: "An empty redisConfigs is managed: it removes every parameter.",
			want:   params(func(p *v1alpha1.InstanceParameters) { p.RedisConfigs = map[string]string{} }),
			got:    params(),
			fields: []string{fieldRedisConfigs},
		},
		"UpgradedByItself": {
			reason: "A later Redis version than the spec's, which Memorystore may move to by itself, is in sync: it cannot go back.",
			want:   params(),
			got:    params(func(p *v1alpha1.InstanceParameters) { p.RedisVersion = ptr.To("REDIS_7_2") }),
		},
		"ImmutableNotDrift": {
			reason: "Fields Memorystore cannot change are not drift: immutableDiffers names them.",
			want:   params(),
			got: params(func(p *v1alpha1.InstanceParameters) {
				p.Tier, p.TransitEncryptionMode = v1alpha1.TierBasic, ptr.To(v1alpha1.TransitEncryptionDisabled)
			}),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.fields, drifted(tc.want, tc.got)); diff != "" {
				t.Errorf("\n%s\ndrifted(...): -want, +got:\n%s", tc.reason, diff)
			}
			if d := diff(tc.want, tc.got); (d != "") != (len(tc.fields) > 0) {
				t.Errorf("\n%s\ndiff(...) = %q, want non-empty only when fields drifted", tc.reason, d)
			}
		})
	}
}

func TestImmutableDiffers(t *testing.T) {
	cases := map[string]struct {
		reason    string
		want, got v1alpha1.InstanceParameters
		fields    []string
	}{
		"Same": {reason: "An instance as the spec says differs in nothing.", want: params(), got: params()},
		"Every": {
			reason: "Every immutable field that differs should be named.",
			want:   params(),
			got: params(func(p *v1alpha1.InstanceParameters) {
				p.TransitEncryptionMode = ptr.To(v1alpha1.TransitEncryptionDisabled)
				p.ConnectMode = ptr.To(v1alpha1.ConnectModePrivateServiceAccess)
				p.AuthorizedNetwork = ptr.To("projects/my-project/global/networks/other")
				p.ReadReplicasMode = ptr.To(v1alpha1.ReadReplicasDisabled)
			}),
			fields: []string{fieldTransitEncryption, fieldConnectMode, fieldAuthorizedNetwork, fieldReadReplicasMode},
		},
		"Tier": {
			reason: "A BASIC instance is not the STANDARD_HA one the spec asks for; its missing read replicas mode is not named too.",
			want:   params(),
			got: params(func(p *v1alpha1.InstanceParameters) {
				p.Tier, p.ReadReplicasMode, p.ReplicaCount = v1alpha1.TierBasic, nil, nil
			}),
			fields: []string{fieldTier},
		},
		"UnsetIsUnmanaged": {
			reason: "Unset optional fields are not compared.",
			want: params(func(p *v1alpha1.InstanceParameters) {
				p.TransitEncryptionMode, p.ConnectMode, p.AuthorizedNetwork, p.ReadReplicasMode = nil, nil, nil, nil
			}),
			got: params(func(p *v1alpha1.InstanceParameters) {
				p.TransitEncryptionMode = ptr.To(v1alpha1.TransitEncryptionDisabled)
			}),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.fields, immutableDiffers(tc.want, tc.got)); diff != "" {
				t.Errorf("\n%s\nimmutableDiffers(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	bare := func(tier string) v1alpha1.InstanceParameters {
		return v1alpha1.InstanceParameters{Region: testRegion, Tier: tier, MemorySizeGb: 5}
	}
	cases := map[string]struct {
		reason  string
		spec    v1alpha1.InstanceParameters
		got     v1alpha1.InstanceParameters
		want    v1alpha1.InstanceParameters
		changed bool
	}{
		"Fills": {
			reason: "Unset fields every instance has a value for are filled; the Redis version, maintenance policy, configs and display name are not.",
			spec:   bare(v1alpha1.TierStandardHA),
			got:    params(),
			want: func() v1alpha1.InstanceParameters {
				p := bare(v1alpha1.TierStandardHA)
				p.AuthEnabled, p.TransitEncryptionMode = ptr.To(true), ptr.To(v1alpha1.TransitEncryptionServerAuthentication)
				p.ConnectMode, p.AuthorizedNetwork = ptr.To(v1alpha1.ConnectModeDirectPeering), ptr.To(testNetwork)
				p.ReadReplicasMode, p.ReplicaCount = ptr.To(v1alpha1.ReadReplicasEnabled), ptr.To[int64](2)
				return p
			}(),
			changed: true,
		},
		"KeepsSet": {
			reason: "Fields the spec sets are kept.",
			spec:   params(),
			got:    params(func(p *v1alpha1.InstanceParameters) { p.AuthEnabled, p.ReplicaCount = ptr.To(false), ptr.To[int64](5) }),
			want:   params(),
		},
		"BasicHasNoReplicas": {
			reason: "A BASIC spec gets no replicas or read replicas mode: admission refuses them there.",
			spec:   bare(v1alpha1.TierBasic),
			got: func() v1alpha1.InstanceParameters {
				p := bare(v1alpha1.TierBasic)
				p.AuthEnabled, p.TransitEncryptionMode = ptr.To(false), ptr.To(v1alpha1.TransitEncryptionDisabled)
				return p
			}(),
			want: func() v1alpha1.InstanceParameters {
				p := bare(v1alpha1.TierBasic)
				p.AuthEnabled, p.TransitEncryptionMode = ptr.To(false), ptr.To(v1alpha1.TransitEncryptionDisabled)
				return p
			}(),
			changed: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			spec := tc.spec
			changed := lateInitialize(&spec, tc.got)
			if diff := cmp.Diff(tc.want, spec); diff != "" {
				t.Errorf("\n%s\nlateInitialize(...): -want, +got:\n%s", tc.reason, diff)
			}
			if changed != tc.changed {
				t.Errorf("\n%s\nlateInitialize(...) = %t, want %t", tc.reason, changed, tc.changed)
			}
		})
	}
}

func TestCreateInstance(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      v1alpha1.InstanceParameters
		want   *redis.Instance
	}{
		"Every": {
			reason: "Every field the spec sets should be sent.",
			p:      params(),
			want: &redis.Instance{
				Tier: v1alpha1.TierStandardHA, MemorySizeGb: 5, RedisVersion: "REDIS_7_0", ReplicaCount: 2, ReadReplicasMode: v1alpha1.ReadReplicasEnabled,
				AuthEnabled: true, TransitEncryptionMode: v1alpha1.TransitEncryptionServerAuthentication, ConnectMode: v1alpha1.ConnectModeDirectPeering,
				AuthorizedNetwork: testNetwork, RedisConfigs: map[string]string{"maxmemory-policy": "allkeys-lru"}, Labels: map[string]string{"team": "cache"},
				DisplayName: "App cache",
				MaintenancePolicy: &redis.MaintenancePolicy{WeeklyMaintenanceWindow: []*redis.WeeklyMaintenanceWindow{
					{Day: "SUNDAY", StartTime: &redis.TimeOfDay{Hours: 3, ForceSendFields: []string{"Hours"}}},
				}},
			},
		},
		"SecureDefaults": {
			reason: "A new instance whose spec leaves AUTH and TLS unset gets both; the rest is left to Memorystore.",
			p:      withSecureDefaults(v1alpha1.InstanceParameters{Region: testRegion, Tier: v1alpha1.TierBasic, MemorySizeGb: 1}),
			want:   &redis.Instance{Tier: v1alpha1.TierBasic, MemorySizeGb: 1, AuthEnabled: true, TransitEncryptionMode: v1alpha1.TransitEncryptionServerAuthentication},
		},
		"SecureDefaultsKeepChoices": {
			reason: "A spec that turns AUTH and TLS off is obeyed.",
			p: withSecureDefaults(v1alpha1.InstanceParameters{Region: testRegion, Tier: v1alpha1.TierBasic, MemorySizeGb: 1,
				AuthEnabled: ptr.To(false), TransitEncryptionMode: ptr.To(v1alpha1.TransitEncryptionDisabled)}),
			want: &redis.Instance{Tier: v1alpha1.TierBasic, MemorySizeGb: 1, TransitEncryptionMode: v1alpha1.TransitEncryptionDisabled},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, createInstance(tc.p), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\ncreateInstance(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPatchRequest(t *testing.T) {
	cases := map[string]struct {
		reason string
		want   v1alpha1.InstanceParameters
		fields []string
		in     *redis.Instance
		mask   string
	}{
		"Memory": {
			reason: "A resize sends the memory alone, named by the mask.",
			want:   params(), fields: []string{fieldMemory},
			in: &redis.Instance{MemorySizeGb: 5}, mask: "memorySizeGb",
		},
		"FalseAndEmptyForced": {
			reason: "AUTH turned off, no configs and an empty display name must reach the wire, which drops false, {} and \"\" unless forced.",
			want: params(func(p *v1alpha1.InstanceParameters) {
				p.AuthEnabled, p.RedisConfigs, p.DisplayName = ptr.To(false), map[string]string{}, ptr.To("")
			}),
			fields: []string{fieldDisplayName, fieldAuthEnabled, fieldRedisConfigs},
			in:     &redis.Instance{RedisConfigs: map[string]string{}, ForceSendFields: []string{"AuthEnabled", "RedisConfigs", "DisplayName"}},
			mask:   "authEnabled,redisConfigs,displayName",
		},
		"Every": {
			reason: "Every patchable field, in a stable order; redisVersion is left to an upgrade.",
			want:   params(func(p *v1alpha1.InstanceParameters) { p.Labels = allLabels() }),
			fields: []string{fieldRedisVersion, fieldLabels, fieldMaintenancePolicy, fieldReplicaCount, fieldMemory},
			in: &redis.Instance{
				MemorySizeGb: 5, ReplicaCount: 2, Labels: allLabels(), ForceSendFields: []string{"Labels"},
				MaintenancePolicy: &redis.MaintenancePolicy{WeeklyMaintenanceWindow: []*redis.WeeklyMaintenanceWindow{
					{Day: "SUNDAY", StartTime: &redis.TimeOfDay{Hours: 3, ForceSendFields: []string{"Hours"}}},
				}},
			},
			mask: "memorySizeGb,replicaCount,maintenancePolicy,labels",
		},
		"UpgradeOnly": {
			reason: "A version alone is no patch.",
			want:   params(), fields: []string{fieldRedisVersion},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in, mask := patchRequest(tc.want, tc.fields)
			if diff := cmp.Diff(tc.in, in, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\npatchRequest(...): -want, +got:\n%s", tc.reason, diff)
			}
			if mask != tc.mask {
				t.Errorf("\n%s\npatchRequest(...) mask = %q, want %q", tc.reason, mask, tc.mask)
			}
		})
	}
}

func TestCondition(t *testing.T) {
	cases := map[string]struct {
		reason     string
		state, msg string
		want       xpv2.Condition
	}{
		"Ready":    {reason: "READY is Available.", state: stateReady, want: xpv2.Available()},
		"Creating": {reason: "CREATING is Creating, saying so.", state: stateCreating, want: xpv2.Creating().WithMessage("Memorystore reports the instance CREATING")},
		"Deleting": {reason: "DELETING is Deleting.", state: stateDeleting, want: xpv2.Deleting().WithMessage("Memorystore reports the instance DELETING")},
		"Maintenance": {
			reason: "Any other state is Unavailable, naming the state and what Memorystore says of it.",
			state:  "MAINTENANCE", msg: "Scheduled maintenance",
			want: xpv2.Unavailable().WithMessage("Memorystore reports the instance MAINTENANCE: Scheduled maintenance"),
		},
		"FailingOver": {reason: "A failover is Unavailable.", state: "FAILING_OVER", want: xpv2.Unavailable().WithMessage("Memorystore reports the instance FAILING_OVER")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, condition(tc.state, tc.msg), cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime")); diff != "" {
				t.Errorf("\n%s\ncondition(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestBusy(t *testing.T) {
	if busy(stateReady, nil) {
		t.Errorf("a READY instance with no operation of the provider's running is not busy")
	}
	if !busy(stateReady, &v1alpha1.Operation{Name: "op"}) {
		t.Errorf("an instance whose operation the provider started is busy, READY or not: Memorystore may not show it yet")
	}
	for _, s := range []string{stateCreating, "UPDATING", "MAINTENANCE", "FAILING_OVER", "REPAIRING", "IMPORTING", stateDeleting} {
		if !busy(s, nil) {
			t.Errorf("an instance %s is busy", s)
		}
	}
}

func TestObservation(t *testing.T) {
	want := v1alpha1.InstanceObservation{
		Name: testName, State: stateReady, Host: "10.0.0.3", Port: 6378, ReadEndpoint: "10.0.0.4", ReadEndpointPort: 6378,
		LocationID: "us-central1-a", CurrentLocationID: "us-central1-a", RedisVersion: "REDIS_7_0", MemorySizeGb: 5, ReplicaCount: 2,
		AuthEnabled: true, TransitEncryptionMode: v1alpha1.TransitEncryptionServerAuthentication, MaintenanceVersion: "20260101_00_00",
		Labels: allLabels(), CreateTime: &metav1.Time{Time: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)},
		// The first CA to expire.
		ServerCACertExpireTime: &metav1.Time{Time: time.Date(2031, 1, 1, 0, 0, 0, 5e8, time.UTC)},
	}
	if diff := cmp.Diff(want, observation(cloudInstance())); diff != "" {
		t.Errorf("observation(...): -want, +got:\n%s", diff)
	}
	if o := observation(&redis.Instance{CreateTime: "not a time"}); o.CreateTime != nil || o.ServerCACertExpireTime != nil {
		t.Errorf("observation of an instance without times: %+v", o)
	}
}

func TestConnectionDetails(t *testing.T) {
	const ca = "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----\n"
	cases := map[string]struct {
		reason  string
		in      *redis.Instance
		auth    string
		settled bool
		want    managed.ConnectionDetails
	}{
		"Creating": {
			reason: "Nothing is published before Memorystore reports the endpoint.",
			in:     cloudInstance(func(in *redis.Instance) { in.Host = "" }),
		},
		"TLSAndAuth": {
			reason:  "With TLS and AUTH: both endpoints, the CAs, the AUTH string as password, and a rediss:// url with it (URL-escaped).",
			in:      cloudInstance(),
			auth:    "s3cr/t",
			settled: true,
			want: managed.ConnectionDetails{
				"host": []byte("10.0.0.3"), "port": []byte("6378"), "endpoint": []byte("10.0.0.3"),
				"readerHost": []byte("10.0.0.4"), "readerPort": []byte("6378"), "ca.crt": []byte(ca),
				"password": []byte("s3cr/t"), "url": []byte("rediss://default:s3cr%2Ft@10.0.0.3:6378"),
			},
		},
		"AuthNotRead": {
			reason:  "An instance with AUTH whose AUTH string was not read gets no password or url: the Secret keeps the ones it has.",
			in:      cloudInstance(),
			settled: true,
			want: managed.ConnectionDetails{
				"host": []byte("10.0.0.3"), "port": []byte("6378"), "endpoint": []byte("10.0.0.3"),
				"readerHost": []byte("10.0.0.4"), "readerPort": []byte("6378"), "ca.crt": []byte(ca),
			},
		},
		"Busy": {
			reason: "While the instance is busy (AUTH being turned on, which generates a new string, say) no password or url is published, even with an AUTH string: the Secret keeps the ones that work.",
			in:     cloudInstance(func(in *redis.Instance) { in.State = "UPDATING" }),
			auth:   "s3cr/t",
			want: managed.ConnectionDetails{
				"host": []byte("10.0.0.3"), "port": []byte("6378"), "endpoint": []byte("10.0.0.3"),
				"readerHost": []byte("10.0.0.4"), "readerPort": []byte("6378"), "ca.crt": []byte(ca),
			},
		},
		"AuthTurnedOffWhileBusy": {
			reason: "An instance whose authEnabled reads false while it is busy (AUTH being turned off) gets no url without a password yet: the server may still ask for AUTH.",
			in:     &redis.Instance{Host: "10.0.0.3", Port: 6379, State: "UPDATING", TransitEncryptionMode: v1alpha1.TransitEncryptionDisabled},
			want: managed.ConnectionDetails{
				"host": []byte("10.0.0.3"), "port": []byte("6379"), "endpoint": []byte("10.0.0.3"),
			},
		},
		"Plain": {
			reason: "Without TLS or AUTH, nor read replicas: a redis:// url, no CA, no reader.",
			in: &redis.Instance{Host: "10.0.0.3", Port: 6379, TransitEncryptionMode: v1alpha1.TransitEncryptionDisabled,
				ServerCaCerts: []*redis.TlsCertificate{{Cert: "ignored"}}},
			settled: true,
			want: managed.ConnectionDetails{
				"host": []byte("10.0.0.3"), "port": []byte("6379"), "endpoint": []byte("10.0.0.3"), "url": []byte("redis://10.0.0.3:6379"),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, connectionDetails(tc.in, tc.auth, tc.settled)); diff != "" {
				t.Errorf("\n%s\nconnectionDetails(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
