package redisinstance

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	redis "google.golang.org/api/redis/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	gcpclient "github.com/appinfra/provider-appinfra/internal/clients/gcp"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcplabels"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

var errBoom = errors.New("boom")

// The instance every test works on, unless an option says otherwise.
const (
	testID      = "app-cache"
	testProject = "my-project"
	testRegion  = "us-central1"
	testName    = "projects/my-project/locations/us-central1/instances/app-cache"
	testParent  = "projects/my-project/locations/us-central1"
	testUID     = "5f0c8a1e-0000-4000-8000-00000000cac1"
	testNetwork = "projects/my-project/global/networks/default"
	testOp      = "projects/my-project/locations/us-central1/operations/operation-1"
	testAuth    = "auth-string-never-logged"
)

// call is one call the mock received.
type call struct {
	Op       string
	Name     string
	ID       string
	Mask     string
	Instance *redis.Instance
	Version  string
}

// mockAPI answers each call with its function field and records the calls
// in order. A call whose field is nil fails.
type mockAPI struct {
	calls []call

	MockGet           func(name string) (*redis.Instance, error)
	MockCreate        func(parent, id string, in *redis.Instance) (*redis.Operation, error)
	MockPatch         func(name, mask string, in *redis.Instance) (*redis.Operation, error)
	MockUpgrade       func(name, version string) (*redis.Operation, error)
	MockDelete        func(name string) (*redis.Operation, error)
	MockGetAuthString func(name string) (*redis.InstanceAuthString, error)
	MockGetOperation  func(name string) (*redis.Operation, error)
}

var _ api = &mockAPI{}

func unexpected(op string) error { return errors.Errorf("unexpected call to %s", op) }

func (m *mockAPI) Get(_ context.Context, name string) (*redis.Instance, error) {
	m.calls = append(m.calls, call{Op: "Get", Name: name})
	if m.MockGet == nil {
		return nil, unexpected("Get")
	}
	return m.MockGet(name)
}

func (m *mockAPI) Create(_ context.Context, parent, id string, in *redis.Instance) (*redis.Operation, error) {
	m.calls = append(m.calls, call{Op: "Create", Name: parent, ID: id, Instance: in})
	if m.MockCreate == nil {
		return nil, unexpected("Create")
	}
	return m.MockCreate(parent, id, in)
}

func (m *mockAPI) Patch(_ context.Context, name, mask string, in *redis.Instance) (*redis.Operation, error) {
	m.calls = append(m.calls, call{Op: "Patch", Name: name, Mask: mask, Instance: in})
	if m.MockPatch == nil {
		return nil, unexpected("Patch")
	}
	return m.MockPatch(name, mask, in)
}

func (m *mockAPI) Upgrade(_ context.Context, name, version string) (*redis.Operation, error) {
	m.calls = append(m.calls, call{Op: "Upgrade", Name: name, Version: version})
	if m.MockUpgrade == nil {
		return nil, unexpected("Upgrade")
	}
	return m.MockUpgrade(name, version)
}

func (m *mockAPI) Delete(_ context.Context, name string) (*redis.Operation, error) {
	m.calls = append(m.calls, call{Op: "Delete", Name: name})
	if m.MockDelete == nil {
		return nil, unexpected("Delete")
	}
	return m.MockDelete(name)
}

func (m *mockAPI) GetAuthString(_ context.Context, name string) (*redis.InstanceAuthString, error) {
	m.calls = append(m.calls, call{Op: "GetAuthString", Name: name})
	if m.MockGetAuthString == nil {
		return nil, unexpected("GetAuthString")
	}
	return m.MockGetAuthString(name)
}

func (m *mockAPI) GetOperation(_ context.Context, name string) (*redis.Operation, error) {
	m.calls = append(m.calls, call{Op: "GetOperation", Name: name})
	if m.MockGetOperation == nil {
		return nil, unexpected("GetOperation")
	}
	return m.MockGetOperation(name)
}

// apiError is an error as Memorystore answers it: its HTTP code and, in
// the body, its google.rpc status.
func apiError(code int, status string) error {
	return &googleapi.Error{Code: code, Message: "Memorystore says " + status, Body: `{"error":{"code":` + strconv.Itoa(code) + `,"status":"` + status + `"}}`}
}

func getReturns(in *redis.Instance, err error) func(string) (*redis.Instance, error) {
	return func(string) (*redis.Instance, error) { return in, err }
}

func opReturns(err error) func(string) (*redis.Operation, error) {
	return func(string) (*redis.Operation, error) {
		if err != nil {
			return nil, err
		}
		return &redis.Operation{Name: testOp}, nil
	}
}

func upgradeReturns(err error) func(string, string) (*redis.Operation, error) {
	return func(name, _ string) (*redis.Operation, error) { return opReturns(err)(name) }
}

func authReturns(err error) func(string) (*redis.InstanceAuthString, error) {
	return func(string) (*redis.InstanceAuthString, error) {
		if err != nil {
			return nil, err
		}
		return &redis.InstanceAuthString{AuthString: testAuth}, nil
	}
}

func operationIs(done bool, failure *redis.Status) func(string) (*redis.Operation, error) {
	return func(name string) (*redis.Operation, error) {
		return &redis.Operation{Name: name, Done: done, Error: failure}, nil
	}
}

// params is an InstanceParameters that sets every field.
func params(mods ...func(*v1alpha1.InstanceParameters)) v1alpha1.InstanceParameters {
	p := v1alpha1.InstanceParameters{
		Region:                testRegion,
		Tier:                  v1alpha1.TierStandardHA,
		MemorySizeGb:          5,
		RedisVersion:          ptr.To("REDIS_7_0"),
		ReplicaCount:          ptr.To[int64](2),
		ReadReplicasMode:      ptr.To(v1alpha1.ReadReplicasEnabled),
		AuthEnabled:           ptr.To(true),
		TransitEncryptionMode: ptr.To(v1alpha1.TransitEncryptionServerAuthentication),
		ConnectMode:           ptr.To(v1alpha1.ConnectModeDirectPeering),
		AuthorizedNetwork:     ptr.To(testNetwork),
		MaintenancePolicy: &v1alpha1.MaintenancePolicy{WeeklyMaintenanceWindow: []v1alpha1.WeeklyMaintenanceWindow{
			{Day: "SUNDAY", StartTime: v1alpha1.TimeOfDay{Hours: 3}},
		}},
		RedisConfigs: map[string]string{"maxmemory-policy": "allkeys-lru"},
		Labels:       map[string]string{"team": "cache"},
		DisplayName:  ptr.To("App cache"),
	}
	for _, m := range mods {
		m(&p)
	}
	return p
}

// providerLabels are the labels the provider adds to instance(), folded
// to Google's label rules.
func providerLabels() map[string]string {
	return map[string]string{
		"crossplane-kind":                "instance_redis_gcp_appinfra_io",
		"crossplane-name":                testID,
		"crossplane-namespace":           "team-a",
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "clusterproviderconfig",
		"crossplane-uid":                 testUID,
	}
}

// allLabels are the labels instance() wants on its instance.
func allLabels() map[string]string {
	l := providerLabels()
	l["team"] = "cache"
	return l
}

type instanceOption func(*v1alpha1.Instance)

// instance is an Instance in namespace team-a named app-cache, with UID
// testUID, every field set as params() says, using the
// ClusterProviderConfig "default".
func instance(opts ...instanceOption) *v1alpha1.Instance {
	cr := &v1alpha1.Instance{
		ObjectMeta: metav1.ObjectMeta{Name: testID, Namespace: "team-a", UID: testUID},
		Spec:       v1alpha1.InstanceSpec{ForProvider: params()},
	}
	cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	meta.SetExternalName(cr, testID)
	for _, o := range opts {
		o(cr)
	}
	return cr
}

func withParams(m func(*v1alpha1.InstanceParameters)) instanceOption {
	return func(cr *v1alpha1.Instance) { m(&cr.Spec.ForProvider) }
}

func withExternalName(n string) instanceOption {
	return func(cr *v1alpha1.Instance) { meta.SetExternalName(cr, n) }
}

func withAtProvider(o v1alpha1.InstanceObservation) instanceOption {
	return func(cr *v1alpha1.Instance) { cr.Status.AtProvider = o }
}

func withOperation(verb string) instanceOption {
	return func(cr *v1alpha1.Instance) {
		cr.Status.AtProvider.Operation = &v1alpha1.Operation{Name: testOp, Verb: verb}
	}
}

func withConditions(c ...xpv2.Condition) instanceOption {
	return func(cr *v1alpha1.Instance) { cr.SetConditions(c...) }
}

func withPolicies(p ...xpv2.ManagementAction) instanceOption {
	return func(cr *v1alpha1.Instance) { cr.Spec.ManagementPolicies = p }
}

func withDeletionTimestamp() instanceOption {
	return func(cr *v1alpha1.Instance) {
		cr.SetDeletionTimestamp(&metav1.Time{Time: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
		cr.SetFinalizers([]string{"finalizer.managedresource.crossplane.io"})
	}
}

// config is the config of the ClusterProviderConfig "default", which names
// its project's number so that no test asks Resource Manager.
func config() *gcpclient.Config {
	return &gcpclient.Config{
		Spec:               gcpv1alpha1.ProviderConfigSpec{ProjectID: testProject, ProjectNumber: "123456789012"},
		ProviderConfigName: "default",
	}
}

// owners decides ownership as the controller does, against an API server
// holding team-b/other, an Instance an instance's labels may name.
func owners() ownership.Checker {
	s := runtime.NewScheme()
	_ = v1alpha1.SchemeBuilder.AddToScheme(s)
	return ownership.Checker{
		Kube: fake.NewClientBuilder().WithScheme(s).WithObjects(
			&v1alpha1.Instance{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "other", UID: "other-uid"}},
		).Build(),
		Kind:     v1alpha1.InstanceGroupVersionKind.GroupKind(),
		NewList:  func() client.ObjectList { return &v1alpha1.InstanceList{} },
		Encoding: gcplabels.Encoding,
	}
}

// observed is status.atProvider of cloudInstance(mods...).
func observed(mods ...func(*redis.Instance)) v1alpha1.InstanceObservation {
	return observation(cloudInstance(mods...))
}

// connection is what cloudInstance() publishes with its AUTH string read.
func connection() managed.ConnectionDetails {
	return connectionDetails(cloudInstance(), testAuth, true)
}

// withheld is what cloudInstance(mods...) publishes while it is busy: no
// password and no url, so that the Secret keeps the ones it has.
func withheld(mods ...func(*redis.Instance)) managed.ConnectionDetails {
	cd := connectionDetails(cloudInstance(mods...), testAuth, true)
	delete(cd, "password")
	delete(cd, "url")
	return cd
}

func newExternal(m *mockAPI) (*external, *reconcilertest.Recorder) {
	rec := &reconcilertest.Recorder{}
	return &external{ms: m, cfg: config(), record: rec, owners: owners()}, rec
}

func TestObserve(t *testing.T) {
	get := call{Op: "Get", Name: testName}
	auth := call{Op: "GetAuthString", Name: testName}
	getOp := call{Op: "GetOperation", Name: testOp}
	readyAndAuth := &mockAPI{MockGet: getReturns(cloudInstance(), nil), MockGetAuthString: authReturns(nil)}

	type want struct {
		o     managed.ExternalObservation
		diff  bool
		msg   []string // parts of the error; nil for none
		cr    *v1alpha1.Instance
		calls []call
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		cfg    *gcpclient.Config
		cr     *v1alpha1.Instance
		want   want
	}{
		"InvalidExternalName": {
			reason: "An external name Memorystore would refuse should be an error, before any call.",
			api:    &mockAPI{},
			cr:     instance(withExternalName("App_Cache")),
			want:   want{msg: []string{`external name "App_Cache" is not a valid Memorystore instance id`}, cr: instance(withExternalName("App_Cache"))},
		},
		"InvalidExternalNameWhileDeleting": {
			reason: "No instance can have an invalid id: a resource being deleted whose external name became one goes, without a call.",
			api:    &mockAPI{},
			cr:     instance(withExternalName("App_Cache"), withDeletionTimestamp()),
			want:   want{cr: instance(withExternalName("App_Cache"), withDeletionTimestamp())},
		},
		"BadLabelValueWhileDeleting": {
			reason: "A label value Google would refuse does not keep a resource from being deleted.",
			api:    &mockAPI{MockGet: getReturns(nil, apiError(http.StatusNotFound, "NOT_FOUND"))},
			cr:     instance(withParams(func(p *v1alpha1.InstanceParameters) { p.Labels["team"] = "Cache Team" }), withDeletionTimestamp()),
			want: want{
				cr:    instance(withParams(func(p *v1alpha1.InstanceParameters) { p.Labels["team"] = "Cache Team" }), withDeletionTimestamp()),
				calls: []call{get},
			},
		},
		"BadLabelValue": {
			reason: "A label value Google would refuse should be an error naming the key, before any call.",
			api:    &mockAPI{},
			cr:     instance(withParams(func(p *v1alpha1.InstanceParameters) { p.Labels["team"] = "Cache Team" })),
			want: want{
				msg: []string{`label "team" has a value Memorystore refuses`},
				cr:  instance(withParams(func(p *v1alpha1.InstanceParameters) { p.Labels["team"] = "Cache Team" })),
			},
		},
		"NotFound": {
			reason: "An instance Memorystore says does not exist does not exist.",
			api:    &mockAPI{MockGet: getReturns(nil, apiError(http.StatusNotFound, "NOT_FOUND"))},
			cr:     instance(),
			want:   want{cr: instance(), calls: []call{get}},
		},
		"NotFoundAfterFailedCreate": {
			reason: "A create that failed left no instance: Observe should say why, once, forgetting the operation so that the next reconcile creates it again.",
			api: &mockAPI{
				MockGetOperation: operationIs(true, &redis.Status{Code: 8, Message: "Quota exceeded"}),
				MockGet:          getReturns(nil, apiError(http.StatusNotFound, "NOT_FOUND")),
			},
			cr: instance(withOperation("create")),
			want: want{
				msg:   []string{"Memorystore could not create the instance: Quota exceeded (code 8)"},
				cr:    instance(),
				calls: []call{getOp, get},
			},
		},
		"Forbidden": {
			reason: "An instance these credentials may not read should say so.",
			api:    &mockAPI{MockGet: getReturns(nil, apiError(http.StatusForbidden, "PERMISSION_DENIED"))},
			cr:     instance(),
			want:   want{msg: []string{"cannot be read with these credentials", "redis.instances.get"}, cr: instance(), calls: []call{get}},
		},
		"ForbiddenWhileDeleting": {
			reason: "A resource being deleted whose instance these credentials may not read should say how to go without it.",
			api:    &mockAPI{MockGet: getReturns(nil, apiError(http.StatusForbidden, "PERMISSION_DENIED"))},
			cr:     instance(withDeletionTimestamp()),
			want: want{
				msg: []string{"cannot be read with these credentials", `set spec.managementPolicies to ["Observe"]`},
				cr:  instance(withDeletionTimestamp()), calls: []call{get},
			},
		},
		"GetFailed": {
			reason: "Any other error reading the instance should be returned wrapped.",
			api:    &mockAPI{MockGet: getReturns(nil, errBoom)},
			cr:     instance(),
			want:   want{msg: []string{"cannot get instance: boom"}, cr: instance(), calls: []call{get}},
		},
		"ConfigChangedProject": {
			reason: "An instance made in another project than the config's now names (status says where) must not be left behind for a new one: refused before any call, saying where it is.",
			api:    &mockAPI{},
			cr:     instance(withAtProvider(v1alpha1.InstanceObservation{Name: "projects/old-project/locations/us-central1/instances/app-cache"})),
			want: want{
				msg: []string{"is in project old-project (as status.atProvider.name records), not in project my-project"},
				cr:  instance(withAtProvider(v1alpha1.InstanceObservation{Name: "projects/old-project/locations/us-central1/instances/app-cache"})),
			},
		},
		"NamedInAnotherProject": {
			reason: "An instance Memorystore names in another project is refused.",
			api: &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) {
				in.Name = "projects/elsewhere/locations/us-central1/instances/app-cache"
			}), nil)},
			cr:   instance(),
			want: want{msg: []string{"is in project elsewhere (as Memorystore names it)"}, cr: instance(), calls: []call{get}},
		},
		"NamedByProjectNumber": {
			reason: "An instance named by its project's number is the config's project's.",
			api: &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) {
				in.Name = "projects/123456789012/locations/us-central1/instances/app-cache"
			}), nil), MockGetAuthString: authReturns(nil)},
			cr: instance(),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: instance(withAtProvider(observed(func(in *redis.Instance) {
					in.Name = "projects/123456789012/locations/us-central1/instances/app-cache"
				})), withConditions(xpv2.Available())),
				calls: []call{get, auth},
			},
		},
		"ManagedByAnother": {
			reason: "An instance whose labels name another live Instance must be refused, without naming a resource of another namespace.",
			api: &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) {
				in.Labels = map[string]string{"crossplane-kind": "instance_redis_gcp_appinfra_io", "crossplane-namespace": "team-b", "crossplane-name": "other", "crossplane-uid": "other-uid"}
			}), nil)},
			cr:   instance(),
			want: want{msg: []string{"a resource in another namespace"}, cr: instance(), calls: []call{get}},
		},
		"UntaggedRefused": {
			reason: "An instance made outside Crossplane is not taken over by a resource that may write.",
			api:    &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.Labels = nil }), nil)},
			cr:     instance(),
			want:   want{msg: []string{"carries none of the provider's crossplane- tags"}, cr: instance(), calls: []call{get}},
		},
		"ImportObserveOnly": {
			reason: "An Observe-only resource reads an untagged instance, even one whose immutable fields differ from its spec, and writes nothing into the spec.",
			api: &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.Labels, in.Tier, in.ReplicaCount = nil, v1alpha1.TierBasic, 0 }), nil),
				MockGetAuthString: authReturns(nil)},
			cr: instance(withPolicies(xpv2.ManagementActionObserve), withParams(func(p *v1alpha1.InstanceParameters) { p.AuthEnabled = nil })),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false,
					ConnectionDetails: connectionDetails(cloudInstance(func(in *redis.Instance) { in.Labels = nil }), testAuth, true)},
				diff: true,
				cr: instance(withPolicies(xpv2.ManagementActionObserve), withParams(func(p *v1alpha1.InstanceParameters) { p.AuthEnabled = nil }),
					withAtProvider(observed(func(in *redis.Instance) { in.Labels, in.ReplicaCount = nil, 0 })), withConditions(xpv2.Available())),
				calls: []call{get, auth},
			},
		},
		"ImmutableDiffers": {
			reason: "An instance whose tier or TLS mode differs from the spec cannot be brought in line: the error should name the fields.",
			api: &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) {
				in.TransitEncryptionMode = v1alpha1.TransitEncryptionDisabled
			}), nil)},
			cr:   instance(),
			want: want{msg: []string{"differs from the spec in transitEncryptionMode, which Memorystore cannot change"}, cr: instance(), calls: []call{get}},
		},
		"UpToDate": {
			reason: "A READY instance that matches the spec is Available and up to date, its AUTH string, CA and both endpoints published; two reads.",
			api:    readyAndAuth,
			cr:     instance(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    instance(withAtProvider(observed()), withConditions(xpv2.Available())),
				calls: []call{get, auth},
			},
		},
		"WithoutAuth": {
			reason: "An instance without AUTH costs one read a poll: no AUTH string is asked for.",
			api:    &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.AuthEnabled = false }), nil)},
			cr:     instance(withParams(func(p *v1alpha1.InstanceParameters) { p.AuthEnabled = ptr.To(false) })),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true,
					ConnectionDetails: connectionDetails(cloudInstance(func(in *redis.Instance) { in.AuthEnabled = false }), "", true)},
				cr: instance(withParams(func(p *v1alpha1.InstanceParameters) { p.AuthEnabled = ptr.To(false) }),
					withAtProvider(observed(func(in *redis.Instance) { in.AuthEnabled = false })), withConditions(xpv2.Available())),
				calls: []call{get},
			},
		},
		"Drift": {
			reason: "A READY instance whose memory differs from the spec is not up to date, and says how.",
			api:    &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.MemorySizeGb = 6 }), nil), MockGetAuthString: authReturns(nil)},
			cr:     instance(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				diff:  true,
				cr:    instance(withAtProvider(observed(func(in *redis.Instance) { in.MemorySizeGb = 6 })), withConditions(xpv2.Available())),
				calls: []call{get, auth},
			},
		},
		"UpgradedByItself": {
			reason: "A later Redis version than the spec names is in sync: Memorystore cannot go back.",
			api:    &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.RedisVersion = "REDIS_7_2" }), nil), MockGetAuthString: authReturns(nil)},
			cr:     instance(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    instance(withAtProvider(observed(func(in *redis.Instance) { in.RedisVersion = "REDIS_7_2" })), withConditions(xpv2.Available())),
				calls: []call{get, auth},
			},
		},
		"Creating": {
			reason: "A CREATING instance is Creating and up to date (nothing can be sent); its AUTH string is not asked for.",
			api:    &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.State, in.MemorySizeGb = stateCreating, 6 }), nil)},
			cr:     instance(),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: withheld()},
				cr: instance(withAtProvider(observed(func(in *redis.Instance) { in.State, in.MemorySizeGb = stateCreating, 6 })),
					withConditions(xpv2.Creating().WithMessage("Memorystore reports the instance CREATING"))),
				calls: []call{get},
			},
		},
		"MaintenanceWithDrift": {
			reason: "An instance in MAINTENANCE is Unavailable, saying so, and its drift waits: no change is sent while it is busy, and no credential published.",
			api:    &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.State, in.MemorySizeGb = "MAINTENANCE", 6 }), nil)},
			cr:     instance(),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: withheld()},
				cr: instance(withAtProvider(observed(func(in *redis.Instance) { in.State, in.MemorySizeGb = "MAINTENANCE", 6 })),
					withConditions(xpv2.Unavailable().WithMessage("Memorystore reports the instance MAINTENANCE"))),
				calls: []call{get},
			},
		},
		"AuthTurningOn": {
			reason: "While AUTH is turned on (UPDATING, authEnabled already true) the new AUTH string is neither asked for nor published, nor a url: the Secret keeps the ones that work until the instance is READY.",
			api:    &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.State = "UPDATING" }), nil)},
			cr:     instance(),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: withheld()},
				cr: instance(withAtProvider(observed(func(in *redis.Instance) { in.State = "UPDATING" })),
					withConditions(xpv2.Unavailable().WithMessage("Memorystore reports the instance UPDATING"))),
				calls: []call{get},
			},
		},
		"AuthTurningOff": {
			reason: "While AUTH is turned off (authEnabled already false) a url without a password is not published: the server may still ask for AUTH.",
			api:    &mockAPI{MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.State, in.AuthEnabled = "UPDATING", false }), nil)},
			cr:     instance(withParams(func(p *v1alpha1.InstanceParameters) { p.AuthEnabled = ptr.To(false) })),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true,
					ConnectionDetails: withheld(func(in *redis.Instance) { in.AuthEnabled = false })},
				cr: instance(withParams(func(p *v1alpha1.InstanceParameters) { p.AuthEnabled = ptr.To(false) }),
					withAtProvider(observed(func(in *redis.Instance) { in.State, in.AuthEnabled = "UPDATING", false })),
					withConditions(xpv2.Unavailable().WithMessage("Memorystore reports the instance UPDATING"))),
				calls: []call{get},
			},
		},
		"AuthStringFailed": {
			reason: "A READY instance whose AUTH string cannot be read is an error.",
			api:    &mockAPI{MockGet: getReturns(cloudInstance(), nil), MockGetAuthString: authReturns(errBoom)},
			cr:     instance(),
			want: want{
				msg:   []string{"cannot get the instance's AUTH string: boom"},
				cr:    instance(withAtProvider(observed()), withConditions(xpv2.Available())),
				calls: []call{get, auth},
			},
		},
		"OperationRunning": {
			reason: "While the provider's own operation runs the instance is busy, even if Memorystore still shows it READY: its drift waits, the operation stays in status, and no credential is published (the patch may turn AUTH on).",
			api: &mockAPI{MockGetOperation: operationIs(false, nil),
				MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.MemorySizeGb = 6 }), nil)},
			cr: instance(withOperation("update")),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: withheld()},
				cr: instance(withAtProvider(observed(func(in *redis.Instance) { in.MemorySizeGb = 6 })), withOperation("update"),
					withConditions(xpv2.Available())),
				calls: []call{getOp, get},
			},
		},
		"OperationDone": {
			reason: "An operation seen done is forgotten, and the instance compared again.",
			api:    &mockAPI{MockGetOperation: operationIs(true, nil), MockGet: getReturns(cloudInstance(), nil), MockGetAuthString: authReturns(nil)},
			cr:     instance(withOperation("update")),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    instance(withAtProvider(observed()), withConditions(xpv2.Available())),
				calls: []call{getOp, get, auth},
			},
		},
		"OperationGone": {
			reason: "An operation Memorystore no longer knows (it deletes them hours after they end) is forgotten.",
			api: &mockAPI{MockGetOperation: opReturns(apiError(http.StatusNotFound, "NOT_FOUND")), MockGet: getReturns(cloudInstance(), nil),
				MockGetAuthString: authReturns(nil)},
			cr: instance(withOperation("update")),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    instance(withAtProvider(observed()), withConditions(xpv2.Available())),
				calls: []call{getOp, get, auth},
			},
		},
		"OperationUnreadable": {
			reason: "An operation that cannot be read is an error naming it.",
			api:    &mockAPI{MockGetOperation: opReturns(errBoom)},
			cr:     instance(withOperation("update")),
			want:   want{msg: []string{"cannot get the instance's update operation: boom"}, cr: instance(withOperation("update")), calls: []call{getOp}},
		},
		"OperationUnreadableWhileDeleting": {
			reason: "A resource being deleted does not wait on a read of its operation (a 403, say): it is forgotten, and the instance read.",
			api:    &mockAPI{MockGetOperation: opReturns(apiError(http.StatusForbidden, "PERMISSION_DENIED")), MockGet: getReturns(nil, apiError(http.StatusNotFound, "NOT_FOUND"))},
			cr:     instance(withOperation("delete"), withDeletionTimestamp()),
			want:   want{cr: instance(withDeletionTimestamp()), calls: []call{getOp, get}},
		},
		"OperationFailed": {
			reason: "An update Memorystore could not make is said once, with the status filled and the operation forgotten: the next reconcile sends it again.",
			api: &mockAPI{MockGetOperation: operationIs(true, &redis.Status{Code: 9, Message: "Insufficient capacity"}),
				MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.MemorySizeGb = 6 }), nil)},
			cr: instance(withOperation("update")),
			want: want{
				msg:   []string{"Memorystore could not update the instance: Insufficient capacity (code 9); the provider tries again"},
				cr:    instance(withAtProvider(observed(func(in *redis.Instance) { in.MemorySizeGb = 6 })), withConditions(xpv2.Available())),
				calls: []call{getOp, get},
			},
		},
		"OperationFailedWhileDeleting": {
			reason: "A failed operation does not stop a resource being deleted.",
			api: &mockAPI{MockGetOperation: operationIs(true, &redis.Status{Code: 13, Message: "internal"}),
				MockGet: getReturns(nil, apiError(http.StatusNotFound, "NOT_FOUND"))},
			cr:   instance(withOperation("delete"), withDeletionTimestamp()),
			want: want{cr: instance(withDeletionTimestamp()), calls: []call{getOp, get}},
		},
		"LateInitialize": {
			reason: "Unset fields every instance has a value for are late-initialised and reported.",
			api:    readyAndAuth,
			cr: instance(withParams(func(p *v1alpha1.InstanceParameters) {
				p.AuthEnabled, p.TransitEncryptionMode, p.ConnectMode, p.AuthorizedNetwork, p.ReplicaCount, p.ReadReplicasMode = nil, nil, nil, nil, nil, nil
			})),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ResourceLateInitialized: true, ConnectionDetails: connection()},
				cr:    instance(withAtProvider(observed()), withConditions(xpv2.Available())),
				calls: []call{get, auth},
			},
		},
		"NoLateInitializePolicy": {
			reason: "Without LateInitialize in its policies the spec is left alone.",
			api:    readyAndAuth,
			cr: instance(withPolicies(xpv2.ManagementActionObserve, xpv2.ManagementActionUpdate), withParams(func(p *v1alpha1.InstanceParameters) {
				p.AuthEnabled = nil
			})),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: instance(withPolicies(xpv2.ManagementActionObserve, xpv2.ManagementActionUpdate),
					withParams(func(p *v1alpha1.InstanceParameters) { p.AuthEnabled = nil }), withAtProvider(observed()), withConditions(xpv2.Available())),
				calls: []call{get, auth},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// A fresh mock per case: readyAndAuth is shared.
			m := &mockAPI{MockGet: tc.api.MockGet, MockGetAuthString: tc.api.MockGetAuthString, MockGetOperation: tc.api.MockGetOperation}
			e, _ := newExternal(m)
			if tc.cfg != nil {
				e.cfg = tc.cfg
			}
			o, err := e.Observe(context.Background(), tc.cr)
			if (err != nil) != (tc.want.msg != nil) || !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nObserve(...): error %v, want one containing %q", tc.reason, err, tc.want.msg)
			}
			if err != nil && strings.Contains(err.Error(), testAuth) {
				t.Errorf("\n%s\nObserve(...): the error holds the AUTH string", tc.reason)
			}
			if (o.Diff != "") != tc.want.diff {
				t.Errorf("\n%s\nObserve(...): Diff %q, want non-empty %t", tc.reason, o.Diff, tc.want.diff)
			}
			if strings.Contains(o.Diff, testAuth) {
				t.Errorf("\n%s\nObserve(...): the Diff holds the AUTH string", tc.reason)
			}
			o.Diff = ""
			if diff := cmp.Diff(tc.want.o, o); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want observation, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr, cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime")); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want resource, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, m.calls); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want calls, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	create := func(in *redis.Instance) call { return call{Op: "Create", Name: testParent, ID: testID, Instance: in} }
	wantSent := createInstance(desired(instance()))
	type want struct {
		msg   []string
		cr    *v1alpha1.Instance
		calls []call
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		cr     *v1alpha1.Instance
		want   want
	}{
		"InvalidExternalName": {
			reason: "An external name Memorystore would refuse is an error, before any call.",
			api:    &mockAPI{},
			cr:     instance(withExternalName("-x")),
			want:   want{msg: []string{`external name "-x"`}, cr: instance(withExternalName("-x"))},
		},
		"Created": {
			reason: "Create sends every field with the provider's labels, in the config's project and the spec's region, and records the instance's name and the operation.",
			api: &mockAPI{MockCreate: func(string, string, *redis.Instance) (*redis.Operation, error) {
				return &redis.Operation{Name: testOp}, nil
			}},
			cr: instance(),
			want: want{
				cr:    instance(withConditions(xpv2.Creating()), withAtProvider(v1alpha1.InstanceObservation{Name: testName}), withOperation("create")),
				calls: []call{create(wantSent)},
			},
		},
		"SecureDefaults": {
			reason: "A spec that leaves AUTH and TLS unset creates an instance with both.",
			api: &mockAPI{MockCreate: func(string, string, *redis.Instance) (*redis.Operation, error) {
				return &redis.Operation{Name: testOp}, nil
			}},
			cr: instance(withParams(func(p *v1alpha1.InstanceParameters) {
				p.AuthEnabled, p.TransitEncryptionMode = nil, nil
			})),
			want: want{
				cr: instance(withParams(func(p *v1alpha1.InstanceParameters) { p.AuthEnabled, p.TransitEncryptionMode = nil, nil }),
					withConditions(xpv2.Creating()), withAtProvider(v1alpha1.InstanceObservation{Name: testName}), withOperation("create")),
				calls: []call{create(wantSent)},
			},
		},
		"AlreadyOurs": {
			reason: "A create that finds the instance made already, carrying this resource's UID (an answer lost), adopts it.",
			api: &mockAPI{
				MockCreate: func(string, string, *redis.Instance) (*redis.Operation, error) {
					return nil, apiError(http.StatusConflict, "ALREADY_EXISTS")
				},
				MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.State = stateCreating }), nil),
			},
			cr:   instance(),
			want: want{cr: instance(withConditions(xpv2.Creating())), calls: []call{create(wantSent), {Op: "Get", Name: testName}}},
		},
		"AlreadyAnothers": {
			reason: "A create that finds an instance made outside Crossplane refuses to adopt it.",
			api: &mockAPI{
				MockCreate: func(string, string, *redis.Instance) (*redis.Operation, error) {
					return nil, apiError(http.StatusConflict, "ALREADY_EXISTS")
				},
				MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.Labels = nil }), nil),
			},
			cr: instance(),
			want: want{
				msg: []string{"cannot adopt instance " + testName, "made outside Crossplane"},
				cr:  instance(withConditions(xpv2.Creating())), calls: []call{create(wantSent), {Op: "Get", Name: testName}},
			},
		},
		"Refused": {
			reason: "A create Memorystore refuses is an error, wrapped.",
			api: &mockAPI{MockCreate: func(string, string, *redis.Instance) (*redis.Operation, error) {
				return nil, apiError(http.StatusBadRequest, "INVALID_ARGUMENT")
			}},
			cr:   instance(),
			want: want{msg: []string{"cannot create instance"}, cr: instance(withConditions(xpv2.Creating())), calls: []call{create(wantSent)}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e, _ := newExternal(tc.api)
			_, err := e.Create(context.Background(), tc.cr)
			if (err != nil) != (tc.want.msg != nil) || !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nCreate(...): error %v, want one containing %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr, cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime")); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want resource, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want calls, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	patch := func(mask string, in *redis.Instance) call {
		return call{Op: "Patch", Name: testName, Mask: mask, Instance: in}
	}
	type want struct {
		msg    []string
		cr     *v1alpha1.Instance
		calls  []call
		events []event.Event
	}
	drift := func(fields string) []event.Event {
		return []event.Event{event.Normal("DriftDetected", "External resource differs from the spec in "+fields+"; updating")}
	}
	cases := map[string]struct {
		reason   string
		api      *mockAPI
		observed *redis.Instance
		cr       *v1alpha1.Instance
		want     want
	}{
		"NotObserved": {
			reason: "Nothing is sent without an observation.",
			api:    &mockAPI{}, cr: instance(),
			want: want{cr: instance()},
		},
		"Busy": {
			reason: "Nothing is sent while Memorystore is busy: it would refuse.",
			api:    &mockAPI{}, observed: cloudInstance(func(in *redis.Instance) { in.State, in.MemorySizeGb = "UPDATING", 6 }), cr: instance(),
			want: want{cr: instance()},
		},
		"OperationRunning": {
			reason: "Nothing is sent while the provider's own operation runs.",
			api:    &mockAPI{}, observed: cloudInstance(func(in *redis.Instance) { in.MemorySizeGb = 6 }), cr: instance(withOperation("update")),
			want: want{cr: instance(withOperation("update"))},
		},
		"InSync": {
			reason: "Nothing is sent for an instance in sync.",
			api:    &mockAPI{}, observed: cloudInstance(), cr: instance(),
			want: want{cr: instance()},
		},
		"Resize": {
			reason: "A memory change is one patch of the memory alone; the drift is an event naming the field, and the operation is kept.",
			api: &mockAPI{MockPatch: func(string, string, *redis.Instance) (*redis.Operation, error) {
				return &redis.Operation{Name: testOp}, nil
			}},
			observed: cloudInstance(func(in *redis.Instance) { in.MemorySizeGb = 6 }),
			cr:       instance(),
			want: want{
				cr:     instance(withOperation("update")),
				calls:  []call{patch("memorySizeGb", &redis.Instance{MemorySizeGb: 5})},
				events: drift("memorySizeGb"),
			},
		},
		"LabelsAndAuth": {
			reason: "A label added behind the provider's back is removed, and AUTH turned off is turned on again, in one patch.",
			api: &mockAPI{MockPatch: func(string, string, *redis.Instance) (*redis.Operation, error) {
				return &redis.Operation{Name: testOp}, nil
			}},
			observed: cloudInstance(func(in *redis.Instance) {
				in.AuthEnabled = false
				in.Labels = allLabels()
				in.Labels["extra"] = "x"
			}),
			cr: instance(),
			want: want{
				cr:     instance(withOperation("update")),
				calls:  []call{patch("authEnabled,labels", &redis.Instance{AuthEnabled: true, Labels: allLabels(), ForceSendFields: []string{"AuthEnabled", "Labels"}})},
				events: drift("authEnabled, labels"),
			},
		},
		"PatchBeforeUpgrade": {
			reason: "A patch and an upgrade are two operations: the patch goes first.",
			api: &mockAPI{MockPatch: func(string, string, *redis.Instance) (*redis.Operation, error) {
				return &redis.Operation{Name: testOp}, nil
			}},
			observed: cloudInstance(func(in *redis.Instance) { in.MemorySizeGb, in.RedisVersion = 6, "REDIS_6_X" }),
			cr:       instance(),
			want: want{
				cr:     instance(withOperation("update")),
				calls:  []call{patch("memorySizeGb", &redis.Instance{MemorySizeGb: 5})},
				events: drift("memorySizeGb, redisVersion"),
			},
		},
		"Upgrade": {
			reason:   "A higher Redis version than the running one is an upgrade.",
			api:      &mockAPI{MockUpgrade: upgradeReturns(nil)},
			observed: cloudInstance(func(in *redis.Instance) { in.RedisVersion = "REDIS_6_X" }),
			cr:       instance(),
			want: want{
				cr:     instance(withOperation("upgrade")),
				calls:  []call{{Op: "Upgrade", Name: testName, Version: "REDIS_7_0"}},
				events: drift("redisVersion"),
			},
		},
		"BecameBusy": {
			reason: "A change Memorystore refuses because it started an operation by itself since Observe waits, saying so in the Ready condition, not as an error.",
			api: &mockAPI{
				MockPatch: func(string, string, *redis.Instance) (*redis.Operation, error) {
					return nil, apiError(http.StatusBadRequest, "FAILED_PRECONDITION")
				},
				MockGet: getReturns(cloudInstance(func(in *redis.Instance) { in.State = "MAINTENANCE" }), nil),
			},
			observed: cloudInstance(func(in *redis.Instance) { in.MemorySizeGb = 6 }),
			cr:       instance(),
			want: want{
				cr: instance(withAtProvider(v1alpha1.InstanceObservation{State: "MAINTENANCE"}),
					withConditions(xpv2.Unavailable().WithMessage("Memorystore reports the instance MAINTENANCE: the change is sent once it is READY again"))),
				calls:  []call{patch("memorySizeGb", &redis.Instance{MemorySizeGb: 5}), {Op: "Get", Name: testName}},
				events: drift("memorySizeGb"),
			},
		},
		"FailedPreconditionWhileReady": {
			reason: "A FAILED_PRECONDITION refusal of a READY instance is an error: it is not a wait.",
			api: &mockAPI{
				MockPatch: func(string, string, *redis.Instance) (*redis.Operation, error) {
					return nil, apiError(http.StatusBadRequest, "FAILED_PRECONDITION")
				},
				MockGet: getReturns(cloudInstance(), nil),
			},
			observed: cloudInstance(func(in *redis.Instance) { in.MemorySizeGb = 6 }),
			cr:       instance(),
			want: want{
				msg:    []string{"cannot update instance"},
				cr:     instance(),
				calls:  []call{patch("memorySizeGb", &redis.Instance{MemorySizeGb: 5}), {Op: "Get", Name: testName}},
				events: drift("memorySizeGb"),
			},
		},
		"Refused": {
			reason:   "A change Memorystore refuses is an error naming the call.",
			api:      &mockAPI{MockUpgrade: upgradeReturns(apiError(http.StatusBadRequest, "INVALID_ARGUMENT"))},
			observed: cloudInstance(func(in *redis.Instance) { in.RedisVersion = "REDIS_6_X" }),
			cr:       instance(),
			want: want{
				msg:    []string{"cannot upgrade instance"},
				cr:     instance(),
				calls:  []call{{Op: "Upgrade", Name: testName, Version: "REDIS_7_0"}},
				events: drift("redisVersion"),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e, rec := newExternal(tc.api)
			e.observed = tc.observed
			_, err := e.Update(context.Background(), tc.cr)
			if (err != nil) != (tc.want.msg != nil) || !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nUpdate(...): error %v, want one containing %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr, cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime")); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want resource, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want calls, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.events, rec.Events, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want events, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	del := call{Op: "Delete", Name: testName}
	type want struct {
		msg   []string
		cr    *v1alpha1.Instance
		calls []call
	}
	cases := map[string]struct {
		reason   string
		api      *mockAPI
		observed *redis.Instance
		want     want
	}{
		"Deleted": {
			reason: "Delete asks Memorystore to delete the instance and keeps the operation.",
			api:    &mockAPI{MockDelete: opReturns(nil)}, observed: cloudInstance(),
			want: want{cr: instance(withConditions(xpv2.Deleting()), withOperation("delete")), calls: []call{del}},
		},
		"AlreadyDeleting": {
			reason: "An instance Memorystore is deleting is not asked for again.",
			api:    &mockAPI{}, observed: cloudInstance(func(in *redis.Instance) { in.State = stateDeleting }),
			want: want{cr: instance(withConditions(xpv2.Deleting()))},
		},
		"Gone": {
			reason: "An instance already gone is deleted.",
			api:    &mockAPI{MockDelete: opReturns(apiError(http.StatusNotFound, "NOT_FOUND"))}, observed: cloudInstance(),
			want: want{cr: instance(withConditions(xpv2.Deleting())), calls: []call{del}},
		},
		"Busy": {
			reason:   "An instance busy with another operation is deleted once it ends: the error says it waits.",
			api:      &mockAPI{MockDelete: opReturns(apiError(http.StatusBadRequest, "FAILED_PRECONDITION"))},
			observed: cloudInstance(func(in *redis.Instance) { in.State = "UPDATING" }),
			want: want{
				msg: []string{"waiting to delete: Memorystore reports the instance UPDATING"},
				cr:  instance(withConditions(xpv2.Deleting())), calls: []call{del},
			},
		},
		"Failed": {
			reason: "Any other error is returned wrapped.",
			api:    &mockAPI{MockDelete: opReturns(errBoom)}, observed: cloudInstance(),
			want: want{msg: []string{"cannot delete instance: boom"}, cr: instance(withConditions(xpv2.Deleting())), calls: []call{del}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e, _ := newExternal(tc.api)
			e.observed = tc.observed
			cr := instance()
			_, err := e.Delete(context.Background(), cr)
			if (err != nil) != (tc.want.msg != nil) || !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nDelete(...): error %v, want one containing %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.cr, cr, cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime")); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want resource, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want calls, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPollInterval(t *testing.T) {
	cases := map[string]struct {
		reason string
		cr     *v1alpha1.Instance
		d      time.Duration
		want   time.Duration
	}{
		"Ready":      {reason: "A READY instance is polled at the provider's interval.", cr: instance(withAtProvider(v1alpha1.InstanceObservation{State: stateReady})), d: time.Minute, want: time.Minute},
		"Busy":       {reason: "A busy instance is polled every 10 seconds.", cr: instance(withAtProvider(v1alpha1.InstanceObservation{State: "UPDATING"})), d: time.Minute, want: busyPoll},
		"Operation":  {reason: "An instance whose operation runs is polled every 10 seconds.", cr: instance(withAtProvider(v1alpha1.InstanceObservation{State: stateReady}), withOperation("update")), d: time.Minute, want: busyPoll},
		"ShortPolls": {reason: "A shorter interval than 10 seconds is kept.", cr: instance(), d: time.Second, want: time.Second},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := pollInterval(tc.cr, tc.d); got != tc.want {
				t.Errorf("\n%s\npollInterval(...) = %s, want %s", tc.reason, got, tc.want)
			}
		})
	}
}

func TestIsBusyRefusal(t *testing.T) {
	cases := map[string]struct {
		err  error
		want bool
	}{
		"FailedPrecondition": {err: apiError(http.StatusBadRequest, "FAILED_PRECONDITION"), want: true},
		"Aborted":            {err: apiError(http.StatusConflict, "ABORTED"), want: true},
		"InvalidArgument":    {err: apiError(http.StatusBadRequest, "INVALID_ARGUMENT")},
		"AlreadyExists":      {err: apiError(http.StatusConflict, "ALREADY_EXISTS")},
		"NotGoogle":          {err: errBoom},
		"Nil":                {},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := isBusyRefusal(tc.err); got != tc.want {
				t.Errorf("isBusyRefusal(%v) = %t, want %t", tc.err, got, tc.want)
			}
		})
	}
}

// TestMemorystoreOnTheWire runs the adapter with the real client against a
// server that records what it gets: the paths, the instanceId and
// updateMask parameters, and a patch's body with false and empty values
// that JSON would otherwise drop.
func TestMemorystoreOnTheWire(t *testing.T) {
	type request struct {
		Method, Path, Query string
		Body                map[string]any
	}
	var got []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req := request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
		if len(b) > 0 {
			_ = json.Unmarshal(b, &req.Body)
		}
		got = append(got, req)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/authString"):
			_, _ = w.Write([]byte(`{"authString":"` + testAuth + `"}`))
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/instances/"):
			_, _ = w.Write([]byte(`{"name":"` + testName + `","state":"READY"}`))
		default:
			_, _ = w.Write([]byte(`{"name":"` + testOp + `","done":false}`))
		}
	}))
	defer srv.Close()
	s, err := redis.NewService(context.Background(), option.WithEndpoint(srv.URL+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	m := memorystore{s: s}
	ctx := context.Background()
	in, _ := patchRequest(params(func(p *v1alpha1.InstanceParameters) {
		p.AuthEnabled, p.RedisConfigs = ptr.To(false), map[string]string{}
	}),
		[]string{fieldAuthEnabled, fieldRedisConfigs})
	calls := []func() error{
		func() error { _, err := m.Get(ctx, testName); return err },
		func() error {
			_, err := m.Create(ctx, testParent, testID, &redis.Instance{Tier: "BASIC", MemorySizeGb: 1})
			return err
		},
		func() error { _, err := m.Patch(ctx, testName, "authEnabled,redisConfigs", in); return err },
		func() error { _, err := m.Upgrade(ctx, testName, "REDIS_7_2"); return err },
		func() error { _, err := m.Delete(ctx, testName); return err },
		func() error { _, err := m.GetAuthString(ctx, testName); return err },
		func() error { _, err := m.GetOperation(ctx, testOp); return err },
	}
	for i, c := range calls {
		if err := c(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	want := []request{
		{Method: "GET", Path: "/v1/" + testName, Query: "alt=json&prettyPrint=false"},
		{Method: "POST", Path: "/v1/" + testParent + "/instances", Query: "alt=json&instanceId=" + testID + "&prettyPrint=false",
			Body: map[string]any{"tier": "BASIC", "memorySizeGb": float64(1)}},
		{Method: "PATCH", Path: "/v1/" + testName, Query: "alt=json&prettyPrint=false&updateMask=authEnabled%2CredisConfigs",
			Body: map[string]any{"authEnabled": false, "redisConfigs": map[string]any{}}},
		{Method: "POST", Path: "/v1/" + testName + ":upgrade", Query: "alt=json&prettyPrint=false", Body: map[string]any{"redisVersion": "REDIS_7_2"}},
		{Method: "DELETE", Path: "/v1/" + testName, Query: "alt=json&prettyPrint=false"},
		{Method: "GET", Path: "/v1/" + testName + "/authString", Query: "alt=json&prettyPrint=false"},
		{Method: "GET", Path: "/v1/" + testOp, Query: "alt=json&prettyPrint=false"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests on the wire: -want, +got:\n%s", diff)
	}
}
