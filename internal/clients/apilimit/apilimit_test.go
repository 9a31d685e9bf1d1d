package apilimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// both is a provider's defaults as one: four APIs, so that the cases show
// what a flag leaves alone.
func both() Limits {
	return Limits{"s3": {500, 1000}, "rds": {10, 100}, "elasticache": {10, 100}, "storage": {200, 400}}
}

func TestSet(t *testing.T) {
	cases := map[string]struct {
		reason  string
		flag    string
		want    Limits
		wantErr string
	}{
		"Defaults": {
			reason: "An empty flag keeps every default.",
			want:   both(),
		},
		"RateAndBurst": {
			reason: "A named API takes the rate and burst given; the others keep theirs.",
			flag:   "rds=20/300",
			want:   Limits{"s3": {500, 1000}, "rds": {20, 300}, "elasticache": {10, 100}, "storage": {200, 400}},
		},
		"RateOnly": {
			reason: "Without a burst, the burst is twice the rate.",
			flag:   "elasticache=5, s3=0.2",
			want:   Limits{"s3": {0.2, 1}, "rds": {10, 100}, "elasticache": {5, 10}, "storage": {200, 400}},
		},
		"Lift": {
			reason: "A rate of 0 lifts the limit.",
			flag:   "storage=0",
			want:   Limits{"s3": {500, 1000}, "rds": {10, 100}, "elasticache": {10, 100}, "storage": {0, 1}},
		},
		"UnknownAPI": {
			reason:  "An API the limits do not name (misspelt, or the other cloud's) is refused, so that it is not silently ignored.",
			flag:    "rsd=5",
			wantErr: `unknown API "rsd"; the APIs are elasticache, rds, s3, storage`,
		},
		"InfiniteRate": {
			reason:  "A rate must be a finite number: 0 is how to lift a limit.",
			flag:    "s3=Inf",
			wantErr: "the rate must be",
		},
		"NaNRate": {
			reason:  "A rate must be a number.",
			flag:    "s3=NaN",
			wantErr: "the rate must be",
		},
		"NoEquals": {
			reason:  "A pair without = is refused, saying what is wanted.",
			flag:    "rds",
			wantErr: "want api=rate or api=rate/burst",
		},
		"NegativeRate": {
			reason:  "A negative rate is refused.",
			flag:    "rds=-1",
			wantErr: "the rate must be",
		},
		"BadBurst": {
			reason:  "A burst must be a whole number of at least 1.",
			flag:    "rds=10/0",
			wantErr: "the burst must be",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := both()
			err := l.Set(tc.flag)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("\n%s\nSet(%q): error %v, want one containing %q", tc.reason, tc.flag, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("\n%s\nSet(%q): %v", tc.reason, tc.flag, err)
			}
			if diff := cmp.Diff(tc.want, l); diff != "" {
				t.Errorf("\n%s\nSet(%q): -want, +got:\n%s", tc.reason, tc.flag, diff)
			}
		})
	}
}

func TestStringRoundTrips(t *testing.T) {
	want := both()
	if err := want.Set("rds=2.5/7"); err != nil {
		t.Fatal(err)
	}
	got := both()
	if err := got.Set(want.String()); err != nil {
		t.Fatalf("Set(String()): %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Set(%q): -want, +got:\n%s", want.String(), diff)
	}
}

// counting is a server that counts the requests it gets.
func counting(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { n.Add(1) }))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestLimit(t *testing.T) {
	cases := map[string]struct {
		reason string
		limits Limits
		// sent is how many of three requests, each allowed 100 ms, reach
		// the server.
		sent int32
	}{
		"Unlimited": {
			reason: "An API without a limit sends every request at once.",
			limits: Limits{"rds": {Rate: 0.001, Burst: 1}},
			sent:   3,
		},
		"Lifted": {
			reason: "A rate of 0 sends every request at once.",
			limits: Limits{"s3": {Rate: 0, Burst: 1}},
			sent:   3,
		},
		"Limited": {
			reason: "Once the burst is spent, a request that could not be sent before its deadline fails without being sent.",
			limits: Limits{"s3": {Rate: 0.001, Burst: 2}},
			sent:   2,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv, n := counting(t)
			c := &http.Client{Transport: Transport(tc.limits.Limiter("s3"), srv.Client().Transport)}
			var failed int32
			for range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
				resp, err := c.Do(req)
				cancel()
				if err != nil {
					failed++
					if !strings.Contains(err.Error(), "the provider's own s3 request rate limit") {
						t.Errorf("\n%s\nerror %q should name the limit", tc.reason, err)
					}
					continue
				}
				_ = resp.Body.Close()
			}
			if got := n.Load(); got != tc.sent || failed != 3-tc.sent {
				t.Errorf("\n%s\n%d requests sent and %d failed, want %d sent and the rest failed", tc.reason, got, failed, tc.sent)
			}
		})
	}
}

func TestWaitIsCounted(t *testing.T) {
	srv, n := counting(t)
	l := Limits{"storage": {Rate: 20, Burst: 1}}.Limiter("storage")
	before := testutil.ToFloat64(waited.WithLabelValues("storage"))
	c := &http.Client{Transport: Transport(l, srv.Client().Transport)}
	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("Do(...): %v", err)
		}
		_ = resp.Body.Close()
	}
	if n.Load() != 3 {
		t.Errorf("sent %d requests, want 3: a request waits for its token rather than failing", n.Load())
	}
	// Two requests waited about 50 ms each for a token at 20 per second.
	if got := testutil.ToFloat64(waited.WithLabelValues("storage")) - before; got <= 0 {
		t.Errorf("appinfra_cloud_api_limit_wait_seconds_total{api=storage} grew by %v, want the time spent waiting", got)
	}
}
