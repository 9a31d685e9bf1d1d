package localcloud

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/awsquery"
)

// recordingEventer remembers the events it was asked for and answers err.
type recordingEventer struct {
	got []string
	err error
}

func (r *recordingEventer) Event(_ context.Context, id, event string) error {
	r.got = append(r.got, id+"/"+event)
	return r.err
}

func (r *recordingEventer) Tick(time.Time, time.Time) {}

// TestAdmin: the admin endpoint routes an event to its service and answers
// with the service's error status and code.
func TestAdmin(t *testing.T) {
	cases := map[string]struct {
		path   string
		err    error
		status int
		body   string
	}{
		"Triggered":      {path: "/localcloud/admin/rds/db1/maintenance", status: http.StatusNoContent},
		"UnknownService": {path: "/localcloud/admin/ec2/i-1/reboot", status: http.StatusNotFound, body: "unknown service \"ec2\": rds"},
		"ServiceError":   {path: "/localcloud/admin/rds/nope/stop", err: awsquery.Errorf(404, "DBInstanceNotFound", "DBInstance nope not found."), status: http.StatusNotFound, body: "DBInstanceNotFound"},
		"InternalError":  {path: "/localcloud/admin/rds/db1/stop", err: errors.New("disk on fire"), status: http.StatusInternalServerError, body: "disk on fire"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rds := &recordingEventer{err: tc.err}
			mux := http.NewServeMux()
			mux.HandleFunc("POST /localcloud/admin/{service}/{id}/{event}", func(w http.ResponseWriter, r *http.Request) {
				admin(w, r, map[string]eventer{"rds": rds})
			})
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, tc.path, nil))
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("POST %s: %d %q, want %d containing %q", tc.path, rec.Code, rec.Body.String(), tc.status, tc.body)
			}
		})
	}
}
