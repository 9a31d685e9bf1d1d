package replicationgroup

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
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

	"github.com/appinfra/provider-appinfra/apis/aws/elasticache/v1alpha1"
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

	MockDescribeReplicationGroups func(ctx context.Context, in *elasticache.DescribeReplicationGroupsInput, opts ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error)
	MockDescribeCacheClusters     func(ctx context.Context, in *elasticache.DescribeCacheClustersInput, opts ...func(*elasticache.Options)) (*elasticache.DescribeCacheClustersOutput, error)
	MockListTagsForResource       func(ctx context.Context, in *elasticache.ListTagsForResourceInput, opts ...func(*elasticache.Options)) (*elasticache.ListTagsForResourceOutput, error)
	MockCreateReplicationGroup    func(ctx context.Context, in *elasticache.CreateReplicationGroupInput, opts ...func(*elasticache.Options)) (*elasticache.CreateReplicationGroupOutput, error)
	MockModifyReplicationGroup    func(ctx context.Context, in *elasticache.ModifyReplicationGroupInput, opts ...func(*elasticache.Options)) (*elasticache.ModifyReplicationGroupOutput, error)
	MockIncreaseReplicaCount      func(ctx context.Context, in *elasticache.IncreaseReplicaCountInput, opts ...func(*elasticache.Options)) (*elasticache.IncreaseReplicaCountOutput, error)
	MockDecreaseReplicaCount      func(ctx context.Context, in *elasticache.DecreaseReplicaCountInput, opts ...func(*elasticache.Options)) (*elasticache.DecreaseReplicaCountOutput, error)
	MockDeleteReplicationGroup    func(ctx context.Context, in *elasticache.DeleteReplicationGroupInput, opts ...func(*elasticache.Options)) (*elasticache.DeleteReplicationGroupOutput, error)
	MockAddTagsToResource         func(ctx context.Context, in *elasticache.AddTagsToResourceInput, opts ...func(*elasticache.Options)) (*elasticache.AddTagsToResourceOutput, error)
	MockRemoveTagsFromResource    func(ctx context.Context, in *elasticache.RemoveTagsFromResourceInput, opts ...func(*elasticache.Options)) (*elasticache.RemoveTagsFromResourceOutput, error)
}

var _ api = &mockAPI{}

func unexpected(op string) error { return errors.Errorf("unexpected call to %s", op) }

// called records a call and its input.
func (m *mockAPI) called(op string, in any) {
	m.calls = append(m.calls, op)
	m.inputs = append(m.inputs, in)
}

func (m *mockAPI) DescribeReplicationGroups(ctx context.Context, in *elasticache.DescribeReplicationGroupsInput, opts ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error) {
	m.called("DescribeReplicationGroups", in)
	if m.MockDescribeReplicationGroups == nil {
		return nil, unexpected("DescribeReplicationGroups")
	}
	return m.MockDescribeReplicationGroups(ctx, in, opts...)
}

func (m *mockAPI) DescribeCacheClusters(ctx context.Context, in *elasticache.DescribeCacheClustersInput, opts ...func(*elasticache.Options)) (*elasticache.DescribeCacheClustersOutput, error) {
	m.called("DescribeCacheClusters", in)
	if m.MockDescribeCacheClusters == nil {
		return nil, unexpected("DescribeCacheClusters")
	}
	return m.MockDescribeCacheClusters(ctx, in, opts...)
}

func (m *mockAPI) ListTagsForResource(ctx context.Context, in *elasticache.ListTagsForResourceInput, opts ...func(*elasticache.Options)) (*elasticache.ListTagsForResourceOutput, error) {
	m.called("ListTagsForResource", in)
	if m.MockListTagsForResource == nil {
		return nil, unexpected("ListTagsForResource")
	}
	return m.MockListTagsForResource(ctx, in, opts...)
}

func (m *mockAPI) CreateReplicationGroup(ctx context.Context, in *elasticache.CreateReplicationGroupInput, opts ...func(*elasticache.Options)) (*elasticache.CreateReplicationGroupOutput, error) {
	m.called("CreateReplicationGroup", in)
	if m.MockCreateReplicationGroup == nil {
		return nil, unexpected("CreateReplicationGroup")
	}
	return m.MockCreateReplicationGroup(ctx, in, opts...)
}

func (m *mockAPI) ModifyReplicationGroup(ctx context.Context, in *elasticache.ModifyReplicationGroupInput, opts ...func(*elasticache.Options)) (*elasticache.ModifyReplicationGroupOutput, error) {
	m.called("ModifyReplicationGroup", in)
	if m.MockModifyReplicationGroup == nil {
		return nil, unexpected("ModifyReplicationGroup")
	}
	return m.MockModifyReplicationGroup(ctx, in, opts...)
}

func (m *mockAPI) IncreaseReplicaCount(ctx context.Context, in *elasticache.IncreaseReplicaCountInput, opts ...func(*elasticache.Options)) (*elasticache.IncreaseReplicaCountOutput, error) {
	m.called("IncreaseReplicaCount", in)
	if m.MockIncreaseReplicaCount == nil {
		return nil, unexpected("IncreaseReplicaCount")
	}
	return m.MockIncreaseReplicaCount(ctx, in, opts...)
}

func (m *mockAPI) DecreaseReplicaCount(ctx context.Context, in *elasticache.DecreaseReplicaCountInput, opts ...func(*elasticache.Options)) (*elasticache.DecreaseReplicaCountOutput, error) {
	m.called("DecreaseReplicaCount", in)
	if m.MockDecreaseReplicaCount == nil {
		return nil, unexpected("DecreaseReplicaCount")
	}
	return m.MockDecreaseReplicaCount(ctx, in, opts...)
}

func (m *mockAPI) DeleteReplicationGroup(ctx context.Context, in *elasticache.DeleteReplicationGroupInput, opts ...func(*elasticache.Options)) (*elasticache.DeleteReplicationGroupOutput, error) {
	m.called("DeleteReplicationGroup", in)
	if m.MockDeleteReplicationGroup == nil {
		return nil, unexpected("DeleteReplicationGroup")
	}
	return m.MockDeleteReplicationGroup(ctx, in, opts...)
}

func (m *mockAPI) AddTagsToResource(ctx context.Context, in *elasticache.AddTagsToResourceInput, opts ...func(*elasticache.Options)) (*elasticache.AddTagsToResourceOutput, error) {
	m.called("AddTagsToResource", in)
	if m.MockAddTagsToResource == nil {
		return nil, unexpected("AddTagsToResource")
	}
	return m.MockAddTagsToResource(ctx, in, opts...)
}

func (m *mockAPI) RemoveTagsFromResource(ctx context.Context, in *elasticache.RemoveTagsFromResourceInput, opts ...func(*elasticache.Options)) (*elasticache.RemoveTagsFromResourceOutput, error) {
	m.called("RemoveTagsFromResource", in)
	if m.MockRemoveTagsFromResource == nil {
		return nil, unexpected("RemoveTagsFromResource")
	}
	return m.MockRemoveTagsFromResource(ctx, in, opts...)
}

func apiError(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "ElastiCache says " + code}
}

// The group every test works on, unless an option says otherwise.
const (
	testName      = "sessions"
	testNamespace = "team-a"
	testUID       = "8b2d4f60-sessions-uid"
	testRegion    = "eu-west-1"
	testARN       = "arn:aws:elasticache:eu-west-1:111122223333:replicationgroup:sessions"
	testPrimary   = "master.sessions.abc123.euw1.cache.amazonaws.com"
	testReader    = "replica.sessions.abc123.euw1.cache.amazonaws.com"
	testSecret    = "sessions-token"
	testKey       = "token"
	// testToken holds characters a URL must escape (ElastiCache refuses
	// only /, " and @ in a token).
	// testEngineVersion is what the nodes of group() run.
	testEngineVersion = "7.1.0"
	testToken         = "S3ss:ions?t0ken#16%chars&more+"
	// testTokenInURL is testToken as the password of a URL.
	testTokenInURL = "S3ss%3Aions%3Ft0ken%2316%25chars&more+"
	// testNewToken is what the token Secret holds after a rotation.
	testNewToken = "R0tated-token-for-sessions-0002"
	// testSecretVersion is the resourceVersion of the token Secret that
	// status.atProvider.authTokenSecretVersion records as applied.
	testSecretVersion = "42"
	// testNewVersion is the token Secret's resourceVersion once rotated.
	testNewVersion = "43"
)

// testVersion and testNewTokenVersion are testToken's and testNewToken's
// versions in the token Secret: what status records once they are applied
// (or being rotated in).
var (
	testVersion         = versionOf(testToken)
	testNewTokenVersion = versionOf(testNewToken)
)

// versionOf is the version of a token in the token Secret, hashed as a
// Store without a key hashes it.
func versionOf(token string) string {
	return secretkey.Store{}.Version(secretkey.Ref{Namespace: testNamespace, Name: testSecret, Key: testKey}, token)
}

// generatedVersion stands, in a wanted resource, for the version of the
// token Create generated, which the test learns from the Secret.
const generatedVersion = "<the generated token's version>"

// The UID of the ReplicationGroup team-b/cache, which exists.
const otherUID = "6e2f8c01-team-b-cache-uid"

type groupOption func(*v1alpha1.ReplicationGroup)

// group returns a ReplicationGroup team-a/sessions of two nodes with
// failover, TLS and an auth token, setting every late-initialised field so
// that there is nothing to late-initialise.
func group(opts ...groupOption) *v1alpha1.ReplicationGroup {
	cr := &v1alpha1.ReplicationGroup{
		ObjectMeta: metav1.ObjectMeta{Name: testName, Namespace: testNamespace, UID: testUID},
		Spec: v1alpha1.ReplicationGroupSpec{ForProvider: v1alpha1.ReplicationGroupParameters{
			Region:                     testRegion,
			Description:                "sessions cache",
			Engine:                     v1alpha1.EngineRedis,
			EngineVersion:              ptr.To("7.1"),
			CacheNodeType:              "cache.t4g.small",
			NumCacheClusters:           2,
			AutomaticFailoverEnabled:   true,
			MultiAZEnabled:             ptr.To(true),
			TransitEncryptionEnabled:   true,
			AtRestEncryptionEnabled:    true,
			AuthTokenSecretRef:         &v1alpha1.LocalSecretKeySelector{Name: testSecret, Key: testKey},
			Port:                       ptr.To[int32](6379),
			CacheParameterGroupName:    ptr.To("default.redis7"),
			CacheSubnetGroupName:       ptr.To("private"),
			SecurityGroupIDs:           []string{"sg-1", "sg-2"},
			SnapshotRetentionLimit:     ptr.To[int32](7),
			SnapshotWindow:             ptr.To("03:00-04:00"),
			PreferredMaintenanceWindow: ptr.To("sun:05:00-sun:06:00"),
			ApplyImmediately:           true,
			Tags:                       map[string]string{"team": "sessions"},
		}},
	}
	cr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"})
	meta.SetExternalName(cr, testName)
	// Made by this resource, as most resources under test were: an
	// untagged external resource is then its own (see unmade).
	meta.SetExternalCreateSucceeded(cr, testCreated)
	// Seen available, with its engine version, by an earlier poll: an
	// in-sync poll needs no DescribeCacheClusters.
	cr.Status.AtProvider.Status, cr.Status.AtProvider.EngineVersion, cr.Status.AtProvider.PrimaryNode = "available", testEngineVersion, testNode()
	for _, o := range opts {
		o(cr)
	}
	return cr
}

func withExternalName(n string) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) { meta.SetExternalName(cr, n) }
}

func withParams(m func(*v1alpha1.ReplicationGroupParameters)) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) { m(&cr.Spec.ForProvider) }
}

func withoutToken() groupOption {
	return withParams(func(p *v1alpha1.ReplicationGroupParameters) { p.AuthTokenSecretRef = nil })
}

func withAtProvider(o v1alpha1.ReplicationGroupObservation) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) { cr.Status.AtProvider = o }
}

func withTokenVersion(v string) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) { cr.Status.AtProvider.AuthTokenSecretVersion = v }
}

func withRotating(v string) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) { cr.Status.AtProvider.AuthTokenRotating = v }
}

// testNow is the tests' time of day.
var testNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// withRotated records that ElastiCache finished the ROTATE ago before
// testNow.
func withRotated(ago time.Duration) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) {
		t := metav1.NewTime(testNow.Add(-ago))
		cr.Status.AtProvider.AuthTokenRotated = &t
	}
}

// withTokenChanging makes ElastiCache report a token change in progress.
func withTokenChanging() func(*types.ReplicationGroup) {
	return func(g *types.ReplicationGroup) {
		g.PendingModifiedValues = &types.ReplicationGroupPendingModifiedValues{AuthTokenStatus: types.AuthTokenUpdateStatusRotating}
	}
}

// createdWith is what Create records of the token it created the group
// with: the status, and an annotation the runtime saves.
func createdWith(v string) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) {
		cr.Status.AtProvider.AuthTokenSecretVersion = v
		meta.AddAnnotations(cr, map[string]string{annotationTokenVersion: v})
	}
}

func withAnnotation(k, v string) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) { meta.AddAnnotations(cr, map[string]string{k: v}) }
}

func withConditions(c ...xpv2.Condition) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) { cr.SetConditions(c...) }
}

func withPolicies(p ...xpv2.ManagementAction) groupOption {
	return func(cr *v1alpha1.ReplicationGroup) { cr.Spec.ManagementPolicies = p }
}

func deleting() groupOption {
	return func(cr *v1alpha1.ReplicationGroup) {
		cr.SetDeletionTimestamp(&metav1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	}
}

// providerTags are the tags the provider adds to group().
func providerTags() map[string]string {
	return map[string]string{
		"crossplane-kind":                "replicationgroup.elasticache.aws.appinfra.io",
		"crossplane-name":                testName,
		"crossplane-namespace":           testNamespace,
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "ClusterProviderConfig",
		"crossplane-uid":                 testUID,
	}
}

// allTags are the tags group() wants on the group.
func allTags() map[string]string {
	t := providerTags()
	t["team"] = "sessions"
	return t
}

// plus is tags with k set to v.
func plus(tags map[string]string, k, v string) map[string]string {
	tags[k] = v
	return tags
}

// managedBy are the tags the ReplicationGroup team-b/cache writes, with uid.
func managedBy(uid string) map[string]string {
	return map[string]string{
		"crossplane-kind":                "replicationgroup.elasticache.aws.appinfra.io",
		"crossplane-name":                "cache",
		"crossplane-namespace":           "team-b",
		"crossplane-providerconfig":      "default",
		"crossplane-providerconfig-kind": "ClusterProviderConfig",
		"crossplane-uid":                 uid,
	}
}

// replicationGroup is what ElastiCache describes of an available group
// matching group(); mods change it.
func replicationGroup(t testing.TB, mods ...func(*types.ReplicationGroup)) types.ReplicationGroup {
	t.Helper()
	g := types.ReplicationGroup{
		ReplicationGroupId:       aws.String(testName),
		Status:                   aws.String("available"),
		ARN:                      aws.String(testARN),
		Description:              aws.String("sessions cache"),
		Engine:                   aws.String("redis"),
		CacheNodeType:            aws.String("cache.t4g.small"),
		MemberClusters:           []string{"sessions-001", "sessions-002"},
		AutomaticFailover:        types.AutomaticFailoverStatusEnabled,
		MultiAZ:                  types.MultiAZStatusEnabled,
		TransitEncryptionEnabled: aws.Bool(true),
		AtRestEncryptionEnabled:  aws.Bool(true),
		AuthTokenEnabled:         aws.Bool(true),
		KmsKeyId:                 aws.String("arn:aws:kms:eu-west-1:111122223333:key/abc"),
		SnapshotRetentionLimit:   aws.Int32(7),
		SnapshotWindow:           aws.String("03:00-04:00"),
		ClusterEnabled:           aws.Bool(false),
		NodeGroups: []types.NodeGroup{{
			NodeGroupId:     aws.String("0001"),
			Status:          aws.String("available"),
			PrimaryEndpoint: &types.Endpoint{Address: aws.String(testPrimary), Port: aws.Int32(6379)},
			ReaderEndpoint:  &types.Endpoint{Address: aws.String(testReader), Port: aws.Int32(6379)},
		}},
	}
	for _, m := range mods {
		m(&g)
	}
	return g
}

func withStatus(s string) func(*types.ReplicationGroup) {
	return func(g *types.ReplicationGroup) { g.Status = aws.String(s) }
}

func withMembers(n int) func(*types.ReplicationGroup) {
	return func(g *types.ReplicationGroup) {
		g.MemberClusters = nil
		for i := 1; i <= n; i++ {
			g.MemberClusters = append(g.MemberClusters, testName+"-00"+string(rune('0'+i)))
		}
	}
}

func tagListOf(tags map[string]string) []types.Tag {
	l := make([]types.Tag, 0, len(tags))
	for k, v := range tags {
		l = append(l, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return l
}

// testNode is what the nodes of replicationGroup() report: group()'s
// settings.
func testNode() *v1alpha1.NodeObservation {
	return &v1alpha1.NodeObservation{SecurityGroupIDs: []string{"sg-1", "sg-2"}, CacheParameterGroupName: "default.redis7", PreferredMaintenanceWindow: "sun:05:00-sun:06:00"}
}

// observation is what status.atProvider says of replicationGroup(),
// before the token Secret versions are added.
func observation() v1alpha1.ReplicationGroupObservation {
	return v1alpha1.ReplicationGroupObservation{
		Status:         "available",
		PrimaryAddress: testPrimary,
		ReaderAddress:  testReader,
		Port:           6379,
		ReaderPort:     6379,
		EngineVersion:  testEngineVersion,
		PrimaryNode:    testNode(),
		ARN:            testARN,
		MemberClusters: []string{"sessions-001", "sessions-002"},
	}
}

// connection is what the connection Secret of group() holds with
// testToken.
func connection() managed.ConnectionDetails {
	return managed.ConnectionDetails{
		"host":       []byte(testPrimary),
		"port":       []byte("6379"),
		"endpoint":   []byte(testPrimary),
		"readerHost": []byte(testReader),
		"readerPort": []byte("6379"),
		"password":   []byte(testToken),
		"url":        []byte("rediss://default:" + testTokenInURL + "@" + testPrimary + ":6379"),
	}
}

// connectionWith is connection() with another token, which needs no
// escaping.
func connectionWith(token string) managed.ConnectionDetails {
	c := connection()
	c["password"] = []byte(token)
	c["url"] = []byte("rediss://default:" + token + "@" + testPrimary + ":6379")
	return c
}

// pending is connection() while the token Secret holds a token ElastiCache
// does not have yet: no password and no url, so that the Secret keeps the
// ones clients use.
func pending() managed.ConnectionDetails {
	c := connection()
	delete(c, "password")
	delete(c, "url")
	return c
}

// tokenless is connection() of a group without a token.
func tokenless() managed.ConnectionDetails {
	c := connection()
	delete(c, "password")
	c["url"] = []byte("rediss://" + testPrimary + ":6379")
	return c
}

// Answers of the calls.

func describes(groups ...types.ReplicationGroup) func(context.Context, *elasticache.DescribeReplicationGroupsInput, ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error) {
	return func(_ context.Context, in *elasticache.DescribeReplicationGroupsInput, _ ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error) {
		if got := aws.ToString(in.ReplicationGroupId); got != testName {
			return nil, errors.Errorf("DescribeReplicationGroups of %q, want %q", got, testName)
		}
		return &elasticache.DescribeReplicationGroupsOutput{ReplicationGroups: groups}, nil
	}
}

func describeFails(err error) func(context.Context, *elasticache.DescribeReplicationGroupsInput, ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error) {
	return func(context.Context, *elasticache.DescribeReplicationGroupsInput, ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error) {
		return nil, err
	}
}

// listsTags answers with tags for testARN only.
func listsTags(tags map[string]string) func(context.Context, *elasticache.ListTagsForResourceInput, ...func(*elasticache.Options)) (*elasticache.ListTagsForResourceOutput, error) {
	return func(_ context.Context, in *elasticache.ListTagsForResourceInput, _ ...func(*elasticache.Options)) (*elasticache.ListTagsForResourceOutput, error) {
		if got := aws.ToString(in.ResourceName); got != testARN {
			return nil, errors.Errorf("ListTagsForResource of %q, want %q", got, testARN)
		}
		return &elasticache.ListTagsForResourceOutput{TagList: tagListOf(tags)}, nil
	}
}

func listTagsFails(err error) func(context.Context, *elasticache.ListTagsForResourceInput, ...func(*elasticache.Options)) (*elasticache.ListTagsForResourceOutput, error) {
	return func(context.Context, *elasticache.ListTagsForResourceInput, ...func(*elasticache.Options)) (*elasticache.ListTagsForResourceOutput, error) {
		return nil, err
	}
}

// reads is an api that describes g and lists tags.
func reads(g types.ReplicationGroup, tags map[string]string) *mockAPI {
	return &mockAPI{MockDescribeReplicationGroups: describes(g), MockListTagsForResource: listsTags(tags)}
}

// runs answers DescribeCacheClusters with one cluster running version.
func runs(version string) func(context.Context, *elasticache.DescribeCacheClustersInput, ...func(*elasticache.Options)) (*elasticache.DescribeCacheClustersOutput, error) {
	return func(_ context.Context, in *elasticache.DescribeCacheClustersInput, _ ...func(*elasticache.Options)) (*elasticache.DescribeCacheClustersOutput, error) {
		n := testNode()
		return &elasticache.DescribeCacheClustersOutput{CacheClusters: []types.CacheCluster{{
			CacheClusterId: in.CacheClusterId, EngineVersion: aws.String(version),
			SecurityGroups:             []types.SecurityGroupMembership{{SecurityGroupId: aws.String(n.SecurityGroupIDs[0])}, {SecurityGroupId: aws.String(n.SecurityGroupIDs[1])}},
			CacheParameterGroup:        &types.CacheParameterGroupStatus{CacheParameterGroupName: aws.String(n.CacheParameterGroupName)},
			PreferredMaintenanceWindow: aws.String(n.PreferredMaintenanceWindow),
		}}}, nil
	}
}

// readsWithVersion is reads plus the primary's cluster running version.
func readsWithVersion(g types.ReplicationGroup, tags map[string]string, version string) *mockAPI {
	m := reads(g, tags)
	m.MockDescribeCacheClusters = runs(version)
	return m
}

func modifies(err error) func(context.Context, *elasticache.ModifyReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.ModifyReplicationGroupOutput, error) {
	return func(context.Context, *elasticache.ModifyReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.ModifyReplicationGroupOutput, error) {
		if err != nil {
			return nil, err
		}
		return &elasticache.ModifyReplicationGroupOutput{}, nil
	}
}

func increases(err error) func(context.Context, *elasticache.IncreaseReplicaCountInput, ...func(*elasticache.Options)) (*elasticache.IncreaseReplicaCountOutput, error) {
	return func(context.Context, *elasticache.IncreaseReplicaCountInput, ...func(*elasticache.Options)) (*elasticache.IncreaseReplicaCountOutput, error) {
		if err != nil {
			return nil, err
		}
		return &elasticache.IncreaseReplicaCountOutput{}, nil
	}
}

func decreases(err error) func(context.Context, *elasticache.DecreaseReplicaCountInput, ...func(*elasticache.Options)) (*elasticache.DecreaseReplicaCountOutput, error) {
	return func(context.Context, *elasticache.DecreaseReplicaCountInput, ...func(*elasticache.Options)) (*elasticache.DecreaseReplicaCountOutput, error) {
		if err != nil {
			return nil, err
		}
		return &elasticache.DecreaseReplicaCountOutput{}, nil
	}
}

func deletes(err error) func(context.Context, *elasticache.DeleteReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.DeleteReplicationGroupOutput, error) {
	return func(context.Context, *elasticache.DeleteReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.DeleteReplicationGroupOutput, error) {
		if err != nil {
			return nil, err
		}
		return &elasticache.DeleteReplicationGroupOutput{}, nil
	}
}

func addsTags(err error) func(context.Context, *elasticache.AddTagsToResourceInput, ...func(*elasticache.Options)) (*elasticache.AddTagsToResourceOutput, error) {
	return func(context.Context, *elasticache.AddTagsToResourceInput, ...func(*elasticache.Options)) (*elasticache.AddTagsToResourceOutput, error) {
		if err != nil {
			return nil, err
		}
		return &elasticache.AddTagsToResourceOutput{}, nil
	}
}

func removesTags(err error) func(context.Context, *elasticache.RemoveTagsFromResourceInput, ...func(*elasticache.Options)) (*elasticache.RemoveTagsFromResourceOutput, error) {
	return func(context.Context, *elasticache.RemoveTagsFromResourceInput, ...func(*elasticache.Options)) (*elasticache.RemoveTagsFromResourceOutput, error) {
		if err != nil {
			return nil, err
		}
		return &elasticache.RemoveTagsFromResourceOutput{}, nil
	}
}

// ignoreInputs lets cmp compare the SDK inputs the mock records.
var ignoreInputs = cmpopts.IgnoreUnexported(
	elasticache.DescribeReplicationGroupsInput{}, elasticache.ListTagsForResourceInput{},
	elasticache.CreateReplicationGroupInput{}, elasticache.ModifyReplicationGroupInput{},
	elasticache.IncreaseReplicaCountInput{}, elasticache.DecreaseReplicaCountInput{},
	elasticache.DeleteReplicationGroupInput{}, elasticache.AddTagsToResourceInput{},
	elasticache.RemoveTagsFromResourceInput{}, elasticache.DescribeCacheClustersInput{}, types.Tag{},
)

// The inputs of the reads.
var (
	describeIn = &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(testName)}
	listTagsIn = &elasticache.ListTagsForResourceInput{ResourceName: aws.String(testARN)}
)

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

// tokenSecret is the token Secret of group() at resourceVersion version,
// holding value under testKey.
func tokenSecret(value, version string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: testSecret, ResourceVersion: version},
		Data:       map[string][]byte{testKey: []byte(value)},
	}
}

// cluster holds this test's ReplicationGroup, the ReplicationGroup
// team-b/cache and objs. fns, when given, intercept its calls.
func cluster(t *testing.T, fns *interceptor.Funcs, objs ...client.Object) client.Client {
	t.Helper()
	objs = append([]client.Object{
		group(),
		&v1alpha1.ReplicationGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "cache", UID: otherUID}},
	}, objs...)
	b := fake.NewClientBuilder().WithScheme(scheme(t)).WithObjects(objs...)
	if fns != nil {
		b = b.WithInterceptorFuncs(*fns)
	}
	return b.Build()
}

// withSecret is the usual cluster: the token Secret holds testToken at
// testSecretVersion.
func withSecret(t *testing.T) client.Client {
	t.Helper()
	return cluster(t, nil, tokenSecret(testToken, testSecretVersion))
}

// rotated is a cluster whose token Secret holds testNewToken at
// testNewVersion.
func rotated(t *testing.T) client.Client {
	t.Helper()
	return cluster(t, nil, tokenSecret(testNewToken, testNewVersion))
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
		ec:     a,
		record: r,
		owners: ownership.Checker{
			Kube:     kube,
			Kind:     v1alpha1.ReplicationGroupGroupVersionKind.GroupKind(),
			NewList:  func() client.ObjectList { return &v1alpha1.ReplicationGroupList{} },
			Encoding: ownership.Exact,
		},
		tokens: secretkey.Store{Kube: kube},
		now:    func() time.Time { return testNow },
	}
}

// storedToken is the token the Secret of group() holds in kube, and its
// resourceVersion; "" when there is none.
func storedToken(t *testing.T, kube client.Client) (value, version string) {
	t.Helper()
	s := &corev1.Secret{}
	if err := kube.Get(context.Background(), client.ObjectKey{Namespace: testNamespace, Name: testSecret}, s); err != nil {
		return "", ""
	}
	return string(s.Data[testKey]), s.ResourceVersion
}

// leaked returns the first secret s contains, or "". secrets are the
// generated tokens of the test, besides testToken and testNewToken.
func leaked(s string, secrets ...string) string {
	for _, secret := range append([]string{testToken, testTokenInURL, testNewToken}, secrets...) {
		if secret != "" && strings.Contains(s, secret) {
			return secret
		}
	}
	return ""
}

// noLeaks fails the test when err, any event message or diff holds a
// token.
func noLeaks(t *testing.T, reason string, err error, events []event.Event, diff string, secrets ...string) {
	t.Helper()
	if err != nil {
		if s := leaked(err.Error(), secrets...); s != "" {
			t.Errorf("\n%s\nerror %q contains the token %q", reason, err, s)
		}
	}
	for _, e := range events {
		if s := leaked(e.Message, secrets...); s != "" {
			t.Errorf("\n%s\nevent %q contains the token %q", reason, e.Message, s)
		}
	}
	if s := leaked(diff, secrets...); s != "" {
		t.Errorf("\n%s\ndiff %q contains the token %q", reason, diff, s)
	}
}

func TestObserve(t *testing.T) {
	inSync := func(opts ...groupOption) *v1alpha1.ReplicationGroup {
		return group(append([]groupOption{withAtProvider(observation()), withTokenVersion(testVersion), withConditions(xpv2.Available())}, opts...)...)
	}
	readCalls := []string{"DescribeReplicationGroups", "ListTagsForResource"}
	refusal := "the external resource is managed by a resource in another namespace"

	type want struct {
		o      managed.ExternalObservation
		diff   []string // what o.Diff must contain; nil for an empty Diff
		err    error
		msg    []string
		cr     *v1alpha1.ReplicationGroup
		calls  []string
		inputs []any // nil to leave the inputs unchecked
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		kube   client.Client // withSecret when nil
		cr     *v1alpha1.ReplicationGroup
		want   want
	}{
		"InvalidExternalName": {
			reason: "An ID ElastiCache would refuse should be an error, before any call.",
			api:    reads(replicationGroup(t), allTags()),
			cr:     group(withExternalName("sessions--cache")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`external name "sessions--cache" is not a valid replication group ID`},
				cr:  group(withExternalName("sessions--cache")),
			},
		},
		"NotFound": {
			reason: "ReplicationGroupNotFoundFault means the group does not exist.",
			api:    &mockAPI{MockDescribeReplicationGroups: describeFails(errors.Wrap(apiError("ReplicationGroupNotFoundFault"), "operation error ElastiCache"))},
			cr:     group(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    group(),
				calls: []string{"DescribeReplicationGroups"},
			},
		},
		"NoneDescribed": {
			reason: "An empty answer means the group does not exist.",
			api:    &mockAPI{MockDescribeReplicationGroups: describes()},
			cr:     group(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    group(),
				calls: []string{"DescribeReplicationGroups"},
			},
		},
		"DescribeFailed": {
			reason: "Any other Describe error should be returned wrapped.",
			api:    &mockAPI{MockDescribeReplicationGroups: describeFails(errBoom)},
			cr:     group(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot describe replication group: boom"},
				cr:    group(),
				calls: []string{"DescribeReplicationGroups"},
			},
		},
		"ListTagsFailed": {
			reason: "Tags that cannot be listed should be an error, leaving the status alone: ownership cannot be checked.",
			api:    &mockAPI{MockDescribeReplicationGroups: describes(replicationGroup(t)), MockListTagsForResource: listTagsFails(errBoom)},
			cr:     group(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot list replication group tags: boom"},
				cr:    group(),
				calls: readCalls,
			},
		},
		"InSync": {
			reason: "A poll of a group in sync is two reads: one Describe and one ListTags by its ARN, no DescribeCacheClusters since the engine version is known.",
			api:    reads(replicationGroup(t), allTags()),
			cr:     inSync(),
			want: want{
				o:      managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:     inSync(),
				calls:  readCalls,
				inputs: []any{describeIn, listTagsIn},
			},
		},
		"UpToDate": {
			reason: "A group that has just become available, matching the spec, should also have its primary's cluster described for the engine version, be up to date and Available, and publish its connection details. The status is replaced but keeps the token Secret version.",
			api:    readsWithVersion(replicationGroup(t), allTags(), testEngineVersion),
			cr: group(
				withAtProvider(v1alpha1.ReplicationGroupObservation{Status: "creating", PrimaryAddress: "old"}),
				withTokenVersion(testVersion),
			),
			want: want{
				o:      managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:     inSync(),
				calls:  []string{"DescribeReplicationGroups", "DescribeCacheClusters", "ListTagsForResource"},
				inputs: []any{describeIn, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String("sessions-001")}, listTagsIn},
			},
		},
		"EngineVersionDrift": {
			reason: "A group back to available after a change runs another engine version than the spec's: drift in engineVersion.",
			api:    readsWithVersion(replicationGroup(t), allTags(), "6.2.6"),
			cr:     group(withTokenVersion(testVersion), withAtProvider(v1alpha1.ReplicationGroupObservation{Status: "modifying", AuthTokenSecretVersion: testVersion})),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				diff:  []string{"fields differ: engineVersion"},
				cr:    inSync(withAtProvider(func() v1alpha1.ReplicationGroupObservation { o := observation(); o.EngineVersion = "6.2.6"; return o }()), withTokenVersion(testVersion)),
				calls: []string{"DescribeReplicationGroups", "DescribeCacheClusters", "ListTagsForResource"},
			},
		},
		"VersionFromAnnotation": {
			reason: "Before an update sets the status, the token version Create annotated is the applied one: not drift, and copied to the status.",
			api:    reads(replicationGroup(t), allTags()),
			cr:     group(withAnnotation(annotationTokenVersion, testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr:    inSync(withAnnotation(annotationTokenVersion, testVersion)),
				calls: readCalls,
			},
		},
		"Busy": {
			reason: "A group ElastiCache is modifying is up to date, whatever differs and whatever the token Secret says: Update could not change it. It is Unavailable, naming the state, and nothing is written.",
			api: reads(replicationGroup(t, withStatus("modifying"), func(g *types.ReplicationGroup) {
				g.CacheNodeType = aws.String("cache.r7g.large")
			}), providerTags()),
			kube: rotated(t),
			cr:   group(withTokenVersion(testVersion)),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: pending()},
				cr: group(
					withAtProvider(func() v1alpha1.ReplicationGroupObservation { o := observation(); o.Status = "modifying"; return o }()),
					withTokenVersion(testVersion),
					withConditions(xpv2.Unavailable().WithMessage("ElastiCache reports the replication group modifying")),
				),
				calls: readCalls,
			},
		},
		"Creating": {
			reason: "A group still being created has no endpoint yet: Unavailable naming the state, no connection details, and no Secret generated.",
			api: reads(replicationGroup(t, withStatus("creating"), func(g *types.ReplicationGroup) {
				g.NodeGroups = nil
				g.MemberClusters = nil
			}), allTags()),
			kube: cluster(t, nil),
			cr:   group(withAtProvider(v1alpha1.ReplicationGroupObservation{})),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true},
				cr: group(
					withAtProvider(v1alpha1.ReplicationGroupObservation{Status: "creating", ARN: testARN}),
					withConditions(xpv2.Unavailable().WithMessage("ElastiCache reports the replication group creating")),
				),
				calls: readCalls,
			},
		},
		"CreateFailed": {
			reason: "A group ElastiCache does not get out of by itself should be Unavailable, saying it needs attention.",
			api:    reads(replicationGroup(t, withStatus("create-failed")), allTags()),
			cr:     group(withTokenVersion(testVersion)),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: group(
					withAtProvider(func() v1alpha1.ReplicationGroupObservation { o := observation(); o.Status = "create-failed"; return o }()),
					withTokenVersion(testVersion),
					withConditions(xpv2.Unavailable().WithMessage("ElastiCache reports the replication group create-failed; it needs attention (see its events)")),
				),
				calls: readCalls,
			},
		},
		"Drifted": {
			reason: "An available group that differs should not be up to date, with a Diff naming the fields only; a node type that differs has the primary's cluster described, for a change pending in the maintenance window.",
			api: readsWithVersion(replicationGroup(t, func(g *types.ReplicationGroup) {
				g.CacheNodeType = aws.String("cache.r7g.large")
			}), providerTags(), testEngineVersion),
			cr: group(withTokenVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				diff:  []string{"fields differ: cacheNodeType, tags"},
				cr:    inSync(),
				calls: []string{"DescribeReplicationGroups", "DescribeCacheClusters", "ListTagsForResource"},
			},
		},
		"NodeTypePending": {
			reason: "A node type ElastiCache holds for the maintenance window (applyImmediately false) is not drift: no Modify and no DriftDetected event on every poll until the window.",
			api: func() *mockAPI {
				m := reads(replicationGroup(t, func(g *types.ReplicationGroup) { g.CacheNodeType = aws.String("cache.r7g.large") }), allTags())
				m.MockDescribeCacheClusters = func(ctx context.Context, in *elasticache.DescribeCacheClustersInput, o ...func(*elasticache.Options)) (*elasticache.DescribeCacheClustersOutput, error) {
					out, _ := runs(testEngineVersion)(ctx, in, o...)
					out.CacheClusters[0].PendingModifiedValues = &types.PendingModifiedValues{CacheNodeType: aws.String("cache.t4g.small")}
					return out, nil
				}
				return m
			}(),
			cr: group(withTokenVersion(testVersion)),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(withAtProvider(func() v1alpha1.ReplicationGroupObservation {
					o := observation()
					o.PrimaryNode.PendingCacheNodeType = "cache.t4g.small"
					return o
				}()), withTokenVersion(testVersion)),
				calls: []string{"DescribeReplicationGroups", "DescribeCacheClusters", "ListTagsForResource"},
			},
		},
		"SecurityGroupsChanged": {
			reason: "A spec whose security groups differ from the node's last description has the node described again and the difference named: it was never compared, so cutting network access looked done while nothing happened.",
			api:    readsWithVersion(replicationGroup(t), allTags(), testEngineVersion),
			cr:     group(withTokenVersion(testVersion), func(cr *v1alpha1.ReplicationGroup) { cr.Spec.ForProvider.SecurityGroupIDs = []string{"sg-1"} }),
			want: want{
				o:    managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				diff: []string{"fields differ: securityGroupIDs"},
				cr: inSync(withTokenVersion(testVersion), func(cr *v1alpha1.ReplicationGroup) {
					cr.Spec.ForProvider.SecurityGroupIDs = []string{"sg-1"}
				}),
				calls: []string{"DescribeReplicationGroups", "DescribeCacheClusters", "ListTagsForResource"},
			},
		},
		"ReplicaMissing": {
			reason: "A group with fewer nodes than numCacheClusters has drifted; without a replica there is no reader endpoint to publish.",
			api: reads(replicationGroup(t, withMembers(1), func(g *types.ReplicationGroup) {
				g.NodeGroups[0].ReaderEndpoint = nil
			}), allTags()),
			cr: group(withTokenVersion(testVersion)),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: func() managed.ConnectionDetails {
					c := connection()
					delete(c, "readerHost")
					delete(c, "readerPort")
					return c
				}()},
				diff: []string{"fields differ: numCacheClusters"},
				cr: inSync(withAtProvider(func() v1alpha1.ReplicationGroupObservation {
					o := observation()
					o.ReaderAddress, o.ReaderPort, o.MemberClusters, o.AuthTokenSecretVersion = "", 0, []string{"sessions-001"}, testVersion
					return o
				}())),
				calls: readCalls,
			},
		},
		"TokenRotated": {
			reason: "A token Secret at another version than the one applied is drift in authToken; the status keeps the applied version, the Diff holds no token, and the connection Secret keeps the old token until ROTATE is sent.",
			api:    reads(replicationGroup(t), allTags()),
			kube:   rotated(t),
			cr:     group(withTokenVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: pending()},
				diff:  []string{"fields differ: authToken"},
				cr:    inSync(),
				calls: readCalls,
			},
		},
		"RotationDone": {
			reason: "The first poll that finds the group available after ROTATE, with no token change pending, records when the rotation was done and publishes the new token, which ElastiCache now accepts; SET waits for the grace period.",
			api:    reads(replicationGroup(t), allTags()),
			kube:   rotated(t),
			cr:     group(withTokenVersion(testVersion), withRotating(testNewTokenVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connectionWith(testNewToken)},
				cr:    inSync(withRotating(testNewTokenVersion), withRotated(0)),
				calls: readCalls,
			},
		},
		"RotationStillPending": {
			reason: "Available, but ElastiCache still reports the token change pending: ROTATE is not done, and the connection Secret keeps the token clients use.",
			api:    reads(replicationGroup(t, withTokenChanging()), allTags()),
			kube:   rotated(t),
			cr:     group(withTokenVersion(testVersion), withRotating(testNewTokenVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: pending()},
				cr:    inSync(withRotating(testNewTokenVersion)),
				calls: readCalls,
			},
		},
		"RotationInGrace": {
			reason: "Within the grace period both tokens work and the new one is published: nothing to do yet.",
			api:    reads(replicationGroup(t), allTags()),
			kube:   rotated(t),
			cr:     group(withTokenVersion(testVersion), withRotating(testNewTokenVersion), withRotated(4*time.Minute)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connectionWith(testNewToken)},
				cr:    inSync(withRotating(testNewTokenVersion), withRotated(4*time.Minute)),
				calls: readCalls,
			},
		},
		"RotationGraceOver": {
			reason: "Once the grace period (the spec's, here 1m) is over, the rotation is drift in authToken until SET completes it.",
			api:    reads(replicationGroup(t), allTags()),
			kube:   rotated(t),
			cr: group(withTokenVersion(testVersion), withRotating(testNewTokenVersion), withRotated(2*time.Minute), func(cr *v1alpha1.ReplicationGroup) {
				cr.Spec.ForProvider.AuthTokenGracePeriod = &metav1.Duration{Duration: time.Minute}
			}),
			want: want{
				o:    managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connectionWith(testNewToken)},
				diff: []string{"fields differ: authToken"},
				cr: inSync(withRotating(testNewTokenVersion), withRotated(2*time.Minute), func(cr *v1alpha1.ReplicationGroup) {
					cr.Spec.ForProvider.AuthTokenGracePeriod = &metav1.Duration{Duration: time.Minute}
				}),
				calls: readCalls,
			},
		},
		"RotationInProgressBusy": {
			reason: "While ElastiCache applies ROTATE the group is busy: up to date, the rotation is remembered, and the connection Secret keeps the token clients use, as the new one is not accepted yet.",
			api:    reads(replicationGroup(t, withStatus("modifying")), allTags()),
			kube:   rotated(t),
			cr:     group(withTokenVersion(testVersion), withRotating(testNewTokenVersion)),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: pending()},
				cr: group(
					withAtProvider(func() v1alpha1.ReplicationGroupObservation { o := observation(); o.Status = "modifying"; return o }()),
					withTokenVersion(testVersion), withRotating(testNewTokenVersion),
					withConditions(xpv2.Unavailable().WithMessage("ElastiCache reports the replication group modifying")),
				),
				calls: readCalls,
			},
		},
		"TokenNeverApplied": {
			reason: "An adopted group has no applied token version yet: its token is drift, and not published until ROTATE is sent.",
			api:    reads(replicationGroup(t), allTags()),
			cr:     group(),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: pending()},
				diff:  []string{"authToken"},
				cr:    inSync(withTokenVersion("")),
				calls: readCalls,
			},
		},
		"NoTokenRef": {
			reason: "A group without a token reference has no token: not drift, and no password in its connection details.",
			api:    reads(replicationGroup(t, func(g *types.ReplicationGroup) { g.AuthTokenEnabled = aws.Bool(false) }), allTags()),
			cr:     group(withoutToken()),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: tokenless()},
				cr:    inSync(withoutToken(), withTokenVersion("")),
				calls: readCalls,
			},
		},
		"NoTokenSecret": {
			reason: "Without a token Secret (adopted, or the Secret deleted) the token is unknown: drift in authToken, which Update fixes by generating one; Observe generates nothing, and the connection Secret keeps what it has.",
			api:    reads(replicationGroup(t), allTags()),
			kube:   cluster(t, nil),
			cr:     group(withTokenVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: pending()},
				diff:  []string{"fields differ: authToken"},
				cr:    inSync(),
				calls: readCalls,
			},
		},
		"SecretGetFailed": {
			reason: "A token Secret that cannot be read should be an error naming the Secret.",
			api:    reads(replicationGroup(t), allTags()),
			kube:   secretGetFails(t),
			cr:     group(withTokenVersion(testVersion)),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot get auth token Secret " + testSecret},
				cr:    inSync(),
				calls: readCalls,
			},
		},
		"SecretGetFailedWhileDeleting": {
			reason: "A resource being deleted should not be held up by its token Secret.",
			api:    reads(replicationGroup(t), allTags()),
			kube:   secretGetFails(t),
			cr:     group(deleting(), withTokenVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: pending()},
				cr:    inSync(deleting()),
				calls: readCalls,
			},
		},
		"ManagedByAnother": {
			reason: "A group whose tags carry the UID of another live ReplicationGroup should be refused, naming it, without touching the status.",
			api:    reads(replicationGroup(t), managedBy(otherUID)),
			cr:     group(),
			want: want{
				err:   cmpopts.AnyError,
				msg:   []string{refusal},
				cr:    group(),
				calls: readCalls,
			},
		},
		"ManagedByAnotherWhileDeleting": {
			reason: "A resource being deleted whose group another ReplicationGroup manages should let go of it: it does not exist for this resource.",
			api:    reads(replicationGroup(t), managedBy(otherUID)),
			cr:     group(deleting()),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: false},
				cr:    group(deleting()),
				calls: readCalls,
			},
		},
		"Orphaned": {
			reason: "A group whose tags name a ReplicationGroup that no longer exists may be adopted: its tags are drift.",
			api:    reads(replicationGroup(t), managedBy("0a2b4c6d-gone-uid")),
			cr:     group(withTokenVersion(testVersion)),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				diff:  []string{"tags"},
				cr:    inSync(),
				calls: readCalls,
			},
		},
		"ObserveOnly": {
			reason: "A resource that only observes may read a group another ReplicationGroup manages; it does not late-initialise.",
			api:    reads(replicationGroup(t), managedBy(otherUID)),
			cr: group(withPolicies(xpv2.ManagementActionObserve), withTokenVersion(testVersion), withParams(func(p *v1alpha1.ReplicationGroupParameters) {
				p.Port = nil
			})),
			want: want{
				o:    managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: false, ConnectionDetails: connection()},
				diff: []string{"tags"},
				cr: inSync(withPolicies(xpv2.ManagementActionObserve), withParams(func(p *v1alpha1.ReplicationGroupParameters) {
					p.Port = nil
				})),
				calls: readCalls,
			},
		},
		"LateInitialized": {
			reason: "Unset spec fields should be filled from ElastiCache and reported; with them filled the group is up to date.",
			api:    reads(replicationGroup(t), allTags()),
			cr: group(withTokenVersion(testVersion), withParams(func(p *v1alpha1.ReplicationGroupParameters) {
				p.Port, p.SnapshotRetentionLimit, p.SnapshotWindow, p.MultiAZEnabled = nil, nil, nil, nil
			})),
			want: want{
				o:     managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ResourceLateInitialized: true, ConnectionDetails: connection()},
				cr:    inSync(),
				calls: readCalls,
			},
		},
		"LateInitForbidden": {
			reason: "Policies without LateInitialize should leave the spec alone.",
			api:    reads(replicationGroup(t), allTags()),
			cr: group(withTokenVersion(testVersion), withPolicies(xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete), withParams(func(p *v1alpha1.ReplicationGroupParameters) {
				p.Port = nil
			})),
			want: want{
				o: managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: connection()},
				cr: inSync(withPolicies(xpv2.ManagementActionObserve, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete), withParams(func(p *v1alpha1.ReplicationGroupParameters) {
					p.Port = nil
				})),
				calls: readCalls,
			},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kube := tc.kube
			if kube == nil {
				kube = withSecret(t)
			}
			tokenBefore, versionBefore := storedToken(t, kube)
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
			if tc.want.inputs != nil {
				if diff := cmp.Diff(tc.want.inputs, tc.api.inputs, ignoreInputs); diff != "" {
					t.Errorf("\n%s\nObserve(...): -want inputs, +got inputs:\n%s", tc.reason, diff)
				}
			}
			if len(r.Events) != 0 {
				t.Errorf("\n%s\nObserve(...): recorded events %v; Observe should record none", tc.reason, r.Events)
			}
			if token, version := storedToken(t, kube); token != tokenBefore || version != versionBefore {
				t.Errorf("\n%s\nObserve(...): changed the token Secret (version %q -> %q); Observe never writes", tc.reason, versionBefore, version)
			}
			noLeaks(t, tc.reason, err, r.Events, got.Diff)
		})
	}
}

// createChecksSecret is a CreateReplicationGroup that fails unless the
// token it is sent is already in the token Secret in kube: a crash between
// the two must not lose it.
func createChecksSecret(t *testing.T, kube client.Client) func(context.Context, *elasticache.CreateReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.CreateReplicationGroupOutput, error) {
	t.Helper()
	return func(_ context.Context, in *elasticache.CreateReplicationGroupInput, _ ...func(*elasticache.Options)) (*elasticache.CreateReplicationGroupOutput, error) {
		stored, _ := storedToken(t, kube)
		if stored == "" {
			return nil, errors.New("CreateReplicationGroup called before the token was stored in its Secret")
		}
		if stored != aws.ToString(in.AuthToken) {
			return nil, errors.New("CreateReplicationGroup sent another token than the Secret holds")
		}
		return &elasticache.CreateReplicationGroupOutput{}, nil
	}
}

func createFails(err error) func(context.Context, *elasticache.CreateReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.CreateReplicationGroupOutput, error) {
	return func(context.Context, *elasticache.CreateReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.CreateReplicationGroupOutput, error) {
		return nil, err
	}
}

// wantCreateInput is what CreateReplicationGroup is sent for group(), but
// for the token, which is compared apart.
func wantCreateInput() *elasticache.CreateReplicationGroupInput {
	return &elasticache.CreateReplicationGroupInput{
		ReplicationGroupId:          aws.String(testName),
		ReplicationGroupDescription: aws.String("sessions cache"),
		Engine:                      aws.String("redis"),
		EngineVersion:               aws.String("7.1"),
		CacheNodeType:               aws.String("cache.t4g.small"),
		NumCacheClusters:            aws.Int32(2),
		AutomaticFailoverEnabled:    aws.Bool(true),
		MultiAZEnabled:              aws.Bool(true),
		TransitEncryptionEnabled:    aws.Bool(true),
		AtRestEncryptionEnabled:     aws.Bool(true),
		Port:                        aws.Int32(6379),
		CacheParameterGroupName:     aws.String("default.redis7"),
		CacheSubnetGroupName:        aws.String("private"),
		SecurityGroupIds:            []string{"sg-1", "sg-2"},
		SnapshotRetentionLimit:      aws.Int32(7),
		SnapshotWindow:              aws.String("03:00-04:00"),
		PreferredMaintenanceWindow:  aws.String("sun:05:00-sun:06:00"),
		Tags: []types.Tag{
			{Key: aws.String("crossplane-kind"), Value: aws.String("replicationgroup.elasticache.aws.appinfra.io")},
			{Key: aws.String("crossplane-name"), Value: aws.String(testName)},
			{Key: aws.String("crossplane-namespace"), Value: aws.String(testNamespace)},
			{Key: aws.String("crossplane-providerconfig"), Value: aws.String("default")},
			{Key: aws.String("crossplane-providerconfig-kind"), Value: aws.String("ClusterProviderConfig")},
			{Key: aws.String("crossplane-uid"), Value: aws.String(testUID)},
			{Key: aws.String("team"), Value: aws.String("sessions")},
		},
	}
}

func TestCreate(t *testing.T) {
	// exists is an api whose create says the group exists, and which
	// describes g with tags.
	exists := func(g types.ReplicationGroup, tags map[string]string) func(*testing.T, client.Client) *mockAPI {
		return func(*testing.T, client.Client) *mockAPI {
			a := reads(g, tags)
			a.MockCreateReplicationGroup = createFails(apiError("ReplicationGroupAlreadyExists"))
			return a
		}
	}
	checksSecret := func(t *testing.T, kube client.Client) *mockAPI {
		return &mockAPI{MockCreateReplicationGroup: createChecksSecret(t, kube)}
	}
	noCalls := func(*testing.T, client.Client) *mockAPI { return &mockAPI{} }
	empty := func(t *testing.T) client.Client { return cluster(t, nil) }
	adoption := []string{"CreateReplicationGroup", "DescribeReplicationGroups", "ListTagsForResource"}

	type want struct {
		err     error
		msg     []string
		cr      *v1alpha1.ReplicationGroup
		calls   []string
		token   string // the token sent and stored; "generated" for a new one; "" for none
		version string // the resourceVersion of the token Secret afterwards
		other   string // another key of the Secret that must survive; "" for none
	}
	cases := map[string]struct {
		reason string
		// untagged: the config allows adopting untagged resources.
		untagged bool
		api      func(t *testing.T, kube client.Client) *mockAPI
		kube     func(t *testing.T) client.Client
		cr       *v1alpha1.ReplicationGroup
		want     want
	}{
		"GeneratesToken": {
			reason: "Without a token Secret, a 32-character token should be generated into a new Secret before CreateReplicationGroup is sent it; the status and an annotation record the Secret's version.",
			api:    checksSecret,
			kube:   empty,
			cr:     group(),
			want: want{
				cr:      group(withConditions(xpv2.Creating()), createdWith(generatedVersion)),
				calls:   []string{"CreateReplicationGroup"},
				token:   "generated",
				version: "1",
			},
		},
		"GeneratesTokenIntoExistingSecret": {
			reason: "A token Secret without the key should get a generated token under it, keeping its other keys, before CreateReplicationGroup.",
			api:    checksSecret,
			kube: func(t *testing.T) client.Client {
				return cluster(t, nil, &corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: testSecret, ResourceVersion: "7"},
					Data:       map[string][]byte{"other": []byte("kept")},
				})
			},
			cr: group(),
			want: want{
				cr:      group(withConditions(xpv2.Creating()), createdWith(generatedVersion)),
				calls:   []string{"CreateReplicationGroup"},
				token:   "generated",
				version: "8",
				other:   "kept",
			},
		},
		"ExistingToken": {
			reason: "A token in the Secret should be sent as it is, leaving the Secret alone.",
			api:    checksSecret,
			kube:   withSecret,
			cr:     group(),
			want: want{
				cr:      group(withConditions(xpv2.Creating()), createdWith(testVersion)),
				calls:   []string{"CreateReplicationGroup"},
				token:   testToken,
				version: testSecretVersion,
			},
		},
		"NoTokenRef": {
			reason: "Without a token reference no AuthToken should be sent and no Secret made. The empty version annotation Create writes is harmless: no version is applied.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{MockCreateReplicationGroup: func(_ context.Context, in *elasticache.CreateReplicationGroupInput, _ ...func(*elasticache.Options)) (*elasticache.CreateReplicationGroupOutput, error) {
					if in.AuthToken != nil {
						return nil, errors.New("CreateReplicationGroup sent an AuthToken without a token reference")
					}
					return &elasticache.CreateReplicationGroupOutput{}, nil
				}}
			},
			kube: empty,
			cr:   group(withoutToken()),
			want: want{
				cr:    group(withoutToken(), withConditions(xpv2.Creating()), createdWith("")),
				calls: []string{"CreateReplicationGroup"},
			},
		},
		"InvalidExternalName": {
			reason: "An ID ElastiCache would refuse should be an error, before any call or Secret.",
			api:    noCalls,
			kube:   empty,
			cr:     group(withExternalName("sessions-")),
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`external name "sessions-" is not a valid replication group ID`},
				cr:  group(withExternalName("sessions-")),
			},
		},
		"SecretGetFailed": {
			reason: "A token Secret that cannot be read should be an error, and no group created.",
			api:    noCalls,
			kube:   secretGetFails,
			cr:     group(),
			want: want{
				err: errBoom,
				msg: []string{"cannot get auth token Secret " + testSecret},
				cr:  group(withConditions(xpv2.Creating())),
			},
		},
		"SecretCreateFailed": {
			reason: "A generated token that cannot be stored must not be sent to ElastiCache: it would be lost.",
			api:    noCalls,
			kube: func(t *testing.T) client.Client {
				return cluster(t, &interceptor.Funcs{Create: func(context.Context, client.WithWatch, client.Object, ...client.CreateOption) error {
					return errBoom
				}})
			},
			cr: group(),
			want: want{
				err: errBoom,
				msg: []string{"cannot store the generated auth token in Secret " + testSecret},
				cr:  group(withConditions(xpv2.Creating())),
			},
		},
		"CreateFailed": {
			reason: "A failed create should be returned wrapped and record no applied version; the generated token stays in its Secret.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{MockCreateReplicationGroup: createFails(errBoom)}
			},
			kube: empty,
			cr:   group(),
			want: want{
				err:     errBoom,
				msg:     []string{"cannot create replication group: boom"},
				cr:      group(withConditions(xpv2.Creating())),
				calls:   []string{"CreateReplicationGroup"},
				token:   "generated",
				version: "1",
			},
		},
		"AlreadyExistsOurs": {
			reason: "A group that already exists carrying this resource's tags should be adopted after reading its tags by ARN; its token is applied at the next update, so no version is recorded.",
			api:    exists(replicationGroup(t), allTags()),
			kube:   withSecret,
			cr:     group(),
			want: want{
				cr:      group(withConditions(xpv2.Creating())),
				calls:   adoption,
				token:   testToken,
				version: testSecretVersion,
			},
		},
		"AlreadyExistsUntaggedRefused": {
			reason: "One that exists without provider tags (made outside Crossplane) is not taken over by default: naming it must not be enough to reset and delete it; the refusal says how to import.",
			api:    exists(replicationGroup(t), nil),
			kube:   withSecret,
			cr:     group(unmade()),
			want: want{
				err:     cmpopts.AnyError,
				msg:     []string{"carries none of the provider's crossplane- tags", "AllowUntagged"},
				cr:      group(unmade(), withConditions(xpv2.Creating())),
				calls:   adoption,
				token:   testToken,
				version: testSecretVersion,
			},
		},
		"AlreadyExistsUntaggedAllowed": {
			reason:   "A config whose adoption is AllowUntagged takes over one that exists without provider tags.",
			api:      exists(replicationGroup(t), nil),
			kube:     withSecret,
			cr:       group(unmade()),
			untagged: true,
			want: want{
				cr:      group(unmade(), withConditions(xpv2.Creating())),
				calls:   adoption,
				token:   testToken,
				version: testSecretVersion,
			},
		},
		"AlreadyExistsManagedByAnother": {
			reason: "A group that already exists carrying the UID of another live ReplicationGroup must not be adopted; the error names it.",
			api:    exists(replicationGroup(t), managedBy(otherUID)),
			kube:   withSecret,
			cr:     group(),
			want: want{
				err:     cmpopts.AnyError,
				msg:     []string{`cannot adopt replication group "sessions"`, "managed by a resource in another namespace"},
				cr:      group(withConditions(xpv2.Creating())),
				calls:   adoption,
				token:   testToken,
				version: testSecretVersion,
			},
		},
		"AlreadyExistsDescribeFailed": {
			reason: "A group that already exists but cannot be described should be an error.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{
					MockCreateReplicationGroup:    createFails(apiError("ReplicationGroupAlreadyExists")),
					MockDescribeReplicationGroups: describeFails(errBoom),
				}
			},
			kube: withSecret,
			cr:   group(),
			want: want{
				err:     errBoom,
				msg:     []string{"replication group already exists and cannot be described"},
				cr:      group(withConditions(xpv2.Creating())),
				calls:   []string{"CreateReplicationGroup", "DescribeReplicationGroups"},
				token:   testToken,
				version: testSecretVersion,
			},
		},
		"AlreadyExistsListTagsFailed": {
			reason: "A group that already exists whose tags cannot be read cannot be checked: an error, not an adoption.",
			api: func(*testing.T, client.Client) *mockAPI {
				return &mockAPI{
					MockCreateReplicationGroup:    createFails(apiError("ReplicationGroupAlreadyExists")),
					MockDescribeReplicationGroups: describes(replicationGroup(t)),
					MockListTagsForResource:       listTagsFails(errBoom),
				}
			},
			kube: withSecret,
			cr:   group(),
			want: want{
				err:     errBoom,
				msg:     []string{"cannot list replication group tags: boom"},
				cr:      group(withConditions(xpv2.Creating())),
				calls:   adoption,
				token:   testToken,
				version: testSecretVersion,
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
			if tc.want.cr.Status.AtProvider.AuthTokenSecretVersion == generatedVersion {
				tok, _ := storedToken(t, kube)
				createdWith(versionOf(tok))(tc.want.cr)
			}
			if diff := cmp.Diff(tc.want.cr, tc.cr, cmpopts.EquateApproxTime(time.Second)); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want cr, +got cr:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, a.calls); diff != "" {
				t.Errorf("\n%s\nCreate(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			for i, c := range a.calls {
				if c == "ListTagsForResource" {
					if diff := cmp.Diff(listTagsIn, a.inputs[i], ignoreInputs); diff != "" {
						t.Errorf("\n%s\nCreate(...): -want ListTagsForResource input, +got:\n%s", tc.reason, diff)
					}
				}
			}

			stored, version := storedToken(t, kube)
			switch tc.want.token {
			case "":
				if stored != "" {
					t.Errorf("\n%s\nCreate(...): stored a token; want none", tc.reason)
				}
			case "generated":
				if len(stored) != 32 {
					t.Errorf("\n%s\nCreate(...): generated a token of %d characters, want 32", tc.reason, len(stored))
				}
			default:
				if stored != tc.want.token {
					t.Errorf("\n%s\nCreate(...): the Secret's token changed", tc.reason)
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
			if len(a.calls) > 0 && a.calls[0] == "CreateReplicationGroup" {
				in, _ := a.inputs[0].(*elasticache.CreateReplicationGroupInput)
				if aws.ToString(in.AuthToken) != stored {
					t.Errorf("\n%s\nCreate(...): CreateReplicationGroup was sent another token than the Secret holds", tc.reason)
				}
				if stored == "" && in.AuthToken != nil {
					t.Errorf("\n%s\nCreate(...): CreateReplicationGroup was sent an AuthToken; want none", tc.reason)
				}
				if diff := cmp.Diff(wantCreateInput(), in, ignoreInputs, cmpopts.IgnoreFields(elasticache.CreateReplicationGroupInput{}, "AuthToken")); diff != "" {
					t.Errorf("\n%s\nCreate(...): -want CreateReplicationGroup input, +got:\n%s", tc.reason, diff)
				}
			}
			noLeaks(t, tc.reason, err, r.Events, "", stored)
		})
	}
}

func TestGeneratedTokensDiffer(t *testing.T) {
	tokens := map[string]bool{}
	for i := range 2 {
		kube := cluster(t, nil)
		a := &mockAPI{MockCreateReplicationGroup: createChecksSecret(t, kube)}
		if _, err := newExternal(a, kube, &reconcilertest.Recorder{}).Create(context.Background(), group()); err != nil {
			t.Fatalf("Create #%d: %v", i+1, err)
		}
		tok, _ := storedToken(t, kube)
		if len(tok) != 32 {
			t.Fatalf("Create #%d: generated a token of %d characters, want 32", i+1, len(tok))
		}
		tokens[tok] = true
	}
	if len(tokens) != 2 {
		t.Errorf("Two creates generated the same token")
	}
}

func TestUpdate(t *testing.T) {
	// seen is what Observe read of replicationGroup() changed by mods,
	// with the tags group() wants.
	seen := func(mods ...func(*types.ReplicationGroup)) *observed {
		o := observe(replicationGroup(t, mods...))
		o.tags = allTags()
		return &o
	}
	// tagged is seen() carrying tags.
	tagged := func(tags map[string]string) *observed {
		o := seen()
		o.tags = tags
		return o
	}
	modifyIn := func(m func(*elasticache.ModifyReplicationGroupInput)) *elasticache.ModifyReplicationGroupInput {
		in := &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String(testName), ApplyImmediately: aws.Bool(true)}
		m(in)
		return in
	}
	tokenIn := func(token string, s types.AuthTokenUpdateStrategyType) *elasticache.ModifyReplicationGroupInput {
		return modifyIn(func(in *elasticache.ModifyReplicationGroupInput) {
			in.AuthToken, in.AuthTokenUpdateStrategy = aws.String(token), s
		})
	}
	allAPI := func() *mockAPI {
		return &mockAPI{
			MockModifyReplicationGroup: modifies(nil), MockIncreaseReplicaCount: increases(nil), MockDecreaseReplicaCount: decreases(nil),
			MockAddTagsToResource: addsTags(nil), MockRemoveTagsFromResource: removesTags(nil),
		}
	}
	drift := func(fields string) string {
		return "External resource differs from the spec in " + fields + "; updating"
	}
	applied := func(opts ...groupOption) *v1alpha1.ReplicationGroup {
		return group(append([]groupOption{withTokenVersion(testVersion)}, opts...)...)
	}

	type want struct {
		u      managed.ExternalUpdate
		err    error
		msg    []string
		drift  string // the DriftDetected event's message; "" for no event
		cr     *v1alpha1.ReplicationGroup
		calls  []string
		inputs []any
	}
	cases := map[string]struct {
		reason   string
		api      *mockAPI
		kube     client.Client // withSecret when nil
		observed *observed
		cr       *v1alpha1.ReplicationGroup
		want     want
	}{
		"NotObserved": {
			reason: "Without an observation there is nothing to compare: no call.",
			api:    allAPI(),
			cr:     applied(),
			want:   want{cr: applied()},
		},
		"Busy": {
			reason: "While ElastiCache is modifying, Update should send nothing at all, however much differs or the token changed: ElastiCache would refuse it.",
			api:    allAPI(),
			kube:   rotated(t),
			observed: func() *observed {
				o := seen(withStatus("modifying"), withMembers(1), func(g *types.ReplicationGroup) { g.CacheNodeType = aws.String("cache.r7g.large") })
				o.tags = nil
				return o
			}(),
			cr:   applied(withRotating(testNewTokenVersion)),
			want: want{cr: applied(withRotating(testNewTokenVersion))},
		},
		"InSync": {
			reason:   "A group matching the spec should cause no call and no event.",
			api:      allAPI(),
			observed: seen(),
			cr:       applied(),
			want:     want{cr: applied()},
		},
		"NodeType": {
			reason:   "A node type change should record one event naming the field, then send one ModifyReplicationGroup with only the node type and ApplyImmediately.",
			api:      allAPI(),
			observed: seen(func(g *types.ReplicationGroup) { g.CacheNodeType = aws.String("cache.r7g.large") }),
			cr:       applied(),
			want: want{
				u:      managed.ExternalUpdate{ConnectionDetails: connection()},
				drift:  drift("cacheNodeType"),
				cr:     applied(),
				calls:  []string{"ModifyReplicationGroup"},
				inputs: []any{modifyIn(func(in *elasticache.ModifyReplicationGroupInput) { in.CacheNodeType = aws.String("cache.t4g.small") })},
			},
		},
		"ApplyLater": {
			reason:   "applyImmediately false should be sent as false.",
			api:      allAPI(),
			observed: seen(func(g *types.ReplicationGroup) { g.SnapshotRetentionLimit = aws.Int32(1) }),
			cr:       applied(withParams(func(p *v1alpha1.ReplicationGroupParameters) { p.ApplyImmediately = false })),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: connection()},
				drift: drift("snapshotRetentionLimit"),
				cr:    applied(withParams(func(p *v1alpha1.ReplicationGroupParameters) { p.ApplyImmediately = false })),
				calls: []string{"ModifyReplicationGroup"},
				inputs: []any{modifyIn(func(in *elasticache.ModifyReplicationGroupInput) {
					in.ApplyImmediately, in.SnapshotRetentionLimit = aws.Bool(false), aws.Int32(7)
				})},
			},
		},
		"ModifyFailed": {
			reason:   "A refused modify should be returned wrapped.",
			api:      &mockAPI{MockModifyReplicationGroup: modifies(errBoom)},
			observed: seen(func(g *types.ReplicationGroup) { g.Description = aws.String("old") }),
			cr:       applied(),
			want: want{
				err:   errBoom,
				msg:   []string{"cannot modify replication group: boom"},
				drift: drift("description"),
				cr:    applied(),
				calls: []string{"ModifyReplicationGroup"},
				inputs: []any{modifyIn(func(in *elasticache.ModifyReplicationGroupInput) {
					in.ReplicationGroupDescription = aws.String("sessions cache")
				})},
			},
		},
		"AddReplica": {
			reason:   "One node where the spec wants two should add one replica (NewReplicaCount 1), and send no Modify.",
			api:      allAPI(),
			observed: seen(withMembers(1)),
			cr:       applied(),
			want: want{
				u:      managed.ExternalUpdate{ConnectionDetails: connection()},
				drift:  drift("numCacheClusters"),
				cr:     applied(),
				calls:  []string{"IncreaseReplicaCount"},
				inputs: []any{&elasticache.IncreaseReplicaCountInput{ReplicationGroupId: aws.String(testName), NewReplicaCount: aws.Int32(1), ApplyImmediately: aws.Bool(true)}},
			},
		},
		"AddReplicaThenFailover": {
			reason: "Growing a one-node group and turning failover on: ElastiCache refuses failover without a replica, so the replica comes first and alone (the group is busy after it); the next poll turns failover on.",
			api:    allAPI(),
			observed: seen(withMembers(1), func(g *types.ReplicationGroup) {
				g.AutomaticFailover, g.MultiAZ = types.AutomaticFailoverStatusDisabled, types.MultiAZStatusDisabled
				g.NodeGroups[0].ReaderEndpoint = nil
			}),
			cr: applied(),
			want: want{
				u: managed.ExternalUpdate{ConnectionDetails: func() managed.ConnectionDetails {
					c := connection()
					delete(c, "readerHost")
					delete(c, "readerPort")
					return c
				}()},
				drift:  drift("numCacheClusters, automaticFailoverEnabled, multiAZEnabled"),
				cr:     applied(),
				calls:  []string{"IncreaseReplicaCount"},
				inputs: []any{&elasticache.IncreaseReplicaCountInput{ReplicationGroupId: aws.String(testName), NewReplicaCount: aws.Int32(1), ApplyImmediately: aws.Bool(true)}},
			},
		},
		"AddReplicaFailed": {
			reason:   "A refused replica addition should be returned wrapped.",
			api:      &mockAPI{MockIncreaseReplicaCount: increases(errBoom)},
			observed: seen(withMembers(1)),
			cr:       applied(),
			want: want{
				err:    errBoom,
				msg:    []string{"cannot add replicas: boom"},
				drift:  drift("numCacheClusters"),
				cr:     applied(),
				calls:  []string{"IncreaseReplicaCount"},
				inputs: []any{&elasticache.IncreaseReplicaCountInput{ReplicationGroupId: aws.String(testName), NewReplicaCount: aws.Int32(1), ApplyImmediately: aws.Bool(true)}},
			},
		},
		"RemoveReplica": {
			reason:   "Three nodes where the spec wants two should remove one replica (NewReplicaCount 1), and send no Modify.",
			api:      allAPI(),
			observed: seen(withMembers(3)),
			cr:       applied(),
			want: want{
				u:      managed.ExternalUpdate{ConnectionDetails: connection()},
				drift:  drift("numCacheClusters"),
				cr:     applied(),
				calls:  []string{"DecreaseReplicaCount"},
				inputs: []any{&elasticache.DecreaseReplicaCountInput{ReplicationGroupId: aws.String(testName), NewReplicaCount: aws.Int32(1), ApplyImmediately: aws.Bool(true)}},
			},
		},
		"FailoverOffThenRemoveReplica": {
			reason:   "Shrinking to one node and turning failover off: failover goes off first and alone, since ElastiCache keeps the last replica of a group with failover and refuses changes while it modifies; the replica goes on a later poll.",
			api:      allAPI(),
			observed: seen(),
			cr: applied(withParams(func(p *v1alpha1.ReplicationGroupParameters) {
				p.NumCacheClusters, p.AutomaticFailoverEnabled, p.MultiAZEnabled = 1, false, ptr.To(false)
			})),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: connection()},
				drift: drift("numCacheClusters, automaticFailoverEnabled, multiAZEnabled"),
				cr: applied(withParams(func(p *v1alpha1.ReplicationGroupParameters) {
					p.NumCacheClusters, p.AutomaticFailoverEnabled, p.MultiAZEnabled = 1, false, ptr.To(false)
				})),
				calls: []string{"ModifyReplicationGroup"},
				inputs: []any{
					modifyIn(func(in *elasticache.ModifyReplicationGroupInput) {
						in.AutomaticFailoverEnabled, in.MultiAZEnabled = aws.Bool(false), aws.Bool(false)
					}),
				},
			},
		},
		"RemoveReplicaFailed": {
			reason:   "A refused replica removal should be returned wrapped.",
			api:      &mockAPI{MockDecreaseReplicaCount: decreases(errBoom)},
			observed: seen(withMembers(3)),
			cr:       applied(),
			want: want{
				err:    errBoom,
				msg:    []string{"cannot remove replicas: boom"},
				drift:  drift("numCacheClusters"),
				cr:     applied(),
				calls:  []string{"DecreaseReplicaCount"},
				inputs: []any{&elasticache.DecreaseReplicaCountInput{ReplicationGroupId: aws.String(testName), NewReplicaCount: aws.Int32(1), ApplyImmediately: aws.Bool(true)}},
			},
		},
		"TagsOnly": {
			reason:   "Drift in tags alone should add and remove tags by the ARN, and send no Modify.",
			api:      allAPI(),
			observed: tagged(plus(providerTags(), "owner", "someone")),
			cr:       applied(),
			want: want{
				u:     managed.ExternalUpdate{ConnectionDetails: connection()},
				drift: drift("tags"),
				cr:    applied(),
				calls: []string{"AddTagsToResource", "RemoveTagsFromResource"},
				inputs: []any{
					&elasticache.AddTagsToResourceInput{ResourceName: aws.String(testARN), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("sessions")}}},
					&elasticache.RemoveTagsFromResourceInput{ResourceName: aws.String(testARN), TagKeys: []string{"owner"}},
				},
			},
		},
		"AddTagsFailed": {
			reason:   "A failed tagging should be returned wrapped.",
			api:      &mockAPI{MockAddTagsToResource: addsTags(errBoom)},
			observed: tagged(providerTags()),
			cr:       applied(),
			want: want{
				err:    errBoom,
				msg:    []string{"cannot tag replication group: boom"},
				drift:  drift("tags"),
				cr:     applied(),
				calls:  []string{"AddTagsToResource"},
				inputs: []any{&elasticache.AddTagsToResourceInput{ResourceName: aws.String(testARN), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("sessions")}}}},
			},
		},
		"RemoveTagsFailed": {
			reason:   "A failed untagging should be returned wrapped.",
			api:      &mockAPI{MockRemoveTagsFromResource: removesTags(errBoom)},
			observed: tagged(plus(allTags(), "owner", "someone")),
			cr:       applied(),
			want: want{
				err:    errBoom,
				msg:    []string{"cannot remove tags from replication group: boom"},
				drift:  drift("tags"),
				cr:     applied(),
				calls:  []string{"RemoveTagsFromResource"},
				inputs: []any{&elasticache.RemoveTagsFromResourceInput{ResourceName: aws.String(testARN), TagKeys: []string{"owner"}}},
			},
		},
		"RotateStarts": {
			reason:   "A token Secret at a new version should send the new token alone with ROTATE, so that both tokens work; the status records the version rotating and keeps the applied one; the connection Secret keeps the old token until ElastiCache accepts the new one; the event names the field, never the value.",
			api:      allAPI(),
			kube:     rotated(t),
			observed: seen(),
			cr:       applied(),
			want: want{
				u:      managed.ExternalUpdate{ConnectionDetails: pending()},
				drift:  drift("authToken"),
				cr:     applied(withRotating(testNewTokenVersion)),
				calls:  []string{"ModifyReplicationGroup"},
				inputs: []any{tokenIn(testNewToken, types.AuthTokenUpdateStrategyTypeRotate)},
			},
		},
		"RotateCompletes": {
			reason:   "With the rotation done, its grace period over and the Secret unchanged, SET should drop the old token; the new version is then the applied one and nothing rotates.",
			api:      allAPI(),
			kube:     rotated(t),
			observed: seen(),
			cr:       applied(withRotating(testNewTokenVersion), withRotated(10*time.Minute)),
			want: want{
				u:      managed.ExternalUpdate{ConnectionDetails: connectionWith(testNewToken)},
				drift:  drift("authToken"),
				cr:     applied(withTokenVersion(testNewTokenVersion)),
				calls:  []string{"ModifyReplicationGroup"},
				inputs: []any{tokenIn(testNewToken, types.AuthTokenUpdateStrategyTypeSet)},
			},
		},
		"RotateAdopted": {
			reason:   "An adopted group has no applied token version: its token is rotated in, starting with ROTATE.",
			api:      allAPI(),
			observed: seen(),
			cr:       group(),
			want: want{
				u:      managed.ExternalUpdate{ConnectionDetails: pending()},
				drift:  drift("authToken"),
				cr:     group(withRotating(testVersion)),
				calls:  []string{"ModifyReplicationGroup"},
				inputs: []any{tokenIn(testToken, types.AuthTokenUpdateStrategyTypeRotate)},
			},
		},
		"RotateFailed": {
			reason:   "A refused ROTATE should be returned wrapped, naming the strategy and not the token, and change no version, so that it is retried.",
			api:      &mockAPI{MockModifyReplicationGroup: modifies(errBoom)},
			kube:     rotated(t),
			observed: seen(),
			cr:       applied(),
			want: want{
				err:    errBoom,
				msg:    []string{"cannot ROTATE the auth token: boom"},
				drift:  drift("authToken"),
				cr:     applied(),
				calls:  []string{"ModifyReplicationGroup"},
				inputs: []any{tokenIn(testNewToken, types.AuthTokenUpdateStrategyTypeRotate)},
			},
		},
		"SetFailed": {
			reason:   "A refused SET should be returned wrapped and keep the rotation going, so that SET is retried.",
			api:      &mockAPI{MockModifyReplicationGroup: modifies(errBoom)},
			kube:     rotated(t),
			observed: seen(),
			cr:       applied(withRotating(testNewTokenVersion), withRotated(10*time.Minute)),
			want: want{
				err:    errBoom,
				msg:    []string{"cannot SET the auth token: boom"},
				drift:  drift("authToken"),
				cr:     applied(withRotating(testNewTokenVersion), withRotated(10*time.Minute)),
				calls:  []string{"ModifyReplicationGroup"},
				inputs: []any{tokenIn(testNewToken, types.AuthTokenUpdateStrategyTypeSet)},
			},
		},
		"SetWaitsForGrace": {
			reason:   "Within the grace period nothing is sent: both tokens stay valid.",
			api:      allAPI(),
			kube:     rotated(t),
			observed: seen(),
			cr:       applied(withRotating(testNewTokenVersion), withRotated(time.Minute)),
			want:     want{cr: applied(withRotating(testNewTokenVersion), withRotated(time.Minute))},
		},
		"RotationBeforeOtherChanges": {
			reason:   "A new token goes before other changes (here a node type ElastiCache may keep refusing), so that no change can hold a rotation half way.",
			api:      allAPI(),
			kube:     rotated(t),
			observed: seen(func(g *types.ReplicationGroup) { g.CacheNodeType = aws.String("cache.r7g.large") }),
			cr:       applied(),
			want: want{
				u:      managed.ExternalUpdate{ConnectionDetails: pending()},
				drift:  drift("cacheNodeType, authToken"),
				cr:     applied(withRotating(testNewTokenVersion)),
				calls:  []string{"ModifyReplicationGroup"},
				inputs: []any{tokenIn(testNewToken, types.AuthTokenUpdateStrategyTypeRotate)},
			},
		},
		"NoTokenRef": {
			reason:   "A group without a token reference never rotates.",
			api:      allAPI(),
			observed: seen(),
			cr:       group(withoutToken()),
			want:     want{cr: group(withoutToken())},
		},
		"SecretGetFailed": {
			reason:   "A token Secret that cannot be read should be an error, before any call.",
			api:      allAPI(),
			kube:     secretGetFails(t),
			observed: seen(func(g *types.ReplicationGroup) { g.CacheNodeType = aws.String("cache.r7g.large") }),
			cr:       applied(),
			want: want{
				err: errBoom,
				msg: []string{"cannot get auth token Secret " + testSecret},
				cr:  applied(),
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
			if diff := cmp.Diff(tc.want.inputs, tc.api.inputs, ignoreInputs); diff != "" {
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

// TestTokenRotation runs a rotation through the polls that carry it out:
// ROTATE, a busy group, the rotation done (the new token published), the
// grace period, SET, a busy group, in sync. The token must never be in a
// Diff or an event; the connection Secret must never hold a token
// ElastiCache refuses.
func TestTokenRotation(t *testing.T) {
	kube := rotated(t)
	cr := group(withTokenVersion(testVersion))
	status := "available"
	a := &mockAPI{
		MockDescribeReplicationGroups: func(ctx context.Context, in *elasticache.DescribeReplicationGroupsInput, opts ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error) {
			return describes(replicationGroup(t, withStatus(status)))(ctx, in, opts...)
		},
		MockDescribeCacheClusters: runs(testEngineVersion),
		MockListTagsForResource:   listsTags(allTags()),
		MockModifyReplicationGroup: func(context.Context, *elasticache.ModifyReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.ModifyReplicationGroupOutput, error) {
			status = "modifying"
			return &elasticache.ModifyReplicationGroupOutput{}, nil
		},
	}
	type poll struct {
		settle    bool          // the group becomes available before this poll
		later     time.Duration // time passes before this poll
		upToDate  bool
		strategy  types.AuthTokenUpdateStrategyType // sent by Update; "" for no call
		applied   string
		rotating  string
		published string // the token in the connection details; "" for none
	}
	polls := []poll{
		{upToDate: false, strategy: types.AuthTokenUpdateStrategyTypeRotate, applied: testVersion, rotating: testNewTokenVersion},
		{upToDate: true, applied: testVersion, rotating: testNewTokenVersion},
		{settle: true, upToDate: true, applied: testVersion, rotating: testNewTokenVersion, published: testNewToken},
		{later: 4 * time.Minute, upToDate: true, applied: testVersion, rotating: testNewTokenVersion, published: testNewToken},
		{later: 2 * time.Minute, upToDate: false, strategy: types.AuthTokenUpdateStrategyTypeSet, applied: testNewTokenVersion, published: testNewToken},
		{upToDate: true, applied: testNewTokenVersion, published: testNewToken},
		{settle: true, upToDate: true, applied: testNewTokenVersion, published: testNewToken},
	}
	now := testNow
	for i, p := range polls {
		if p.settle {
			status = "available"
		}
		now = now.Add(p.later)
		r := &reconcilertest.Recorder{}
		e := newExternal(a, kube, r)
		e.now = func() time.Time { return now }
		a.calls, a.inputs = nil, nil
		o, err := e.Observe(context.Background(), cr)
		if err != nil {
			t.Fatalf("poll %d: Observe: %v", i+1, err)
		}
		if o.ResourceUpToDate != p.upToDate {
			t.Errorf("poll %d: Observe says up to date: %t, want %t (Diff %q)", i+1, o.ResourceUpToDate, p.upToDate, o.Diff)
		}
		details := o.ConnectionDetails
		if !o.ResourceUpToDate {
			u, err := e.Update(context.Background(), cr)
			if err != nil {
				t.Fatalf("poll %d: Update: %v", i+1, err)
			}
			details = u.ConnectionDetails
		}
		if got := string(details["password"]); got != p.published {
			t.Errorf("poll %d: published token %q, want %q", i+1, got, p.published)
		}
		var sent types.AuthTokenUpdateStrategyType
		for j, c := range a.calls {
			if c != "ModifyReplicationGroup" {
				continue
			}
			in, _ := a.inputs[j].(*elasticache.ModifyReplicationGroupInput)
			sent = in.AuthTokenUpdateStrategy
			if aws.ToString(in.AuthToken) != testNewToken {
				t.Errorf("poll %d: %s sent another token than the Secret holds", i+1, sent)
			}
		}
		if sent != p.strategy {
			t.Errorf("poll %d: sent strategy %q, want %q", i+1, sent, p.strategy)
		}
		at := cr.Status.AtProvider
		if diff := cmp.Diff([]string{p.applied, p.rotating}, []string{at.AuthTokenSecretVersion, at.AuthTokenRotating}); diff != "" {
			t.Errorf("poll %d: -want [applied rotating], +got:\n%s", i+1, diff)
		}
		noLeaks(t, "TestTokenRotation", err, r.Events, o.Diff)
	}
}

func TestDelete(t *testing.T) {
	seen := func(mods ...func(*types.ReplicationGroup)) *observed {
		o := observe(replicationGroup(t, mods...))
		return &o
	}
	plain := &elasticache.DeleteReplicationGroupInput{ReplicationGroupId: aws.String(testName)}

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
		cr       *v1alpha1.ReplicationGroup
		want     want
	}{
		"NoSnapshot": {
			reason:   "Without a final snapshot name the group should be deleted without one.",
			api:      &mockAPI{MockDeleteReplicationGroup: deletes(nil)},
			observed: seen(),
			cr:       group(),
			want:     want{calls: []string{"DeleteReplicationGroup"}, inputs: []any{plain}},
		},
		"FinalSnapshot": {
			reason:   "A named final snapshot should be passed on.",
			api:      &mockAPI{MockDeleteReplicationGroup: deletes(nil)},
			observed: seen(),
			cr:       group(withParams(func(p *v1alpha1.ReplicationGroupParameters) { p.FinalSnapshotIdentifier = ptr.To("sessions-last") })),
			want: want{calls: []string{"DeleteReplicationGroup"}, inputs: []any{
				&elasticache.DeleteReplicationGroupInput{ReplicationGroupId: aws.String(testName), FinalSnapshotIdentifier: aws.String("sessions-last")},
			}},
		},
		"AlreadyDeleting": {
			reason:   "A group ElastiCache is already deleting should cause no call.",
			api:      &mockAPI{MockDeleteReplicationGroup: deletes(nil)},
			observed: seen(withStatus("deleting")),
			cr:       group(),
		},
		"NotObserved": {
			reason: "Without an observation, Delete should still send the delete.",
			api:    &mockAPI{MockDeleteReplicationGroup: deletes(nil)},
			cr:     group(),
			want:   want{calls: []string{"DeleteReplicationGroup"}, inputs: []any{plain}},
		},
		"NotFound": {
			reason:   "A group already gone is deleted.",
			api:      &mockAPI{MockDeleteReplicationGroup: deletes(errors.Wrap(apiError("ReplicationGroupNotFoundFault"), "operation error ElastiCache"))},
			observed: seen(),
			cr:       group(),
			want:     want{calls: []string{"DeleteReplicationGroup"}, inputs: []any{plain}},
		},
		"DeleteFailed": {
			reason:   "Any other error should be returned wrapped.",
			api:      &mockAPI{MockDeleteReplicationGroup: deletes(errBoom)},
			observed: seen(),
			cr:       group(),
			want: want{
				err:    errBoom,
				msg:    []string{"cannot delete replication group: boom"},
				calls:  []string{"DeleteReplicationGroup"},
				inputs: []any{plain},
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
			if diff := cmp.Diff(tc.want.inputs, tc.api.inputs, ignoreInputs); diff != "" {
				t.Errorf("\n%s\nDelete(...): -want inputs, +got inputs:\n%s", tc.reason, diff)
			}
			noLeaks(t, tc.reason, err, r.Events, "")
		})
	}
}

// scalingGroup is a replication group that changes as ElastiCache does:
// busy after each change until the next poll, refusing changes while busy,
// failover without a replica, and multi-AZ without failover.
type scalingGroup struct {
	t                 *testing.T
	busy              bool
	members           int
	failover, multiAZ bool
}

func (s *scalingGroup) api() *mockAPI {
	refuse := func() error {
		if s.busy {
			return apiError("InvalidReplicationGroupState")
		}
		s.busy = true
		return nil
	}
	check := func() error {
		if (s.failover && s.members < 2) || (s.multiAZ && !s.failover) {
			return apiError("InvalidParameterCombination")
		}
		return nil
	}
	return &mockAPI{
		MockDescribeReplicationGroups: func(ctx context.Context, in *elasticache.DescribeReplicationGroupsInput, opts ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error) {
			return describes(replicationGroup(s.t, withMembers(s.members), func(g *types.ReplicationGroup) {
				if s.busy {
					g.Status = aws.String("modifying")
				}
				g.AutomaticFailover, g.MultiAZ = types.AutomaticFailoverStatusDisabled, types.MultiAZStatusDisabled
				if s.failover {
					g.AutomaticFailover = types.AutomaticFailoverStatusEnabled
				}
				if s.multiAZ {
					g.MultiAZ = types.MultiAZStatusEnabled
				}
			}))(ctx, in, opts...)
		},
		MockListTagsForResource: listsTags(allTags()),
		MockModifyReplicationGroup: func(_ context.Context, in *elasticache.ModifyReplicationGroupInput, _ ...func(*elasticache.Options)) (*elasticache.ModifyReplicationGroupOutput, error) {
			was := *s
			if in.AutomaticFailoverEnabled != nil {
				s.failover = *in.AutomaticFailoverEnabled
			}
			if in.MultiAZEnabled != nil {
				s.multiAZ = *in.MultiAZEnabled
			}
			if err := check(); err != nil {
				*s = was
				return nil, err
			}
			if err := refuse(); err != nil {
				*s = was
				return nil, err
			}
			return &elasticache.ModifyReplicationGroupOutput{}, nil
		},
		MockIncreaseReplicaCount: func(_ context.Context, in *elasticache.IncreaseReplicaCountInput, _ ...func(*elasticache.Options)) (*elasticache.IncreaseReplicaCountOutput, error) {
			if err := refuse(); err != nil {
				return nil, err
			}
			s.members = int(aws.ToInt32(in.NewReplicaCount)) + 1
			return &elasticache.IncreaseReplicaCountOutput{}, nil
		},
		MockDecreaseReplicaCount: func(_ context.Context, in *elasticache.DecreaseReplicaCountInput, _ ...func(*elasticache.Options)) (*elasticache.DecreaseReplicaCountOutput, error) {
			was := *s
			s.members = int(aws.ToInt32(in.NewReplicaCount)) + 1
			if err := check(); err != nil {
				*s = was
				return nil, err
			}
			if err := refuse(); err != nil {
				*s = was
				return nil, err
			}
			return &elasticache.DecreaseReplicaCountOutput{}, nil
		},
	}
}

// TestScaling runs polls against a group that behaves as ElastiCache does
// until the group matches the spec: replicas and failover must be changed
// in an order ElastiCache accepts.
func TestScaling(t *testing.T) {
	cases := map[string]struct {
		reason  string
		from    scalingGroup
		cr      *v1alpha1.ReplicationGroup
		polls   int // polls until in sync
		refused int // calls ElastiCache refuses on the way
	}{
		"GrowWithFailover": {
			reason: "One node without failover to group()'s two with failover and multi-AZ: the replica first, then failover; nothing refused.",
			from:   scalingGroup{members: 1},
			cr:     group(withTokenVersion(testVersion)),
			polls:  3,
		},
		"ShrinkWithoutFailover": {
			reason: "Two nodes with failover to one without: failover off first, then the replica once the group is available again; nothing refused.",
			from:   scalingGroup{members: 2, failover: true, multiAZ: true},
			cr: group(withTokenVersion(testVersion), withParams(func(p *v1alpha1.ReplicationGroupParameters) {
				p.NumCacheClusters, p.AutomaticFailoverEnabled, p.MultiAZEnabled = 1, false, ptr.To(false)
			})),
			polls: 3,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := tc.from
			s.t = t
			a := s.api()
			kube := withSecret(t)
			refused := 0
			for poll := 1; ; poll++ {
				if poll > 6 {
					t.Fatalf("\n%s\nnot in sync after %d polls: %+v", tc.reason, poll-1, s)
				}
				e := newExternal(a, kube, &reconcilertest.Recorder{})
				o, err := e.Observe(context.Background(), tc.cr)
				if err != nil {
					t.Fatalf("\n%s\npoll %d: Observe: %v", tc.reason, poll, err)
				}
				if o.ResourceUpToDate && !s.busy {
					if poll != tc.polls {
						t.Errorf("\n%s\nin sync at poll %d, want %d", tc.reason, poll, tc.polls)
					}
					break
				}
				if !o.ResourceUpToDate {
					if _, err := e.Update(context.Background(), tc.cr); err != nil {
						refused++
						t.Logf("poll %d: Update: %v", poll, err)
					}
				}
				s.busy = false // ElastiCache is done by the next poll.
			}
			if refused != tc.refused {
				t.Errorf("\n%s\nElastiCache refused %d calls, want %d", tc.reason, refused, tc.refused)
			}
		})
	}
}

// TestUpdateGeneratesMissingToken: a group whose token Secret is gone (or
// was never made: adopted) gets a generated token, written to the Secret
// before ElastiCache hears of it, then ROTATE (SET follows on a later
// poll), and the connection details carry it only once ROTATE is done.
func TestUpdateGeneratesMissingToken(t *testing.T) {
	kube := cluster(t, nil)
	a := &mockAPI{MockModifyReplicationGroup: modifies(nil), MockAddTagsToResource: addsTags(nil), MockRemoveTagsFromResource: removesTags(nil)}
	e := newExternal(a, kube, &reconcilertest.Recorder{})
	o := observe(replicationGroup(t))
	o.tags = allTags()
	e.observed = &o
	cr := group(withTokenVersion(testVersion))
	u, err := e.Update(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	s := &corev1.Secret{}
	if err := kube.Get(context.Background(), client.ObjectKey{Namespace: testNamespace, Name: testSecret}, s); err != nil {
		t.Fatalf("the token Secret was not created: %v", err)
	}
	tok := string(s.Data[testKey])
	if len(tok) != 32 {
		t.Fatalf("generated token of %d characters, want 32", len(tok))
	}
	if len(a.inputs) != 1 {
		t.Fatalf("calls %v, want one ModifyReplicationGroup", a.calls)
	}
	in := a.inputs[0].(*elasticache.ModifyReplicationGroupInput)
	if aws.ToString(in.AuthToken) != tok || in.AuthTokenUpdateStrategy != types.AuthTokenUpdateStrategyTypeRotate {
		t.Errorf("ModifyReplicationGroup was not sent ROTATE with the generated token (strategy %q)", in.AuthTokenUpdateStrategy)
	}
	if got, want := cr.Status.AtProvider.AuthTokenRotating, versionOf(tok); got != want {
		t.Errorf("rotating %q, want the generated token's %q", got, want)
	}
	if _, ok := u.ConnectionDetails["password"]; ok {
		t.Error("the connection details carry a token before ElastiCache has finished ROTATE")
	}
}

// testCreated is when the resources under test were created.
var testCreated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// unmade is a resource that has not made its external resource (it is
// creating it, or names one made elsewhere): an untagged one is not its.
func unmade() groupOption {
	return func(cr *v1alpha1.ReplicationGroup) {
		meta.RemoveAnnotations(cr, meta.AnnotationKeyExternalCreateSucceeded)
	}
}
