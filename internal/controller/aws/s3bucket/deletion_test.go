package s3bucket

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/utils/ptr"

	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

func TestDeletion(t *testing.T) {
	const config = `bucket "my-bucket" with its configuration (tags, versioning, encryption, public access block, policy)`
	const wayOut = "the provider deletes no object, and the resource stays deleting until it is emptied (every object, object version and delete marker), or until Delete is removed from spec.managementPolicies to leave the bucket behind"
	cases := map[string]struct {
		reason string
		c      contents
		want   reconciler.Deletion
	}{
		"Unread": {
			reason: "Not knowing what the bucket holds, the deletion is said for either case: nothing is refused.",
			c:      unread,
			want: reconciler.Deletion{
				Lost: []string{config + ", if it is empty; its name is then free for any account to take"},
				Kept: []string{"every object and object version: S3 deletes no bucket that holds any, and the provider deletes none, so a bucket that is not empty is kept and the resource waits, saying so"},
			},
		},
		"Empty": {
			reason: "An empty bucket goes, with its configuration, and nothing is kept.",
			c:      empty,
			want:   reconciler.Deletion{Lost: []string{config + ": it holds no object, object version or delete marker; its name is then free for any account to take"}},
		},
		"HoldsObjects": {
			reason: "A bucket that holds objects is refused by S3: nothing is lost, and the resource waits.",
			c:      holdsObjects,
			want: reconciler.Deletion{
				Kept:    []string{config + ", and every object in it"},
				Refused: `bucket "my-bucket" holds objects: S3 refuses to delete it, ` + wayOut,
			},
		},
		"HoldsVersions": {
			reason: "Versions and delete markers without a current object are refused as well, and said as such.",
			c:      holdsVersions,
			want: reconciler.Deletion{
				Kept:    []string{config + ", and its object versions and delete markers"},
				Refused: `bucket "my-bucket" holds object versions or delete markers (no current object): S3 refuses to delete it, ` + wayOut,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, deletion(testName, tc.c)); diff != "" {
				t.Errorf("\n%s\ndeletion(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestReadDeletion(t *testing.T) {
	objects := func(keys ...string) func(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
		return func(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
			out := &s3.ListObjectsV2Output{KeyCount: aws.Int32(int32(len(keys)))}
			for _, k := range keys {
				out.Contents = append(out.Contents, types.Object{Key: aws.String(k)})
			}
			return out, nil
		}
	}
	versions := func(out s3.ListObjectVersionsOutput) func(context.Context, *s3.ListObjectVersionsInput, ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
		return func(context.Context, *s3.ListObjectVersionsInput, ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
			return &out, nil
		}
	}
	marker := s3.ListObjectVersionsOutput{DeleteMarkers: []types.DeleteMarkerEntry{{Key: aws.String("data.txt"), VersionId: aws.String("v2")}}}
	noncurrent := s3.ListObjectVersionsOutput{Versions: []types.ObjectVersion{{Key: aws.String("data.txt"), VersionId: aws.String("v1")}}}

	type want struct {
		deletion reconciler.Deletion
		err      error
		msg      []string
		calls    []string
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		// versioning is what the last Observe read of it, nil if it did
		// not read it.
		versioning *string
		want       want
	}{
		"HoldsAnObject": {
			reason: "One object listed is enough: nothing else is read.",
			api:    &mockAPI{MockListObjectsV2: objects("data.txt")},
			want:   want{deletion: deletion(testName, holdsObjects), calls: []string{"ListObjectsV2"}},
		},
		"EmptyNeverVersioned": {
			reason: "A bucket that was never versioned, with no object, is empty: its versioning is read when Observe did not, and its versions are not listed.",
			api:    &mockAPI{MockListObjectsV2: objects(), MockGetBucketVersioning: versioningIs("")},
			want:   want{deletion: deletion(testName, empty), calls: []string{"ListObjectsV2", "GetBucketVersioning"}},
		},
		"EmptyNeverVersionedObserved": {
			reason:     "Versioning Observe read is not read again.",
			api:        &mockAPI{MockListObjectsV2: objects()},
			versioning: ptr.To(""),
			want:       want{deletion: deletion(testName, empty), calls: []string{"ListObjectsV2"}},
		},
		"EmptyVersioned": {
			reason:     "A versioned bucket is empty only if it holds no version or delete marker either.",
			api:        &mockAPI{MockListObjectsV2: objects(), MockListObjectVersions: versions(s3.ListObjectVersionsOutput{})},
			versioning: ptr.To("Enabled"),
			want:       want{deletion: deletion(testName, empty), calls: []string{"ListObjectsV2", "ListObjectVersions"}},
		},
		"DeleteMarkerOnly": {
			reason:     "A versioned bucket whose objects were deleted keeps their delete markers, which S3 refuses to delete the bucket over.",
			api:        &mockAPI{MockListObjectsV2: objects(), MockListObjectVersions: versions(marker)},
			versioning: ptr.To("Enabled"),
			want:       want{deletion: deletion(testName, holdsVersions), calls: []string{"ListObjectsV2", "ListObjectVersions"}},
		},
		"NoncurrentVersionOfSuspended": {
			reason: "A bucket whose versioning was suspended keeps the versions made before: it was versioned once.",
			api:    &mockAPI{MockListObjectsV2: objects(), MockGetBucketVersioning: versioningIs(types.BucketVersioningStatusSuspended), MockListObjectVersions: versions(noncurrent)},
			want:   want{deletion: deletion(testName, holdsVersions), calls: []string{"ListObjectsV2", "GetBucketVersioning", "ListObjectVersions"}},
		},
		"VersioningUnreadable": {
			reason: "A bucket whose versioning cannot be read may have been versioned: its versions are listed.",
			api: &mockAPI{MockListObjectsV2: objects(), MockGetBucketVersioning: func(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
				return nil, apiError("NotImplemented")
			}, MockListObjectVersions: versions(s3.ListObjectVersionsOutput{})},
			want: want{deletion: deletion(testName, empty), calls: []string{"ListObjectsV2", "GetBucketVersioning", "ListObjectVersions"}},
		},
		"ListObjectsFails": {
			reason: "What cannot be listed is an error: the plan then says the deletion for either case.",
			api: &mockAPI{MockListObjectsV2: func(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
				return nil, apiError("AccessDenied")
			}},
			want: want{err: cmpopts.AnyError, msg: []string{"cannot list the bucket's objects", "AccessDenied"}, calls: []string{"ListObjectsV2"}},
		},
		"ListVersionsFails": {
			reason: "Versions that cannot be listed (s3:ListBucketVersions is a permission of its own) are an error too.",
			api: &mockAPI{MockListObjectsV2: objects(), MockListObjectVersions: func(context.Context, *s3.ListObjectVersionsInput, ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
				return nil, apiError("AccessDenied")
			}},
			versioning: ptr.To("Enabled"),
			want:       want{err: cmpopts.AnyError, msg: []string{"cannot list the bucket's object versions", "AccessDenied"}, calls: []string{"ListObjectsV2", "ListObjectVersions"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{s3: tc.api, cfg: config(), owners: owners(t)}
			if tc.versioning != nil {
				e.observed = &observed{}
				e.observed.params.Versioning = tc.versioning
			}
			got, err := e.ReadDeletion(context.Background(), configuredBucket())
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nReadDeletion(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if !reconcilertest.ErrorContains(err, tc.want.msg) {
				t.Errorf("\n%s\nReadDeletion(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.deletion, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nReadDeletion(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.calls, tc.api.calls); diff != "" {
				t.Errorf("\n%s\nReadDeletion(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
			// Each list asks for one entry, of the account's bucket.
			for _, in := range tc.api.inputs {
				switch in := in.(type) {
				case *s3.ListObjectsV2Input:
					if aws.ToInt32(in.MaxKeys) != 1 || aws.ToString(in.Bucket) != testName || aws.ToString(in.ExpectedBucketOwner) != testAccount {
						t.Errorf("\n%s\nListObjectsV2 of %q, MaxKeys %d, owner %q: want %q, 1, %q", tc.reason, aws.ToString(in.Bucket), aws.ToInt32(in.MaxKeys), aws.ToString(in.ExpectedBucketOwner), testName, testAccount)
					}
				case *s3.ListObjectVersionsInput:
					if aws.ToInt32(in.MaxKeys) != 1 || aws.ToString(in.Bucket) != testName || aws.ToString(in.ExpectedBucketOwner) != testAccount {
						t.Errorf("\n%s\nListObjectVersions of %q, MaxKeys %d, owner %q: want %q, 1, %q", tc.reason, aws.ToString(in.Bucket), aws.ToInt32(in.MaxKeys), aws.ToString(in.ExpectedBucketOwner), testName, testAccount)
					}
				}
			}
		})
	}
}
