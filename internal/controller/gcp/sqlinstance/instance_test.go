package sqlinstance

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/api/googleapi"
	sqladmin "google.golang.org/api/sqladmin/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/controller/gcp/gcplabels"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
)

var errBoom = errors.New("boom")

// call is one call the mock received: its name, and the instance,
// operation, user or database it named, with what it sent.
type call struct {
	Op       string
	Name     string
	Instance *sqladmin.DatabaseInstance
	User     string
	Host     string
	Database string
}

// mockAPI answers each call with its function field and records the
// calls, in order. A call whose field is nil fails.
type mockAPI struct {
	calls []call

	MockGetInstance    func(name string) (*sqladmin.DatabaseInstance, error)
	MockInsertInstance func(in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error)
	MockPatchInstance  func(in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error)
	MockDeleteInstance func() (*sqladmin.Operation, error)
	MockGetOperation   func(name string) (*sqladmin.Operation, error)
	MockListOperations func() (*sqladmin.OperationsListResponse, error)
	MockUpdateUser     func(u *sqladmin.User) (*sqladmin.Operation, error)
	MockGetDatabase    func(name string) (*sqladmin.Database, error)
	MockInsertDatabase func(d *sqladmin.Database) (*sqladmin.Operation, error)
}

var _ api = &mockAPI{}

func unexpected(op string) error { return errors.Errorf("unexpected call to %s", op) }

func (m *mockAPI) GetInstance(_ context.Context, project, instance string) (*sqladmin.DatabaseInstance, error) {
	m.calls = append(m.calls, call{Op: "instances.get", Name: project + "/" + instance})
	if m.MockGetInstance == nil {
		return nil, unexpected("instances.get")
	}
	return m.MockGetInstance(instance)
}

func (m *mockAPI) InsertInstance(_ context.Context, project string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error) {
	m.calls = append(m.calls, call{Op: "instances.insert", Name: project, Instance: in})
	if m.MockInsertInstance == nil {
		return nil, unexpected("instances.insert")
	}
	return m.MockInsertInstance(in)
}

func (m *mockAPI) PatchInstance(_ context.Context, project, instance string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error) {
	m.calls = append(m.calls, call{Op: "instances.patch", Name: project + "/" + instance, Instance: in})
	if m.MockPatchInstance == nil {
		return nil, unexpected("instances.patch")
	}
	return m.MockPatchInstance(in)
}

func (m *mockAPI) DeleteInstance(_ context.Context, project, instance string) (*sqladmin.Operation, error) {
	m.calls = append(m.calls, call{Op: "instances.delete", Name: project + "/" + instance})
	if m.MockDeleteInstance == nil {
		return nil, unexpected("instances.delete")
	}
	return m.MockDeleteInstance()
}

func (m *mockAPI) GetOperation(_ context.Context, project, operation string) (*sqladmin.Operation, error) {
	m.calls = append(m.calls, call{Op: "operations.get", Name: project + "/" + operation})
	if m.MockGetOperation == nil {
		return nil, unexpected("operations.get")
	}
	return m.MockGetOperation(operation)
}

func (m *mockAPI) ListOperations(_ context.Context, project, instance string) (*sqladmin.OperationsListResponse, error) {
	m.calls = append(m.calls, call{Op: "operations.list", Name: project + "/" + instance})
	if m.MockListOperations == nil {
		return nil, unexpected("operations.list")
	}
	return m.MockListOperations()
}

func (m *mockAPI) UpdateUser(_ context.Context, project, instance, name, host string, u *sqladmin.User) (*sqladmin.Operation, error) {
	// The password is not recorded: calls are compared in full.
	m.calls = append(m.calls, call{Op: "users.update", Name: project + "/" + instance, User: name, Host: host})
	if m.MockUpdateUser == nil {
		return nil, unexpected("users.update")
	}
	return m.MockUpdateUser(u)
}

func (m *mockAPI) GetDatabase(_ context.Context, project, instance, database string) (*sqladmin.Database, error) {
	m.calls = append(m.calls, call{Op: "databases.get", Name: project + "/" + instance, Database: database})
	if m.MockGetDatabase == nil {
		return nil, unexpected("databases.get")
	}
	return m.MockGetDatabase(database)
}

func (m *mockAPI) InsertDatabase(_ context.Context, project, instance string, d *sqladmin.Database) (*sqladmin.Operation, error) {
	m.calls = append(m.calls, call{Op: "databases.insert", Name: project + "/" + instance, Database: d.Name})
	if m.MockInsertDatabase == nil {
		return nil, unexpected("databases.insert")
	}
	return m.MockInsertDatabase(d)
}

// apiError is an error as the Cloud SQL Admin API answers it, with its
// reason in the errors list.
func apiError(code int, reason string) error {
	e := &googleapi.Error{Code: code, Message: "Cloud SQL says " + http.StatusText(code)}
	if reason != "" {
		e.Errors = []googleapi.ErrorItem{{Reason: reason, Message: e.Message}}
	}
	return e
}

// The instance every test works on, unless an option says otherwise.
const (
	testName      = "orders-db"
	testNamespace = "team-a"
	testUID       = "3c9e1f20-orders-db-uid"
	testProject   = "my-project"
	testRegion    = "europe-west1"
	testAddress   = "34.76.1.2"
	testPrivate   = "10.20.0.5"
	testSecret    = "orders-db-master"
	testKey       = "password"
	testCA        = "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n"
	testExpiry    = "2036-01-02T03:04:05Z"
	testOp        = "op-7d4e"
	// testPassword holds characters a URL must escape.
	testPassword = "Pa55:w/rd@x?y#z%"
	otherUID     = "5d1e7b90-team-b-data-uid"
)

// testVersion is testPassword's version in the password Secret.
var testVersion = versionOf(testPassword)

// versionOf is a password's version in the password Secret, hashed as a
// Store without a key hashes it.
func versionOf(password string) string {
	return secretkey.Store{}.Version(secretkey.Ref{Namespace: testNamespace, Name: testSecret, Key: testKey}, password)
}

var testCreated = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

type instanceOption func(*v1alpha1.DatabaseInstance)

// instance returns a POSTGRES_15 DatabaseInstance team-a/orders-db that
// sets every field, so that there is nothing to late-initialise.
func instance(opts ...instanceOption) *v1alpha1.DatabaseInstance {
	cr := &v1alpha1.DatabaseInstance{
		ObjectMeta: metav1.ObjectMeta{Name: testName, Namespace: testNamespace, UID: testUID},
		Spec: v1alpha1.DatabaseInstanceSpec{ForProvider: v1alpha1.DatabaseInstanceParameters{
			Region:                 testRegion,
			DatabaseVersion:        v1alpha1.DatabaseVersionPostgres15,
			Tier:                   "db-custom-1-3840",
			DataDiskSizeGb:         ptr.To[int64](20),
			DataDiskType:           ptr.To("PD_SSD"),
			StorageAutoResize:      ptr.To(true),
			StorageAutoResizeLimit: ptr.To[int64](0),
			AvailabilityType:       ptr.To("ZONAL"),
			BackupConfiguration: &v1alpha1.BackupConfiguration{
				Enabled: ptr.To(true), StartTime: ptr.To("03:00"), PointInTimeRecoveryEnabled: ptr.To(true),
			},
			MaintenanceWindow:         &v1alpha1.MaintenanceWindow{Day: 7, Hour: 0},
			DeletionProtectionEnabled: ptr.To(false),
			IPConfiguration: &v1alpha1.IPConfiguration{
				IPv4Enabled:        ptr.To(true),
				SSLMode:            ptr.To(v1alpha1.SSLModeEncryptedOnly),
				AuthorizedNetworks: []v1alpha1.AuthorizedNetwork{{Name: "office", Value: "203.0.113.0/24"}},
			},
			DatabaseFlags:           []v1alpha1.DatabaseFlag{{Name: "max_connections", Value: "50"}},
			UserLabels:              map[string]string{"team": "orders"},
			DatabaseName:            ptr.To("orders"),
			MasterPasswordSecretRef: v1alpha1.LocalSecretKeySelector{Name: testSecret, Key: testKey},
		}},
	}
	cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	meta.SetExternalName(cr, testName)
	meta.SetExternalCreateSucceeded(cr, testCreated)
	for _, o := range opts {
		o(cr)
	}
	return cr
}

func withExternalName(n string) instanceOption {
	return func(cr *v1alpha1.DatabaseInstance) { meta.SetExternalName(cr, n) }
}

func withParams(m func(*v1alpha1.DatabaseInstanceParameters)) instanceOption {
	return func(cr *v1alpha1.DatabaseInstance) { m(&cr.Spec.ForProvider) }
}

func withAtProvider(o v1alpha1.DatabaseInstanceObservation) instanceOption {
	return func(cr *v1alpha1.DatabaseInstance) { cr.Status.AtProvider = o }
}

func withAt(m func(*v1alpha1.DatabaseInstanceObservation)) instanceOption {
	return func(cr *v1alpha1.DatabaseInstance) { m(&cr.Status.AtProvider) }
}

func withConditions(c ...xpv2.Condition) instanceOption {
	return func(cr *v1alpha1.DatabaseInstance) { cr.SetConditions(c...) }
}

func withPolicies(p ...xpv2.ManagementAction) instanceOption {
	return func(cr *v1alpha1.DatabaseInstance) { cr.Spec.ManagementPolicies = p }
}

func deleting() instanceOption {
	return func(cr *v1alpha1.DatabaseInstance) {
		cr.SetDeletionTimestamp(&metav1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	}
}

// unmade is a resource that did not create its instance (it is adopting
// or importing one).
func unmade() instanceOption {
	return func(cr *v1alpha1.DatabaseInstance) {
		meta.RemoveAnnotations(cr, meta.AnnotationKeyExternalCreateSucceeded)
	}
}

// allLabels are the labels instance() wants on the instance.
func allLabels() map[string]string {
	return map[string]string{
		"crossplane-kind":                "databaseinstance_sql_gcp_appinfra_io",
		"crossplane-name":                "orders-db",
		"crossplane-namespace":           testNamespace,
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "clusterproviderconfig",
		"crossplane-uid":                 testUID,
		"team":                           "orders",
	}
}

// managedBy are the labels the DatabaseInstance team-b/data writes.
func managedBy(uid string) map[string]string {
	return map[string]string{
		"crossplane-kind":                "databaseinstance_sql_gcp_appinfra_io",
		"crossplane-name":                "data",
		"crossplane-namespace":           "team-b",
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "clusterproviderconfig",
		"crossplane-uid":                 uid,
	}
}

// cloudInstance is what Cloud SQL says of a RUNNABLE instance matching
// instance(); mods change it.
func cloudInstance(mods ...func(*sqladmin.DatabaseInstance)) *sqladmin.DatabaseInstance {
	in := &sqladmin.DatabaseInstance{
		Name:                     testName,
		Project:                  testProject,
		Region:                   testRegion,
		DatabaseVersion:          "POSTGRES_15",
		DatabaseInstalledVersion: "POSTGRES_15_8",
		State:                    "RUNNABLE",
		ConnectionName:           testProject + ":" + testRegion + ":" + testName,
		IpAddresses:              []*sqladmin.IpMapping{{Type: "PRIMARY", IpAddress: testAddress}, {Type: "OUTGOING", IpAddress: "34.76.9.9"}},
		ServerCaCert:             &sqladmin.SslCert{Cert: testCA, ExpirationTime: testExpiry},
		Settings: &sqladmin.Settings{
			Tier:                   "db-custom-1-3840",
			DataDiskSizeGb:         20,
			DataDiskType:           "PD_SSD",
			StorageAutoResize:      ptr.To(true),
			StorageAutoResizeLimit: 0,
			AvailabilityType:       "ZONAL",
			ActivationPolicy:       "ALWAYS",
			BackupConfiguration:    &sqladmin.BackupConfiguration{Enabled: true, StartTime: "03:00", PointInTimeRecoveryEnabled: true},
			MaintenanceWindow:      &sqladmin.MaintenanceWindow{Day: 7, Hour: 0},
			IpConfiguration: &sqladmin.IpConfiguration{
				Ipv4Enabled: true, SslMode: "ENCRYPTED_ONLY",
				AuthorizedNetworks: []*sqladmin.AclEntry{{Name: "office", Value: "203.0.113.0/24"}},
			},
			DatabaseFlags:   []*sqladmin.DatabaseFlags{{Name: "max_connections", Value: "50"}},
			UserLabels:      allLabels(),
			SettingsVersion: 7,
		},
	}
	for _, m := range mods {
		m(in)
	}
	return in
}

func inState(s string) func(*sqladmin.DatabaseInstance) {
	return func(in *sqladmin.DatabaseInstance) { in.State = s }
}

func withSettings(m func(*sqladmin.Settings)) func(*sqladmin.DatabaseInstance) {
	return func(in *sqladmin.DatabaseInstance) { m(in.Settings) }
}

// atProvider is what status.atProvider says of cloudInstance(), the
// database found and testPassword applied.
func atProvider() v1alpha1.DatabaseInstanceObservation {
	return v1alpha1.DatabaseInstanceObservation{
		State:                      "RUNNABLE",
		DatabaseInstalledVersion:   "POSTGRES_15_8",
		ConnectionName:             testProject + ":" + testRegion + ":" + testName,
		Project:                    testProject,
		IPAddresses:                []v1alpha1.IPAddress{{Type: "PRIMARY", IPAddress: testAddress}, {Type: "OUTGOING", IPAddress: "34.76.9.9"}},
		ServerCACertExpirationTime: &metav1.Time{Time: time.Date(2036, 1, 2, 3, 4, 5, 0, time.UTC)},
		SettingsVersion:            7,
		DataDiskSizeGb:             20,
		UserLabels:                 allLabels(),
		Database:                   "orders",
		PasswordSecretVersion:      testVersion,
	}
}

// inSync is instance() as an in-sync Observe leaves it.
func inSync(opts ...instanceOption) *v1alpha1.DatabaseInstance {
	return instance(append([]instanceOption{withAtProvider(atProvider()), withConditions(xpv2.Available())}, opts...)...)
}

// connection is what the connection Secret of instance() holds with
// testPassword.
func connection() managed.ConnectionDetails {
	return managed.ConnectionDetails{
		"username":       []byte("postgres"),
		"password":       []byte(testPassword),
		"host":           []byte(testAddress),
		"port":           []byte("5432"),
		"endpoint":       []byte(testAddress),
		"database":       []byte("orders"),
		"engine":         []byte("postgres"),
		"url":            []byte("postgres://postgres:Pa55%3Aw%2Frd%40x%3Fy%23z%25@" + testAddress + ":5432/orders?sslmode=require"),
		"ca.crt":         []byte(testCA),
		"connectionName": []byte(testProject + ":" + testRegion + ":" + testName),
		"project":        []byte(testProject),
	}
}

// pending is connection() while the password Secret holds a password
// Cloud SQL has not been given: no password and no url.
func pending() managed.ConnectionDetails {
	c := connection()
	delete(c, "password")
	delete(c, "url")
	return c
}

// Answers of the calls.

func gets(in *sqladmin.DatabaseInstance) func(string) (*sqladmin.DatabaseInstance, error) {
	return func(name string) (*sqladmin.DatabaseInstance, error) {
		if name != in.Name {
			return nil, errors.Errorf("instances.get of %q, want %q", name, in.Name)
		}
		return in, nil
	}
}

func getFails(err error) func(string) (*sqladmin.DatabaseInstance, error) {
	return func(string) (*sqladmin.DatabaseInstance, error) { return nil, err }
}

// running is an operation of type t still running; done one that is done.
func running(t string) *sqladmin.Operation {
	return &sqladmin.Operation{Name: testOp, OperationType: t, Status: "RUNNING"}
}

func done(t string) *sqladmin.Operation {
	return &sqladmin.Operation{Name: testOp, OperationType: t, Status: "DONE"}
}

func failedOp(t string) *sqladmin.Operation {
	op := done(t)
	op.Error = &sqladmin.OperationErrors{Errors: []*sqladmin.OperationError{{Code: "INTERNAL_ERROR", Message: "the disk could not be resized"}}}
	return op
}

func answers(op *sqladmin.Operation, err error) func(*sqladmin.DatabaseInstance) (*sqladmin.Operation, error) {
	return func(*sqladmin.DatabaseInstance) (*sqladmin.Operation, error) { return op, err }
}

func opIs(op *sqladmin.Operation, err error) func(string) (*sqladmin.Operation, error) {
	return func(name string) (*sqladmin.Operation, error) {
		if err == nil && name != op.Name {
			return nil, errors.Errorf("operations.get of %q, want %q", name, op.Name)
		}
		return op, err
	}
}

func userSet(op *sqladmin.Operation, err error) func(*sqladmin.User) (*sqladmin.Operation, error) {
	return func(*sqladmin.User) (*sqladmin.Operation, error) { return op, err }
}

func dbIs(d *sqladmin.Database, err error) func(string) (*sqladmin.Database, error) {
	return func(string) (*sqladmin.Database, error) { return d, err }
}

func listed(ops ...*sqladmin.Operation) func() (*sqladmin.OperationsListResponse, error) {
	return func() (*sqladmin.OperationsListResponse, error) {
		return &sqladmin.OperationsListResponse{Items: ops}, nil
	}
}

// The cluster.

func scheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, v1alpha1.SchemeBuilder.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func passwordSecret(value string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: testSecret},
		Data:       map[string][]byte{testKey: []byte(value)},
	}
}

// cluster holds this test's resource, the DatabaseInstance team-b/data and
// objs. fns, when given, intercept its calls.
func cluster(t *testing.T, fns *interceptor.Funcs, objs ...client.Object) client.Client {
	t.Helper()
	objs = append([]client.Object{
		instance(),
		&v1alpha1.DatabaseInstance{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "data", UID: otherUID}},
	}, objs...)
	b := fake.NewClientBuilder().WithScheme(scheme(t)).WithObjects(objs...)
	if fns != nil {
		b = b.WithInterceptorFuncs(*fns)
	}
	return b.Build()
}

// withSecret is the usual cluster: the password Secret holds testPassword.
func withSecret(t *testing.T) client.Client {
	t.Helper()
	return cluster(t, nil, passwordSecret(testPassword))
}

func secretGetFails(t *testing.T) client.Client {
	t.Helper()
	return cluster(t, &interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		if _, ok := obj.(*corev1.Secret); ok {
			return errBoom
		}
		return c.Get(ctx, key, obj, opts...)
	}})
}

func newExternal(a *mockAPI, kube client.Client, r event.Recorder) *external {
	return &external{
		sql:     a,
		project: testProject,
		record:  r,
		owners: ownership.Checker{
			Kube:     kube,
			Kind:     v1alpha1.DatabaseInstanceGroupVersionKind.GroupKind(),
			NewList:  func() client.ObjectList { return &v1alpha1.DatabaseInstanceList{} },
			Encoding: gcplabels.Encoding,
		},
		passwords: secretkey.Store{Kube: kube},
	}
}

// storedPassword is the password the Secret of instance() holds in kube,
// or "".
func storedPassword(t *testing.T, kube client.Client) string {
	t.Helper()
	s := &corev1.Secret{}
	if err := kube.Get(context.Background(), client.ObjectKey{Namespace: testNamespace, Name: testSecret}, s); err != nil {
		return ""
	}
	return string(s.Data[testKey])
}

// noLeaks fails the test when err, an event or the diff holds a password.
func noLeaks(t *testing.T, reason string, err error, events []event.Event, diff string, secrets ...string) {
	t.Helper()
	for _, s := range append([]string{testPassword}, secrets...) {
		if s == "" {
			continue
		}
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("\n%s\nerror %q contains a password", reason, err)
		}
		for _, e := range events {
			if strings.Contains(e.Message, s) {
				t.Errorf("\n%s\nevent %q contains a password", reason, e.Message)
			}
		}
		if strings.Contains(diff, s) {
			t.Errorf("\n%s\ndiff %q contains a password", reason, diff)
		}
	}
}

var crOpts = []cmp.Option{cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime"), cmpopts.EquateEmpty()}

func TestObserve(t *testing.T) {
	refusal := "the external resource is managed by a resource in another namespace"
	type want struct {
		o     managed.ExternalObservation
		diff  []string // what o.Diff must name; nil for an empty Diff
		err   error
		msg   []string
		cr    *v1alpha1.DatabaseInstance
		calls []call
	}
	get := call{Op: "instances.get", Name: testProject + "/" + testName}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		kube   client.Client // withSecret when nil
		cr     *v1alpha1.DatabaseInstance
		want   want
	}{
		"InvalidExternalName": {
			reason: "An instance ID Cloud SQL would refuse should be an error, before any call.",
			api:    &mockAPI{},
			cr:     instance(withExternalName("Orders_DB")),
			want:   want{err: cmpopts.AnyError, msg: []string{`external name "Orders_DB" is not a valid Cloud SQL instance ID`}, cr: instance(withExternalName("Orders_DB"))},
		},
		"BadLabelValue": {
			reason: "A label value Cloud SQL refuses should be an error naming the key, before any call.",
			api:    &mockAPI{},
			cr:     instance(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.UserLabels = map[string]string{"team": "Orders"} })),
			want: want{err: cmpopts.AnyError, msg: []string{`label "team" has a value Cloud SQL refuses`},
				cr: instance(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.UserLabels = map[string]string{"team": "Orders"} }))},
		},
		"InvalidExternalNameWhileDeleting": {
			reason: "No instance can have an ID Cloud SQL refuses: a resource being deleted whose external name is one goes, without a call.",
			api:    &mockAPI{},
			cr:     instance(withExternalName("Orders_DB"), deleting()),
			want:   want{o: managed.ExternalObservation{ResourceExists: false}, cr: instance(withExternalName("Orders_DB"), deleting())},
		},
		"BadLabelValueWhileDeleting": {
			reason: "A label value Cloud SQL refuses does not keep a resource from being deleted: its instance is read (and then deleted) as any other.",
			api:    &mockAPI{MockGetInstance: getFails(apiError(http.StatusNotFound, "instanceDoesNotExist"))},
			cr:     instance(deleting(), withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.UserLabels = map[string]string{"team": "Orders"} })),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    instance(deleting(), withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.UserLabels = map[string]string{"team": "Orders"} })),
				calls: []call{get},
			},
		},
		"NotFound": {
			reason: "A 404 means the instance does not exist.",
			api:    &mockAPI{MockGetInstance: getFails(apiError(http.StatusNotFound, "instanceDoesNotExist"))},
			cr:     instance(),
			want:   want{o: managed.ExternalObservation{ResourceExists: false}, cr: instance(), calls: []call{get}},
		},
		"Forbidden": {
			reason: "A 403 says what the credentials may lack, without claiming the instance is gone.",
			api:    &mockAPI{MockGetInstance: getFails(apiError(http.StatusForbidden, "notAuthorized"))},
			cr:     instance(),
			want:   want{err: cmpopts.AnyError, msg: []string{"cannot be read with these credentials", "cloudsql.instances.get"}, cr: instance(), calls: []call{get}},
		},
		"ForbiddenWhileDeleting": {
			reason: "A resource being deleted that cannot read its instance is told how to go without it.",
			api:    &mockAPI{MockGetInstance: getFails(apiError(http.StatusForbidden, "notAuthorized"))},
			cr:     instance(deleting()),
			want:   want{err: cmpopts.AnyError, msg: []string{"cannot be read with these credentials", `set spec.managementPolicies to ["Observe"]`}, cr: instance(deleting()), calls: []call{get}},
		},
		"GetFailed": {
			reason: "Any other error should be returned wrapped.",
			api:    &mockAPI{MockGetInstance: getFails(errBoom)},
			cr:     instance(),
			want:   want{err: errBoom, msg: []string{"cannot get Cloud SQL instance: boom"}, cr: instance(), calls: []call{get}},
		},
		"UpToDate": {
			reason: "A RUNNABLE instance matching the spec should take one get and nothing else, be Available and publish every connection key; the status keeps the database found and the password version.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance())},
			cr:     instance(withAtProvider(v1alpha1.DatabaseInstanceObservation{State: "PENDING_CREATE", Database: "orders", PasswordSecretVersion: testVersion})),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(),
				calls: []call{get},
			},
		},
		"CreatedPasswordFromAnnotation": {
			reason: "Before any status is saved, the password Create used is read from the annotation it wrote, and published.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance())},
			cr: instance(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "orders" }), func(cr *v1alpha1.DatabaseInstance) {
				meta.AddAnnotations(cr, map[string]string{annotationPasswordVersion: testVersion})
			}),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(func(cr *v1alpha1.DatabaseInstance) {
					meta.AddAnnotations(cr, map[string]string{annotationPasswordVersion: testVersion})
				}),
				calls: []call{get},
			},
		},
		"CreateFailed": {
			reason: "An insert whose operation failed after it answered, leaving no instance, is said once with Cloud SQL's code and message, and forgotten: the next reconcile inserts again.",
			api: &mockAPI{
				MockGetOperation: opIs(func() *sqladmin.Operation {
					op := done("CREATE")
					op.Error = &sqladmin.OperationErrors{Errors: []*sqladmin.OperationError{{Code: "INTERNAL_ERROR", Message: "the network lacks private services access"}}}
					return op
				}(), nil),
				MockGetInstance: getFails(apiError(http.StatusNotFound, "instanceDoesNotExist")),
			},
			cr: instance(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
				o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "CREATE"}
			})),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"Cloud SQL operation CREATE (" + testOp + ") failed: INTERNAL_ERROR: the network lacks private services access"},
				cr:    instance(),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"CreateFailedWhileDeleting": {
			reason: "A resource being deleted whose create failed, leaving no instance, goes.",
			api: &mockAPI{
				MockGetOperation: opIs(failedOp("CREATE"), nil),
				MockGetInstance:  getFails(apiError(http.StatusNotFound, "instanceDoesNotExist")),
			},
			cr: instance(deleting(), withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
				o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "CREATE"}
			})),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    instance(deleting()),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"CreateFinishing": {
			reason: "An instance RUNNABLE while its insert's operation still runs is Creating, naming the operation, which stays pending.",
			api:    &mockAPI{MockGetOperation: opIs(running("CREATE"), nil), MockGetInstance: gets(cloudInstance())},
			cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
				o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "CREATE"}
			})),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
					o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "CREATE"}
				}), withConditions(xpv2.Creating().WithMessage("Cloud SQL is finishing operation CREATE ("+testOp+")"))),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"PendingCreate": {
			reason: "An instance Cloud SQL is creating is Creating and up to date, whatever differs: nothing can be changed yet. No address, no connection details, no database read.",
			api: &mockAPI{MockGetInstance: gets(cloudInstance(inState("PENDING_CREATE"), withSettings(func(s *sqladmin.Settings) { s.Tier = "db-f1-micro" }), func(in *sqladmin.DatabaseInstance) {
				in.IpAddresses = nil
			}))},
			cr: instance(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = testVersion })),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true},
				cr: instance(withAtProvider(func() v1alpha1.DatabaseInstanceObservation {
					o := atProvider()
					o.State, o.IPAddresses, o.Database = "PENDING_CREATE", nil, ""
					return o
				}()), withConditions(xpv2.Creating().WithMessage("Cloud SQL reports the instance PENDING_CREATE"))),
				calls: []call{get},
			},
		},
		"Maintenance": {
			reason: "An instance in maintenance is Unavailable, saying so, and nothing is sent.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(inState("MAINTENANCE"), withSettings(func(s *sqladmin.Settings) { s.Tier = "db-f1-micro" })))},
			cr:     inSync(),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.State = "MAINTENANCE" }),
					withConditions(xpv2.Unavailable().WithMessage("Cloud SQL reports the instance MAINTENANCE: it is down for maintenance; changes wait until it is RUNNABLE"))),
				calls: []call{get},
			},
		},
		"Suspended": {
			reason: "A suspended instance is Unavailable with Cloud SQL's reason.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(inState("SUSPENDED"), func(in *sqladmin.DatabaseInstance) { in.SuspensionReason = []string{"BILLING_ISSUE"} }))},
			cr:     inSync(),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.State = "SUSPENDED" }),
					withConditions(xpv2.Unavailable().WithMessage("Cloud SQL reports the instance SUSPENDED (BILLING_ISSUE): it serves nothing until the cause is resolved"))),
				calls: []call{get},
			},
		},
		"Failed": {
			reason: "A failed instance is Unavailable, saying it needs attention, and nothing is sent.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(inState("FAILED")))},
			cr:     inSync(),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.State = "FAILED" }),
					withConditions(xpv2.Unavailable().WithMessage("Cloud SQL reports the instance FAILED: its creation failed, or a fatal error occurred during maintenance; it needs attention (see its operations)"))),
				calls: []call{get},
			},
		},
		"OperationRunning": {
			reason: "While an UPDATE runs the instance may restart: Unavailable, naming the operation, and up to date whatever differs.",
			api: &mockAPI{
				MockGetOperation: opIs(running("UPDATE"), nil),
				MockGetInstance:  gets(cloudInstance(withSettings(func(s *sqladmin.Settings) { s.Tier = "db-f1-micro" }))),
			},
			cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PendingOperation = &v1alpha1.Operation{Name: testOp} })),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
					o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "UPDATE"}
				}), withConditions(xpv2.Unavailable().WithMessage("Cloud SQL is running operation UPDATE ("+testOp+"), which may restart the instance; changes wait until it is done"))),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"OperationDone": {
			reason: "A finished operation is forgotten, and what still differs is drift.",
			api: &mockAPI{
				MockGetOperation: opIs(done("UPDATE"), nil),
				MockGetInstance:  gets(cloudInstance(withSettings(func(s *sqladmin.Settings) { s.Tier = "db-f1-micro" }))),
			},
			cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
				o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "UPDATE"}
			})),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ConnectionDetails: connection()},
				diff:  []string{"tier"},
				cr:    inSync(),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"OperationFailed": {
			reason: "An operation that failed is said once, with Cloud SQL's code and message, and forgotten.",
			api: &mockAPI{
				MockGetOperation: opIs(failedOp("UPDATE"), nil),
				MockGetInstance:  gets(cloudInstance()),
			},
			cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
				o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "UPDATE"}
			})),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"Cloud SQL operation UPDATE (" + testOp + ") failed: INTERNAL_ERROR: the disk could not be resized"},
				cr:    inSync(),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"OperationUnreadable": {
			reason: "An operation that cannot be read is an error: whether the instance is busy is unknown.",
			api:    &mockAPI{MockGetOperation: opIs(nil, errBoom)},
			cr:     inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PendingOperation = &v1alpha1.Operation{Name: testOp} })),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get Cloud SQL operation " + testOp},
				cr:    inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PendingOperation = &v1alpha1.Operation{Name: testOp} })),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}},
			},
		},
		"OperationUnreadableWhileDeleting": {
			reason: "A resource being deleted does not wait on a read of its operation.",
			api:    &mockAPI{MockGetOperation: opIs(nil, errBoom), MockGetInstance: gets(cloudInstance())},
			cr:     inSync(deleting(), withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PendingOperation = &v1alpha1.Operation{Name: testOp} })),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(deleting()),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"PasswordSetting": {
			reason: "While UPDATE_USER runs, the instance serves (Available, naming it), and the connection Secret keeps the old password.",
			api:    &mockAPI{MockGetOperation: opIs(running("UPDATE_USER"), nil), MockGetInstance: gets(cloudInstance())},
			kube:   cluster(t, nil, passwordSecret("the-new-one")),
			cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
				o.PendingOperation, o.PasswordSecretVersion, o.PasswordResetting = &v1alpha1.Operation{Name: testOp}, versionOf("the-old-one"), versionOf("the-new-one")
			})),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: pending()},
				cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
					o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "UPDATE_USER"}
					o.PasswordSecretVersion, o.PasswordResetting = versionOf("the-old-one"), versionOf("the-new-one")
				}), withConditions(xpv2.Available().WithMessage("Cloud SQL is running operation UPDATE_USER ("+testOp+"); the instance serves meanwhile"))),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"PasswordSet": {
			reason: "Once UPDATE_USER is done, the new password is the applied one and is published.",
			api:    &mockAPI{MockGetOperation: opIs(done("UPDATE_USER"), nil), MockGetInstance: gets(cloudInstance())},
			kube:   cluster(t, nil, passwordSecret("the-new-one")),
			cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
				o.PendingOperation, o.PasswordSecretVersion, o.PasswordResetting = &v1alpha1.Operation{Name: testOp}, versionOf("the-old-one"), versionOf("the-new-one")
			})),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: func() managed.ConnectionDetails {
					c := connection()
					c["password"], c["url"] = []byte("the-new-one"), []byte("postgres://postgres:the-new-one@"+testAddress+":5432/orders?sslmode=require")
					return c
				}()},
				cr:    inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-new-one") })),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"PasswordSetFailed": {
			reason: "An UPDATE_USER that failed is said, the old password stays published, and the new one is sent again.",
			api:    &mockAPI{MockGetOperation: opIs(failedOp("UPDATE_USER"), nil), MockGetInstance: gets(cloudInstance())},
			kube:   cluster(t, nil, passwordSecret("the-new-one")),
			cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
				o.PendingOperation, o.PasswordSecretVersion, o.PasswordResetting = &v1alpha1.Operation{Name: testOp}, versionOf("the-old-one"), versionOf("the-new-one")
			})),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{"Cloud SQL operation UPDATE_USER (" + testOp + ") failed"},
				cr:    inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") })),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"PasswordOperationUnknown": {
			reason: "An UPDATE_USER Cloud SQL no longer knows is not taken as done: the password is sent again.",
			api:    &mockAPI{MockGetOperation: opIs(nil, apiError(http.StatusNotFound, "operationDoesNotExist")), MockGetInstance: gets(cloudInstance())},
			kube:   cluster(t, nil, passwordSecret("the-new-one")),
			cr: inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) {
				o.PendingOperation, o.PasswordSecretVersion, o.PasswordResetting = &v1alpha1.Operation{Name: testOp}, versionOf("the-old-one"), versionOf("the-new-one")
			})),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ConnectionDetails: pending()},
				diff:  []string{"masterPassword"},
				cr:    inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") })),
				calls: []call{{Op: "operations.get", Name: testProject + "/" + testOp}, get},
			},
		},
		"NewPasswordInSecret": {
			reason: "A new password in the Secret is drift, named without its value, and not published before Cloud SQL has it.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance())},
			kube:   cluster(t, nil, passwordSecret("the-new-one")),
			cr:     inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") })),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ConnectionDetails: pending()},
				diff:  []string{"masterPassword"},
				cr:    inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") })),
				calls: []call{get},
			},
		},
		"SecretUnreadable": {
			reason: "A password Secret that cannot be read is an error.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance())},
			kube:   secretGetFails(t),
			cr:     inSync(),
			want:   want{err: errBoom, msg: []string{"cannot get master password Secret"}, cr: inSync(), calls: []call{get}},
		},
		"DatabaseMissing": {
			reason: "A database not made yet is read once a poll until it exists, is drift, and holds the connection Secret back: its url must work.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance()), MockGetDatabase: dbIs(nil, apiError(http.StatusNotFound, "notFound"))},
			cr:     inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" })),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true},
				diff:  []string{"databaseName"},
				cr:    inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" })),
				calls: []call{get, {Op: "databases.get", Name: testProject + "/" + testName, Database: "orders"}},
			},
		},
		"DatabaseFound": {
			reason: "A database that exists is recorded, and not read again.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance()), MockGetDatabase: dbIs(&sqladmin.Database{Name: "orders"}, nil)},
			cr:     inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" })),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(),
				calls: []call{get, {Op: "databases.get", Name: testProject + "/" + testName, Database: "orders"}},
			},
		},
		"DatabaseUnreadable": {
			reason: "A database that cannot be read is an error.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance()), MockGetDatabase: dbIs(nil, errBoom)},
			cr:     inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" })),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get the instance's database"},
				cr:    inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" })),
				calls: []call{get, {Op: "databases.get", Name: testProject + "/" + testName, Database: "orders"}},
			},
		},
		"Drifted": {
			reason: "Settings changed outside Crossplane are drift, named in the diff.",
			api: &mockAPI{MockGetInstance: gets(cloudInstance(withSettings(func(s *sqladmin.Settings) {
				s.BackupConfiguration.StartTime = "05:00"
				s.UserLabels = map[string]string{"added": "by-hand"}
				for k, v := range allLabels() {
					s.UserLabels[k] = v
				}
				s.IpConfiguration.AuthorizedNetworks = nil
			})))},
			cr: inSync(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ConnectionDetails: connection()},
				diff:  []string{"backupConfiguration", "ipConfiguration", "userLabels"},
				cr:    inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.UserLabels["added"] = "by-hand" })),
				calls: []call{get},
			},
		},
		"GrownByCloudSQL": {
			reason: "A disk Cloud SQL grew by itself (storageAutoResize) is in sync: the spec's is the least.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(withSettings(func(s *sqladmin.Settings) { s.DataDiskSizeGb, s.SettingsVersion = 45, 8 })))},
			cr:     inSync(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.DataDiskSizeGb, o.SettingsVersion = 45, 8 })),
				calls: []call{get},
			},
		},
		"OtherProject": {
			reason: "An instance Cloud SQL reports in another project is refused.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(func(in *sqladmin.DatabaseInstance) { in.Project = "their-project" }))},
			cr:     instance(),
			want:   want{err: cmpopts.AnyError, msg: []string{`instance "orders-db" belongs to project their-project, not to project my-project`}, cr: instance(), calls: []call{get}},
		},
		"OtherRegion": {
			reason: "An instance in another region than the spec's is refused: it cannot move.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(func(in *sqladmin.DatabaseInstance) { in.Region = "us-central1" }))},
			cr:     instance(),
			want:   want{err: cmpopts.AnyError, msg: []string{"is in region us-central1, not europe-west1"}, cr: instance(), calls: []call{get}},
		},
		"OtherVersion": {
			reason: "An instance of another database version than the spec's is refused.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(func(in *sqladmin.DatabaseInstance) { in.DatabaseVersion = "POSTGRES_16" }))},
			cr:     instance(),
			want:   want{err: cmpopts.AnyError, msg: []string{"runs POSTGRES_16, not POSTGRES_15"}, cr: instance(), calls: []call{get}},
		},
		"OtherRegionWhileDeleting": {
			reason: "A resource being deleted still deletes an instance that differs in what cannot change.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(func(in *sqladmin.DatabaseInstance) { in.Region = "us-central1" }))},
			cr:     inSync(deleting()),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(deleting()),
				calls: []call{get},
			},
		},
		"ManagedByAnother": {
			reason: "An instance whose labels carry the UID of another live DatabaseInstance is refused, without naming a resource of another namespace.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(withSettings(func(s *sqladmin.Settings) { s.UserLabels = managedBy(otherUID) })))},
			cr:     instance(),
			want:   want{err: cmpopts.AnyError, msg: []string{refusal}, cr: instance(), calls: []call{get}},
		},
		"UntaggedRefused": {
			reason: "An instance made outside Crossplane is refused to a resource that may write and did not make it.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(withSettings(func(s *sqladmin.Settings) { s.UserLabels = nil })))},
			cr:     instance(unmade()),
			want:   want{err: cmpopts.AnyError, msg: []string{"carries none of the provider's crossplane- tags"}, cr: instance(unmade()), calls: []call{get}},
		},
		"ImportObserveOnly": {
			reason: "An Observe-only resource reads an instance made outside Crossplane, late-initialises nothing, and reads no password Secret into the connection details.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance(withSettings(func(s *sqladmin.Settings) { s.UserLabels = map[string]string{"owner": "dba"} })))},
			kube:   cluster(t, nil),
			cr: instance(unmade(), withPolicies(xpv2.ManagementActionObserve), withParams(func(p *v1alpha1.DatabaseInstanceParameters) {
				p.DatabaseName, p.DataDiskSizeGb = nil, nil
			})),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ConnectionDetails: func() managed.ConnectionDetails {
					c := pending()
					c["database"] = []byte("postgres")
					return c
				}()},
				diff: []string{"userLabels", "masterPassword"},
				cr: instance(unmade(), withPolicies(xpv2.ManagementActionObserve), withParams(func(p *v1alpha1.DatabaseInstanceParameters) {
					p.DatabaseName, p.DataDiskSizeGb = nil, nil
				}), withAtProvider(func() v1alpha1.DatabaseInstanceObservation {
					o := atProvider()
					o.UserLabels, o.Database, o.PasswordSecretVersion = map[string]string{"owner": "dba"}, "", ""
					return o
				}()), withConditions(xpv2.Available())),
				calls: []call{get},
			},
		},
		"LateInitialize": {
			reason: "Settings the spec leaves unset take the instance's values.",
			api:    &mockAPI{MockGetInstance: gets(cloudInstance())},
			cr: inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) {
				p.DataDiskSizeGb, p.DataDiskType, p.AvailabilityType, p.BackupConfiguration, p.IPConfiguration = nil, nil, nil, nil, nil
			})),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ResourceLateInitialized: true, ConnectionDetails: connection()},
				cr:    inSync(),
				calls: []call{get},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kube := tc.kube
			if kube == nil {
				kube = withSecret(t)
			}
			rec := &reconcilertest.Recorder{}
			e := newExternal(tc.api, kube, rec)
			got, err := e.Observe(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nObserve(...): error %v, want it to contain %q", tc.reason, err, tc.want.msg)
			}
			gotDiff := got.Diff
			got.Diff = ""
			if diff := cmp.Diff(tc.want.o, got); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want, +got:\n%s", tc.reason, diff)
			}
			if tc.want.diff == nil && gotDiff != "" {
				t.Errorf("\n%s\nObserve(...).Diff = %q, want empty", tc.reason, gotDiff)
			}
			if tc.want.diff != nil {
				if want := reconciler.DiffFields(tc.want.diff); gotDiff != want {
					t.Errorf("\n%s\nObserve(...).Diff = %q, want %q", tc.reason, gotDiff, want)
				}
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr, crOpts...); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want resource, +got resource:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			noLeaks(t, tc.reason, err, rec.Events, gotDiff, "the-new-one")
		})
	}
}

func TestCreate(t *testing.T) {
	type want struct {
		err         error
		msg         []string
		calls       []string
		pending     *v1alpha1.Operation // status.atProvider.pendingOperation afterwards
		annotation  bool                // the password version annotation is written
		intentGone  bool                // the creation-intent mark was removed
		password    string              // what the Secret holds afterwards; "*" for a generated one
		rootMatches bool                // the insert sent the Secret's password as rootPassword
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		kube   client.Client
		cr     *v1alpha1.DatabaseInstance
		want   want
	}{
		"InvalidName": {
			reason: "An instance ID Cloud SQL would refuse is an error before any call.",
			api:    &mockAPI{},
			cr:     instance(withExternalName("1-orders")),
			want:   want{err: cmpopts.AnyError, msg: []string{"is not a valid Cloud SQL instance ID"}},
		},
		"TooLongForProject": {
			reason: "PROJECT:INSTANCE is at most 98 characters.",
			api:    &mockAPI{},
			cr:     instance(withExternalName("a" + strings.Repeat("b", 90))),
			want:   want{err: cmpopts.AnyError, msg: []string{"PROJECT:INSTANCE may be at most 98 characters"}},
		},
		"GeneratesPassword": {
			reason: "Without a password in its Secret, one is generated and stored before the insert, which sends it as the root password.",
			api:    &mockAPI{MockInsertInstance: answers(running("CREATE"), nil)},
			kube:   cluster(t, nil),
			cr:     instance(),
			want: want{calls: []string{"instances.insert"}, pending: &v1alpha1.Operation{Name: testOp, OperationType: "CREATE"},
				annotation: true, password: "*", rootMatches: true},
		},
		"UsesPassword": {
			reason: "A password already in its Secret is the one the instance is created with.",
			api:    &mockAPI{MockInsertInstance: answers(running("CREATE"), nil)},
			cr:     instance(),
			want: want{calls: []string{"instances.insert"}, pending: &v1alpha1.Operation{Name: testOp, OperationType: "CREATE"},
				annotation: true, password: testPassword, rootMatches: true},
		},
		"InsertDoneAtOnce": {
			reason: "An insert whose operation is done when it answers leaves nothing pending.",
			api:    &mockAPI{MockInsertInstance: answers(done("CREATE"), nil)},
			cr:     instance(),
			want:   want{calls: []string{"instances.insert"}, annotation: true, password: testPassword, rootMatches: true},
		},
		"InsertFailedAtOnce": {
			reason: "An insert whose operation failed by the time it answered is an error with Cloud SQL's code and message.",
			api:    &mockAPI{MockInsertInstance: answers(failedOp("CREATE"), nil)},
			cr:     instance(),
			want: want{err: cmpopts.AnyError, msg: []string{"Cloud SQL operation CREATE (" + testOp + ") failed: INTERNAL_ERROR"},
				calls: []string{"instances.insert"}, annotation: true, password: testPassword, rootMatches: true},
		},
		"SecretUnreadable": {
			reason: "A password Secret that cannot be read stops the create before Cloud SQL hears of it.",
			api:    &mockAPI{},
			kube:   secretGetFails(t),
			cr:     instance(),
			want:   want{err: errBoom, msg: []string{"cannot get master password Secret"}},
		},
		"InsertFailed": {
			reason: "A refused insert is an error, without the password.",
			api:    &mockAPI{MockInsertInstance: answers(nil, apiError(http.StatusBadRequest, "invalid"))},
			cr:     instance(),
			want:   want{err: cmpopts.AnyError, msg: []string{"cannot create Cloud SQL instance"}, calls: []string{"instances.insert"}, password: testPassword, rootMatches: true},
		},
		"AlreadyOurs": {
			reason: "An insert answered 409 for an instance this resource's labels mark as its own is adopted: a retried create.",
			api: &mockAPI{
				MockInsertInstance: answers(nil, apiError(http.StatusConflict, "instanceAlreadyExists")),
				MockGetInstance:    gets(cloudInstance()),
			},
			cr:   instance(),
			want: want{calls: []string{"instances.insert", "instances.get"}, password: testPassword, rootMatches: true},
		},
		"AlreadyAnothers": {
			reason: "An instance another resource manages is not adopted.",
			api: &mockAPI{
				MockInsertInstance: answers(nil, apiError(http.StatusConflict, "instanceAlreadyExists")),
				MockGetInstance:    gets(cloudInstance(withSettings(func(s *sqladmin.Settings) { s.UserLabels = managedBy(otherUID) }))),
			},
			cr:   instance(),
			want: want{err: cmpopts.AnyError, msg: []string{`cannot adopt Cloud SQL instance "orders-db"`, "managed by a resource in another namespace"}, calls: []string{"instances.insert", "instances.get"}, password: testPassword, rootMatches: true},
		},
		"IDOfADeletedInstance": {
			reason: "A 409 for an instance that cannot be found is an ID Cloud SQL keeps after a deletion.",
			api: &mockAPI{
				MockInsertInstance: answers(nil, apiError(http.StatusConflict, "instanceAlreadyExists")),
				MockGetInstance:    getFails(apiError(http.StatusNotFound, "instanceDoesNotExist")),
			},
			cr:   instance(),
			want: want{err: cmpopts.AnyError, msg: []string{"used by an instance deleted recently", "up to a week"}, calls: []string{"instances.insert", "instances.get"}, password: testPassword, rootMatches: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kube := tc.kube
			if kube == nil {
				kube = withSecret(t)
			}
			e := newExternal(tc.api, kube, &reconcilertest.Recorder{})
			_, err := e.Create(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nCreate(...): error %v, want it to contain %q", tc.reason, err, tc.want.msg)
			}
			var ops []string
			var sent *sqladmin.DatabaseInstance
			for _, c := range tc.api.calls {
				ops = append(ops, c.Op)
				if c.Op == "instances.insert" {
					sent = c.Instance
				}
			}
			if diff := cmp.Diff(tc.want.calls, ops, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.pending, tc.cr.Status.AtProvider.PendingOperation); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want pending operation, +got:\n%s", tc.reason, diff)
			}
			stored := storedPassword(t, kube)
			switch tc.want.password {
			case "*":
				if len(stored) != 32 {
					t.Errorf("\n%s\nCreate(...) stored a generated password of %d characters, want 32", tc.reason, len(stored))
				}
			default:
				if tc.want.password != "" && stored != tc.want.password {
					t.Errorf("\n%s\nCreate(...) left the Secret holding another password", tc.reason)
				}
			}
			if tc.want.rootMatches && (sent == nil || sent.RootPassword != stored) {
				t.Errorf("\n%s\nCreate(...) did not send the Secret's password as the root password", tc.reason)
			}
			_, annotated := tc.cr.GetAnnotations()[annotationPasswordVersion]
			if annotated != tc.want.annotation {
				t.Errorf("\n%s\nCreate(...) password version annotation written: %t, want %t", tc.reason, annotated, tc.want.annotation)
			}
			if annotated && tc.cr.Status.AtProvider.PasswordSecretVersion != tc.cr.GetAnnotations()[annotationPasswordVersion] {
				t.Errorf("\n%s\nCreate(...) recorded different versions in status and annotation", tc.reason)
			}
			noLeaks(t, tc.reason, err, nil, "", stored)
		})
	}
}

func TestCreateSends(t *testing.T) {
	a := &mockAPI{MockInsertInstance: answers(running("CREATE"), nil)}
	cr := instance(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.IPConfiguration.SSLMode = nil }))
	if _, err := newExternal(a, withSecret(t), &reconcilertest.Recorder{}).Create(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	if len(a.calls) != 1 || a.calls[0].Name != testProject {
		t.Fatalf("calls: %+v", a.calls)
	}
	sent := a.calls[0].Instance
	if sent.Name != testName || sent.Region != testRegion || sent.DatabaseVersion != "POSTGRES_15" || sent.Settings.Tier != "db-custom-1-3840" {
		t.Errorf("insert sent %+v", sent)
	}
	if diff := cmp.Diff(allLabels(), sent.Settings.UserLabels); diff != "" {
		t.Errorf("insert labels: -want, +got:\n%s", diff)
	}
	if got := sent.Settings.IpConfiguration.SslMode; got != "ENCRYPTED_ONLY" {
		t.Errorf("a new instance without sslMode should require TLS: got %q", got)
	}
	if sent.Settings.SettingsVersion != 0 {
		t.Errorf("an insert carries no settingsVersion: %d", sent.Settings.SettingsVersion)
	}
}

func TestUpdate(t *testing.T) {
	type want struct {
		err    error
		msg    []string
		calls  []string
		cd     managed.ConnectionDetails
		at     func(*v1alpha1.DatabaseInstanceObservation)
		events []string // fields named by DriftDetected
		ready  *xpv2.Condition
	}
	patched := func(in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error) { return running("UPDATE"), nil }
	cases := map[string]struct {
		reason   string
		api      *mockAPI
		kube     client.Client
		cr       *v1alpha1.DatabaseInstance
		observed *sqladmin.DatabaseInstance
		want     want
	}{
		"NotObserved": {
			reason:   "Without an observation nothing is sent.",
			api:      &mockAPI{},
			cr:       inSync(),
			observed: nil,
			want:     want{},
		},
		"Busy": {
			reason:   "Nothing is sent while Cloud SQL is busy: it would answer operationInProgress.",
			api:      &mockAPI{},
			cr:       inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PendingOperation = &v1alpha1.Operation{Name: testOp} })),
			observed: cloudInstance(withSettings(func(s *sqladmin.Settings) { s.Tier = "db-f1-micro" })),
			want:     want{},
		},
		"NotRunnable": {
			reason:   "Nothing is sent to an instance that is not RUNNABLE.",
			api:      &mockAPI{},
			cr:       inSync(),
			observed: cloudInstance(inState("MAINTENANCE"), withSettings(func(s *sqladmin.Settings) { s.Tier = "db-f1-micro" })),
			want:     want{},
		},
		"Resize": {
			reason: "A new tier and a larger disk go as one patch with the settingsVersion seen; the operation is recorded and the instance Unavailable while it runs.",
			api:    &mockAPI{MockPatchInstance: patched},
			cr: inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) {
				p.Tier, p.DataDiskSizeGb = "db-custom-2-7680", ptr.To[int64](50)
			})),
			observed: cloudInstance(),
			want: want{
				calls:  []string{"instances.patch"},
				cd:     connection(),
				events: []string{"tier", "dataDiskSizeGb"},
				at: func(o *v1alpha1.DatabaseInstanceObservation) {
					o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "UPDATE"}
				},
				ready: ptr.To(xpv2.Unavailable().WithMessage("Cloud SQL is running operation UPDATE (" + testOp + "), which may restart the instance; changes wait until it is done")),
			},
		},
		"PatchDoneAtOnce": {
			reason:   "A patch whose operation is done at once records nothing.",
			api:      &mockAPI{MockPatchInstance: answers(done("UPDATE"), nil)},
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-f1-micro" })),
			observed: cloudInstance(),
			want:     want{calls: []string{"instances.patch"}, cd: connection(), events: []string{"tier"}},
		},
		"PatchFailedAtOnce": {
			reason:   "A patch whose operation failed at once says so.",
			api:      &mockAPI{MockPatchInstance: answers(failedOp("UPDATE"), nil)},
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-f1-micro" })),
			observed: cloudInstance(),
			want:     want{err: cmpopts.AnyError, msg: []string{"Cloud SQL operation UPDATE", "INTERNAL_ERROR"}, calls: []string{"instances.patch"}, events: []string{"tier"}},
		},
		"Stale": {
			reason:   "A settingsVersion Cloud SQL no longer has (412) means the settings are read again.",
			api:      &mockAPI{MockPatchInstance: answers(nil, apiError(http.StatusPreconditionFailed, "staleData"))},
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-f1-micro" })),
			observed: cloudInstance(),
			want:     want{err: cmpopts.AnyError, msg: []string{"settings changed while they were being updated", "reads them again"}, calls: []string{"instances.patch"}, events: []string{"tier"}},
		},
		"StaleConflict": {
			reason:   "Cloud SQL may say stale settings with a 409 staleData too.",
			api:      &mockAPI{MockPatchInstance: answers(nil, apiError(http.StatusConflict, "staleData"))},
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-f1-micro" })),
			observed: cloudInstance(),
			want:     want{err: cmpopts.AnyError, msg: []string{"reads them again"}, calls: []string{"instances.patch"}, events: []string{"tier"}},
		},
		"OperationInProgress": {
			reason:   "A 409 operationInProgress is a wait, not an error: the running operation is recorded, and the change waits for it.",
			api:      &mockAPI{MockPatchInstance: answers(nil, apiError(http.StatusConflict, "operationInProgress")), MockListOperations: listed(running("MAINTENANCE"), done("UPDATE"))},
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-f1-micro" })),
			observed: cloudInstance(),
			want: want{
				calls:  []string{"instances.patch", "operations.list"},
				events: []string{"tier"},
				at: func(o *v1alpha1.DatabaseInstanceObservation) {
					o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "MAINTENANCE"}
				},
				ready: ptr.To(xpv2.Unavailable().WithMessage("Cloud SQL is running operation MAINTENANCE (" + testOp + "), which may restart the instance; changes wait until it is done")),
			},
		},
		"OperationInProgressUnlisted": {
			reason:   "Operations that cannot be listed after a 409 are an error.",
			api:      &mockAPI{MockPatchInstance: answers(nil, apiError(http.StatusConflict, "operationInProgress")), MockListOperations: func() (*sqladmin.OperationsListResponse, error) { return nil, errBoom }},
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-f1-micro" })),
			observed: cloudInstance(),
			want:     want{err: errBoom, msg: []string{"Cloud SQL is running an operation on the instance"}, calls: []string{"instances.patch", "operations.list"}, events: []string{"tier"}},
		},
		"PatchFailed": {
			reason:   "Another refusal is an error.",
			api:      &mockAPI{MockPatchInstance: answers(nil, errBoom)},
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-f1-micro" })),
			observed: cloudInstance(),
			want:     want{err: errBoom, msg: []string{"cannot patch Cloud SQL instance"}, calls: []string{"instances.patch"}, events: []string{"tier"}},
		},
		"ShrinkRefused": {
			reason: "A disk below the instance's, without automatic growth, is not sent (Cloud SQL cannot shrink it); the other changes are, and the resource says why.",
			api:    &mockAPI{MockPatchInstance: patched},
			cr: inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) {
				p.StorageAutoResize, p.Tier = ptr.To(false), "db-f1-micro"
			})),
			observed: cloudInstance(withSettings(func(s *sqladmin.Settings) { s.DataDiskSizeGb = 30; s.StorageAutoResize = ptr.To(false) })),
			want: want{
				err: cmpopts.AnyError, msg: []string{"dataDiskSizeGb 20 is below the instance's 30 GB", "cannot shrink a disk", "write 30 or more"},
				calls: []string{"instances.patch"}, cd: connection(), events: []string{"tier"},
				at: func(o *v1alpha1.DatabaseInstanceObservation) {
					o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "UPDATE"}
				},
				ready: ptr.To(xpv2.Unavailable().WithMessage("Cloud SQL is running operation UPDATE (" + testOp + "), which may restart the instance; changes wait until it is done")),
			},
		},
		"ShrinkOnly": {
			reason:   "A spec whose only difference is a disk Cloud SQL cannot shrink to sends nothing and says why.",
			api:      &mockAPI{},
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.StorageAutoResize = ptr.To(false) })),
			observed: cloudInstance(withSettings(func(s *sqladmin.Settings) { s.DataDiskSizeGb = 30; s.StorageAutoResize = ptr.To(false) })),
			want:     want{err: cmpopts.AnyError, msg: []string{"cannot shrink a disk"}},
		},
		"RotatePasswordDoneAtOnce": {
			reason:   "A new password goes with users.update of the built-in user; done at once, it is applied and published.",
			api:      &mockAPI{MockUpdateUser: userSet(done("UPDATE_USER"), nil)},
			kube:     cluster(t, nil, passwordSecret("the-new-one")),
			cr:       inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") })),
			observed: cloudInstance(),
			want: want{
				calls: []string{"users.update"}, events: []string{"masterPassword"},
				cd: func() managed.ConnectionDetails {
					c := connection()
					c["password"], c["url"] = []byte("the-new-one"), []byte("postgres://postgres:the-new-one@"+testAddress+":5432/orders?sslmode=require")
					return c
				}(),
				at: func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-new-one") },
			},
		},
		"RotatePasswordRunning": {
			reason:   "A users.update still running keeps the old password published and records what it sets; the instance serves meanwhile.",
			api:      &mockAPI{MockUpdateUser: userSet(running("UPDATE_USER"), nil)},
			kube:     cluster(t, nil, passwordSecret("the-new-one")),
			cr:       inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") })),
			observed: cloudInstance(),
			want: want{
				calls: []string{"users.update"}, events: []string{"masterPassword"}, cd: pending(),
				at: func(o *v1alpha1.DatabaseInstanceObservation) {
					o.PasswordSecretVersion, o.PasswordResetting = versionOf("the-old-one"), versionOf("the-new-one")
					o.PendingOperation = &v1alpha1.Operation{Name: testOp, OperationType: "UPDATE_USER"}
				},
				ready: ptr.To(xpv2.Available().WithMessage("Cloud SQL is running operation UPDATE_USER (" + testOp + "); the instance serves meanwhile")),
			},
		},
		"RotatePasswordRefused": {
			reason:   "A refused users.update is an error without the password, and nothing is recorded as applied.",
			api:      &mockAPI{MockUpdateUser: userSet(nil, apiError(http.StatusBadRequest, "invalid"))},
			kube:     cluster(t, nil, passwordSecret("the-new-one")),
			cr:       inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") })),
			observed: cloudInstance(),
			want: want{
				err: cmpopts.AnyError, msg: []string{"cannot set the built-in user's password"},
				calls: []string{"users.update"}, events: []string{"masterPassword"},
				at: func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") },
			},
		},
		"PasswordFirst": {
			reason:   "One operation at a time: the password goes first, the settings at a later update.",
			api:      &mockAPI{MockUpdateUser: userSet(done("UPDATE_USER"), nil)},
			kube:     cluster(t, nil, passwordSecret("the-new-one")),
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-f1-micro" }), withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") })),
			observed: cloudInstance(),
			want: want{
				calls: []string{"users.update"}, events: []string{"tier", "masterPassword"},
				cd: func() managed.ConnectionDetails {
					c := connection()
					c["password"], c["url"] = []byte("the-new-one"), []byte("postgres://postgres:the-new-one@"+testAddress+":5432/orders?sslmode=require")
					return c
				}(),
				at: func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-new-one") },
			},
		},
		"AdoptedGetsPassword": {
			reason:   "An instance whose password this resource does not know gets a generated one, stored first.",
			api:      &mockAPI{MockUpdateUser: userSet(done("UPDATE_USER"), nil)},
			kube:     cluster(t, nil),
			cr:       inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = "" })),
			observed: cloudInstance(),
			want:     want{calls: []string{"users.update"}, events: []string{"masterPassword"}, cd: nil, at: nil},
		},
		"MySQLRootUser": {
			reason:   "On MySQL the built-in user is root at any host.",
			api:      &mockAPI{MockUpdateUser: userSet(done("UPDATE_USER"), nil)},
			kube:     cluster(t, nil, passwordSecret("the-new-one")),
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.DatabaseVersion = "MYSQL_8_0" }), withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-old-one") })),
			observed: cloudInstance(func(in *sqladmin.DatabaseInstance) { in.DatabaseVersion = "MYSQL_8_0" }),
			want: want{
				calls: []string{"users.update"}, events: []string{"masterPassword"},
				cd: func() managed.ConnectionDetails {
					c := connection()
					c["username"], c["password"], c["port"], c["engine"] = []byte("root"), []byte("the-new-one"), []byte("3306"), []byte("mysql")
					c["url"] = []byte("mysql://root:the-new-one@" + testAddress + ":3306/orders?ssl-mode=REQUIRED")
					return c
				}(),
				at: func(o *v1alpha1.DatabaseInstanceObservation) { o.PasswordSecretVersion = versionOf("the-new-one") },
			},
		},
		"CreateDatabase": {
			reason:   "The initial database is created once the instance is RUNNABLE, and the connection Secret published once it exists.",
			api:      &mockAPI{MockInsertDatabase: func(d *sqladmin.Database) (*sqladmin.Operation, error) { return done("CREATE_DATABASE"), nil }},
			cr:       inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" })),
			observed: cloudInstance(),
			want:     want{calls: []string{"databases.insert"}, events: []string{"databaseName"}, cd: connection(), at: func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "orders" }},
		},
		"CreateDatabaseRunning": {
			reason:   "A databases.insert still running is recorded; the connection Secret waits.",
			api:      &mockAPI{MockInsertDatabase: func(d *sqladmin.Database) (*sqladmin.Operation, error) { return running("CREATE_DATABASE"), nil }},
			cr:       inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" })),
			observed: cloudInstance(),
			want: want{
				calls: []string{"databases.insert"}, events: []string{"databaseName"},
				at: func(o *v1alpha1.DatabaseInstanceObservation) {
					o.Database, o.PendingOperation = "", &v1alpha1.Operation{Name: testOp, OperationType: "CREATE_DATABASE"}
				},
				ready: ptr.To(xpv2.Available().WithMessage("Cloud SQL is running operation CREATE_DATABASE (" + testOp + "); the instance serves meanwhile")),
			},
		},
		"DatabaseExists": {
			reason: "A database Cloud SQL says exists (409) is taken as made.",
			api: &mockAPI{MockInsertDatabase: func(d *sqladmin.Database) (*sqladmin.Operation, error) {
				return nil, apiError(http.StatusConflict, "alreadyExists")
			}},
			cr:       inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" })),
			observed: cloudInstance(),
			want:     want{calls: []string{"databases.insert"}, events: []string{"databaseName"}, cd: connection(), at: func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "orders" }},
		},
		"DatabaseRefused": {
			reason:   "A refused databases.insert is an error.",
			api:      &mockAPI{MockInsertDatabase: func(d *sqladmin.Database) (*sqladmin.Operation, error) { return nil, errBoom }},
			cr:       inSync(withAt(func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" })),
			observed: cloudInstance(),
			want: want{
				err: errBoom, msg: []string{"cannot create the instance's database"}, calls: []string{"databases.insert"}, events: []string{"databaseName"},
				at: func(o *v1alpha1.DatabaseInstanceObservation) { o.Database = "" },
			},
		},
		"SecretUnwritable": {
			reason:   "A password that cannot be stored stops the update before anything is sent.",
			api:      &mockAPI{},
			kube:     secretGetFails(t),
			cr:       inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-f1-micro" })),
			observed: cloudInstance(),
			want:     want{err: errBoom, msg: []string{"master password Secret"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kube := tc.kube
			if kube == nil {
				kube = withSecret(t)
			}
			rec := &reconcilertest.Recorder{}
			e := newExternal(tc.api, kube, rec)
			e.observed = tc.observed
			before := tc.cr.DeepCopy()
			got, err := e.Update(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nUpdate(...): error %v, want it to contain %q", tc.reason, err, tc.want.msg)
			}
			var ops []string
			for _, c := range tc.api.calls {
				ops = append(ops, c.Op)
				if c.Name != testProject+"/"+testName {
					t.Errorf("\n%s\nUpdate(...) called %s on %s", tc.reason, c.Op, c.Name)
				}
			}
			if diff := cmp.Diff(tc.want.calls, ops, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			if name != "AdoptedGetsPassword" {
				if diff := cmp.Diff(tc.want.cd, got.ConnectionDetails, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("\n%s\nUpdate(...) connection details: -want, +got:\n%s", tc.reason, diff)
				}
				wantAt := before.Status.AtProvider
				if tc.want.at != nil {
					tc.want.at(&wantAt)
				}
				if diff := cmp.Diff(wantAt, tc.cr.Status.AtProvider, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("\n%s\nUpdate(...) status.atProvider: -want, +got:\n%s", tc.reason, diff)
				}
			} else {
				stored := storedPassword(t, kube)
				if len(stored) != 32 || tc.cr.Status.AtProvider.PasswordSecretVersion == "" {
					t.Errorf("\n%s\nUpdate(...) should store a generated password and record it applied", tc.reason)
				}
				if string(got.ConnectionDetails["password"]) != stored {
					t.Errorf("\n%s\nUpdate(...) should publish the password once Cloud SQL has it", tc.reason)
				}
			}
			wantReady := before.GetCondition(xpv2.TypeReady)
			if tc.want.ready != nil {
				wantReady = *tc.want.ready
			}
			if diff := cmp.Diff(wantReady, tc.cr.GetCondition(xpv2.TypeReady), crOpts...); diff != "" {
				t.Errorf("\n%s\nUpdate(...) Ready: -want, +got:\n%s", tc.reason, diff)
			}
			var drift []string
			for _, ev := range rec.Events {
				if ev.Reason == reconciler.ReasonDriftDetected {
					drift = append(drift, ev.Message)
				}
			}
			switch {
			case len(tc.want.events) == 0 && len(drift) > 0:
				t.Errorf("\n%s\nUpdate(...) recorded drift %v, want none", tc.reason, drift)
			case len(tc.want.events) > 0 && (len(drift) != 1 || !strings.Contains(drift[0], strings.Join(tc.want.events, ", "))):
				t.Errorf("\n%s\nUpdate(...) drift events %v, want one naming %v", tc.reason, drift, tc.want.events)
			}
			noLeaks(t, tc.reason, err, rec.Events, "", "the-new-one", storedPassword(t, kube))
		})
	}
}

// TestUpdateSendsOnlyWhatDiffers checks the patch: only the settings that
// differ, the settingsVersion seen, objects whole, removed labels as null.
func TestUpdateSendsOnlyWhatDiffers(t *testing.T) {
	a := &mockAPI{MockPatchInstance: answers(running("UPDATE"), nil)}
	e := newExternal(a, withSecret(t), &reconcilertest.Recorder{})
	e.observed = cloudInstance(withSettings(func(s *sqladmin.Settings) {
		s.IpConfiguration.SslMode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
		s.UserLabels["added"] = "by-hand"
	}))
	cr := inSync(withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.IPConfiguration.AuthorizedNetworks = nil }))
	if _, err := e.Update(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	if len(a.calls) != 1 {
		t.Fatalf("calls: %+v", a.calls)
	}
	got, err := a.calls[0].Instance.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"settings":{"ipConfiguration":{"authorizedNetworks":[{"kind":"sql#aclEntry","name":"office","value":"203.0.113.0/24"}],"ipv4Enabled":true,"requireSsl":false,"sslMode":"ENCRYPTED_ONLY"},"settingsVersion":"7","userLabels":{"added":null,"crossplane-kind":"databaseinstance_sql_gcp_appinfra_io","crossplane-name":"orders-db","crossplane-namespace":"team-a","crossplane-providerconfig":"default","crossplane-providerconfig-kind":"clusterproviderconfig","crossplane-uid":"3c9e1f20-orders-db-uid","team":"orders"}}}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("patch JSON: -want, +got:\n%s", diff)
	}
}

func TestDelete(t *testing.T) {
	type want struct {
		err    error
		msg    []string
		calls  []string
		events []string
		at     *v1alpha1.Operation
	}
	cases := map[string]struct {
		reason   string
		api      *mockAPI
		cr       *v1alpha1.DatabaseInstance
		observed *sqladmin.DatabaseInstance
		want     want
	}{
		"Deletes": {
			reason:   "An unprotected instance is deleted.",
			api:      &mockAPI{MockDeleteInstance: func() (*sqladmin.Operation, error) { return running("DELETE"), nil }},
			cr:       inSync(deleting()),
			observed: cloudInstance(),
			want:     want{calls: []string{"instances.delete"}},
		},
		"AlreadyGone": {
			reason:   "An instance already gone is deleted.",
			api:      &mockAPI{MockDeleteInstance: func() (*sqladmin.Operation, error) { return nil, apiError(http.StatusNotFound, "instanceDoesNotExist") }},
			cr:       inSync(deleting()),
			observed: cloudInstance(),
			want:     want{calls: []string{"instances.delete"}},
		},
		"PendingDelete": {
			reason:   "An instance being deleted is waited for, not deleted again.",
			api:      &mockAPI{},
			cr:       inSync(deleting()),
			observed: cloudInstance(inState("PENDING_DELETE")),
			want:     want{},
		},
		"Protected": {
			reason:   "A protected instance is not deleted while the spec keeps it protected: the resource says to turn protection off first, and nothing is sent.",
			api:      &mockAPI{},
			cr:       inSync(deleting(), withParams(func(p *v1alpha1.DatabaseInstanceParameters) { p.DeletionProtectionEnabled = ptr.To(true) })),
			observed: cloudInstance(withSettings(func(s *sqladmin.Settings) { s.DeletionProtectionEnabled = true })),
			want:     want{err: cmpopts.AnyError, msg: []string{"deletion protection is on", "set spec.forProvider.deletionProtectionEnabled to false", "remove Delete from spec.managementPolicies"}},
		},
		"ProtectionTurnedOff": {
			reason:   "A protected instance whose spec turned protection off gets it turned off first, with the settingsVersion seen, and is deleted at a later reconcile.",
			api:      &mockAPI{MockPatchInstance: answers(running("UPDATE"), nil)},
			cr:       inSync(deleting()),
			observed: cloudInstance(withSettings(func(s *sqladmin.Settings) { s.DeletionProtectionEnabled = true })),
			want:     want{calls: []string{"instances.patch"}},
		},
		"ProtectionNotTurnedOff": {
			reason:   "A refused patch of protection is an error.",
			api:      &mockAPI{MockPatchInstance: answers(nil, errBoom)},
			cr:       inSync(deleting()),
			observed: cloudInstance(withSettings(func(s *sqladmin.Settings) { s.DeletionProtectionEnabled = true })),
			want:     want{err: errBoom, msg: []string{"cannot turn deletion protection off before deleting"}, calls: []string{"instances.patch"}},
		},
		"WaitsForOperation": {
			reason:   "An operation in progress holds the deletion: recorded, said in an event with the way out, and not an error.",
			api:      &mockAPI{MockDeleteInstance: func() (*sqladmin.Operation, error) { return nil, apiError(http.StatusConflict, "operationInProgress") }, MockListOperations: listed(running("BACKUP_VOLUME"))},
			cr:       inSync(deleting()),
			observed: cloudInstance(),
			want: want{
				calls: []string{"instances.delete", "operations.list"}, at: &v1alpha1.Operation{Name: testOp, OperationType: "BACKUP_VOLUME"},
				events: []string{"Cloud SQL is running operation BACKUP_VOLUME (" + testOp + ") on the instance, and deletes it once that is done; to leave the instance behind instead, remove Delete from spec.managementPolicies"},
			},
		},
		"ProtectionWaitsForOperation": {
			reason:   "Turning protection off waits for an operation in progress too.",
			api:      &mockAPI{MockPatchInstance: answers(nil, apiError(http.StatusConflict, "operationInProgress")), MockListOperations: listed()},
			cr:       inSync(deleting()),
			observed: cloudInstance(withSettings(func(s *sqladmin.Settings) { s.DeletionProtectionEnabled = true })),
			want: want{
				calls:  []string{"instances.patch", "operations.list"},
				events: []string{"Cloud SQL is running an operation on the instance, and deletes it once that is done; to leave the instance behind instead, remove Delete from spec.managementPolicies"},
			},
		},
		"DeleteFailed": {
			reason:   "Another refusal is an error.",
			api:      &mockAPI{MockDeleteInstance: func() (*sqladmin.Operation, error) { return nil, errBoom }},
			cr:       inSync(deleting()),
			observed: cloudInstance(),
			want:     want{err: errBoom, msg: []string{"cannot delete Cloud SQL instance"}, calls: []string{"instances.delete"}},
		},
		"NotObserved": {
			reason: "Without an observation the instance is deleted all the same.",
			api:    &mockAPI{MockDeleteInstance: func() (*sqladmin.Operation, error) { return running("DELETE"), nil }},
			cr:     inSync(deleting()),
			want:   want{calls: []string{"instances.delete"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rec := &reconcilertest.Recorder{}
			e := newExternal(tc.api, withSecret(t), rec)
			e.observed = tc.observed
			_, err := e.Delete(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nDelete(...): error %v, want it to contain %q", tc.reason, err, tc.want.msg)
			}
			var ops []string
			for _, c := range tc.api.calls {
				ops = append(ops, c.Op)
				if c.Op == "instances.patch" {
					b, _ := c.Instance.MarshalJSON()
					if want := `{"settings":{"deletionProtectionEnabled":false,"settingsVersion":"7"}}`; string(b) != want {
						t.Errorf("\n%s\nDelete(...) patched %s, want %s", tc.reason, b, want)
					}
				}
			}
			if diff := cmp.Diff(tc.want.calls, ops, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			var events []string
			for _, ev := range rec.Events {
				events = append(events, ev.Message)
			}
			if diff := cmp.Diff(tc.want.events, events, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nDelete(...) events: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.at, tc.cr.Status.AtProvider.PendingOperation); diff != "" {
				t.Errorf("\n%s\nDelete(...) pending operation: -want, +got:\n%s", tc.reason, diff)
			}
			if got := tc.cr.GetCondition(xpv2.TypeReady).Reason; got != xpv2.ReasonDeleting {
				t.Errorf("\n%s\nDelete(...) Ready reason %s, want Deleting", tc.reason, got)
			}
		})
	}
}

func TestPollSoon(t *testing.T) {
	cases := map[string]struct {
		o    v1alpha1.DatabaseInstanceObservation
		want bool
	}{
		"Runnable":       {o: v1alpha1.DatabaseInstanceObservation{State: "RUNNABLE"}},
		"Creating":       {o: v1alpha1.DatabaseInstanceObservation{State: "PENDING_CREATE"}, want: true},
		"Maintenance":    {o: v1alpha1.DatabaseInstanceObservation{State: "MAINTENANCE"}, want: true},
		"Deleting":       {o: v1alpha1.DatabaseInstanceObservation{State: "PENDING_DELETE"}, want: true},
		"Operation":      {o: v1alpha1.DatabaseInstanceObservation{State: "RUNNABLE", PendingOperation: &v1alpha1.Operation{Name: "x"}}, want: true},
		"FailedLasts":    {o: v1alpha1.DatabaseInstanceObservation{State: "FAILED"}},
		"SuspendedWaits": {o: v1alpha1.DatabaseInstanceObservation{State: "SUSPENDED"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := pollSoon(tc.o); got != tc.want {
				t.Errorf("pollSoon(%+v) = %t, want %t", tc.o, got, tc.want)
			}
		})
	}
}
