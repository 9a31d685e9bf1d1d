package secretkey

import (
	"regexp"
	"testing"
)

// TestGenerate: generated values are accepted by every engine the provider
// keeps one for (ElastiCache refused the _ of URL-safe base64 in the local
// cloud, as AWS does), and do not repeat.
func TestGenerate(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	seen := map[string]bool{}
	for range 1000 {
		v, err := generate(generatedLength)
		if err != nil {
			t.Fatal(err)
		}
		if !valid.MatchString(v) {
			t.Fatalf("generated value of %d characters has a character outside [A-Za-z0-9]", len(v))
		}
		if seen[v] {
			t.Fatal("a generated value repeated")
		}
		seen[v] = true
	}
}
