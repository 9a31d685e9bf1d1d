// Package apilimit keeps the provider's requests to each cloud API under a
// rate of its own, separate from --max-reconcile-rate: a reconcile makes
// one to a dozen calls depending on the kind, and the clouds throttle per
// API (RDS allows a burst of 300 and 12 per second per account and region),
// so a reconcile rate high enough for a thousand buckets would otherwise
// storm the slower APIs. Each cached client configuration holds one token
// bucket per API, and every attempt, retries included, takes a token before
// it is sent: an AWS SDK middleware after the retryer (the AWS client's,
// internal/clients/aws), or an HTTP transport for Google's clients.
package apilimit

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"
)

// A Limit is a token bucket: Rate requests per second on average, up to
// Burst at once. A Rate of 0 means no limit.
type Limit struct {
	Rate  float64
	Burst int
}

// Limits are the limits by API: for AWS, the service IDs in lower case
// ("s3", "rds", "elasticache"); for Google Cloud, "storage". Each provider
// starts from its cloud's defaults (internal/clients/aws and gcp), which
// also name the APIs a flag may set.
type Limits map[string]Limit

// APIs are the APIs l has a limit for, sorted.
func (l Limits) APIs() []string {
	apis := make([]string, 0, len(l))
	for api := range l {
		apis = append(apis, api)
	}
	sort.Strings(apis)
	return apis
}

// String is the flag form: api=rate/burst, comma separated, sorted.
func (l Limits) String() string {
	apis := l.APIs()
	parts := make([]string, 0, len(apis))
	for _, api := range apis {
		parts = append(parts, fmt.Sprintf("%s=%s/%d", api, strconv.FormatFloat(l[api].Rate, 'f', -1, 64), l[api].Burst))
	}
	return strings.Join(parts, ",")
}

// Set changes the limits named in s, a comma-separated list of api=rate or
// api=rate/burst; an API it does not name keeps its limit. Without a burst,
// the burst is twice the rate (at least 1). A rate of 0 lifts the limit.
func (l Limits) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		api, value, ok := strings.Cut(part, "=")
		if !ok || api == "" {
			return fmt.Errorf("%q: want api=rate or api=rate/burst, such as rds=10/100", part)
		}
		if _, known := l[api]; !known {
			return fmt.Errorf("%q: unknown API %q; the APIs are %s", part, api, strings.Join(l.APIs(), ", "))
		}
		rateText, burstText, hasBurst := strings.Cut(value, "/")
		r, err := strconv.ParseFloat(rateText, 64)
		if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return fmt.Errorf("%q: the rate must be a number of requests per second, 0 or more", part)
		}
		burst := max(int(2*r), 1)
		if hasBurst {
			if burst, err = strconv.Atoi(burstText); err != nil || burst < 1 {
				return fmt.Errorf("%q: the burst must be a whole number of requests, 1 or more", part)
			}
		}
		l[api] = Limit{Rate: r, Burst: burst}
	}
	return nil
}

// waited is how long requests waited for their API's limit: when it grows,
// the provider is holding itself back and the limit (or the reconcile rate
// feeding it) is worth a look.
var waited = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "appinfra_cloud_api_limit_wait_seconds_total",
	Help: "Time cloud API requests spent waiting for the provider's own per-API rate limit (--cloud-api-rate-limits).",
}, []string{"api"})

// Collectors are the package's metrics, to register once.
func Collectors() []prometheus.Collector { return []prometheus.Collector{waited} }

// A Limiter holds one API's token bucket. The zero of *Limiter (nil) lets
// every request through.
type Limiter struct {
	api    string
	bucket *rate.Limiter
	waited prometheus.Counter
}

// Limiter returns a new token bucket for api, or nil when api is unlimited.
func (l Limits) Limiter(api string) *Limiter {
	lim, ok := l[api]
	if !ok || lim.Rate == 0 {
		return nil
	}
	return &Limiter{api: api, bucket: rate.NewLimiter(rate.Limit(lim.Rate), lim.Burst), waited: waited.WithLabelValues(api)}
}

// Wait blocks until a request may be sent, or fails at once if it could not
// be sent before ctx's deadline. Its error is not one the AWS SDK retries:
// a retry would wait for the same bucket.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	start := time.Now()
	if err := l.bucket.Wait(ctx); err != nil {
		return fmt.Errorf("not sent: the provider's own %s request rate limit (--cloud-api-rate-limits) would delay it past the deadline: %w", l.api, err)
	}
	if d := time.Since(start); d > time.Millisecond {
		l.waited.Add(d.Seconds())
		// On the call's span (cloudcall's), when tracing is on.
		trace.SpanFromContext(ctx).AddEvent("waited for the provider's own rate limit",
			trace.WithAttributes(attribute.String("appinfra.api", l.api), attribute.Float64("appinfra.waited_seconds", d.Seconds())))
	}
	return nil
}

// Transport returns next made to wait for l before each request.
func Transport(l *Limiter, next http.RoundTripper) http.RoundTripper {
	if l == nil {
		return next
	}
	return limitedTransport{l: l, next: next}
}

type limitedTransport struct {
	l    *Limiter
	next http.RoundTripper
}

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.l.Wait(r.Context()); err != nil {
		return nil, err
	}
	return t.next.RoundTrip(r)
}
