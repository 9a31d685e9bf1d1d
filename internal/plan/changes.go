package plan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
)

// secretName matches the names of fields whose values are, or lead to,
// credentials: their values are never shown, at any depth.
var secretName = regexp.MustCompile(`(?i)password|secret|token|authstring|credential|privatekey`)

// secret says whether a field path names a credential.
func secret(path string) bool { return secretName.MatchString(path) }

// asMap is v as JSON would have it: a struct's fields by their JSON
// names. A v that is not an object gives nil.
func asMap(v any) map[string]any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	m := map[string]any{}
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// flatten writes v's leaves into out under dotted paths from prefix:
// objects are walked, anything else (lists included) is a leaf.
func flatten(prefix string, v any, out map[string]any) { walk(prefix, v, out, false) }

// flattenLists is flatten that walks lists too, their items as [i]: for
// documents whose lists are long and hold no secret values (a
// Composition's pipeline).
func flattenLists(prefix string, v any, out map[string]any) { walk(prefix, v, out, true) }

// walk writes v's leaves into out: objects are walked, and lists too
// with lists set; empty ones are leaves.
func walk(prefix string, v any, out map[string]any, lists bool) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			break
		}
		for k, e := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, e, out, lists)
		}
		return
	case []any:
		if !lists || len(t) == 0 {
			break
		}
		for i, e := range t {
			walk(fmt.Sprintf("%s[%d]", prefix, i), e, out, lists)
		}
		return
	}
	out[prefix] = v
}

// leafChanges are the leaves of before and after under prefix that differ,
// sorted by path, a secret's redacted.
func leafChanges(prefix string, before, after any) []Change {
	return diff(flatten, prefix, before, after)
}

// diff is leafChanges with the flattening given.
func diff(flat func(string, any, map[string]any), prefix string, before, after any) []Change {
	b, a := map[string]any{}, map[string]any{}
	if before != nil {
		flat(prefix, before, b)
	}
	if after != nil {
		flat(prefix, after, a)
	}
	paths := map[string]bool{}
	for p := range b {
		paths[p] = true
	}
	for p := range a {
		paths[p] = true
	}
	var out []Change
	for p := range paths {
		if reflect.DeepEqual(b[p], a[p]) {
			continue
		}
		out = append(out, change(p, b[p], a[p]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// change is one field's change, redacted when its path names a secret or
// either value holds a field that does (a list of objects is a leaf).
func change(path string, before, after any) Change {
	if secret(path) || holdsSecret(before) || holdsSecret(after) {
		return Change{Field: path, Redacted: true}
	}
	return Change{Field: path, Before: before, After: after}
}

// holdsSecret says whether v has, at any depth, a field whose name is a
// secret's.
func holdsSecret(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if secret(k) || holdsSecret(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if holdsSecret(e) {
				return true
			}
		}
	}
	return false
}

// fieldChanges are the changes of the fields a controller's comparison
// found, from the two sides it compared: each field's leaves that differ,
// or, where the controller's comparison is not plain equality (a version
// matched at its precision, storage that may exceed the spec), the whole
// field.
func fieldChanges(fields []string, want, got any) []Change {
	w, g := asMap(want), asMap(got)
	var out []Change
	for _, f := range fields {
		if secret(f) {
			out = append(out, Change{Field: f, Redacted: true})
			continue
		}
		leaves := leafChanges(f, g[f], w[f])
		if len(leaves) == 0 {
			leaves = []Change{change(f, g[f], w[f])}
		}
		out = append(out, leaves...)
	}
	return out
}

// specChanges are the leaves of two objects' specs that differ.
func specChanges(before, after map[string]any) []Change {
	return leafChanges("", before["spec"], after["spec"])
}
