package addrpool

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPool(t *testing.T) {
	var p Pool
	subnet := netip.MustParsePrefix("127.0.1.0/24")
	alloc := func(low, high int, owner string) func() string {
		return func() string {
			a, ok := p.Allocate(subnet, low, high, owner)
			if !ok {
				return "none free"
			}
			return a.String()
		}
	}
	claim := func(addr, owner string) func() string {
		return func() string {
			if err := p.Claim(netip.MustParseAddr(addr), owner); err != nil {
				return "error " + err.Error()
			}
			return "claimed"
		}
	}
	steps := []struct {
		reason   string
		do       func() string
		want     string
		wantHeld int
	}{
		{reason: "The first address after the reserved ones.", do: alloc(4, 1, "a"), want: "127.0.1.4", wantHeld: 1},
		{reason: "Each owner gets its own.", do: alloc(4, 1, "b"), want: "127.0.1.5", wantHeld: 2},
		{reason: "A released address is free again.", do: func() string { p.Release(netip.MustParseAddr("127.0.1.4")); return "released" }, want: "released", wantHeld: 1},
		{reason: "The lowest free address comes first.", do: alloc(4, 1, "c"), want: "127.0.1.4", wantHeld: 2},
		{reason: "Releasing no address changes nothing.", do: func() string { p.Release(netip.Addr{}); return "released" }, want: "released", wantHeld: 2},
		{reason: "An owner claims back what it saved.", do: claim("127.0.1.5", "b"), want: "claimed", wantHeld: 2},
		{reason: "Another owner cannot claim it.", do: claim("127.0.1.5", "x"), want: "error address 127.0.1.5 of x is b's already", wantHeld: 2},
		{reason: "A saved address comes back.", do: claim("127.0.1.9", "d"), want: "claimed", wantHeld: 3},
	}
	for i, st := range steps {
		got := st.do()
		if diff := cmp.Diff(fmt.Sprint(st.want, " held=", st.wantHeld), fmt.Sprint(got, " held=", p.HeldIn(subnet))); diff != "" {
			t.Errorf("step %d: %s\n-want +got:\n%s", i, st.reason, diff)
		}
	}
	want := map[netip.Addr]string{netip.MustParseAddr("127.0.1.4"): "c", netip.MustParseAddr("127.0.1.5"): "b", netip.MustParseAddr("127.0.1.9"): "d"}
	if diff := cmp.Diff(want, p.Held()); diff != "" {
		t.Errorf("Held: -want +got:\n%s", diff)
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
