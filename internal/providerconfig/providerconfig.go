// Package providerconfig resolves the ProviderConfig or ClusterProviderConfig
// a managed resource references and runs the controllers that count their
// users. It is shared by every cloud's config group; only the spec differs.
package providerconfig

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/providerconfig"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"

	"github.com/appinfra/provider-appinfra/apis/common"
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
	Kind      string
	Namespace string // "" for a ClusterProviderConfig
	Name      string
	Spec      S

	// UID and Generation change whenever the config is replaced or its
	// spec changes: clients built from it are cached by them.
	UID        string
	Generation int64

	// SecretNamespace is where Secrets the config names live: the config's
	// own namespace for a ProviderConfig, "" (the Secret reference must
	// say) for a ClusterProviderConfig.
	SecretNamespace string
}

// Get reads the config mg references: a ProviderConfig in mg's namespace or
// a ClusterProviderConfig.
func Get[S any](ctx context.Context, kube client.Reader, mg resource.ModernManaged, k Kinds[S]) (Ref[S], error) {
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
		o, key.Namespace, r.Namespace, r.SecretNamespace = k.Namespaced(), mg.GetNamespace(), mg.GetNamespace(), mg.GetNamespace()
	case KindClusterProviderConfig:
		o = k.Cluster()
	default:
		return Ref[S]{}, errors.Errorf("spec.providerConfigRef.kind %q is not supported: use ProviderConfig or ClusterProviderConfig", ref.Kind)
	}
	if err := kube.Get(ctx, key, o); err != nil {
		return Ref[S]{}, errors.Wrapf(err, "cannot get %s %q", ref.Kind, ref.Name)
	}
	r.Spec, r.UID, r.Generation = o.ConfigSpec(), string(o.GetUID()), o.GetGeneration()
	if t, ok := any(r.Spec).(tenanted); ok && ref.Kind == KindClusterProviderConfig {
		if err := serves(ctx, kube, t.TenancySpec().NamespaceSelector, mg.GetNamespace()); err != nil {
			return Ref[S]{}, errors.Wrapf(err, "%s %q", ref.Kind, ref.Name)
		}
	}
	return r, nil
}

// tenanted is a config spec that embeds common.Tenancy.
type tenanted interface{ TenancySpec() common.Tenancy }

// AdoptionOf is the adoption policy of a config spec: Refuse unless the
// spec says otherwise.
func AdoptionOf(spec any) common.Adoption {
	if t, ok := spec.(tenanted); ok && t.TenancySpec().Adoption != "" {
		return t.TenancySpec().Adoption
	}
	return common.AdoptionRefuse
}

// serves checks that a ClusterProviderConfig's namespaceSelector selects
// namespace; a nil selector selects every namespace. The namespace is read
// through kube (the manager's cache: an informer on namespaces starts at
// the first config that has a selector).
func serves(ctx context.Context, kube client.Reader, selector *metav1.LabelSelector, namespace string) error {
	if selector == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return errors.Wrap(err, "spec.namespaceSelector is not a valid label selector")
	}
	ns := &corev1.Namespace{}
	if err := kube.Get(ctx, types.NamespacedName{Name: namespace}, ns); err != nil {
		return errors.Wrapf(err, "cannot read namespace %q to check spec.namespaceSelector", namespace)
	}
	if !sel.Matches(labels.Set(ns.GetLabels())) {
		return errors.Errorf("does not serve namespace %q: its spec.namespaceSelector (%s) does not select it; use a config that serves this namespace, or ask the platform team to label it", namespace, sel)
	}
	return nil
}

// Identity names the config a resource references without reading it:
// kind/namespace/name. A resource being deleted finds its cached client by
// it when the config itself is already gone.
func Identity(mg resource.ModernManaged) string {
	ref := mg.GetProviderConfigReference()
	if ref == nil {
		return ""
	}
	ns := ""
	if ref.Kind == KindProviderConfig {
		ns = mg.GetNamespace()
	}
	return ref.Kind + "/" + ns + "/" + ref.Name
}

// Identity is the config's kind/namespace/name, as the package function
// of that name gives it for a resource referencing the config.
func (r Ref[S]) Identity() string { return r.Kind + "/" + r.Namespace + "/" + r.Name }

// Version is what a client built from the config depends on in the config
// itself; callers add what else it depends on (a Secret's resourceVersion).
func (r Ref[S]) Version() string { return fmt.Sprintf("%s/%d", r.UID, r.Generation) }

// A SecretKey is the content of one key of a credentials Secret.
type SecretKey struct {
	Data []byte
	// ResourceVersion of the Secret, part of a cached client's version.
	ResourceVersion string
	// Where is namespace/name, for errors; never the content.
	Where string
}

// ReadSecretKey reads a key of the Secret a config names, from the
// namespace SecretNamespace allows. kube should not cache Secrets: see
// docs/operations.md, "Secrets the provider reads and writes".
func ReadSecretKey(ctx context.Context, kube client.Reader, secretNamespace string, ref *common.SecretKeySelector) (SecretKey, error) {
	if ref == nil {
		return SecretKey{}, errors.New("credentials.secretRef is required when source is Secret")
	}
	ns, err := SecretNamespace(secretNamespace, ref.Namespace)
	if err != nil {
		return SecretKey{}, err
	}
	where := ns + "/" + ref.Name
	s := &corev1.Secret{}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, s); err != nil {
		return SecretKey{}, errors.Wrapf(err, "cannot get credentials Secret %s", where)
	}
	data, ok := s.Data[ref.Key]
	if !ok {
		return SecretKey{}, errors.Errorf("credentials Secret %s has no key %q", where, ref.Key)
	}
	return SecretKey{Data: data, ResourceVersion: s.ResourceVersion, Where: where}, nil
}

// EndpointPolicy says which endpoint URLs a namespaced ProviderConfig may
// set. An endpoint override makes the provider call a URL of the config
// author's choosing, from the provider's own network position and with the
// answer shown back in conditions; a ClusterProviderConfig is written by
// the platform team, a ProviderConfig by a namespace's users.
type EndpointPolicy struct {
	// NamespacedPrefixes are the URL prefixes a ProviderConfig may use.
	// Empty (the default) refuses every override in a ProviderConfig.
	NamespacedPrefixes []string
}

// Check refuses the URLs a config may not use. Empty URLs are the cloud's
// own endpoints and always allowed.
func (p EndpointPolicy) Check(namespaced bool, field string, urls ...string) error {
	if !namespaced {
		return nil
	}
	for _, u := range urls {
		if u == "" || p.allowed(u) {
			continue
		}
		return errors.Errorf("%s %q is not allowed in a namespaced ProviderConfig: the provider would call it from its own network position; ask the platform team to use a ClusterProviderConfig, or to start the provider with --namespaced-endpoint-prefixes covering it", field, u)
	}
	return nil
}

func (p EndpointPolicy) allowed(u string) bool {
	for _, prefix := range p.NamespacedPrefixes {
		if prefix != "" && strings.HasPrefix(u, prefix) {
			return true
		}
	}
	return false
}

// Resolve gets the config mg references and makes its client with client.
// A resource being deleted whose config or Secret is already gone (its
// namespace is being deleted) gets last(Identity(mg)+suffix) instead, the
// client last made for that config, so that it can still delete what it
// manages. suffix names what else the client is bound to, such as a region.
func Resolve[S, C any](ctx context.Context, kube client.Reader, mg resource.ModernManaged, k Kinds[S], suffix string, client func(Ref[S]) (C, error), last func(string) (C, bool)) (C, error) {
	ref, err := Get(ctx, kube, mg, k)
	if err == nil {
		var c C
		if c, err = client(ref); err == nil {
			return c, nil
		}
	}
	if meta.WasDeleted(mg) {
		if c, ok := last(Identity(mg) + suffix); ok {
			return c, nil
		}
	}
	var zero C
	return zero, err
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
		// One worker: a config's reconcile counts its users, and every
		// event for a config queues under its one name, so more workers
		// would only be idle goroutines.
		opts := o.ForControllerRuntime()
		opts.MaxConcurrentReconciles = 1
		if err := ctrl.NewControllerManagedBy(mgr).
			Named(name).
			WithOptions(opts).
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
