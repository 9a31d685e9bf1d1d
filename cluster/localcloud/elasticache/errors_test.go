package elasticache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/google/go-cmp/cmp"
)

// isA reports whether err is (or wraps) the SDK's typed error T.
func isA[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// TestErrors checks that every refusal reaches the SDK as the typed error
// its callers test for, with ElastiCache's code and HTTP status.
func TestErrors(t *testing.T) {
	ctx := context.Background()
	_, c := newTestService(t, t.TempDir(), 0, newFakeEngines())
	ready := createInput("ready", 2)
	ready.AutomaticFailoverEnabled, ready.TransitEncryptionEnabled, ready.AuthToken = aws.Bool(true), aws.Bool(true), aws.String(oldToken)
	plain := createInput("plain", 1)
	noFailover := createInput("no-failover", 2)
	for _, in := range []*awsec.CreateReplicationGroupInput{ready, plain, noFailover} {
		if _, err := c.CreateReplicationGroup(ctx, in); err != nil {
			t.Fatal(err)
		}
		observe(t, c, aws.ToString(in.ReplicationGroupId), "available")
	}
	if _, err := c.DeleteReplicationGroup(ctx, &awsec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("plain"), FinalSnapshotIdentifier: aws.String("taken")}); err != nil {
		t.Fatal(err)
	}
	observe(t, c, "plain", "")
	// A second service whose statuses last a minute, for busy groups.
	_, slow := newTestService(t, t.TempDir(), time.Minute, newFakeEngines())
	if _, err := slow.CreateReplicationGroup(ctx, createInput("busy", 1)); err != nil {
		t.Fatal(err)
	}

	with := func(mutate func(*awsec.CreateReplicationGroupInput)) func() error {
		return func() error {
			in := createInput("new-group", 1)
			mutate(in)
			_, err := c.CreateReplicationGroup(ctx, in)
			return err
		}
	}
	modify := func(in *awsec.ModifyReplicationGroupInput) func() error {
		return func() error {
			if in.ReplicationGroupId == nil {
				in.ReplicationGroupId = aws.String("ready")
			}
			_, err := c.ModifyReplicationGroup(ctx, in)
			return err
		}
	}
	failover := func(group, nodeGroup string, c *awsec.Client) func() error {
		return func() error {
			_, err := c.TestFailover(ctx, &awsec.TestFailoverInput{ReplicationGroupId: aws.String(group), NodeGroupId: aws.String(nodeGroup)})
			return err
		}
	}
	cases := map[string]struct {
		reason string
		call   func() error
		typed  func(error) bool
		code   string
		status int
	}{
		"DescribeMissingGroup": {
			reason: "An unknown group is ReplicationGroupNotFoundFault, 404.",
			call: func() error {
				_, err := c.DescribeReplicationGroups(ctx, &awsec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("nope")})
				return err
			},
			typed: isA[*types.ReplicationGroupNotFoundFault], code: "ReplicationGroupNotFoundFault", status: 404,
		},
		"CreateExisting": {
			reason: "A taken id is ReplicationGroupAlreadyExists.",
			call:   func() error { _, err := c.CreateReplicationGroup(ctx, createInput("READY", 1)); return err },
			typed:  isA[*types.ReplicationGroupAlreadyExistsFault], code: "ReplicationGroupAlreadyExists", status: 400,
		},
		"ModifyWhileCreating": {
			reason: "A busy group refuses changes with InvalidReplicationGroupState.",
			call: func() error {
				_, err := slow.ModifyReplicationGroup(ctx, &awsec.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("busy"), SnapshotRetentionLimit: aws.Int32(2), ApplyImmediately: aws.Bool(true)})
				return err
			},
			typed: isA[*types.InvalidReplicationGroupStateFault], code: "InvalidReplicationGroupState", status: 400,
		},
		"DeleteWhileCreating": {
			reason: "A creating group cannot be deleted yet.",
			call: func() error {
				_, err := slow.DeleteReplicationGroup(ctx, &awsec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("busy")})
				return err
			},
			typed: isA[*types.InvalidReplicationGroupStateFault], code: "InvalidReplicationGroupState", status: 400,
		},
		"TokenWithoutTransitEncryption": {
			reason: "ElastiCache takes an AUTH token only with transit encryption.",
			call:   with(func(in *awsec.CreateReplicationGroupInput) { in.AuthToken = aws.String(oldToken) }),
			typed:  isA[*types.InvalidParameterValueException], code: "InvalidParameterValue", status: 400,
		},
		"ShortToken": {
			reason: "Tokens have 16 to 128 characters.",
			call: with(func(in *awsec.CreateReplicationGroupInput) {
				in.TransitEncryptionEnabled, in.AuthToken = aws.Bool(true), aws.String("short")
			}),
			typed: isA[*types.InvalidParameterValueException], code: "InvalidParameterValue", status: 400,
		},
		"FailoverWithoutReplica": {
			reason: "Automatic failover needs a replica.",
			call:   with(func(in *awsec.CreateReplicationGroupInput) { in.AutomaticFailoverEnabled = aws.Bool(true) }),
			typed:  isA[*types.InvalidParameterCombinationException], code: "InvalidParameterCombination", status: 400,
		},
		"ClustersAndReplicas": {
			reason: "NumCacheClusters and ReplicasPerNodeGroup exclude each other.",
			call:   with(func(in *awsec.CreateReplicationGroupInput) { in.ReplicasPerNodeGroup = aws.Int32(1) }),
			typed:  isA[*types.InvalidParameterCombinationException], code: "InvalidParameterCombination", status: 400,
		},
		"TooManyNodes": {
			reason: "A node group has at most six nodes.",
			call:   with(func(in *awsec.CreateReplicationGroupInput) { in.NumCacheClusters = aws.Int32(7) }),
			typed:  isA[*types.InvalidParameterValueException], code: "InvalidParameterValue", status: 400,
		},
		"ClusterMode": {
			reason: "Cluster mode is refused, not ignored.",
			call:   with(func(in *awsec.CreateReplicationGroupInput) { in.NumNodeGroups = aws.Int32(2) }),
			typed:  isA[*types.InvalidParameterValueException], code: "InvalidParameterValue", status: 400,
		},
		"OtherMajorVersion": {
			reason: "Only the installed major version runs.",
			call:   with(func(in *awsec.CreateReplicationGroupInput) { in.EngineVersion = aws.String("6.2") }),
			typed:  isA[*types.InvalidParameterCombinationException], code: "InvalidParameterCombination", status: 400,
		},
		"BadGroupID": {
			reason: "Ids start with a letter and have no double hyphen.",
			call:   with(func(in *awsec.CreateReplicationGroupInput) { in.ReplicationGroupId = aws.String("1--bad") }),
			typed:  isA[*types.InvalidParameterValueException], code: "InvalidParameterValue", status: 400,
		},
		"NoModification": {
			reason: "A modification that changes nothing is refused.",
			call:   modify(&awsec.ModifyReplicationGroupInput{ApplyImmediately: aws.Bool(true), CacheNodeType: aws.String(nodeMicro)}),
			typed:  isA[*types.InvalidParameterCombinationException], code: "InvalidParameterCombination", status: 400,
		},
		"DeleteStrategy": {
			reason: "DELETE needs a move to RBAC, which the local cloud does not model.",
			call:   modify(&awsec.ModifyReplicationGroupInput{ApplyImmediately: aws.Bool(true), AuthTokenUpdateStrategy: types.AuthTokenUpdateStrategyTypeDelete}),
			typed:  isA[*types.InvalidParameterCombinationException], code: "InvalidParameterCombination", status: 400,
		},
		"StrategyWithoutToken": {
			reason: "SET needs the token to set.",
			call:   modify(&awsec.ModifyReplicationGroupInput{ApplyImmediately: aws.Bool(true), AuthTokenUpdateStrategy: types.AuthTokenUpdateStrategyTypeSet}),
			typed:  isA[*types.InvalidParameterCombinationException], code: "InvalidParameterCombination", status: 400,
		},
		"DisableFailoverReplicaFree": {
			reason: "Decreasing to no replica is refused while failover is enabled.",
			call: func() error {
				_, err := c.DecreaseReplicaCount(ctx, &awsec.DecreaseReplicaCountInput{ReplicationGroupId: aws.String("ready"), NewReplicaCount: aws.Int32(0), ApplyImmediately: aws.Bool(true)})
				return err
			},
			typed: isA[*types.InvalidParameterCombinationException], code: "InvalidParameterCombination", status: 400,
		},
		"IncreaseLater": {
			reason: "Replica counts change only with ApplyImmediately.",
			call: func() error {
				_, err := c.IncreaseReplicaCount(ctx, &awsec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("ready"), NewReplicaCount: aws.Int32(2), ApplyImmediately: aws.Bool(false)})
				return err
			},
			typed: isA[*types.InvalidParameterValueException], code: "InvalidParameterValue", status: 400,
		},
		"IncreaseMissingGroup": {
			reason: "Replica changes on an unknown group are ReplicationGroupNotFoundFault.",
			call: func() error {
				_, err := c.IncreaseReplicaCount(ctx, &awsec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("nope"), NewReplicaCount: aws.Int32(2), ApplyImmediately: aws.Bool(true)})
				return err
			},
			typed: isA[*types.ReplicationGroupNotFoundFault], code: "ReplicationGroupNotFoundFault", status: 404,
		},
		"DescribeMissingCluster": {
			reason: "An unknown cluster is CacheClusterNotFound, 404.",
			call: func() error {
				_, err := c.DescribeCacheClusters(ctx, &awsec.DescribeCacheClustersInput{CacheClusterId: aws.String("nope-001")})
				return err
			},
			typed: isA[*types.CacheClusterNotFoundFault], code: "CacheClusterNotFound", status: 404,
		},
		"DeleteMissingGroup": {
			reason: "Deleting an unknown group is ReplicationGroupNotFoundFault.",
			call: func() error {
				_, err := c.DeleteReplicationGroup(ctx, &awsec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("plain")})
				return err
			},
			typed: isA[*types.ReplicationGroupNotFoundFault], code: "ReplicationGroupNotFoundFault", status: 404,
		},
		"FinalSnapshotTaken": {
			reason: "A final snapshot's name must be free.",
			call: func() error {
				_, err := c.DeleteReplicationGroup(ctx, &awsec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("ready"), FinalSnapshotIdentifier: aws.String("taken")})
				return err
			},
			typed: isA[*types.SnapshotAlreadyExistsFault], code: "SnapshotAlreadyExistsFault", status: 400,
		},
		"DescribeMissingSnapshot": {
			reason: "An unknown snapshot is SnapshotNotFoundFault, 404.",
			call: func() error {
				_, err := c.DescribeSnapshots(ctx, &awsec.DescribeSnapshotsInput{SnapshotName: aws.String("nope")})
				return err
			},
			typed: isA[*types.SnapshotNotFoundFault], code: "SnapshotNotFoundFault", status: 404,
		},
		"BadARN": {
			reason: "A malformed resource name is InvalidARN.",
			call: func() error {
				_, err := c.ListTagsForResource(ctx, &awsec.ListTagsForResourceInput{ResourceName: aws.String("arn:aws:rds:us-east-1:000000000000:db:x")})
				return err
			},
			typed: isA[*types.InvalidARNFault], code: "InvalidARN", status: 400,
		},
		"TagsOfMissingGroup": {
			reason: "Tags of an unknown group are ReplicationGroupNotFoundFault.",
			call: func() error {
				_, err := c.ListTagsForResource(ctx, &awsec.ListTagsForResourceInput{ResourceName: aws.String("arn:aws:elasticache:us-east-1:000000000000:replicationgroup:nope")})
				return err
			},
			typed: isA[*types.ReplicationGroupNotFoundFault], code: "ReplicationGroupNotFoundFault", status: 404,
		},
		"RemoveMissingTag": {
			reason: "Removing a tag the resource lacks is TagNotFound.",
			call: func() error {
				_, err := c.RemoveTagsFromResource(ctx, &awsec.RemoveTagsFromResourceInput{ResourceName: aws.String("arn:aws:elasticache:us-east-1:000000000000:replicationgroup:ready"), TagKeys: []string{"nope"}})
				return err
			},
			typed: isA[*types.TagNotFoundFault], code: "TagNotFound", status: 404,
		},
		"FailoverMissingGroup": {
			reason: "TestFailover on an unknown group is ReplicationGroupNotFoundFault.",
			call:   failover("nope", "0001", c),
			typed:  isA[*types.ReplicationGroupNotFoundFault], code: "ReplicationGroupNotFoundFault", status: 404,
		},
		"FailoverMissingNodeGroup": {
			reason: "A group with cluster mode disabled has node group 0001 only.",
			call:   failover("ready", "0002", c),
			typed:  isA[*types.NodeGroupNotFoundFault], code: "NodeGroupNotFoundFault", status: 404,
		},
		"FailoverWhileCreating": {
			reason: "A busy group cannot fail over.",
			call:   failover("busy", "0001", slow),
			typed:  isA[*types.InvalidReplicationGroupStateFault], code: "InvalidReplicationGroupState", status: 400,
		},
		"FailoverWithoutAutomaticFailover": {
			reason: "Without automatic failover there is no failover to test.",
			call:   failover("no-failover", "0001", c),
			typed:  isA[*types.TestFailoverNotAvailableFault], code: "TestFailoverNotAvailableFault", status: 400,
		},
		"SmallPage": {
			reason: "MaxRecords is 20 to 100.",
			call: func() error {
				_, err := c.DescribeReplicationGroups(ctx, &awsec.DescribeReplicationGroupsInput{MaxRecords: aws.Int32(10)})
				return err
			},
			typed: isA[*types.InvalidParameterValueException], code: "InvalidParameterValue", status: 400,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if !tc.typed(err) {
				t.Errorf("%s\nnot the SDK's typed error: %v", tc.reason, err)
			}
			code, status := apiError(err)
			if diff := cmp.Diff([]any{tc.code, tc.status}, []any{code, status}); diff != "" {
				t.Errorf("%s\n(code, status): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
