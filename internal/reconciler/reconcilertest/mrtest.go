// Package mrtest holds test helpers shared by the managed resource
// controllers' unit tests.
package reconcilertest

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
)

// Recorder is an event.Recorder that keeps the events it is given.
type Recorder struct{ Events []event.Event }

// Event records e.
func (r *Recorder) Event(_ runtime.Object, e event.Event) { r.Events = append(r.Events, e) }

// WithAnnotations returns r: annotations are not kept.
func (r *Recorder) WithAnnotations(_ ...string) event.Recorder { return r }

// ErrorContains is true when err is not nil and its message contains every
// one of subs, or when subs is empty.
func ErrorContains(err error, subs []string) bool {
	for _, s := range subs {
		if err == nil || !strings.Contains(err.Error(), s) {
			return false
		}
	}
	return true
}
