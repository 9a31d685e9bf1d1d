package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

const mib = 1 << 20

// target is one number the provider aims for.
type target struct {
	what  string
	goal  float64
	got   float64
	unit  string
	lower bool // lower is better
	why   string
	// miss says why, when the target is missed.
	miss string
}

// summary is the Markdown page make bench writes: each target, the
// measurement, their ratio, and whether it is met.
func summary(r report, name string) string {
	m := r.Metrics
	rss := m["process_resident_memory_bytes"]
	heap := m["go_memstats_heap_inuse_bytes"]
	per1000 := float64(r.Buckets) / 1000
	capped := "a Bucket takes about three reconciles to be Ready (finalizer and create, then a first observe that late-initialises, then one in sync), each a handful of sequential S3 calls and API server writes, so --max-concurrent-reconciles (per controller) and the time one reconcile takes bound the rate, as --max-reconcile-rate does above them (the run with the earlier defaults of 10 and 10 shows their effect). On the 2-core machine of these runs the API server, etcd, kumo and the provider share the CPU, and reconciles slow as they pile up"
	deleting := "bounded as creation is: a delete and an observe that finds the bucket gone, each behind the polls of the Buckets not yet deleted"
	fifo := "a burst of 1,000 goes through a first-in, first-out queue one step at a time: most Buckets go through each step before any goes through the next, so they become Ready close together near the end, and p50 is close to the total. One Bucket created with the others in place is what a user sees day to day (see Time to Ready); with --poll 10s, as here, 1,000 Buckets need 100 polls per second, the whole --max-reconcile-rate, so even it waits behind polls a little"
	targets := []target{
		{what: "idle RSS", goal: 48, got: rss.Idle / mib, unit: "MiB", lower: true,
			miss: "most of it is the provider's own binary, not its data: about 50 MiB of its code and read-only data are resident (both clouds' SDKs, and the gRPC, xDS and OpenTelemetry packages Cloud Storage's client links in, the Kubernetes API types), against about 12 MiB of heap in use. GC settings cannot shrink that; one binary per cloud (a provider family, as the large providers split theirs) would"},
		{what: "RSS added per 1,000 managed resources", goal: 64, got: (rss.AfterReady - rss.Idle) / mib / per1000, unit: "MiB", lower: true},
		{what: "heap growth over the settle window (flat memory)", goal: 10, got: 100 * (heap.EndOfSettle - heap.AfterReady) / heap.AfterReady, unit: "%", lower: true,
			why: "sampled right after all are Ready and at the end of the window; GC timing moves it by a few percent"},
		{what: "time until 1,000 Buckets are Ready", goal: 40, got: r.ReadySeconds / per1000, unit: "s", lower: true,
			why: "scaled linearly from the N measured", miss: capped},
		{what: "time until 1,000 Buckets are deleted", goal: 40, got: r.DeleteSeconds / per1000, unit: "s", lower: true, miss: deleting},
		{what: "Bucket time-to-Ready p50", goal: 1, got: r.TimeToReady["p50"], unit: "s", lower: true, miss: fifo},
	}
	if st := r.Steady; st != nil {
		reads := 0.0
		for op, n := range st.CloudCallsPerReconcile {
			if strings.HasPrefix(op, "s3/") {
				reads += n
			}
		}
		targets = append(targets,
			target{what: "S3 calls per in-sync reconcile", goal: 1 + 3, got: reads, unit: "calls", lower: true,
				why: "1 + the sub-configurations set: these Buckets get tags, and by default encryption and the public access block"},
			target{what: "cloud writes per in-sync reconcile", goal: 0, got: st.CloudWritesPerReconcile, unit: "calls", lower: true},
			target{what: "API server reads per in-sync reconcile (uncached)", goal: 0, got: st.KubeReadsPerReconcile, unit: "requests", lower: true,
				miss: "the credentials Secret, which is never listed or watched: it is read by name at most once per 10 seconds per Secret, not once per reconcile"},
		)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nWritten by `make bench` on %s: %d S3 Buckets on the local stack (kumo behind a counting proxy), the provider as its own process",
		time.Now().UTC().Format("2006-01-02"), r.Buckets)
	if r.Provider != "" {
		fmt.Fprintf(&b, " with `%s`", r.Provider)
	}
	fmt.Fprintf(&b, ". Raw numbers: [%s.json](%s.json).\n\n", name, name)
	fmt.Fprintf(&b, "| target | goal | measured | ratio | met |\n|---|---|---|---|---|\n")
	for _, t := range targets {
		ratio := "-"
		if t.goal != 0 {
			ratio = fmt.Sprintf("%.2f", t.got/t.goal)
		}
		met := "yes"
		if missed(t) {
			met = "**no**"
		}
		// Against a goal of zero, small is not zero: show more digits.
		got := fmt.Sprintf("%.2f", t.got)
		if t.goal == 0 {
			got = fmt.Sprintf("%.4f", t.got)
		}
		fmt.Fprintf(&b, "| %s | %s %s | %s %s | %s | %s |\n", t.what, trim(t.goal), t.unit, got, t.unit, ratio, met)
	}
	for _, t := range targets {
		if t.why != "" {
			fmt.Fprintf(&b, "\n- %s: %s.", t.what, t.why)
		}
	}
	fmt.Fprintf(&b, "\n\n## Why targets are missed\n")
	for _, t := range targets {
		if missed(t) && t.miss != "" {
			if t.goal > 0 {
				fmt.Fprintf(&b, "\n- %s (%.1f times the goal): %s.", t.what, t.got/t.goal, t.miss)
			} else {
				fmt.Fprintf(&b, "\n- %s (%.4f against 0): %s.", t.what, t.got, t.miss)
			}
		}
	}
	fmt.Fprintf(&b, "\n\n## Time to Ready\n\nall Ready in %.1f s; p50 %.1f s, p95 %.1f s, p99 %.1f s; one more Bucket with all of them in place Ready in %.1f s; all deleted in %.1f s. Update conflicts reported in events (\"the object has been modified\"): %d.\n",
		r.ReadySeconds, r.TimeToReady["p50"], r.TimeToReady["p95"], r.TimeToReady["p99"], r.NewReadySeconds, r.DeleteSeconds, r.ConflictEvents)
	fmt.Fprintf(&b, "\n## The provider's process\n\n| metric | idle | after Ready | end of settle | settle min | settle max |\n|---|---|---|---|---|---|\n")
	for _, name := range append(append([]string(nil), watched...), cpuCores) {
		x := m[name]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", name, human(name, x.Idle), human(name, x.AfterReady), human(name, x.EndOfSettle), human(name, x.SettleMin), human(name, x.SettleMax))
	}
	for _, c := range []struct {
		what  string
		calls map[string]float64
	}{{"create (until all are Ready)", r.CallsPerCreate}, {"delete (until all are gone)", r.CallsPerDelete}} {
		if len(c.calls) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## Cloud calls per Bucket to %s\n\n%.1f in all, polls of the other Buckets included:\n\n| operation | calls |\n|---|---|\n", c.what, total(c.calls))
		for _, op := range sortedFloatKeys(c.calls) {
			fmt.Fprintf(&b, "| %s | %.2f |\n", op, c.calls[op])
		}
	}
	fmt.Fprintf(&b, "\nCloud requests waited %.1f s in all for the provider's own per-API rate limits (`--cloud-api-rate-limits`).\n", r.LimitWaitSeconds)
	if st := r.Steady; st != nil {
		fmt.Fprintf(&b, "\n## One in-sync reconcile\n\nOver %.0f reconciles of Buckets already in sync: %.2f cloud writes, %.2f API server reads and %.2f API server writes each. Cloud calls per reconcile, by operation:\n\n| operation | calls |\n|---|---|\n",
			st.Reconciles, st.CloudWritesPerReconcile, st.KubeReadsPerReconcile, st.KubeWritesPerReconcile)
		for _, op := range sortedFloatKeys(st.CloudCallsPerReconcile) {
			fmt.Fprintf(&b, "| %s | %.2f |\n", op, st.CloudCallsPerReconcile[op])
		}
	}
	return b.String()
}

func missed(t target) bool { return (t.lower && t.got > t.goal) || (!t.lower && t.got < t.goal) }

func trim(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

func sortedFloatKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
