package cloudcall

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/trace"

	"github.com/appinfra/provider-appinfra/cluster/traceview"
	"github.com/appinfra/provider-appinfra/internal/tracing"
)

func TestStorageOperation(t *testing.T) {
	cases := map[string]struct {
		method, path, want string
	}{
		"Insert":          {http.MethodPost, "/storage/v1/b", "buckets.insert"},
		"List":            {http.MethodGet, "/storage/v1/b", "buckets.list"},
		"Get":             {http.MethodGet, "/storage/v1/b/team-a", "buckets.get"},
		"Patch":           {http.MethodPatch, "/storage/v1/b/team-a", "buckets.patch"},
		"Delete":          {http.MethodDelete, "/storage/v1/b/team-a/", "buckets.delete"},
		"GetIamPolicy":    {http.MethodGet, "/storage/v1/b/team-a/iam", "buckets.getIamPolicy"},
		"SetIamPolicy":    {http.MethodPut, "/storage/v1/b/team-a/iam", "buckets.setIamPolicy"},
		"TestPermissions": {http.MethodGet, "/storage/v1/b/team-a/iam/testPermissions", "buckets.testIamPermissions"},
		"ListObjects":     {http.MethodGet, "/storage/v1/b/team-a/o", "objects.list"},
		"GetObject":       {http.MethodGet, "/storage/v1/b/team-a/o/a%2Fb.txt", "objects.get"},
		"DeleteObject":    {http.MethodDelete, "/storage/v1/b/team-a/o/x", "objects.delete"},
		"Upload":          {http.MethodPost, "/upload/storage/v1/b/team-a/o", "objects.insert"},
		"UnknownMethod":   {http.MethodOptions, "/storage/v1/b/team-a", "unknown"},
		"UnknownPath":     {http.MethodGet, "/batch/storage/v1", "unknown"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := StorageOperation(tc.method, tc.path); got != tc.want {
				t.Errorf("StorageOperation(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
			}
		})
	}
}

// TestCallsCountedAndTraced: the real S3 client and a Cloud Storage
// request against servers that answer 500 twice (S3: the SDK retries) and
// then 404, with tracing on to a real OTLP/HTTP receiver: each call is
// counted once by its result and has one span below the caller's, with
// its status, its attempts, and the time it waited for the provider's own
// rate limit.
func TestStorageCallsCountedAndTraced(t *testing.T) {
	recv := traceview.Start()
	defer recv.Close()
	shutdown, err := tracing.Setup(context.Background(), tracing.Options{Endpoint: recv.URL + "/", ExportDelay: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	notFound := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	defer notFound.Close()
	gets0 := Counted("storage", "buckets.get", "404")

	ctx, parent := tracing.Start(context.Background(), "parent", trace.SpanKindInternal)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, notFound.URL+"/storage/v1/b/absent", nil)
	resp, err := (&http.Client{Transport: Transport(http.DefaultTransport)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	tracing.End(parent, "done", nil)
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	if got := Counted("storage", "buckets.get", "404") - gets0; got != 1 {
		t.Errorf("storage buckets.get 404 counted %v times, want 1", got)
	}
	var parentID string
	for _, s := range recv.Spans() {
		if s.Name == "parent" {
			parentID = s.ID
		}
	}
	storage := false
	for _, s := range recv.Spans() {
		if s.Name == "storage.buckets.get" {
			storage = s.ParentID == parentID && s.Attributes["appinfra.result"] == "404" && s.Attributes["http.response.status_code"] == "404"
		}
	}
	if !storage {
		t.Errorf("no storage.buckets.get span with result 404 below the caller's among %+v", recv.Spans())
	}
}

// TestResultsAreBounded: an endpoint that answers odd or ever new codes
// cannot grow the counter's series without bound.
func TestResultsAreBounded(t *testing.T) {
	Count("bounded", "Op", "bad code with spaces")
	if got := testutil.ToFloat64(calls.WithLabelValues("bounded", "Op", "other")); got != 1 {
		t.Errorf("a code that is not plain counted as other %v times, want 1", got)
	}
	for i := range maxResults + 10 {
		Count("bounded", "Op", fmt.Sprintf("Code%d", i))
	}
	if got := testutil.ToFloat64(calls.WithLabelValues("bounded", "Op", "other")); got != 11 {
		t.Errorf("codes beyond the first %d counted as other %v times, want 11", maxResults, got)
	}
}

func TestSetupRefusesAnEndpointItCannotUse(t *testing.T) {
	for _, e := range []string{"127.0.0.1:4318", "collector:4318", "ftp://host", "http://"} {
		if _, err := tracing.Setup(context.Background(), tracing.Options{Endpoint: e}); err == nil {
			t.Errorf("Setup accepted %q", e)
		}
	}
}

func TestSQLAdminOperation(t *testing.T) {
	cases := map[string]struct{ method, path, want string }{
		"Insert":        {http.MethodPost, "/v1/projects/p/instances", "instances.insert"},
		"List":          {http.MethodGet, "/v1/projects/p/instances", "instances.list"},
		"Get":           {http.MethodGet, "/v1/projects/p/instances/db", "instances.get"},
		"Patch":         {http.MethodPatch, "/v1/projects/p/instances/db", "instances.patch"},
		"Delete":        {http.MethodDelete, "/v1/projects/p/instances/db", "instances.delete"},
		"Restart":       {http.MethodPost, "/v1/projects/p/instances/db/restart", "instances.restart"},
		"UsersUpdate":   {http.MethodPut, "/v1/projects/p/instances/db/users", "users.update"},
		"UsersList":     {http.MethodGet, "/v1/projects/p/instances/db/users", "users.list"},
		"DatabaseGet":   {http.MethodGet, "/v1/projects/p/instances/db/databases/app", "databases.get"},
		"DatabaseMake":  {http.MethodPost, "/v1/projects/p/instances/db/databases", "databases.insert"},
		"Operation":     {http.MethodGet, "/v1/projects/p/operations/op-1", "operations.get"},
		"UnderAPrefix":  {http.MethodGet, "/sqladmin/v1/projects/p/instances/db", "instances.get"},
		"NotTheAPI":     {http.MethodGet, "/storage/v1/b/x", "unknown"},
		"UnknownMethod": {http.MethodHead, "/v1/projects/p/instances", "unknown"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := SQLAdminOperation(tc.method, tc.path); got != tc.want {
				t.Errorf("SQLAdminOperation(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
			}
		})
	}
}

func TestRedisOperation(t *testing.T) {
	const base = "/v1/projects/p/locations/europe-west1"
	cases := map[string]struct{ method, path, want string }{
		"Create":        {http.MethodPost, base + "/instances", "instances.create"},
		"List":          {http.MethodGet, base + "/instances", "instances.list"},
		"Get":           {http.MethodGet, base + "/instances/cache", "instances.get"},
		"Patch":         {http.MethodPatch, base + "/instances/cache", "instances.patch"},
		"Delete":        {http.MethodDelete, base + "/instances/cache", "instances.delete"},
		"AuthString":    {http.MethodGet, base + "/instances/cache/authString", "instances.getAuthString"},
		"Failover":      {http.MethodPost, base + "/instances/cache:failover", "instances.failover"},
		"Operation":     {http.MethodGet, base + "/operations/op-1", "operations.get"},
		"NotTheAPI":     {http.MethodGet, "/v1/projects/p/instances", "unknown"},
		"UnknownMethod": {http.MethodPut, base + "/instances/cache", "unknown"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := RedisOperation(tc.method, tc.path); got != tc.want {
				t.Errorf("RedisOperation(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
			}
		})
	}
}
