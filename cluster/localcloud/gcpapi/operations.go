package gcpapi

import (
	"maps"
	"sort"
	"time"
)

// MaxOperations is how many operations a service keeps per resource;
// Google keeps a long history, but nothing here reads far back.
const MaxOperations = 50

// OperationRecord is what Operations reads of a service's own record of
// a long-running operation, which keeps the shape that API answers and
// saves.
type OperationRecord interface {
	// OperationName is the operation's name; OperationTarget the
	// resource it works on.
	OperationName() string
	OperationTarget() string
	// Inserted is when it was asked for; Finished whether it is done.
	Inserted() time.Time
	Finished() bool
}

// Operations keeps the long-running operations a service answered, by
// name, so that clients can poll them: each resource's newest
// MaxOperations, and any that has not finished. It has no lock: the
// service's, which guards the resources the operations work on, guards it.
type Operations[R OperationRecord] struct {
	byName map[string]R
}

// NewOperations returns an empty history.
func NewOperations[R OperationRecord]() *Operations[R] {
	return &Operations[R]{byName: map[string]R{}}
}

// Add records op, then forgets its target's oldest finished operations
// beyond MaxOperations.
func (o *Operations[R]) Add(op R) {
	o.byName[op.OperationName()] = op
	ops := o.Of(op.OperationTarget())
	if len(ops) <= MaxOperations {
		return
	}
	for _, old := range ops[MaxOperations:] {
		if old.Finished() {
			delete(o.byName, old.OperationName())
		}
	}
}

// Get returns the operation called name.
func (o *Operations[R]) Get(name string) (R, bool) {
	op, ok := o.byName[name]
	return op, ok
}

// Of returns target's operations, or every one when target is "", the
// newest first, as Google lists them.
func (o *Operations[R]) Of(target string) []R {
	var ops []R
	for _, op := range o.byName {
		if target == "" || op.OperationTarget() == target {
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Inserted().After(ops[j].Inserted()) })
	return ops
}

// ByName returns every operation by name, to save them.
func (o *Operations[R]) ByName() map[string]R { return maps.Clone(o.byName) }
