package gcsbucket

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/api/option"
	"k8s.io/utils/ptr"

	"github.com/appinfra/provider-appinfra/internal/reconciler"
	"github.com/appinfra/provider-appinfra/internal/reconciler/reconcilertest"
)

func TestDeletion(t *testing.T) {
	const config = `bucket "my-bucket" with its configuration (labels, versioning, lifecycle rules, retention policy)`
	cases := map[string]struct {
		reason string
		holds  *bool
		want   reconciler.Deletion
	}{
		"Unread": {
			reason: "Not knowing what the bucket holds, the deletion is said for either case: nothing is refused.",
			want: reconciler.Deletion{
				Lost: []string{config + ", if it is empty; its name is then free for any project to take"},
				Kept: []string{"every object and noncurrent version: Cloud Storage deletes no bucket that holds any, and the provider deletes none, so a bucket that is not empty is kept and the resource waits, saying so"},
			},
		},
		"Empty": {
			reason: "An empty bucket goes, with its configuration, and nothing is kept.",
			holds:  ptr.To(false),
			want:   reconciler.Deletion{Lost: []string{config + ": it holds no object or noncurrent version; its name is then free for any project to take"}},
		},
		"HoldsObjects": {
			reason: "A bucket that holds objects is refused by Cloud Storage: nothing is lost, and the resource waits.",
			holds:  ptr.To(true),
			want: reconciler.Deletion{
				Kept:    []string{config + ", and every object and noncurrent version in it"},
				Refused: `bucket "my-bucket" holds objects: Cloud Storage refuses to delete it, the provider deletes no object, and the resource stays deleting until it is emptied (every object and noncurrent version), or until Delete is removed from spec.managementPolicies to leave the bucket behind`,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, deletion(testName, tc.holds)); diff != "" {
				t.Errorf("\n%s\ndeletion(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestReadDeletion(t *testing.T) {
	holds := func(b bool, err error) func(context.Context, string) (bool, error) {
		return func(context.Context, string) (bool, error) { return b, err }
	}
	type want struct {
		deletion reconciler.Deletion
		err      error
		msg      []string
	}
	cases := map[string]struct {
		reason string
		api    *mockAPI
		want   want
	}{
		"Empty": {
			reason: "A bucket that holds nothing goes.",
			api:    &mockAPI{MockHolds: holds(false, nil)},
			want:   want{deletion: deletion(testName, ptr.To(false))},
		},
		"HoldsObjects": {
			reason: "A bucket that holds an object is refused.",
			api:    &mockAPI{MockHolds: holds(true, nil)},
			want:   want{deletion: deletion(testName, ptr.To(true))},
		},
		"ListFails": {
			reason: "Objects that cannot be listed (storage.objects.list is a permission of its own) are an error: the plan then says the deletion for either case.",
			api:    &mockAPI{MockHolds: holds(false, apiError(http.StatusForbidden))},
			want:   want{err: cmpopts.AnyError, msg: []string{"cannot list the bucket's objects", "Forbidden"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := &external{gcs: tc.api, cfg: config(), record: &reconcilertest.Recorder{}, owners: owners()}
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
			if diff := cmp.Diff([]call{{Op: "HoldsObjects", Bucket: testName}}, tc.api.calls, callOpts); diff != "" {
				t.Errorf("\n%s\nReadDeletion(...): -want calls, +got calls:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestHoldsObjects runs the real Cloud Storage client against a server
// answering objects.list: one GET of the bucket's objects, at most one,
// noncurrent versions included.
func TestHoldsObjects(t *testing.T) {
	cases := map[string]struct {
		reason string
		status int
		body   string
		want   bool
		err    bool
	}{
		"Empty": {
			reason: "No item listed: the bucket holds nothing.",
			status: http.StatusOK, body: `{"kind":"storage#objects"}`,
		},
		"HoldsAnObject": {
			reason: "An item listed, live or noncurrent: the bucket holds an object.",
			status: http.StatusOK, body: `{"kind":"storage#objects","items":[{"kind":"storage#object","bucket":"my-bucket","name":"data.txt","generation":"1"}],"nextPageToken":"more"}`,
			want: true,
		},
		"Forbidden": {
			reason: "A refusal is an error.",
			status: http.StatusForbidden, body: `{"error":{"code":403,"message":"no storage.objects.list"}}`,
			err: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				got = append(got, r.Method+" "+r.URL.Path+" maxResults="+q.Get("maxResults")+" versions="+q.Get("versions"))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			u.Path = "/storage/v1/"
			c, err := storage.NewClient(context.Background(), option.WithEndpoint(u.String()), option.WithoutAuthentication())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close() //nolint:errcheck // A test's client.

			holds, err := gcs{c: c}.HoldsObjects(context.Background(), testName)
			if (err != nil) != tc.err || holds != tc.want {
				t.Errorf("\n%s\nHoldsObjects(...): %t, %v; want %t, error %t", tc.reason, holds, err, tc.want, tc.err)
			}
			// The client retries nothing but 429 and 5xx: one request.
			if diff := cmp.Diff([]string{"GET /storage/v1/b/my-bucket/o maxResults=1 versions=true"}, got); diff != "" {
				t.Errorf("\n%s\nHoldsObjects(...): -want requests, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
