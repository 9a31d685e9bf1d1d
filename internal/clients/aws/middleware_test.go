package aws

import (
	"context"
	"errors"
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
	"go.opentelemetry.io/otel/trace"

	"github.com/appinfra/provider-appinfra/cluster/traceview"
	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
	"github.com/appinfra/provider-appinfra/internal/clients/cloudcall"
	"github.com/appinfra/provider-appinfra/internal/tracing"
)

// TestCallsCountedTracedAndLimited runs the real S3 client through the
// provider's middleware against a server that fails twice, then answers
// NotFound: one call counted per call (not per attempt), a span per call
// with its attempts and status below the caller's span, and the rate
// limit's wait recorded on it.
func TestCallsCountedTracedAndLimited(t *testing.T) {
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
	heads0 := cloudcall.Counted("s3", "HeadBucket", "NotFound")

	// Ten requests a second, burst one: back-to-back attempts wait.
	limit := apilimit.Limits{"s3": {Rate: 10, Burst: 1}}.Limiter("s3")
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s3Server.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		APIOptions:  []func(*middleware.Stack) error{CountCalls("s3"), RateLimit(limit)},
	})
	ctx, parent := tracing.Start(context.Background(), "parent", trace.SpanKindInternal)
	for range 2 {
		if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("absent")}); err == nil {
			t.Fatal("HeadBucket of an absent bucket succeeded")
		}
	}
	tracing.End(parent, "done", nil)
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	if got := cloudcall.Counted("s3", "HeadBucket", "NotFound") - heads0; got != 2 {
		t.Errorf("s3 HeadBucket NotFound counted %v times, want 2 (retries are not calls)", got)
	}
	var parentID string
	for _, s := range recv.Spans() {
		if s.Name == "parent" {
			parentID = s.ID
		}
	}
	var attempts []string
	var waited int
	for _, s := range recv.Spans() {
		if s.Name != "S3.HeadBucket" {
			continue
		}
		attempts = append(attempts, s.Attributes["appinfra.attempts"])
		if s.ParentID != parentID || s.Attributes["appinfra.result"] != "NotFound" || s.Attributes["http.response.status_code"] != "404" || s.Error == "" {
			t.Errorf("S3.HeadBucket span: %+v", s)
		}
		for _, e := range s.Events {
			if e.Name == "waited for the provider's own rate limit" && e.Attributes["appinfra.api"] == "s3" {
				waited++
			}
		}
	}
	if diff := cmp.Diff([]string{"3", "1"}, attempts); diff != "" {
		t.Errorf("attempts of the S3.HeadBucket spans, one per call (-want +got):\n%s", diff)
	}
	if waited == 0 {
		t.Error("no S3.HeadBucket span says it waited for the rate limit, although attempts came back to back at a burst of one")
	}
}

func TestCallResult(t *testing.T) {
	if got := callResult(nil); got != "ok" {
		t.Errorf("nil: %q", got)
	}
	if got := callResult(context.Canceled); got != "canceled" {
		t.Errorf("canceled: %q", got)
	}
	if got := callResult(errors.New("dial tcp: connection refused")); got != "error" {
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
		run(b, context.Background(), CountCalls("s3"))
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
		run(b, ctx, CountCalls("s3"))
	})
}
