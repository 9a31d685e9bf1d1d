package main

import (
	"bytes"
	"math"
	"runtime/pprof"
	"strings"
	"testing"
)

func TestParseHeapProfile(t *testing.T) {
	const profile = `heap profile: 3: 3072 [10: 10240] @ heap/1048576
1: 1024 [2: 2048] @ 0x1 0x2 0x3
#	0x1	runtime.mallocgc+0x1	runtime/malloc.go:1
#	0x2	github.com/aws/smithy-go.(*Schema).AddMember+0x5c	github.com/aws/smithy-go/schema.go:10
#	0x3	k8s.io/client-go/tools/cache.(*store).Add+0x1	k8s.io/client-go/tools/cache/store.go:1

2: 4096 [4: 8192] @ 0x4
#	0x4	encoding/json.(*Decoder).refill+0x1	encoding/json/stream.go:1

0: 0 [1: 1024] @ 0x5
#	0x5	k8s.io/api/core/v1.init+0x1	k8s.io/api/core/v1/types.go:1

1: 2048 [1: 2048] @ 0x6 0x7 0x8 0x9
#	0x6	runtime.mallocgc+0x1	runtime/malloc.go:1
#	0x7	github.com/aws/smithy-go.NewSchema+0x1	github.com/aws/smithy-go/schema.go:1
#	0x8	github.com/aws/aws-sdk-go-v2/service/rds/schemas.init.0+0x1	github.com/aws/aws-sdk-go-v2/service/rds/schemas/schemas.go:1
#	0x9	runtime.doInit1+0x1	runtime/proc.go:1


# runtime.MemStats
# Alloc = 123
`
	got, err := parseHeapProfile(strings.NewReader(profile))
	if err != nil {
		t.Fatal(err)
	}
	// Sampled at one in 512 KiB on average, as pprof scales them: a site's
	// bytes over the chance that one of its allocations was sampled.
	scaled := func(objects, bytes float64) float64 {
		return bytes / (1 - math.Exp(-(bytes/objects)/524288)) / (1 << 20)
	}
	want := map[string]float64{
		"github.com/aws/smithy-go": scaled(1, 1024),
		"(standard library only)":  scaled(2, 4096),
		// Built by smithy-go for the RDS schemas' initialiser: theirs.
		"github.com/aws/aws-sdk-go-v2/service/rds/schemas (initialiser)": scaled(1, 2048),
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for pkg, w := range want {
		if math.Abs(got[pkg]-w) > 1e-9 {
			t.Errorf("%s: got %g MiB, want %g MiB", pkg, got[pkg], w)
		}
	}
}

func TestParseHeapProfileOfThisProcess(t *testing.T) {
	var b bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	got, err := parseHeapProfile(&b)
	if err != nil {
		t.Fatalf("runtime/pprof's own text profile: %v", err)
	}
	total := 0.0
	for _, mib := range got {
		total += mib
	}
	if total <= 0 {
		t.Errorf("no bytes in use in %v", got)
	}
}

func TestParseHeapProfileRefusesOtherText(t *testing.T) {
	if _, err := parseHeapProfile(strings.NewReader("404 page not found\n")); err == nil {
		t.Error("a page that is not a heap profile was read as one")
	}
}

func TestIsInit(t *testing.T) {
	for name, want := range map[string]bool{
		".init+0x1c":       true,
		".init.0+0x1c":     true,
		".init.func3+0x8":  true,
		".initDecls+0x8":   false,
		".(*T).init+0x8":   false,
		".NewSchema+0x100": false,
	} {
		if got := isInit(name); got != want {
			t.Errorf("isInit(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestFuncPackage(t *testing.T) {
	for fn, want := range map[string]string{
		"github.com/aws/smithy-go.(*Schema).AddMember+0x5c":         "github.com/aws/smithy-go",
		"k8s.io/apimachinery/pkg/api/meta.(*DefaultRESTMapper).Add": "k8s.io/apimachinery/pkg/api/meta",
		"encoding/json.(*Decoder).refill":                           "encoding/json",
		"runtime.mallocgc":                                          "runtime",
		"gopkg.in/yaml%2ev3.unmarshal":                              "gopkg.in/yaml%2ev3",
	} {
		if got := funcPackage(fn); got != want {
			t.Errorf("funcPackage(%q) = %q, want %q", fn, got, want)
		}
	}
}
