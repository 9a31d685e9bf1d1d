package secretkey

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// TestGenerate: generated values are accepted by every engine the provider
// keeps one for (ElastiCache refused the _ of URL-safe base64 in the local
// cloud, as AWS does), and do not repeat.
func TestGenerate(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	seen := map[string]bool{}
	for range 1000 {
		v, err := generate(generatedLength)
		if err != nil {
			t.Fatal(err)
		}
		if !valid.MatchString(v) {
			t.Fatalf("generated value of %d characters has a character outside [A-Za-z0-9]", len(v))
		}
		if seen[v] {
			t.Fatal("a generated value repeated")
		}
		seen[v] = true
	}
}

func TestAppliedVersion(t *testing.T) {
	ann := map[string]string{"v": "7"}
	if got := AppliedVersion("9", ann, "v"); got != "9" {
		t.Errorf("status says 9, annotation 7: got %q, want the status's", got)
	}
	if got := AppliedVersion("", ann, "v"); got != "7" {
		t.Errorf("no status yet: got %q, want the annotation's 7", got)
	}
}

func TestIfSent(t *testing.T) {
	v := Value{Data: "secret", Version: "5"}
	if got := v.IfSent("4", "5"); got != "secret" {
		t.Errorf("version 5 was sent: got %q", got)
	}
	if got := v.IfSent("4", ""); got != "" {
		t.Error("version 5 was not sent, yet its value is returned")
	}
	if got := (Value{Data: "x"}).IfSent(""); got != "" {
		t.Error("a value without a version matched an empty sent version")
	}
}

// TestVersion: a version names a value where it is kept, by a keyed hash:
// another value or place or key gives another version, and the version
// shows nothing of the value.
func TestVersion(t *testing.T) {
	ref := Ref{Namespace: "team-a", Name: "db-master", Key: "password"}
	s := Store{Key: []byte("0123456789abcdef0123456789abcdef")}
	v := s.Version(ref, "hunter2")
	if v != s.Version(ref, "hunter2") {
		t.Error("the same value, place and key gave two versions")
	}
	other := ref
	other.Name = "other-master"
	for what, w := range map[string]string{
		"another value": s.Version(ref, "hunter3"),
		"another place": s.Version(other, "hunter2"),
		"another key":   Store{Key: []byte("another key of thirty-two bytes!")}.Version(ref, "hunter2"),
	} {
		if w == v {
			t.Errorf("%s gave the same version", what)
		}
	}
	if !strings.HasPrefix(v, versionPrefix) || strings.Contains(v, "hunter2") {
		t.Errorf("version %q", v)
	}
}

// TestIs: a recorded version is a value's when it is its hash, or its
// Secret's resourceVersion as recorded before versions were hashes.
func TestIs(t *testing.T) {
	v := Value{Data: "x", Version: "hmac-sha256:abc", resourceVersion: "42"}
	for applied, want := range map[string]bool{"hmac-sha256:abc": true, "42": true, "43": false, "": false, "hmac-sha256:abd": false} {
		if got := v.Is(applied); got != want {
			t.Errorf("Is(%q) = %t, want %t", applied, got, want)
		}
	}
}

// TestLoadKey: the key is made once and read back after that, by every
// replica, whoever makes it first.
func TestLoadKey(t *testing.T) {
	ctx := context.Background()
	kube := fake.NewClientBuilder().Build()
	first, err := LoadKey(ctx, kube, kube, "crossplane-system")
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != keyLength {
		t.Fatalf("key of %d bytes, want %d", len(first), keyLength)
	}
	again, err := LoadKey(ctx, kube, kube, "crossplane-system")
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("a second load gave another key (%v)", err)
	}
	// A replica that found no Secret, then lost the race to create it,
	// reads the winner's.
	raced := fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			winner := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "crossplane-system", Name: KeySecret}, Data: map[string][]byte{"key": first}}
			if err := c.Create(ctx, winner); err != nil {
				return err
			}
			return kerrors.NewAlreadyExists(schema.GroupResource{Resource: "secrets"}, KeySecret)
		},
	}).Build()
	got, err := LoadKey(ctx, raced, raced, "crossplane-system")
	if err != nil || !bytes.Equal(got, first) {
		t.Errorf("after losing the race: key %x, %v; want the winner's", got, err)
	}
	short := fake.NewClientBuilder().WithObjects(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "crossplane-system", Name: KeySecret}, Data: map[string][]byte{"key": []byte("short")}}).Build()
	if _, err := LoadKey(ctx, short, short, "crossplane-system"); err == nil || !strings.Contains(err.Error(), "holds no key") {
		t.Errorf("a Secret without a whole key: %v, want an error saying so", err)
	}
}

// TestGeneratedSecretDeleted: a Secret Ensure makes for a resource is
// marked as generated for it and DeleteGenerated removes it; a Secret that
// existed, or was made for another resource, is left alone.
func TestGeneratedSecretDeleted(t *testing.T) {
	ctx := context.Background()
	kube := fake.NewClientBuilder().WithObjects(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "theirs"}, Data: map[string][]byte{"other": []byte("x")}}).Build()
	s := Store{Kube: kube}
	made := Ref{Namespace: "team-a", Name: "made", Key: "password", What: "master password", For: "uid-1"}
	theirs := made
	theirs.Name = "theirs"
	for _, ref := range []Ref{made, theirs} {
		if _, err := s.Ensure(ctx, ref); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(name string) bool {
		err := kube.Get(ctx, client.ObjectKey{Namespace: "team-a", Name: name}, &corev1.Secret{})
		if err != nil && !kerrors.IsNotFound(err) {
			t.Fatal(err)
		}
		return err == nil
	}
	other := made
	other.For = "uid-2"
	if err := s.DeleteGenerated(ctx, other); err != nil || !exists("made") {
		t.Errorf("a Secret generated for another resource was deleted (%v)", err)
	}
	for _, ref := range []Ref{made, theirs} {
		if err := s.DeleteGenerated(ctx, ref); err != nil {
			t.Fatal(err)
		}
	}
	if exists("made") {
		t.Error("the Secret generated for the resource is still there")
	}
	if !exists("theirs") {
		t.Error("a Secret that existed before was deleted: it was not the provider's")
	}
	if err := s.DeleteGenerated(ctx, made); err != nil {
		t.Errorf("DeleteGenerated of a Secret that is gone: %v", err)
	}
}
