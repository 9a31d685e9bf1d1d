// Package tracing turns on OpenTelemetry traces: a span for each managed
// resource reconcile, its Observe, Create, Update and Delete below it, and
// each cloud API call below those, exported over OTLP/HTTP when the
// provider runs with --otel-endpoint. Without an endpoint nothing is
// installed: no span is started and no wrapper is in the path, so tracing
// that is off costs nothing.
package tracing

import (
	"context"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// enabled is set once by Setup, before any controller starts.
var enabled atomic.Bool

// Enabled says whether spans are exported.
func Enabled() bool { return enabled.Load() }

// Tracer is the provider's tracer.
func Tracer() trace.Tracer { return otel.Tracer("github.com/appinfra/provider-appinfra") }

// Options configure Setup.
type Options struct {
	// Endpoint is the OTLP/HTTP base URL, such as http://127.0.0.1:4318;
	// spans go to its /v1/traces.
	Endpoint string
	// Version is the provider's, recorded on every span.
	Version string
	// ExportDelay is the longest a finished span waits to be sent; zero
	// means the SDK's default (5 s).
	ExportDelay time.Duration
}

// Setup exports spans to o.Endpoint from now on. Shutdown sends what is
// left; call it before the process exits.
func Setup(ctx context.Context, o Options) (shutdown func(context.Context) error, err error) {
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(o.Endpoint))
	if err != nil {
		return nil, err
	}
	var batch []sdktrace.BatchSpanProcessorOption
	if o.ExportDelay > 0 {
		batch = append(batch, sdktrace.WithBatchTimeout(o.ExportDelay))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, batch...),
		sdktrace.WithResource(resource.NewSchemaless(
			attribute.String("service.name", "provider-appinfra"),
			attribute.String("service.version", o.Version),
		)),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	enabled.Store(true)
	return tp.Shutdown, nil
}

// Start starts a span below ctx's when tracing is on; otherwise it
// returns ctx and a span that records nothing, without allocating.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if !Enabled() {
		return ctx, trace.SpanFromContext(ctx)
	}
	return Tracer().Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends span with result, and with err as its error status.
func End(span trace.Span, result string, err error) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(attribute.String("appinfra.result", result))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
