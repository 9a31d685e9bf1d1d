package platformgen

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// byCloudSuffix names the Composition that follows the claim's cloud: an
// API with a Composition for each of several clouds gets one more,
// <api>-by-cloud, which its XRD makes the default, so that a claim that
// names its cloud and no composition gets that cloud's resources.
const byCloudSuffix = "-by-cloud"

// environmentKey is where the choose-cloud step says which cloud the
// composite is for: composeForCloud.<cloud> exists for that cloud only.
const environmentKey = "composeForCloud"

// chooseCloud is the first step of a by-cloud Composition.
const chooseCloud = `{{- $cloud := $.observed.composite.resource.spec.parameters.cloud }}
apiVersion: meta.gotemplating.fn.crossplane.io/v1alpha1
kind: Context
data:
  apiextensions.crossplane.io/environment:
    ` + environmentKey + `:
      {{ $cloud }}: {{ $cloud | toJson }}
`

// byCloud derives an API's by-cloud Composition from its Compositions for
// each cloud (composition-<cloud>.yaml, labelled platform.appinfra.io/cloud:
// <cloud>); nil when it has fewer than two. Its compose step holds every
// cloud's resources, each renamed <name>-<cloud> and gated by a Required
// patch from composeForCloud.<cloud>, which the choose-cloud step writes
// into the pipeline's environment for the composite's cloud only:
// function-patch-and-transform does not add a new resource whose Required
// patch finds nothing (it says so in a Warning result). The clouds'
// Compositions must have the same steps besides compose; no step may name
// a resource, which is renamed here.
func byCloud(api string, files map[string]obj) (string, obj, error) {
	var names []string
	for name := range files {
		if strings.HasPrefix(name, "composition-") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) < 2 {
		return "", nil, nil
	}
	var (
		first     obj
		steps     []string
		resources []any
	)
	out := "composition" + byCloudSuffix + ".yaml"
	for _, name := range names {
		comp := files[name]
		cloud, _ := get(comp, "metadata", "labels", Group+"/cloud").(string)
		if cloud == "" {
			return "", nil, fmt.Errorf("%s/%s: no label %s/cloud: each of an API's Compositions is for one cloud", api, name, Group)
		}
		if want := "composition-" + cloud + ".yaml"; name != want {
			return "", nil, fmt.Errorf("%s/%s: labelled for cloud %s, so it must be %s", api, name, cloud, want)
		}
		pipeline, err := getList(comp, "spec", "pipeline")
		if err != nil {
			return "", nil, fmt.Errorf("%s/%s: %w", api, name, err)
		}
		c, err := composeStep(pipeline)
		if err != nil {
			return "", nil, fmt.Errorf("%s/%s: %w", api, name, err)
		}
		var these []string
		for _, st := range pipeline {
			these = append(these, fmt.Sprint(get(st, "step")))
		}
		if first == nil {
			first, steps = comp, these
		} else if !slices.Equal(steps, these) {
			return "", nil, fmt.Errorf("%s/%s: its steps %v are not those of %s (%v): the by-cloud Composition runs every step for every cloud", api, name, these, get(first, "metadata", "name"), steps)
		}
		if !reflect.DeepEqual(get(comp, "spec", "compositeTypeRef"), get(first, "spec", "compositeTypeRef")) {
			return "", nil, fmt.Errorf("%s/%s: composes another type than %v", api, name, get(first, "metadata", "name"))
		}
		rs, err := getList(pipeline, c, "input", "resources")
		if err != nil {
			return "", nil, fmt.Errorf("%s/%s: the compose step: %w", api, name, err)
		}
		if len(list(asObj(get(pipeline, c, "input")), "patchSets")) > 0 {
			return "", nil, fmt.Errorf("%s/%s: patchSets cannot be merged with another cloud's: write the patches on each resource", api, name)
		}
		for _, r := range rs {
			r, ok := r.(obj)
			if !ok {
				return "", nil, fmt.Errorf("%s/%s: a resource that is not an object", api, name)
			}
			for i, st := range pipeline {
				if tpl, _ := get(st, "input", "inline", "template").(string); i != c && strings.Contains(tpl, fmt.Sprintf("%q", r["name"])) {
					return "", nil, fmt.Errorf("%s/%s: step %v names resource %q, which the by-cloud Composition renames %s-%s", api, name, get(st, "step"), r["name"], r["name"], cloud)
				}
			}
			r = clone(r)
			r["name"] = fmt.Sprintf("%v-%s", r["name"], cloud)
			r["patches"] = append([]any{obj{
				"type":          "FromEnvironmentFieldPath",
				"fromFieldPath": environmentKey + "." + cloud,
				"toFieldPath":   "metadata.labels[" + Group + "/cloud]",
				"policy":        obj{"fromFieldPath": "Required"},
			}}, list(r, "patches")...)
			resources = append(resources, r)
		}
	}
	comp := clone(first)
	md := asObj(comp["metadata"])
	md["name"] = api + byCloudSuffix
	delete(md, "labels")
	pipeline := list(asObj(comp["spec"]), "pipeline")
	c, _ := composeStep(pipeline) // checked above
	if err := setPath(pipeline[c], resources, "input", "resources"); err != nil {
		return "", nil, err
	}
	asObj(comp["spec"])["pipeline"] = append([]any{obj{
		"step":        "choose-cloud",
		"functionRef": obj{"name": "function-go-templating"},
		"input": obj{
			"apiVersion": "gotemplating.fn.crossplane.io/v1beta1", "kind": "GoTemplate",
			"source": "Inline", "inline": obj{"template": chooseCloud},
		},
	}}, pipeline...)
	return out, comp, nil
}

// setPath sets the value at path (keys) of o, whose parents exist.
func setPath(o any, v any, path ...string) error {
	for i, k := range path {
		m, ok := o.(obj)
		if !ok {
			return fmt.Errorf("%s is not an object", strings.Join(path[:i], "."))
		}
		if i == len(path)-1 {
			m[k] = v
			return nil
		}
		o = m[k]
	}
	return nil
}
