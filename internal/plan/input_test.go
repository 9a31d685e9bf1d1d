package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	rdsv1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	storagev1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
)

func TestDecode(t *testing.T) {
	in := `apiVersion: s3.aws.appinfra.io/v1alpha1
kind: Bucket
metadata: {name: a}
---
---
apiVersion: v1
kind: List
items:
- apiVersion: rds.aws.appinfra.io/v1alpha1
  kind: DBInstance
  metadata: {name: db, namespace: team}
`
	got, err := Decode(strings.NewReader(in), "f.yaml", "default", true)
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		GVK    schema.GroupVersionKind
		Key    types.NamespacedName
		Source string
		Delete bool
	}
	var s []short
	for _, i := range got {
		s = append(s, short{i.GVK, i.Key, i.Source, i.Delete})
	}
	want := []short{
		{s3v1alpha1.BucketGroupVersionKind, types.NamespacedName{Namespace: "default", Name: "a"}, "f.yaml#1", true},
		{rdsv1alpha1.DBInstanceGroupVersionKind, types.NamespacedName{Namespace: "team", Name: "db"}, "f.yaml#2", true},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("Decode(...): -want, +got:\n%s", diff)
	}
	if _, err := Decode(strings.NewReader("kind: Bucket\n"), "bad.yaml", "default", false); err == nil {
		t.Error("Decode of an object without apiVersion and name: want an error")
	}
}

func TestNamed(t *testing.T) {
	kinds := []schema.GroupVersionKind{s3v1alpha1.BucketGroupVersionKind, storagev1alpha1.BucketGroupVersionKind, rdsv1alpha1.DBInstanceGroupVersionKind}
	got, err := Named([]string{"dbinstance/db", "Bucket.storage.gcp.appinfra.io/media"}, kinds, "ns", false)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].GVK != rdsv1alpha1.DBInstanceGroupVersionKind || got[1].GVK != storagev1alpha1.BucketGroupVersionKind || got[1].Key.Name != "media" || got[0].Key.Namespace != "ns" || got[0].Object != nil {
		t.Errorf("Named(...) = %+v", got)
	}
	for _, bad := range []string{"Bucket/x", "Claim/x", "db"} {
		if _, err := Named([]string{bad}, kinds, "ns", false); err == nil {
			t.Errorf("Named(%q): want an error (ambiguous, unknown, or not KIND/NAME)", bad)
		}
	}
}
