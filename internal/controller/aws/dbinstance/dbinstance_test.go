package dbinstance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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

	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/common"
	"github.com/appinfra/provider-appinfra/internal/ownership"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
)

var errBoom = errors.New("boom")

// mockAPI answers each call with its function field and records the
// operations called and their inputs, in order. A call whose field is nil
// fails.
type mockAPI struct {
	calls  []string
	inputs []any

	MockDescribeDBInstances    func(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	MockCreateDBInstance       func(ctx context.Context, in *rds.CreateDBInstanceInput, opts ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error)
	MockModifyDBInstance       func(ctx context.Context, in *rds.ModifyDBInstanceInput, opts ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error)
	MockDeleteDBInstance       func(ctx context.Context, in *rds.DeleteDBInstanceInput, opts ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
	MockAddTagsToResource      func(ctx context.Context, in *rds.AddTagsToResourceInput, opts ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error)
	MockRemoveTagsFromResource func(ctx context.Context, in *rds.RemoveTagsFromResourceInput, opts ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error)
}

var _ api = &mockAPI{}

func unexpected(op string) error { return errors.Errorf("unexpected call to %s", op) }

// called records a call and its input.
func (m *mockAPI) called(op string, in any) {
	m.calls = append(m.calls, op)
	m.inputs = append(m.inputs, in)
}

func (m *mockAPI) DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	m.called("DescribeDBInstances", in)
	if m.MockDescribeDBInstances == nil {
		return nil, unexpected("DescribeDBInstances")
	}
	return m.MockDescribeDBInstances(ctx, in, opts...)
}

func (m *mockAPI) CreateDBInstance(ctx context.Context, in *rds.CreateDBInstanceInput, opts ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
	m.called("CreateDBInstance", in)
	if m.MockCreateDBInstance == nil {
		return nil, unexpected("CreateDBInstance")
	}
	return m.MockCreateDBInstance(ctx, in, opts...)
}

func (m *mockAPI) ModifyDBInstance(ctx context.Context, in *rds.ModifyDBInstanceInput, opts ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error) {
	m.called("ModifyDBInstance", in)
	if m.MockModifyDBInstance == nil {
		return nil, unexpected("ModifyDBInstance")
	}
	return m.MockModifyDBInstance(ctx, in, opts...)
}

func (m *mockAPI) DeleteDBInstance(ctx context.Context, in *rds.DeleteDBInstanceInput, opts ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
	m.called("DeleteDBInstance", in)
	if m.MockDeleteDBInstance == nil {
		return nil, unexpected("DeleteDBInstance")
	}
	return m.MockDeleteDBInstance(ctx, in, opts...)
}

func (m *mockAPI) AddTagsToResource(ctx context.Context, in *rds.AddTagsToResourceInput, opts ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error) {
	m.called("AddTagsToResource", in)
	if m.MockAddTagsToResource == nil {
		return nil, unexpected("AddTagsToResource")
	}
	return m.MockAddTagsToResource(ctx, in, opts...)
}

func (m *mockAPI) RemoveTagsFromResource(ctx context.Context, in *rds.RemoveTagsFromResourceInput, opts ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error) {
	m.called("RemoveTagsFromResource", in)
	if m.MockRemoveTagsFromResource == nil {
		return nil, unexpected("RemoveTagsFromResource")
	}
	return m.MockRemoveTagsFromResource(ctx, in, opts...)
}

func apiError(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "RDS says " + code}
}

// The instance every test works on, unless an option says otherwise.
const (
	testName       = "orders-db"
	testNamespace  = "team-a"
	testUID        = "3c9e1f20-orders-db-uid"
	testRegion     = "eu-west-1"
	testARN        = "arn:aws:rds:eu-west-1:111122223333:db:orders-db"
	testResourceID = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	testAddress    = "orders-db.c9akciq32.eu-west-1.rds.amazonaws.com"
	testSecret     = "orders-db-master"
	testKey        = "password"
	// testPassword holds characters a URL must escape.
	testPassword = "Pa55:w/rd@x?y#z%"
	// testSecretVersion is the resourceVersion of the password Secret that
	// status.atProvider.passwordSecretVersion records as applied.
	testSecretVersion = "42"
)

// testVersion is testPassword's version in the password Secret: what
// status.atProvider.passwordSecretVersion records once it is applied.
var testVersion = versionOf(testPassword)

// versionOf is the version of a password in the password Secret, hashed
// as a Store without a key hashes it.
func versionOf(password string) string {
	return secretkey.Store{}.Version(secretkey.Ref{Namespace: testNamespace, Name: testSecret, Key: testKey}, password)
}

// The UID of the DBInstance team-b/data, which exists.
const otherUID = "5d1e7b90-team-b-data-uid"

type instanceOption func(*v1alpha1.DBInstance)

// instance returns a postgres DBInstance team-a/orders-db that sets every
// field, so that there is nothing to late-initialise.
func instance(opts ...instanceOption) *v1alpha1.DBInstance {
	cr := &v1alpha1.DBInstance{
		ObjectMeta: metav1.ObjectMeta{Name: testName, Namespace: testNamespace, UID: testUID},
		Spec: v1alpha1.DBInstanceSpec{ForProvider: v1alpha1.DBInstanceParameters{
			Region:                     testRegion,
			Engine:                     v1alpha1.EnginePostgres,
			EngineVersion:              ptr.To("15.7"),
			DBInstanceClass:            "db.t4g.micro",
			AllocatedStorage:           20,
			StorageType:                ptr.To("gp3"),
			StorageEncrypted:           true,
			MultiAZ:                    ptr.To(false),
			DBName:                     ptr.To("orders"),
			MasterUsername:             "app",
			MasterPasswordSecretRef:    v1alpha1.LocalSecretKeySelector{Name: testSecret, Key: testKey},
			BackupRetentionPeriod:      ptr.To[int32](7),
			PreferredBackupWindow:      ptr.To("03:00-04:00"),
			PreferredMaintenanceWindow: ptr.To("sun:05:00-sun:06:00"),
			AutoMinorVersionUpgrade:    ptr.To(true),
			DeletionProtection:         ptr.To(false),
			ApplyImmediately:           true,
			DBSubnetGroupName:          ptr.To("private"),
			VPCSecurityGroupIDs:        []string{"sg-1", "sg-2"},
			DBParameterGroupName:       ptr.To("default.postgres15"),
			Port:                       ptr.To[int32](5432),
			Tags:                       map[string]string{"team": "orders"},
		}},
	}
	cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	meta.SetExternalName(cr, testName)
	// Made by this resource, as most resources under test were: an
	// untagged external resource is then its own (see unmade).
	meta.SetExternalCreateSucceeded(cr, testCreated)
	for _, o := range opts {
		o(cr)
	}
	return cr
}

func withExternalName(n string) instanceOption {
	return func(cr *v1alpha1.DBInstance) { meta.SetExternalName(cr, n) }
}

func withParams(m func(*v1alpha1.DBInstanceParameters)) instanceOption {
	return func(cr *v1alpha1.DBInstance) { m(&cr.Spec.ForProvider) }
}

func withAtProvider(o v1alpha1.DBInstanceObservation) instanceOption {
	return func(cr *v1alpha1.DBInstance) { cr.Status.AtProvider = o }
}

func withSecretVersion(v string) instanceOption {
	return func(cr *v1alpha1.DBInstance) { cr.Status.AtProvider.PasswordSecretVersion = v }
}

func withResetting(v string) instanceOption {
	return func(cr *v1alpha1.DBInstance) { cr.Status.AtProvider.PasswordResetting = v }
}

// generatedVersion stands, in a wanted resource, for the version of the
// password Create generated, which the test learns from the Secret.
const generatedVersion = "<the generated password's version>"

// createdWith is what Create records of the password it created the
// instance with: the status, and an annotation the runtime saves.
func createdWith(v string) instanceOption {
	return func(cr *v1alpha1.DBInstance) {
		cr.Status.AtProvider.PasswordSecretVersion = v
		meta.AddAnnotations(cr, map[string]string{annotationPasswordVersion: v})
	}
}

func withConditions(c ...xpv2.Condition) instanceOption {
	return func(cr *v1alpha1.DBInstance) { cr.SetConditions(c...) }
}

func withPolicies(p ...xpv2.ManagementAction) instanceOption {
	return func(cr *v1alpha1.DBInstance) { cr.Spec.ManagementPolicies = p }
}

func deleting() instanceOption {
	return func(cr *v1alpha1.DBInstance) {
		cr.SetDeletionTimestamp(&metav1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	}
}

// providerTags are the tags the provider adds to instance().
func providerTags() map[string]string {
	return map[string]string{
		"crossplane-kind":                "dbinstance.rds.aws.appinfra.io",
		"crossplane-name":                testName,
		"crossplane-namespace":           testNamespace,
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "ClusterProviderConfig",
		"crossplane-uid":                 testUID,
	}
}

// allTags are the tags instance() wants on the instance.
func allTags() map[string]string {
	t := providerTags()
	t["team"] = "orders"
	return t
}

// managedBy are the tags the DBInstance team-b/data writes.
func managedBy(uid string) map[string]string {
	return map[string]string{
		"crossplane-kind":                "dbinstance.rds.aws.appinfra.io",
		"crossplane-name":                "data",
		"crossplane-namespace":           "team-b",
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "ClusterProviderConfig",
		"crossplane-uid":                 uid,
	}
}

// dbInstance is what RDS describes of an available instance matching
// instance(); mods change it.
func dbInstance(t testing.TB, mods ...func(*types.DBInstance)) types.DBInstance {
	t.Helper()
	db := types.DBInstance{
		DBInstanceIdentifier:       aws.String(testName),
		DBInstanceStatus:           aws.String("available"),
		DBInstanceArn:              aws.String(testARN),
		DbiResourceId:              aws.String(testResourceID),
		Engine:                     aws.String("postgres"),
		EngineVersion:              aws.String("15.7"),
		DBInstanceClass:            aws.String("db.t4g.micro"),
		AllocatedStorage:           aws.Int32(20),
		StorageType:                aws.String("gp3"),
		Iops:                       aws.Int32(3000),
		StorageEncrypted:           aws.Bool(true),
		KmsKeyId:                   aws.String("arn:aws:kms:eu-west-1:111122223333:key/abc"),
		MultiAZ:                    aws.Bool(false),
		PubliclyAccessible:         aws.Bool(false),
		DBName:                     aws.String("orders"),
		MasterUsername:             aws.String("app"),
		BackupRetentionPeriod:      aws.Int32(7),
		PreferredBackupWindow:      aws.String("03:00-04:00"),
		PreferredMaintenanceWindow: aws.String("sun:05:00-sun:06:00"),
		AutoMinorVersionUpgrade:    aws.Bool(true),
		DeletionProtection:         aws.Bool(false),
		VpcSecurityGroups: []types.VpcSecurityGroupMembership{
			{VpcSecurityGroupId: aws.String("sg-2"), Status: aws.String("active")},
			{VpcSecurityGroupId: aws.String("sg-1"), Status: aws.String("active")},
		},
		DBParameterGroups: []types.DBParameterGroupStatus{{DBParameterGroupName: aws.String("default.postgres15"), ParameterApplyStatus: aws.String("in-sync")}},
		Endpoint:          &types.Endpoint{Address: aws.String(testAddress), Port: aws.Int32(5432)},
		TagList:           tagListOf(allTags()),
	}
	for _, m := range mods {
		m(&db)
	}
	return db
}

func withStatus(s string) func(*types.DBInstance) {
	return func(db *types.DBInstance) { db.DBInstanceStatus = aws.String(s) }
}

func withTags(tags map[string]string) func(*types.DBInstance) {
	return func(db *types.DBInstance) { db.TagList = tagListOf(tags) }
}

func tagListOf(tags map[string]string) []types.Tag {
	l := make([]types.Tag, 0, len(tags))
	for k, v := range tags {
		l = append(l, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return l
}

// observation is what status.atProvider says of dbInstance(), before the
// password Secret version is added.
func observation() v1alpha1.DBInstanceObservation {
	return v1alpha1.DBInstanceObservation{
		Status:        "available",
		Address:       testAddress,
		Port:          5432,
		ARN:           testARN,
		ResourceID:    testResourceID,
		EngineVersion: "15.7",
	}
}

// connection is what the connection Secret of instance() holds with
// testPassword.
// pending is connection() while the password Secret holds a password RDS
// has not been told, or none: no password and no url, so that the
// connection Secret keeps the ones clients use.
func pending() managed.ConnectionDetails {
	c := connection()
	delete(c, "password")
	delete(c, "url")
	return c
}

func connection() managed.ConnectionDetails {
	return managed.ConnectionDetails{
		"username": []byte("app"),
		"password": []byte(testPassword),
		"host":     []byte(testAddress),
		"port":     []byte("5432"),
		"endpoint": []byte(testAddress),
		"database": []byte("orders"),
		"engine":   []byte("postgres"),
		"url":      []byte("postgres://app:Pa55%3Aw%2Frd%40x%3Fy%23z%25@" + testAddress + ":5432/orders?sslmode=prefer"),
	}
}

// Answers of the calls.

func describes(dbs ...types.DBInstance) func(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	return func(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
		if got := aws.ToString(in.DBInstanceIdentifier); got != testName {
			return nil, errors.Errorf("DescribeDBInstances of %q, want %q", got, testName)
		}
		return &rds.DescribeDBInstancesOutput{DBInstances: dbs}, nil
	}
}

func describeFails(err error) func(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	return func(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
		return nil, err
	}
}

func modifies(err error) func(context.Context, *rds.ModifyDBInstanceInput, ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error) {
	return func(context.Context, *rds.ModifyDBInstanceInput, ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error) {
		if err != nil {
			return nil, err
		}
		return &rds.ModifyDBInstanceOutput{}, nil
	}
}

func deletes(err error) func(context.Context, *rds.DeleteDBInstanceInput, ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
	return func(context.Context, *rds.DeleteDBInstanceInput, ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
		if err != nil {
			return nil, err
		}
		return &rds.DeleteDBInstanceOutput{}, nil
	}
}

func addsTags(err error) func(context.Context, *rds.AddTagsToResourceInput, ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error) {
	return func(context.Context, *rds.AddTagsToResourceInput, ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error) {
		if err != nil {
			return nil, err
		}
		return &rds.AddTagsToResourceOutput{}, nil
	}
}

func removesTags(err error) func(context.Context, *rds.RemoveTagsFromResourceInput, ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error) {
	return func(context.Context, *rds.RemoveTagsFromResourceInput, ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error) {
		if err != nil {
			return nil, err
		}
		return &rds.RemoveTagsFromResourceOutput{}, nil
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

// passwordSecret is the password Secret of instance() at resourceVersion
// version, holding value under testKey.
func passwordSecret(value, version string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: testSecret, ResourceVersion: version},
		Data:       map[string][]byte{testKey: []byte(value)},
	}
}

// cluster holds this test's DBInstance, the DBInstance team-b/data and
// objs. fns, when given, intercept its calls.
func cluster(t *testing.T, fns *interceptor.Funcs, objs ...client.Object) client.Client {
	t.Helper()
	objs = append([]client.Object{
		instance(),
		&v1alpha1.DBInstance{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "data", UID: otherUID}},
	}, objs...)
	b := fake.NewClientBuilder().WithScheme(scheme(t)).WithObjects(objs...)
	if fns != nil {
		b = b.WithInterceptorFuncs(*fns)
	}
	return b.Build()
}

// withSecret is the usual cluster: the password Secret holds testPassword
// at testSecretVersion.
func withSecret(t *testing.T) client.Client {
	t.Helper()
	return cluster(t, nil, passwordSecret(testPassword, testSecretVersion))
}

// secretGetFails is a cluster whose Secrets cannot be read.
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
		rds:    a,
		record: r,
		owners: ownership.Checker{
			Kube:     kube,
			Kind:     v1alpha1.DBInstanceGroupVersionKind.GroupKind(),
			NewList:  func() client.ObjectList { return &v1alpha1.DBInstanceList{} },
			Encoding: ownership.Exact,
		},
		passwords: secretkey.Store{Kube: kube},
	}
}

// storedPassword is the password the Secret of instance() holds in kube,
// and its resourceVersion; "" when there is none.
func storedPassword(t *testing.T, kube client.Client) (value, version string) {
	t.Helper()
	s := &corev1.Secret{}
	if err := kube.Get(context.Background(), client.ObjectKey{Namespace: testNamespace, Name: testSecret}, s); err != nil {
		return "", ""
	}
	return string(s.Data[testKey]), s.ResourceVersion
}

// leaked returns the first secret s contains, or "". secrets are the
// generated passwords of the test, besides testPassword.
func leaked(s string, secrets ...string) string {
	for _, secret := range append([]string{testPassword}, secrets...) {
		if secret != "" && strings.Contains(s, secret) {
			return secret
		}
	}
	return ""
}

// noLeaks fails the test when err, any event message or diff holds a
// secret.
func noLeaks(t *testing.T, reason string, err error, events []event.Event, diff string, secrets ...string) {
	t.Helper()
	if err != nil {
		if s := leaked(err.Error(), secrets...); s != "" {
			t.Errorf("\n%s\nerror %q contains the password %q", reason, err, s)
		}
	}
	for _, e := range events {
		if s := leaked(e.Message, secrets...); s != "" {
			t.Errorf("\n%s\nevent %q contains the password %q", reason, e.Message, s)
		}
	}
	if s := leaked(diff, secrets...); s != "" {
		t.Errorf("\n%s\ndiff %q contains the password %q", reason, diff, s)
	}
}

func TestObserve(t *testing.T) {
	inSync := func(opts ...instanceOption) *v1alpha1.DBInstance {
		return instance(append([]instanceOption{withAtProvider(observation()), withSecretVersion(testVersion), withConditions(xpv2.Available())}, opts...)...)
	}
	refusal := "the external resource is managed by a resource in another namespace"

	type want struct {
		o     managed.ExternalObservation
		diff  []string // what o.Diff must contain; nil for an empty Diff
		err   error
		msg   []string
		cr    *v1alpha1.DBInstance
		calls []string
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		kube   client.Client // withSecret when nil
		cr     *v1alpha1.DBInstance
		want   want
	}{
		"InvalidExternalName": {
			reason: "An identifier RDS would refuse should be an error, before any call.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			cr:     instance(withExternalName("orders--db")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`external name "orders--db" is not a valid DB instance identifier`},
				cr:  instance(withExternalName("orders--db")),
			},
		},
		"NotFound": {
			reason: "DBInstanceNotFound means the instance does not exist.",
			api:    &mockAPI{MockDescribeDBInstances: describeFails(errors.Wrap(apiError("DBInstanceNotFound"), "operation error RDS"))},
			cr:     instance(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    instance(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"NoneDescribed": {
			reason: "An empty answer means the instance does not exist.",
			api:    &mockAPI{MockDescribeDBInstances: describes()},
			cr:     instance(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    instance(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"DescribeFailed": {
			reason: "Any other Describe error should be returned wrapped.",
			api:    &mockAPI{MockDescribeDBInstances: describeFails(errBoom)},
			cr:     instance(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot describe DB instance: boom"},
				cr:    instance(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"UpToDate": {
			reason: "An available instance matching the spec should take one Describe and no other call, be up to date and Available, and publish its connection details. The status is replaced but keeps the password Secret version.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			cr: instance(
				withAtProvider(v1alpha1.DBInstanceObservation{Status: "creating", EngineVersion: "15.6"}),
				withSecretVersion(testVersion),
			),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"Creating": {
			reason: "An instance RDS is still creating is up to date, whatever differs: Update could not change it. It is Unavailable, naming the state.",
			api: &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, withStatus("creating"), func(db *types.DBInstance) {
				db.DBInstanceClass = aws.String("db.t4g.large")
				db.Endpoint = nil
			}))},
			cr: instance(),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true},
				cr: instance(
					withAtProvider(v1alpha1.DBInstanceObservation{Status: "creating", ARN: testARN, ResourceID: testResourceID, EngineVersion: "15.7"}),
					withConditions(xpv2.Unavailable().WithMessage("RDS reports the instance creating")),
				),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"StorageFullTakesMoreStorage": {
			reason: "A full instance says how to fix it, and a spec with more storage is drift to send: RDS's remedy is a modify that adds storage.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, withStatus("storage-full")))},
			cr:     instance(withSecretVersion(testVersion), withParams(func(p *v1alpha1.DBInstanceParameters) { p.AllocatedStorage = 40 })),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				cr: instance(
					withParams(func(p *v1alpha1.DBInstanceParameters) { p.AllocatedStorage = 40 }),
					withAtProvider(func() v1alpha1.DBInstanceObservation { o := observation(); o.Status = "storage-full"; return o }()),
					withSecretVersion(testVersion),
					withConditions(xpv2.Unavailable().WithMessage("RDS reports the instance storage-full: raise allocatedStorage (or set maxAllocatedStorage for autoscaling) and the provider adds the storage")),
				),
				diff:  []string{"fields differ: allocatedStorage"},
				calls: []string{"DescribeDBInstances"},
			},
		},
		"Failed": {
			reason: "An instance in a state RDS does not leave by itself should be Unavailable, saying it needs attention.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, withStatus("incompatible-parameters")))},
			cr:     instance(withSecretVersion(testVersion)),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: instance(
					withAtProvider(func() v1alpha1.DBInstanceObservation {
						o := observation()
						o.Status = "incompatible-parameters"
						return o
					}()),
					withSecretVersion(testVersion),
					withConditions(xpv2.Unavailable().WithMessage("RDS reports the instance incompatible-parameters; it needs attention (see the RDS events of the instance)")),
				),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"Drifted": {
			reason: "An available instance that differs should not be up to date, with a Diff naming the fields only.",
			api: &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, withTags(providerTags()), func(db *types.DBInstance) {
				db.DBInstanceClass = aws.String("db.t4g.large")
			}))},
			cr: instance(withSecretVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				diff:  []string{"dbInstanceClass", "tags"},
				cr:    inSync(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"PendingIsNotDrift": {
			reason: "A change RDS holds as pending is not drift; the status says it is pending, and a pending password only as a flag.",
			api: &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, func(db *types.DBInstance) {
				db.DBInstanceClass = aws.String("db.t4g.small")
				db.PendingModifiedValues = &types.PendingModifiedValues{DBInstanceClass: aws.String("db.t4g.micro"), MasterUserPassword: aws.String(testPassword)}
			}))},
			cr: instance(withSecretVersion(testVersion)),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(withAtProvider(func() v1alpha1.DBInstanceObservation {
					o := observation()
					o.PasswordSecretVersion = testVersion
					o.PendingModifiedValues = &v1alpha1.PendingModifiedValues{DBInstanceClass: "db.t4g.micro", MasterUserPassword: true}
					return o
				}())),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"ResetInProgress": {
			reason: "While RDS resets the password (the state says so, a password is pending), the new one is not published and not sent again; the instance serves with the old one.",
			api: &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, withStatus("resetting-master-credentials"), func(db *types.DBInstance) {
				db.PendingModifiedValues = &types.PendingModifiedValues{MasterUserPassword: aws.String("****")}
			}))},
			cr: instance(withSecretVersion(versionOf("the-old-password")), withResetting(testVersion)),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: pending()},
				cr: instance(withSecretVersion(versionOf("the-old-password")), withResetting(testVersion), withAtProvider(func() v1alpha1.DBInstanceObservation {
					o := observation()
					o.Status = "resetting-master-credentials"
					o.PendingModifiedValues = &v1alpha1.PendingModifiedValues{MasterUserPassword: true}
					o.PasswordSecretVersion, o.PasswordResetting = versionOf("the-old-password"), testVersion
					return o
				}()), withConditions(xpv2.Available().WithMessage("RDS reports the instance resetting-master-credentials; it serves connections meanwhile"))),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"ResetCompleted": {
			reason: "Once RDS has reset the password, it works: it is the applied one, and published.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			cr:     instance(withSecretVersion(versionOf("the-old-password")), withResetting(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"UnrelatedWriteIsNotRotation": {
			reason: "Another write to the password Secret (a label, another key) that leaves the password as it was is no rotation: nothing is sent, and the connection Secret keeps the password.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			kube:   cluster(t, nil, passwordSecret(testPassword, "43")),
			cr:     instance(withSecretVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"ResourceVersionRecordedBefore": {
			reason: "A resource that recorded the password Secret's resourceVersion, as versions were before they were hashes, is not rotated for the change: the version is recorded as a hash from now on.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			cr:     instance(withSecretVersion(testSecretVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"PasswordRotated": {
			reason: "A new password in the Secret is drift in masterPassword; the status keeps the applied version, and the new password is not published before RDS is told.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			kube:   cluster(t, nil, passwordSecret("N3w-Pa55word", "43")),
			cr:     instance(withSecretVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: pending()},
				diff:  []string{"fields differ: masterPassword"},
				cr:    inSync(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"PasswordNeverApplied": {
			reason: "An adopted instance has no applied password version yet: its password is drift, and not published before RDS is told.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			cr:     instance(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: pending()},
				diff:  []string{"masterPassword"},
				cr:    inSync(withSecretVersion("")),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"NoPasswordSecret": {
			reason: "Without a password Secret (adopted after a restore, or the Secret deleted) the password is unknown: drift in masterPassword, which Update fixes by generating one; no empty password is published.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			kube:   cluster(t, nil),
			cr:     instance(withSecretVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: pending()},
				diff:  []string{"fields differ: masterPassword"},
				cr:    inSync(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"SecretGetFailed": {
			reason: "A password Secret that cannot be read should be an error naming the Secret.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			kube:   secretGetFails(t),
			cr:     instance(withSecretVersion(testVersion)),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get master password Secret " + testSecret},
				cr:    inSync(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"SecretGetFailedWhileDeleting": {
			reason: "A resource being deleted should not be held up by its password Secret.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			kube:   secretGetFails(t),
			cr:     instance(deleting(), withSecretVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: pending()},
				cr:    inSync(deleting()),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"ManagedByAnother": {
			reason: "An instance whose tags carry the UID of another live DBInstance should be refused, naming it, without touching the status.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, withTags(managedBy(otherUID))))},
			cr:     instance(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{refusal},
				cr:    instance(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"ManagedByAnotherWhileDeleting": {
			reason: "A resource being deleted whose instance another DBInstance manages should let go of it: it does not exist for this resource.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, withTags(managedBy(otherUID))))},
			cr:     instance(deleting()),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    instance(deleting()),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"ObserveOnly": {
			reason: "A resource that only observes may read an instance another DBInstance manages; it does not late-initialise.",
			api: &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, withTags(managedBy(otherUID)), func(db *types.DBInstance) {
				db.EngineVersion = aws.String("16.3")
			}))},
			cr: instance(withPolicies(xpv2.ManagementActionObserve), withSecretVersion(testVersion), withParams(func(p *v1alpha1.DBInstanceParameters) {
				p.EngineVersion = nil
			})),
			want: want{
				o:    managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				diff: []string{"tags"},
				cr: inSync(withPolicies(xpv2.ManagementActionObserve), withParams(func(p *v1alpha1.DBInstanceParameters) {
					p.EngineVersion = nil
				}), withAtProvider(func() v1alpha1.DBInstanceObservation {
					o := observation()
					o.EngineVersion = "16.3"
					o.PasswordSecretVersion = testVersion
					return o
				}())),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"Orphaned": {
			reason: "An instance whose tags name a DBInstance that no longer exists may be adopted.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t, withTags(managedBy("0a2b4c6d-gone-uid"))))},
			cr:     instance(withSecretVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				diff:  []string{"tags"},
				cr:    inSync(),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"LateInitialized": {
			reason: "Unset spec fields should be filled from RDS and reported, but not the engine version, which RDS moves by itself; with them filled the instance is up to date.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			cr: instance(withSecretVersion(testVersion), withParams(func(p *v1alpha1.DBInstanceParameters) {
				p.EngineVersion, p.Port, p.VPCSecurityGroupIDs = nil, nil, nil
			})),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ResourceLateInitialized: true, ConnectionDetails: connection()},
				cr: inSync(withParams(func(p *v1alpha1.DBInstanceParameters) {
					p.VPCSecurityGroupIDs = []string{"sg-2", "sg-1"}
					p.EngineVersion = nil
				})),
				calls: []string{"DescribeDBInstances"},
			},
		},
		"LateInitForbidden": {
			reason: "Policies without LateInitialize should leave the spec alone.",
			api:    &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))},
			cr: instance(withSecretVersion(testVersion), withPolicies(xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete), withParams(func(p *v1alpha1.DBInstanceParameters) {
				p.Port = nil
			})),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(withPolicies(xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete), withParams(func(p *v1alpha1.DBInstanceParameters) {
					p.Port = nil
				})),
				calls: []string{"DescribeDBInstances"},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kube := tc.kube
			if kube == nil {
				kube = withSecret(t)
			}
			r := &reconcilertest.Recorder{}
			e := newExternal(tc.api, kube, r)
			got, err := e.Observe(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nObserve(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.o, got, cmpopts.IgnoreFields(managed.ExternalObservation{}, "Diff")); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want, +got:\n%s", tc.reason, diff)
			}
			if tc.want.diff == nil && got.Diff != "" {
				t.Errorf("\n%s\nObserve(...): Diff is %q, want empty", tc.reason, got.Diff)
			}
			for _, f := range tc.want.diff {
				if !strings.Contains(got.Diff, f) {
					t.Errorf("\n%s\nObserve(...): Diff %q should name %q", tc.reason, got.Diff, f)
				}
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr, cmpopts.EquateApproxTime(time.Second)); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls); diff != "" {
				t.Errorf("\n%s\nObserve(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			if len(r.Events) != 0 {
				t.Errorf("\n%s\nObserve(...): recorded events %v; Observe should record none", tc.reason, r.Events)
			}
			noLeaks(t, tc.reason, err, r.Events, got.Diff)
		})
	}
}

// TestObserveKeepsSecretVersion observes twice, as two polls would: the
// applied password Secret version must survive both.
func TestObserveKeepsSecretVersion(t *testing.T) {
	kube := withSecret(t)
	cr := instance(withSecretVersion(testVersion))
	for i := range 2 {
		a := &mockAPI{MockDescribeDBInstances: describes(dbInstance(t))}
		got, err := newExternal(a, kube, &reconcilertest.Recorder{}).Observe(context.Background(), cr)
		if err != nil {
			t.Fatalf("Observe #%d: %v", i+1, err)
		}
		if !got.ResourceUpToDate {
			t.Errorf("Observe #%d: not up to date (Diff %q); the applied password is the Secret's", i+1, got.Diff)
		}
		if v := cr.Status.AtProvider.PasswordSecretVersion; v != testVersion {
			t.Errorf("Observe #%d: status.atProvider.passwordSecretVersion is %q, want %q", i+1, v, testVersion)
		}
	}
}

// createChecksSecret is a CreateDBInstance that fails unless the password
// it is sent is already in the password Secret in kube: a crash between
// the two must not lose it.
func createChecksSecret(t *testing.T, kube client.Client) func(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
	t.Helper()
	return func(_ context.Context, in *rds.CreateDBInstanceInput, _ ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
		stored, _ := storedPassword(t, kube)
		if stored == "" {
			return nil, errors.New("CreateDBInstance called before the password was stored in its Secret")
		}
		if stored != aws.ToString(in.MasterUserPassword) {
			return nil, errors.New("CreateDBInstance sent another password than the Secret holds")
		}
		return &rds.CreateDBInstanceOutput{}, nil
	}
}

// wantCreateInput is what CreateDBInstance is sent for instance(), but
// for the password, which is compared apart.
func wantCreateInput() *rds.CreateDBInstanceInput {
	return &rds.CreateDBInstanceInput{
		DBInstanceIdentifier:       aws.String(testName),
		Engine:                     aws.String("postgres"),
		EngineVersion:              aws.String("15.7"),
		DBInstanceClass:            aws.String("db.t4g.micro"),
		AllocatedStorage:           aws.Int32(20),
		StorageType:                aws.String("gp3"),
		StorageEncrypted:           aws.Bool(true),
		MultiAZ:                    aws.Bool(false),
		PubliclyAccessible:         aws.Bool(false),
		DBName:                     aws.String("orders"),
		MasterUsername:             aws.String("app"),
		BackupRetentionPeriod:      aws.Int32(7),
		PreferredBackupWindow:      aws.String("03:00-04:00"),
		PreferredMaintenanceWindow: aws.String("sun:05:00-sun:06:00"),
		AutoMinorVersionUpgrade:    aws.Bool(true),
		DeletionProtection:         aws.Bool(false),
		DBSubnetGroupName:          aws.String("private"),
		VpcSecurityGroupIds:        []string{"sg-1", "sg-2"},
		DBParameterGroupName:       aws.String("default.postgres15"),
		Port:                       aws.Int32(5432),
		Tags: []types.Tag{
			{Key: aws.String("crossplane-kind"), Value: aws.String("dbinstance.rds.aws.appinfra.io")},
			{Key: aws.String("crossplane-name"), Value: aws.String(testName)},
			{Key: aws.String("crossplane-namespace"), Value: aws.String(testNamespace)},
			{Key: aws.String("crossplane-providerconfig"), Value: aws.String("default")},
			{Key: aws.String("crossplane-providerconfig-kind"), Value: aws.String("ClusterProviderConfig")},
			{Key: aws.String("crossplane-uid"), Value: aws.String(testUID)},
			{Key: aws.String("team"), Value: aws.String("orders")},
		},
	}
}

func TestCreate(t *testing.T) {
	type want struct {
		err      error
		msg      []string
		cr       *v1alpha1.DBInstance
		calls    []string
		password string // the password sent and stored; "generated" for a new one
		version  string // the resourceVersion of the password Secret afterwards
		other    string // another key of the Secret that must survive; "" for none
	}
	cases := map[string]struct {
		reason string
		// untagged: the config allows adopting untagged resources.
		untagged bool
		api      func(t *testing.T, kube client.Client) *mockAPI
		kube     func(t *testing.T) client.Client
		cr       *v1alpha1.DBInstance
		want     want
	}{
		"GeneratesPassword": {
			reason: "Without a password Secret, a 32-character password should be generated into a new Secret before CreateDBInstance is sent it; the status records the Secret's version.",
			api: func(t *testing.T, kube client.Client) *mockAPI {
				return &mockAPI{MockCreateDBInstance: createChecksSecret(t, kube)}
			},
			kube: func(t *testing.T) client.Client { return cluster(t, nil) },
			cr:   instance(),
			want: want{
				cr:       instance(withConditions(xpv2.Creating()), createdWith(generatedVersion)),
				calls:    []string{"CreateDBInstance"},
				password: "generated",
				version:  "1",
			},
		},
		"GeneratesPasswordIntoExistingSecret": {
			reason: "A password Secret without the key should get a generated password under it, keeping its other keys, before CreateDBInstance.",
			api: func(t *testing.T, kube client.Client) *mockAPI {
				return &mockAPI{MockCreateDBInstance: createChecksSecret(t, kube)}
			},
			kube: func(t *testing.T) client.Client {
				return cluster(t, nil, &corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: testSecret, ResourceVersion: "7"},
					Data:       map[string][]byte{"other": []byte("kept")},
				})
			},
			cr: instance(),
			want: want{
				cr:       instance(withConditions(xpv2.Creating()), createdWith(generatedVersion)),
				calls:    []string{"CreateDBInstance"},
				password: "generated",
				version:  "8",
				other:    "kept",
			},
		},
		"ExistingPassword": {
			reason: "A password in the Secret should be sent as it is, leaving the Secret alone.",
			api: func(t *testing.T, kube client.Client) *mockAPI {
				return &mockAPI{MockCreateDBInstance: createChecksSecret(t, kube)}
			},
			kube: withSecret,
			cr:   instance(),
			want: want{
				cr:       instance(withConditions(xpv2.Creating()), createdWith(testVersion)),
				calls:    []string{"CreateDBInstance"},
				password: testPassword,
				version:  testSecretVersion,
			},
		},
		"InvalidExternalName": {
			reason: "An identifier RDS would refuse should be an error, before any call or Secret.",
			api:    func(*testing.T, client.Client) *mockAPI { return &mockAPI{} },
			kube:   func(t *testing.T) client.Client { return cluster(t, nil) },
			cr:     instance(withExternalName("orders-db-")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`external name "orders-db-" is not a valid DB instance identifier`},
				cr:  instance(withExternalName("orders-db-")),
			},
		},
		"SecretGetFailed": {
			reason: "A password Secret that cannot be read should be an error, and no instance created.",
			api:    func(*testing.T, client.Client) *mockAPI { return &mockAPI{} },
			kube:   secretGetFails,
			cr:     instance(),
			want: want{
				err: errBoom,
				msg: []string{"cannot get master password Secret " + testSecret},
				cr:  instance(withConditions(xpv2.Creating())),
			},
		},
		"SecretCreateFailed": {
			reason: "A generated password that cannot be stored must not be sent to RDS: it would be lost.",
			api:    func(*testing.T, client.Client) *mockAPI { return &mockAPI{} },
			kube: func(t *testing.T) client.Client {
				return cluster(t, &interceptor.Funcs{Create: func(context.Context, client.WithWatch, client.Object, ...client.CreateOption) error {
					return errBoom
				}})
			},
			cr: instance(),
			want: want{
				err: errBoom,
				msg: []string{"cannot store the generated master password in Secret " + testSecret},
				cr:  instance(withConditions(xpv2.Creating())),
			},
		},
		"CreateFailed": {
			reason: "A failed create should be returned wrapped and record no applied version; the generated password stays in its Secret.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{MockCreateDBInstance: func(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
					return nil, errBoom
				}}
			},
			kube: func(t *testing.T) client.Client { return cluster(t, nil) },
			cr:   instance(),
			want: want{
				err:      errBoom,
				msg:      []string{"cannot create DB instance: boom"},
				cr:       instance(withConditions(xpv2.Creating())),
				calls:    []string{"CreateDBInstance"},
				password: "generated",
				version:  "1",
			},
		},
		"AlreadyExistsOurs": {
			reason: "An instance that already exists carrying this resource's tags should be adopted; its password is applied at the next update, so no version is recorded.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{
					MockCreateDBInstance: func(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
						return nil, apiError("DBInstanceAlreadyExists")
					},
					MockDescribeDBInstances: describes(dbInstance(t)),
				}
			},
			kube: withSecret,
			cr:   instance(),
			want: want{
				cr:       instance(withConditions(xpv2.Creating())),
				calls:    []string{"CreateDBInstance", "DescribeDBInstances"},
				password: testPassword,
				version:  testSecretVersion,
			},
		},
		"AlreadyExistsUntaggedRefused": {
			reason: "One that exists without provider tags (made outside Crossplane) is not taken over by default: naming it must not be enough to reset and delete it; the refusal says how to import.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{
					MockCreateDBInstance: func(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
						return nil, apiError("DBInstanceAlreadyExists")
					},
					MockDescribeDBInstances: describes(dbInstance(t, withTags(nil))),
				}
			},
			kube: withSecret,
			cr:   instance(unmade()),
			want: want{
				err:      cmpopts.AnyError,
				msg:      []string{"carries none of the provider's crossplane- tags", "AllowUntagged"},
				cr:       instance(unmade(), withConditions(xpv2.Creating())),
				calls:    []string{"CreateDBInstance", "DescribeDBInstances"},
				password: testPassword,
				version:  testSecretVersion,
			},
		},
		"AlreadyExistsUntaggedAllowed": {
			reason: "A config whose adoption is AllowUntagged takes over one that exists without provider tags.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{
					MockCreateDBInstance: func(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
						return nil, apiError("DBInstanceAlreadyExists")
					},
					MockDescribeDBInstances: describes(dbInstance(t, withTags(nil))),
				}
			},
			kube:     withSecret,
			cr:       instance(unmade()),
			untagged: true,
			want: want{
				cr:       instance(unmade(), withConditions(xpv2.Creating())),
				calls:    []string{"CreateDBInstance", "DescribeDBInstances"},
				password: testPassword,
				version:  testSecretVersion,
			},
		},
		"AlreadyExistsManagedByAnother": {
			reason: "An instance that already exists carrying the UID of another live DBInstance must not be adopted; the error names it.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{
					MockCreateDBInstance: func(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
						return nil, apiError("DBInstanceAlreadyExists")
					},
					MockDescribeDBInstances: describes(dbInstance(t, withTags(managedBy(otherUID)))),
				}
			},
			kube: withSecret,
			cr:   instance(),
			want: want{
				err:      cmpopts.AnyError,
				msg:      []string{`cannot adopt DB instance "orders-db"`, "managed by a resource in another namespace"},
				cr:       instance(withConditions(xpv2.Creating())),
				calls:    []string{"CreateDBInstance", "DescribeDBInstances"},
				password: testPassword,
				version:  testSecretVersion,
			},
		},
		"AlreadyExistsDescribeFailed": {
			reason: "An instance that already exists but cannot be described should be an error.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{
					MockCreateDBInstance: func(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
						return nil, apiError("DBInstanceAlreadyExists")
					},
					MockDescribeDBInstances: describeFails(errBoom),
				}
			},
			kube: withSecret,
			cr:   instance(),
			want: want{
				err:      errBoom,
				msg:      []string{"DB instance already exists and cannot be described"},
				cr:       instance(withConditions(xpv2.Creating())),
				calls:    []string{"CreateDBInstance", "DescribeDBInstances"},
				password: testPassword,
				version:  testSecretVersion,
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kube := tc.kube(t)
			a := tc.api(t, kube)
			r := &reconcilertest.Recorder{}
			e := newExternal(a, kube, r)
			if tc.untagged {
				e.owners = e.owners.ForAdoption(common.AdoptionAllowUntagged)
			}
			got, err := e.Create(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nCreate(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(managed.ExternalCreation{}, got); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want, +got:\n%s", tc.reason, diff)
			}
			stored, version := storedPassword(t, kube)
			if tc.want.cr.Status.AtProvider.PasswordSecretVersion == generatedVersion {
				createdWith(versionOf(stored))(tc.want.cr)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr, cmpopts.EquateApproxTime(time.Second)); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, a.calls); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}

			switch tc.want.password {
			case "":
				if stored != "" {
					t.Errorf("\n%s\nCreate(...): stored a password; want none", tc.reason)
				}
			case "generated":
				if len(stored) != 32 {
					t.Errorf("\n%s\nCreate(...): generated a password of %d characters, want 32", tc.reason, len(stored))
				}
			default:
				if stored != tc.want.password {
					t.Errorf("\n%s\nCreate(...): the Secret's password changed", tc.reason)
				}
			}
			if diff := cmp.Diff(tc.want.version, version); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want Secret resourceVersion, +got:\n%s", tc.reason, diff)
			}
			if tc.want.other != "" {
				s := &corev1.Secret{}
				_ = kube.Get(context.Background(), client.ObjectKey{Namespace: testNamespace, Name: testSecret}, s)
				if got := string(s.Data["other"]); got != tc.want.other {
					t.Errorf("\n%s\nCreate(...): the Secret's other key is %q, want %q", tc.reason, got, tc.want.other)
				}
			}
			if len(a.calls) > 0 && a.calls[0] == "CreateDBInstance" {
				in, _ := a.inputs[0].(*rds.CreateDBInstanceInput)
				if aws.ToString(in.MasterUserPassword) != stored {
					t.Errorf("\n%s\nCreate(...): CreateDBInstance was sent another password than the Secret holds", tc.reason)
				}
				if diff := cmp.Diff(wantCreateInput(), in, cmpopts.IgnoreUnexported(rds.CreateDBInstanceInput{}, types.Tag{}), cmpopts.IgnoreFields(rds.CreateDBInstanceInput{}, "MasterUserPassword")); diff != "" {
					t.Errorf("\n%s\nCreate(...): -want CreateDBInstance input, +got:\n%s", tc.reason, diff)
				}
			}
			noLeaks(t, tc.reason, err, r.Events, "", stored)
		})
	}
}

func TestGeneratedPasswordsDiffer(t *testing.T) {
	passwords := map[string]bool{}
	for i := range 2 {
		kube := cluster(t, nil)
		a := &mockAPI{MockCreateDBInstance: createChecksSecret(t, kube)}
		if _, err := newExternal(a, kube, &reconcilertest.Recorder{}).Create(context.Background(), instance()); err != nil {
			t.Fatalf("Create #%d: %v", i+1, err)
		}
		pw, _ := storedPassword(t, kube)
		if len(pw) != 32 {
			t.Fatalf("Create #%d: generated a password of %d characters, want 32", i+1, len(pw))
		}
		passwords[pw] = true
	}
	if len(passwords) != 2 {
		t.Errorf("Two creates generated the same password")
	}
}

func TestUpdate(t *testing.T) {
	// seen is what Observe read of dbInstance() changed by mods.
	seen := func(mods ...func(*types.DBInstance)) *observed {
		o := observe(dbInstance(t, mods...))
		return &o
	}
	modifyIn := func(m func(*rds.ModifyDBInstanceInput)) *rds.ModifyDBInstanceInput {
		in := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(testName), ApplyImmediately: aws.Bool(true)}
		m(in)
		return in
	}
	allAPI := func() *mockAPI {
		return &mockAPI{MockModifyDBInstance: modifies(nil), MockAddTagsToResource: addsTags(nil), MockRemoveTagsFromResource: removesTags(nil)}
	}

	type want struct {
		u      managed.ExternalUpdate
		err    error
		msg    []string
		drift  string // the DriftDetected event's message; "" for no event
		cr     *v1alpha1.DBInstance
		calls  []string
		inputs []any
	}
	cases := map[string]struct {
		reason   string
		api      *mockAPI
		kube     client.Client // withSecret when nil
		observed *observed
		cr       *v1alpha1.DBInstance
		want     want
	}{
		"NotObserved": {
			reason: "Without an observation there is nothing to compare: no call.",
			api:    allAPI(),
			cr:     instance(withSecretVersion(testVersion)),
			want:   want{cr: instance(withSecretVersion(testVersion))},
		},
		"Busy": {
			reason: "While RDS is modifying, Update should send nothing at all, however much differs or the password changed: RDS would refuse it.",
			api:    allAPI(),
			kube:   cluster(t, nil, passwordSecret(testPassword, "43")),
			observed: seen(withStatus("modifying"), withTags(nil), func(db *types.DBInstance) {
				db.DBInstanceClass = aws.String("db.t4g.large")
			}),
			cr:   instance(withSecretVersion(testVersion)),
			want: want{cr: instance(withSecretVersion(testVersion))},
		},
		"InSync": {
			reason:   "An instance matching the spec should cause no call and no event.",
			api:      allAPI(),
			observed: seen(),
			cr:       instance(withSecretVersion(testVersion)),
			want:     want{cr: instance(withSecretVersion(testVersion))},
		},
		"Drifted": {
			reason: "Update should record one event naming the drifted fields, then send one Modify with only those fields and ApplyImmediately.",
			api:    allAPI(),
			observed: seen(func(db *types.DBInstance) {
				db.DBInstanceClass = aws.String("db.t4g.large")
				db.AllocatedStorage = aws.Int32(10)
				db.VpcSecurityGroups = []types.VpcSecurityGroupMembership{{VpcSecurityGroupId: aws.String("sg-1")}}
			}),
			cr: instance(withSecretVersion(testVersion)),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: connection()},
				drift: "External resource differs from the spec in dbInstanceClass, allocatedStorage, vpcSecurityGroupIDs; updating",
				cr:    instance(withSecretVersion(testVersion)),
				calls: []string{"ModifyDBInstance"},
				inputs: []any{modifyIn(func(in *rds.ModifyDBInstanceInput) {
					in.DBInstanceClass = aws.String("db.t4g.micro")
					in.AllocatedStorage, in.Iops = aws.Int32(20), aws.Int32(3000)
					in.VpcSecurityGroupIds = []string{"sg-1", "sg-2"}
				})},
			},
		},
		"DowngradeNotSent": {
			reason: "A version below the running one (a spec that names 15.7 while 16.1 runs) is not sent, as RDS cannot go down; the rest is, and the error says why the resource is not in sync.",
			api:    allAPI(),
			observed: seen(func(db *types.DBInstance) {
				db.EngineVersion = aws.String("16.1")
				db.DBInstanceClass = aws.String("db.t4g.large")
			}),
			cr: instance(withSecretVersion(testVersion)),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: connection()},
				err:   cmpopts.AnyError,
				msg:   []string{"engineVersion 15.7 is below the version the instance runs, 16.1: RDS cannot downgrade"},
				drift: "External resource differs from the spec in dbInstanceClass; updating",
				cr:    instance(withSecretVersion(testVersion)),
				calls: []string{"ModifyDBInstance"},
				inputs: []any{modifyIn(func(in *rds.ModifyDBInstanceInput) {
					in.DBInstanceClass = aws.String("db.t4g.micro")
				})},
			},
		},
		"StorageWaitsForOptimization": {
			reason: "In storage-optimization RDS refuses storage changes for hours but takes the others: the class goes, the storage waits.",
			api:    allAPI(),
			observed: seen(withStatus("storage-optimization"), func(db *types.DBInstance) {
				db.DBInstanceClass = aws.String("db.t4g.large")
				db.AllocatedStorage = aws.Int32(10)
			}),
			cr: instance(withSecretVersion(testVersion)),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: connection()},
				drift: "External resource differs from the spec in dbInstanceClass; updating",
				cr:    instance(withSecretVersion(testVersion)),
				calls: []string{"ModifyDBInstance"},
				inputs: []any{modifyIn(func(in *rds.ModifyDBInstanceInput) {
					in.DBInstanceClass = aws.String("db.t4g.micro")
				})},
			},
		},
		"EngineUpgrade": {
			reason:   "A minor upgrade should be sent without allowing a major one.",
			api:      allAPI(),
			observed: seen(func(db *types.DBInstance) { db.EngineVersion = aws.String("15.6") }),
			cr:       instance(withSecretVersion(testVersion)),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: connection()},
				drift: "External resource differs from the spec in engineVersion; updating",
				cr:    instance(withSecretVersion(testVersion)),
				calls: []string{"ModifyDBInstance"},
				inputs: []any{modifyIn(func(in *rds.ModifyDBInstanceInput) {
					in.EngineVersion = aws.String("15.7")
					in.AllowMajorVersionUpgrade = aws.Bool(false)
				})},
			},
		},
		"Rotation": {
			reason:   "A new password in the Secret should be sent alone and recorded as being reset to, not published: RDS takes minutes to reset it, and the old one works until then; the event names the field, never the value.",
			api:      allAPI(),
			kube:     cluster(t, nil, passwordSecret(testPassword, "43")),
			observed: seen(),
			cr:       instance(withSecretVersion(versionOf("the-old-password"))),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: pending()},
				drift: "External resource differs from the spec in masterPassword; updating",
				cr:    instance(withSecretVersion(versionOf("the-old-password")), withResetting(testVersion)),
				calls: []string{"ModifyDBInstance"},
				inputs: []any{modifyIn(func(in *rds.ModifyDBInstanceInput) {
					in.MasterUserPassword = aws.String(testPassword)
				})},
			},
		},
		"RotationFailed": {
			reason:   "A rotation RDS refused should be returned wrapped and keep the old version, so that it is retried.",
			api:      &mockAPI{MockModifyDBInstance: modifies(errBoom)},
			kube:     cluster(t, nil, passwordSecret(testPassword, "43")),
			observed: seen(),
			cr:       instance(withSecretVersion(versionOf("the-old-password"))),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot modify DB instance: boom"},
				drift: "External resource differs from the spec in masterPassword; updating",
				cr:    instance(withSecretVersion(versionOf("the-old-password"))),
				calls: []string{"ModifyDBInstance"},
				inputs: []any{modifyIn(func(in *rds.ModifyDBInstanceInput) {
					in.MasterUserPassword = aws.String(testPassword)
				})},
			},
		},
		"TagsOnly": {
			reason: "Drift in tags alone should add and remove tags by the ARN, and send no Modify.",
			api:    allAPI(),
			observed: seen(withTags(func() map[string]string {
				t := providerTags()
				t["owner"] = "someone"
				return t
			}())),
			cr: instance(withSecretVersion(testVersion)),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: connection()},
				drift: "External resource differs from the spec in tags; updating",
				cr:    instance(withSecretVersion(testVersion)),
				calls: []string{"AddTagsToResource", "RemoveTagsFromResource"},
				inputs: []any{
					&rds.AddTagsToResourceInput{ResourceName: aws.String(testARN), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}},
					&rds.RemoveTagsFromResourceInput{ResourceName: aws.String(testARN), TagKeys: []string{"owner"}},
				},
			},
		},
		"TagValueChanged": {
			reason: "A changed tag value should be added again, and nothing removed.",
			api:    allAPI(),
			observed: seen(withTags(func() map[string]string {
				t := allTags()
				t["team"] = "payments"
				return t
			}())),
			cr: instance(withSecretVersion(testVersion)),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: connection()},
				drift: "External resource differs from the spec in tags; updating",
				cr:    instance(withSecretVersion(testVersion)),
				calls: []string{"AddTagsToResource"},
				inputs: []any{
					&rds.AddTagsToResourceInput{ResourceName: aws.String(testARN), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}},
				},
			},
		},
		"AddTagsFailed": {
			reason:   "A failed tagging should be returned wrapped.",
			api:      &mockAPI{MockAddTagsToResource: addsTags(errBoom)},
			observed: seen(withTags(providerTags())),
			cr:       instance(withSecretVersion(testVersion)),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot tag DB instance: boom"},
				drift: "External resource differs from the spec in tags; updating",
				cr:    instance(withSecretVersion(testVersion)),
				calls: []string{"AddTagsToResource"},
				inputs: []any{
					&rds.AddTagsToResourceInput{ResourceName: aws.String(testARN), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}},
				},
			},
		},
		"RemoveTagsFailed": {
			reason: "A failed untagging should be returned wrapped.",
			api:    &mockAPI{MockRemoveTagsFromResource: removesTags(errBoom)},
			observed: seen(withTags(func() map[string]string {
				t := allTags()
				t["owner"] = "someone"
				return t
			}())),
			cr: instance(withSecretVersion(testVersion)),
			want: want{
				err:    errBoom,
				msg:    []string{"cannot remove tags from DB instance: boom"},
				drift:  "External resource differs from the spec in tags; updating",
				cr:     instance(withSecretVersion(testVersion)),
				calls:  []string{"RemoveTagsFromResource"},
				inputs: []any{&rds.RemoveTagsFromResourceInput{ResourceName: aws.String(testARN), TagKeys: []string{"owner"}}},
			},
		},
		"SecretGetFailed": {
			reason:   "A password Secret that cannot be read should be an error, before any call.",
			api:      allAPI(),
			kube:     secretGetFails(t),
			observed: seen(func(db *types.DBInstance) { db.DBInstanceClass = aws.String("db.t4g.large") }),
			cr:       instance(withSecretVersion(testVersion)),
			want: want{
				err: errBoom,
				msg: []string{"cannot get master password Secret " + testSecret},
				cr:  instance(withSecretVersion(testVersion)),
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kube := tc.kube
			if kube == nil {
				kube = withSecret(t)
			}
			r := &reconcilertest.Recorder{}
			e := newExternal(tc.api, kube, r)
			e.observed = tc.observed
			got, err := e.Update(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nUpdate(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.u, got); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.inputs, tc.api.inputs, cmpopts.IgnoreUnexported(rds.ModifyDBInstanceInput{}, rds.AddTagsToResourceInput{}, rds.RemoveTagsFromResourceInput{}, types.Tag{})); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want inputs, +got inputs:\n%s", tc.reason, diff)
			}
			var wantEvents []event.Event
			if tc.want.drift != "" {
				wantEvents = []event.Event{{Type: event.TypeNormal, Reason: reconciler.ReasonDriftDetected, Message: tc.want.drift}}
			}
			if diff := cmp.Diff(wantEvents, r.Events, cmpopts.IgnoreFields(event.Event{}, "Annotations")); diff != "" {
				t.Errorf("\n%s\nUpdate(...): -want events, +got events:\n%s", tc.reason, diff)
			}
			noLeaks(t, tc.reason, err, r.Events, "")
		})
	}
}

func TestDelete(t *testing.T) {
	protected := func(db *types.DBInstance) { db.DeletionProtection = aws.Bool(true) }
	seen := func(mods ...func(*types.DBInstance)) *observed {
		o := observe(dbInstance(t, mods...))
		return &o
	}
	finalSnapshot := &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(testName), SkipFinalSnapshot: aws.Bool(false), FinalDBSnapshotIdentifier: aws.String(testName + "-final-3c9e1f20")}

	type want struct {
		err    error
		msg    []string
		calls  []string
		inputs []any
	}
	cases := map[string]struct {
		reason   string
		api      *mockAPI
		observed *observed
		cr       *v1alpha1.DBInstance
		want     want
	}{
		"FinalSnapshot": {
			reason:   "By default the instance should be deleted leaving a snapshot named <identifier>-final-<part of its UID>.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(nil)},
			observed: seen(),
			cr:       instance(),
			want:     want{calls: []string{"DeleteDBInstance"}, inputs: []any{finalSnapshot}},
		},
		"FinalSnapshotWaits": {
			reason:   "An instance on its way somewhere (here modifying) gets no final snapshot from RDS: the deletion waits without a call, so that RDS refuses nothing at every poll.",
			api:      &mockAPI{},
			observed: seen(func(db *types.DBInstance) { db.DBInstanceStatus = aws.String("modifying") }),
			cr:       instance(),
		},
		"SkipSnapshotDoesNotWait": {
			reason:   "Without a final snapshot there is nothing to wait for: an instance being created is deleted at once.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(nil)},
			observed: seen(func(db *types.DBInstance) { db.DBInstanceStatus = aws.String("creating") }),
			cr:       instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.SkipFinalSnapshot = true })),
			want: want{calls: []string{"DeleteDBInstance"}, inputs: []any{
				&rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(testName), SkipFinalSnapshot: aws.Bool(true)},
			}},
		},
		"StoppedSnapshotted": {
			reason:   "A stopped instance is deleted with its final snapshot, as RDS takes it from storage.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(nil)},
			observed: seen(func(db *types.DBInstance) { db.DBInstanceStatus = aws.String("stopped") }),
			cr:       instance(),
			want:     want{calls: []string{"DeleteDBInstance"}, inputs: []any{finalSnapshot}},
		},
		"NamedSnapshot": {
			reason:   "A named final snapshot should be taken under that name.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(nil)},
			observed: seen(),
			cr:       instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.FinalDBSnapshotIdentifier = ptr.To("orders-last") })),
			want: want{calls: []string{"DeleteDBInstance"}, inputs: []any{
				&rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(testName), SkipFinalSnapshot: aws.Bool(false), FinalDBSnapshotIdentifier: aws.String("orders-last")},
			}},
		},
		"SkipSnapshot": {
			reason:   "skipFinalSnapshot should delete without a snapshot.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(nil)},
			observed: seen(),
			cr:       instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.SkipFinalSnapshot = true })),
			want: want{calls: []string{"DeleteDBInstance"}, inputs: []any{
				&rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(testName), SkipFinalSnapshot: aws.Bool(true)},
			}},
		},
		"AlreadyDeleting": {
			reason:   "An instance RDS is already deleting should cause no call.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(nil)},
			observed: seen(withStatus("deleting")),
			cr:       instance(),
		},
		"NotObserved": {
			reason: "Without an observation, Delete should still send the delete.",
			api:    &mockAPI{MockDeleteDBInstance: deletes(nil)},
			cr:     instance(),
			want:   want{calls: []string{"DeleteDBInstance"}, inputs: []any{finalSnapshot}},
		},
		"NotFound": {
			reason:   "An instance already gone is deleted.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(errors.Wrap(apiError("DBInstanceNotFound"), "operation error RDS"))},
			observed: seen(),
			cr:       instance(),
			want:     want{calls: []string{"DeleteDBInstance"}, inputs: []any{finalSnapshot}},
		},
		"ProtectionTurnedOffInSpec": {
			reason: "A resource being deleted is never updated, so Delete turns protection off when the spec says so, and deletes at the next reconcile.",
			api: &mockAPI{MockModifyDBInstance: func(context.Context, *rds.ModifyDBInstanceInput, ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error) {
				return &rds.ModifyDBInstanceOutput{}, nil
			}},
			observed: seen(protected),
			cr:       instance(),
			want: want{
				calls:  []string{"ModifyDBInstance"},
				inputs: []any{&rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("orders-db"), DeletionProtection: aws.Bool(false), ApplyImmediately: aws.Bool(true)}},
			},
		},
		"DeletionProtected": {
			reason:   "RDS refusing to delete a protected instance should be explained: how to turn protection off, or leave the instance behind.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(apiError("InvalidParameterCombination"))},
			observed: seen(protected),
			cr:       instance(withParams(func(p *v1alpha1.DBInstanceParameters) { p.DeletionProtection = ptr.To(true) })),
			want: want{
				err:    cmpopts.AnyError,
				msg:    []string{"deletion protection is on, so RDS refused to delete the instance", "spec.forProvider.deletionProtection", "spec.managementPolicies"},
				calls:  []string{"DeleteDBInstance"},
				inputs: []any{finalSnapshot},
			},
		},
		"InvalidParameterCombinationUnprotected": {
			reason:   "InvalidParameterCombination for an unprotected instance is some other refusal: returned wrapped.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(apiError("InvalidParameterCombination"))},
			observed: seen(),
			cr:       instance(),
			want: want{
				err:    cmpopts.AnyError,
				msg:    []string{"cannot delete DB instance", "InvalidParameterCombination"},
				calls:  []string{"DeleteDBInstance"},
				inputs: []any{finalSnapshot},
			},
		},
		"DeleteFailed": {
			reason:   "Any other error should be returned wrapped.",
			api:      &mockAPI{MockDeleteDBInstance: deletes(errBoom)},
			observed: seen(),
			cr:       instance(),
			want: want{
				err:    errBoom,
				msg:    []string{"cannot delete DB instance: boom"},
				calls:  []string{"DeleteDBInstance"},
				inputs: []any{finalSnapshot},
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &reconcilertest.Recorder{}
			e := newExternal(tc.api, withSecret(t), r)
			e.observed = tc.observed
			got, err := e.Delete(context.Background(), tc.cr)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nDelete(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(managed.ExternalDelete{}, got); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want, +got:\n%s", tc.reason, diff)
			}
			if c := tc.cr.GetCondition(xpv2.TypeReady); c.Reason != xpv2.ReasonDeleting {
				t.Errorf("\n%s\nDelete(...): Ready condition reason %q, want %q", tc.reason, c.Reason, xpv2.ReasonDeleting)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.inputs, tc.api.inputs, cmpopts.IgnoreUnexported(rds.DeleteDBInstanceInput{}, rds.ModifyDBInstanceInput{})); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want inputs, +got inputs:\n%s", tc.reason, diff)
			}
			noLeaks(t, tc.reason, err, r.Events, "")
		})
	}
}

// TestUpdateGeneratesMissingPassword: an instance whose password Secret is
// gone (or was never made: adopted) gets a generated password, written to
// the Secret before RDS is told, then sent, recorded and published.
func TestUpdateGeneratesMissingPassword(t *testing.T) {
	kube := cluster(t, nil)
	a := &mockAPI{MockModifyDBInstance: modifies(nil)}
	e := newExternal(a, kube, &reconcilertest.Recorder{})
	o := observe(dbInstance(t))
	e.observed = &o
	cr := instance(withSecretVersion(testVersion))
	u, err := e.Update(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	s := &corev1.Secret{}
	if err := kube.Get(context.Background(), client.ObjectKey{Namespace: testNamespace, Name: testSecret}, s); err != nil {
		t.Fatalf("the password Secret was not created: %v", err)
	}
	pw := string(s.Data[testKey])
	if len(pw) != 32 {
		t.Fatalf("generated password of %d characters, want 32", len(pw))
	}
	if len(a.inputs) != 1 || aws.ToString(a.inputs[0].(*rds.ModifyDBInstanceInput).MasterUserPassword) != pw {
		t.Errorf("ModifyDBInstance was not sent the generated password (calls %v)", a.calls)
	}
	if got, want := cr.Status.AtProvider.PasswordResetting, versionOf(pw); got != want {
		t.Errorf("resetting to %q, want the generated password's %q", got, want)
	}
	if _, ok := u.ConnectionDetails["password"]; ok {
		t.Error("the connection details carry the generated password before RDS has reset it")
	}
}

// testCreated is when the resources under test were created.
var testCreated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// unmade is a resource that has not made its external resource (it is
// creating it, or names one made elsewhere): an untagged one is not its.
func unmade() instanceOption {
	return func(cr *v1alpha1.DBInstance) {
		meta.RemoveAnnotations(cr, meta.AnnotationKeyExternalCreateSucceeded)
	}
}
