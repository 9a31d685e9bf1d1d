package aws

import (
	"context"
	"github.com/appinfra/provider-appinfra/apis/common"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	s3v1alpha1 "github.com/appinfra/provider-appinfra/apis/aws/s3/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/aws/v1alpha1"
)

// isolate keeps the SDK from reading the machine's AWS files, profile or
// instance metadata, so that a test sees only what it sets up.
func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(v, "")
	}
}

func secret(namespace, name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

// kube holds the Secrets and configs the tests read.
func kube(t *testing.T) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, v1alpha1.SchemeBuilder.AddToScheme, s3v1alpha1.SchemeBuilder.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	secretRef := func(namespace string) *common.SecretKeySelector {
		return &common.SecretKeySelector{Name: "aws-creds", Namespace: namespace, Key: "credentials"}
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(
		secret("crossplane-system", "aws-creds", map[string]string{"credentials": "[default]\n" +
			"aws_access_key_id = " + testAccessKeyID + "\n" +
			"aws_secret_access_key = " + testSecretKey + "\n" +
			"[prod]\n" +
			"aws_access_key_id = " + testAccessKeyID + "\n" +
			"aws_secret_access_key = " + testSecretKey + "\n" +
			"aws_session_token = " + testSessionToken + "\n"}),
		secret("team-a", "aws-creds", map[string]string{"credentials": "[default]\n" +
			"aws_access_key_id = " + testTeamAccessKeyID + "\n" +
			"aws_secret_access_key = " + testOtherSecret + "\n"}),
		secret("team-a", "malformed", map[string]string{"credentials": "[default]\n" +
			"aws_access_key_id " + testTeamAccessKeyID + "\n" +
			"aws_secret_access_key " + testOtherSecret + "\n"}),
		&v1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-aws"},
			Spec: v1alpha1.ProviderConfigSpec{
				Region:      "us-east-1",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("")},
			},
		},
		&v1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "sneaky"},
			Spec: v1alpha1.ProviderConfigSpec{
				Region:      "us-east-1",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("crossplane-system")},
			},
		},
		&v1alpha1.ClusterProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: "default"},
			Spec: v1alpha1.ProviderConfigSpec{
				Region:      "us-east-1",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("crossplane-system"), Profile: "prod"},
			},
		},
	).Build()
}

func fromSecret(id, secret, token string) aws.Credentials {
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Source: "ProviderConfigSecret"}
}

func TestEndpoint(t *testing.T) {
	cases := map[string]struct {
		reason   string
		endpoint *v1alpha1.Endpoint
		service  string
		want     string
	}{
		"NoOverride": {
			reason:  "Without an endpoint override, the SDK's default is used.",
			service: "s3",
			want:    "",
		},
		"URL": {
			reason:   "The URL is used for every service without its own entry.",
			endpoint: &v1alpha1.Endpoint{URL: "http://localhost:4566", Services: map[string]string{"sts": "http://sts.local"}},
			service:  "s3",
			want:     "http://localhost:4566",
		},
		"ServiceOverridesURL": {
			reason:   "A service's own entry wins over the URL.",
			endpoint: &v1alpha1.Endpoint{URL: "http://localhost:4566", Services: map[string]string{"s3": "http://minio:9000"}},
			service:  "s3",
			want:     "http://minio:9000",
		},
		"ServiceOnly": {
			reason:   "A service without an entry and no URL uses the SDK's default.",
			endpoint: &v1alpha1.Endpoint{Services: map[string]string{"s3": "http://minio:9000"}},
			service:  "sts",
			want:     "",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := Config{Spec: v1alpha1.ProviderConfigSpec{Endpoint: tc.endpoint}}
			if diff := cmp.Diff(tc.want, c.Endpoint(tc.service)); diff != "" {
				t.Errorf("\n%s\nEndpoint(%q): -want, +got:\n%s", tc.reason, tc.service, diff)
			}
		})
	}
}

func TestPartition(t *testing.T) {
	cases := map[string]struct {
		reason string
		region string
		want   string
	}{
		"Commercial": {reason: "Commercial regions are in the aws partition.", region: "eu-west-1", want: "aws"},
		"USEast":     {reason: "us- regions that are not GovCloud or ISO are commercial.", region: "us-east-1", want: "aws"},
		"China":      {reason: "cn- regions are in aws-cn.", region: "cn-north-1", want: "aws-cn"},
		"GovCloud":   {reason: "us-gov- regions are in aws-us-gov.", region: "us-gov-west-1", want: "aws-us-gov"},
		"ISO":        {reason: "us-iso- regions are in aws-iso.", region: "us-iso-east-1", want: "aws-iso"},
		"ISOB":       {reason: "us-isob- regions are in aws-iso-b.", region: "us-isob-east-1", want: "aws-iso-b"},
		"Empty":      {reason: "No region is the aws partition.", region: "", want: "aws"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Partition(tc.region)); diff != "" {
				t.Errorf("\n%s\nPartition(%q): -want, +got:\n%s", tc.reason, tc.region, diff)
			}
		})
	}
}

func TestNewConfig(t *testing.T) {
	fromSecretRef := func(namespace, name, key, profile string) v1alpha1.ProviderConfigSpec {
		return v1alpha1.ProviderConfigSpec{
			Region: "us-east-1",
			Credentials: v1alpha1.Credentials{
				Source:    v1alpha1.CredentialsSourceSecret,
				SecretRef: &common.SecretKeySelector{Namespace: namespace, Name: name, Key: key},
				Profile:   profile,
			},
		}
	}

	type args struct {
		spec            v1alpha1.ProviderConfigSpec
		secretNamespace string
		region          string
	}
	type want struct {
		region string
		creds  *aws.Credentials // retrieved; nil to not retrieve
		err    error
		msg    []string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"ClusterProviderConfigSecret": {
			reason: "A ClusterProviderConfig reads the Secret in the namespace it names.",
			args:   args{spec: fromSecretRef("crossplane-system", "aws-creds", "credentials", ""), region: "eu-west-1"},
			want:   want{region: "eu-west-1", creds: ptr.To(fromSecret(testAccessKeyID, testSecretKey, ""))},
		},
		"NamedProfile": {
			reason: "The profile the config names is read, with its session token.",
			args:   args{spec: fromSecretRef("crossplane-system", "aws-creds", "credentials", "prod"), region: "eu-west-1"},
			want:   want{region: "eu-west-1", creds: ptr.To(fromSecret(testAccessKeyID, testSecretKey, testSessionToken))},
		},
		"NamespacedEnvironment": {
			reason: "A namespaced ProviderConfig must not borrow the provider's own identity from the environment.",
			args: args{spec: v1alpha1.ProviderConfigSpec{Region: "us-east-1", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceEnvironment}},
				secretNamespace: "team-a"},
			want: want{err: cmpopts.AnyError, msg: []string{"a namespaced ProviderConfig must take credentials from a Secret, not Environment"}},
		},
		"NamespacedWebIdentity": {
			reason: "A namespaced ProviderConfig must not send the provider's token anywhere.",
			args: args{spec: v1alpha1.ProviderConfigSpec{Region: "us-east-1", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceWebIdentity,
				WebIdentity: &v1alpha1.WebIdentity{RoleARN: "arn:aws:iam::123456789012:role/x", TokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token"}}},
				secretNamespace: "team-a"},
			want: want{err: cmpopts.AnyError, msg: []string{"not WebIdentity"}},
		},
		"ProviderConfigSecret": {
			reason: "A ProviderConfig reads the Secret in its own namespace.",
			args:   args{spec: fromSecretRef("", "aws-creds", "credentials", ""), secretNamespace: "team-a", region: "eu-west-1"},
			want:   want{region: "eu-west-1", creds: ptr.To(fromSecret(testTeamAccessKeyID, testOtherSecret, ""))},
		},
		"ProviderConfigNamesOwnNamespace": {
			reason: "A ProviderConfig may name its own namespace.",
			args:   args{spec: fromSecretRef("team-a", "aws-creds", "credentials", ""), secretNamespace: "team-a", region: "eu-west-1"},
			want:   want{region: "eu-west-1", creds: ptr.To(fromSecret(testTeamAccessKeyID, testOtherSecret, ""))},
		},
		"SpecRegion": {
			reason: "Without a resource's region, the config's region is used.",
			args:   args{spec: fromSecretRef("crossplane-system", "aws-creds", "credentials", "")},
			want:   want{region: "us-east-1", creds: ptr.To(fromSecret(testAccessKeyID, testSecretKey, ""))},
		},
		"ProviderConfigNamesOtherNamespace": {
			reason: "A ProviderConfig must not read a Secret in another namespace, even one that exists.",
			args:   args{spec: fromSecretRef("crossplane-system", "aws-creds", "credentials", ""), secretNamespace: "team-a", region: "eu-west-1"},
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`a ProviderConfig can only read Secrets in its own namespace "team-a", not "crossplane-system"`},
			},
		},
		"ClusterProviderConfigWithoutNamespace": {
			reason: "A ClusterProviderConfig must name its Secret's namespace.",
			args:   args{spec: fromSecretRef("", "aws-creds", "credentials", ""), region: "eu-west-1"},
			want:   want{err: cmpopts.AnyError, msg: []string{"must name the namespace of its credentials Secret"}},
		},
		"NoSecretRef": {
			reason: "Source Secret without a secretRef is an error.",
			args: args{spec: v1alpha1.ProviderConfigSpec{
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret},
			}, region: "eu-west-1"},
			want: want{err: cmpopts.AnyError, msg: []string{"credentials.secretRef is required"}},
		},
		"MissingSecret": {
			reason: "A Secret that does not exist is an error naming it.",
			args:   args{spec: fromSecretRef("crossplane-system", "nope", "credentials", ""), region: "eu-west-1"},
			want:   want{err: cmpopts.AnyError, msg: []string{"cannot get credentials Secret crossplane-system/nope", "not found"}},
		},
		"MissingKey": {
			reason: "A key the Secret lacks is an error naming the Secret and the key.",
			args:   args{spec: fromSecretRef("crossplane-system", "aws-creds", "creds", ""), region: "eu-west-1"},
			want:   want{err: cmpopts.AnyError, msg: []string{`credentials Secret crossplane-system/aws-creds has no key "creds"`}},
		},
		"MissingProfile": {
			reason: "A profile the Secret lacks is an error naming the Secret and the profile.",
			args:   args{spec: fromSecretRef("crossplane-system", "aws-creds", "credentials", "staging"), region: "eu-west-1"},
			want: want{err: cmpopts.AnyError, msg: []string{
				`cannot parse key "credentials" of credentials Secret crossplane-system/aws-creds`, `profile "staging" not found`,
			}},
		},
		"MalformedSecret": {
			reason: "A malformed credentials file is an error naming the line, not quoting it.",
			args:   args{spec: fromSecretRef("", "malformed", "credentials", ""), secretNamespace: "team-a", region: "eu-west-1"},
			want: want{err: cmpopts.AnyError, msg: []string{
				`cannot parse key "credentials" of credentials Secret team-a/malformed`, "line 2: expected key = value",
			}},
		},
		"UnsupportedSource": {
			reason: "A source the provider does not know is an error.",
			args: args{spec: v1alpha1.ProviderConfigSpec{
				Credentials: v1alpha1.Credentials{Source: "Vault"},
			}, region: "eu-west-1"},
			want: want{err: cmpopts.AnyError, msg: []string{`unsupported credentials source "Vault"`}},
		},
		"Environment": {
			reason: "Source Environment uses the SDK's default chain, without reading a Secret.",
			args: args{spec: v1alpha1.ProviderConfigSpec{
				Region:      "us-east-1",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceEnvironment},
			}, region: "eu-west-1"},
			want: want{region: "eu-west-1"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			ctx := context.Background()
			got, err := NewConfig(ctx, kube(t), tc.args.spec, tc.args.secretNamespace, tc.args.region)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nNewConfig(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			for _, m := range tc.want.msg {
				if err == nil || !strings.Contains(err.Error(), m) {
					t.Errorf("\n%s\nNewConfig(...): error %v should contain %q", tc.reason, err, m)
				}
			}
			if s := leaked(err); s != "" {
				t.Errorf("\n%s\nNewConfig(...): error %q contains the secret value %q", tc.reason, err, s)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.want.region, got.AWS.Region); diff != "" {
				t.Errorf("\n%s\nNewConfig(...): -want region, +got region:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.args.spec, got.Spec); diff != "" {
				t.Errorf("\n%s\nNewConfig(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}
			if tc.want.creds == nil {
				return
			}
			creds, err := got.AWS.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatalf("\n%s\nNewConfig(...).AWS.Credentials.Retrieve(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(*tc.want.creds, creds); diff != "" {
				t.Errorf("\n%s\nNewConfig(...).AWS.Credentials.Retrieve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnect(t *testing.T) {
	type want struct {
		providerConfig string
		region         string
		creds          aws.Credentials
		err            error
		msg            []string
	}
	cases := map[string]struct {
		reason string
		ref    *xpv2.ProviderConfigReference
		want   want
	}{
		"ProviderConfig": {
			reason: "A ProviderConfig in the resource's namespace configures the client with its namespace's Secret.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-aws"},
			want: want{
				providerConfig: "team-aws",
				region:         "eu-west-1",
				creds:          fromSecret(testTeamAccessKeyID, testOtherSecret, ""),
			},
		},
		"ClusterProviderConfig": {
			reason: "A ClusterProviderConfig configures the client with the Secret and profile it names.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"},
			want: want{
				providerConfig: "default",
				region:         "eu-west-1",
				creds:          fromSecret(testAccessKeyID, testSecretKey, testSessionToken),
			},
		},
		"ProviderConfigNamesOtherNamespace": {
			reason: "A ProviderConfig that names another namespace's Secret is refused, and the error names the config.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "sneaky"},
			want: want{err: cmpopts.AnyError, msg: []string{
				`cannot configure AWS client from ProviderConfig "sneaky"`, "can only read Secrets in its own namespace",
			}},
		},
		"NoProviderConfig": {
			reason: "A config that does not exist is an error naming it.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "nope"},
			want:   want{err: cmpopts.AnyError, msg: []string{`cannot get ProviderConfig "nope"`}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			ctx := context.Background()
			mg := &s3v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "my-bucket"}}
			mg.SetProviderConfigReference(tc.ref)
			got, err := Connect(ctx, kube(t), mg, "eu-west-1")
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			for _, m := range tc.want.msg {
				if err == nil || !strings.Contains(err.Error(), m) {
					t.Errorf("\n%s\nConnect(...): error %v should contain %q", tc.reason, err, m)
				}
			}
			if s := leaked(err); s != "" {
				t.Errorf("\n%s\nConnect(...): error %q contains the secret value %q", tc.reason, err, s)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.want.providerConfig, got.ProviderConfigName); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want ProviderConfigName, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.region, got.AWS.Region); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want region, +got region:\n%s", tc.reason, diff)
			}
			creds, err := got.AWS.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatalf("\n%s\nConnect(...).AWS.Credentials.Retrieve(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.creds, creds); diff != "" {
				t.Errorf("\n%s\nConnect(...).AWS.Credentials.Retrieve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
