package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"github.com/appinfra/provider-appinfra/cluster/local"
	"github.com/appinfra/provider-appinfra/test/cloudproxy"
	"github.com/appinfra/provider-appinfra/test/gcsserver"
)

// localStack is the stack --local starts: the control plane, the emulators
// and the local cloud, each cloud behind a counting proxy, and the provider
// family, each provider its own process pointed at the proxies.
type localStack struct {
	stack     *local.Stack
	providers []*local.Process
	proxies   map[string]*cloudproxy.Proxy
	dir       string
	// apiServer is what installing the provider's CRDs cost kube-apiserver.
	apiServer *apiServerCost
	// apiClient reaches kube-apiserver's own metrics at apiMetrics.
	apiClient  *http.Client
	apiMetrics string
	gcs        *gcsserver.Server
}

// apiServerCost is kube-apiserver's memory before and after the provider's
// CRDs were installed, each the median of several samples: a single one
// lands anywhere in a GC cycle.
type apiServerCost struct {
	CRDs       int     `json:"crds"`
	RSSBefore  float64 `json:"rss_bytes_before"`
	RSSAfter   float64 `json:"rss_bytes_after"`
	HeapBefore float64 `json:"heap_inuse_bytes_before"`
	HeapAfter  float64 `json:"heap_inuse_bytes_after"`
}

// installCRDs installs the provider's CRDs and measures what they cost
// kube-apiserver. It waits a while after they are served: the API server
// builds their OpenAPI documents in the background.
func installCRDs(ctx context.Context, cp *local.ControlPlane, root string, hc *http.Client, url string) (*apiServerCost, error) {
	median := func(metric string, s []sample) float64 {
		v := make([]float64, len(s))
		for i := range s {
			v[i] = s[i].values[metric]
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	before, err := samples(ctx, hc, url, 0, 10*time.Second, 2*time.Second)
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: %w", err)
	}
	crds, err := cp.InstallCRDs(local.CRDDir(root))
	if err != nil {
		return nil, err
	}
	if err := sleep(ctx, 20*time.Second); err != nil {
		return nil, err
	}
	after, err := samples(ctx, hc, url, 0, 10*time.Second, 2*time.Second)
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: %w", err)
	}
	return &apiServerCost{
		CRDs:      len(crds),
		RSSBefore: median("process_resident_memory_bytes", before), RSSAfter: median("process_resident_memory_bytes", after),
		HeapBefore: median("go_memstats_heap_inuse_bytes", before), HeapAfter: median("go_memstats_heap_inuse_bytes", after),
	}, nil
}

// startLocal starts the stack and the provider with the given flags, and
// points o at them.
func startLocal(ctx context.Context, o *options, providerArgs []string) (*localStack, error) {
	root, err := local.Root()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "appinfra-bench-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "processes.log"))
	if err != nil {
		return nil, err
	}
	l := &localStack{dir: dir, proxies: map[string]*cloudproxy.Proxy{}}
	if l.stack, err = local.StartStack(ctx, root, local.StackOptions{Dir: dir, Delay: 200 * time.Millisecond, Log: logf, Progress: os.Stderr, WithoutCrossplane: true, ProviderPackage: true}); err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, "installing the provider's CRDs and measuring kube-apiserver")
	cp := l.stack.ControlPlane
	if l.apiClient, err = rest.HTTPClientFor(cp.Config); err != nil {
		l.stop()
		return nil, err
	}
	l.apiMetrics = strings.TrimSuffix(cp.Config.Host, "/") + "/metrics"
	if l.apiServer, err = installCRDs(ctx, cp, root, l.apiClient, l.apiMetrics); err != nil {
		l.stop()
		return nil, err
	}
	e := l.stack.Endpoints()
	// GCS Buckets go to a server that keeps every field as Cloud Storage
	// does: fake-gcs-server drops public access prevention, uniform access
	// and labels, so against it the provider would correct the same drift
	// on every poll and the in-sync numbers would measure the emulator.
	l.gcs = gcsserver.New()
	e.GCS = l.gcs.Endpoint()
	for name, c := range map[string]struct {
		target  *string
		dialect cloudproxy.Dialect
	}{"s3": {&e.S3, cloudproxy.S3}, "aws": {&e.AWS, cloudproxy.Query}, "gcs": {&e.GCS, cloudproxy.GCS}} {
		p, err := cloudproxy.New(*c.target, c.dialect, 1)
		if err != nil {
			l.stop()
			return nil, err
		}
		l.proxies[name] = p
		*c.target = p.URL
	}
	if err := l.stack.ApplyProviderConfigsVia(ctx, e); err != nil {
		l.stop()
		return nil, err
	}
	if err := local.BuildProviders(root, dir); err != nil {
		l.stop()
		return nil, err
	}
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, l.stack.ControlPlane.Kubeconfig, 0o600); err != nil {
		l.stop()
		return nil, err
	}
	o.kubeconfig, o.providers = kc, nil
	for _, cloud := range local.Clouds {
		p, err := l.startProvider(dir, kc, cloud, append(providerArgs, strings.Fields(o.cloudFlags[cloud])...))
		if err != nil {
			l.stop()
			return nil, err
		}
		o.providers = append(o.providers, p)
	}
	fmt.Fprintf(os.Stderr, "local stack up; providers %s; logs in %s\n", strings.Join(providerArgs, " "), dir)
	return l, nil
}

// startProvider starts cloud's provider with args, its metrics and pprof
// on ports of their own, and waits for its metrics.
func (l *localStack) startProvider(dir, kubeconfig, cloud string, args []string) (provider, error) {
	port, err := local.FreePort()
	if err != nil {
		return provider{}, err
	}
	pprofPort, err := local.FreePort()
	if err != nil {
		return provider{}, err
	}
	plog, err := os.Create(filepath.Join(dir, "provider-"+cloud+".log"))
	if err != nil {
		return provider{}, err
	}
	addr, pprofAddr := fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", pprofPort)
	args = append([]string{"--kubeconfig", kubeconfig, "--metrics-bind-address", addr, "--health-probe-bind-address", "0", "--pprof-bind-address", pprofAddr}, args...)
	p, err := local.Start(plog, local.ProviderBin(dir, cloud), args...)
	_ = plog.Close() // The process writes to its own copy.
	if err != nil {
		return provider{}, err
	}
	l.providers = append(l.providers, p)
	if err := local.WaitForTCP(addr, time.Minute); err != nil {
		return provider{}, fmt.Errorf("provider-%s did not serve metrics: %w", cloud, err)
	}
	return provider{name: "provider-appinfra-" + cloud, cloud: cloud, metrics: "http://" + addr + "/metrics", pprof: "http://" + pprofAddr + "/debug/pprof", pid: p.PID()}, nil
}

// calls are the cloud calls counted so far, by service/operation.
func (l *localStack) calls() map[string]int {
	out := map[string]int{}
	for _, p := range l.proxies {
		for op, n := range p.Stats().Calls {
			out[op] += n
		}
	}
	return out
}

func (l *localStack) stop() {
	for _, p := range l.providers {
		p.Stop()
	}
	for _, p := range l.proxies {
		p.Close()
	}
	if l.gcs != nil {
		l.gcs.Close()
	}
	if l.stack != nil {
		l.stack.Stop()
	}
}

// apiRequests are kube-apiserver's requests served so far, by verb and
// resource ("GET secrets", "PUT dbinstances/status"), from its own
// apiserver_request_total.
func (l *localStack) apiRequests(ctx context.Context) (map[string]int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.apiMetrics, nil)
	if err != nil {
		return nil, err
	}
	resp, err := l.apiClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot scrape kube-apiserver: %w", err)
	}
	defer resp.Body.Close() //nolint:errcheck // a read-only body; nothing to recover
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cannot scrape kube-apiserver: %s", resp.Status)
	}
	out := map[string]int{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "apiserver_request_total{")
		if !ok {
			continue
		}
		labels, value, _ := strings.Cut(line, "} ")
		verb, resource, sub := label(labels, "verb"), label(labels, "resource"), label(labels, "subresource")
		if resource == "" {
			continue
		}
		if sub != "" {
			resource += "/" + sub
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %q: %w", sc.Text(), err)
		}
		out[verb+" "+resource] += int(n)
	}
	return out, sc.Err()
}

// label is the value of name in a Prometheus label set.
func label(labels, name string) string {
	_, rest, ok := strings.Cut(","+labels, ","+name+`="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// delta is after minus before, without the operations that did not change.
func delta(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range after {
		if d := n - before[op]; d != 0 {
			out[op] = d
		}
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
