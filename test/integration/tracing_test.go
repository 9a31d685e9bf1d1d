//go:build integration

package integration

import (
	"fmt"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/cluster/traceview"
)

// TestTraceFromReconcileToCloudCall: with tracing on (as with
// --otel-endpoint), creating a Bucket composed for a claim sends a trace
// over OTLP/HTTP whose root is the reconcile, naming the claim, the
// composite and the bucket; below it Observe finds nothing and Create
// makes it; below Create, each S3 call with its result and attempts. The
// same calls are counted in appinfra_cloud_api_calls_total. (No secret in
// any span: the suite's leak check reads every span.)
func TestTraceFromReconcileToCloudCall(t *testing.T) {
	name := "appinfra-traced"
	b := bucket(name, func(b *v1alpha1.Bucket) {
		b.Labels = map[string]string{
			"crossplane.io/claim-name":      "shop",
			"crossplane.io/claim-namespace": ns,
			"crossplane.io/composite":       "shop-x7k2p",
		}
	})
	create(t, b)
	eventually(t, converge, "bucket ready", func() error { return ready(b) })

	var createSpan, root traceview.Span
	eventually(t, 10*time.Second, "the trace of the reconcile that created the bucket", func() error {
		spans := traces.Spans()
		byID := map[string]traceview.Span{}
		for _, s := range spans {
			byID[s.ID] = s
		}
		for _, s := range spans {
			if s.Name == "Create" && s.Attributes["appinfra.external_name"] == name {
				createSpan = s
			}
		}
		if createSpan.ID == "" {
			return fmt.Errorf("no Create span for %s among %d spans", name, len(spans))
		}
		var ok bool
		if root, ok = byID[createSpan.ParentID]; !ok {
			return fmt.Errorf("the Create span's parent %s has not arrived", createSpan.ParentID)
		}
		return nil
	})

	want := map[string]string{
		"appinfra.kind":          "Bucket.s3.aws.appinfra.io",
		"k8s.namespace.name":     ns,
		"appinfra.name":          name,
		"appinfra.external_name": name,
		"appinfra.claim":         ns + "/shop",
		"appinfra.composite":     "shop-x7k2p",
	}
	if root.Name != "reconcile Bucket.s3.aws.appinfra.io" || root.ParentID != "" {
		t.Errorf("the Create span's parent is %q (parent %q), want the root span reconcile Bucket.s3.aws.appinfra.io", root.Name, root.ParentID)
	}
	for k, v := range want {
		if root.Attributes[k] != v {
			t.Errorf("root span attribute %s = %q, want %q", k, root.Attributes[k], v)
		}
	}
	if createSpan.Attributes["appinfra.result"] != "ok" {
		t.Errorf("Create span result %q, want ok", createSpan.Attributes["appinfra.result"])
	}

	var observe, createBucket *traceview.Span
	for _, s := range traces.Spans() {
		switch {
		case s.ParentID == root.ID && s.Name == "Observe":
			observe = &s
		case s.ParentID == createSpan.ID && s.Name == "S3.CreateBucket":
			createBucket = &s
		}
	}
	if observe == nil || observe.Attributes["appinfra.result"] != "absent" {
		t.Errorf("the reconcile's Observe span: %+v, want one that found nothing (absent)", observe)
	}
	if createBucket == nil {
		t.Fatal("no S3.CreateBucket span below Create")
	}
	for k, v := range map[string]string{"rpc.system": "aws-api", "rpc.service": "S3", "rpc.method": "CreateBucket", "appinfra.result": "ok", "appinfra.attempts": "1"} {
		if createBucket.Attributes[k] != v {
			t.Errorf("S3.CreateBucket span attribute %s = %q, want %q", k, createBucket.Attributes[k], v)
		}
	}
	if n := cloudCalls(t, "s3", "CreateBucket", "ok"); n < 1 {
		t.Errorf("appinfra_cloud_api_calls_total{s3, CreateBucket, ok} = %v, want at least 1", n)
	}
}

// cloudCalls reads appinfra_cloud_api_calls_total for one series.
func cloudCalls(t *testing.T, service, op, result string) float64 {
	t.Helper()
	mfs, err := metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "appinfra_cloud_api_calls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if labels(m) == service+"/"+op+"/"+result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func labels(m *dto.Metric) string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l["service"] + "/" + l["operation"] + "/" + l["result"]
}
