// Package cloudcall names, counts and traces every cloud API call the
// provider makes: a Prometheus counter per service, operation and result,
// and (when tracing is on) a span per call below the reconcile that made
// it, with its status, its retries and the time it waited for the
// provider's own rate limit (recorded by package apilimit as an event on
// this span).
package cloudcall

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"

	"github.com/appinfra/provider-appinfra/internal/tracing"
)

var calls = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "appinfra_cloud_api_calls_total",
	Help: "Cloud API calls by service (s3, rds, elasticache, storage), operation and result (ok, or the cloud's error code; for Cloud Storage the HTTP status, per attempt).",
}, []string{"service", "operation", "result"})

// Collectors are the package's metrics, to register once.
func Collectors() []prometheus.Collector { return []prometheus.Collector{calls} }

// AWS returns an AWS SDK API option (for a service client's APIOptions)
// that counts and traces each call of service (the name apilimit uses):
// once per call, its retries included, as it runs after the operation's
// own initialisation and before the retryer.
func AWS(service string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("AppinfraCloudCall",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				op := awsmiddleware.GetOperationName(ctx)
				ctx, span := tracing.Start(ctx, awsmiddleware.GetServiceID(ctx)+"."+op,
					attribute.String("rpc.system", "aws-api"),
					attribute.String("rpc.service", awsmiddleware.GetServiceID(ctx)),
					attribute.String("rpc.method", op))
				out, md, err := next.HandleInitialize(ctx, in)
				result := awsResult(err)
				calls.WithLabelValues(service, op, result).Inc()
				if span.IsRecording() {
					if attempts, ok := retry.GetAttemptResults(md); ok {
						span.SetAttributes(attribute.Int("appinfra.attempts", len(attempts.Results)))
					}
					var re *awshttp.ResponseError
					if errors.As(err, &re) {
						span.SetAttributes(attribute.Int("http.response.status_code", re.HTTPStatusCode()))
					}
				}
				tracing.End(span, result, err)
				return out, md, err
			}), middleware.After)
	}
}

// awsResult is "ok", the cloud's error code, or "error" for a call that
// got no answer from the cloud.
func awsResult(err error) string {
	if err == nil {
		return "ok"
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "canceled"
	}
	return "error"
}

// Transport returns next made to count and trace each request to a Cloud
// Storage JSON API. The Cloud Storage client retries above its transport,
// so each attempt is a call here.
func Transport(next http.RoundTripper) http.RoundTripper { return storageTransport{next: next} }

type storageTransport struct{ next http.RoundTripper }

func (t storageTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	op := StorageOperation(r.Method, r.URL.Path)
	ctx, span := tracing.Start(r.Context(), "storage."+op,
		attribute.String("rpc.system", "gcp-api"),
		attribute.String("rpc.service", "storage"),
		attribute.String("rpc.method", op))
	if span.IsRecording() {
		r = r.WithContext(ctx)
	}
	resp, err := t.next.RoundTrip(r)
	result := "error"
	switch {
	case err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		result = "canceled"
	case err == nil && resp.StatusCode < 400:
		result = "ok"
	case err == nil:
		result = strconv.Itoa(resp.StatusCode)
		span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	}
	calls.WithLabelValues("storage", op, result).Inc()
	tracing.End(span, result, err)
	return resp, err
}

// StorageOperation names a Cloud Storage JSON API request as the API's
// reference does: GET /storage/v1/b/x is buckets.get, POST /storage/v1/b
// is buckets.insert, an upload is objects.insert.
func StorageOperation(method, path string) string {
	if strings.HasPrefix(path, "/upload") {
		return "objects.insert"
	}
	rest, _ := strings.CutPrefix(path, "/storage/v1/b")
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case rest == "" || rest == "/":
		if method == http.MethodPost {
			return "buckets.insert"
		}
		return "buckets.list"
	case len(parts) == 1:
		return "buckets." + map[string]string{http.MethodGet: "get", http.MethodPatch: "patch", http.MethodPut: "update", http.MethodDelete: "delete"}[method]
	case parts[1] == "iam":
		return map[string]string{http.MethodGet: "buckets.getIamPolicy", http.MethodPut: "buckets.setIamPolicy"}[method]
	default:
		return "objects." + strings.ToLower(method)
	}
}
