//go:build integration

package integration

import (
	"context"
	"fmt"
	"github.com/appinfra/provider-appinfra/internal/secretkey"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// eventually polls f until it returns nil, failing the test with f's last
// error once timeout has passed.
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after %s: %v", what, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// conditioned is a managed resource's status conditions.
type conditioned interface {
	client.Object
	GetCondition(xpv2.ConditionType) xpv2.Condition
}

// hasCondition reads o and checks one of its conditions.
func hasCondition(o conditioned, ct xpv2.ConditionType, status corev1.ConditionStatus, msgPart string) error {
	if err := kube.Get(context.Background(), client.ObjectKeyFromObject(o), o); err != nil {
		return err
	}
	c := o.GetCondition(ct)
	if c.Status != status || !strings.Contains(c.Message, msgPart) {
		return fmt.Errorf("condition %s is %s (%s: %q), want %s containing %q", ct, c.Status, c.Reason, c.Message, status, msgPart)
	}
	return nil
}

func ready(o conditioned) error {
	if err := hasCondition(o, xpv2.TypeReady, corev1.ConditionTrue, ""); err != nil {
		return err
	}
	return hasCondition(o, xpv2.TypeSynced, corev1.ConditionTrue, "")
}

// gone is nil once o no longer exists in the API server.
func gone(o conditioned) error {
	err := kube.Get(context.Background(), client.ObjectKeyFromObject(o), o)
	if kerrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	c := o.GetCondition(xpv2.TypeSynced)
	return fmt.Errorf("%s still exists (finalizers %v, Synced %s: %s)", o.GetName(), o.GetFinalizers(), c.Status, c.Message)
}

// eventsOf lists the events recorded for o.
func eventsOf(t *testing.T, o client.Object) []corev1.Event {
	t.Helper()
	l := &corev1.EventList{}
	if err := kube.List(context.Background(), l, client.InNamespace(o.GetNamespace())); err != nil {
		t.Fatal(err)
	}
	var out []corev1.Event
	for _, e := range l.Items {
		if e.InvolvedObject.UID == o.GetUID() || (e.InvolvedObject.Name == o.GetName() && e.InvolvedObject.Kind == o.GetObjectKind().GroupVersionKind().Kind) {
			out = append(out, e)
		}
	}
	return out
}

// create creates o and deletes it (if still there) when the test ends.
func create(t *testing.T, o client.Object) {
	t.Helper()
	if err := kube.Create(context.Background(), o); err != nil {
		t.Fatalf("cannot create %s: %v", o.GetName(), err)
	}
	t.Cleanup(func() {
		_ = kube.Delete(context.Background(), o)
	})
}

func key(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}

// A refusal is an object admission must refuse, and why.
type refusal struct {
	reason string
	obj    client.Object
	want   string // part of the error message
}

// expectRefused creates each object and checks that admission refuses it
// as invalid with the expected message.
func expectRefused(t *testing.T, cases map[string]refusal) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := kube.Create(context.Background(), tc.obj)
			if err == nil {
				_ = kube.Delete(context.Background(), tc.obj)
				t.Fatalf("%s: created, want refused", tc.reason)
			}
			if !kerrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: got %v, want Invalid containing %q", tc.reason, err, tc.want)
			}
		})
	}
}

// expectImmutable creates o, then checks that an update by change is
// refused as invalid with the expected message.
func expectImmutable(t *testing.T, o client.Object, change func(), want string) {
	t.Helper()
	create(t, o)
	eventually(t, 30*time.Second, "change refused", func() error {
		if err := kube.Get(context.Background(), client.ObjectKeyFromObject(o), o); err != nil {
			return err
		}
		change()
		err := kube.Update(context.Background(), o)
		if kerrors.IsConflict(err) {
			return err // the provider wrote status meanwhile; retry
		}
		if !kerrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
			t.Fatalf("got %v, want Invalid containing %q", err, want)
		}
		return nil
	})
}

// credentialVersion is the version status records of value in Secret
// namespace/name's key: its keyed hash, with the key the provider keeps in
// crossplane-system.
func credentialVersion(t *testing.T, namespace, name, key, value string) string {
	t.Helper()
	s := &corev1.Secret{}
	if err := kube.Get(context.Background(), client.ObjectKey{Namespace: "crossplane-system", Name: secretkey.KeySecret}, s); err != nil {
		t.Fatalf("the provider's key Secret: %v", err)
	}
	return secretkey.Store{Key: s.Data["key"]}.Version(secretkey.Ref{Namespace: namespace, Name: name, Key: key}, value)
}

// edit reads o, changes it with f and writes it, again on a conflict,
// until it is written.
func edit[T client.Object](t *testing.T, o T, what string, f func(T)) {
	t.Helper()
	eventually(t, 30*time.Second, what, func() error {
		if err := kube.Get(context.Background(), client.ObjectKeyFromObject(o), o); err != nil {
			return err
		}
		f(o)
		return kube.Update(context.Background(), o)
	})
}
