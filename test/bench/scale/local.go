package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/local"
	"github.com/appinfra/provider-appinfra/test/cloudproxy"
)

// localStack is the stack --local starts: the control plane, the emulators
// and the local cloud, each cloud behind a counting proxy, and the provider
// as its own process pointed at the proxies.
type localStack struct {
	stack    *local.Stack
	provider *local.Process
	proxies  map[string]*cloudproxy.Proxy
	dir      string
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
	if l.stack, err = local.StartStack(ctx, root, local.StackOptions{Dir: dir, Delay: 200 * time.Millisecond, Log: logf, Progress: os.Stderr, WithoutCrossplane: true}); err != nil {
		return nil, err
	}
	e := l.stack.Endpoints()
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
	bin := filepath.Join(dir, "provider")
	if err := local.BuildProvider(root, bin); err != nil {
		l.stop()
		return nil, err
	}
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, l.stack.ControlPlane.Kubeconfig, 0o600); err != nil {
		l.stop()
		return nil, err
	}
	port, err := local.FreePort()
	if err != nil {
		l.stop()
		return nil, err
	}
	plog, err := os.Create(filepath.Join(dir, "provider.log"))
	if err != nil {
		l.stop()
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{"--kubeconfig", kc, "--metrics-bind-address", addr, "--health-probe-bind-address", "0"}, providerArgs...)
	if l.provider, err = local.Start(plog, bin, args...); err != nil {
		l.stop()
		return nil, err
	}
	if err := local.WaitForTCP(addr, time.Minute); err != nil {
		l.stop()
		return nil, fmt.Errorf("the provider did not serve metrics: %w", err)
	}
	o.kubeconfig, o.metrics = kc, "http://"+addr+"/metrics"
	fmt.Fprintf(os.Stderr, "local stack up; provider %s; logs in %s\n", strings.Join(providerArgs, " "), dir)
	return l, nil
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
	if l.provider != nil {
		l.provider.Stop()
	}
	for _, p := range l.proxies {
		p.Close()
	}
	if l.stack != nil {
		l.stack.Stop()
	}
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
