package addrpool

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPool: addresses are handed out lowest first, come back when
// released, and are claimed back only by their owner.
func TestPool(t *testing.T) {
	var p Pool
	subnet := netip.MustParsePrefix("127.0.1.0/24")
	a, _ := p.Allocate(subnet, 4, 1, "a")
	b, _ := p.Allocate(subnet, 4, 1, "b")
	p.Release(a)
	p.Release(netip.Addr{})
	c, _ := p.Allocate(subnet, 4, 1, "c")
	errs := []string{}
	for _, claim := range []struct{ addr, owner string }{{"127.0.1.5", "b"}, {"127.0.1.5", "x"}, {"127.0.1.9", "d"}} {
		errs = append(errs, fmt.Sprint(p.Claim(netip.MustParseAddr(claim.addr), claim.owner)))
	}

	type result struct {
		A, B, C string
		Claims  []string
		Held    map[netip.Addr]string
		HeldIn  int
	}
	want := result{
		A: "127.0.1.4", B: "127.0.1.5", C: "127.0.1.4",
		Claims: []string{"<nil>", "address 127.0.1.5 of x is b's already", "<nil>"},
		Held:   map[netip.Addr]string{netip.MustParseAddr("127.0.1.4"): "c", netip.MustParseAddr("127.0.1.5"): "b", netip.MustParseAddr("127.0.1.9"): "d"},
		HeldIn: 3,
	}
	got := result{A: a.String(), B: b.String(), C: c.String(), Claims: errs, Held: p.Held(), HeldIn: p.HeldIn(subnet)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	if n := p.HeldIn(netip.MustParsePrefix("127.0.2.0/24")); n != 0 {
		t.Errorf("HeldIn another subnet: want 0, got %d", n)
	}
}

func TestPoolRunsOut(t *testing.T) {
	cases := map[string]struct {
		reason       string
		reservedHigh int
		wantLast     string
		wantCount    int
	}{
		"LastReserved": {reason: "AWS keeps a subnet's broadcast address.", reservedHigh: 1, wantLast: "10.0.0.14", wantCount: 11},
		"LastServed":   {reason: "A range whose last address is served.", reservedHigh: 0, wantLast: "10.0.0.15", wantCount: 12},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var p Pool
			prefix := netip.MustParsePrefix("10.0.0.0/28")
			var last netip.Addr
			n := 0
			for {
				a, ok := p.Allocate(prefix, 4, tc.reservedHigh, "owner")
				if !ok {
					break
				}
				last, n = a, n+1
			}
			if diff := cmp.Diff([]any{tc.wantLast, tc.wantCount}, []any{last.String(), n}); diff != "" {
				t.Errorf("\n%s\n(last address, how many): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
