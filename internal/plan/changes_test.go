package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	rdsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
)

func TestFieldChanges(t *testing.T) {
	got := rdsv1alpha1.DBInstanceParameters{
		DBInstanceClass: "db.t4g.micro", EngineVersion: ptr.To("16.4"), AllocatedStorage: 30,
		Tags: map[string]string{"team": "a", "gone": "x", "crossplane-name": "db"},
	}
	want := rdsv1alpha1.DBInstanceParameters{
		DBInstanceClass: "db.t4g.small", EngineVersion: ptr.To("16"), AllocatedStorage: 20,
		Tags:                    map[string]string{"team": "b", "new": "y", "crossplane-name": "db"},
		MasterPasswordSecretRef: rdsv1alpha1.LocalSecretKeySelector{Name: "db-master", Key: "password"},
	}
	cases := map[string]struct {
		reason string
		fields []string
		want   []Change
	}{
		"Scalar": {
			reason: "A field's value before and after.",
			fields: []string{"dbInstanceClass"},
			want:   []Change{{Field: "dbInstanceClass", Before: "db.t4g.micro", After: "db.t4g.small"}},
		},
		"MapByKey": {
			reason: "A map field by the keys that differ: changed, added, removed; equal keys left out.",
			fields: []string{"tags"},
			want: []Change{
				{Field: "tags.gone", Before: "x"},
				{Field: "tags.new", After: "y"},
				{Field: "tags.team", Before: "a", After: "b"},
			},
		},
		"Password": {
			reason: "A credential field is named, never valued.",
			fields: []string{"masterPassword"},
			want:   []Change{{Field: "masterPassword", Redacted: true}},
		},
		"UnderASecretField": {
			reason: "Anything under a field whose name is a secret's is redacted too.",
			fields: []string{"masterPasswordSecretRef"},
			want:   []Change{{Field: "masterPasswordSecretRef", Redacted: true}},
		},
		"Several": {
			reason: "Fields in the order the controller listed them.",
			fields: []string{"engineVersion", "dbInstanceClass"},
			want: []Change{
				{Field: "engineVersion", Before: "16.4", After: "16"},
				{Field: "dbInstanceClass", Before: "db.t4g.micro", After: "db.t4g.small"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, fieldChanges(tc.fields, want, got)); diff != "" {
				t.Errorf("%s: fieldChanges(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestSecretInAList: a list is a leaf; one whose items hold a secret's
// field is redacted whole.
func TestSecretInAList(t *testing.T) {
	want := map[string]any{"users": []any{map[string]any{"name": "app", "password": "hunter2-but-longer"}}, "flags": []any{map[string]any{"name": "a", "value": "1"}}}
	got := map[string]any{"users": []any{}, "flags": []any{}}
	if diff := cmp.Diff([]Change{
		{Field: "users", Redacted: true},
		{Field: "flags", Before: []any{}, After: []any{map[string]any{"name": "a", "value": "1"}}},
	}, fieldChanges([]string{"users", "flags"}, want, got)); diff != "" {
		t.Errorf("fieldChanges(...): -want, +got:\n%s", diff)
	}
}

func TestSpecChanges(t *testing.T) {
	before := map[string]any{"spec": map[string]any{"forProvider": map[string]any{"region": "us-east-1", "versioning": "Enabled", "tags": map[string]any{"a": "1"}}}}
	after := map[string]any{"spec": map[string]any{"forProvider": map[string]any{"region": "us-east-1", "versioning": "Suspended", "tags": map[string]any{"a": "2"}}, "managementPolicies": []any{"Observe"}}}
	want := []Change{
		{Field: "forProvider.tags.a", Before: "1", After: "2"},
		{Field: "forProvider.versioning", Before: "Enabled", After: "Suspended"},
		{Field: "managementPolicies", After: []any{"Observe"}},
	}
	if diff := cmp.Diff(want, specChanges(before, after)); diff != "" {
		t.Errorf("specChanges(...): -want, +got:\n%s", diff)
	}
}
