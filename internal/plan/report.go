package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// SchemaVersion names the JSON output's schema (docs/plan.md). Fields are
// only ever added to a version; a change of meaning is a new version.
const SchemaVersion = "plan.appinfra.io/v1alpha1"

// An Action is what applying (or deleting) a resource would do.
type Action string

// Actions, from docs/plan.md.
const (
	// ActionCreate: the provider would create the cloud resource.
	ActionCreate Action = "create"
	// ActionUpdate: the provider would change the cloud resource in place.
	ActionUpdate Action = "update"
	// ActionNoChange: nothing would change, in the cluster or the cloud.
	ActionNoChange Action = "no-change"
	// ActionReplace: the change needs a new cloud resource, which the API
	// server refuses (and the provider would refuse) rather than do it.
	ActionReplace Action = "replace"
	// ActionDelete: deleting the resource deletes its cloud resource (if
	// there is one: Destructive says).
	ActionDelete Action = "delete"
	// ActionOrphan: deleting the resource leaves its cloud resource as it
	// is (management policies without Delete).
	ActionOrphan Action = "orphan"
	// ActionRefused: the API server refuses the object for a reason other
	// than a change the cloud cannot make (an enum, a missing field, RBAC).
	ActionRefused Action = "refused"
	// ActionError: the plan could not tell what would happen.
	ActionError Action = "error"
)

// Report is a plan's whole output.
type Report struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Resources  []Resource `json:"resources"`
	Summary    Summary    `json:"summary"`
	ReadOnly   ReadOnly   `json:"readOnly"`
	// ExitCode is the command's: 0 no change, 1 error, 2 changes, 3
	// destructive changes.
	ExitCode int `json:"exitCode"`
}

// Summary counts resources by action.
type Summary struct {
	Create      int `json:"create"`
	Update      int `json:"update"`
	Replace     int `json:"replace"`
	Delete      int `json:"delete"`
	Orphan      int `json:"orphan"`
	NoChange    int `json:"noChange"`
	Refused     int `json:"refused"`
	Errors      int `json:"errors"`
	Destructive int `json:"destructive"`
	// Composites are the claims, composites and Compositions planned; the
	// counts above are of the resources they compose (and of a
	// composite's own refusal, replacement or error).
	Composites int `json:"composites"`
}

// ReadOnly is what the plan's guards counted (package readonly).
type ReadOnly struct {
	// CloudReads are the cloud API calls let through.
	CloudReads int `json:"cloudReads"`
	// RefusedCalls are the writes the guards refused, cloud and
	// Kubernetes: none, unless a controller's Observe tried to write.
	RefusedCalls []string `json:"refusedCalls"`
}

// Resource is what would happen to one managed resource.
type Resource struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	// ExternalName is the cloud resource's name, once known.
	ExternalName string `json:"externalName,omitempty"`
	// Source is where the object came from: FILE#N (the Nth document of
	// FILE, from 1, empty documents not counted) or "cluster" for KIND/NAME.
	Source string `json:"source"`
	Action Action `json:"action"`
	// Destructive: a replacement, or a deletion of a cloud resource.
	Destructive bool `json:"destructive"`
	// Reason says why, in a sentence.
	Reason     string     `json:"reason"`
	Kubernetes Kubernetes `json:"kubernetes"`
	Cloud      Cloud      `json:"cloud"`
	// Changes are what the provider would change in the cloud, field by
	// field, as its own comparison found them.
	Changes []Change `json:"changes,omitempty"`
	// Deletion says what a delete loses and keeps.
	Deletion *Deletion `json:"deletion,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
	// Composition is, for a claim, a composite or a Composition, what it
	// is composed with and what its pipeline said.
	Composition *CompositionUse `json:"composition,omitempty"`
	// Composed are, for a claim or a composite, its composed resources;
	// for a Composition, the claims and composites that use it.
	Composed []Resource `json:"composed,omitempty"`
}

// CompositionUse is how a claim or composite is composed.
type CompositionUse struct {
	// Name is the Composition's.
	Name string `json:"name,omitempty"`
	// Revision is the CompositionRevision it is pinned to
	// (compositionUpdatePolicy Manual), if it is.
	Revision string `json:"revision,omitempty"`
	// Composite is a claim's composite resource (KIND/NAME).
	Composite string `json:"composite,omitempty"`
	// Claim is a composite's claim (NAMESPACE/NAME).
	Claim string `json:"claim,omitempty"`
	// Results are the render's results: the functions' and Crossplane's
	// own (a composition selected, a resource not yet ready), what
	// Crossplane would record as events on the composite (Warning or
	// Normal).
	Results []RenderResult `json:"results,omitempty"`
}

// RenderResult is one result of a render.
type RenderResult struct {
	Severity string `json:"severity"`
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message"`
}

// Kubernetes is the API server's side of a resource.
type Kubernetes struct {
	// Exists: the object is in the cluster now.
	Exists bool `json:"exists"`
	// DryRun is the server-side dry run's outcome: accepted, refused, or
	// skipped (KIND/NAME, or nothing to delete).
	DryRun string `json:"dryRun"`
	// Message is the API server's, when it refused.
	Message string `json:"message,omitempty"`
	// SpecChanges are the spec's fields the apply changes.
	SpecChanges []Change `json:"specChanges,omitempty"`
}

// Cloud is the cloud's side of a resource.
type Cloud struct {
	// Read: the controller's Observe ran against the cloud.
	Read bool `json:"read"`
	// ProviderConfig is the config it read through, KIND/NAME.
	ProviderConfig string `json:"providerConfig,omitempty"`
	// Exists: the cloud resource exists (when Read).
	Exists bool `json:"exists"`
	// Unavailable says why the cloud was not read, when it was not.
	Unavailable string `json:"unavailable,omitempty"`
	// Error is what stopped the provider's Observe.
	Error string `json:"error,omitempty"`
	// Waiting says why the provider would not change it yet.
	Waiting string `json:"waiting,omitempty"`
}

// A Change is one field's value before and after. Values are JSON values;
// a secret's are never shown (Redacted).
type Change struct {
	// Field is the spec.forProvider field (cloud changes) or the spec
	// field (specChanges), dotted; a map's key follows its field.
	Field    string `json:"field"`
	Before   any    `json:"before,omitempty"`
	After    any    `json:"after,omitempty"`
	Redacted bool   `json:"redacted,omitempty"`
}

// Deletion is what deleting the resource loses and keeps.
type Deletion struct {
	Lost []string `json:"lost,omitempty"`
	Kept []string `json:"kept,omitempty"`
	// Refused says why the provider would not delete the cloud resource.
	Refused string `json:"refused,omitempty"`
}

// finish counts the resources and sets the exit code: any error or
// refusal is 1 (the plan is incomplete, or the change cannot be applied),
// else any destructive change 3, else any change 2, else 0.
func (r *Report) finish() {
	r.APIVersion, r.Kind = SchemaVersion, "Plan"
	s := Summary{}
	var count func(res Resource)
	count = func(res Resource) {
		for _, c := range res.Composed {
			count(c)
		}
		if res.Composition != nil {
			s.Composites++
			switch {
			case res.Action == ActionRefused, res.Action == ActionError, res.Action == ActionReplace:
			case len(res.Composed) == 0 && res.Action != ActionNoChange:
				// Nothing composed was planned (not readable, or nothing
				// to compose): its own change is all there is.
			default:
				return // its resources say what changes
			}
		}
		switch res.Action {
		case ActionCreate:
			s.Create++
		case ActionUpdate:
			s.Update++
		case ActionReplace:
			s.Replace++
		case ActionDelete:
			s.Delete++
		case ActionOrphan:
			s.Orphan++
		case ActionNoChange:
			s.NoChange++
		case ActionRefused:
			s.Refused++
		case ActionError:
			s.Errors++
		}
		if res.Destructive {
			s.Destructive++
		}
	}
	for _, res := range r.Resources {
		count(res)
	}
	r.Summary = s
	if r.ReadOnly.RefusedCalls == nil {
		r.ReadOnly.RefusedCalls = []string{}
	}
	switch {
	case s.Errors+s.Refused > 0 || len(r.ReadOnly.RefusedCalls) > 0:
		r.ExitCode = 1
	case s.Destructive > 0:
		r.ExitCode = 3
	case s.Create+s.Update+s.Replace+s.Delete+s.Orphan > 0:
		r.ExitCode = 2
	default:
		r.ExitCode = 0
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// notComposed is function-patch-and-transform's warning for a resource it
// leaves out because a Required patch found nothing.
var notComposed = regexp.MustCompile(`not adding new composed resource "([^"]+)"`)

// symbols mark each action in the text output.
var symbols = map[Action]string{
	ActionCreate: "+", ActionUpdate: "~", ActionNoChange: "=", ActionReplace: "-/+",
	ActionDelete: "-", ActionOrphan: "-k8s", ActionRefused: "!", ActionError: "?",
}

// WriteText writes the report for a person: one block per resource, then
// the totals.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, res := range r.Resources {
		writeResource(&b, "", res)
		b.WriteString("\n")
	}
	s := r.Summary
	fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to replace, %d to delete (%d destructive), %d to orphan, %d unchanged, %d refused, %d errors.\n",
		s.Create, s.Update, s.Replace, s.Delete, s.Destructive, s.Orphan, s.NoChange, s.Refused, s.Errors)
	fmt.Fprintf(&b, "Read-only: %d cloud reads, %d write attempts refused.\n", r.ReadOnly.CloudReads, len(r.ReadOnly.RefusedCalls))
	for _, c := range r.ReadOnly.RefusedCalls {
		fmt.Fprintf(&b, "  refused: %s\n", c)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String is a change as the text output shows it.
func (c Change) String() string {
	if c.Redacted {
		return c.Field + ": (secret, not shown) changes"
	}
	return fmt.Sprintf("%s: %s -> %s", c.Field, show(c.Before), show(c.After))
}

// show is a value as JSON, or (unset).
func show(v any) string {
	if v == nil {
		return "(unset)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// writeResource writes one resource's block, indented by in, and those it
// composes below it.
func writeResource(b *strings.Builder, in string, res Resource) {
	name := res.Name
	if res.Namespace != "" {
		name = res.Namespace + "/" + name
	}
	fmt.Fprintf(b, "%s%s %s %s: %s\n", in, symbols[res.Action], res.Kind, name, res.Action)
	fmt.Fprintf(b, "%s    %s\n", in, res.Reason)
	if u := res.Composition; u != nil {
		if u.Composite != "" {
			fmt.Fprintf(b, "%s    composite: %s\n", in, u.Composite)
		}
		if u.Claim != "" {
			fmt.Fprintf(b, "%s    claim: %s\n", in, u.Claim)
		}
		if u.Name != "" {
			c := u.Name
			if u.Revision != "" {
				c += ", pinned to revision " + u.Revision
			}
			fmt.Fprintf(b, "%s    composition: %s\n", in, c)
		}
		var skipped []string
		for _, r := range u.Results {
			if m := notComposed.FindStringSubmatch(r.Message); m != nil {
				skipped = append(skipped, m[1])
				continue
			}
			if r.Severity != "Normal" { // progress notes (-o json has them)
				fmt.Fprintf(b, "%s    %s: %s\n", in, strings.ToLower(r.Severity), r.Message)
			}
		}
		if len(skipped) > 0 {
			fmt.Fprintf(b, "%s    not composed: %s (a patch they require found nothing, such as the other cloud's resources of a by-cloud Composition; -o json has the results)\n", in, strings.Join(skipped, ", "))
		}
	}
	if res.ExternalName != "" && res.ExternalName != res.Name {
		fmt.Fprintf(b, "%s    cloud name: %s\n", in, res.ExternalName)
	}
	if res.Kubernetes.DryRun == "refused" && res.Kubernetes.Message != "" {
		fmt.Fprintf(b, "%s    the API server says: %s\n", in, res.Kubernetes.Message)
	}
	for _, c := range res.Changes {
		fmt.Fprintf(b, "%s    %s\n", in, c)
	}
	if len(res.Changes) == 0 && res.Action != ActionNoChange {
		for _, c := range res.Kubernetes.SpecChanges {
			fmt.Fprintf(b, "%s    spec.%s\n", in, c)
		}
	}
	if d := res.Deletion; d != nil {
		for _, l := range d.Lost {
			fmt.Fprintf(b, "%s    loses: %s\n", in, l)
		}
		for _, k := range d.Kept {
			fmt.Fprintf(b, "%s    keeps: %s\n", in, k)
		}
		if d.Refused != "" {
			fmt.Fprintf(b, "%s    refused: %s\n", in, d.Refused)
		}
	}
	c := res.Cloud
	switch {
	case c.Unavailable != "":
		fmt.Fprintf(b, "%s    cloud not read: %s\n", in, c.Unavailable)
	case c.Error != "":
		fmt.Fprintf(b, "%s    the provider would report: %s\n", in, c.Error)
	case c.Waiting != "":
		fmt.Fprintf(b, "%s    waits: %s\n", in, c.Waiting)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(b, "%s    note: %s\n", in, n)
	}
	for _, c := range res.Composed {
		writeResource(b, in+"  ", c)
	}
}
