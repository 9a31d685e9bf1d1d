// Package lifecycle is the small asynchronous state machine behind every
// local cloud resource. Real clouds answer "creating" and only later
// "available"; controllers must be written against that, so the local cloud
// holds each state for a while and runs the real work (start an engine,
// change a password) as the state ends. A failing step moves the resource
// into a failure state instead of pretending it worked.
package lifecycle

import (
	"context"
	"sync"
	"time"
)

// Step is one state of a transition.
type Step struct {
	// State is reported while the step runs.
	State string
	// Hold is how long the state lasts before Do runs; it makes intermediate
	// states observable even when the work is quick.
	Hold time.Duration
	// Do is the real work that ends the step; nil means none.
	Do func(ctx context.Context) error
}

// Transition moves a resource through Steps to Final.
type Transition struct {
	Steps []Step
	// Final is the state after the last step; "" forgets the resource.
	Final string
	// Failed is the state a failing Do leaves the resource in.
	Failed string
	// OnError is told why a step failed; the API has nowhere to say it.
	OnError func(err error)
}

// Machine tracks the state of many resources by key. It owns the states
// so that "is this run still current?" and "set the state" happen under one
// lock: a delete that supersedes a create can never be overwritten by the
// create's late result.
type Machine struct {
	// OnChange is called, without locks held, after a running transition
	// changes a state ("" when the resource is gone). Use it to persist.
	OnChange func(key, state string)

	mu     sync.Mutex
	states map[string]string
	runs   map[string]*run
	wg     sync.WaitGroup
	closed bool
}

type run struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns an empty machine.
func New(onChange func(key, state string)) *Machine {
	return &Machine{OnChange: onChange, states: map[string]string{}, runs: map[string]*run{}}
}

// State returns a resource's state and whether the machine knows it.
func (m *Machine) State(key string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.states[key]
	return s, ok
}

// Busy reports whether a transition is running for key.
func (m *Machine) Busy(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.runs[key]
	return ok
}

// Wait blocks until no transition is running for key or ctx ends; tests
// and tools use it instead of sleeping.
func (m *Machine) Wait(ctx context.Context, key string) error {
	for m.Busy(key) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// Set records a state without running anything, e.g. when restoring saved
// resources. It cancels a running transition for key.
func (m *Machine) Set(key, state string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.runs[key]; ok {
		r.cancel()
		delete(m.runs, key)
	}
	m.states[key] = state
}

// Start begins t for key and returns at once with the first state already
// visible. A transition still running for key is cancelled, and t's steps
// wait until it has returned, so their work never overlaps.
func (m *Machine) Start(key string, t Transition) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || len(t.Steps) == 0 {
		return
	}
	prev := m.runs[key]
	if prev != nil {
		prev.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &run{cancel: cancel, done: make(chan struct{})}
	m.runs[key] = r
	m.states[key] = t.Steps[0].State
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(r.done)
		defer cancel()
		if prev != nil {
			<-prev.done
		}
		m.run(ctx, key, r, t)
	}()
}

func (m *Machine) run(ctx context.Context, key string, r *run, t Transition) {
	for i, s := range t.Steps {
		if i > 0 && !m.set(key, r, s.State, false) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Hold):
		}
		if s.Do == nil {
			continue
		}
		if err := s.Do(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			if t.OnError != nil {
				t.OnError(err)
			}
			m.set(key, r, t.Failed, true)
			return
		}
	}
	m.set(key, r, t.Final, true)
}

// set changes key's state if r is still its current run, and ends the run
// when last is true.
func (m *Machine) set(key string, r *run, state string, last bool) bool {
	m.mu.Lock()
	if m.runs[key] != r {
		m.mu.Unlock()
		return false
	}
	if state == "" {
		delete(m.states, key)
	} else {
		m.states[key] = state
	}
	if last {
		delete(m.runs, key)
	}
	m.mu.Unlock()
	if m.OnChange != nil {
		m.OnChange(key, state)
	}
	return true
}

// Close cancels every running transition and waits for them to return. The
// states stay as they were, so a saved "creating" resumes after a restart.
func (m *Machine) Close() {
	m.mu.Lock()
	m.closed = true
	for _, r := range m.runs {
		r.cancel()
	}
	m.mu.Unlock()
	m.wg.Wait()
}
