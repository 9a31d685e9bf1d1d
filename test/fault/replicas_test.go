//go:build fault

package fault

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/appinfra/provider-appinfra/cluster/local"
)

// replicas are one provider's processes electing a leader, supervised as
// a Deployment's pods are: one that exits, or is killed, is started again.
type replicas struct {
	cloud, bin, kubeconfig string

	mu       sync.Mutex
	procs    []*local.Process
	metrics  []string
	starts   []int
	stopping bool
	done     chan struct{}
}

// startReplicas starts n replicas of cloud's provider, built into dir by
// local.BuildProviders, and waits for one to lead.
func startReplicas(ctx context.Context, cloud string, n int) (*replicas, error) {
	r := &replicas{cloud: cloud, bin: local.ProviderBin(dir, cloud), kubeconfig: filepath.Join(dir, "provider.kubeconfig"), done: make(chan struct{})}
	if err := os.WriteFile(r.kubeconfig, stack.ControlPlane.Kubeconfig, 0o600); err != nil {
		return nil, err
	}
	r.procs, r.metrics, r.starts = make([]*local.Process, n), make([]string, n), make([]int, n)
	for i := range n {
		if err := r.start(i); err != nil {
			r.stop()
			return nil, err
		}
	}
	go r.supervise()
	if _, err := r.waitLeader(ctx, time.Minute); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

// start starts replica i, appending to its log.
func (r *replicas) start(i int) error {
	port, err := local.FreePort()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(r.logPath(i), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{"--kubeconfig", r.kubeconfig, "--metrics-bind-address", addr}, providerFlags...)
	if i == 0 {
		// Debug level logs every reconcile error: the secret canary reads
		// those too.
		args = append(args, "--debug")
	}
	p, err := local.Start(logf, r.bin, args...)
	// The child has its own descriptor now.
	_ = logf.Close()
	if err != nil {
		return err
	}
	r.procs[i], r.metrics[i] = p, "http://"+addr+"/metrics"
	r.starts[i]++
	return nil
}

func (r *replicas) logPath(i int) string {
	return filepath.Join(dir, fmt.Sprintf("provider-%s-%d.log", r.cloud, i))
}

// supervise restarts a replica a second after it has exited.
func (r *replicas) supervise() {
	for {
		select {
		case <-r.done:
			return
		case <-time.After(time.Second):
		}
		r.mu.Lock()
		for i, p := range r.procs {
			if !r.stopping && p.Exited() {
				if err := r.start(i); err != nil {
					fmt.Fprintf(os.Stderr, "fault: cannot restart a provider-%s replica: %v\n", r.cloud, err)
				}
			}
		}
		r.mu.Unlock()
	}
}

// leader is the replica that holds the lease, or -1, as each replica's
// leader_election_master_status metric says.
func (r *replicas) leader() int {
	r.mu.Lock()
	urls := append([]string(nil), r.metrics...)
	procs := append([]*local.Process(nil), r.procs...)
	r.mu.Unlock()
	hc := &http.Client{Timeout: time.Second}
	for i, u := range urls {
		if procs[i].Exited() {
			continue
		}
		resp, err := hc.Get(u)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		leads := false
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "leader_election_master_status{") && strings.HasSuffix(l, " 1") {
				leads = true
			}
		}
		_ = resp.Body.Close()
		if leads {
			return i
		}
	}
	return -1
}

// waitLeader waits until a replica leads and says how long that took.
func (r *replicas) waitLeader(ctx context.Context, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		if i := r.leader(); i >= 0 {
			return i, nil
		}
		if time.Now().After(deadline) {
			return -1, fmt.Errorf("no provider-%s replica became leader within %s", r.cloud, timeout)
		}
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// killLeader sends SIGKILL to the leading replica; the supervisor starts
// it again, as a standby.
func (r *replicas) killLeader() (int, error) {
	i := r.leader()
	if i < 0 {
		return -1, fmt.Errorf("no replica leads")
	}
	r.mu.Lock()
	p := r.procs[i]
	r.mu.Unlock()
	p.Kill()
	return i, nil
}

// restarts is how many times the replicas were started beyond the first.
func (r *replicas) restarts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.starts {
		n += s - 1
	}
	return n
}

// logs is everything the replicas have logged.
func (r *replicas) logs() (string, error) {
	var b strings.Builder
	for i := range r.procs {
		l, err := os.ReadFile(r.logPath(i))
		if err != nil {
			return "", err
		}
		b.Write(l)
	}
	return b.String(), nil
}

func (r *replicas) stop() {
	r.mu.Lock()
	r.stopping = true
	procs := append([]*local.Process(nil), r.procs...)
	r.mu.Unlock()
	close(r.done)
	for _, p := range procs {
		if p != nil {
			p.Stop()
		}
	}
}
