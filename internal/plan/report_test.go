package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExitCode(t *testing.T) {
	cases := map[string]struct {
		reason    string
		resources []Resource
		refused   []string
		want      int
	}{
		"Nothing":  {"An empty plan changes nothing.", nil, nil, ExitNoChange},
		"NoChange": {"Resources as they are.", []Resource{{Action: ActionNoChange}, {Action: ActionNoChange}}, nil, ExitNoChange},
		"Update":   {"An update is a change.", []Resource{{Action: ActionNoChange}, {Action: ActionUpdate}}, nil, ExitChanges},
		"Create":   {"A create is a change.", []Resource{{Action: ActionCreate}}, nil, ExitChanges},
		"Orphan":   {"Orphaning changes the cluster, not the cloud.", []Resource{{Action: ActionOrphan}}, nil, ExitChanges},
		"DeleteAbsent": {
			"Deleting a resource whose cloud resource is gone destroys nothing.",
			[]Resource{{Action: ActionDelete}}, nil, ExitChanges,
		},
		"Delete":  {"Deleting a cloud resource is destructive.", []Resource{{Action: ActionUpdate}, {Action: ActionDelete, Destructive: true}}, nil, ExitDestructive},
		"Replace": {"A replacement is destructive.", []Resource{{Action: ActionReplace, Destructive: true}}, nil, ExitDestructive},
		"Error": {
			"An error makes the plan incomplete, whatever else it says.",
			[]Resource{{Action: ActionDelete, Destructive: true}, {Action: ActionError}}, nil, ExitError,
		},
		"Refused": {"A change the API server refuses cannot be applied.", []Resource{{Action: ActionRefused}}, nil, ExitError},
		"WriteAttempted": {
			"A write the guards refused is an error, even if the plan reads as no change.",
			[]Resource{{Action: ActionNoChange}}, []string{"s3.PutBucketTagging"}, ExitError,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &Report{Resources: tc.resources, ReadOnly: ReadOnly{RefusedCalls: tc.refused}}
			r.finish()
			if r.ExitCode != tc.want {
				t.Errorf("%s: exit code %d, want %d", tc.reason, r.ExitCode, tc.want)
			}
		})
	}
}

func sampleReport() *Report {
	r := &Report{
		Resources: []Resource{
			{
				APIVersion: "rds.aws.appinfra.io/v1alpha1", Kind: "DBInstance", Namespace: "default", Name: "db", ExternalName: "db", Source: "db.yaml#1",
				Action: ActionUpdate, Reason: "the provider would change the cloud resource in place",
				Kubernetes: Kubernetes{Exists: true, DryRun: "accepted", SpecChanges: []Change{{Field: "forProvider.dbInstanceClass", Before: "db.t4g.micro", After: "db.t4g.small"}}},
				Cloud:      Cloud{Read: true, Exists: true, ProviderConfig: "ClusterProviderConfig/default"},
				Changes:    []Change{{Field: "dbInstanceClass", Before: "db.t4g.micro", After: "db.t4g.small"}, {Field: "masterPassword", Redacted: true}},
			},
			{
				APIVersion: "rds.aws.appinfra.io/v1alpha1", Kind: "DBInstance", Namespace: "default", Name: "old", ExternalName: "legacy-db", Source: "cluster",
				Action: ActionDelete, Destructive: true, Reason: `the provider would delete the cloud resource "legacy-db"`,
				Kubernetes: Kubernetes{Exists: true, DryRun: "accepted"},
				Cloud:      Cloud{Read: true, Exists: true},
				Deletion:   &Deletion{Lost: []string{`DB instance "legacy-db"`}, Kept: []string{`its data, in the final snapshot "legacy-db-final-1"`}},
			},
		},
		ReadOnly: ReadOnly{CloudReads: 3},
	}
	r.finish()
	return r
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `~ DBInstance default/db: update
    the provider would change the cloud resource in place
    dbInstanceClass: "db.t4g.micro" -> "db.t4g.small"
    masterPassword: (secret, not shown) changes

- DBInstance default/old: delete
    the provider would delete the cloud resource "legacy-db"
    cloud name: legacy-db
    loses: DB instance "legacy-db"
    keeps: its data, in the final snapshot "legacy-db-final-1"

Plan: 0 to create, 1 to update, 0 to replace, 1 to delete (1 destructive), 0 to orphan, 0 unchanged, 0 refused, 0 errors.
Read-only: 3 cloud reads, 0 write attempts refused.
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText: -want, +got:\n%s", diff)
	}
}

// TestWriteJSON checks the schema docs/plan.md documents: its top-level
// fields and a resource's, by their JSON names.
func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["apiVersion"] != SchemaVersion || got["kind"] != "Plan" || got["exitCode"] != float64(ExitDestructive) {
		t.Errorf("apiVersion %v, kind %v, exitCode %v; want %s, Plan, 3", got["apiVersion"], got["kind"], got["exitCode"], SchemaVersion)
	}
	for _, k := range []string{"resources", "summary", "readOnly"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q", k)
		}
	}
	res := got["resources"].([]any)[0].(map[string]any)
	for _, k := range []string{"apiVersion", "kind", "namespace", "name", "externalName", "source", "action", "destructive", "reason", "kubernetes", "cloud", "changes"} {
		if _, ok := res[k]; !ok {
			t.Errorf("a resource has no %q", k)
		}
	}
	if s := b.String(); !strings.Contains(s, `"refusedCalls": []`) {
		t.Errorf("readOnly.refusedCalls must be [] when none were refused, not absent or null:\n%s", s)
	}
	if diff := cmp.Diff(map[string]any{"field": "masterPassword", "redacted": true}, res["changes"].([]any)[1]); diff != "" {
		t.Errorf("a redacted change: -want, +got:\n%s", diff)
	}
}

// TestComposites: a claim's resources are counted, not the claim (unless
// it is refused, replaced or fails); the text nests them under it and
// folds the resources a Required patch left out into one line.
func TestComposites(t *testing.T) {
	claim := Resource{
		Kind: "AppEnvironment", Namespace: "team", Name: "shop", Action: ActionUpdate, Reason: "Crossplane would change what it composes, as below",
		Composition: &CompositionUse{Name: "appenvironment-by-cloud", Composite: "XAppEnvironment/shop-x1y2z", Results: []RenderResult{
			{Severity: "Warning", Message: `Pipeline step "compose": not adding new composed resource "bucket-gcp" to desired state because ...`},
			{Severity: "Warning", Message: `Pipeline step "compose": not adding new composed resource "cache-gcp" to desired state because ...`},
			{Severity: "Normal", Message: `Composed resource "bucket-aws" is not yet ready`},
			{Severity: "Warning", Message: "something else"},
		}},
		Composed: []Resource{
			{Kind: "DBInstance", Namespace: "team", Name: "shop-1", Action: ActionUpdate, Reason: "in place", Changes: []Change{{Field: "dbInstanceClass", Before: "a", After: "b"}}},
			{Kind: "Bucket", Namespace: "team", Name: "shop-1", Action: ActionNoChange, Reason: "as it is"},
		},
	}
	refused := Resource{Kind: "Cache", Name: "c", Action: ActionReplace, Destructive: true, Composition: &CompositionUse{}}
	// A claim whose composition could not be read counts as itself.
	unread := Resource{Kind: "Cache", Name: "d", Action: ActionUpdate, Composition: &CompositionUse{}, Cloud: Cloud{Unavailable: "your access"}}
	r := &Report{Resources: []Resource{claim, refused, unread}}
	r.finish()
	want := Summary{Update: 2, NoChange: 1, Replace: 1, Destructive: 1, Composites: 3}
	if diff := cmp.Diff(want, r.Summary); diff != "" {
		t.Errorf("summary: -want +got:\n%s", diff)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, s := range []string{
		"~ AppEnvironment team/shop: update\n",
		"    not composed: bucket-gcp, cache-gcp (",
		"    warning: something else\n",
		"  ~ DBInstance team/shop-1: update\n      in place\n      dbInstanceClass: \"a\" -> \"b\"\n",
		"  = Bucket team/shop-1: no-change\n",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("the text lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "not yet ready") {
		t.Errorf("a Normal result is shown:\n%s", out)
	}
}
