package common

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reference"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// References from one managed resource to others are written with
// xpv2.Reference and xpv2.Selector, which have no namespace: they resolve
// in the referencing resource's own namespace only, so a tenant cannot
// read an id from another namespace's resource.

// ResolveOne resolves ref or sel (in from's namespace) to the value
// extract reads from the resource they name, or keeps current.
func ResolveOne(ctx context.Context, c client.Reader, from resource.Managed, current string, ref *xpv2.Reference, sel *xpv2.Selector, to reference.To, extract reference.ExtractValueFn) (string, *xpv2.Reference, error) {
	rsp, err := reference.NewAPINamespacedResolver(c, from).Resolve(ctx, reference.NamespacedResolutionRequest{
		CurrentValue: current,
		Reference:    namespacedRef(ref),
		Selector:     namespacedSelector(sel),
		To:           to,
		Extract:      extract,
	})
	if err != nil {
		return "", nil, err
	}
	if rsp.ResolvedReference == nil {
		return rsp.ResolvedValue, nil, nil
	}
	return rsp.ResolvedValue, &xpv2.Reference{Name: rsp.ResolvedReference.Name, Policy: rsp.ResolvedReference.Policy}, nil
}

// ResolveMany resolves refs or sel (in from's namespace) to the values
// extract reads from the resources they name, or keeps current.
func ResolveMany(ctx context.Context, c client.Reader, from resource.Managed, current []string, refs []xpv2.Reference, sel *xpv2.Selector, to reference.To, extract reference.ExtractValueFn) ([]string, []xpv2.Reference, error) {
	nrefs := make([]xpv2.NamespacedReference, 0, len(refs))
	for _, r := range refs {
		nrefs = append(nrefs, xpv2.NamespacedReference{Name: r.Name, Policy: r.Policy})
	}
	rsp, err := reference.NewAPINamespacedResolver(c, from).ResolveMultiple(ctx, reference.MultiNamespacedResolutionRequest{
		CurrentValues: current,
		References:    nrefs,
		Selector:      namespacedSelector(sel),
		To:            to,
		Extract:       extract,
	})
	if err != nil {
		return nil, nil, err
	}
	var out []xpv2.Reference
	for _, r := range rsp.ResolvedReferences {
		out = append(out, xpv2.Reference{Name: r.Name, Policy: r.Policy})
	}
	return rsp.ResolvedValues, out, nil
}

func namespacedRef(r *xpv2.Reference) *xpv2.NamespacedReference {
	if r == nil {
		return nil
	}
	return &xpv2.NamespacedReference{Name: r.Name, Policy: r.Policy}
}

func namespacedSelector(s *xpv2.Selector) *xpv2.NamespacedSelector {
	if s == nil {
		return nil
	}
	return &xpv2.NamespacedSelector{MatchLabels: s.MatchLabels, MatchControllerRef: s.MatchControllerRef, Policy: s.Policy}
}

// ExternalNameOnceReady extracts a resource's external name once it is
// Ready: the name is set from the start (it defaults to metadata.name),
// and a resource that named a group not yet made would be refused by the
// cloud at each attempt; until then, the reference says it is waiting.
func ExternalNameOnceReady() reference.ExtractValueFn {
	return func(mg resource.Managed) string {
		if mg.GetCondition(xpv2.TypeReady).Status != corev1.ConditionTrue {
			return ""
		}
		return meta.GetExternalName(mg)
	}
}
