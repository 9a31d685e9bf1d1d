package awsparams

import "testing"

func TestParameterGroupMatches(t *testing.T) {
	for _, c := range []struct {
		want, got string
		match     bool
	}{
		{"tuned", "tuned", true},
		{"tuned", "default.postgres16", false},
		{"default.postgres15", "default.postgres16", true},
		{"default.postgres15", "tuned", false},
	} {
		if got := ParameterGroupMatches(c.want, c.got); got != c.match {
			t.Errorf("ParameterGroupMatches(%q, %q) = %t, want %t", c.want, c.got, got, c.match)
		}
	}
}

func TestSameSet(t *testing.T) {
	if !SameSet([]string{"b", "a"}, []string{"a", "b"}) || SameSet([]string{"a"}, []string{"a", "b"}) {
		t.Error("SameSet compares sets, in any order")
	}
}
