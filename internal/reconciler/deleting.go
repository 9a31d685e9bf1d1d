package reconciler

import (
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
)

// StuckDeleting adds, to an error that keeps Observe from reporting on the
// external resource (these credentials may not read it; it is in another
// project than the config's), the way out for a resource being deleted:
// the managed reconciler observes before it deletes, so the resource would
// wait for ever. Whether the external resource is another's or the user's
// own (created before the credentials lost a permission or the config
// changed project) cannot be told from here, and letting it go in the
// second case would leak it; the user can tell, and management policies
// without Delete let the resource go without a cloud call. A resource
// that never observed its external resource has no finalizer, and goes at
// once.
func StuckDeleting(mg resource.Managed, err error) error {
	if err == nil || !meta.WasDeleted(mg) {
		return err
	}
	return errors.Errorf("%s; this resource cannot finish deleting while this is so: to remove it and leave the external resource as it is, set spec.managementPolicies to [\"Observe\"]", err)
}
