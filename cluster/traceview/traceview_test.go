package traceview

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/appinfra/provider-appinfra/internal/tracing"
)

// TestViewer: spans sent by the provider's own exporter over OTLP/HTTP are
// listed as traces, filtered by claim and span as make dev asks, and each
// is shown as a tree.
func TestViewer(t *testing.T) {
	v := Start()
	defer v.Close()
	shutdown, err := tracing.Setup(context.Background(), tracing.Options{Endpoint: v.URL})
	if err != nil {
		t.Fatal(err)
	}
	claim := attribute.String("appinfra.claim", "default/shop")
	ctx, root := tracing.Start(context.Background(), "reconcile DBInstance.rds.aws.appinfra.io", oteltrace.SpanKindInternal,
		attribute.String("k8s.namespace.name", "default"), attribute.String("appinfra.name", "shop-db"), claim)
	_, create := tracing.Start(ctx, "Create", oteltrace.SpanKindInternal, claim)
	tracing.End(create, "ok", nil)
	tracing.End(root, "done", nil)
	_, poll := tracing.Start(context.Background(), "reconcile DBInstance.rds.aws.appinfra.io", oteltrace.SpanKindInternal, claim)
	tracing.End(poll, "done", nil)
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	list := get(t, v.URL+"/traces.txt?claim=default/shop&span=Create")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "reconcile DBInstance.rds.aws.appinfra.io\tdefault/shop-db, claim default/shop\t"+v.URL+"/trace/") {
		t.Fatalf("creation traces of claim default/shop:\n%s\nwant one line: the root, what it is of, its link", list)
	}
	page := get(t, lines[0][strings.LastIndex(lines[0], "\t")+1:])
	for _, want := range []string{"reconcile DBInstance.rds.aws.appinfra.io", "<b>Create</b>", "appinfra.claim=default/shop", "&rarr; ok"} {
		if !strings.Contains(page, want) {
			t.Errorf("the trace's page lacks %q:\n%s", want, page)
		}
	}
	if all := get(t, v.URL+"/"); !strings.Contains(all, "2 traces") {
		t.Errorf("the list page does not count both traces:\n%s", all)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url) //nolint:noctx // Test.
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close() //nolint:errcheck // Test.
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, b)
	}
	return string(b)
}
