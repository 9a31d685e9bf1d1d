package reconciler

import (
	"context"
	"reflect"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// keepStatus is a client whose Update leaves the object's status as it was
// in memory, where the plain client replaces it with the API server's
// answer. An update of the spec or metadata never changes the stored status,
// so the answer carries the status as it was before this reconcile, and the
// managed reconciler goes on to write that stale status back. When Observe
// late-initialises the spec, that loses what it observed (Available,
// atProvider) until the next reconcile: every new resource took a third
// reconcile to become Ready, and a burst of them a third longer. With the
// status kept, the reconcile that late-initialises writes what it saw.
type keepStatus struct {
	client.Client
}

func (c keepStatus) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	status, ok := statusOf(obj)
	if !ok {
		return c.Client.Update(ctx, obj, opts...)
	}
	// Decoding the answer may write into the status' slices and maps, so
	// what is put back is a deep copy taken before.
	kept := reflect.ValueOf(obj.DeepCopyObject()).Elem().FieldByName("Status")
	err := c.Client.Update(ctx, obj, opts...)
	if err == nil {
		status.Set(kept)
	}
	return err
}

// statusOf is the settable Status field of obj, a pointer to a struct, as
// every managed resource kind is.
func statusOf(obj client.Object) (reflect.Value, bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	s := v.Elem().FieldByName("Status")
	return s, s.IsValid() && s.CanSet()
}

// withClient is a manager whose client is c: crossplane-runtime's managed
// reconciler takes its client, and its finalizer's, from the manager.
type withClient struct {
	ctrl.Manager
	c client.Client
}

func (m withClient) GetClient() client.Client { return m.c }
