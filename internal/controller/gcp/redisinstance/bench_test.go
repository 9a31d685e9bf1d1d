package redisinstance

import (
	"testing"

	"github.com/appinfra/provider-appinfra/apis/gcp/redis/v1alpha1"
)

// Reading and comparing an instance in sync, as every poll does. Run with
// `make bench`.
func BenchmarkDrifted(b *testing.B) {
	in, want := cloudInstance(), params(func(p *v1alpha1.InstanceParameters) { p.Labels = allLabels() })
	b.ReportAllocs()
	for b.Loop() {
		if f := drifted(want, parameters(in)); len(f) != 0 {
			b.Fatalf("drift %v of an instance in sync", f)
		}
	}
}
