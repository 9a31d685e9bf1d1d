// Package cloudcall names, counts and traces every cloud API call the
// provider makes: a Prometheus counter per service, operation and result,
// and (when tracing is on) a span per call below the reconcile that made
// it, with its status, its retries and the time it waited for the
// provider's own rate limit (recorded by package apilimit as an event on
// this span). The AWS SDK's middleware that calls it is the AWS client's
// (internal/clients/aws), so that this package links no cloud's SDK.
package cloudcall

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/appinfra/provider-appinfra/internal/tracing"
)

var calls = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "appinfra_cloud_api_calls_total",
	Help: "Cloud API calls by service (s3, rds, elasticache, ec2, storage, sqladmin, redis), operation and result (ok, or the cloud's error code; for Google's APIs the HTTP status, per attempt).",
}, []string{"service", "operation", "result"})

// Collectors are the package's metrics, to register once.
func Collectors() []prometheus.Collector { return []prometheus.Collector{calls} }

// Counted is how many calls have been counted under service, op and
// result, for tests of the clients that count them.
func Counted(service, op, result string) float64 {
	m := &dto.Metric{}
	if err := calls.WithLabelValues(service, op, result).Write(m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

// maxResults bounds how many distinct results a service's calls are
// counted under: an endpoint override may answer any error code, and each
// new one would be a series for ever.
const maxResults = 64

var (
	resultsMu sync.Mutex
	results   = map[string]map[string]bool{}
)

// Count counts one call of service's operation op that ended in result:
// "ok", the cloud's error code, "canceled" or "error". A result that is not a plain code (letters,
// digits and dots, up to 64) or beyond the first maxResults of its
// service counts as "other".
func Count(service, op, result string) {
	if !plainCode(result) || !knownResult(service, result) {
		result = "other"
	}
	calls.WithLabelValues(service, op, result).Inc()
}

func plainCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.') {
			return false
		}
	}
	return true
}

func knownResult(service, result string) bool {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	seen := results[service]
	if seen == nil {
		seen = map[string]bool{}
		results[service] = seen
	}
	if seen[result] {
		return true
	}
	if len(seen) >= maxResults {
		return false
	}
	seen[result] = true
	return true
}

// Transport returns next made to count and trace each request to a Cloud
// Storage JSON API. The Cloud Storage client retries above its transport,
// so each attempt is a call here.
func Transport(next http.RoundTripper) http.RoundTripper {
	return GoogleTransport("storage", StorageOperation, next)
}

// GoogleTransport returns next made to count and trace each request to a
// Google REST API under service, each named by operation (from its HTTP
// method and URL path). Each attempt of a client that retries above its
// transport is a call here.
func GoogleTransport(service string, operation func(method, path string) string, next http.RoundTripper) http.RoundTripper {
	return googleTransport{service: service, operation: operation, next: next}
}

type googleTransport struct {
	service   string
	operation func(method, path string) string
	next      http.RoundTripper
}

func (t googleTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	op := t.operation(r.Method, r.URL.Path)
	if !tracing.Enabled() {
		resp, err := t.next.RoundTrip(r)
		Count(t.service, op, httpResult(resp, err))
		return resp, err
	}
	ctx, span := tracing.Start(r.Context(), t.service+"."+op, trace.SpanKindClient,
		attribute.String("rpc.service", t.service),
		attribute.String("rpc.method", op))
	resp, err := t.next.RoundTrip(r.WithContext(ctx))
	result := httpResult(resp, err)
	if err == nil {
		span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	}
	Count(t.service, op, result)
	tracing.End(span, result, err)
	return resp, err
}

// httpResult is "ok", the HTTP status of a refusal, or "error" for a
// request that got no answer.
func httpResult(resp *http.Response, err error) string {
	switch {
	case err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		return "canceled"
	case err != nil:
		return "error"
	case resp.StatusCode < 400:
		return "ok"
	}
	return strconv.Itoa(resp.StatusCode)
}

// The Cloud Storage JSON API's methods by HTTP method, for a bucket, its
// IAM policy and its objects.
var (
	bucketMethods = map[string]string{http.MethodGet: "buckets.get", http.MethodPatch: "buckets.patch", http.MethodPut: "buckets.update", http.MethodDelete: "buckets.delete"}
	iamMethods    = map[string]string{http.MethodGet: "buckets.getIamPolicy", http.MethodPut: "buckets.setIamPolicy"}
	objectMethods = map[string]string{http.MethodGet: "objects.get", http.MethodPatch: "objects.patch", http.MethodPut: "objects.update", http.MethodDelete: "objects.delete"}
)

// StorageOperation names a Cloud Storage JSON API request as the API's
// reference does: GET /storage/v1/b/x is buckets.get, POST /storage/v1/b
// is buckets.insert, an upload is objects.insert; what it does not know is
// "unknown".
func StorageOperation(method, path string) string {
	if strings.HasPrefix(path, "/upload") {
		return "objects.insert"
	}
	rest, ok := strings.CutPrefix(path, "/storage/v1/b")
	if !ok {
		return "unknown"
	}
	bucket, sub, _ := strings.Cut(strings.Trim(rest, "/"), "/")
	op := ""
	switch {
	case bucket == "" && method == http.MethodPost:
		op = "buckets.insert"
	case bucket == "" && method == http.MethodGet:
		op = "buckets.list"
	case bucket == "":
	case sub == "":
		op = bucketMethods[method]
	case sub == "iam":
		op = iamMethods[method]
	case sub == "iam/testPermissions":
		op = "buckets.testIamPermissions"
	case sub == "o" && method == http.MethodGet:
		op = "objects.list"
	case sub == "o" && method == http.MethodPost:
		op = "objects.insert"
	case strings.HasPrefix(sub, "o/"):
		op = objectMethods[method]
	}
	if op == "" {
		return "unknown"
	}
	return op
}

// SQLAdminOperation names a Cloud SQL Admin API v1 request as the API's
// reference does (instances.insert, instances.get, operations.get,
// users.update...): the collection after the instance, and the verb its
// HTTP method or custom method says; what it does not know is "unknown".
func SQLAdminOperation(method, path string) string {
	parts := fromVersion(path)
	// v1/projects/{p}/{collection}[/{name}[/{sub}[/{name}]]]
	if len(parts) < 4 {
		return "unknown"
	}
	rest := parts[3:]
	collection := rest[0]
	if len(rest) >= 3 && collection == "instances" {
		// A collection of an instance: users, databases, or a custom
		// method such as instances/x/restart.
		sub := rest[2]
		if len(rest) == 3 && (method == http.MethodPost) && sub != "users" && sub != "databases" {
			return "instances." + sub
		}
		collection, rest = sub, rest[2:]
	}
	named := len(rest) >= 2
	verb := map[bool]map[string]string{
		false: {http.MethodGet: "list", http.MethodPost: "insert", http.MethodPut: "update", http.MethodDelete: "delete"},
		true:  {http.MethodGet: "get", http.MethodPatch: "patch", http.MethodPut: "update", http.MethodDelete: "delete"},
	}[named][method]
	if verb == "" {
		return "unknown"
	}
	return collection + "." + verb
}

// RedisOperation names a Memorystore for Redis API v1 request as the
// API's reference does (instances.create, instances.get,
// instances.getAuthString, operations.get...); what it does not know is
// "unknown".
func RedisOperation(method, path string) string {
	parts := fromVersion(path)
	// v1/projects/{p}/locations/{l}/{collection}[/{name}[:{custom} or /{custom}]]
	if len(parts) < 6 || parts[3] != "locations" {
		return "unknown"
	}
	collection, rest := parts[5], parts[6:]
	if len(rest) == 0 {
		switch method {
		case http.MethodGet:
			return collection + ".list"
		case http.MethodPost:
			return collection + ".create"
		}
		return "unknown"
	}
	name, custom, ok := strings.Cut(rest[0], ":")
	if len(rest) == 2 && rest[1] == "authString" && method == http.MethodGet {
		return collection + ".getAuthString" // a GET of a sub-path
	}
	if ok && name != "" && custom != "" {
		return collection + "." + custom
	}
	switch method {
	case http.MethodGet:
		return collection + ".get"
	case http.MethodPatch:
		return collection + ".patch"
	case http.MethodDelete:
		return collection + ".delete"
	}
	return "unknown"
}

// fromVersion is path's segments from "v1/projects", wherever an endpoint
// override's own path puts it; nil when it has none.
func fromVersion(path string) []string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "v1" && parts[i+1] == "projects" {
			return parts[i:]
		}
	}
	return nil
}
