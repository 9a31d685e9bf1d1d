package reconciler

import (
	"fmt"
	"strings"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
)

// ReasonDriftDetected is the event reason RecordDrift uses.
const ReasonDriftDetected event.Reason = "DriftDetected"

// RecordDrift tells the user, before Update changes anything, which fields
// of the external resource differ from the spec. It names fields only:
// values may be secret.
func RecordDrift(record event.Recorder, o resource.Object, fields []string) {
	record.Event(o, event.Normal(ReasonDriftDetected, fmt.Sprintf("External resource differs from the spec in %s; updating", strings.Join(fields, ", "))))
}

// Deletes reports whether mg's management policies let the provider delete
// its external resource: without Delete, deleting mg orphans it.
func Deletes(mg resource.Managed) bool { return allows(mg, xpv2.ManagementActionDelete) }

// Updates reports whether mg's management policies let the provider change
// its external resource: without Update, drift is observed, not corrected.
func Updates(mg resource.Managed) bool { return allows(mg, xpv2.ManagementActionUpdate) }

// LateInitializes reports whether mg's management policies let the provider
// fill unset spec fields from the external resource. Without that, Observe
// must leave the spec alone: the runtime persists the whole object when it
// adds its finalizer, so an in-memory change would be saved regardless.
func LateInitializes(mg resource.Managed) bool {
	return allows(mg, xpv2.ManagementActionLateInitialize)
}

// allows reports whether mg's management policies include action.
func allows(mg resource.Managed, action xpv2.ManagementAction) bool {
	policies := mg.GetManagementPolicies()
	if len(policies) == 0 {
		return true // The API defaults to ["*"].
	}
	for _, p := range policies {
		if p == xpv2.ManagementActionAll || p == action {
			return true
		}
	}
	return false
}

// DiffFields is an observation's Diff for the debug log: the names of the
// fields that differ, never their values, since one of them may be a
// password or a token.
func DiffFields(fields []string) string {
	if len(fields) == 0 {
		return ""
	}
	return "fields differ: " + strings.Join(fields, ", ")
}
