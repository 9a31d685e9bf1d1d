// Package secretkey reads, and generates when missing, the secret values
// managed resources keep in a Secret of their own namespace: database
// master passwords, cache auth tokens. A value's version, which status
// records, is a keyed hash of the value: a rotation is a change of the
// value, never another write to its Secret (a label, another key), and the
// version lets no one recover the value without the key, which only the
// provider holds (LoadKey).
package secretkey

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
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

// A Value and its version: a keyed hash of the value and of where it is
// kept (so that one value in two places has two versions).
type Value struct {
	Data    string
	Version string
	// resourceVersion is its Secret's, which versions were before they
	// were hashes: a resource that recorded one is not rotated for it.
	resourceVersion string
}

// Is says whether applied, a version a resource recorded, is v's: its
// hash, or the resourceVersion of its Secret recorded before versions
// were hashes.
func (v Value) Is(applied string) bool {
	return applied != "" && (applied == v.Version || applied == v.resourceVersion)
}

// versionPrefix marks a hashed version.
const versionPrefix = "hmac-sha256:"

// Version is data's version where ref keeps it: the first 128 bits of an
// HMAC-SHA256 keyed with the provider's key.
func (s Store) Version(ref Ref, data string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(ref.Namespace + "/" + ref.Name + "/" + ref.Key + "\x00" + data))
	return versionPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// A Ref names a key of a Secret.
type Ref struct {
	Namespace, Name, Key string
	// What the value is, for errors: "master password", "auth token".
	What string
	// For is the UID of the resource the value is for: a Secret Ensure
	// makes for it (not one that exists already, where it only adds the
	// key) is marked as generated for it, and DeleteGenerated removes it
	// with the resource, not keeping an old credential in the namespace
	// for ever.
	For types.UID
}

// annotationGeneratedFor marks a Secret the provider made, with the UID of
// the resource it made it for.
const annotationGeneratedFor = "appinfra.io/generated-for"

// Store reads and writes values. Kube is the manager's client, which reads
// the Secrets the provider wrote from a cache of those alone, and every
// other Secret from the API server (see secretcache). Key hashes the
// versions (LoadKey); a store without one still names versions by value,
// but anyone could compute them.
type Store struct {
	Kube client.Client
	Key  []byte
}

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
	return Value{Data: string(v), Version: s.Version(ref, string(v)), resourceVersion: sec.ResourceVersion}, nil
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
		if ref.For != "" {
			sec.Annotations = map[string]string{annotationGeneratedFor: string(ref.For)}
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
	return Value{Data: data, Version: s.Version(ref, data), resourceVersion: sec.ResourceVersion}, nil
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
		if v.Is(s) {
			return v.Data
		}
	}
	return ""
}

// DeleteGenerated deletes the Secret ref names if Ensure made it for the
// resource ref.For, and leaves any other Secret alone. Call it as the
// resource goes with its cloud resource (not when it is orphaned: the cloud
// resource still takes the credential).
func (s Store) DeleteGenerated(ctx context.Context, ref Ref) error {
	if ref.For == "" {
		return nil
	}
	sec := &corev1.Secret{}
	err := s.Kube.Get(ctx, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}, sec)
	if kerrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return errors.Wrapf(err, "cannot get %s Secret %s", ref.What, ref.Name)
	}
	if sec.Annotations[annotationGeneratedFor] != string(ref.For) {
		return nil
	}
	err = s.Kube.Delete(ctx, sec, client.Preconditions{UID: &sec.UID})
	if kerrors.IsNotFound(err) || kerrors.IsConflict(err) {
		return nil
	}
	return errors.Wrapf(err, "cannot delete the generated %s Secret %s", ref.What, ref.Name)
}

// KeySecret is the Secret, in the provider's namespace, that holds the key
// versions are hashed with: made once, kept across restarts and shared by
// the replicas, so that versions stay the same.
const KeySecret = "appinfra-credential-version-key"

// keyLength is the key's length in bytes.
const keyLength = 32

// LoadKey returns the key versions are hashed with, from KeySecret in
// namespace, making it first if there is none. read is a reader that goes
// to the API server (the manager's cache is not started yet).
func LoadKey(ctx context.Context, read client.Reader, write client.Client, namespace string) ([]byte, error) {
	name := types.NamespacedName{Namespace: namespace, Name: KeySecret}
	for range 2 {
		sec := &corev1.Secret{}
		err := read.Get(ctx, name, sec)
		if err == nil {
			if k := sec.Data["key"]; len(k) >= keyLength {
				return k, nil
			}
			return nil, errors.Errorf("Secret %s holds no key of %d bytes: delete it and the provider makes a new one (every credential is then sent again once)", name, keyLength)
		}
		if !kerrors.IsNotFound(err) {
			return nil, errors.Wrapf(err, "cannot get Secret %s", name)
		}
		key := make([]byte, keyLength)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		sec = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: KeySecret},
			Data:       map[string][]byte{"key": key},
		}
		err = write.Create(ctx, sec)
		if err == nil {
			return key, nil
		}
		if !kerrors.IsAlreadyExists(err) {
			return nil, errors.Wrapf(err, "cannot create Secret %s (the provider's namespace is --namespace)", name)
		}
		// Another replica made it first: read theirs.
	}
	return nil, errors.Errorf("cannot load Secret %s", name)
}
