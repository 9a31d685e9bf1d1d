// Package traceview receives OpenTelemetry traces over OTLP/HTTP and shows
// them: the trace viewer make dev runs beside the provider (a list of
// traces, each a tree of spans with their times, results and attributes),
// and the receiver the tests read the provider's spans from. It takes
// what an exporter sends to /v1/traces (protobuf, gzipped or not) and keeps
// the newest spans in memory.
package traceview

import (
	"compress/gzip"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// maxSpans is how many spans are kept; the oldest go first. make dev's
// three resources, polled every 30 s, make about 2,000 an hour.
const maxSpans = 100000

// Span is one received span, flattened.
type Span struct {
	Name     string
	TraceID  string
	ID       string
	ParentID string
	// Start and End are when it began and ended.
	Start, End time.Time
	// Attributes are the span's, each value as text.
	Attributes map[string]string
	// Events are the names of its events with their attributes.
	Events []Event
	// Error is the status message when the status is an error.
	Error string
}

// Event is a span's event.
type Event struct {
	Name       string
	Attributes map[string]string
}

// Receiver collects the spans sent to it and serves the viewer.
type Receiver struct {
	// URL is its base URL: the viewer's, and the one to give an exporter
	// (its /v1/traces receives).
	URL string

	srv   *http.Server
	mu    sync.Mutex
	spans []Span
}

// Listen serves on addr (such as 127.0.0.1:0) until Close.
func Listen(addr string) (*Receiver, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := &Receiver{URL: "http://" + l.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", r.receive)
	mux.HandleFunc("GET /{$}", r.list)
	mux.HandleFunc("GET /trace/{id}", r.trace)
	mux.HandleFunc("GET /traces.txt", r.text)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := r.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Println("traceview:", err)
		}
	}()
	return r, nil
}

// Start serves on a free port of 127.0.0.1, for tests; it panics if it
// cannot listen there.
func Start() *Receiver {
	r, err := Listen("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	return r
}

// Close stops it.
func (r *Receiver) Close() { _ = r.srv.Close() }

// Spans are the spans received so far, in the order they came.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

func (r *Receiver) receive(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(io.LimitReader(body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var in collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var got []Span
	for _, rs := range in.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := Span{
					Name: s.GetName(), TraceID: hex.EncodeToString(s.GetTraceId()),
					ID: hex.EncodeToString(s.GetSpanId()), ParentID: hex.EncodeToString(s.GetParentSpanId()),
					Start:      time.Unix(0, int64(s.GetStartTimeUnixNano())), //nolint:gosec // Nanoseconds since 1970 fit.
					End:        time.Unix(0, int64(s.GetEndTimeUnixNano())),   //nolint:gosec // Likewise.
					Attributes: attributes(s.GetAttributes()),
				}
				if s.GetStatus().GetCode() == 2 { // STATUS_CODE_ERROR
					sp.Error = s.GetStatus().GetMessage()
				}
				for _, e := range s.GetEvents() {
					sp.Events = append(sp.Events, Event{Name: e.GetName(), Attributes: attributes(e.GetAttributes())})
				}
				got = append(got, sp)
			}
		}
	}
	r.mu.Lock()
	r.spans = append(r.spans, got...)
	if over := len(r.spans) - maxSpans; over > 0 {
		r.spans = append(r.spans[:0], r.spans[over:]...)
	}
	r.mu.Unlock()
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func attributes(kvs []*common.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		v := kv.GetValue()
		switch v.GetValue().(type) {
		case *common.AnyValue_StringValue:
			m[kv.GetKey()] = v.GetStringValue()
		case *common.AnyValue_IntValue:
			m[kv.GetKey()] = fmt.Sprint(v.GetIntValue())
		case *common.AnyValue_DoubleValue:
			m[kv.GetKey()] = fmt.Sprint(v.GetDoubleValue())
		case *common.AnyValue_BoolValue:
			m[kv.GetKey()] = fmt.Sprint(v.GetBoolValue())
		default:
			m[kv.GetKey()] = v.String()
		}
	}
	return m
}
