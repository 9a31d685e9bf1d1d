package replicationgroup

import "testing"

// The pure work of one in-sync poll: convert the description, build the
// desired state, compare, and make the connection details. Run with
// `make bench`.

func BenchmarkObserve(b *testing.B) {
	g := replicationGroup(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = observe(g)
	}
}

func BenchmarkDrifted(b *testing.B) {
	cr := group()
	got := observe(replicationGroup(b))
	got.tags = allTags()
	b.ReportAllocs()
	for b.Loop() {
		if f := drifted(desired(cr), got); len(f) != 0 {
			b.Fatalf("drift %v in an in-sync group", f)
		}
	}
}

func BenchmarkConnectionDetails(b *testing.B) {
	p, o := group().Spec.ForProvider, observation()
	b.ReportAllocs()
	for b.Loop() {
		_ = connectionDetails(p, o, testToken, "")
	}
}
