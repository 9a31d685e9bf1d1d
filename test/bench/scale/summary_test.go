package main

import (
	"strings"
	"testing"
	"time"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPollOf(t *testing.T) {
	for flags, want := range map[string]time.Duration{
		"--poll 10m0s":                       10 * time.Minute,
		"--poll 10s --max-reconcile-rate 10": 10 * time.Second,
		"--max-reconcile-rate 10":            0,
		"":                                   0,
	} {
		if got := pollOf(report{Provider: flags}); got != want {
			t.Errorf("pollOf(%q) = %s, want %s", flags, got, want)
		}
	}
}

func TestProvidersOf(t *testing.T) {
	got, err := providersOf("provider-appinfra-aws=http://a/metrics,provider-appinfra-gcp=http://g/metrics", "provider-appinfra-gcp=http://g/debug/pprof")
	if err != nil {
		t.Fatal(err)
	}
	want := []provider{
		{name: "provider-appinfra-aws", cloud: "aws", metrics: "http://a/metrics"},
		{name: "provider-appinfra-gcp", cloud: "gcp", metrics: "http://g/metrics", pprof: "http://g/debug/pprof"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("providersOf: got %+v, want %+v", got, want)
	}
	one, err := providersOf("http://127.0.0.1:8080/metrics", "")
	if err != nil || len(one) != 1 || one[0].cloud != "" || !one[0].serves(kind{cloud: "gcp"}) {
		t.Errorf("a bare URL is one provider of both clouds: %+v, %v", one, err)
	}
	for _, bad := range [][2]string{{"a=x,a=y", ""}, {"a=x", "b=y"}, {"", ""}} {
		if _, err := providersOf(bad[0], bad[1]); err == nil {
			t.Errorf("providersOf(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// TestSummaryTargetsEachProvider: each provider of the family is held to
// its own idle targets; only one that reconciled resources to the growth
// targets.
func TestSummaryTargetsEachProvider(t *testing.T) {
	rows := func(rss, goroutines float64) map[string]row {
		return map[string]row{
			"process_resident_memory_bytes": {Idle: rss * mib, AfterReady: (rss + 10) * mib},
			"go_goroutines":                 {Idle: goroutines},
			"go_memstats_heap_inuse_bytes":  {AfterReady: 10 * mib, EndOfSettle: 10 * mib},
		}
	}
	r := report{Resources: 1000, Kinds: map[string]*kindReport{}, Providers: map[string]*process{
		"provider-appinfra-aws": {Resources: 1000, Metrics: rows(50, 120)},
		"provider-appinfra-gcp": {Metrics: rows(30, 200)},
	}}
	page := summary(r, "benchmarks")
	for _, want := range []string{
		"| provider-appinfra-aws: idle RSS | 40 MiB | 50.00 MiB | 1.25 | **no** |",
		"| provider-appinfra-aws: idle goroutines | 150 goroutines | 120.00 goroutines | 0.80 | yes |",
		"| provider-appinfra-aws: RSS added per 1,000 managed resources | 32 MiB | 10.00 MiB | 0.31 | yes |",
		"| provider-appinfra-gcp: idle RSS | 40 MiB | 30.00 MiB | 0.75 | yes |",
		"| provider-appinfra-gcp: idle goroutines | 150 goroutines | 200.00 goroutines | 1.33 | **no** |",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "provider-appinfra-gcp: RSS added") {
		t.Error("a provider that reconciled nothing is held to a growth target")
	}
}
