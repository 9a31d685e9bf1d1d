// Package clientcache keeps one cloud client per ProviderConfig, so that what
// is costly to build (SDK configuration, HTTP transport, credentials cache,
// token source) is built once per version of a config and reused by every
// reconcile of every resource that uses it, instead of once per reconcile.
package clientcache

import (
	"sync"
	"time"
)

// A Key names what a client was built from.
type Key struct {
	// Config identifies the client's config and anything else it is bound
	// to, such as a region: kind/namespace/name/region.
	Config string
	// Version changes whenever what the client was built from changes:
	// the config's UID and generation, the credentials Secret's
	// resourceVersion.
	Version string
}

// A Cache holds one client per Key.Config, the one built for its newest
// Version. Clients unused for longer than the idle time are closed, and so
// are replaced ones once a grace period has passed: a reconcile may still be
// using a client that has just been replaced.
type Cache[C any] struct {
	idle  time.Duration
	close func(C)
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]*entry[C]
	retired []retired[C]
	builds  int
}

type entry[C any] struct {
	version string
	client  C
	used    time.Time
}

type retired[C any] struct {
	client C
	at     time.Time
}

// New returns a cache that closes a client with close once it has been
// unused for idle, or replaced for idle.
func New[C any](idle time.Duration, close func(C)) *Cache[C] {
	return &Cache[C]{idle: idle, close: close, now: time.Now, entries: map[string]*entry[C]{}}
}

// Get returns the client for key, building it with build when the cache has
// none for key.Version. A failed build is not cached: the next Get retries.
func (c *Cache[C]) Get(key Key, build func() (C, error)) (C, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.sweep(now)
	if e, ok := c.entries[key.Config]; ok && e.version == key.Version {
		e.used = now
		return e.client, nil
	}
	// Building holds the lock: builds are local (no network calls), and two
	// reconciles of one config must not build it twice.
	cl, err := build()
	if err != nil {
		var zero C
		return zero, err
	}
	c.builds++
	if old, ok := c.entries[key.Config]; ok {
		c.retired = append(c.retired, retired[C]{client: old.client, at: now})
	}
	c.entries[key.Config] = &entry[C]{version: key.Version, client: cl, used: now}
	return cl, nil
}

// Last returns the newest client built for config, whatever its version. A
// resource being deleted uses it when its config or credentials Secret are
// already gone, as they are in a namespace being deleted.
func (c *Cache[C]) Last(config string) (C, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[config]
	if !ok {
		var zero C
		return zero, false
	}
	e.used = c.now()
	return e.client, true
}

// Stats says how many clients the cache holds and how many it has built.
func (c *Cache[C]) Stats() (live, built int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.builds
}

// sweep closes idle and long-retired clients. It runs on every Get, which
// is cheap: there are as many entries as configs, not as resources.
func (c *Cache[C]) sweep(now time.Time) {
	for k, e := range c.entries {
		if now.Sub(e.used) > c.idle {
			delete(c.entries, k)
			c.close(e.client)
		}
	}
	kept := c.retired[:0]
	for _, r := range c.retired {
		if now.Sub(r.at) > c.idle {
			c.close(r.client)
			continue
		}
		kept = append(kept, r)
	}
	c.retired = kept
}
