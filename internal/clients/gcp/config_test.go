package gcp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/option"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/common"
	storagev1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	"github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
)

// Values that stand for secrets: no error may ever contain one.
const (
	testKeyID        = "0123456789abcdef0123456789abcdef01234567"
	testEmail        = "x@p.iam.gserviceaccount.com"
	testTeamEmail    = "team@t.iam.gserviceaccount.com"
	testTokenURI     = "http://127.0.0.1:1/token"
	testClientSecret = "d-EXAMPLECLIENTSECRETvalue"
	testRefreshToken = "1//0gEXAMPLEREFRESHTOKENvalue"
	testOddType      = "s3cr3t-type-value"
)

// privateKey is an RSA key in PKCS#8 PEM, made once per test run.
var privateKey = sync.OnceValues(func() (string, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
})

func testPrivateKey(t *testing.T) string {
	t.Helper()
	k, err := privateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// secrets are the values no error message may contain: every value of
// every key the tests store, and a line of the private key on its own.
func secrets(t *testing.T) []string {
	pk := testPrivateKey(t)
	return []string{
		pk, strings.Split(pk, "\n")[1], testKeyID, testEmail, testTeamEmail, testTokenURI,
		testClientSecret, testRefreshToken, testOddType, "authorized_user",
	}
}

// leaked returns the secret value err contains, or "".
func leaked(t *testing.T, err error) string {
	if err == nil {
		return ""
	}
	for _, s := range secrets(t) {
		if strings.Contains(err.Error(), s) {
			return s
		}
	}
	return ""
}

// serviceAccountKey is a service account key as Google Cloud issues it, for
// email in project, with mods applied.
func serviceAccountKey(t *testing.T, project, email string, mods ...func(map[string]string)) string {
	t.Helper()
	k := map[string]string{
		"type":           "service_account",
		"project_id":     project,
		"private_key_id": testKeyID,
		"private_key":    testPrivateKey(t),
		"client_email":   email,
		"client_id":      "1",
		"token_uri":      testTokenURI,
	}
	for _, m := range mods {
		m(k)
	}
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func secret(namespace, name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func secretRef(namespace, key string) *common.SecretKeySelector {
	return &common.SecretKeySelector{Name: "gcp-creds", Namespace: namespace, Key: key}
}

func fromSecret(namespace, key string) v1alpha1.ProviderConfigSpec {
	return v1alpha1.ProviderConfigSpec{
		ProjectID:   "my-project",
		Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef(namespace, key)},
	}
}

// kube holds the Secrets and configs the tests read.
func kube(t *testing.T) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, v1alpha1.SchemeBuilder.AddToScheme, storagev1alpha1.SchemeBuilder.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(
		secret("crossplane-system", "gcp-creds", map[string]string{
			"key.json": serviceAccountKey(t, "my-project", testEmail),
			"pem":      testPrivateKey(t),
			"user": fmt.Sprintf(`{"type":"authorized_user","client_id":"1","client_secret":%q,"refresh_token":%q}`,
				testClientSecret, testRefreshToken),
			"odd-type":       serviceAccountKey(t, "my-project", testEmail, func(k map[string]string) { k["type"] = testOddType }),
			"no-email":       serviceAccountKey(t, "my-project", testEmail, func(k map[string]string) { delete(k, "client_email") }),
			"no-private-key": serviceAccountKey(t, "my-project", testEmail, func(k map[string]string) { delete(k, "private_key") }),
			"truncated":      serviceAccountKey(t, "my-project", testEmail)[:200],
		}),
		secret("team-a", "gcp-creds", map[string]string{"key.json": serviceAccountKey(t, "team-project", testTeamEmail)}),
		&v1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-gcp"},
			Spec:       fromSecret("", "key.json"),
		},
		&v1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "sneaky"},
			Spec:       fromSecret("crossplane-system", "key.json"),
		},
		&v1alpha1.ClusterProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: "default"},
			Spec:       fromSecret("crossplane-system", "key.json"),
		},
	).Build()
}

// isolate makes Application Default Credentials fail at once if anything
// looks for them, so that no test reads the machine's credentials or asks
// a metadata server.
func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(dir, "missing.json"))
	t.Setenv("CLOUDSDK_CONFIG", dir)
}

// Kinds of client option, by the type behind option.ClientOption.
var optionKinds = map[reflect.Type]string{
	reflect.TypeOf(option.WithCredentials(nil)):    "credentials",
	reflect.TypeOf(option.WithoutAuthentication()): "withoutAuthentication",
	reflect.TypeOf(option.WithTokenSource(nil)):    "tokenSource",
}

func kinds(opts []option.ClientOption) []string {
	var k []string
	for _, o := range opts {
		name, ok := optionKinds[reflect.TypeOf(o)]
		if !ok {
			name = fmt.Sprintf("%T", o)
		}
		k = append(k, name)
	}
	return k
}

// credentials returns the credentials an option.WithCredentials holds. The
// option's type is unexported but is a *google.Credentials underneath.
func credentials(o option.ClientOption) *google.Credentials {
	v, ct := reflect.ValueOf(o), reflect.TypeOf(&google.Credentials{})
	if !v.IsValid() || !v.Type().ConvertibleTo(ct) {
		return nil
	}
	return v.Convert(ct).Interface().(*google.Credentials)
}

func TestStorageEndpoint(t *testing.T) {
	cases := map[string]struct {
		reason   string
		endpoint *v1alpha1.Endpoint
		want     string
	}{
		"NoOverride": {
			reason: "Without an endpoint, Google's is used.",
		},
		"NoStorage": {
			reason:   "An endpoint block without storage uses Google's.",
			endpoint: &v1alpha1.Endpoint{},
		},
		"Storage": {
			reason:   "The storage endpoint is used when set.",
			endpoint: &v1alpha1.Endpoint{Storage: "http://127.0.0.1:4443/storage/v1/"},
			want:     "http://127.0.0.1:4443/storage/v1/",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := Config{Spec: v1alpha1.ProviderConfigSpec{Endpoint: tc.endpoint}}
			if diff := cmp.Diff(tc.want, c.StorageEndpoint()); diff != "" {
				t.Errorf("\n%s\nStorageEndpoint(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNewConfig(t *testing.T) {
	impersonate := func(spec v1alpha1.ProviderConfigSpec, sa string) v1alpha1.ProviderConfigSpec {
		spec.Impersonate = &v1alpha1.Impersonation{ServiceAccount: sa, Delegates: []string{"hop@p.iam.gserviceaccount.com"}}
		return spec
	}
	none := v1alpha1.ProviderConfigSpec{ProjectID: "my-project", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone}}

	type args struct {
		spec            v1alpha1.ProviderConfigSpec
		secretNamespace string
	}
	type want struct {
		options []string // kinds of the options returned
		key     string   // the key the credentials option holds; "" for none
		err     error
		msg     []string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"ClusterProviderConfigSecret": {
			reason: "A ClusterProviderConfig reads the Secret in the namespace it names.",
			args:   args{spec: fromSecret("crossplane-system", "key.json")},
			want:   want{options: []string{"credentials"}, key: serviceAccountKey(t, "my-project", testEmail)},
		},
		"ProviderConfigSecret": {
			reason: "A ProviderConfig reads the Secret in its own namespace.",
			args:   args{spec: fromSecret("", "key.json"), secretNamespace: "team-a"},
			want:   want{options: []string{"credentials"}, key: serviceAccountKey(t, "team-project", testTeamEmail)},
		},
		"NamespacedEnvironment": {
			reason: "A namespaced ProviderConfig must not borrow the provider's own identity from the environment.",
			args: args{spec: v1alpha1.ProviderConfigSpec{ProjectID: "my-project", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceEnvironment}},
				secretNamespace: "team-a"},
			want: want{err: cmpopts.AnyError, msg: []string{"a namespaced ProviderConfig must not use source Environment"}},
		},
		"ProviderConfigNamesOwnNamespace": {
			reason: "A ProviderConfig may name its own namespace.",
			args:   args{spec: fromSecret("team-a", "key.json"), secretNamespace: "team-a"},
			want:   want{options: []string{"credentials"}, key: serviceAccountKey(t, "team-project", testTeamEmail)},
		},
		"ProviderConfigNamesOtherNamespace": {
			reason: "A ProviderConfig must not read a Secret in another namespace, even one that exists.",
			args:   args{spec: fromSecret("crossplane-system", "key.json"), secretNamespace: "team-a"},
			want: want{
				err: cmpopts.AnyError,
				msg: []string{`a ProviderConfig can only read Secrets in its own namespace "team-a", not "crossplane-system"`},
			},
		},
		"ClusterProviderConfigWithoutNamespace": {
			reason: "A ClusterProviderConfig must name its Secret's namespace.",
			args:   args{spec: fromSecret("", "key.json")},
			want:   want{err: cmpopts.AnyError, msg: []string{"must name the namespace of its credentials Secret"}},
		},
		"NoSecretRef": {
			reason: "Source Secret without a secretRef is an error.",
			args:   args{spec: v1alpha1.ProviderConfigSpec{Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret}}},
			want:   want{err: cmpopts.AnyError, msg: []string{"credentials.secretRef is required"}},
		},
		"MissingSecret": {
			reason: "A Secret that does not exist is an error naming it.",
			args: args{spec: v1alpha1.ProviderConfigSpec{Credentials: v1alpha1.Credentials{
				Source:    v1alpha1.CredentialsSourceSecret,
				SecretRef: &common.SecretKeySelector{Namespace: "crossplane-system", Name: "nope", Key: "key.json"},
			}}},
			want: want{err: cmpopts.AnyError, msg: []string{"cannot get credentials Secret crossplane-system/nope", "not found"}},
		},
		"MissingKey": {
			reason: "A key the Secret lacks is an error naming the Secret and the key.",
			args:   args{spec: fromSecret("crossplane-system", "creds")},
			want:   want{err: cmpopts.AnyError, msg: []string{`credentials Secret crossplane-system/gcp-creds has no key "creds"`}},
		},
		"NotJSON": {
			reason: "A key that is not JSON (here a bare private key) is an error that says so, without quoting it.",
			args:   args{spec: fromSecret("crossplane-system", "pem")},
			want: want{err: cmpopts.AnyError, msg: []string{
				`key "pem" of credentials Secret crossplane-system/gcp-creds`, "is not JSON",
			}},
		},
		"TruncatedJSON": {
			reason: "Truncated JSON is an error that says it is not JSON, without the parser's quote of it.",
			args:   args{spec: fromSecret("crossplane-system", "truncated")},
			want: want{err: cmpopts.AnyError, msg: []string{
				`key "truncated" of credentials Secret crossplane-system/gcp-creds`, "is not JSON",
			}},
		},
		"AuthorizedUser": {
			reason: "A user's credentials are refused: only service account keys are accepted, and no value of them is quoted.",
			args:   args{spec: fromSecret("crossplane-system", "user")},
			want: want{err: cmpopts.AnyError, msg: []string{
				`key "user" of credentials Secret crossplane-system/gcp-creds`, "service account key",
			}},
		},
		"OddType": {
			reason: "Whatever the type field holds is not quoted.",
			args:   args{spec: fromSecret("crossplane-system", "odd-type")},
			want: want{err: cmpopts.AnyError, msg: []string{
				`key "odd-type" of credentials Secret crossplane-system/gcp-creds`, "service account key",
			}},
		},
		"NoClientEmail": {
			reason: "A key without client_email is an error that names the field.",
			args:   args{spec: fromSecret("crossplane-system", "no-email")},
			want: want{err: cmpopts.AnyError, msg: []string{
				`key "no-email" of credentials Secret crossplane-system/gcp-creds`, "lacks client_email or private_key",
			}},
		},
		"NoPrivateKey": {
			reason: "A key without private_key is an error that names the field.",
			args:   args{spec: fromSecret("crossplane-system", "no-private-key")},
			want: want{err: cmpopts.AnyError, msg: []string{
				`key "no-private-key" of credentials Secret crossplane-system/gcp-creds`, "lacks client_email or private_key",
			}},
		},
		"None": {
			reason: "Source None sends no credentials, for emulators.",
			args:   args{spec: none},
			want:   want{options: []string{"withoutAuthentication"}},
		},
		"Environment": {
			reason: "Source Environment leaves the client to find Application Default Credentials: no options.",
			args:   args{spec: v1alpha1.ProviderConfigSpec{ProjectID: "my-project", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceEnvironment}}},
			want:   want{},
		},
		"UnsupportedSource": {
			reason: "A source the provider does not know is an error.",
			args:   args{spec: v1alpha1.ProviderConfigSpec{Credentials: v1alpha1.Credentials{Source: "Vault"}}},
			want:   want{err: cmpopts.AnyError, msg: []string{`unsupported credentials source "Vault"`}},
		},
		"ImpersonateFromSecret": {
			reason: "Impersonation replaces the Secret's credentials with one token source, built without a call.",
			args:   args{spec: impersonate(fromSecret("crossplane-system", "key.json"), "target@p.iam.gserviceaccount.com")},
			want:   want{options: []string{"tokenSource"}},
		},
		"ImpersonateWithoutAuthentication": {
			reason: "Impersonation works from source None too.",
			args:   args{spec: impersonate(none, "target@p.iam.gserviceaccount.com")},
			want:   want{options: []string{"tokenSource"}},
		},
		"ImpersonateNobody": {
			reason: "Impersonation without a service account is an error.",
			args:   args{spec: impersonate(none, "")},
			want:   want{err: cmpopts.AnyError, msg: []string{"cannot impersonate"}},
		},
		"ImpersonateAfterFailedSecret": {
			reason: "A failure to read the Secret is returned before impersonation is tried.",
			args:   args{spec: impersonate(fromSecret("crossplane-system", "user"), "target@p.iam.gserviceaccount.com")},
			want:   want{err: cmpopts.AnyError, msg: []string{"service account key"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			got, err := NewConfig(context.Background(), kube(t), tc.args.spec, tc.args.secretNamespace)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nNewConfig(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			for _, m := range tc.want.msg {
				if err == nil || !strings.Contains(err.Error(), m) {
					t.Errorf("\n%s\nNewConfig(...): error %v should contain %q", tc.reason, err, m)
				}
			}
			if s := leaked(t, err); s != "" {
				t.Errorf("\n%s\nNewConfig(...): error %q contains the secret value %q", tc.reason, err, s)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.args.spec, got.Spec); diff != "" {
				t.Errorf("\n%s\nNewConfig(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff("", got.ProviderConfigName); diff != "" {
				t.Errorf("\n%s\nNewConfig(...): -want ProviderConfigName, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.options, kinds(got.Options)); diff != "" {
				t.Errorf("\n%s\nNewConfig(...): -want option kinds, +got option kinds:\n%s", tc.reason, diff)
			}
			if tc.want.key == "" {
				return
			}
			creds := credentials(got.Options[0])
			if creds == nil {
				t.Fatalf("\n%s\nNewConfig(...): option %T holds no credentials", tc.reason, got.Options[0])
			}
			if diff := cmp.Diff(tc.want.key, string(creds.JSON)); diff != "" {
				t.Errorf("\n%s\nNewConfig(...): -want key, +got key:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnect(t *testing.T) {
	type want struct {
		providerConfig string
		spec           v1alpha1.ProviderConfigSpec
		key            string
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
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-gcp"},
			want: want{
				providerConfig: "team-gcp",
				spec:           fromSecret("", "key.json"),
				key:            serviceAccountKey(t, "team-project", testTeamEmail),
			},
		},
		"ClusterProviderConfig": {
			reason: "A ClusterProviderConfig configures the client with the Secret it names.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"},
			want: want{
				providerConfig: "default",
				spec:           fromSecret("crossplane-system", "key.json"),
				key:            serviceAccountKey(t, "my-project", testEmail),
			},
		},
		"ProviderConfigNamesOtherNamespace": {
			reason: "A ProviderConfig that names another namespace's Secret is refused, and the error names the config.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "sneaky"},
			want: want{err: cmpopts.AnyError, msg: []string{
				`cannot configure Google Cloud client from ProviderConfig "sneaky"`, "can only read Secrets in its own namespace",
			}},
		},
		"NoProviderConfig": {
			reason: "A config that does not exist is an error naming it.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "nope"},
			want:   want{err: cmpopts.AnyError, msg: []string{`cannot get ProviderConfig "nope"`}},
		},
		"NoProviderConfigRef": {
			reason: "A resource without a config reference is an error.",
			want:   want{err: cmpopts.AnyError, msg: []string{"spec.providerConfigRef is not set"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			mg := &storagev1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "my-bucket"}}
			mg.SetProviderConfigReference(tc.ref)
			got, err := Connect(context.Background(), kube(t), mg)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			for _, m := range tc.want.msg {
				if err == nil || !strings.Contains(err.Error(), m) {
					t.Errorf("\n%s\nConnect(...): error %v should contain %q", tc.reason, err, m)
				}
			}
			if s := leaked(t, err); s != "" {
				t.Errorf("\n%s\nConnect(...): error %q contains the secret value %q", tc.reason, err, s)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.want.providerConfig, got.ProviderConfigName); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want ProviderConfigName, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.spec, got.Spec); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff([]string{"credentials"}, kinds(got.Options)); diff != "" {
				t.Fatalf("\n%s\nConnect(...): -want option kinds, +got option kinds:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.key, string(credentials(got.Options[0]).JSON)); diff != "" {
				t.Errorf("\n%s\nConnect(...): -want key, +got key:\n%s", tc.reason, diff)
			}
		})
	}
}
