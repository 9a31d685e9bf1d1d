package reconciler

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
)

// storedStatus answers an update as the API server does: with the object as
// sent, its resourceVersion moved on and its status replaced by the stored
// one. Like a JSON decode into the object, it writes into the conditions'
// existing backing array.
type storedStatus struct {
	client.Client
	err error
}

func (s storedStatus) Update(_ context.Context, obj client.Object, _ ...client.UpdateOption) error {
	if s.err != nil {
		return s.err
	}
	obj.SetResourceVersion("2")
	switch o := obj.(type) {
	case *v1alpha1.Bucket:
		if len(o.Status.Conditions) > 0 {
			o.Status.Conditions[0] = xpv2.Creating()
			o.Status.Conditions = o.Status.Conditions[:1]
		}
		o.Status.AtProvider = v1alpha1.BucketObservation{}
	case *corev1.Secret:
		o.Data = map[string][]byte{"stored": []byte("yes")}
	}
	return nil
}

func observedBucket() *v1alpha1.Bucket {
	b := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Name: "b", ResourceVersion: "1"}}
	b.SetConditions(xpv2.Available(), xpv2.ReconcileSuccess())
	b.Status.AtProvider.ARN = "arn:aws:s3:::b"
	return b
}

func TestKeepStatus(t *testing.T) {
	t.Run("StatusKeptAfterUpdate", func(t *testing.T) {
		// A late-initialising update: the reconcile goes on to write the
		// status it observed, not the one stored before it.
		b := observedBucket()
		want := *b.Status.DeepCopy()
		if err := (keepStatus{Client: storedStatus{}}).Update(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, b.Status); diff != "" {
			t.Errorf("status after Update: -want, +got:\n%s", diff)
		}
		if b.ResourceVersion != "2" {
			t.Errorf("resourceVersion %q: the answer's metadata must be kept, or the status write that follows conflicts", b.ResourceVersion)
		}
	})
	t.Run("FailedUpdateLeavesObject", func(t *testing.T) {
		b := observedBucket()
		want := b.DeepCopy()
		err := (keepStatus{Client: storedStatus{err: errors.New("conflict")}}).Update(context.Background(), b)
		if err == nil || err.Error() != "conflict" {
			t.Fatalf("error %v, want the client's", err)
		}
		if diff := cmp.Diff(want, b); diff != "" {
			t.Errorf("object after a failed Update: -want, +got:\n%s", diff)
		}
	})
	t.Run("ObjectWithoutStatus", func(t *testing.T) {
		// A connection Secret is written through the same client.
		s := &corev1.Secret{Data: map[string][]byte{"sent": []byte("yes")}}
		if err := (keepStatus{Client: storedStatus{}}).Update(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		if string(s.Data["stored"]) != "yes" {
			t.Errorf("Secret after Update: %v, want the answer", s.Data)
		}
	})
}
