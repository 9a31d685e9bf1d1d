package clientcache

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type fakeClient struct {
	name   string
	closed bool
}

func TestCache(t *testing.T) {
	now := time.Unix(0, 0)
	c := New(time.Minute, func(f *fakeClient) { f.closed = true })
	c.now = func() time.Time { return now }
	builds := 0
	build := func(name string) func() (*fakeClient, error) {
		return func() (*fakeClient, error) { builds++; return &fakeClient{name: name}, nil }
	}

	a1, _ := c.Get(Key{Config: "a", Version: "1"}, build("a1"))
	for range 100 {
		got, _ := c.Get(Key{Config: "a", Version: "1"}, build("again"))
		if got != a1 {
			t.Fatalf("Get of an unchanged version built a new client %q", got.name)
		}
	}
	if builds != 1 {
		t.Errorf("builds: got %d, want 1 for 101 gets of one version", builds)
	}

	a2, _ := c.Get(Key{Config: "a", Version: "2"}, build("a2"))
	if a2 == a1 || a1.closed {
		t.Errorf("a new version must build a new client and keep the old one open for reconciles still using it")
	}
	if last, _ := c.Last("a"); last != a2 {
		t.Errorf("Last: got %q, want the newest client a2", last.name)
	}

	now = now.Add(30 * time.Second)
	b1, _ := c.Get(Key{Config: "b", Version: "1"}, build("b1"))
	now = now.Add(45 * time.Second) // a2 unused for 75 s, b1 for 45 s
	_, _ = c.Get(Key{Config: "c", Version: "1"}, build("c1"))
	if !a1.closed || !a2.closed {
		t.Errorf("a replaced client and an idle one must be closed after the idle time: a1 %t, a2 %t", a1.closed, a2.closed)
	}
	if b1.closed {
		t.Errorf("b1 was used 45 s ago and must stay open")
	}
	if _, ok := c.Last("a"); ok {
		t.Errorf("Last must forget an evicted config")
	}
	live, built := c.Stats()
	if diff := cmp.Diff([2]int{2, 4}, [2]int{live, built}); diff != "" {
		t.Errorf("Stats: -want +got:\n%s", diff)
	}
}

func TestCacheBuildError(t *testing.T) {
	c := New(time.Minute, func(*fakeClient) {})
	boom := errors.New("boom")
	if _, err := c.Get(Key{Config: "a", Version: "1"}, func() (*fakeClient, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("Get: got %v, want the build error", err)
	}
	got, err := c.Get(Key{Config: "a", Version: "1"}, func() (*fakeClient, error) { return &fakeClient{name: "ok"}, nil })
	if err != nil || got.name != "ok" {
		t.Errorf("a failed build must not be cached: got %v, %v", got, err)
	}
}

func TestLazy(t *testing.T) {
	var l Lazy[int]
	calls := 0
	if _, err := l.Get(func() (int, error) { calls++; return 0, errors.New("passing") }); err == nil {
		t.Fatal("Get: want the error of the failed computation")
	}
	for range 3 {
		v, err := l.Get(func() (int, error) { calls++; return 42, nil })
		if v != 42 || err != nil {
			t.Fatalf("Get: got %d, %v", v, err)
		}
	}
	if calls != 2 {
		t.Errorf("calls: got %d, want 2 (a failure is retried, a success kept)", calls)
	}
}

type closer struct{ closed int }

func (c *closer) Close() error { c.closed++; return nil }

func TestValues(t *testing.T) {
	var v Values
	c := &closer{}
	calls := 0
	for range 3 {
		got, err := Value(&v, "client", func() (*closer, error) { calls++; return c, nil })
		if err != nil || got != c {
			t.Fatalf("Value: got %v, %v", got, err)
		}
	}
	_, _ = Value(&v, "failed", func() (*closer, error) { return &closer{}, errors.New("boom") })
	v.Close()
	if calls != 1 || c.closed != 1 {
		t.Errorf("want one computation and one Close of the computed closer; got %d computations, %d closes", calls, c.closed)
	}
}
