// Package ownership marks an external resource with the managed resource
// that manages it, in the tags or labels the cloud keeps, and decides
// whether another managed resource may take it over.
package ownership

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/appinfra/provider-appinfra/apis/common"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// KeyUID is the tag holding the managing resource's UID: the one exact
// identity, whatever a cloud's tag or label rules do to names.
const KeyUID = "crossplane-uid"

// Tags are the provider's own tags for an external resource mg manages:
// crossplane-runtime's (kind, name, namespace, provider config and its
// kind) and mg's UID. gk is mg's kind: an object's TypeMeta may be empty
// once decoded.
func Tags(mg resource.Managed, gk schema.GroupKind) map[string]string {
	tags := resource.GetExternalTags(mg)
	tags[resource.ExternalResourceTagKeyKind] = strings.ToLower(gk.String())
	tags[KeyUID] = string(mg.GetUID())
	return tags
}

// Count is how many tags Tags adds, for the cap on users' own tags.
const Count = 6

// An Encoding says how a cloud stores tag values. S3 keeps them as they
// are; GCS labels fold them to its character set.
type Encoding struct {
	// Fold maps a value the way the cloud stores it.
	Fold func(string) string
	// Unfold maps a stored name back, exactly for names that were not cut.
	Unfold func(string) string
}

// Exact is the encoding of a cloud that keeps tag values as they are.
var Exact = Encoding{Fold: identity, Unfold: identity}

func identity(s string) string { return s }

// A Checker decides whether a managed resource may manage an external
// resource, from the tags the external resource carries.
type Checker struct {
	// Kube reads managed resources, ideally from the manager's cache.
	Kube client.Reader
	// Kind is the managed resource kind checked.
	Kind schema.GroupKind
	// NewList makes an empty list of that kind.
	NewList func() client.ObjectList
	// Encoding of the cloud's tags.
	Encoding Encoding
	// AllowUntagged lets a resource that may write take over an external
	// resource carrying none of the provider's tags: the adoption policy
	// of the resource's config (see ForAdoption).
	AllowUntagged bool
	// Key is the provider's own key, which marks a resource's intent to
	// create its external resource (see Intent).
	Key []byte
}

// ForAdoption is c for resources of a config with the adoption policy a.
func (c Checker) ForAdoption(a common.Adoption) Checker {
	c.AllowUntagged = a == common.AdoptionAllowUntagged
	return c
}

// Owned says whether mg may manage an external resource carrying tags. It
// refuses one whose tags name another managed resource that still exists:
// two resources with the same external name would otherwise take turns
// rewriting it, and one could delete it under the other. A resource whose
// named manager is gone (it was orphaned) may be adopted. One without any
// of the provider's tags (made outside Crossplane) is taken only by a
// resource that observes only, by one that made it (it carries the mark
// of its intent to, see Intent), or where the config allows untagged
// adoption: a tenant must not take over, reset and delete what is not
// theirs by naming it.
// Resources that may only observe are never refused: reading is harmless.
//
// Not owned with a nil error means mg is being deleted: it may go, leaving
// the external resource to its manager. Not owned with an error is a
// refusal to report.
func (c Checker) Owned(ctx context.Context, mg resource.Managed, tags map[string]string) (bool, error) {
	fold := c.Encoding.Fold
	uid, kind := tags[KeyUID], tags[resource.ExternalResourceTagKeyKind]
	name, ns := tags[resource.ExternalResourceTagKeyName], tags[resource.ExternalResourceTagKeyNamespace]
	untagged := uid == "" && name == ""
	switch {
	case untagged && (OnlyObserves(mg) || c.AllowUntagged || c.intended(mg)), !untagged && !MayWrite(mg):
		return true, nil
	case untagged && meta.WasDeleted(mg):
		return false, nil
	case untagged:
		return false, errors.New("the external resource exists and carries none of the provider's crossplane- tags (it was made outside Crossplane): a resource that may change or delete it cannot take it over through this config; import it with managementPolicies [\"Observe\"], or use a config whose spec.adoption is AllowUntagged (the platform team's)")
	case uid != "" && uid == fold(string(mg.GetUID())):
		return true, nil
	}
	var other string
	if kind != "" && kind != fold(strings.ToLower(c.Kind.String())) {
		// Another kind's resource: it cannot be looked up, so it is taken
		// to exist. Removing the tags lets a resource adopt it.
		other = describe(mg, kind, ns, c.Encoding.Unfold(name))
	} else {
		var err error
		if other, err = c.find(ctx, mg, uid, ns, name); err != nil || other == "" {
			return err == nil, err
		}
	}
	if meta.WasDeleted(mg) {
		return false, nil
	}
	return false, errors.Errorf("the external resource is managed by %s (its crossplane- tags say so, and that resource exists); choose another name with the crossplane.io/external-name annotation, or use managementPolicies [\"Observe\"] to only read it", other)
}

// find describes the live resource of c.Kind the tags name, or returns "".
// By UID when the tags carry one: among the resources of that namespace,
// since names may have been folded or cut. By name otherwise, as tags
// written before UIDs were recorded.
func (c Checker) find(ctx context.Context, mg resource.Managed, uid, ns, name string) (string, error) {
	l := c.NewList()
	if err := c.Kube.List(ctx, l, client.InNamespace(ns)); err != nil {
		return "", errors.Wrap(err, "cannot check which resource manages the external resource")
	}
	found := ""
	err := apimeta.EachListItem(l, func(o runtime.Object) error {
		obj, ok := o.(client.Object)
		if !ok || obj.GetUID() == mg.GetUID() {
			return nil
		}
		if (uid != "" && c.Encoding.Fold(string(obj.GetUID())) == uid) || (uid == "" && obj.GetName() == c.Encoding.Unfold(name)) {
			found = describe(mg, strings.ToLower(c.Kind.String()), obj.GetNamespace(), obj.GetName())
		}
		return nil
	})
	return found, err
}

// describe names the managing resource for mg's refusal: by kind,
// namespace and name in mg's own namespace, and only as "a resource in
// another namespace" elsewhere: a tenant must not learn what other
// namespaces hold.
func describe(mg resource.Managed, kind, namespace, name string) string {
	if namespace != mg.GetNamespace() {
		return "a resource in another namespace"
	}
	return kind + " " + namespace + "/" + name
}

// AnnotationIntent marks a managed resource whose external resource the
// provider is about to create (see MarkIntent), for kinds whose cloud
// makes a resource and tags it in two calls (S3) or may keep no labels at
// all (stores that serve Cloud Storage's API, such as fake-gcs-server,
// drop them); every other kind here is tagged by the call that creates
// it, and needs no mark. The managed reconciler saves it with its
// create-pending annotation before it calls Create, so it outlives a
// provider that dies between making the resource and tagging it.
const AnnotationIntent = "appinfra.io/creation-intent"

// Intent is the mark of mg's intent to create its external resource: a
// keyed hash (HMAC-SHA256 with the provider's own key, which no tenant
// holds) of its UID, external name and provider config. Unlike
// create-pending, which any writer of the resource can set, it cannot be
// written for another resource, another name, or a config (an account)
// other than the one the create was meant for.
func Intent(key []byte, mg resource.Managed) string {
	pc := ""
	if m, ok := mg.(resource.ModernManaged); ok && m.GetProviderConfigReference() != nil {
		pc = m.GetProviderConfigReference().Kind + "/" + m.GetProviderConfigReference().Name
	}
	h := hmac.New(sha256.New, key)
	h.Write([]byte("creation-intent\x00" + string(mg.GetUID()) + "\x00" + meta.GetExternalName(mg) + "\x00" + pc))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// MarkIntent records on mg that the provider is about to create its
// external resource, when it has a key.
func MarkIntent(key []byte, mg resource.Managed) {
	if len(key) > 0 {
		meta.AddAnnotations(mg, map[string]string{AnnotationIntent: Intent(key, mg)})
	}
}

// intended says whether mg carries the mark of its intent to create the
// external resource it has now: the external resource exists, without
// the provider's tags, because mg's Create made it and did not get as far
// as tagging it.
func (c Checker) intended(mg resource.Managed) bool {
	got := mg.GetAnnotations()[AnnotationIntent]
	return len(c.Key) > 0 && got != "" && hmac.Equal([]byte(got), []byte(Intent(c.Key, mg)))
}

// OwnedAfterConflict is Owned for an external resource a Create found
// already there: mg did not make it, whatever its intent says, so the
// mark is dropped (the managed reconciler saves the resource's
// annotations after Create) and an untagged resource is adopted only as
// Observe would.
func (c Checker) OwnedAfterConflict(ctx context.Context, mg resource.Managed, tags map[string]string) (bool, error) {
	meta.RemoveAnnotations(mg, AnnotationIntent)
	return c.Owned(ctx, mg, tags)
}

// MayCreate says whether mg's management policies let it create its
// external resource.
func MayCreate(mg resource.Managed) bool {
	policies := mg.GetManagementPolicies()
	if len(policies) == 0 {
		return true // The API defaults to ["*"].
	}
	for _, p := range policies {
		if p == xpv2.ManagementActionAll || p == xpv2.ManagementActionCreate {
			return true
		}
	}
	return false
}

// OnlyObserves says whether mg's management policies let it only read:
// Observe alone.
func OnlyObserves(mg resource.Managed) bool {
	policies := mg.GetManagementPolicies()
	if len(policies) == 0 {
		return false // The API defaults to ["*"].
	}
	for _, p := range policies {
		if p != xpv2.ManagementActionObserve {
			return false
		}
	}
	return true
}

// MayWrite says whether mg's management policies let it change or delete
// the external resource.
func MayWrite(mg resource.Managed) bool {
	policies := mg.GetManagementPolicies()
	if len(policies) == 0 {
		return true // The API defaults to ["*"].
	}
	for _, p := range policies {
		switch p {
		case xpv2.ManagementActionAll, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete:
			return true
		}
	}
	return false
}
