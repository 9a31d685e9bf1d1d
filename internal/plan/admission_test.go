package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// rule is one x-kubernetes-validations entry.
type rule struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// rules collects every x-kubernetes-validations rule under v.
func rules(v any, out *[]rule) {
	switch t := v.(type) {
	case map[string]any:
		if l, ok := t["x-kubernetes-validations"].([]any); ok {
			for _, e := range l {
				m, _ := e.(map[string]any)
				r, _ := m["rule"].(string)
				msg, _ := m["message"].(string)
				*out = append(*out, rule{Rule: r, Message: msg})
			}
		}
		for _, e := range t {
			rules(e, out)
		}
	case []any:
		for _, e := range t {
			rules(e, out)
		}
	}
}

// TestTransitionRulesAreRecognised reads every CRD the providers install:
// each transition rule's message (a rule on oldSelf: a change the cloud
// cannot make) must read as one needing replacement, and no other rule's,
// so that a plan says "needs replacement" exactly when the API server
// refuses a change for that reason.
func TestTransitionRulesAreRecognised(t *testing.T) {
	crds, err := filepath.Glob(filepath.Join("..", "..", "package", "crds", "*.yaml"))
	if err != nil || len(crds) == 0 {
		t.Fatalf("no CRDs found: %v", err)
	}
	// The platform's XRDs too: a claim's change refused by one of their
	// transition rules is a replacement as well.
	xrds, _ := filepath.Glob(filepath.Join("..", "..", "apis", "platform", "*", "definition.yaml"))
	v2, _ := filepath.Glob(filepath.Join("..", "..", "apis", "platform", "*", "namespaced", "definition.yaml"))
	if len(xrds) == 0 || len(v2) == 0 {
		t.Fatal("no XRDs found")
	}
	crds = append(append(crds, xrds...), v2...)
	transitions := 0
	for _, p := range crds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var crd any
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var rs []rule
		rules(crd, &rs)
		for _, r := range rs {
			onOld := strings.Contains(r.Rule, "oldSelf")
			if onOld {
				transitions++
			}
			if r.Message == "" {
				if onOld {
					t.Errorf("%s: transition rule %q has no message to recognise it by", filepath.Base(p), r.Rule)
				}
				continue
			}
			if got := transition(r.Message); got != onOld {
				t.Errorf("%s: rule %q, message %q: read as a transition %t, want %t", filepath.Base(p), r.Rule, r.Message, got, onOld)
			}
		}
	}
	if transitions < 10 {
		t.Errorf("found %d transition rules; the CRDs have dozens, so the scan is broken", transitions)
	}
}

func TestClassify(t *testing.T) {
	gk := schema.GroupKind{Group: "rds.aws.appinfra.io", Kind: "DBInstance"}
	immutable := field.Invalid(field.NewPath("spec", "forProvider", "engine"), "mysql", "engine is immutable: an instance cannot change engine")
	down := field.Invalid(field.NewPath("spec", "forProvider", "engineVersion"), "15", "engineVersion cannot go down: RDS upgrades in place")
	enum := field.NotSupported(field.NewPath("spec", "forProvider", "engine"), "oracle", []string{"postgres", "mysql"})
	cases := map[string]struct {
		reason  string
		err     error
		replace bool
	}{
		"Immutable": {
			reason:  "A change an immutable field refuses needs replacement.",
			err:     kerrors.NewInvalid(gk, "db", field.ErrorList{immutable}),
			replace: true,
		},
		"Transitions": {
			reason:  "Every cause a transition: replacement.",
			err:     kerrors.NewInvalid(gk, "db", field.ErrorList{immutable, down}),
			replace: true,
		},
		"Mixed": {
			reason: "Another error besides a transition is a refusal to fix first.",
			err:    kerrors.NewInvalid(gk, "db", field.ErrorList{immutable, enum}),
		},
		"Enum": {
			reason: "A value outside an enum is a refusal.",
			err:    kerrors.NewInvalid(gk, "db", field.ErrorList{enum}),
		},
		"Forbidden": {
			reason: "RBAC is a refusal.",
			err:    kerrors.NewForbidden(schema.GroupResource{Group: gk.Group, Resource: "dbinstances"}, "db", nil),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := classify(tc.err)
			if got.replace != tc.replace || got.message == "" {
				t.Errorf("%s: classify(...) = %+v, want replace %t and the API server's message", tc.reason, got, tc.replace)
			}
		})
	}
}
