package reconciler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
)

func TestShorten(t *testing.T) {
	long := strings.Repeat("x", 600)
	cases := map[string]struct {
		reason string
		err    error
		want   string
	}{
		"Nil":      {reason: "No error stays none.", err: nil, want: ""},
		"Short":    {reason: "A short one-line error is kept as it is.", err: errors.New("cannot get bucket: 404"), want: "cannot get bucket: 404"},
		"Newlines": {reason: "A response body's lines are joined into one.", err: errors.New("googleapi: Error 500:\n<html>\n  boom\n</html>"), want: "googleapi: Error 500: <html> boom </html>"},
		"Long":     {reason: "A long body is cut, and says so.", err: errors.New(long), want: long[:maxErrorLen] + " [cut]"},
		"Runes":    {reason: "A cut never splits a character.", err: errors.New(strings.Repeat("x", maxErrorLen-1) + "é and more"), want: strings.Repeat("x", maxErrorLen-1) + " [cut]"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ""
			if err := Shorten(tc.err); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nShorten(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

type nopExternal struct {
	managed.TypedExternalClient[*v1alpha1.Bucket]
}

func TestConnectDoesNotTrackWhileDeleting(t *testing.T) {
	cases := map[string]struct {
		reason   string
		deleting bool
		tracked  bool
	}{
		"Live":     {reason: "A live resource records its ProviderConfig usage.", tracked: true},
		"Deleting": {reason: "A resource being deleted creates nothing: its namespace may be terminating.", deleting: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tracked := false
			c := &Connector[*v1alpha1.Bucket, string]{
				Usage:    resource.ModernTrackerFn(func(context.Context, resource.ModernManaged) error { tracked = true; return nil }),
				Client:   func(context.Context, *v1alpha1.Bucket) (string, error) { return "client", nil },
				External: func(string) (managed.TypedExternalClient[*v1alpha1.Bucket], error) { return nopExternal{}, nil },
			}
			cr := &v1alpha1.Bucket{}
			if tc.deleting {
				cr.DeletionTimestamp = &metav1.Time{Time: time.Now()}
			}
			if _, err := c.Connect(context.Background(), cr); err != nil {
				t.Fatal(err)
			}
			if tracked != tc.tracked {
				t.Errorf("\n%s\nConnect(...): tracked %t, want %t", tc.reason, tracked, tc.tracked)
			}
		})
	}
}
