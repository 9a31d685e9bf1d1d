package clientcache

import (
	"io"
	"sync"
)

// Lazy is a value computed once, on first success, and then kept: a service
// client, an account ID learnt from the cloud, the verdict of a credentials
// check. A failed computation is not kept (a passing network error must not
// stick to a config), so the next Get tries again. It lives as long as the
// cached client that holds it, so a new config version computes it afresh.
// Callers that arrive while it is being computed wait for that one.
type Lazy[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
}

// Get computes the value with f the first time and returns it ever after.
func (l *Lazy[T]) Get(f func() (T, error)) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return l.v, nil
	}
	v, err := f()
	if err != nil {
		return v, err
	}
	l.v, l.done = v, true
	return v, nil
}

// computed returns the value if it was computed without error.
func (l *Lazy[T]) computed() (any, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.v, l.done
}

// Values are named lazy values kept with a cached client: the service
// clients that share its configuration (S3, RDS, ...) and facts learnt once
// per config. Close closes those that are io.Closers.
type Values struct {
	mu sync.Mutex
	m  map[string]interface{ computed() (any, bool) }
}

// Value returns the value named name, computing it with f the first time.
// Every call for one name must use the same T.
func Value[T any](v *Values, name string, f func() (T, error)) (T, error) {
	v.mu.Lock()
	if v.m == nil {
		v.m = map[string]interface{ computed() (any, bool) }{}
	}
	l, ok := v.m[name].(*Lazy[T])
	if !ok {
		l = &Lazy[T]{}
		v.m[name] = l
	}
	v.mu.Unlock()
	return l.Get(f)
}

// Close closes every computed value that is an io.Closer.
func (v *Values) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, l := range v.m {
		if val, ok := l.computed(); ok {
			if c, ok := val.(io.Closer); ok {
				_ = c.Close()
			}
		}
	}
}
