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

func TestAppliedVersion(t *testing.T) {
	ann := map[string]string{"v": "7"}
	if got := AppliedVersion("9", ann, "v"); got != "9" {
		t.Errorf("status says 9, annotation 7: got %q, want the status's", got)
	}
	if got := AppliedVersion("", ann, "v"); got != "7" {
		t.Errorf("no status yet: got %q, want the annotation's 7", got)
	}
}

func TestIfSent(t *testing.T) {
	v := Value{Data: "secret", Version: "5"}
	if got := v.IfSent("4", "5"); got != "secret" {
		t.Errorf("version 5 was sent: got %q", got)
	}
	if got := v.IfSent("4", ""); got != "" {
		t.Error("version 5 was not sent, yet its value is returned")
	}
	if got := (Value{Data: "x"}).IfSent(""); got != "" {
		t.Error("a value without a version matched an empty sent version")
	}
}
