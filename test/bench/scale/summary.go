package main

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
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
// measurement, their ratio, and whether it is met; then each kind's times
// and cloud calls.
func summary(r report, name string) string {
	providers := slices.Sorted(maps.Keys(r.Providers))
	var targets []target
	for _, pn := range providers {
		p := r.Providers[pn]
		rss := p.Metrics["process_resident_memory_bytes"]
		targets = append(targets,
			target{what: pn + ": idle RSS", goal: 40, got: rss.Idle / mib, unit: "MiB", lower: true, miss: idleMiss(p)},
			target{what: pn + ": idle goroutines", goal: 150, got: p.Metrics["go_goroutines"].Idle, unit: "goroutines", lower: true, miss: goroutinesMiss(r)},
		)
		if p.Resources == 0 {
			continue
		}
		targets = append(targets,
			target{what: pn + ": RSS added per 1,000 managed resources", goal: 32, got: (rss.AfterReady - rss.Idle) / mib / (float64(p.Resources) / 1000), unit: "MiB", lower: true, miss: addedMiss(p)},
			flat(pn, p))
		if p.Resources >= 10000 {
			targets = append(targets, target{what: pn + ": RSS with 10,000 managed resources", goal: 512, got: rss.SettleMax / mib, unit: "MiB", lower: true,
				why: "the most sampled while they were kept in sync"})
		}
	}
	if kr := r.Kinds["S3 Bucket"]; kr != nil {
		per1000 := float64(kr.Count) / 1000
		capped := "a Bucket takes two reconciles to be Ready (finalizer and create, then a first observe that late-initialises the spec and finds the bucket Available; the spec update brings a third, once it is Ready), each a handful of sequential S3 calls and API server writes, so --max-concurrent-reconciles (per controller) and the time one reconcile takes bound the rate, as --max-reconcile-rate does above them (the run with the earlier defaults of 10 and 10 shows their effect). On the 2-core machine of these runs the API server, etcd, kumo and the provider share the CPU, and reconciles slow as they pile up"
		deleting := "bounded as creation is: a delete and an observe that finds the bucket gone, each behind the polls of the Buckets not yet deleted"
		fifo := fmt.Sprintf("a burst of %s goes through a first-in, first-out queue one step at a time: most Buckets go through each step before any goes through the next, so they become Ready close together near the end, and p50 is close to the total. One Bucket created with the others in place is what a user sees day to day (see Time to Ready)", thousands(kr.Count))
		if poll := pollOf(r); poll > 0 {
			fifo += fmt.Sprintf("; with --poll %s, as here, %s Buckets need %.0f polls per second (--max-reconcile-rate allows 100 by default), and a new one waits behind those queued before it", poll, thousands(kr.Count), float64(kr.Count)/poll.Seconds())
		}
		targets = append(targets,
			target{what: "time until 1,000 S3 Buckets are Ready", goal: 40, got: kr.ReadySeconds / per1000, unit: "s", lower: true,
				why: "scaled linearly from the N measured", miss: capped},
			target{what: "time until 1,000 S3 Buckets are deleted", goal: 40, got: kr.DeleteSeconds / per1000, unit: "s", lower: true, miss: deleting},
			target{what: "S3 Bucket time-to-Ready p50", goal: 1, got: kr.TimeToReady["p50"], unit: "s", lower: true, miss: fifo},
		)
	}
	if kr := r.Kinds["GCS Bucket"]; kr != nil {
		targets = append(targets, target{what: "GCS Bucket time-to-Ready p50", goal: 1, got: kr.TimeToReady["p50"], unit: "s", lower: true,
			miss: "a burst goes through the controller's first-in, first-out queue one step at a time, so most Buckets become Ready close together near the end (see the S3 Buckets' run in benchmarks.md); one more Bucket with the others in place is the day-to-day case (see Time to Ready)" + map[bool]string{
				true: "; and here the Buckets were created in one burst with databases and caches, whose real engines starting up took the machine's two cores, so every reconcile waited for CPU", false: ""}[r.Together]})
	}
	for _, k := range kinds {
		kr := r.Kinds[k.name]
		if kr == nil || kr.Steady == nil || kr.Steady.Reconciles == 0 {
			continue
		}
		targets = append(targets,
			target{what: k.name + ": cloud calls per in-sync reconcile", goal: k.syncReads, got: total(kr.Steady.CloudCallsPerReconcile), unit: "calls", lower: true, why: k.syncWhy},
			target{what: k.name + ": cloud writes per in-sync reconcile", goal: 0, got: kr.Steady.CloudWritesPerReconcile, unit: "calls", lower: true},
		)
	}
	if kube := r.Kube; kube != nil {
		targets = append(targets, target{what: "API server reads per in-sync reconcile (uncached)", goal: 0, got: kube.ReadsPerReconcile, unit: "requests", lower: true,
			miss: "the credentials Secrets, which the provider does not write and so does not cache: each is read by name at most once per 10 seconds, not once per reconcile"})
	}

	var b strings.Builder
	var made []string
	for _, k := range kinds {
		if kr := r.Kinds[k.name]; kr != nil {
			made = append(made, fmt.Sprintf("%d %ss", kr.Count, k.name))
		}
	}
	written := "An earlier run, whose JSON does not say which command or commit wrote it"
	if r.Command != "" {
		written = fmt.Sprintf("Written on %s by `%s` at commit %s", r.Date, r.Command, r.Commit)
	}
	fmt.Fprintf(&b, "# Benchmarks\n\n%s: %s on the local stack (kumo, fake-gcs-server and the local cloud, each behind a counting proxy), %s",
		written, strings.Join(made, ", "), map[bool]string{true: "each provider of the family (" + strings.Join(providers, ", ") + ") as its own process",
			false: "the provider (" + strings.Join(providers, ", ") + ") as its own process"}[len(providers) > 1])
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
	if slices.ContainsFunc(targets, missed) {
		fmt.Fprintf(&b, "\n\n## Why targets are missed\n")
		for _, t := range targets {
			if !missed(t) {
				continue
			}
			miss := t.miss
			if miss == "" {
				miss = "not explained yet"
			}
			if t.goal > 0 {
				fmt.Fprintf(&b, "\n- %s (%.1f times the goal): %s.", t.what, t.got/t.goal, miss)
			} else {
				fmt.Fprintf(&b, "\n- %s (%.4f against 0): %s.", t.what, t.got, miss)
			}
		}
	}
	order := ""
	if len(r.Kinds) > 1 {
		order = map[bool]string{
			true:  " (all kinds were created in one burst)",
			false: " (each kind was created once the one before was Ready: the real engines behind a burst of databases or caches take this machine's CPU for minutes; all were deleted at once)",
		}[r.Together]
	}
	fmt.Fprintf(&b, "\n\n## Time to Ready\n\nAll %d Ready in %.1f s and deleted in %.1f s. Each kind's times start at its own first create, or at the delete%s:\n\n", r.Resources, r.ReadySeconds, r.DeleteSeconds, order)
	fmt.Fprintf(&b, "| kind | count | all Ready | p50 | p95 | p99 | one more with all in place | all deleted |\n|---|---|---|---|---|---|---|---|\n")
	for _, k := range kinds {
		if kr := r.Kinds[k.name]; kr != nil {
			fmt.Fprintf(&b, "| %s | %d | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s |\n", k.name, kr.Count, kr.ReadySeconds,
				kr.TimeToReady["p50"], kr.TimeToReady["p95"], kr.TimeToReady["p99"], kr.NewReadySeconds, kr.DeleteSeconds)
		}
	}
	fmt.Fprintf(&b, "\nUpdate conflicts reported in events (\"the object has been modified\"): %d. Cloud requests waited %.1f s in all for the provider's own per-API rate limits (`--cloud-api-rate-limits`).\n", r.ConflictEvents, r.LimitWaitSeconds)
	if len(r.Events) > 0 {
		fmt.Fprintf(&b, "\nEvents, by type and reason, once all were Ready, kept in sync, and one more of each kind was:\n\n| event | count |\n|---|---|\n")
		for _, e := range slices.Sorted(maps.Keys(r.Events)) {
			fmt.Fprintf(&b, "| %s | %d |\n", e, r.Events[e])
		}
	}
	for _, pn := range providers {
		p := r.Providers[pn]
		fmt.Fprintf(&b, "\n## %s's process\n\nIt reconciled %d of the managed resources.\n\n| metric | idle | after Ready | end of settle | settle min | settle max |\n|---|---|---|---|---|---|\n", pn, p.Resources)
		for _, name := range rowNames(p.Metrics) {
			x := p.Metrics[name]
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", name, human(name, x.Idle), human(name, x.AfterReady), human(name, x.EndOfSettle), human(name, x.SettleMin), human(name, x.SettleMax))
		}
		if p.Heap != nil {
			heapTable(&b, pn, p.Heap, p.Resources)
		}
	}
	if a := r.APIServer; a != nil {
		fmt.Fprintf(&b, "\n## kube-apiserver\n\nInstalling the provider's %d CRDs took kube-apiserver from %.1f to %.1f MiB RSS (%+.1f MiB) and from %.1f to %.1f MiB of heap in use (%+.1f MiB), each the median of six samples over 10 s, the second 20 s after the CRDs were served. Their objects come on top of that.\n",
			a.CRDs, a.RSSBefore/mib, a.RSSAfter/mib, (a.RSSAfter-a.RSSBefore)/mib, a.HeapBefore/mib, a.HeapAfter/mib, (a.HeapAfter-a.HeapBefore)/mib)
	}
	for _, k := range kinds {
		kr := r.Kinds[k.name]
		if kr == nil {
			continue
		}
		for _, c := range []struct {
			what  string
			calls map[string]float64
		}{{"to create (until all of them are Ready)", kr.CallsPerCreate}, {"to delete (until all of them are gone)", kr.CallsPerDelete}} {
			if len(c.calls) == 0 {
				continue
			}
			fmt.Fprintf(&b, "\n## Cloud calls per %s %s\n\n%.1f in all, polls of the others included:\n\n| operation | calls |\n|---|---|\n", k.name, c.what, total(c.calls))
			for _, op := range sortedFloatKeys(c.calls) {
				fmt.Fprintf(&b, "| %s | %.2f |\n", op, c.calls[op])
			}
		}
	}
	if kube := r.Kube; kube != nil {
		fmt.Fprintf(&b, "\n## One in-sync reconcile\n\nOver %.0f reconciles of resources already in sync: %.4f API server reads and %.2f API server writes each. The writes are the status update that records each reconcile; the API server stores nothing when nothing changed, and %d of the %d managed resources changed over the window. Cloud calls per reconcile, by kind and operation:\n\n| kind | reconciles | operation | calls |\n|---|---|---|---|\n",
			kube.Reconciles, kube.ReadsPerReconcile, kube.WritesPerReconcile, kube.Changed, r.Resources)
		for _, k := range kinds {
			kr := r.Kinds[k.name]
			if kr == nil || kr.Steady == nil {
				continue
			}
			for _, op := range sortedFloatKeys(kr.Steady.CloudCallsPerReconcile) {
				fmt.Fprintf(&b, "| %s | %.0f | %s | %.2f |\n", k.name, kr.Steady.Reconciles, op, kr.Steady.CloudCallsPerReconcile[op])
			}
		}
		if len(kube.Served) > 0 {
			fmt.Fprintf(&b, "\nRequests kube-apiserver served over the same window, per reconcile, as it counts them (`apiserver_request_total`, watches included). Endpoints, EndpointSlices and Leases are its own bookkeeping, not the provider's:\n\n| request | per reconcile |\n|---|---|\n")
			for _, req := range sortedFloatKeys(kube.Served) {
				// Watches restarting now and then round to nothing.
				if kube.Served[req] >= 0.00005 {
					fmt.Fprintf(&b, "| %s | %.4f |\n", req, kube.Served[req])
				}
			}
		}
	}
	return b.String()
}

// idleMiss says why a provider's idle RSS misses its goal, with the split
// of resident memory where the run measured it.
func idleMiss(p *process) string {
	m := p.Metrics
	split := "resident memory was not split into the binary's pages and the rest in this run (--local splits it)"
	if file, ok := m[rssSplit[1]]; ok {
		split = fmt.Sprintf("%.1f MiB of the idle RSS are pages of the binary (code and read-only data; anonymous memory is %.1f MiB, of which %.1f MiB heap in use)",
			file.Idle/mib, m[rssSplit[0]].Idle/mib, m["go_memstats_heap_inuse_bytes"].Idle/mib)
	}
	if h := p.Heap; h != nil {
		top := topHeap(h.IdleMiB, 3)
		split += fmt.Sprintf("; the most heap at idle is held by %s", strings.Join(top, ", "))
	}
	return "most of it is the provider's own binary, not its data: " + split + ". The binary holds its cloud's SDK, the Kubernetes API types and client machinery, and OpenTelemetry's exporter; package initialisers run across all of it and the kernel maps code around each page first run, so most of the binary's pages end up resident. They are clean pages the kernel may drop under memory pressure, but they count in RSS, and GC settings cannot shrink them"
}

// goroutinesMiss says why idle goroutines miss their goal.
func goroutinesMiss(r report) string {
	workers := "25 (the default)"
	f := strings.Fields(r.Provider)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "--max-concurrent-reconciles" {
			workers = f[i+1]
		}
	}
	return "controller-runtime starts every controller's workers (--max-concurrent-reconciles, here " + workers + ") when the controller starts, whether or not anything is queued, so each active managed resource kind costs that many goroutines at idle; the rest are informers, the HTTP/2 connections' readers and the metrics and probe servers. A kind nobody activates (safe start) costs none"
}

// addedMiss says why the RSS a provider adds per 1,000 resources misses
// its goal.
func addedMiss(p *process) string {
	m := p.Metrics
	why := fmt.Sprintf("measured with %d resources and scaled to 1,000, so what each kind costs once, whatever its number (its cloud clients, connection pools and caches, its code's pages first run), counts as if it grew with them", p.Resources)
	if anon, ok := m[rssSplit[0]]; ok {
		heap := m["go_memstats_heap_inuse_bytes"]
		why += fmt.Sprintf(". Here anonymous memory grew %.1f MiB (heap in use %.1f MiB) and the binary's resident pages %.1f MiB",
			(anon.AfterReady-anon.Idle)/mib, (heap.AfterReady-heap.Idle)/mib, (m[rssSplit[1]].AfterReady-m[rssSplit[1]].Idle)/mib)
	}
	if h := p.Heap; h != nil {
		growth := map[string]float64{}
		for pkg, v := range h.SettleMiB {
			growth[pkg] = v - h.IdleMiB[pkg]
		}
		return why + fmt.Sprintf(". The heap grew most in %s (see Which code holds its heap)", strings.Join(topHeap(growth, 3), ", "))
	}
	return why + ". Not broken down further (run with --pprof for the heap by package)"
}

// topHeap names the n packages holding the most, with their MiB.
func topHeap(mib map[string]float64, n int) []string {
	pkgs := slices.SortedFunc(maps.Keys(mib), func(a, b string) int {
		if c := cmp.Compare(mib[b], mib[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var out []string
	for _, p := range pkgs[:min(n, len(pkgs))] {
		out = append(out, fmt.Sprintf("%s (%.1f MiB)", p, mib[p]))
	}
	return out
}

// heapTable lists the packages holding the most heap at the end of the
// settle window, beside what they held at idle.
func heapTable(b *strings.Builder, name string, h *heapReport, resources int) {
	const rows = 15
	pkgs := slices.SortedFunc(maps.Keys(h.SettleMiB), func(x, y string) int {
		if c := cmp.Compare(h.SettleMiB[y], h.SettleMiB[x]); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	var idle, settle float64
	for _, v := range h.IdleMiB {
		idle += v
	}
	for _, v := range h.SettleMiB {
		settle += v
	}
	perThousand := func(grew float64) string {
		if resources == 0 {
			return "-"
		}
		return fmt.Sprintf("%+.1f MiB", grew/(float64(resources)/1000))
	}
	fmt.Fprintf(b, "\n### Which code holds %s's heap\n\nGo's heap profile after a garbage collection, at idle and at the end of the settle window, by the package that allocated the memory: a package initialiser's, for what one built before any resource existed; otherwise the first frame outside Go's standard library (objects decoded from the API server show as the JSON decoder that made them). The profile samples one allocation in about 512 KiB and scales, so small numbers are rough. In all, %.1f MiB at idle and %.1f MiB with %d resources.\n\n| package | idle | end of settle | growth per 1,000 resources |\n|---|---|---|---|\n", name, idle, settle, resources)
	for _, p := range pkgs[:min(rows, len(pkgs))] {
		fmt.Fprintf(b, "| %s | %.1f MiB | %.1f MiB | %s |\n", p, h.IdleMiB[p], h.SettleMiB[p], perThousand(h.SettleMiB[p]-h.IdleMiB[p]))
	}
	if len(pkgs) > rows {
		var ri, rs float64
		for _, p := range pkgs[rows:] {
			ri, rs = ri+h.IdleMiB[p], rs+h.SettleMiB[p]
		}
		fmt.Fprintf(b, "| %d others | %.1f MiB | %.1f MiB | %s |\n", len(pkgs)-rows, ri, rs, perThousand(rs-ri))
	}
}

// flat is the target of memory that does not grow with reconciles: the
// live heap (after a collection) at the end of the settle window against
// right after all were Ready, where the run measured it; otherwise heap in
// use, garbage included, sampled at those two points.
func flat(name string, p *process) target {
	t := target{what: name + ": heap growth over the settle window (flat memory)", goal: 10, unit: "%", lower: true}
	if h := p.Heap; h != nil && h.LiveAfterReadyMiB > 0 {
		t.got = 100 * (sum(h.SettleMiB) - h.LiveAfterReadyMiB) / h.LiveAfterReadyMiB
		t.why = fmt.Sprintf("the live heap, after a garbage collection, went from %.1f MiB right after all were Ready to %.1f MiB at the end of the window (from the heap profile, which samples)", h.LiveAfterReadyMiB, sum(h.SettleMiB))
		// The profile records about one allocation in 512 KiB and scales
		// it up: a few samples either way is what it cannot tell apart.
		if grew := sum(h.SettleMiB) - h.LiveAfterReadyMiB; grew < 4 {
			t.miss = fmt.Sprintf("a growth of %.1f MiB is a handful of the heap profile's samples (one per 512 KiB allocated, scaled up), which a few objects alive at one collection and not the next make: within what the profile tells apart on a heap this small, so not a measured leak; a longer window, or a finer profile (runtime.MemProfileRate), would tell growth from noise", grew)
		}
		return t
	}
	heap := p.Metrics["go_memstats_heap_inuse_bytes"]
	t.got = 100 * (heap.EndOfSettle - heap.AfterReady) / heap.AfterReady
	t.why = "heap in use, garbage included, sampled right after all are Ready and at the end of the window: when the collector last ran moves it by tens of percent; runs with --pprof compare the live heap instead"
	t.miss = "heap in use counts garbage not yet collected, so this compares two points of the collector's cycle as much as two sizes of live memory; the live heap of runs with --pprof is the measure to trust"
	return t
}

// pollOf is the provider's --poll in the run r, 0 if it is not known.
func pollOf(r report) time.Duration {
	f := strings.Fields(r.Provider)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "--poll" {
			d, _ := time.ParseDuration(f[i+1])
			return d
		}
	}
	return 0
}

// thousands writes n with a comma every three digits, as the pages do.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// missed compares with a little slack: calls per reconcile are counted over
// a window, and the few reconciles running at its edges have some of their
// calls counted on one side and the rest on the other.
func missed(t target) bool {
	slack := 1e-3 * t.goal
	return (t.lower && t.got > t.goal+slack) || (!t.lower && t.got < t.goal-slack)
}

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
