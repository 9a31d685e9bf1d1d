package secretcache

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

func secret(name, value string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Data: map[string][]byte{"k": []byte(value)}}
}

func TestGetReadsTheCacheFirstAndTheAPIServerForTheRest(t *testing.T) {
	cached := fake.NewClientBuilder().WithObjects(secret("own", "from-cache"), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cm"}}).Build()
	live := fake.NewClientBuilder().WithObjects(secret("own", "from-api"), secret("theirs", "from-api"), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cm", Labels: map[string]string{"from": "api"}}}).Build()
	c := Client{Client: live, Cache: cached}
	for name, want := range map[string]string{"own": "from-cache", "theirs": "from-api"} {
		s := &corev1.Secret{}
		if err := c.Get(context.Background(), types.NamespacedName{Namespace: "ns", Name: name}, s); err != nil {
			t.Fatalf("Get(%s): %v", name, err)
		}
		if got := string(s.Data["k"]); got != want {
			t.Errorf("Get(%s) = %q, want %q", name, got, want)
		}
	}
	// Other kinds are the embedded client's business alone.
	cm := &corev1.ConfigMap{}
	if err := c.Get(context.Background(), types.NamespacedName{Namespace: "ns", Name: "cm"}, cm); err != nil || cm.Labels["from"] != "api" {
		t.Errorf("ConfigMap read from %v (err %v), want the API server", cm.Labels, err)
	}
	if err := c.Get(context.Background(), types.NamespacedName{Namespace: "ns", Name: "missing"}, &corev1.Secret{}); err == nil {
		t.Error("Get of a Secret that is nowhere succeeded")
	}
}

func TestCreateAndPatchLabelSecretsUpdateDoesNot(t *testing.T) {
	live := fake.NewClientBuilder().WithObjects(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "theirs", Labels: map[string]string{LabelKey: "Helm"}}}).Build()
	c := Client{Client: live, Cache: fake.NewClientBuilder().Build()}
	ctx := context.Background()

	if err := c.Create(ctx, secret("created", "v")); err != nil {
		t.Fatal(err)
	}
	patched := secret("patched", "v")
	if err := live.Create(ctx, patched); err != nil {
		t.Fatal(err)
	}
	if err := c.Patch(ctx, secret("patched", "v2"), client.Merge); err != nil {
		t.Fatal(err)
	}
	theirs := &corev1.Secret{}
	if err := live.Get(ctx, types.NamespacedName{Namespace: "ns", Name: "theirs"}, theirs); err != nil {
		t.Fatal(err)
	}
	theirs.Data = map[string][]byte{"k": []byte("generated")}
	if err := c.Update(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"created": LabelValue, "patched": LabelValue, "theirs": "Helm"} {
		s := &corev1.Secret{}
		if err := live.Get(ctx, types.NamespacedName{Namespace: "ns", Name: name}, s); err != nil {
			t.Fatal(err)
		}
		if got := s.Labels[LabelKey]; got != want {
			t.Errorf("%s: %s = %q, want %q", name, LabelKey, got, want)
		}
	}
}
