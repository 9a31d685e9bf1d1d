package lifecycle

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// recorder collects the states a machine reports.
type recorder struct {
	mu     sync.Mutex
	states []string
}

func (r *recorder) record(_, state string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, state)
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.states...)
}

func waitIdle(t *testing.T, m *Machine, key string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); m.Busy(key); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s still busy", key)
		}
	}
}

func TestTransitions(t *testing.T) {
	errBoom := errors.New("boom")
	cases := map[string]struct {
		reason    string
		steps     []Step
		final     string
		want      []string
		wantState string
		wantKnown bool
		wantErr   error
	}{
		"Completes": {
			reason: "Each later step's state is reported, then the final state.",
			steps:  []Step{{State: "creating", Do: func(context.Context) error { return nil }}, {State: "backing-up"}},
			final:  "available", want: []string{"backing-up", "available"}, wantState: "available", wantKnown: true,
		},
		"Fails": {
			reason: "A failing step leaves the failure state and says why.",
			steps:  []Step{{State: "creating", Do: func(context.Context) error { return errBoom }}, {State: "backing-up"}},
			final:  "available", want: []string{"failed"}, wantState: "failed", wantKnown: true, wantErr: errBoom,
		},
		"Forgets": {
			reason: "An empty final state forgets the resource.",
			steps:  []Step{{State: "deleting"}},
			want:   []string{""},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			m := New(rec.record)
			var gotErr error
			m.Start("k", Transition{Steps: tc.steps, Final: tc.final, Failed: "failed", OnError: func(err error) { gotErr = err }})
			if first, _ := m.State("k"); first != tc.steps[0].State {
				t.Errorf("%s\nfirst state visible at once: want %s, got %s", tc.reason, tc.steps[0].State, first)
			}
			waitIdle(t, m, "k")
			state, known := m.State("k")
			if diff := cmp.Diff(tc.want, rec.got()); diff != "" {
				t.Errorf("%s\nreported: -want +got:\n%s", tc.reason, diff)
			}
			if state != tc.wantState || known != tc.wantKnown || !errors.Is(gotErr, tc.wantErr) {
				t.Errorf("%s\nstate %q known %t err %v; want %q %t %v", tc.reason, state, known, gotErr, tc.wantState, tc.wantKnown, tc.wantErr)
			}
		})
	}
}

func TestStartSupersedes(t *testing.T) {
	rec := &recorder{}
	m := New(rec.record)
	started := make(chan struct{})
	cancelled := make(chan struct{})
	m.Start("k", Transition{Final: "available", Failed: "failed", Steps: []Step{{State: "creating", Do: func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return ctx.Err()
	}}}})
	<-started
	var overlapped bool
	m.Start("k", Transition{Steps: []Step{{State: "deleting", Do: func(context.Context) error {
		select {
		case <-cancelled:
		default:
			overlapped = true
		}
		return nil
	}}}})
	if st, _ := m.State("k"); st != "deleting" {
		t.Errorf("state right after the second Start: want deleting, got %s", st)
	}
	waitIdle(t, m, "k")
	if overlapped {
		t.Errorf("the second transition's work ran while the first's was still running")
	}
	if diff := cmp.Diff([]string{""}, rec.got()); diff != "" {
		t.Errorf("the cancelled transition must report nothing: -want +got:\n%s", diff)
	}
}

func TestCloseKeepsState(t *testing.T) {
	m := New(nil)
	m.Start("k", Transition{Final: "available", Steps: []Step{{State: "creating", Hold: time.Hour}}})
	m.Close()
	if st, _ := m.State("k"); st != "creating" {
		t.Errorf("after Close: want creating (resumed after a restart), got %s", st)
	}
}

func TestWait(t *testing.T) {
	release := make(chan struct{})
	m := New(nil)
	m.Start("db", Transition{Steps: []Step{{State: "creating", Do: func(context.Context) error { <-release; return nil }}}, Final: "available"})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := m.Wait(ctx, "db"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait while the transition runs: want %v, got %v", context.DeadlineExceeded, err)
	}
	close(release)
	if err := m.Wait(context.Background(), "db"); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if got, _ := m.State("db"); got != "available" {
		t.Errorf("state after Wait: want available, got %s", got)
	}
	if err := m.Wait(context.Background(), "unknown"); err != nil {
		t.Errorf("Wait for a key without a transition: %v", err)
	}
}
