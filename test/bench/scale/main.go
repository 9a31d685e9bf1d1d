// Command scale measures what the provider costs at scale, so a change can be
// shown "before and after": it creates N S3 Buckets, times how long they take
// to become Ready, samples the provider's Prometheus metrics while it keeps
// them in sync, and times their deletion.
//
// It handles Buckets as unstructured objects and never imports the
// provider's API packages, so the same source builds and runs against any
// revision of the provider, whichever package the Bucket type lives in.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/appinfra/provider-appinfra/test/cloudproxy"
)

var bucketGVK = schema.GroupVersionKind{Group: "s3.aws.appinfra.io", Version: "v1alpha1", Kind: "Bucket"}

// watched are the provider metrics sampled; all are unlabelled series.
var watched = []string{"go_goroutines", "process_open_fds", "process_resident_memory_bytes", "go_memstats_heap_inuse_bytes", "process_cpu_seconds_total"}

// cpuCores is derived from process_cpu_seconds_total: a counter's level says
// little about steady state, its rate (CPU seconds per second) does.
const cpuCores = "cpu_cores"

type options struct {
	kubeconfig, metrics, namespace, out, docs, from string
	providerFlags                                   string
	n, workers                                      int
	settle, sample, timeout, poll                   time.Duration
	delete, local                                   bool
}

type sample struct {
	at     time.Time
	values map[string]float64
}

type row struct {
	Idle        float64 `json:"idle"`
	AfterReady  float64 `json:"after_ready"`
	EndOfSettle float64 `json:"end_of_settle"`
	SettleMin   float64 `json:"settle_min"`
	SettleMax   float64 `json:"settle_max"`
}

type report struct {
	Buckets       int                `json:"buckets"`
	Provider      string             `json:"provider_flags,omitempty"`
	ReadySeconds  float64            `json:"ready_seconds"`
	TimeToReady   map[string]float64 `json:"time_to_ready_seconds"`
	DeleteSeconds float64            `json:"delete_seconds,omitempty"`
	Metrics       map[string]row     `json:"metrics"`
	// Steady is what a reconcile of an in-sync Bucket costs, measured over
	// the settle window (--local only: calls are counted at the proxies).
	Steady *steady `json:"steady_state,omitempty"`
	// NewReadySeconds is how long one more Bucket took to be Ready with
	// all the others in place.
	NewReadySeconds float64 `json:"new_resource_ready_seconds,omitempty"`
	// ConflictEvents counts the events, on the Buckets, saying an update
	// failed because "the object has been modified".
	ConflictEvents int `json:"conflict_events"`
	// CallsPerCreate and CallsPerDelete are the cloud calls, by
	// operation, per Bucket created (until all are Ready) and deleted
	// (until all are gone), polls of the others included (--local only).
	CallsPerCreate map[string]float64 `json:"cloud_calls_per_create,omitempty"`
	CallsPerDelete map[string]float64 `json:"cloud_calls_per_delete,omitempty"`
	// LimitWaitSeconds is how long cloud requests waited, in all, for the
	// provider's own per-API rate limits.
	LimitWaitSeconds float64 `json:"api_limit_wait_seconds"`
}

// perBucket divides calls by n.
func perBucket(calls map[string]int, n int) map[string]float64 {
	out := map[string]float64{}
	for op, c := range calls {
		if c > 0 {
			out[op] = float64(c) / float64(n)
		}
	}
	return out
}

// steady is per in-sync reconcile. Reconciles are counted by their one
// HeadBucket each: controller-runtime's reconcile counter also counts the
// turns the global rate limiter deferred, which reach no Observe.
type steady struct {
	Reconciles              float64            `json:"reconciles"`
	CloudCallsPerReconcile  map[string]float64 `json:"cloud_calls_per_reconcile"`
	CloudWritesPerReconcile float64            `json:"cloud_writes_per_reconcile"`
	KubeReadsPerReconcile   float64            `json:"kube_reads_per_reconcile"`
	KubeWritesPerReconcile  float64            `json:"kube_writes_per_reconcile"`
}

func main() {
	var o options
	// A flag set of its own: controller-runtime registers --kubeconfig on
	// the global one.
	fs := flag.NewFlagSet("scale", flag.ExitOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "Kubeconfig of the cluster the provider watches.")
	fs.StringVar(&o.metrics, "metrics", "http://127.0.0.1:8080/metrics", "URL of the provider's Prometheus metrics endpoint.")
	fs.IntVar(&o.n, "n", 300, "Number of Buckets to create.")
	fs.IntVar(&o.workers, "workers", 8, "Concurrent creates.")
	fs.StringVar(&o.namespace, "namespace", "scale", "Namespace for the Buckets; created if missing.")
	fs.DurationVar(&o.settle, "settle", 3*time.Minute, "How long to keep sampling after all Buckets are Ready.")
	fs.DurationVar(&o.sample, "sample", 10*time.Second, "Metrics sampling interval.")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "Give up waiting for Ready, or for deletion, after this long.")
	fs.BoolVar(&o.delete, "delete", true, "Delete the Buckets at the end and time it.")
	fs.StringVar(&o.out, "out", "", "Also write the results as JSON to this file.")
	fs.BoolVar(&o.local, "local", false, "Start a local stack (control plane, emulators and local cloud behind counting proxies) and the provider, instead of using --kubeconfig and --metrics.")
	fs.DurationVar(&o.poll, "poll", 10*time.Second, "With --local: the provider's --poll; a short poll simulates hours of polls in minutes.")
	fs.StringVar(&o.providerFlags, "provider-flags", "", "With --local: more flags for the provider, space separated, such as \"--max-reconcile-rate 10\"; none keeps its defaults.")
	fs.StringVar(&o.from, "from", "", "Only write the --docs summary again from this JSON of an earlier run.")
	fs.StringVar(&o.docs, "docs", "", "Also write PATH.json and PATH.md (a summary against the targets), for PATH given here.")
	_ = fs.Parse(os.Args[1:])

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.from != "" {
		return resummarise(o)
	}
	if o.settle < o.sample {
		return errors.New("--settle must be at least one --sample, or there is no CPU rate to report")
	}
	var stack *localStack
	if o.local {
		args := append([]string{"--poll", o.poll.String()}, strings.Fields(o.providerFlags)...)
		var err error
		if stack, err = startLocal(ctx, &o, args); err != nil {
			return err
		}
		defer stack.stop()
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return fmt.Errorf("cannot load kubeconfig: %w", err)
	}
	// client-go's default of 5 requests per second would make the tool the
	// bottleneck of what it measures.
	cfg.QPS, cfg.Burst = 200, 400
	kube, err := client.New(cfg, client.Options{})
	if err != nil {
		return fmt.Errorf("cannot create client: %w", err)
	}
	hc := &http.Client{Timeout: 5 * time.Second}

	// Two idle samples one interval apart give the idle CPU rate too.
	idle, err := samples(ctx, hc, o.metrics, o.sample, o.sample)
	if err != nil {
		return err
	}

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.namespace}}
	if err := kube.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("cannot create namespace: %w", err)
	}
	var callsAtStart map[string]int
	if stack != nil {
		callsAtStart = stack.calls()
	}
	start := time.Now()
	created, err := createBuckets(ctx, kube, o)
	if err != nil {
		return err
	}
	ready, err := waitReady(ctx, kube, o, created)
	if err != nil {
		return err
	}
	r := report{Buckets: o.n, ReadySeconds: time.Since(start).Seconds(), TimeToReady: percentiles(created, ready)}
	if o.local {
		r.Provider = strings.TrimSpace("--poll " + o.poll.String() + " " + o.providerFlags)
	}
	fmt.Fprintf(os.Stderr, "all %d Buckets Ready after %.1fs; sampling for %s\n", o.n, r.ReadySeconds, o.settle)

	var callsBefore map[string]int
	if stack != nil {
		callsBefore = stack.calls()
		r.CallsPerCreate = perBucket(delta(callsAtStart, callsBefore), o.n)
	}
	settle, err := samples(ctx, hc, o.metrics, o.settle, o.sample)
	if err != nil {
		return err
	}
	r.Metrics = summarise(idle, settle)
	if stack != nil {
		r.Steady = steadyState(callsBefore, stack.calls(), settle[0], settle[len(settle)-1])
	}

	// One more, with all the others in place and polled.
	extra := map[string]time.Time{"scale-new": time.Now()}
	if err := kube.Create(ctx, newBucket(o.namespace, "scale-new")); err != nil {
		return fmt.Errorf("cannot create one more Bucket: %w", err)
	}
	newReady, err := waitReady(ctx, kube, o, extra)
	if err != nil {
		return err
	}
	r.NewReadySeconds = newReady["scale-new"].Sub(extra["scale-new"]).Seconds()
	if r.ConflictEvents, err = conflicts(ctx, kube, o.namespace); err != nil {
		return err
	}

	if o.delete {
		var callsBeforeDelete map[string]int
		if stack != nil {
			callsBeforeDelete = stack.calls()
		}
		if r.DeleteSeconds, err = deleteBuckets(ctx, kube, o); err != nil {
			return err
		}
		if stack != nil {
			r.CallsPerDelete = perBucket(delta(callsBeforeDelete, stack.calls()), o.n+1)
		}
	}
	end, err := scrape(ctx, hc, o.metrics)
	if err != nil {
		return err
	}
	r.LimitWaitSeconds = end.values[limitWait]
	printReport(r)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if o.out != "" {
		if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if o.docs != "" {
		if err := os.WriteFile(o.docs+".json", append(b, '\n'), 0o644); err != nil {
			return err
		}
		return os.WriteFile(o.docs+".md", []byte(summary(r, filepath.Base(o.docs))), 0o644)
	}
	return nil
}

// resummarise writes the --docs Markdown again from an earlier run's JSON,
// after a change to the targets or the page.
func resummarise(o options) error {
	b, err := os.ReadFile(o.from)
	if err != nil {
		return err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("cannot read %s: %w", o.from, err)
	}
	if o.docs == "" {
		return errors.New("--from needs --docs")
	}
	return os.WriteFile(o.docs+".md", []byte(summary(r, filepath.Base(o.docs))), 0o644)
}

// steadyState divides the calls counted over the settle window by the
// Bucket reconciles in it, each of which calls HeadBucket once.
func steadyState(before, after map[string]int, first, last sample) *steady {
	d := delta(before, after)
	rec := float64(d["s3/HeadBucket"])
	st := &steady{Reconciles: rec, CloudCallsPerReconcile: map[string]float64{}}
	if rec == 0 {
		return st
	}
	for _, op := range sortedKeys(d) {
		st.CloudCallsPerReconcile[op] = float64(d[op]) / rec
		if c := (cloudproxy.Call{Service: strings.Split(op, "/")[0], Op: strings.Split(op, "/")[1]}); c.Write() {
			st.CloudWritesPerReconcile += float64(d[op]) / rec
		}
	}
	st.KubeReadsPerReconcile = (last.values[kubeReads] - first.values[kubeReads]) / rec
	st.KubeWritesPerReconcile = (last.values[kubeWrites] - first.values[kubeWrites]) / rec
	return st
}

func newBucket(namespace, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"forProvider": map[string]any{"region": "us-east-1"}},
	}}
	u.SetGroupVersionKind(bucketGVK)
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

// createBuckets returns when each Bucket was created, as seen by this client:
// creationTimestamp has only second resolution.
func createBuckets(ctx context.Context, kube client.Client, o options) (map[string]time.Time, error) {
	names := make(chan string)
	var mu sync.Mutex
	var errs []error
	created := make(map[string]time.Time, o.n)
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			for name := range names {
				err := kube.Create(ctx, newBucket(o.namespace, name))
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("cannot create Bucket %s: %w", name, err))
				} else {
					created[name] = time.Now()
				}
				mu.Unlock()
			}
		})
	}
	for i := 1; i <= o.n; i++ {
		names <- fmt.Sprintf("scale-%04d", i)
	}
	close(names)
	wg.Wait()
	return created, errors.Join(errs...)
}

// waitReady lists the Buckets every second and returns when each was first
// seen Ready. Listing, not watching, keeps the tool simple; a second is fine
// resolution for reconciles that take seconds to minutes.
func waitReady(ctx context.Context, kube client.Client, o options, created map[string]time.Time) (map[string]time.Time, error) {
	ready := make(map[string]time.Time, len(created))
	err := poll(ctx, o.timeout, func() (bool, error) {
		items, err := list(ctx, kube, o.namespace)
		for i := range items {
			name := items[i].GetName()
			if _, ours := created[name]; ours && isReady(&items[i]) && ready[name].IsZero() {
				ready[name] = time.Now()
			}
		}
		return len(ready) == len(created), err
	})
	if err != nil {
		return nil, fmt.Errorf("%d of %d Buckets Ready: %w", len(ready), len(created), err)
	}
	return ready, nil
}

// deleteBuckets deletes every Bucket in the namespace and returns how long
// they took to be gone, which includes the provider deleting the buckets.
func deleteBuckets(ctx context.Context, kube client.Client, o options) (float64, error) {
	start := time.Now()
	if err := kube.DeleteAllOf(ctx, newBucket("", ""), client.InNamespace(o.namespace)); err != nil {
		return 0, fmt.Errorf("cannot delete Buckets: %w", err)
	}
	left := 0
	err := poll(ctx, o.timeout, func() (bool, error) {
		items, err := list(ctx, kube, o.namespace)
		left = len(items)
		return err == nil && left == 0, err
	})
	if err != nil {
		return 0, fmt.Errorf("%d Buckets not yet gone: %w", left, err)
	}
	return time.Since(start).Seconds(), nil
}

// conflicts counts the events of namespace that report an update conflict.
func conflicts(ctx context.Context, kube client.Client, namespace string) (int, error) {
	events := &corev1.EventList{}
	if err := kube.List(ctx, events, client.InNamespace(namespace)); err != nil {
		return 0, fmt.Errorf("cannot list events: %w", err)
	}
	n := 0
	for _, e := range events.Items {
		if strings.Contains(e.Message, "the object has been modified") {
			n += int(max(e.Count, 1))
		}
	}
	return n, nil
}

// poll calls done every second until it reports true, fails, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := done()
		switch {
		case err != nil:
			return err
		case ok:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("timed out after %s", timeout)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

func list(ctx context.Context, kube client.Client, namespace string) ([]unstructured.Unstructured, error) {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(bucketGVK.GroupVersion().WithKind("BucketList"))
	if err := kube.List(ctx, l, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("cannot list Buckets: %w", err)
	}
	return l.Items, nil
}

func isReady(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == "Ready" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// percentiles of time-to-Ready by nearest rank, in seconds.
func percentiles(created, ready map[string]time.Time) map[string]float64 {
	d := make([]float64, 0, len(ready))
	for name, t := range ready {
		d = append(d, t.Sub(created[name]).Seconds())
	}
	slices.Sort(d)
	p := map[string]float64{}
	for _, q := range []int{50, 95, 99} {
		p[fmt.Sprintf("p%d", q)] = d[max(0, int(math.Ceil(float64(q)/100*float64(len(d))))-1)]
	}
	return p
}

// samples scrapes the metrics endpoint now and then every interval until
// window has passed: window/interval+1 samples.
func samples(ctx context.Context, hc *http.Client, url string, window, interval time.Duration) ([]sample, error) {
	var out []sample
	for i := 0; ; i++ {
		s, err := scrape(ctx, hc, url)
		if err != nil {
			return nil, err
		}
		if out = append(out, s); i == int(window/interval) {
			return out, nil
		}
		if err := sleep(ctx, interval); err != nil {
			return nil, err
		}
	}
}

// scrape reads the Prometheus text format just far enough for unlabelled
// series, whose lines are "name value".
func scrape(ctx context.Context, hc *http.Client, url string) (sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return sample{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return sample{}, fmt.Errorf("cannot scrape metrics: %w", err)
	}
	defer resp.Body.Close() //nolint:errcheck // a read-only body; nothing to recover
	if resp.StatusCode != http.StatusOK {
		return sample{}, fmt.Errorf("cannot scrape metrics: %s", resp.Status)
	}
	s := sample{at: time.Now(), values: map[string]float64{}}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := 0
	for sc.Scan() {
		line := sc.Text()
		if k, ok := labelled(line); ok {
			if i := strings.LastIndexByte(line, ' '); i > 0 {
				v, _ := strconv.ParseFloat(line[i+1:], 64)
				s.values[k] += v
			}
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || !slices.Contains(watched, f[0]) {
			continue
		}
		found++
		if s.values[f[0]], err = strconv.ParseFloat(f[1], 64); err != nil {
			return sample{}, fmt.Errorf("cannot parse %s: %w", f[0], err)
		}
	}
	if err := sc.Err(); err != nil {
		return sample{}, fmt.Errorf("cannot read metrics: %w", err)
	}
	if found != len(watched) {
		return sample{}, fmt.Errorf("metrics endpoint serves only %d of %v", found, watched)
	}
	return s, nil
}

// Sums of labelled series.
const (
	kubeReads  = "kube_reads"
	kubeWrites = "kube_writes"
	limitWait  = "api_limit_wait_seconds"
)

// labelled says which sum a labelled series line adds to: the provider's
// requests to the API server (client-go's; a read from a cache never gets
// here).
func labelled(line string) (string, bool) {
	switch {
	case strings.HasPrefix(line, "rest_client_requests_total{") && strings.Contains(line, `method="GET"`):
		return kubeReads, true
	case strings.HasPrefix(line, "rest_client_requests_total{") && (strings.Contains(line, `method="PUT"`) || strings.Contains(line, `method="PATCH"`) || strings.Contains(line, `method="POST"`)):
		return kubeWrites, true
	case strings.HasPrefix(line, "appinfra_cloud_api_limit_wait_seconds_total{"):
		return limitWait, true
	}
	return "", false
}

func summarise(idle, settle []sample) map[string]row {
	rows := map[string]row{}
	for _, m := range watched {
		v := make([]float64, len(settle))
		for i, s := range settle {
			v[i] = s.values[m]
		}
		rows[m] = row{Idle: idle[len(idle)-1].values[m], AfterReady: v[0], EndOfSettle: v[len(v)-1], SettleMin: slices.Min(v), SettleMax: slices.Max(v)}
	}
	rate := func(a, b sample) float64 {
		return (b.values["process_cpu_seconds_total"] - a.values["process_cpu_seconds_total"]) / b.at.Sub(a.at).Seconds()
	}
	var r []float64
	for i := 1; i < len(settle); i++ {
		r = append(r, rate(settle[i-1], settle[i]))
	}
	rows[cpuCores] = row{Idle: rate(idle[0], idle[len(idle)-1]), AfterReady: r[0], EndOfSettle: r[len(r)-1], SettleMin: slices.Min(r), SettleMax: slices.Max(r)}
	return rows
}

func printReport(r report) {
	fmt.Printf("buckets %d  all Ready in %.1fs  time-to-Ready p50 %.1fs p95 %.1fs p99 %.1fs",
		r.Buckets, r.ReadySeconds, r.TimeToReady["p50"], r.TimeToReady["p95"], r.TimeToReady["p99"])
	if r.DeleteSeconds > 0 {
		fmt.Printf("  all gone in %.1fs", r.DeleteSeconds)
	}
	fmt.Printf("  one more Ready in %.1fs  update conflicts %d  waited for API limits %.1fs", r.NewReadySeconds, r.ConflictEvents, r.LimitWaitSeconds)
	for _, c := range []struct {
		what  string
		calls map[string]float64
	}{{"create", r.CallsPerCreate}, {"delete", r.CallsPerDelete}} {
		if len(c.calls) > 0 {
			fmt.Printf("\n\ncloud calls per Bucket to %s: %.1f\n", c.what, total(c.calls))
			for _, op := range sortedFloatKeys(c.calls) {
				fmt.Printf("  %-34s %6.2f\n", op, c.calls[op])
			}
		}
	}
	if st := r.Steady; st != nil {
		fmt.Printf("\n\nin-sync reconcile (%.0f reconciles): %.2f cloud writes, %.2f API server reads, %.2f API server writes\n", st.Reconciles, st.CloudWritesPerReconcile, st.KubeReadsPerReconcile, st.KubeWritesPerReconcile)
		for _, op := range sortedFloatKeys(st.CloudCallsPerReconcile) {
			fmt.Printf("  %-34s %6.2f\n", op, st.CloudCallsPerReconcile[op])
		}
	}
	fmt.Printf("\n\n%-30s %12s %12s %14s %12s %12s\n", "metric", "idle", "after-ready", "end-of-settle", "settle-min", "settle-max")
	for _, m := range append(slices.Clone(watched), cpuCores) {
		x := r.Metrics[m]
		fmt.Printf("%-30s %12s %12s %14s %12s %12s\n", m, human(m, x.Idle), human(m, x.AfterReady), human(m, x.EndOfSettle), human(m, x.SettleMin), human(m, x.SettleMax))
	}
}

func total(calls map[string]float64) float64 {
	t := 0.0
	for _, n := range calls {
		t += n
	}
	return t
}

// human shows bytes in MiB; the JSON keeps raw values.
func human(metric string, v float64) string {
	switch {
	case strings.HasSuffix(metric, "_bytes"):
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
