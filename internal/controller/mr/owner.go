package mr

import (
	"context"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
)

// Owned says whether mg may manage an external resource with the given
// provider tags. It refuses one whose tags (crossplane-name,
// crossplane-namespace) name another managed resource of the same kind that
// still exists: two resources with the same external name would otherwise
// take turns rewriting it, and one could delete it under the other. A
// resource whose named manager is gone (it was orphaned) may be adopted.
// Resources that may only observe are never refused: reading is harmless.
//
// Not owned with a nil error means mg is being deleted: it may go, leaving
// the external resource to its manager. Not owned with an error is a
// refusal to report. fold maps a name the way the tags store it.
func Owned(ctx context.Context, kube client.Reader, mg resource.Managed, tags map[string]string, fold func(string) string, newObject func() client.Object) (bool, error) {
	name, ns := tags[resource.ExternalResourceTagKeyName], tags[resource.ExternalResourceTagKeyNamespace]
	if name == "" || !mayWrite(mg) || (name == fold(mg.GetName()) && ns == fold(mg.GetNamespace())) {
		return true, nil
	}
	other := newObject()
	err := kube.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, other)
	switch {
	case kerrors.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, errors.Wrap(err, "cannot check which resource manages the external resource")
	case other.GetUID() == mg.GetUID():
		return true, nil
	case meta.WasDeleted(mg):
		return false, nil
	}
	return false, errors.Errorf("the external resource is managed by %s/%s (its crossplane-name and crossplane-namespace tags say so, and that resource exists); choose another name with the crossplane.io/external-name annotation, or use managementPolicies [\"Observe\"] to only read it", ns, name)
}

func mayWrite(mg resource.Managed) bool {
	policies := mg.GetManagementPolicies()
	if len(policies) == 0 {
		return true // The API defaults to ["*"].
	}
	for _, p := range policies {
		switch p {
		case xpv2.ManagementActionAll, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete:
			return true
		}
	}
	return false
}
