package main

import (
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
