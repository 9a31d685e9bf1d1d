// The tests are an external package because they use awsclient.Kinds, and
// the AWS client imports this package.
package providerconfig_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/common"
	awsclient "github.com/appinfra/provider-appinfra/internal/clients/aws"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
)

func TestSecretNamespace(t *testing.T) {
	type want struct {
		namespace string
		err       error
		msg       string
	}
	cases := map[string]struct {
		reason          string
		configNamespace string
		requested       string
		want            want
	}{
		"ClusterProviderConfigWithoutNamespace": {
			reason: "A ClusterProviderConfig has no namespace of its own, so it must name one.",
			want:   want{err: cmpopts.AnyError, msg: "a ClusterProviderConfig must name the namespace of its credentials Secret"},
		},
		"ClusterProviderConfigWithNamespace": {
			reason:    "A ClusterProviderConfig reads the namespace it names.",
			requested: "crossplane-system",
			want:      want{namespace: "crossplane-system"},
		},
		"ProviderConfigWithoutNamespace": {
			reason:          "A ProviderConfig that names no namespace reads its own.",
			configNamespace: "team-a",
			want:            want{namespace: "team-a"},
		},
		"ProviderConfigOwnNamespace": {
			reason:          "A ProviderConfig may name its own namespace.",
			configNamespace: "team-a",
			requested:       "team-a",
			want:            want{namespace: "team-a"},
		},
		"ProviderConfigOtherNamespace": {
			reason:          "A ProviderConfig must not read another namespace's Secrets.",
			configNamespace: "team-a",
			requested:       "crossplane-system",
			want:            want{err: cmpopts.AnyError, msg: `a ProviderConfig can only read Secrets in its own namespace "team-a", not "crossplane-system"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := providerconfig.SecretNamespace(tc.configNamespace, tc.requested)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nSecretNamespace(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.want.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.want.msg)) {
				t.Errorf("\n%s\nSecretNamespace(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.namespace, got); diff != "" {
				t.Errorf("\n%s\nSecretNamespace(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestGet(t *testing.T) {
	spec := func(region string) v1alpha1.ProviderConfigSpec {
		return v1alpha1.ProviderConfigSpec{Region: region, Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceEnvironment}}
	}
	s := runtime.NewScheme()
	if err := v1alpha1.SchemeBuilder.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	selective := spec("ap-south-1")
	selective.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"platform.example.com/tier": "trusted"}}
	// Each config has its own region, so that the test can tell which was
	// read. Two ProviderConfigs share a name in different namespaces.
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"platform.example.com/tier": "trusted"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b"}},
		&v1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "trusted", UID: "trusted-uid", Generation: 2}, Spec: selective},
		&v1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "aws", UID: "a-uid", Generation: 1}, Spec: spec("eu-west-1")},
		&v1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "aws", UID: "b-uid", Generation: 3}, Spec: spec("eu-west-2")},
		&v1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "aws", UID: "cluster-uid", Generation: 7}, Spec: spec("us-east-1")},
	).Build()

	type want struct {
		ref providerconfig.Ref[v1alpha1.ProviderConfigSpec]
		err error
		msg string
	}
	cases := map[string]struct {
		reason    string
		namespace string
		ref       *xpv2.ProviderConfigReference
		want      want
	}{
		"ProviderConfig": {
			reason:    "A ProviderConfig is read from the resource's namespace, whose Secrets it reads, with the UID and generation a cached client depends on.",
			namespace: "team-b",
			ref:       &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "aws"},
			want: want{ref: providerconfig.Ref[v1alpha1.ProviderConfigSpec]{
				Kind: "ProviderConfig", Namespace: "team-b", Name: "aws", Spec: spec("eu-west-2"),
				UID: "b-uid", Generation: 3, SecretNamespace: "team-b",
			}},
		},
		"ClusterProviderConfig": {
			reason:    "A ClusterProviderConfig is read cluster-wide, and has no namespace or Secret namespace of its own.",
			namespace: "team-a",
			ref:       &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "aws"},
			want: want{ref: providerconfig.Ref[v1alpha1.ProviderConfigSpec]{
				Kind: "ClusterProviderConfig", Name: "aws", Spec: spec("us-east-1"), UID: "cluster-uid", Generation: 7,
			}},
		},
		"SelectedNamespace": {
			reason:    "A ClusterProviderConfig with a namespaceSelector serves a namespace it selects.",
			namespace: "team-a",
			ref:       &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "trusted"},
			want: want{ref: providerconfig.Ref[v1alpha1.ProviderConfigSpec]{
				Kind: "ClusterProviderConfig", Name: "trusted", Spec: selective, UID: "trusted-uid", Generation: 2,
			}},
		},
		"NamespaceNotSelected": {
			reason:    "A ClusterProviderConfig whose namespaceSelector does not select the resource's namespace refuses it, before any client is built, and says why.",
			namespace: "team-b",
			ref:       &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "trusted"},
			want:      want{err: cmpopts.AnyError, msg: `ClusterProviderConfig "trusted": does not serve namespace "team-b": its spec.namespaceSelector (platform.example.com/tier=trusted) does not select it`},
		},
		"ProviderConfigInOtherNamespace": {
			reason:    "A ProviderConfig in another namespace than the resource's is not found.",
			namespace: "team-c",
			ref:       &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "aws"},
			want:      want{err: cmpopts.AnyError, msg: `cannot get ProviderConfig "aws"`},
		},
		"NotFound": {
			reason:    "A config that does not exist is an error naming its kind and name.",
			namespace: "team-a",
			ref:       &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "nope"},
			want:      want{err: cmpopts.AnyError, msg: `cannot get ClusterProviderConfig "nope"`},
		},
		"UnknownKind": {
			reason:    "A kind other than ProviderConfig or ClusterProviderConfig is an error.",
			namespace: "team-a",
			ref:       &xpv2.ProviderConfigReference{Kind: "StoreConfig", Name: "aws"},
			want:      want{err: cmpopts.AnyError, msg: `spec.providerConfigRef.kind "StoreConfig" is not supported`},
		},
		"NoRef": {
			reason:    "A resource without a providerConfigRef is an error.",
			namespace: "team-a",
			want:      want{err: cmpopts.AnyError, msg: "spec.providerConfigRef is not set"},
		},
		"NoName": {
			reason:    "A providerConfigRef without a name is an error.",
			namespace: "team-a",
			ref:       &xpv2.ProviderConfigReference{Kind: "ProviderConfig"},
			want:      want{err: cmpopts.AnyError, msg: "spec.providerConfigRef is not set"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mg := &s3v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: tc.namespace, Name: "my-bucket"}}
			mg.SetProviderConfigReference(tc.ref)
			got, err := providerconfig.Get(context.Background(), kube, mg, awsclient.Kinds)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nGet(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.want.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.want.msg)) {
				t.Errorf("\n%s\nGet(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if diff := cmp.Diff(tc.want.ref, got); diff != "" {
				t.Errorf("\n%s\nGet(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	type want struct {
		identity string // of the resource, without reading its config
		ref      string // of the config Get resolves; "" when there is none
		version  string
	}
	s := runtime.NewScheme()
	if err := v1alpha1.SchemeBuilder.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(
		&v1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "aws", UID: "a-uid", Generation: 2}},
		&v1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "aws", UID: "cluster-uid", Generation: 5}},
	).Build()
	cases := map[string]struct {
		reason string
		ref    *xpv2.ProviderConfigReference
		want   want
	}{
		"ProviderConfig": {
			reason: "A ProviderConfig is named with the resource's namespace, the same whether read or not.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "aws"},
			want:   want{identity: "ProviderConfig/team-a/aws", ref: "ProviderConfig/team-a/aws", version: "a-uid/2"},
		},
		"ClusterProviderConfig": {
			reason: "A ClusterProviderConfig is named without a namespace: it is one for every namespace, and differs from a ProviderConfig of the same name.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "aws"},
			want:   want{identity: "ClusterProviderConfig//aws", ref: "ClusterProviderConfig//aws", version: "cluster-uid/5"},
		},
		"NoRef": {
			reason: "A resource without a reference names no config.",
			want:   want{identity: ""},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mg := &s3v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "my-bucket"}}
			mg.SetProviderConfigReference(tc.ref)
			if diff := cmp.Diff(tc.want.identity, providerconfig.Identity(mg)); diff != "" {
				t.Errorf("\n%s\nIdentity(...): -want, +got:\n%s", tc.reason, diff)
			}
			if tc.want.ref == "" {
				return
			}
			ref, err := providerconfig.Get(context.Background(), kube, mg, awsclient.Kinds)
			if err != nil {
				t.Fatalf("\n%s\nGet(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.ref, ref.Identity()); diff != "" {
				t.Errorf("\n%s\nGet(...).Identity(): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.version, ref.Version()); diff != "" {
				t.Errorf("\n%s\nGet(...).Version(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestReadSecretKey(t *testing.T) {
	const value = "the-secret-value"
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "creds", ResourceVersion: "41"}, Data: map[string][]byte{"key": []byte(value)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "crossplane-system", Name: "creds"}, Data: map[string][]byte{"key": []byte(value)}},
	).Build()
	ref := func(namespace, name, key string) *common.SecretKeySelector {
		return &common.SecretKeySelector{Namespace: namespace, Name: name, Key: key}
	}

	type want struct {
		key providerconfig.SecretKey
		err error
		msg string
	}
	cases := map[string]struct {
		reason          string
		secretNamespace string
		ref             *common.SecretKeySelector
		want            want
	}{
		"ProviderConfig": {
			reason:          "A ProviderConfig's Secret is read from its namespace, with the resourceVersion a cached client depends on.",
			secretNamespace: "team-a",
			ref:             ref("", "creds", "key"),
			want:            want{key: providerconfig.SecretKey{Data: []byte(value), ResourceVersion: "41", Where: "team-a/creds"}},
		},
		"ClusterProviderConfig": {
			reason: "A ClusterProviderConfig's Secret is read from the namespace it names.",
			ref:    ref("crossplane-system", "creds", "key"),
			want:   want{key: providerconfig.SecretKey{Data: []byte(value), ResourceVersion: "999", Where: "crossplane-system/creds"}},
		},
		"NoRef": {
			reason:          "Source Secret without a secretRef is an error.",
			secretNamespace: "team-a",
			want:            want{err: cmpopts.AnyError, msg: "credentials.secretRef is required"},
		},
		"OtherNamespace": {
			reason:          "A ProviderConfig must not read a Secret of another namespace, even one that exists.",
			secretNamespace: "team-a",
			ref:             ref("crossplane-system", "creds", "key"),
			want:            want{err: cmpopts.AnyError, msg: `a ProviderConfig can only read Secrets in its own namespace "team-a", not "crossplane-system"`},
		},
		"MissingSecret": {
			reason:          "A Secret that does not exist is an error naming it.",
			secretNamespace: "team-a",
			ref:             ref("", "nope", "key"),
			want:            want{err: cmpopts.AnyError, msg: "cannot get credentials Secret team-a/nope"},
		},
		"MissingKey": {
			reason:          "A key the Secret lacks is an error naming the Secret and the key.",
			secretNamespace: "team-a",
			ref:             ref("", "creds", "other"),
			want:            want{err: cmpopts.AnyError, msg: `credentials Secret team-a/creds has no key "other"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := providerconfig.ReadSecretKey(context.Background(), kube, tc.secretNamespace, tc.ref)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nReadSecretKey(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.want.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.want.msg)) {
				t.Errorf("\n%s\nReadSecretKey(...): error %v should contain %q", tc.reason, err, tc.want.msg)
			}
			if err != nil && strings.Contains(err.Error(), value) {
				t.Errorf("\n%s\nReadSecretKey(...): error %q contains the Secret's value", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.key, got); diff != "" {
				t.Errorf("\n%s\nReadSecretKey(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestEndpointPolicyCheck(t *testing.T) {
	allowLocal := providerconfig.EndpointPolicy{NamespacedPrefixes: []string{"http://minio.storage.svc:9000/", "https://s3.internal.example/"}}
	cases := map[string]struct {
		reason     string
		policy     providerconfig.EndpointPolicy
		namespaced bool
		urls       []string
		msg        string // part of the refusal; "" for none
	}{
		"ClusterAnyURL": {
			reason: "A ClusterProviderConfig, written by the platform team, may set any URL, even with no prefix allowed.",
			urls:   []string{"http://169.254.169.254/latest/"},
		},
		"NamespacedEmptyURL": {
			reason:     "An empty URL is the cloud's own endpoint, always allowed.",
			namespaced: true,
			urls:       []string{""},
		},
		"NamespacedNoURLs": {
			reason:     "Nothing to check is allowed.",
			namespaced: true,
		},
		"NamespacedRefusedByDefault": {
			reason:     "With no prefix allowed (the default) a namespaced ProviderConfig may set no URL, and the refusal names the field and the URL.",
			namespaced: true,
			urls:       []string{"http://minio.storage.svc:9000/"},
			msg:        `endpoint.url "http://minio.storage.svc:9000/" is not allowed in a namespaced ProviderConfig`,
		},
		"NamespacedAllowedPrefix": {
			reason:     "A URL under an allowed prefix may be set.",
			policy:     allowLocal,
			namespaced: true,
			urls:       []string{"http://minio.storage.svc:9000/bucket", "https://s3.internal.example/"},
		},
		"NamespacedOtherURL": {
			reason:     "A URL under no allowed prefix is refused.",
			policy:     allowLocal,
			namespaced: true,
			urls:       []string{"http://169.254.169.254/latest/"},
			msg:        `endpoint.url "http://169.254.169.254/latest/" is not allowed`,
		},
		"NamespacedLookalikeHost": {
			reason:     "A host that only starts like an allowed one (no trailing slash to stop it) is refused.",
			policy:     allowLocal,
			namespaced: true,
			urls:       []string{"https://s3.internal.example.attacker.test/"},
			msg:        "is not allowed",
		},
		"NamespacedOneOfSeveralRefused": {
			reason:     "Every URL is checked, not only the first.",
			policy:     allowLocal,
			namespaced: true,
			urls:       []string{"", "http://minio.storage.svc:9000/", "http://evil.example/"},
			msg:        `"http://evil.example/"`,
		},
		"EmptyPrefixAllowsNothing": {
			reason:     "An empty prefix (as a trailing comma in the flag gives) must not allow every URL.",
			policy:     providerconfig.EndpointPolicy{NamespacedPrefixes: []string{""}},
			namespaced: true,
			urls:       []string{"http://evil.example/"},
			msg:        "is not allowed",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.policy.Check(tc.namespaced, "endpoint.url", tc.urls...)
			if tc.msg == "" {
				if err != nil {
					t.Errorf("\n%s\nCheck(...): %v, want no error", tc.reason, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("\n%s\nCheck(...): error %v should contain %q", tc.reason, err, tc.msg)
			}
		})
	}
}
