package rds

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"
)

// TestErrors proves each error reaches the SDK with RDS's code and status,
// and that modelled faults map to the SDK's typed errors.
func TestErrors(t *testing.T) {
	ctx := context.Background()
	create := func(id string, mutate ...func(*awsrds.CreateDBInstanceInput)) func(*testing.T, *awsrds.Client) {
		return func(t *testing.T, c *awsrds.Client) {
			in := createInput(id)
			for _, m := range mutate {
				m(in)
			}
			if _, err := c.CreateDBInstance(ctx, in); err != nil {
				t.Fatalf("setup: CreateDBInstance: %v", err)
			}
			if id != "busy" {
				observe(t, c, id, "available")
			}
		}
	}
	type want struct {
		code    string
		status  int
		message string
	}
	cases := map[string]struct {
		reason string
		setup  func(*testing.T, *awsrds.Client)
		call   func(*awsrds.Client) error
		typed  func(error) bool
		want   want
	}{
		"DescribeUnknownInstance": {
			reason: "An unknown identifier is DBInstanceNotFound (404).",
			call: func(c *awsrds.Client) error {
				_, err := c.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
				return err
			},
			typed: as[*types.DBInstanceNotFoundFault],
			want:  want{code: "DBInstanceNotFound", status: 404, message: "DBInstance nope not found."},
		},
		"ModifyUnknownInstance": {
			reason: "Modify of an unknown instance is DBInstanceNotFound.",
			call: func(c *awsrds.Client) error {
				_, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("nope"), DeletionProtection: aws.Bool(true)})
				return err
			},
			typed: as[*types.DBInstanceNotFoundFault],
			want:  want{code: "DBInstanceNotFound", status: 404},
		},
		"DeleteUnknownInstance": {
			reason: "Delete of an unknown instance is DBInstanceNotFound, so controllers can treat it as done.",
			call: func(c *awsrds.Client) error {
				_, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("nope"), SkipFinalSnapshot: aws.Bool(true)})
				return err
			},
			typed: as[*types.DBInstanceNotFoundFault],
			want:  want{code: "DBInstanceNotFound", status: 404},
		},
		"ListTagsOfUnknownInstance": {
			reason: "Tags of an unknown instance ARN are DBInstanceNotFound, as on RDS.",
			call: func(c *awsrds.Client) error {
				_, err := c.ListTagsForResource(ctx, &awsrds.ListTagsForResourceInput{ResourceName: aws.String("arn:aws:rds:us-east-1:000000000000:db:nope")})
				return err
			},
			typed: as[*types.DBInstanceNotFoundFault],
			want:  want{code: "DBInstanceNotFound", status: 404},
		},
		"CreateExisting": {
			reason: "A second create with the same identifier is DBInstanceAlreadyExists (400).",
			setup:  create("taken"),
			call: func(c *awsrds.Client) error {
				_, err := c.CreateDBInstance(ctx, createInput("Taken"))
				return err
			},
			typed: as[*types.DBInstanceAlreadyExistsFault],
			want:  want{code: "DBInstanceAlreadyExists", status: 400, message: "DB instance already exists"},
		},
		"ModifyWhileCreating": {
			reason: "Modify is refused until the instance is available.",
			setup:  create("busy"),
			call: func(c *awsrds.Client) error {
				_, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("busy"), DBInstanceClass: aws.String("db.t3.large")})
				return err
			},
			typed: as[*types.InvalidDBInstanceStateFault],
			want:  want{code: "InvalidDBInstanceState", status: 400, message: "Database instance is not in available state."},
		},
		"FinalSnapshotWhileCreating": {
			reason: "A busy instance cannot be deleted with a final snapshot.",
			setup:  create("busy"),
			call: func(c *awsrds.Client) error {
				_, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("busy"), FinalDBSnapshotIdentifier: aws.String("busy-final")})
				return err
			},
			typed: as[*types.InvalidDBInstanceStateFault],
			want:  want{code: "InvalidDBInstanceState", status: 400, message: "Instance busy is currently creating - a final snapshot cannot be taken."},
		},
		"DeleteProtected": {
			reason: "Deletion protection refuses the delete with InvalidParameterCombination.",
			setup:  create("protected", func(in *awsrds.CreateDBInstanceInput) { in.DeletionProtection = aws.Bool(true) }),
			call: func(c *awsrds.Client) error {
				_, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("protected"), SkipFinalSnapshot: aws.Bool(true)})
				return err
			},
			want: want{code: "InvalidParameterCombination", status: 400, message: "Cannot delete protected DB Instance, please disable deletion protection and try again."},
		},
		"DeleteWithoutSnapshotChoice": {
			reason: "Without SkipFinalSnapshot a FinalDBSnapshotIdentifier is required.",
			setup:  create("db1"),
			call: func(c *awsrds.Client) error {
				_, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db1")})
				return err
			},
			want: want{code: "InvalidParameterCombination", status: 400, message: "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified."},
		},
		"FinalSnapshotExists": {
			reason: "A final snapshot name already taken is DBSnapshotAlreadyExists.",
			setup: func(t *testing.T, c *awsrds.Client) {
				create("old")(t, c)
				if _, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("old"), FinalDBSnapshotIdentifier: aws.String("snap")}); err != nil {
					t.Fatal(err)
				}
				create("db1")(t, c)
			},
			call: func(c *awsrds.Client) error {
				_, err := c.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), FinalDBSnapshotIdentifier: aws.String("snap")})
				return err
			},
			typed: as[*types.DBSnapshotAlreadyExistsFault],
			want:  want{code: "DBSnapshotAlreadyExists", status: 400},
		},
		"DescribeUnknownSnapshot": {
			reason: "An unknown snapshot identifier is DBSnapshotNotFound (404).",
			call: func(c *awsrds.Client) error {
				_, err := c.DescribeDBSnapshots(ctx, &awsrds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("nope")})
				return err
			},
			typed: as[*types.DBSnapshotNotFoundFault],
			want:  want{code: "DBSnapshotNotFound", status: 404, message: "DBSnapshot nope not found."},
		},
		"CreateWithoutPassword": {
			reason: "A parameter the SDK does not require but RDS does is MissingParameter.",
			call: func(c *awsrds.Client) error {
				in := createInput("db1")
				in.MasterUserPassword = nil
				_, err := c.CreateDBInstance(ctx, in)
				return err
			},
			want: want{code: "MissingParameter", status: 400, message: "The request must contain the parameter MasterUserPassword"},
		},
		"CreateWithBadPassword": {
			reason: "Passwords RDS refuses are InvalidParameterValue.",
			call: func(c *awsrds.Client) error {
				in := createInput("db1")
				in.MasterUserPassword = aws.String("has/slash")
				_, err := c.CreateDBInstance(ctx, in)
				return err
			},
			want: want{code: "InvalidParameterValue", status: 400},
		},
		"CreateWithBadIdentifier": {
			reason: "Identifiers follow RDS's rules.",
			call: func(c *awsrds.Client) error {
				_, err := c.CreateDBInstance(ctx, createInput("1-bad--id"))
				return err
			},
			want: want{code: "InvalidParameterValue", status: 400},
		},
		"CreateWithTooLittleStorage": {
			reason: "Storage below the engine's minimum is InvalidParameterValue.",
			call: func(c *awsrds.Client) error {
				in := createInput("db1")
				in.AllocatedStorage = aws.Int32(5)
				_, err := c.CreateDBInstance(ctx, in)
				return err
			},
			want: want{code: "InvalidParameterValue", status: 400, message: "Invalid storage size for engine name postgres and storage type gp2: 5"},
		},
		"CreateMySQLWithoutBinaries": {
			reason: "An engine whose binaries are missing is refused with a clear message.",
			call: func(c *awsrds.Client) error {
				in := createInput("db1")
				in.Engine = aws.String("mysql")
				_, err := c.CreateDBInstance(ctx, in)
				return err
			},
			want: want{code: "InvalidParameterCombination", status: 400, message: "Engine mysql is not available in this local cloud: install the Debian package mariadb-server"},
		},
		"CreateWrongMajorVersion": {
			reason: "A version the installed engine cannot be is refused as RDS refuses unknown versions.",
			call: func(c *awsrds.Client) error {
				in := createInput("db1")
				in.EngineVersion = aws.String("16.2")
				_, err := c.CreateDBInstance(ctx, in)
				return err
			},
			want: want{code: "InvalidParameterCombination", status: 400, message: "Cannot find version 16.2 for postgres"},
		},
		"ModifyMaxStorageBelowStorage": {
			reason: "MaxAllocatedStorage must exceed AllocatedStorage.",
			setup:  create("db1"),
			call: func(c *awsrds.Client) error {
				_, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), MaxAllocatedStorage: aws.Int32(10)})
				return err
			},
			want: want{code: "InvalidParameterCombination", status: 400, message: "Max storage size must be greater than storage size"},
		},
		"ModifyUnsupportedSetting": {
			reason: "A setting the local cloud does not model is refused rather than silently ignored.",
			setup:  create("db1"),
			call: func(c *awsrds.Client) error {
				_, err := c.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), NewDBInstanceIdentifier: aws.String("db2")})
				return err
			},
			want: want{code: "InvalidParameterValue", status: 400, message: "The local cloud does not support NewDBInstanceIdentifier in ModifyDBInstance."},
		},
		"MaxRecordsOutOfRange": {
			reason: "MaxRecords must be 20 to 100.",
			call: func(c *awsrds.Client) error {
				_, err := c.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{MaxRecords: aws.Int32(5)})
				return err
			},
			want: want{code: "InvalidParameterValue", status: 400, message: "Invalid value 5 for MaxRecords. Must be between 20 and 100"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := time.Duration(0)
			if strings.Contains(name, "WhileCreating") {
				d = time.Minute
			}
			_, c := newTestService(t, t.TempDir(), d, newFakeEngines())
			if tc.setup != nil {
				tc.setup(t, c)
			}
			err := tc.call(c)
			if err == nil {
				t.Fatalf("%s\nwant error %s, got none", tc.reason, tc.want.code)
			}
			code, status := apiError(err)
			got := want{code: code, status: status, message: tc.want.message}
			if tc.want.message != "" {
				var ae interface{ ErrorMessage() string }
				if errors.As(err, &ae) {
					got.message = ae.ErrorMessage()
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
			if tc.typed != nil && !tc.typed(err) {
				t.Errorf("%s\nthe SDK did not map %T to its typed error: %v", tc.reason, err, err)
			}
		})
	}
}

// as reports whether err is (or wraps) a T, the way callers test SDK faults.
func as[T error](err error) bool {
	var e T
	return errors.As(err, &e)
}
