package mr

import (
	"fmt"
	"strings"

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
