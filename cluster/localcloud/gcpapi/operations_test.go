package gcpapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type op struct {
	name, target string
	at           time.Time
	done         bool
}

func (o *op) OperationName() string   { return o.name }
func (o *op) OperationTarget() string { return o.target }
func (o *op) Inserted() time.Time     { return o.at }
func (o *op) Finished() bool          { return o.done }

func names(ops []*op) []string {
	out := []string{}
	for _, o := range ops {
		out = append(out, o.name)
	}
	return out
}

func TestOperations(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		reason string
		add    []*op
		target string
		want   []string
	}{
		"NewestFirst": {
			reason: "A resource's operations are listed the newest first, others' left out.",
			add:    []*op{{name: "a", target: "db", at: t0}, {name: "b", target: "cache", at: t0.Add(time.Second)}, {name: "c", target: "db", at: t0.Add(2 * time.Second)}},
			target: "db",
			want:   []string{"c", "a"},
		},
		"Every": {
			reason: "No target lists every operation.",
			add:    []*op{{name: "a", target: "db", at: t0}, {name: "b", target: "cache", at: t0.Add(time.Second)}},
			want:   []string{"b", "a"},
		},
		"None": {
			reason: "A resource without operations has none.",
			target: "db",
			want:   []string{},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ops := NewOperations[*op]()
			for _, o := range tc.add {
				ops.Add(o)
			}
			if diff := cmp.Diff(tc.want, names(ops.Of(tc.target))); diff != "" {
				t.Errorf("\n%s\nOf(%q): -want +got:\n%s", tc.reason, tc.target, diff)
			}
		})
	}
}

func TestOperationsForgetTheOldestFinished(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ops := NewOperations[*op]()
	// The oldest is still running; the next two are done.
	for i := range MaxOperations + 2 {
		ops.Add(&op{name: fmt.Sprintf("db-%02d", i), target: "db", at: t0.Add(time.Duration(i) * time.Second), done: i > 0})
	}
	ops.Add(&op{name: "cache-0", target: "cache", at: t0, done: true})

	got := names(ops.Of("db"))
	if len(got) != MaxOperations+1 || got[0] != fmt.Sprintf("db-%02d", MaxOperations+1) || got[len(got)-1] != "db-00" {
		t.Errorf("db's operations: want the newest %d and the running db-00, got %v", MaxOperations, got)
	}
	if _, ok := ops.Get("db-01"); ok {
		t.Errorf("db-01, finished and beyond the newest %d: want forgotten, still there", MaxOperations)
	}
	if _, ok := ops.Get("cache-0"); !ok {
		t.Errorf("another resource's operation: want kept, forgotten")
	}
	if got := len(ops.ByName()); got != MaxOperations+2 {
		t.Errorf("ByName: want %d operations, got %d", MaxOperations+2, got)
	}
}
