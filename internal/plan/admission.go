package plan

import (
	"errors"
	"strings"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
)

// transitionWords are how this project's CRDs and XRDs word every
// transition rule (a CEL rule on oldSelf): a change the cloud cannot make
// to an existing resource. TestTransitionRulesAreRecognised keeps the list
// and the CRDs and XRDs in step.
var transitionWords = []string{
	"immutable", "cannot go down", "cannot be lowered", "cannot be reduced", "cannot be removed", "can only be raised",
	"set at creation", "cannot change after creation", "cannot change on",
}

// transition says whether an admission message refuses a change to an
// existing resource that the cloud cannot make in place.
func transition(msg string) bool {
	for _, w := range transitionWords {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

// A refusal is how the API server refused a dry run.
type refusal struct {
	// replace: every reason given is a change the cloud cannot make in
	// place; the resource would have to be created again.
	replace bool
	message string
}

// classify reads a dry run's error: an Invalid one whose every cause is a
// transition rule needs replacement; any other is a refusal to fix.
func classify(err error) refusal {
	var se *kerrors.StatusError
	if !errors.As(err, &se) || !kerrors.IsInvalid(err) {
		return refusal{message: err.Error()}
	}
	causes := se.Status().Details
	if causes == nil || len(causes.Causes) == 0 {
		return refusal{replace: transition(se.Status().Message), message: se.Status().Message}
	}
	r := refusal{replace: true, message: se.Status().Message}
	for _, c := range causes.Causes {
		if !transition(c.Message) {
			r.replace = false
		}
	}
	return r
}
