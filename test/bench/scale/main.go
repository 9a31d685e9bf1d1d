// Command scale measures what the provider costs at scale, so a change can be
// shown "before and after": it creates N managed resources of each kind asked
// for (S3 and GCS Buckets, RDS DBInstances, ElastiCache ReplicationGroups),
// times how long they take to become Ready, samples the provider's
// Prometheus metrics while it keeps them in sync, and times their deletion.
// With --local it also measures what the provider's CRDs cost the API server.
//
// It handles managed resources as unstructured objects and never imports the
// provider's API packages, so the same source builds and runs against any
// revision of the provider, whichever package a type lives in.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math"
	"net/http"
	"os"
	"os/exec"
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
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/appinfra/provider-appinfra/test/cloudproxy"
)

// watched are the provider metrics sampled; all are unlabelled series.
var watched = []string{"go_goroutines", "process_open_fds", "process_resident_memory_bytes", "go_memstats_heap_inuse_bytes", "process_cpu_seconds_total"}

// cpuCores is derived from process_cpu_seconds_total: a counter's level says
// little about steady state, its rate (CPU seconds per second) does.
const cpuCores = "cpu_cores"

type options struct {
	kubeconfig, namespace, out, docs, from string
	// providers are the provider processes sampled, one per cloud.
	providers     []provider
	providerFlags string
	// cloudFlags are more flags for one cloud's provider (--local).
	cloudFlags map[string]string
	// count is how many objects of each kind to create, by kind name.
	count                         map[string]int
	workers                       int
	settle, sample, timeout, poll time.Duration
	delete, local, together       bool
}

// planned are the kinds with objects to create, in the order of kinds.
func (o options) planned() []kind {
	var out []kind
	for _, k := range kinds {
		if o.count[k.name] > 0 {
			out = append(out, k)
		}
	}
	return out
}

// provider is one provider process the benchmark samples.
type provider struct {
	// name is the provider's, such as provider-appinfra-aws; cloud is
	// the cloud whose kinds it serves ("" when not known: all of them).
	name, cloud string
	// metrics is its Prometheus endpoint's URL; pprof its /debug/pprof
	// URL (empty skips heap profiles).
	metrics, pprof string
	// pid is its process's, when it runs here (--local).
	pid int
}

// serves says whether p reconciles kind k.
func (p provider) serves(k kind) bool { return p.cloud == "" || p.cloud == k.cloud }

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
	// Command, Commit and Date say what wrote the report: the command
	// line, the commit it ran at (with -dirty for uncommitted changes),
	// and the day.
	Command  string `json:"command,omitempty"`
	Commit   string `json:"commit,omitempty"`
	Date     string `json:"date,omitempty"`
	Provider string `json:"provider_flags,omitempty"`
	// Resources is how many managed resources were created, of all kinds.
	Resources int `json:"resources"`
	// Together says every kind was created in one burst, not one kind
	// after another.
	Together bool `json:"together,omitempty"`
	// ReadySeconds and DeleteSeconds are until all of every kind are.
	ReadySeconds  float64                `json:"ready_seconds"`
	DeleteSeconds float64                `json:"delete_seconds,omitempty"`
	Kinds         map[string]*kindReport `json:"kinds"`
	// Providers are each provider process's numbers, by its name.
	Providers map[string]*process `json:"providers,omitempty"`
	// Metrics and Heap are the one provider's of a run from before the
	// provider family, read by --from as a provider of both clouds.
	Metrics map[string]row `json:"metrics,omitempty"`
	// Kube is what in-sync reconciles of every kind cost the API server
	// (--local only).
	Kube *kubeSteady `json:"kube_steady_state,omitempty"`
	// ConflictEvents counts the events saying an update failed because
	// "the object has been modified".
	ConflictEvents int `json:"conflict_events"`
	// Events counts every event of the namespace by type and reason, once
	// all were Ready, kept in sync, and one more of each kind was.
	Events map[string]int `json:"events,omitempty"`
	// LimitWaitSeconds is how long cloud requests waited, in all, for the
	// provider's own per-API rate limits.
	LimitWaitSeconds float64 `json:"api_limit_wait_seconds"`
	// APIServer is what the provider's CRDs cost kube-apiserver (--local
	// only).
	APIServer *apiServerCost `json:"api_server_crds,omitempty"`
	Heap      *heapReport    `json:"heap_by_package,omitempty"`
}

// process is one provider process's share of a run.
type process struct {
	// Resources is how many of the run's managed resources it reconciled.
	Resources int            `json:"resources"`
	Metrics   map[string]row `json:"metrics"`
	// Heap says which code holds its heap (with --pprof).
	Heap *heapReport `json:"heap_by_package,omitempty"`
}

// kindReport is one kind's share of a run. Cloud calls are counted by the
// kind's own service, so kinds created side by side do not mix.
type kindReport struct {
	Count int `json:"count"`
	// ReadySeconds is from the kind's first create until all its objects
	// were Ready; DeleteSeconds from the delete until all were gone.
	ReadySeconds  float64            `json:"ready_seconds"`
	TimeToReady   map[string]float64 `json:"time_to_ready_seconds"`
	DeleteSeconds float64            `json:"delete_seconds,omitempty"`
	// NewReadySeconds is how long one more took to be Ready with all the
	// others in place.
	NewReadySeconds float64 `json:"new_resource_ready_seconds,omitempty"`
	// CallsPerCreate and CallsPerDelete are the cloud calls, by operation,
	// per object created (until all of the kind were Ready) and deleted
	// (until all were gone), polls of the others included (--local only).
	CallsPerCreate map[string]float64 `json:"cloud_calls_per_create,omitempty"`
	CallsPerDelete map[string]float64 `json:"cloud_calls_per_delete,omitempty"`
	// Steady is what a reconcile of an in-sync object costs, measured over
	// the settle window (--local only).
	Steady *steady `json:"steady_state,omitempty"`
}

// steady is per in-sync reconcile of one kind.
type steady struct {
	Reconciles              float64            `json:"reconciles"`
	CloudCallsPerReconcile  map[string]float64 `json:"cloud_calls_per_reconcile"`
	CloudWritesPerReconcile float64            `json:"cloud_writes_per_reconcile"`
}

// kubeSteady is the provider's own requests to the API server per in-sync
// reconcile, of every kind: a read from its cache never gets there.
type kubeSteady struct {
	Reconciles         float64 `json:"reconciles"`
	ReadsPerReconcile  float64 `json:"reads_per_reconcile"`
	WritesPerReconcile float64 `json:"writes_per_reconcile"`
	// Changed counts the managed resources whose resourceVersion moved
	// over the window: a write that changes nothing is not stored.
	Changed int `json:"objects_changed"`
	// Served are kube-apiserver's own counts per reconcile, by verb and
	// resource: what the provider asked for, whether or not client-go's
	// metrics label it, plus the little kube-controller-manager asks.
	Served map[string]float64 `json:"api_server_requests_per_reconcile"`
}

// perObject divides calls by n.
func perObject(calls map[string]int, n int) map[string]float64 {
	out := map[string]float64{}
	for op, c := range calls {
		if c > 0 {
			out[op] = float64(c) / float64(n)
		}
	}
	return out
}

func main() {
	o := options{count: map[string]int{}}
	// A flag set of its own: controller-runtime registers --kubeconfig on
	// the global one.
	fs := flag.NewFlagSet("scale", flag.ExitOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "Kubeconfig of the cluster the providers watch.")
	metricsURLs := fs.String("metrics", "provider-appinfra-aws=http://127.0.0.1:8080/metrics,provider-appinfra-gcp=http://127.0.0.1:8082/metrics", "Each provider's Prometheus metrics endpoint, as name=URL pairs, comma separated; a name ending in -aws or -gcp serves that cloud's kinds, any other all of them (a bare URL is one provider of both). Both providers default to :8080: start the GCP one with --metrics-bind-address :8082 for this default. --local sets it.")
	pprofURLs := fs.String("pprof", "", "Each provider's /debug/pprof endpoints (its --pprof-bind-address), as name=URL pairs like --metrics, to say which code holds its heap at idle and at the end; empty skips it. --local sets it.")
	counts := map[string]*int{}
	for _, k := range kinds {
		counts[k.name] = new(int)
	}
	fs.IntVar(counts["S3 Bucket"], "n", 300, "Number of S3 Buckets to create.")
	fs.IntVar(counts["GCS Bucket"], "gcs-buckets", 0, "Number of GCS Buckets to create.")
	fs.IntVar(counts["RDS DBInstance"], "databases", 0, "Number of RDS DBInstances (PostgreSQL) to create.")
	fs.IntVar(counts["ElastiCache ReplicationGroup"], "caches", 0, "Number of ElastiCache ReplicationGroups (Redis, one node) to create.")
	fs.IntVar(&o.workers, "workers", 8, "Concurrent creates.")
	fs.BoolVar(&o.together, "together", false, "Create every kind in one burst, instead of one kind after another.")
	fs.StringVar(&o.namespace, "namespace", "scale", "Namespace for the managed resources; created if missing.")
	fs.DurationVar(&o.settle, "settle", 3*time.Minute, "How long to keep sampling after all are Ready.")
	fs.DurationVar(&o.sample, "sample", 10*time.Second, "Metrics sampling interval.")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "Give up waiting for Ready, or for deletion, after this long.")
	fs.BoolVar(&o.delete, "delete", true, "Delete them all at the end and time it.")
	fs.StringVar(&o.out, "out", "", "Also write the results as JSON to this file.")
	fs.BoolVar(&o.local, "local", false, "Start a local stack (control plane, emulators and local cloud behind counting proxies) and both providers, instead of using --kubeconfig and --metrics.")
	fs.DurationVar(&o.poll, "poll", 10*time.Second, "With --local: the providers' --poll; a short poll simulates hours of polls in minutes.")
	fs.StringVar(&o.providerFlags, "provider-flags", "", "With --local: more flags for every provider, space separated, such as \"--max-reconcile-rate 10\"; none keeps their defaults.")
	o.cloudFlags = map[string]string{}
	for _, cloud := range []string{"aws", "gcp"} {
		fs.Func(cloud+"-provider-flags", "With --local: more flags for provider-appinfra-"+cloud+" only, such as its --cloud-api-rate-limits.", func(v string) error {
			o.cloudFlags[cloud] = v
			return nil
		})
	}
	fs.StringVar(&o.from, "from", "", "Only write the --docs summary again from this JSON of an earlier run.")
	fs.StringVar(&o.docs, "docs", "", "Also write PATH.json and PATH.md (a summary against the targets), for PATH given here.")
	_ = fs.Parse(os.Args[1:])
	var err error
	if o.providers, err = providersOf(*metricsURLs, *pprofURLs); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
	for name, n := range counts {
		o.count[name] = *n
	}

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
	planned := o.planned()
	if len(planned) == 0 {
		return errors.New("nothing to create: give --n, --gcs-buckets, --databases or --caches")
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
	idle, err := sampleAll(ctx, hc, o.providers, o.sample, o.sample)
	if err != nil {
		return err
	}
	heapIdle, err := heapAll(ctx, hc, o.providers)
	if err != nil {
		return err
	}

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.namespace}}
	if err := kube.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("cannot create namespace: %w", err)
	}
	r := report{Kinds: map[string]*kindReport{}, Together: o.together,
		Command: strings.TrimSpace("go run ./test/bench/scale " + strings.Join(os.Args[1:], " ")),
		Commit:  gitCommit(), Date: time.Now().UTC().Format("2006-01-02")}
	for _, k := range planned {
		r.Kinds[k.name] = &kindReport{Count: o.count[k.name]}
		r.Resources += o.count[k.name]
	}
	if o.local {
		r.Provider = strings.TrimSpace("--poll " + o.poll.String() + " " + o.providerFlags)
		for _, cloud := range slices.Sorted(maps.Keys(o.cloudFlags)) {
			r.Provider += fmt.Sprintf("; provider-appinfra-%s: %s", cloud, o.cloudFlags[cloud])
		}
		r.APIServer = stack.apiServer
	}
	// calls snapshots the cloud calls counted so far (none without --local).
	calls := func() map[string]int {
		if stack == nil {
			return nil
		}
		return stack.calls()
	}

	// Each kind is created, and waited for, in turn: the engines behind a
	// burst of databases and caches take a small machine's CPU for
	// minutes, and would make every other kind's numbers theirs.
	batches := [][]kind{planned}
	if !o.together {
		batches = nil
		for _, k := range planned {
			batches = append(batches, []kind{k})
		}
	}
	start := time.Now()
	created, ready := map[string]map[string]time.Time{}, map[string]map[string]time.Time{}
	for _, batch := range batches {
		callsAtStart := calls()
		c, err := createAll(ctx, kube, o, batch)
		if err != nil {
			return err
		}
		rd, err := waitReady(ctx, kube, o, batch, c, func(k kind) {
			kr := r.Kinds[k.name]
			fmt.Fprintf(os.Stderr, "%d %ss Ready after %.1fs\n", kr.Count, k.name, time.Since(start).Seconds())
			if stack != nil {
				kr.CallsPerCreate = perObject(k.calls(delta(callsAtStart, calls())), kr.Count)
			}
		})
		if err != nil {
			return err
		}
		maps.Copy(created, c)
		maps.Copy(ready, rd)
	}
	r.ReadySeconds = time.Since(start).Seconds()
	for _, k := range planned {
		kr := r.Kinds[k.name]
		kr.ReadySeconds = last(ready[k.name]).Sub(first(created[k.name])).Seconds()
		kr.TimeToReady = percentiles(created[k.name], ready[k.name])
	}
	fmt.Fprintf(os.Stderr, "all %d Ready after %.1fs; sampling for %s\n", r.Resources, r.ReadySeconds, o.settle)
	heapAfterReady, err := heapAll(ctx, hc, o.providers)
	if err != nil {
		return err
	}

	// The API server's counts are taken inside the listing of versions, so
	// that they count none of this tool's own requests.
	versionsBefore, err := versions(ctx, kube, o.namespace, planned)
	if err != nil {
		return err
	}
	callsBefore := calls()
	var servedBefore, servedAfter map[string]int
	if stack != nil {
		if servedBefore, err = stack.apiRequests(ctx); err != nil {
			return err
		}
	}
	settle, err := sampleAll(ctx, hc, o.providers, o.settle, o.sample)
	if err != nil {
		return err
	}
	if stack != nil {
		if servedAfter, err = stack.apiRequests(ctx); err != nil {
			return err
		}
	}
	callsAfter := calls()
	versionsAfter, err := versions(ctx, kube, o.namespace, planned)
	if err != nil {
		return err
	}
	// After the window's counts: the profile's garbage collection is not
	// the provider's own.
	heapSettle, err := heapAll(ctx, hc, o.providers)
	if err != nil {
		return err
	}
	r.Providers = map[string]*process{}
	for _, p := range o.providers {
		pr := &process{Metrics: summarise(idle[p.name], settle[p.name])}
		for _, k := range planned {
			if p.serves(k) {
				pr.Resources += o.count[k.name]
			}
		}
		if h, ok := heapSettle[p.name]; ok {
			pr.Heap = &heapReport{IdleMiB: heapIdle[p.name], LiveAfterReadyMiB: sum(heapAfterReady[p.name]), SettleMiB: h}
		}
		r.Providers[p.name] = pr
	}
	if stack != nil {
		d := delta(callsBefore, callsAfter)
		r.Kube = &kubeSteady{}
		for id, v := range versionsAfter {
			if versionsBefore[id] != v {
				r.Kube.Changed++
			}
		}
		for _, k := range planned {
			st := steadyState(k, k.calls(d))
			r.Kinds[k.name].Steady = st
			r.Kube.Reconciles += st.Reconciles
		}
		var reads, writes float64
		for _, s := range settle {
			first, last := s[0], s[len(s)-1]
			reads += last.values[kubeReads] - first.values[kubeReads]
			writes += last.values[kubeWrites] - first.values[kubeWrites]
		}
		if r.Kube.Reconciles > 0 {
			r.Kube.ReadsPerReconcile = reads / r.Kube.Reconciles
			r.Kube.WritesPerReconcile = writes / r.Kube.Reconciles
			r.Kube.Served = perObject(delta(servedBefore, servedAfter), int(r.Kube.Reconciles))
		}
	}

	// One more of each kind, with all the others in place and polled.
	extra := map[string]map[string]time.Time{}
	for _, k := range planned {
		name := k.prefix + "new"
		if err := kube.Create(ctx, k.object(o.namespace, name)); err != nil {
			return fmt.Errorf("cannot create one more %s: %w", k.name, err)
		}
		extra[k.name] = map[string]time.Time{name: time.Now()}
	}
	newReady, err := waitReady(ctx, kube, o, planned, extra, nil)
	if err != nil {
		return err
	}
	for _, k := range planned {
		name := k.prefix + "new"
		r.Kinds[k.name].NewReadySeconds = newReady[k.name][name].Sub(extra[k.name][name]).Seconds()
	}
	if r.ConflictEvents, r.Events, err = events(ctx, kube, o.namespace); err != nil {
		return err
	}

	if o.delete {
		callsBeforeDelete := calls()
		start := time.Now()
		if err := deleteAll(ctx, kube, o, planned, func(k kind) {
			kr := r.Kinds[k.name]
			kr.DeleteSeconds = time.Since(start).Seconds()
			if stack != nil {
				kr.CallsPerDelete = perObject(k.calls(delta(callsBeforeDelete, calls())), kr.Count+1)
			}
		}); err != nil {
			return err
		}
		r.DeleteSeconds = time.Since(start).Seconds()
	}
	for _, p := range o.providers {
		end, err := scrape(ctx, hc, p.metrics)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		r.LimitWaitSeconds += end.values[limitWait]
	}
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
	if len(r.Providers) == 0 && r.Metrics != nil {
		// A run from before the family: one provider of both clouds.
		r.Providers = map[string]*process{"provider-appinfra": {Resources: r.Resources, Metrics: r.Metrics, Heap: r.Heap}}
	}
	if o.docs == "" {
		return errors.New("--from needs --docs")
	}
	return os.WriteFile(o.docs+".md", []byte(summary(r, filepath.Base(o.docs))), 0o644)
}

// steadyState divides k's calls over the settle window by its reconciles,
// each of which calls k.marker once.
func steadyState(k kind, d map[string]int) *steady {
	rec := float64(d[k.service+"/"+k.marker])
	st := &steady{Reconciles: rec, CloudCallsPerReconcile: map[string]float64{}}
	if rec == 0 {
		return st
	}
	for _, op := range sortedKeys(d) {
		st.CloudCallsPerReconcile[op] = float64(d[op]) / rec
		service, name, _ := strings.Cut(op, "/")
		if (cloudproxy.Call{Service: service, Op: name}).Write() {
			st.CloudWritesPerReconcile += float64(d[op]) / rec
		}
	}
	return st
}

// createAll creates o.count objects of each planned kind, the kinds
// interleaved so that they start together, and returns when each was
// created, by kind and name, as seen by this client: creationTimestamp has
// only second resolution.
func createAll(ctx context.Context, kube client.Client, o options, planned []kind) (map[string]map[string]time.Time, error) {
	type job struct {
		k    kind
		name string
	}
	var jobs []job
	most := 0
	for _, k := range planned {
		most = max(most, o.count[k.name])
	}
	for i := 1; i <= most; i++ {
		for _, k := range planned {
			if i <= o.count[k.name] {
				jobs = append(jobs, job{k, k.objectName(i)})
			}
		}
	}
	var mu sync.Mutex
	created := map[string]map[string]time.Time{}
	for _, k := range planned {
		created[k.name] = make(map[string]time.Time, o.count[k.name])
	}
	err := inParallel(o.workers, jobs, func(j job) error {
		if err := kube.Create(ctx, j.k.object(o.namespace, j.name)); err != nil {
			return fmt.Errorf("cannot create %s %s: %w", j.k.name, j.name, err)
		}
		mu.Lock()
		defer mu.Unlock()
		created[j.k.name][j.name] = time.Now()
		return nil
	})
	return created, err
}

// inParallel calls do for each job from workers goroutines, in the jobs'
// order, and returns every error.
func inParallel[T any](workers int, jobs []T, do func(T) error) error {
	ch := make(chan T)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range ch {
				if err := do(j); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	return errors.Join(errs...)
}

// waitReady lists each kind every second and returns when each object of
// created was first seen Ready, by kind and name. done, if not nil, is
// called as each kind's last object becomes Ready. Listing, not watching,
// keeps the tool simple; a second is fine resolution for reconciles that
// take seconds to minutes.
func waitReady(ctx context.Context, kube client.Client, o options, planned []kind, created map[string]map[string]time.Time, done func(kind)) (map[string]map[string]time.Time, error) {
	ready := map[string]map[string]time.Time{}
	for _, k := range planned {
		ready[k.name] = map[string]time.Time{}
	}
	complete := func(k kind) bool { return len(ready[k.name]) == len(created[k.name]) }
	// why is what the conditions of one object not yet Ready say, by kind.
	why := map[string]string{}
	err := poll(ctx, o.timeout, func() (bool, error) {
		all := true
		for _, k := range planned {
			if complete(k) {
				continue
			}
			items, err := list(ctx, kube, k, o.namespace)
			if err != nil {
				return false, err
			}
			for i := range items {
				name := items[i].GetName()
				if _, ours := created[k.name][name]; !ours {
					continue
				}
				if !isReady(&items[i]) {
					why[k.name] = name + ": " + conditions(&items[i])
				} else if ready[k.name][name].IsZero() {
					ready[k.name][name] = time.Now()
				}
			}
			if !complete(k) {
				all = false
			} else if done != nil {
				done(k)
			}
		}
		return all, nil
	})
	if err != nil {
		var left []string
		for _, k := range planned {
			if !complete(k) {
				left = append(left, fmt.Sprintf("%d of %d %ss (%s)", len(ready[k.name]), len(created[k.name]), k.name, why[k.name]))
			}
		}
		return nil, fmt.Errorf("only %s Ready: %w", strings.Join(left, ", "), err)
	}
	return ready, nil
}

// deleteAll deletes every object of the planned kinds in the namespace and
// returns once all are gone, which includes the provider deleting their
// cloud resources. done is called as each kind's last object goes.
func deleteAll(ctx context.Context, kube client.Client, o options, planned []kind, done func(kind)) error {
	// One by one, from o.workers: a single DeleteAllOf of 10,000 runs past
	// the API server's request timeout and fails.
	for _, k := range planned {
		items, err := list(ctx, kube, k, o.namespace)
		if err != nil {
			return err
		}
		err = inParallel(o.workers, items, func(u unstructured.Unstructured) error {
			if err := kube.Delete(ctx, &u); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("cannot delete %s %s: %w", k.name, u.GetName(), err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	left := map[string]int{}
	for _, k := range planned {
		left[k.name] = -1
	}
	err := poll(ctx, o.timeout, func() (bool, error) {
		all := true
		for _, k := range planned {
			if left[k.name] == 0 {
				continue
			}
			items, err := list(ctx, kube, k, o.namespace)
			if err != nil {
				return false, err
			}
			if left[k.name] = len(items); left[k.name] == 0 {
				done(k)
			} else {
				all = false
			}
		}
		return all, nil
	})
	if err != nil {
		return fmt.Errorf("not yet gone (by kind): %v: %w", left, err)
	}
	return nil
}

// events counts the events of namespace that report an update conflict,
// and all of them by type and reason ("Normal CreatedExternalResource").
func events(ctx context.Context, kube client.Client, namespace string) (int, map[string]int, error) {
	l := &corev1.EventList{}
	if err := kube.List(ctx, l, client.InNamespace(namespace)); err != nil {
		return 0, nil, fmt.Errorf("cannot list events: %w", err)
	}
	conflicts, byReason := 0, map[string]int{}
	for _, e := range l.Items {
		n := int(max(e.Count, 1))
		byReason[e.Type+" "+e.Reason] += n
		if strings.Contains(e.Message, "the object has been modified") {
			conflicts += n
		}
	}
	return conflicts, byReason, nil
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

func list(ctx context.Context, kube client.Client, k kind, namespace string) ([]unstructured.Unstructured, error) {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(k.gvk.GroupVersion().WithKind(k.gvk.Kind + "List"))
	if err := kube.List(ctx, l, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("cannot list %ss: %w", k.name, err)
	}
	return l.Items, nil
}

// versions are the resourceVersions of the planned kinds' objects, by kind
// and name.
func versions(ctx context.Context, kube client.Client, namespace string, planned []kind) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range planned {
		items, err := list(ctx, kube, k, namespace)
		if err != nil {
			return nil, err
		}
		for i := range items {
			out[k.name+"/"+items[i].GetName()] = items[i].GetResourceVersion()
		}
	}
	return out, nil
}

// conditions are u's conditions, as type=status (reason: message).
func conditions(u *unstructured.Unstructured) string {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	var out []string
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok {
			out = append(out, fmt.Sprintf("%v=%v (%v: %v)", m["type"], m["status"], m["reason"], m["message"]))
		}
	}
	if len(out) == 0 {
		return "no conditions"
	}
	return strings.Join(out, "; ")
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

// first and last are the earliest and the latest of times.
func first(times map[string]time.Time) time.Time {
	var out time.Time
	for _, t := range times {
		if out.IsZero() || t.Before(out) {
			out = t
		}
	}
	return out
}

func last(times map[string]time.Time) time.Time {
	var out time.Time
	for _, t := range times {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// providersOf reads --metrics and --pprof: name=URL pairs, or one bare URL
// (a provider of both clouds).
func providersOf(metrics, pprof string) ([]provider, error) {
	pairs := func(flag, s string) (map[string]string, []string, error) {
		out, order := map[string]string{}, []string(nil)
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			name, url, ok := strings.Cut(part, "=")
			if !ok {
				name, url = "provider-appinfra", part
			}
			if _, dup := out[name]; dup {
				return nil, nil, fmt.Errorf("--%s names %s twice", flag, name)
			}
			out[name] = url
			order = append(order, name)
		}
		return out, order, nil
	}
	m, order, err := pairs("metrics", metrics)
	if err != nil {
		return nil, err
	}
	pp, _, err := pairs("pprof", pprof)
	if err != nil {
		return nil, err
	}
	var out []provider
	for _, name := range order {
		p := provider{name: name, metrics: m[name], pprof: pp[name]}
		for _, cloud := range []string{"aws", "gcp"} {
			if strings.HasSuffix(name, "-"+cloud) {
				p.cloud = cloud
			}
		}
		out = append(out, p)
	}
	for name := range pp {
		if _, ok := m[name]; !ok {
			return nil, fmt.Errorf("--pprof names %s, which --metrics does not", name)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("--metrics names no provider")
	}
	return out, nil
}

// sampleAll samples every provider at once (see samples), by name.
func sampleAll(ctx context.Context, hc *http.Client, providers []provider, window, interval time.Duration) (map[string][]sample, error) {
	type result struct {
		name string
		s    []sample
		err  error
	}
	results := make(chan result, len(providers))
	for _, p := range providers {
		go func() {
			s, err := samples(ctx, hc, p.metrics, p.pid, window, interval)
			if err != nil {
				err = fmt.Errorf("%s: %w", p.name, err)
			}
			results <- result{p.name, s, err}
		}()
	}
	out := map[string][]sample{}
	var errs []error
	for range providers {
		r := <-results
		out[r.name] = r.s
		errs = append(errs, r.err)
	}
	return out, errors.Join(errs...)
}

// heapAll is each provider's heap by package (heapByPackage), by name, for
// those with a pprof URL.
func heapAll(ctx context.Context, hc *http.Client, providers []provider) (map[string]map[string]float64, error) {
	out := map[string]map[string]float64{}
	for _, p := range providers {
		if p.pprof == "" {
			continue
		}
		h, err := heapByPackage(ctx, hc, p.pprof)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		out[p.name] = h
	}
	return out, nil
}

// samples scrapes the metrics endpoint now and then every interval until
// window has passed: window/interval+1 samples. With a pid, each sample also
// splits that process's resident memory (rssSplit).
func samples(ctx context.Context, hc *http.Client, url string, pid int, window, interval time.Duration) ([]sample, error) {
	var out []sample
	for i := 0; ; i++ {
		s, err := scrape(ctx, hc, url)
		if err != nil {
			return nil, err
		}
		if pid > 0 {
			if err := residentSplit(pid, s.values); err != nil {
				return nil, err
			}
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

// rssSplit are the two parts of resident memory, from /proc (--local only):
// anonymous memory (heap, stacks, the runtime's own) and the pages of files,
// which for the provider are its binary's code and read-only data. Those are
// clean and shared, and the kernel can drop them under memory pressure.
var rssSplit = []string{"rss_anon_bytes", "rss_file_bytes"}

// residentSplit reads pid's rssSplit into values.
func residentSplit(pid int, values map[string]float64) error {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return fmt.Errorf("cannot read the provider's memory map: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "Pss_Anon:":
			values[rssSplit[0]] = kb * 1024
		case "Pss_File:":
			values[rssSplit[1]] = kb * 1024
		}
	}
	return nil
}

// rowNames are the rows of a report's process table, in order.
func rowNames(rows map[string]row) []string {
	var out []string
	for _, m := range slices.Concat(watched, rssSplit, []string{cpuCores}) {
		if _, ok := rows[m]; ok {
			out = append(out, m)
		}
	}
	return out
}

func summarise(idle, settle []sample) map[string]row {
	rows := map[string]row{}
	for _, m := range slices.Concat(watched, rssSplit) {
		if _, ok := settle[0].values[m]; !ok {
			continue
		}
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
	fmt.Printf("%d managed resources  all Ready in %.1fs", r.Resources, r.ReadySeconds)
	if r.DeleteSeconds > 0 {
		fmt.Printf("  all gone in %.1fs", r.DeleteSeconds)
	}
	fmt.Printf("  update conflicts %d  waited for API limits %.1fs\n", r.ConflictEvents, r.LimitWaitSeconds)
	for _, e := range sortedKeys(r.Events) {
		fmt.Printf("  events %-50s %d\n", e, r.Events[e])
	}
	for _, k := range kinds {
		kr := r.Kinds[k.name]
		if kr == nil {
			continue
		}
		fmt.Printf("\n%s x %d: all Ready in %.1fs, time-to-Ready p50 %.1fs p95 %.1fs p99 %.1fs, one more Ready in %.1fs, all gone in %.1fs\n",
			k.name, kr.Count, kr.ReadySeconds, kr.TimeToReady["p50"], kr.TimeToReady["p95"], kr.TimeToReady["p99"], kr.NewReadySeconds, kr.DeleteSeconds)
		for _, c := range []struct {
			what  string
			calls map[string]float64
		}{{"to create", kr.CallsPerCreate}, {"to delete", kr.CallsPerDelete}} {
			if len(c.calls) > 0 {
				fmt.Printf("  cloud calls %s: %.1f\n", c.what, total(c.calls))
				for _, op := range sortedFloatKeys(c.calls) {
					fmt.Printf("    %-40s %6.2f\n", op, c.calls[op])
				}
			}
		}
		if st := kr.Steady; st != nil {
			fmt.Printf("  in-sync reconcile (%.0f reconciles): %.2f cloud writes\n", st.Reconciles, st.CloudWritesPerReconcile)
			for _, op := range sortedFloatKeys(st.CloudCallsPerReconcile) {
				fmt.Printf("    %-40s %6.2f\n", op, st.CloudCallsPerReconcile[op])
			}
		}
	}
	if kube := r.Kube; kube != nil {
		fmt.Printf("\nin-sync reconciles (%.0f): %.4f API server reads, %.2f API server writes each; %d managed resources changed; served by kube-apiserver per reconcile:\n", kube.Reconciles, kube.ReadsPerReconcile, kube.WritesPerReconcile, kube.Changed)
		for _, req := range sortedFloatKeys(kube.Served) {
			if kube.Served[req] >= 0.00005 {
				fmt.Printf("    %-40s %6.4f\n", req, kube.Served[req])
			}
		}
	}
	if a := r.APIServer; a != nil {
		fmt.Printf("\nkube-apiserver with the provider's %d CRDs: RSS %.1f -> %.1f MiB, heap in use %.1f -> %.1f MiB\n",
			a.CRDs, a.RSSBefore/mib, a.RSSAfter/mib, a.HeapBefore/mib, a.HeapAfter/mib)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Providers)) {
		m := r.Providers[name].Metrics
		fmt.Printf("\n%s (%d managed resources)\n%-30s %12s %12s %14s %12s %12s\n", name, r.Providers[name].Resources, "metric", "idle", "after-ready", "end-of-settle", "settle-min", "settle-max")
		for _, n := range rowNames(m) {
			x := m[n]
			fmt.Printf("%-30s %12s %12s %14s %12s %12s\n", n, human(n, x.Idle), human(n, x.AfterReady), human(n, x.EndOfSettle), human(n, x.SettleMin), human(n, x.SettleMax))
		}
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

// gitCommit is the checkout's commit, -dirty when it has uncommitted
// changes, or "unknown" outside git.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		commit += "-dirty"
	}
	return commit
}
