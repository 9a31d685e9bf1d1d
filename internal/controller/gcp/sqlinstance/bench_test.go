package sqlinstance

import "testing"

// Comparing an instance in sync, as every poll does. Run with `make bench`.
func BenchmarkDrifted(b *testing.B) {
	want, got := desired(instance()), parameters(cloudInstance())
	b.ReportAllocs()
	for b.Loop() {
		if f := drifted(want, got); len(f) != 0 {
			b.Fatalf("drift %v between equal parameters", f)
		}
	}
}
