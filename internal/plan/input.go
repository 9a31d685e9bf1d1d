package plan

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// Decode reads the YAML (or JSON) documents of r, named name, as inputs:
// each object in namespace ns unless it names its own. Empty documents and
// List kinds' items are handled as kubectl does.
func Decode(r io.Reader, name, ns string, del bool) ([]Input, error) {
	dec := yaml.NewYAMLOrJSONDecoder(r, 4096)
	var out []Input
	for n := 1; ; n++ {
		u := &unstructured.Unstructured{}
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, n, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		objs := []*unstructured.Unstructured{u}
		if u.IsList() {
			l, err := u.ToList()
			if err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", name, n, err)
			}
			objs = objs[:0]
			for i := range l.Items {
				objs = append(objs, &l.Items[i])
			}
		}
		for _, o := range objs {
			if o.GetKind() == "" || o.GetAPIVersion() == "" || o.GetName() == "" {
				return nil, fmt.Errorf("%s: document %d: an object needs apiVersion, kind and metadata.name", name, n)
			}
			namespace := o.GetNamespace()
			if namespace == "" {
				namespace = ns
			}
			out = append(out, Input{
				Object: o, GVK: o.GroupVersionKind(), Key: types.NamespacedName{Namespace: namespace, Name: o.GetName()},
				Source: fmt.Sprintf("%s#%d", name, n), Delete: del,
			})
		}
	}
}

// Named resolves KIND/NAME arguments (KIND is a kind's name, any case, or
// KIND.GROUP where two groups have the kind, as Bucket) to inputs that
// plan the live objects.
func Named(args []string, kinds []schema.GroupVersionKind, ns string, del bool) ([]Input, error) {
	var out []Input
	for _, a := range args {
		k, name, ok := strings.Cut(a, "/")
		if !ok || k == "" || name == "" {
			return nil, fmt.Errorf("%q: want KIND/NAME", a)
		}
		gvk, err := resolveKind(k, kinds)
		if err != nil {
			return nil, err
		}
		out = append(out, Input{GVK: gvk, Key: types.NamespacedName{Namespace: ns, Name: name}, Source: "cluster", Delete: del})
	}
	return out, nil
}

func resolveKind(k string, kinds []schema.GroupVersionKind) (schema.GroupVersionKind, error) {
	var match []schema.GroupVersionKind
	for _, gvk := range kinds {
		if strings.EqualFold(k, gvk.Kind) || strings.EqualFold(k, gvk.Kind+"."+gvk.Group) {
			match = append(match, gvk)
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		return schema.GroupVersionKind{}, fmt.Errorf("%q is not a managed resource kind of provider-appinfra", k)
	}
	names := make([]string, 0, len(match))
	for _, m := range match {
		names = append(names, m.Kind+"."+m.Group)
	}
	sort.Strings(names)
	return schema.GroupVersionKind{}, fmt.Errorf("%q is ambiguous: say %s", k, strings.Join(names, " or "))
}
