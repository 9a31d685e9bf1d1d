// Package tracing turns on OpenTelemetry traces: a span for each managed
// resource reconcile, its Observe, Create, Update and Delete below it, and
// each cloud API call below those, exported over OTLP/HTTP when the
// provider runs with --otel-endpoint. Without an endpoint no tracer is
// set up, the reconcile and external-client wrappers are not installed,
// and the cloud-call middleware only counts: tracing off costs nothing
// but that counter.
package tracing

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// The exporter is otlptracehttp v1.34, not the v1.47 of the SDK: v1.47
// needs a grpc-gateway that raises the go-openapi modules Kubernetes'
// libraries build with. v1.34 uses only what v1.47 keeps (its internal
// global logger included; a later otel bump must check it still builds).

// tracer is set once by Setup, before any controller starts; nil means
// tracing is off.
var tracer atomic.Pointer[trace.Tracer]

// maxText bounds each attribute value and status message: cloud errors
// can carry a whole response body.
const maxText = 4096

// Enabled says whether spans are exported.
func Enabled() bool { return tracer.Load() != nil }

// Options configure Setup.
type Options struct {
	// Endpoint is the OTLP/HTTP base URL, such as http://127.0.0.1:4318;
	// spans go to its path plus /v1/traces.
	Endpoint string
	// Service names the process on every span (service.name), such as
	// provider-appinfra-aws; empty means provider-appinfra.
	Service string
	// Version is the provider's, recorded on every span.
	Version string
	// ExportDelay is the longest a finished span waits to be sent; zero
	// means the SDK's default (5 s).
	ExportDelay time.Duration
}

// Setup exports spans to o.Endpoint from now on. Shutdown sends what is
// left; call it before the process exits.
func Setup(ctx context.Context, o Options) (shutdown func(context.Context) error, err error) {
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the OTLP endpoint %q must be an http:// or https:// URL with a host, such as http://127.0.0.1:4318", o.Endpoint)
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(u.Host), otlptracehttp.WithURLPath(path.Join("/", u.Path, "v1/traces"))}
	if u.Scheme == "http" {
		opts = append(opts, otlptracehttp.WithInsecure())
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, err
	}
	service := o.Service
	if service == "" {
		service = "provider-appinfra"
	}
	var batch []sdktrace.BatchSpanProcessorOption
	if o.ExportDelay > 0 {
		batch = append(batch, sdktrace.WithBatchTimeout(o.ExportDelay))
	}
	limits := sdktrace.NewSpanLimits()
	limits.AttributeValueLengthLimit = maxText
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, batch...),
		sdktrace.WithRawSpanLimits(limits),
		sdktrace.WithResource(resource.NewSchemaless(
			attribute.String("service.name", service),
			attribute.String("service.version", o.Version),
		)),
	)
	// The libraries' own spans (Cloud Storage's client) join the same
	// traces. No propagator is set: nothing the provider calls needs the
	// trace context, and the clouds have no use for it.
	otel.SetTracerProvider(tp)
	t := tp.Tracer("github.com/appinfra/provider-appinfra")
	tracer.Store(&t)
	return tp.Shutdown, nil
}

// off is the span Start returns when tracing is off: it records nothing,
// and ending it does nothing.
var off = noop.Span{}

// Start starts a span of kind below ctx's when tracing is on; otherwise it
// returns ctx and a span that records nothing, without allocating.
func Start(ctx context.Context, name string, kind trace.SpanKind, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	t := tracer.Load()
	if t == nil {
		return ctx, off
	}
	return (*t).Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
}

// End ends span with result, and with err as its error status.
func End(span trace.Span, result string, err error) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(attribute.String("appinfra.result", result))
	if err != nil {
		Fail(span, err)
	}
	span.End()
}

// Fail marks span as failed with err.
func Fail(span trace.Span, err error) {
	msg := err.Error()
	if len(msg) > maxText {
		msg = msg[:maxText] + " [cut]"
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, msg)
}
