package readonly

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Kube wraps a Kubernetes client so that it reads and refuses every write
// (create, update, patch, apply, delete, and the same on subresources such
// as status), counting each refusal in g. A controller's Observe may write
// to the object it is given, in memory; through this client nothing it
// does reaches the API server.
func (g *Guard) Kube(c client.Client) client.Client { return kube{Client: c, g: g} }

type kube struct {
	client.Client
	g *Guard
}

func (k kube) refuse(verb string, obj any) error {
	if o, ok := obj.(client.Object); ok {
		return k.g.refuse(fmt.Sprintf("kubernetes %s %T %s/%s", verb, o, o.GetNamespace(), o.GetName()))
	}
	return k.g.refuse(fmt.Sprintf("kubernetes %s %T", verb, obj))
}

func (k kube) Create(_ context.Context, obj client.Object, _ ...client.CreateOption) error {
	return k.refuse("create", obj)
}

func (k kube) Update(_ context.Context, obj client.Object, _ ...client.UpdateOption) error {
	return k.refuse("update", obj)
}

func (k kube) Patch(_ context.Context, obj client.Object, _ client.Patch, _ ...client.PatchOption) error {
	return k.refuse("patch", obj)
}

func (k kube) Apply(_ context.Context, obj runtime.ApplyConfiguration, _ ...client.ApplyOption) error {
	return k.refuse("apply", obj)
}

func (k kube) Delete(_ context.Context, obj client.Object, _ ...client.DeleteOption) error {
	return k.refuse("delete", obj)
}

func (k kube) DeleteAllOf(_ context.Context, obj client.Object, _ ...client.DeleteAllOfOption) error {
	return k.refuse("delete all of", obj)
}

func (k kube) Status() client.SubResourceWriter { return k.SubResource("status") }

func (k kube) SubResource(sub string) client.SubResourceClient {
	return subResource{SubResourceClient: k.Client.SubResource(sub), k: k, sub: sub}
}

type subResource struct {
	client.SubResourceClient
	k   kube
	sub string
}

func (s subResource) Create(_ context.Context, obj client.Object, _ client.Object, _ ...client.SubResourceCreateOption) error {
	return s.k.refuse("create "+s.sub+" of", obj)
}

func (s subResource) Update(_ context.Context, obj client.Object, _ ...client.SubResourceUpdateOption) error {
	return s.k.refuse("update "+s.sub+" of", obj)
}

func (s subResource) Patch(_ context.Context, obj client.Object, _ client.Patch, _ ...client.SubResourcePatchOption) error {
	return s.k.refuse("patch "+s.sub+" of", obj)
}

func (s subResource) Apply(_ context.Context, obj runtime.ApplyConfiguration, _ ...client.SubResourceApplyOption) error {
	return s.k.refuse("apply "+s.sub+" of", obj)
}
