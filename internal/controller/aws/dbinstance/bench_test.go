package dbinstance

import "testing"

// The pure work of one in-sync poll: convert the description, build the
// desired state and compare. Run with `make bench`.

func BenchmarkObserve(b *testing.B) {
	db := dbInstance(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = observe(db)
	}
}

func BenchmarkDrifted(b *testing.B) {
	cr := instance()
	got := observe(dbInstance(b))
	b.ReportAllocs()
	for b.Loop() {
		if f := drifted(desired(cr), got); len(f) != 0 {
			b.Fatalf("drift %v in an in-sync instance", f)
		}
	}
}
