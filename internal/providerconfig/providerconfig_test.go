// The tests are an external package because they use awsclient.Kinds, and
// the AWS client imports this package.
package providerconfig_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
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
	// Each config has its own region, so that the test can tell which was
	// read. Two ProviderConfigs share a name in different namespaces.
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(
		&v1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "aws"}, Spec: spec("eu-west-1")},
		&v1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "aws"}, Spec: spec("eu-west-2")},
		&v1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "aws"}, Spec: spec("us-east-1")},
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
			reason:    "A ProviderConfig is read from the resource's namespace, whose Secrets it reads.",
			namespace: "team-b",
			ref:       &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "aws"},
			want: want{ref: providerconfig.Ref[v1alpha1.ProviderConfigSpec]{
				Kind: "ProviderConfig", Name: "aws", Spec: spec("eu-west-2"), SecretNamespace: "team-b",
			}},
		},
		"ClusterProviderConfig": {
			reason:    "A ClusterProviderConfig is read cluster-wide, and has no Secret namespace of its own.",
			namespace: "team-a",
			ref:       &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "aws"},
			want: want{ref: providerconfig.Ref[v1alpha1.ProviderConfigSpec]{
				Kind: "ClusterProviderConfig", Name: "aws", Spec: spec("us-east-1"),
			}},
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
