package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// heapReport says which code holds the provider's heap: at idle, and with
// every resource in place at the end of the settle window.
type heapReport struct {
	// IdleMiB and SettleMiB are the MiB in use by the package that
	// allocated them (see parseHeapProfile), as Go's sampled heap profile
	// estimates them after a collection.
	IdleMiB   map[string]float64 `json:"idle_mib"`
	SettleMiB map[string]float64 `json:"end_of_settle_mib"`
	// LiveAfterReadyMiB is the whole heap in use after a collection right
	// after all were Ready: with the end of the window's, it says whether
	// memory grows with reconciles, which heap in use sampled between
	// collections (garbage included) says only roughly.
	LiveAfterReadyMiB float64 `json:"live_after_ready_mib,omitempty"`
}

// sum is the MiB of a heap by package.
func sum(mib map[string]float64) float64 {
	t := 0.0
	for _, v := range mib {
		t += v
	}
	return t
}

// heapByPackage reads the heap profile at pprof (the provider's
// /debug/pprof base URL) after a garbage collection, in its text form, and
// sums the bytes in use by the package that allocated them.
func heapByPackage(ctx context.Context, hc *http.Client, pprof string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(pprof, "/")+"/heap?debug=1&gc=1", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot read the heap profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cannot read the heap profile: %s", resp.Status)
	}
	return parseHeapProfile(resp.Body)
}

// parseHeapProfile reads runtime/pprof's legacy text heap profile: a header
// "heap profile: ... @ heap/R", where R is twice the sampling rate, then one
// record per allocation site, "inuse_objects: inuse_bytes [...] @ addrs",
// followed by its frames, "#\taddr\tfunction+off\tfile:line". The counts
// are of the sampled allocations, scaled here as pprof scales them.
//
// Memory a package initialiser allocated is its package's, whichever
// helper made it: the AWS SDK's schemas are built by smithy-go's functions
// called from each service's schemas initialiser. Other memory is the
// package's of the first frame outside Go's standard library.
func parseHeapProfile(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	rate := 0.0
	var site *heapSite
	flush := func() {
		if site != nil && site.objects > 0 && site.bytes > 0 && rate > 0 {
			scale := 1 / (1 - math.Exp(-(site.bytes/site.objects)/rate))
			out[site.owner()] += site.bytes * scale / (1 << 20)
		}
		site = nil
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "heap profile:"):
			_, r, ok := strings.Cut(line, "@ heap/")
			if !ok {
				return nil, fmt.Errorf("heap profile header without a sampling rate: %q", line)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
			if err != nil {
				return nil, fmt.Errorf("heap profile header: %w", err)
			}
			rate = v / 2
		case strings.HasPrefix(line, "# runtime.MemStats"):
			// The statistics that end the profile.
			flush()
			return out, checkRate(rate, sc.Err())
		case strings.HasPrefix(line, "#\t"):
			if f := strings.Split(line, "\t"); site != nil && len(f) >= 3 {
				site.frame(f[2])
			}
		case strings.Contains(line, " @ ") && strings.Contains(line, ": "):
			flush()
			site = &heapSite{}
			var ao, ab float64
			if _, err := fmt.Sscanf(line, "%g: %g [%g: %g]", &site.objects, &site.bytes, &ao, &ab); err != nil {
				return nil, fmt.Errorf("heap profile record %q: %w", line, err)
			}
		}
	}
	flush()
	return out, checkRate(rate, sc.Err())
}

func checkRate(rate float64, err error) error {
	if err == nil && rate == 0 {
		return fmt.Errorf("not a heap profile")
	}
	return err
}

// heapSite is one allocation site of a heap profile.
type heapSite struct {
	objects, bytes float64
	// first is the package of the first frame outside the standard
	// library; init that of the first package initialiser.
	first, init string
}

func (s *heapSite) frame(fn string) {
	pkg := funcPackage(fn)
	if s.first == "" && !standard(pkg) {
		s.first = pkg
	}
	if s.init == "" && isInit(fn[len(pkg):]) {
		s.init = pkg
	}
}

func (s *heapSite) owner() string {
	switch {
	case s.init != "":
		return s.init + " (initialiser)"
	case s.first != "":
		return s.first
	default:
		return "(standard library only)"
	}
}

// isInit says a symbol's name after its package, such as ".init.0+0x1c" or
// ".init.func3+0x8", is a package initialiser's.
func isInit(name string) bool {
	name, _, _ = strings.Cut(name, "+")
	return name == ".init" || strings.HasPrefix(name, ".init.")
}

// funcPackage is the import path of a symbol such as
// "github.com/aws/smithy-go.(*Schema).AddMember+0x5c".
func funcPackage(fn string) string {
	slash := strings.LastIndex(fn, "/")
	if dot := strings.Index(fn[slash+1:], "."); dot >= 0 {
		return fn[:slash+1+dot]
	}
	return fn
}

// standard says an import path is Go's own (its first element has no dot).
func standard(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}
