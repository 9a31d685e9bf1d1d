// Package readonly makes the clients a plan reads with unable to change
// anything: an AWS SDK middleware that refuses every operation but a read,
// an http.RoundTripper that refuses every Google API request but a GET, and
// a Kubernetes client that refuses every write. Each counts what it let
// through and what it refused, so that a plan can say, and a test assert,
// that no write was attempted.
package readonly

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// A Guard counts the calls its clients let through and those they refused.
// The zero value is ready to use; it is safe for concurrent use.
type Guard struct {
	mu      sync.Mutex
	reads   int
	refused []string
}

// Refusal is the error of a call a Guard refused.
type Refusal struct {
	// Call names it: an AWS service and operation (s3.PutBucketTagging),
	// a Google API request (storage PATCH /b/NAME) or a Kubernetes write
	// (update Bucket default/x).
	Call string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("refused %s: a plan makes read-only calls only", r.Call)
}

// read counts a call let through.
func (g *Guard) read() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reads++
}

// refuse counts and returns a refusal of call.
func (g *Guard) refuse(call string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refused = append(g.refused, call)
	return &Refusal{Call: call}
}

// Reads is how many calls were let through.
func (g *Guard) Reads() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reads
}

// Refused lists the calls refused, sorted; none for a plan that attempted
// no write.
func (g *Guard) Refused() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := slices.Clone(g.refused)
	sort.Strings(r)
	return r
}
