package aws

import (
	"context"
	"errors"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
	"github.com/appinfra/provider-appinfra/internal/clients/cloudcall"
	"github.com/appinfra/provider-appinfra/internal/tracing"
)

// The SDK middleware lives here, with the AWS clients, so that the
// cloud-neutral packages it serves (cloudcall, apilimit) link no AWS code
// into the GCP provider.

// CountCalls returns an API option (for a service client's APIOptions)
// that counts and traces each call of service (the name apilimit uses)
// with package cloudcall: once per call, its retries included, as it runs
// after the operation's own initialisation and before the retryer.
func CountCalls(service string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("AppinfraCloudCall",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				op := awsmiddleware.GetOperationName(ctx)
				if !tracing.Enabled() {
					out, md, err := next.HandleInitialize(ctx, in)
					cloudcall.Count(service, op, callResult(err))
					return out, md, err
				}
				id := awsmiddleware.GetServiceID(ctx)
				ctx, span := tracing.Start(ctx, id+"."+op, trace.SpanKindClient,
					attribute.String("rpc.system", "aws-api"),
					attribute.String("rpc.service", id),
					attribute.String("rpc.method", op))
				out, md, err := next.HandleInitialize(ctx, in)
				result := callResult(err)
				cloudcall.Count(service, op, result)
				if attempts, ok := retry.GetAttemptResults(md); ok {
					span.SetAttributes(attribute.Int("appinfra.attempts", len(attempts.Results)))
				}
				var re *awshttp.ResponseError
				if errors.As(err, &re) {
					span.SetAttributes(attribute.Int("http.response.status_code", re.HTTPStatusCode()))
				}
				tracing.End(span, result, err)
				return out, md, err
			}), middleware.After)
	}
}

// callResult is "ok", the cloud's error code, or "error" for a call that
// got no answer from the cloud.
func callResult(err error) string {
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

// RateLimit returns an API option that makes every attempt of every call
// wait for l: it runs after the retryer, so retries take tokens too, and
// before signing, so a request that waited is signed when it is sent. A
// nil l limits nothing.
func RateLimit(l *apilimit.Limiter) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		if l == nil {
			return nil
		}
		return s.Finalize.Insert(middleware.FinalizeMiddlewareFunc("APIRateLimit",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if err := l.Wait(ctx); err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
				return next.HandleFinalize(ctx, in)
			}), "Retry", middleware.After)
	}
}

// DefaultLimits are the AWS APIs' request rate limits, per ProviderConfig
// and region, sized to stay under AWS's documented limits with room for
// other clients of the same account, and above what a thousand buckets
// need to be created in well under a minute:
//   - s3: bucket APIs are not throttled by a published rate (objects allow
//     3,500 writes and 5,500 reads per second per prefix); a bucket takes
//     about a dozen calls to create and four to observe.
//   - rds: AWS documents a burst of 300 and 12 per second per account and
//     region; the provider keeps to 10.
//   - elasticache: throttled like RDS, with no published numbers.
//   - ec2: AWS refills non-mutating calls (describes) at 20 per second
//     and mutating ones at 5, each with its own bucket; security groups
//     are mostly described, so the provider keeps to 10.
func DefaultLimits() apilimit.Limits {
	return apilimit.Limits{
		"s3":          {Rate: 500, Burst: 1000},
		"rds":         {Rate: 10, Burst: 100},
		"elasticache": {Rate: 10, Burst: 100},
		"ec2":         {Rate: 10, Burst: 100},
	}
}
