package aws

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
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
	"github.com/appinfra/provider-appinfra/apis/common"
	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
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

// Endpoints a config may name: one a platform team would allow tenants,
// one no tenant should reach.
const (
	testMinIO    = "http://minio.storage.svc:9000"
	testMetadata = "http://169.254.169.254/latest/"
)

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
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-aws", UID: "team-aws-uid", Generation: 1},
			Spec: v1alpha1.ProviderConfigSpec{
				Region:      "us-east-1",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("")},
			},
		},
		&v1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-minio"},
			Spec: v1alpha1.ProviderConfigSpec{
				Region:      "us-east-1",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("")},
				Endpoint:    &v1alpha1.Endpoint{URL: testMinIO},
			},
		},
		&v1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-minio-sts"},
			Spec: v1alpha1.ProviderConfigSpec{
				Region:      "us-east-1",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("")},
				Endpoint:    &v1alpha1.Endpoint{URL: testMinIO, Services: map[string]string{"sts": testMetadata}},
			},
		},
		&v1alpha1.ClusterProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: "local"},
			Spec: v1alpha1.ProviderConfigSpec{
				Region:      "us-east-1",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("crossplane-system")},
				Endpoint:    &v1alpha1.Endpoint{URL: testMetadata, Services: map[string]string{"sts": testMetadata}},
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

// bucketUsing is an S3 Bucket in team-a referencing ref.
func bucketUsing(ref *xpv2.ProviderConfigReference) *s3v1alpha1.Bucket {
	mg := &s3v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "my-bucket"}}
	mg.SetProviderConfigReference(ref)
	return mg
}

// deleting marks mg as being deleted, as the API server does: with a
// deletion timestamp and the finalizer that keeps it.
func deleting(mg *s3v1alpha1.Bucket) *s3v1alpha1.Bucket {
	mg.SetDeletionTimestamp(&metav1.Time{Time: time.Now()})
	mg.SetFinalizers([]string{"finalizer.managedresource.crossplane.io"})
	return mg
}

var (
	teamAWS    = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-aws"}
	clusterAWS = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"}
)

func TestConfig(t *testing.T) {
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
		spec v1alpha1.ProviderConfigSpec
		// secretNamespace makes the config a ProviderConfig of that
		// namespace; "" a ClusterProviderConfig.
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
			ref := providerconfig.Ref[v1alpha1.ProviderConfigSpec]{
				Kind: providerconfig.KindClusterProviderConfig, Name: "test", Spec: tc.args.spec, UID: "test-uid", Generation: 1,
			}
			if ns := tc.args.secretNamespace; ns != "" {
				ref.Kind, ref.Namespace, ref.SecretNamespace = providerconfig.KindProviderConfig, ns, ns
			}
			k := kube(t)
			got, err := NewClients(k, k, providerconfig.EndpointPolicy{}, nil).config(ctx, ref, tc.args.region)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nconfig(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			for _, m := range tc.want.msg {
				if err == nil || !strings.Contains(err.Error(), m) {
					t.Errorf("\n%s\nconfig(...): error %v should contain %q", tc.reason, err, m)
				}
			}
			if s := leaked(err); s != "" {
				t.Errorf("\n%s\nconfig(...): error %q contains the secret value %q", tc.reason, err, s)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.want.region, got.AWS.Region); diff != "" {
				t.Errorf("\n%s\nconfig(...): -want region, +got region:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.args.spec, got.Spec); diff != "" {
				t.Errorf("\n%s\nconfig(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff("test", got.ProviderConfigName); diff != "" {
				t.Errorf("\n%s\nconfig(...): -want ProviderConfigName, +got:\n%s", tc.reason, diff)
			}
			if tc.want.creds == nil {
				return
			}
			creds, err := got.AWS.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatalf("\n%s\nconfig(...).AWS.Credentials.Retrieve(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(*tc.want.creds, creds); diff != "" {
				t.Errorf("\n%s\nconfig(...).AWS.Credentials.Retrieve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnect(t *testing.T) {
	type want struct {
		providerConfig string
		region         string
		endpoint       string // for s3
		stsEndpoint    string
		creds          aws.Credentials
		err            error
		msg            []string
	}
	cases := map[string]struct {
		reason string
		ref    *xpv2.ProviderConfigReference
		policy providerconfig.EndpointPolicy
		want   want
	}{
		"ProviderConfig": {
			reason: "A ProviderConfig in the resource's namespace configures the client with its namespace's Secret.",
			ref:    teamAWS,
			want: want{
				providerConfig: "team-aws",
				region:         "eu-west-1",
				creds:          fromSecret(testTeamAccessKeyID, testOtherSecret, ""),
			},
		},
		"ClusterProviderConfig": {
			reason: "A ClusterProviderConfig configures the client with the Secret and profile it names.",
			ref:    clusterAWS,
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
		"NamespacedEndpointRefused": {
			reason: "A namespaced ProviderConfig may not point the provider at a URL of its choosing by default.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-minio"},
			want: want{err: cmpopts.AnyError, msg: []string{
				`cannot configure AWS client from ProviderConfig "team-minio"`,
				`endpoint.url "` + testMinIO + `" is not allowed in a namespaced ProviderConfig`,
			}},
		},
		"NamespacedEndpointOtherPrefix": {
			reason: "An allowed prefix that does not cover the URL does not allow it.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-minio"},
			policy: providerconfig.EndpointPolicy{NamespacedPrefixes: []string{"http://minio.other.svc:9000"}},
			want:   want{err: cmpopts.AnyError, msg: []string{`endpoint.url "` + testMinIO + `" is not allowed`}},
		},
		"NamespacedEndpointAllowed": {
			reason: "A namespaced ProviderConfig may use a URL the provider's policy covers.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-minio"},
			policy: providerconfig.EndpointPolicy{NamespacedPrefixes: []string{"http://minio.storage.svc:"}},
			want: want{
				providerConfig: "team-minio",
				region:         "eu-west-1",
				endpoint:       testMinIO,
				stsEndpoint:    testMinIO,
				creds:          fromSecret(testTeamAccessKeyID, testOtherSecret, ""),
			},
		},
		"NamespacedServiceEndpointRefused": {
			reason: "Each endpoint.services entry is checked too, even when endpoint.url is allowed.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-minio-sts"},
			policy: providerconfig.EndpointPolicy{NamespacedPrefixes: []string{"http://minio.storage.svc:"}},
			want: want{err: cmpopts.AnyError, msg: []string{
				`endpoint.services.sts "` + testMetadata + `" is not allowed in a namespaced ProviderConfig`,
			}},
		},
		"ClusterEndpoint": {
			reason: "A ClusterProviderConfig, written by the platform team, may set any endpoint.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "local"},
			want: want{
				providerConfig: "local",
				region:         "eu-west-1",
				endpoint:       testMetadata,
				stsEndpoint:    testMetadata,
				creds:          fromSecret(testAccessKeyID, testSecretKey, ""),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			ctx := context.Background()
			k := kube(t)
			got, err := NewClients(k, k, tc.policy, nil).Connect(ctx, bucketUsing(tc.ref), "eu-west-1")
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
			if diff := cmp.Diff(tc.want.endpoint, got.Endpoint("s3")); diff != "" {
				t.Errorf("\n%s\nConnect(...).Endpoint(\"s3\"): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.stsEndpoint, got.Endpoint("sts")); diff != "" {
				t.Errorf("\n%s\nConnect(...).Endpoint(\"sts\"): -want, +got:\n%s", tc.reason, diff)
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

// update changes the object named like obj in kube with mod, as an API
// server would: the fake client bumps its resourceVersion.
func update[T client.Object](t *testing.T, kube client.Client, obj T, mod func(T)) {
	t.Helper()
	ctx := context.Background()
	if err := kube.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatal(err)
	}
	mod(obj)
	if err := kube.Update(ctx, obj); err != nil {
		t.Fatal(err)
	}
}

// rotated is team-a's Secret with a new access key.
func rotated(s *corev1.Secret) {
	s.Data["credentials"] = []byte("[default]\n" +
		"aws_access_key_id = " + testRotatedAccessKeyID + "\n" +
		"aws_secret_access_key = " + testOtherSecret + "\n")
}

func TestConnectCache(t *testing.T) {
	teamConfig := &v1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-aws"}}
	teamSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "aws-creds"}}

	type want struct {
		same  bool // whether the second Connect returns the first's Config
		live  int
		built int
		creds aws.Credentials // of the second Config
	}
	cases := map[string]struct {
		reason string
		ref    *xpv2.ProviderConfigReference
		change func(t *testing.T, kube client.Client) // between the two Connects
		region string                                 // of the second Connect; eu-west-1 if ""
		want   want
	}{
		"NothingChanged": {
			reason: "A second Connect with nothing changed returns the Config built by the first, without building one.",
			ref:    teamAWS,
			want:   want{same: true, live: 1, built: 1, creds: fromSecret(testTeamAccessKeyID, testOtherSecret, "")},
		},
		"ClusterProviderConfigNothingChanged": {
			reason: "A ClusterProviderConfig's Config is reused the same way.",
			ref:    clusterAWS,
			want:   want{same: true, live: 1, built: 1, creds: fromSecret(testAccessKeyID, testSecretKey, testSessionToken)},
		},
		"SecretUpdated": {
			reason: "An updated credentials Secret (a new resourceVersion) builds a new Config with the new credentials.",
			ref:    teamAWS,
			change: func(t *testing.T, kube client.Client) { update(t, kube, teamSecret.DeepCopy(), rotated) },
			want:   want{live: 1, built: 2, creds: fromSecret(testRotatedAccessKeyID, testOtherSecret, "")},
		},
		"ConfigGenerationBumped": {
			reason: "A change of the config's spec (a new generation) builds a new Config.",
			ref:    teamAWS,
			change: func(t *testing.T, kube client.Client) {
				update(t, kube, teamConfig.DeepCopy(), func(pc *v1alpha1.ProviderConfig) {
					pc.Spec.Credentials.Profile = "default"
					pc.Generation++
				})
			},
			want: want{live: 1, built: 2, creds: fromSecret(testTeamAccessKeyID, testOtherSecret, "")},
		},
		"ConfigMetadataChanged": {
			reason: "A change of the config that leaves its generation alone (a label) is not a reason to rebuild.",
			ref:    teamAWS,
			change: func(t *testing.T, kube client.Client) {
				update(t, kube, teamConfig.DeepCopy(), func(pc *v1alpha1.ProviderConfig) { pc.Labels = map[string]string{"team": "a"} })
			},
			want: want{same: true, live: 1, built: 1, creds: fromSecret(testTeamAccessKeyID, testOtherSecret, "")},
		},
		"ConfigReplaced": {
			reason: "A config deleted and created again under the same name (a new UID) builds a new Config.",
			ref:    teamAWS,
			change: func(t *testing.T, kube client.Client) {
				ctx := context.Background()
				pc := teamConfig.DeepCopy()
				if err := kube.Get(ctx, client.ObjectKeyFromObject(pc), pc); err != nil {
					t.Fatal(err)
				}
				if err := kube.Delete(ctx, pc); err != nil {
					t.Fatal(err)
				}
				pc.ResourceVersion, pc.UID = "", "team-aws-uid-2"
				if err := kube.Create(ctx, pc); err != nil {
					t.Fatal(err)
				}
			},
			want: want{live: 1, built: 2, creds: fromSecret(testTeamAccessKeyID, testOtherSecret, "")},
		},
		"OtherRegion": {
			reason: "Another region of the same config is another Config; the first stays cached.",
			ref:    teamAWS,
			region: "us-west-2",
			want:   want{live: 2, built: 2, creds: fromSecret(testTeamAccessKeyID, testOtherSecret, "")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			ctx := context.Background()
			k := kube(t)
			c := NewClients(k, k, providerconfig.EndpointPolicy{}, nil)
			first, err := c.Connect(ctx, bucketUsing(tc.ref), "eu-west-1")
			if err != nil {
				t.Fatalf("\n%s\nConnect(...): %v", tc.reason, err)
			}
			if tc.change != nil {
				tc.change(t, k)
			}
			region := "eu-west-1"
			if tc.region != "" {
				region = tc.region
			}
			second, err := c.Connect(ctx, bucketUsing(tc.ref), region)
			if err != nil {
				t.Fatalf("\n%s\nsecond Connect(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.same, first == second); diff != "" {
				t.Errorf("\n%s\nsecond Connect(...) returned the first Config: -want, +got:\n%s", tc.reason, diff)
			}
			live, built := c.Stats()
			if diff := cmp.Diff([2]int{tc.want.live, tc.want.built}, [2]int{live, built}); diff != "" {
				t.Errorf("\n%s\nStats() [live, built]: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(region, second.AWS.Region); diff != "" {
				t.Errorf("\n%s\nsecond Connect(...): -want region, +got region:\n%s", tc.reason, diff)
			}
			creds, err := second.AWS.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatalf("\n%s\nsecond Connect(...).AWS.Credentials.Retrieve(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.creds, creds); diff != "" {
				t.Errorf("\n%s\nsecond Connect(...).AWS.Credentials.Retrieve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnectDeleted(t *testing.T) {
	remove := func(obj client.Object) func(t *testing.T, kube client.Client) {
		return func(t *testing.T, kube client.Client) {
			if err := kube.Delete(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
		}
	}
	teamConfig := &v1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-aws"}}
	teamSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "aws-creds"}}

	type want struct {
		last bool // whether Connect returns the Config built before
		err  error
		msg  []string
	}
	cases := map[string]struct {
		reason    string
		connected bool   // whether the resource connected before
		region    string // of both Connects
		remove    func(t *testing.T, kube client.Client)
		deleting  bool
		want      want
	}{
		"DeletingConfigGone": {
			reason:    "A resource being deleted whose ProviderConfig is gone (its namespace is being deleted) gets the last Config built for it.",
			connected: true,
			region:    "eu-west-1",
			remove:    remove(teamConfig),
			deleting:  true,
			want:      want{last: true},
		},
		"DeletingSecretGone": {
			reason:    "A resource being deleted whose credentials Secret is gone gets the last Config built for it.",
			connected: true,
			region:    "eu-west-1",
			remove:    remove(teamSecret),
			deleting:  true,
			want:      want{last: true},
		},
		"DeletingConfigGoneConfigRegion": {
			reason:    "The last Config is found for a resource that uses the config's own region too.",
			connected: true,
			remove:    remove(teamConfig),
			deleting:  true,
			want:      want{last: true},
		},
		"LiveConfigGone": {
			reason:    "A live resource whose ProviderConfig is gone gets the error, not a Config of a config that no longer exists.",
			connected: true,
			region:    "eu-west-1",
			remove:    remove(teamConfig),
			want:      want{err: cmpopts.AnyError, msg: []string{`cannot get ProviderConfig "team-aws"`}},
		},
		"LiveSecretGone": {
			reason:    "A live resource whose credentials Secret is gone gets the error.",
			connected: true,
			region:    "eu-west-1",
			remove:    remove(teamSecret),
			want:      want{err: cmpopts.AnyError, msg: []string{"cannot get credentials Secret team-a/aws-creds"}},
		},
		"DeletingNeverConnected": {
			reason:   "A resource being deleted whose config is gone, and for which no Config was ever built, gets the error.",
			region:   "eu-west-1",
			remove:   remove(teamConfig),
			deleting: true,
			want:     want{err: cmpopts.AnyError, msg: []string{`cannot get ProviderConfig "team-aws"`}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			ctx := context.Background()
			k := kube(t)
			c := NewClients(k, k, providerconfig.EndpointPolicy{}, nil)
			var before *Config
			if tc.connected {
				var err error
				if before, err = c.Connect(ctx, bucketUsing(teamAWS), tc.region); err != nil {
					t.Fatalf("\n%s\nConnect(...): %v", tc.reason, err)
				}
			}
			tc.remove(t, k)
			mg := bucketUsing(teamAWS)
			if tc.deleting {
				mg = deleting(mg)
			}
			got, err := c.Connect(ctx, mg, tc.region)
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
			if diff := cmp.Diff(tc.want.last, got != nil && got == before); diff != "" {
				t.Errorf("\n%s\nConnect(...) returned the last Config: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnectConcurrently(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	k := kube(t)
	c := NewClients(k, k, providerconfig.EndpointPolicy{}, nil)
	const n = 8
	got := make([]*Config, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg, err := c.Connect(ctx, bucketUsing(teamAWS), "eu-west-1")
			if err != nil {
				t.Errorf("Connect(...): %v", err)
				return
			}
			got[i] = cfg
			_ = cfg.ProviderConfigName // as a controller reads it, for tags
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Errorf("Connect(...) number %d returned another Config than the first: reconciles of one config must share one", i)
		}
	}
	if _, built := c.Stats(); built != 1 {
		t.Errorf("Stats(): built %d Configs, want 1 for concurrent reconciles of one config", built)
	}
}

func TestServiceRateLimit(t *testing.T) {
	cases := map[string]struct {
		reason string
		limits apilimit.Limits
		// sent is how many of three DescribeDBInstances calls, each
		// allowed 200 ms, reach the service.
		sent int32
	}{
		"NoLimits": {
			reason: "Without limits every call is sent.",
			sent:   3,
		},
		"OtherService": {
			reason: "A limit on another service does not hold RDS back.",
			limits: apilimit.Limits{"s3": {Rate: 0.001, Burst: 1}},
			sent:   3,
		},
		"Limited": {
			reason: "RDS calls wait for RDS's token bucket; once its burst is spent, a call that could not be sent before its deadline fails unsent, retries included.",
			limits: apilimit.Limits{"rds": {Rate: 0.001, Burst: 1}},
			sent:   1,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			var sent atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sent.Add(1)
				w.Header().Set("Content-Type", "text/xml")
				_, _ = w.Write([]byte(`<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult></DescribeDBInstancesResponse>`))
			}))
			defer srv.Close()
			k := kube(t)
			cfg, err := NewClients(k, k, providerconfig.EndpointPolicy{}, tc.limits).Connect(context.Background(), bucketUsing(teamAWS), "eu-west-1")
			if err != nil {
				t.Fatalf("Connect(...): %v", err)
			}
			// As the RDS controller makes its client.
			cl := rds.NewFromConfig(cfg.AWS, func(o *rds.Options) {
				o.APIOptions = append(o.APIOptions, cfg.APIOptions("rds")...)
				o.BaseEndpoint = aws.String(srv.URL)
			})
			for range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				_, err := cl.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
				cancel()
				if err == nil {
					continue
				}
				if !strings.Contains(err.Error(), "the provider's own rds request rate limit") {
					t.Errorf("\n%s\nDescribeDBInstances(...): %v", tc.reason, err)
				}
				// Retrying would wait for the same bucket.
				if strings.Contains(err.Error(), "maximum number of attempts") {
					t.Errorf("\n%s\nDescribeDBInstances(...): the SDK retried a call its limit held back: %v", tc.reason, err)
				}
			}
			if got := sent.Load(); got != tc.sent {
				t.Errorf("\n%s\nthe service got %d calls, want %d", tc.reason, got, tc.sent)
			}
		})
	}
}

func TestRetriesHaveNoQuota(t *testing.T) {
	isolate(t)
	var sent atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		sent.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	k := kube(t)
	cfg, err := NewClients(k, k, providerconfig.EndpointPolicy{}, nil).Connect(context.Background(), bucketUsing(teamAWS), "eu-west-1")
	if err != nil {
		t.Fatalf("Connect(...): %v", err)
	}
	cl := rds.NewFromConfig(cfg.AWS, func(o *rds.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		// Keeps the Config's retryer, with no time between attempts.
		o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, time.Nanosecond)
	})
	// The SDK's default quota (500 tokens, 5 per retry) would stop
	// retrying after about a hundred retries: 200 calls would then make
	// far fewer than their three attempts each.
	const calls = 200
	for range calls {
		if _, err := cl.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{}); err == nil {
			t.Fatal("DescribeDBInstances(...): want an error from a failing service")
		}
	}
	if got, want := sent.Load(), int32(3*calls); got != want {
		t.Errorf("%d calls to a failing service made %d attempts, want %d: every call retries, however many failed before", calls, got, want)
	}
}

// TestWithAPIOptions: options given to Clients are on every client made
// from its Configs, before the call is sent (a plan's read-only guard).
func TestWithAPIOptions(t *testing.T) {
	isolate(t)
	var sent atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		sent.Add(1)
	}))
	defer srv.Close()
	errRefused := errors.New("refused")
	refuse := func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("Refuse",
			func(context.Context, middleware.InitializeInput, middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return middleware.InitializeOutput{}, middleware.Metadata{}, errRefused
			}), middleware.After)
	}
	k := kube(t)
	cfg, err := NewClients(k, k, providerconfig.EndpointPolicy{}, nil, WithAPIOptions(refuse)).Connect(context.Background(), bucketUsing(teamAWS), "eu-west-1")
	if err != nil {
		t.Fatalf("Connect(...): %v", err)
	}
	cl := rds.NewFromConfig(cfg.AWS, func(o *rds.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	if _, err := cl.DeleteDBInstance(context.Background(), &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db")}); !errors.Is(err, errRefused) {
		t.Errorf("DeleteDBInstance(...): got %v, want the option's refusal", err)
	}
	if _, err := cfg.sts().GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); !errors.Is(err, errRefused) {
		t.Errorf("GetCallerIdentity(...): got %v, want the option's refusal: STS, which role chains use, has it too", err)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("the service got %d calls, want none", n)
	}
}
