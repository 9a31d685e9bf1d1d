package cloudcall

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/trace"

	"github.com/appinfra/provider-appinfra/cluster/traceview"
	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
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
func TestCallsCountedAndTraced(t *testing.T) {
	recv := traceview.Start()
	defer recv.Close()
	shutdown, err := tracing.Setup(context.Background(), tracing.Options{Endpoint: recv.URL + "/", ExportDelay: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	requests := 0
	s3Server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		requests++
		n := requests
		mu.Unlock()
		if n <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	defer s3Server.Close()
	notFound := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	defer notFound.Close()
	heads0 := testutil.ToFloat64(calls.WithLabelValues("s3", "HeadBucket", "NotFound"))
	gets0 := testutil.ToFloat64(calls.WithLabelValues("storage", "buckets.get", "404"))

	// Ten requests a second, burst one: back-to-back attempts wait.
	limit := apilimit.Limits{"s3": {Rate: 10, Burst: 1}}.Limiter("s3")
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s3Server.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		APIOptions:  []func(*middleware.Stack) error{AWS("s3"), apilimit.AWS(limit)},
	})
	ctx, parent := tracing.Start(context.Background(), "parent", trace.SpanKindInternal)
	for range 2 {
		if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("absent")}); err == nil {
			t.Fatal("HeadBucket of an absent bucket succeeded")
		}
	}
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

	if got := testutil.ToFloat64(calls.WithLabelValues("s3", "HeadBucket", "NotFound")) - heads0; got != 2 {
		t.Errorf("s3 HeadBucket NotFound counted %v times, want 2 (retries are not calls)", got)
	}
	if got := testutil.ToFloat64(calls.WithLabelValues("storage", "buckets.get", "404")) - gets0; got != 1 {
		t.Errorf("storage buckets.get 404 counted %v times, want 1", got)
	}

	var parentID string
	for _, s := range recv.Spans() {
		if s.Name == "parent" {
			parentID = s.ID
		}
	}
	var attempts []string
	var waited int
	var storage bool
	for _, s := range recv.Spans() {
		switch s.Name {
		case "S3.HeadBucket":
			attempts = append(attempts, s.Attributes["appinfra.attempts"])
			if s.ParentID != parentID || s.Attributes["appinfra.result"] != "NotFound" || s.Attributes["http.response.status_code"] != "404" || s.Error == "" {
				t.Errorf("S3.HeadBucket span: %+v", s)
			}
			for _, e := range s.Events {
				if e.Name == "waited for the provider's own rate limit" && e.Attributes["appinfra.api"] == "s3" {
					waited++
				}
			}
		case "storage.buckets.get":
			storage = s.ParentID == parentID && s.Attributes["appinfra.result"] == "404" && s.Attributes["http.response.status_code"] == "404"
		}
	}
	if diff := cmp.Diff([]string{"3", "1"}, attempts); diff != "" {
		t.Errorf("attempts of the S3.HeadBucket spans, one per call (-want +got):\n%s", diff)
	}
	if waited == 0 {
		t.Error("no S3.HeadBucket span says it waited for the rate limit, although attempts came back to back at a burst of one")
	}
	if !storage {
		t.Errorf("no storage.buckets.get span with result 404 below the caller's among %+v", recv.Spans())
	}
}

// TestResultsAreBounded: an endpoint that answers odd or ever new codes
// cannot grow the counter's series without bound.
func TestResultsAreBounded(t *testing.T) {
	count("bounded", "Op", "bad code with spaces")
	if got := testutil.ToFloat64(calls.WithLabelValues("bounded", "Op", "other")); got != 1 {
		t.Errorf("a code that is not plain counted as other %v times, want 1", got)
	}
	for i := range maxResults + 10 {
		count("bounded", "Op", fmt.Sprintf("Code%d", i))
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

func TestAWSResult(t *testing.T) {
	if got := awsResult(nil); got != "ok" {
		t.Errorf("nil: %q", got)
	}
	if got := awsResult(context.Canceled); got != "canceled" {
		t.Errorf("canceled: %q", got)
	}
	if got := awsResult(errors.New("dial tcp: connection refused")); got != "error" {
		t.Errorf("transport error: %q", got)
	}
}

// answerOK answers every request 200 with no body, in memory: the
// benchmark measures the client's own work, not a network's.
type answerOK struct{}

func (answerOK) Do(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

// BenchmarkS3Call is one S3 HeadBucket through the real SDK client: bare,
// with the provider's middleware and tracing off (the default: only the
// call counter), and with tracing on (a span per call, exported over
// OTLP/HTTP to a local receiver). Tracing turned on stays on in this
// process, so "tracing off" runs first or is skipped.
func BenchmarkS3Call(b *testing.B) {
	run := func(b *testing.B, ctx context.Context, opts ...func(*middleware.Stack) error) {
		client := s3.New(s3.Options{
			Region: "us-east-1", BaseEndpoint: aws.String("http://s3.local"), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			HTTPClient:  answerOK{}, APIOptions: opts,
		})
		in := &s3.HeadBucketInput{Bucket: aws.String("bench")}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.HeadBucket(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("bare SDK", func(b *testing.B) { run(b, context.Background()) })
	b.Run("tracing off", func(b *testing.B) {
		if tracing.Enabled() {
			b.Skip("tracing was turned on earlier in this process")
		}
		run(b, context.Background(), AWS("s3"))
	})
	b.Run("tracing on", func(b *testing.B) {
		recv := traceview.Start()
		defer recv.Close()
		shutdown, err := tracing.Setup(context.Background(), tracing.Options{Endpoint: recv.URL})
		if err != nil {
			b.Fatal(err)
		}
		defer shutdown(context.Background()) //nolint:errcheck // Benchmark.
		ctx, parent := tracing.Start(context.Background(), "reconcile", trace.SpanKindInternal)
		defer parent.End()
		run(b, ctx, AWS("s3"))
	})
}
