// Package providerconfig resolves the ProviderConfig or ClusterProviderConfig
// a managed resource references and runs the controllers that count their
// users. It is shared by every cloud's config group; only the spec differs.
package providerconfig

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/providerconfig"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
)

// The two kinds a managed resource may reference.
const (
	KindProviderConfig        = "ProviderConfig"
	KindClusterProviderConfig = "ClusterProviderConfig"
)

// Object is a ProviderConfig or ClusterProviderConfig with spec type S.
type Object[S any] interface {
	client.Object
	// ConfigSpec returns the spec: both kinds of a group share one.
	ConfigSpec() S
}

// Kinds makes empty objects of a group's two config kinds.
type Kinds[S any] struct {
	Namespaced func() Object[S]
	Cluster    func() Object[S]
}

// Ref is a resolved provider config.
type Ref[S any] struct {
	Kind string
	Name string
	Spec S

	// SecretNamespace is where Secrets the config names live: the config's
	// own namespace for a ProviderConfig, "" (the Secret reference must
	// say) for a ClusterProviderConfig.
	SecretNamespace string
}

// Get reads the config mg references: a ProviderConfig in mg's namespace or
// a ClusterProviderConfig.
func Get[S any](ctx context.Context, kube client.Client, mg resource.ModernManaged, k Kinds[S]) (Ref[S], error) {
	ref := mg.GetProviderConfigReference()
	if ref == nil || ref.Name == "" {
		return Ref[S]{}, errors.New("spec.providerConfigRef is not set")
	}
	var (
		o   Object[S]
		key = types.NamespacedName{Name: ref.Name}
		r   = Ref[S]{Kind: ref.Kind, Name: ref.Name}
	)
	switch ref.Kind {
	case KindProviderConfig:
		o, key.Namespace, r.SecretNamespace = k.Namespaced(), mg.GetNamespace(), mg.GetNamespace()
	case KindClusterProviderConfig:
		o = k.Cluster()
	default:
		return Ref[S]{}, errors.Errorf("spec.providerConfigRef.kind %q is not supported: use ProviderConfig or ClusterProviderConfig", ref.Kind)
	}
	if err := kube.Get(ctx, key, o); err != nil {
		return Ref[S]{}, errors.Wrapf(err, "cannot get %s %q", ref.Kind, ref.Name)
	}
	r.Spec = o.ConfigSpec()
	return r, nil
}

// SecretNamespace returns the namespace a config reads a Secret from, and
// refuses a ProviderConfig that names another namespace: a namespaced config
// must not read Secrets its namespace's users cannot.
func SecretNamespace(configNamespace, requested string) (string, error) {
	switch {
	case configNamespace == "" && requested == "":
		return "", errors.New("a ClusterProviderConfig must name the namespace of its credentials Secret")
	case configNamespace == "":
		return requested, nil
	case requested != "" && requested != configNamespace:
		return "", errors.Errorf("a ProviderConfig can only read Secrets in its own namespace %q, not %q", configNamespace, requested)
	default:
		return configNamespace, nil
	}
}

// Group names a config group's kinds for its usage-counting controllers.
type Group struct {
	ProviderConfig        resource.ProviderConfig
	ClusterProviderConfig resource.ProviderConfig
	Usage                 resource.TypedProviderConfigUsage
	UsageList             schema.GroupVersionKind
}

// Setup adds a controller per config kind that counts the configs' users and
// blocks deletion of one in use.
func Setup(mgr ctrl.Manager, o controller.Options, g Group) error {
	usage, err := gvk(mgr, g.Usage)
	if err != nil {
		return err
	}
	for _, pc := range []resource.ProviderConfig{g.ProviderConfig, g.ClusterProviderConfig} {
		kind, err := gvk(mgr, pc)
		if err != nil {
			return err
		}
		name := providerconfig.ControllerName(kind.GroupKind().String())
		r := providerconfig.NewReconciler(mgr,
			resource.ProviderConfigKinds{Config: kind, Usage: usage, UsageList: g.UsageList},
			providerconfig.WithLogger(o.Logger.WithValues("controller", name)),
			providerconfig.WithRecorder(event.NewAPIRecorder(mgr.GetEventRecorderFor(name))))
		if err := ctrl.NewControllerManagedBy(mgr).
			Named(name).
			WithOptions(o.ForControllerRuntime()).
			For(pc).
			Watches(g.Usage, &resource.EnqueueRequestForProviderConfig{Kind: kind.Kind}).
			Complete(r); err != nil {
			return errors.Wrapf(err, "cannot set up %s controller", kind.Kind)
		}
	}
	return nil
}

func gvk(mgr ctrl.Manager, o client.Object) (schema.GroupVersionKind, error) {
	kinds, _, err := mgr.GetScheme().ObjectKinds(o)
	if err != nil || len(kinds) == 0 {
		return schema.GroupVersionKind{}, errors.Wrapf(err, "%T is not registered in the scheme", o)
	}
	return kinds[0], nil
}
