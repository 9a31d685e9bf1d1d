package plan

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/reconciler"
)

// either says a deletion for either case, as a Deleter does.
type either struct{ d reconciler.Deletion }

func (e either) Deletion(*s3v1alpha1.Bucket) reconciler.Deletion { return e.d }

// reader reads what a deletion would meet, as a DeletionReader does; it
// says err when err is set.
type reader struct {
	either
	read reconciler.Deletion
	err  error
}

func (r reader) ReadDeletion(context.Context, *s3v1alpha1.Bucket) (reconciler.Deletion, error) {
	return r.read, r.err
}

// TestDeletionRead: what a controller reads of the cloud says what a
// deletion loses, keeps or is refused; a read that fails falls back to
// what happens either way, with a note.
func TestDeletionRead(t *testing.T) {
	forEither := reconciler.Deletion{Lost: []string{"the bucket, if it is empty"}, Kept: []string{"its objects, if any"}}
	cases := map[string]struct {
		reason string
		ext    any
		want   Resource
	}{
		"NoDeleter": {
			reason: "A kind that says nothing of its deletion loses its cloud resource, which holds no data.",
			ext:    struct{}{},
			want:   Resource{Action: ActionDelete, Destructive: true, Deletion: &Deletion{Lost: []string{`Bucket "assets" (it holds no data)`}}},
		},
		"Deleter": {
			reason: "A Deleter says what happens either way.",
			ext:    either{forEither},
			want:   Resource{Action: ActionDelete, Destructive: true, Deletion: &Deletion{Lost: forEither.Lost, Kept: forEither.Kept}},
		},
		"ReadEmpty": {
			reason: "What was read is preferred: an empty bucket is lost.",
			ext:    reader{either: either{forEither}, read: reconciler.Deletion{Lost: []string{"the bucket"}}},
			want:   Resource{Action: ActionDelete, Destructive: true, Deletion: &Deletion{Lost: []string{"the bucket"}}},
		},
		"ReadRefused": {
			reason: "A bucket read to hold objects is refused by the cloud: the deletion destroys nothing.",
			ext:    reader{either: either{forEither}, read: reconciler.Deletion{Kept: []string{"the bucket and its objects"}, Refused: "it holds objects"}},
			want:   Resource{Action: ActionDelete, Deletion: &Deletion{Kept: []string{"the bucket and its objects"}, Refused: "it holds objects"}},
		},
		"ReadFails": {
			reason: "A read that fails (a permission to list) leaves what happens either way, and a note says why.",
			ext:    reader{either: either{forEither}, err: errBoom},
			want: Resource{
				Action: ActionDelete, Destructive: true, Deletion: &Deletion{Lost: forEither.Lost, Kept: forEither.Kept},
				Notes: []string{"what the deletion would meet could not be read (boom), so what it loses and keeps is said for either case"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := Resource{Kind: "Bucket", ExternalName: "assets", Cloud: Cloud{Read: true, Exists: true}}
			got := deletion(context.Background(), r, bucket(), tc.ext)
			if got.Reason == "" {
				t.Errorf("%s: no reason given", tc.reason)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(Resource{}, "Kind", "ExternalName", "Reason", "Cloud")); diff != "" {
				t.Errorf("%s: deletion(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
