package dbinstance

import (
	"context"
	"crypto/rand"
	"encoding/base64"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"

	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
)

// generatedBytes of randomness make a generated password: 192 bits, as 32
// URL-safe base64 characters, which every engine accepts (no /, @, " or
// space) and which fit MySQL's 41-character limit.
const generatedBytes = 24

// A password and the resourceVersion of the Secret it came from. The
// version is what the status keeps: it tells a rotation without keeping
// anything that would let someone recover the password.
type password struct {
	value   string
	version string
}

// passwords reads and writes master passwords in the resource's namespace.
// kube must not cache Secrets (see internal/controller.ClientOptions).
type passwords struct{ kube client.Client }

// read returns the password the spec references, or none when its Secret
// or key does not exist yet.
func (p passwords) read(ctx context.Context, cr *v1alpha1.DBInstance) (password, error) {
	ref := cr.Spec.ForProvider.MasterPasswordSecretRef
	s := &corev1.Secret{}
	err := p.kube.Get(ctx, types.NamespacedName{Namespace: cr.GetNamespace(), Name: ref.Name}, s)
	if kerrors.IsNotFound(err) {
		return password{}, nil
	}
	if err != nil {
		return password{}, errors.Wrapf(err, "cannot get master password Secret %s", ref.Name)
	}
	v, ok := s.Data[ref.Key]
	if !ok || len(v) == 0 {
		return password{}, nil
	}
	return password{value: string(v), version: s.ResourceVersion}, nil
}

// ensure returns the referenced password, generating and storing one first
// when there is none: it is in its Secret before the instance is created.
func (p passwords) ensure(ctx context.Context, cr *v1alpha1.DBInstance) (password, error) {
	pw, err := p.read(ctx, cr)
	if err != nil || pw.value != "" {
		return pw, err
	}
	b := make([]byte, generatedBytes)
	if _, err := rand.Read(b); err != nil {
		return password{}, errors.Wrap(err, "cannot generate a master password")
	}
	value := base64.RawURLEncoding.EncodeToString(b)
	ref := cr.Spec.ForProvider.MasterPasswordSecretRef
	s := &corev1.Secret{}
	err = p.kube.Get(ctx, types.NamespacedName{Namespace: cr.GetNamespace(), Name: ref.Name}, s)
	switch {
	case kerrors.IsNotFound(err):
		s = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: cr.GetNamespace(), Name: ref.Name,
				Labels: map[string]string{"app.kubernetes.io/managed-by": "provider-appinfra"}},
			Data: map[string][]byte{ref.Key: []byte(value)},
		}
		err = p.kube.Create(ctx, s)
	case err == nil:
		if s.Data == nil {
			s.Data = map[string][]byte{}
		}
		s.Data[ref.Key] = []byte(value)
		err = p.kube.Update(ctx, s)
	}
	if err != nil {
		return password{}, errors.Wrapf(err, "cannot store the generated master password in Secret %s", ref.Name)
	}
	return password{value: value, version: s.ResourceVersion}, nil
}
