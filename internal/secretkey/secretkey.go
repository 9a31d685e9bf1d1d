// Package secretkey reads, and generates when missing, the secret values
// managed resources keep in a Secret of their own namespace: database
// master passwords, cache auth tokens. A value's Secret resourceVersion
// tells a rotation without keeping anything that would let someone recover
// the value.
package secretkey

import (
	"context"
	"crypto/rand"
	"math/big"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"

	"github.com/appinfra/provider-appinfra/internal/secretcache"
)

// generatedLength is the length of a generated value: 32 letters and
// digits, about 190 bits. Letters and digits only, because the engines
// disagree on everything else: ElastiCache tokens allow only !&#$^<>- (not
// the _ of URL-safe base64), RDS refuses / @ " and space. 32 fits MySQL's
// 41-character password limit and ElastiCache's 16 to 128.
const generatedLength = 32

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// generate returns n characters drawn uniformly from alphanumeric.
func generate(n int) (string, error) {
	b := make([]byte, n)
	limit := big.NewInt(int64(len(alphanumeric)))
	for i := range b {
		k, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", err
		}
		b[i] = alphanumeric[k.Int64()]
	}
	return string(b), nil
}

// A Value and the resourceVersion of the Secret it came from.
type Value struct {
	Data    string
	Version string
}

// A Ref names a key of a Secret.
type Ref struct {
	Namespace, Name, Key string
	// What the value is, for errors: "master password", "auth token".
	What string
}

// Store reads and writes values. Kube is the manager's client, which reads
// the Secrets the provider wrote from a cache of those alone, and every
// other Secret from the API server (see secretcache).
type Store struct{ Kube client.Client }

// Read returns the value ref names, or none when its Secret or key does
// not exist yet.
func (s Store) Read(ctx context.Context, ref Ref) (Value, error) {
	sec := &corev1.Secret{}
	err := s.Kube.Get(ctx, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}, sec)
	if kerrors.IsNotFound(err) {
		return Value{}, nil
	}
	if err != nil {
		return Value{}, errors.Wrapf(err, "cannot get %s Secret %s", ref.What, ref.Name)
	}
	v, ok := sec.Data[ref.Key]
	if !ok || len(v) == 0 {
		return Value{}, nil
	}
	return Value{Data: string(v), Version: sec.ResourceVersion}, nil
}

// Ensure returns the value ref names, generating and storing one first when
// there is none: it is in its Secret before the cloud resource is created,
// so a crash between the two cannot lose it.
func (s Store) Ensure(ctx context.Context, ref Ref) (Value, error) {
	v, err := s.Read(ctx, ref)
	if err != nil || v.Data != "" {
		return v, err
	}
	data, err := generate(generatedLength)
	if err != nil {
		return Value{}, errors.Wrapf(err, "cannot generate a %s", ref.What)
	}
	sec := &corev1.Secret{}
	err = s.Kube.Get(ctx, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}, sec)
	switch {
	case kerrors.IsNotFound(err):
		sec = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name,
				Labels: map[string]string{secretcache.LabelKey: secretcache.LabelValue}},
			Data: map[string][]byte{ref.Key: []byte(data)},
		}
		err = s.Kube.Create(ctx, sec)
	case err == nil:
		if sec.Data == nil {
			sec.Data = map[string][]byte{}
		}
		sec.Data[ref.Key] = []byte(data)
		err = s.Kube.Update(ctx, sec)
	}
	if err != nil {
		return Value{}, errors.Wrapf(err, "cannot store the generated %s in Secret %s", ref.What, ref.Name)
	}
	return Value{Data: data, Version: sec.ResourceVersion}, nil
}

// AppliedVersion is the Secret version the cloud resource last received:
// the one status records, else the one annotated at creation (the runtime
// saves metadata after Create, not status).
func AppliedVersion(status string, annotations map[string]string, annotation string) string {
	if status != "" {
		return status
	}
	return annotations[annotation]
}

// IfSent is v's value when the cloud already has v (its version is one of
// sent), else "": a value just written to the Secret must not reach a
// connection Secret before the cloud is told.
func (v Value) IfSent(sent ...string) string {
	for _, s := range sent {
		if v.Version != "" && v.Version == s {
			return v.Data
		}
	}
	return ""
}
