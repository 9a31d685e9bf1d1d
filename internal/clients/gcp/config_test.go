package gcp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	"github.com/appinfra/provider-appinfra/internal/clients/apilimit"
	"github.com/appinfra/provider-appinfra/internal/clients/cloudcall"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
)

// Values that stand for secrets: no error may ever contain one.
const (
	testKeyID        = "0123456789abcdef0123456789abcdef01234567"
	testEmail        = "x@p.iam.gserviceaccount.com"
	testTeamEmail    = "team@t.iam.gserviceaccount.com"
	testTokenURI     = "http://127.0.0.1:1/token"
	testRotatedEmail = "rotated@t.iam.gserviceaccount.com"
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
		pk, strings.Split(pk, "\n")[1], testKeyID, testEmail, testTeamEmail, testRotatedEmail, testTokenURI,
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

// googleTokenURI makes a key name Google's token endpoint.
func googleTokenURI(k map[string]string) { k["token_uri"] = "https://oauth2.googleapis.com/token" }

// testEmulator is a storage endpoint a tenant might name.
const testEmulator = "http://fake-gcs.storage.svc:4443/storage/v1/"

// allowTestTokenURI lets namespaced ProviderConfigs use the keys the tests
// store, which name a local token endpoint so that nothing reaches Google.
var allowTestTokenURI = providerconfig.EndpointPolicy{NamespacedPrefixes: []string{"http://127.0.0.1:1/"}}

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
		secret("team-a", "gcp-creds", map[string]string{
			"key.json":        serviceAccountKey(t, "team-project", testTeamEmail),
			"google-key.json": serviceAccountKey(t, "team-project", testTeamEmail, googleTokenURI),
		}),
		&v1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-gcp", UID: "team-gcp-uid", Generation: 1},
			Spec:       fromSecret("", "key.json"),
		},
		&v1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-google"},
			Spec:       fromSecret("", "google-key.json"),
		},
		&v1alpha1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-emulator"},
			Spec: v1alpha1.ProviderConfigSpec{
				ProjectID:   "team-project",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
				Endpoint:    &v1alpha1.Endpoint{Storage: testEmulator},
			},
		},
		&v1alpha1.ClusterProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: "emulator"},
			Spec: v1alpha1.ProviderConfigSpec{
				ProjectID:   "my-project",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
				Endpoint:    &v1alpha1.Endpoint{Storage: testEmulator},
			},
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

// bucketUsing is a GCS Bucket in team-a referencing ref.
func bucketUsing(ref *xpv2.ProviderConfigReference) *storagev1alpha1.Bucket {
	mg := &storagev1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "my-bucket"}}
	mg.SetProviderConfigReference(ref)
	return mg
}

// deleting marks mg as being deleted, as the API server does: with a
// deletion timestamp and the finalizer that keeps it.
func deleting(mg *storagev1alpha1.Bucket) *storagev1alpha1.Bucket {
	mg.SetDeletionTimestamp(&metav1.Time{Time: time.Now()})
	mg.SetFinalizers([]string{"finalizer.managedresource.crossplane.io"})
	return mg
}

var teamGCP = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-gcp"}

func TestConfig(t *testing.T) {
	impersonate := func(spec v1alpha1.ProviderConfigSpec, sa string) v1alpha1.ProviderConfigSpec {
		spec.Impersonate = &v1alpha1.Impersonation{ServiceAccount: sa, Delegates: []string{"hop@p.iam.gserviceaccount.com"}}
		return spec
	}
	none := v1alpha1.ProviderConfigSpec{ProjectID: "my-project", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone}}
	withStorage := func(spec v1alpha1.ProviderConfigSpec, u string) v1alpha1.ProviderConfigSpec {
		spec.Endpoint = &v1alpha1.Endpoint{Storage: u}
		return spec
	}

	type args struct {
		spec v1alpha1.ProviderConfigSpec
		// secretNamespace makes the config a ProviderConfig of that
		// namespace; "" a ClusterProviderConfig.
		secretNamespace string
		policy          providerconfig.EndpointPolicy
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
			reason: "A ClusterProviderConfig reads the Secret in the namespace it names, and may use a key whose token_uri is not Google's.",
			args:   args{spec: fromSecret("crossplane-system", "key.json")},
			want:   want{options: []string{"credentials"}, key: serviceAccountKey(t, "my-project", testEmail)},
		},
		"ProviderConfigSecret": {
			reason: "A ProviderConfig reads the Secret in its own namespace.",
			args:   args{spec: fromSecret("", "key.json"), secretNamespace: "team-a", policy: allowTestTokenURI},
			want:   want{options: []string{"credentials"}, key: serviceAccountKey(t, "team-project", testTeamEmail)},
		},
		"ProviderConfigGoogleTokenURI": {
			reason: "A ProviderConfig's key naming Google's token endpoint needs no allow-listing.",
			args:   args{spec: fromSecret("", "google-key.json"), secretNamespace: "team-a"},
			want:   want{options: []string{"credentials"}, key: serviceAccountKey(t, "team-project", testTeamEmail, googleTokenURI)},
		},
		"ProviderConfigForeignTokenURI": {
			reason: "A ProviderConfig's key naming another token endpoint is refused unless allow-listed: the provider would post a signed assertion there from its own network position. The error names the key, not the URI it read from the Secret.",
			args:   args{spec: fromSecret("", "key.json"), secretNamespace: "team-a"},
			want: want{err: cmpopts.AnyError, msg: []string{
				`key "key.json" of credentials Secret team-a/gcp-creds names a token_uri that is not Google's`, "--namespaced-endpoint-prefixes",
			}},
		},
		"ProviderConfigForeignTokenURIOtherPrefix": {
			reason: "An allowed prefix that does not cover the key's token_uri does not allow it.",
			args: args{spec: fromSecret("", "key.json"), secretNamespace: "team-a",
				policy: providerconfig.EndpointPolicy{NamespacedPrefixes: []string{"http://127.0.0.1:2/"}}},
			want: want{err: cmpopts.AnyError, msg: []string{"names a token_uri that is not Google's"}},
		},
		"NamespacedEnvironment": {
			reason: "A namespaced ProviderConfig must not borrow the provider's own identity from the environment.",
			args: args{spec: v1alpha1.ProviderConfigSpec{ProjectID: "my-project", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceEnvironment}},
				secretNamespace: "team-a"},
			want: want{err: cmpopts.AnyError, msg: []string{"a namespaced ProviderConfig must not use source Environment"}},
		},
		"ProviderConfigNamesOwnNamespace": {
			reason: "A ProviderConfig may name its own namespace.",
			args:   args{spec: fromSecret("team-a", "key.json"), secretNamespace: "team-a", policy: allowTestTokenURI},
			want:   want{options: []string{"credentials"}, key: serviceAccountKey(t, "team-project", testTeamEmail)},
		},
		"ProviderConfigNamesOtherNamespace": {
			reason: "A ProviderConfig must not read a Secret in another namespace, even one that exists.",
			args:   args{spec: fromSecret("crossplane-system", "key.json"), secretNamespace: "team-a", policy: allowTestTokenURI},
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
			reason: "Source None has no credentials to impersonate with: refused, as the API's validation and the README say, rather than sending unauthenticated impersonation requests.",
			args:   args{spec: impersonate(none, "target@p.iam.gserviceaccount.com")},
			want:   want{err: cmpopts.AnyError, msg: []string{"impersonation needs credentials: source None cannot impersonate"}},
		},
		"ImpersonateNobody": {
			reason: "Impersonation without a service account is an error.",
			args:   args{spec: impersonate(fromSecret("crossplane-system", "key.json"), "")},
			want:   want{err: cmpopts.AnyError, msg: []string{"cannot impersonate"}},
		},
		"ImpersonateAfterFailedSecret": {
			reason: "A failure to read the Secret is returned before impersonation is tried.",
			args:   args{spec: impersonate(fromSecret("crossplane-system", "user"), "target@p.iam.gserviceaccount.com")},
			want:   want{err: cmpopts.AnyError, msg: []string{"service account key"}},
		},
		"NamespacedStorageEndpointRefused": {
			reason: "A namespaced ProviderConfig may not point the storage client, and its token, at a URL of its choosing by default.",
			args:   args{spec: withStorage(none, testEmulator), secretNamespace: "team-a"},
			want:   want{err: cmpopts.AnyError, msg: []string{`endpoint.storage "` + testEmulator + `" is not allowed in a namespaced ProviderConfig`}},
		},
		"NamespacedStorageEndpointAllowed": {
			reason: "A namespaced ProviderConfig may use a storage endpoint the policy covers.",
			args: args{spec: withStorage(none, testEmulator), secretNamespace: "team-a",
				policy: providerconfig.EndpointPolicy{NamespacedPrefixes: []string{"http://fake-gcs.storage.svc:4443/"}}},
			want: want{options: []string{"withoutAuthentication"}},
		},
		"NamespacedSQLAdminEndpointRefused": {
			reason: "The Cloud SQL Admin and Memorystore endpoints are held to the same policy as the storage one.",
			args: args{spec: func() v1alpha1.ProviderConfigSpec {
				s := none
				s.Endpoint = &v1alpha1.Endpoint{SQLAdmin: "http://169.254.169.254/"}
				return s
			}(), secretNamespace: "team-a"},
			want: want{err: cmpopts.AnyError, msg: []string{`endpoint.sqlAdmin "http://169.254.169.254/" is not allowed in a namespaced ProviderConfig`}},
		},
		"NamespacedRedisEndpointRefused": {
			reason: "The Cloud SQL Admin and Memorystore endpoints are held to the same policy as the storage one.",
			args: args{spec: func() v1alpha1.ProviderConfigSpec {
				s := none
				s.Endpoint = &v1alpha1.Endpoint{Redis: "http://169.254.169.254/"}
				return s
			}(), secretNamespace: "team-a"},
			want: want{err: cmpopts.AnyError, msg: []string{`endpoint.redis "http://169.254.169.254/" is not allowed in a namespaced ProviderConfig`}},
		},
		"ClusterStorageEndpoint": {
			reason: "A ClusterProviderConfig may set any storage endpoint.",
			args:   args{spec: withStorage(none, "http://169.254.169.254/")},
			want:   want{options: []string{"withoutAuthentication"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			ref := providerconfig.Ref[v1alpha1.ProviderConfigSpec]{
				Kind: providerconfig.KindClusterProviderConfig, Name: "test", Spec: tc.args.spec, UID: "test-uid", Generation: 1,
			}
			if ns := tc.args.secretNamespace; ns != "" {
				ref.Kind, ref.Namespace, ref.SecretNamespace = providerconfig.KindProviderConfig, ns, ns
			}
			k := kube(t)
			got, err := NewClients(k, k, tc.args.policy, nil).config(context.Background(), ref)
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nconfig(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			for _, m := range tc.want.msg {
				if err == nil || !strings.Contains(err.Error(), m) {
					t.Errorf("\n%s\nconfig(...): error %v should contain %q", tc.reason, err, m)
				}
			}
			if s := leaked(t, err); s != "" {
				t.Errorf("\n%s\nconfig(...): error %q contains the secret value %q", tc.reason, err, s)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.args.spec, got.Spec); diff != "" {
				t.Errorf("\n%s\nconfig(...): -want spec, +got spec:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff("test", got.ProviderConfigName); diff != "" {
				t.Errorf("\n%s\nconfig(...): -want ProviderConfigName, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.options, kinds(got.Options)); diff != "" {
				t.Errorf("\n%s\nconfig(...): -want option kinds, +got option kinds:\n%s", tc.reason, diff)
			}
			if tc.want.key == "" {
				return
			}
			creds := credentials(got.Options[0])
			if creds == nil {
				t.Fatalf("\n%s\nconfig(...): option %T holds no credentials", tc.reason, got.Options[0])
			}
			if diff := cmp.Diff(tc.want.key, string(creds.JSON)); diff != "" {
				t.Errorf("\n%s\nconfig(...): -want key, +got key:\n%s", tc.reason, diff)
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
		policy providerconfig.EndpointPolicy
		want   want
	}{
		"ProviderConfig": {
			reason: "A ProviderConfig in the resource's namespace configures the client with its namespace's Secret.",
			ref:    teamGCP,
			policy: allowTestTokenURI,
			want: want{
				providerConfig: "team-gcp",
				spec:           fromSecret("", "key.json"),
				key:            serviceAccountKey(t, "team-project", testTeamEmail),
			},
		},
		"ProviderConfigForeignTokenURI": {
			reason: "A ProviderConfig whose key names a token endpoint the policy does not cover is refused, and the error names the config.",
			ref:    teamGCP,
			want: want{err: cmpopts.AnyError, msg: []string{
				`cannot configure Google Cloud client from ProviderConfig "team-gcp"`, "names a token_uri that is not Google's",
			}},
		},
		"ProviderConfigGoogleTokenURI": {
			reason: "A ProviderConfig whose key names Google's token endpoint needs no policy.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-google"},
			want: want{
				providerConfig: "team-google",
				spec:           fromSecret("", "google-key.json"),
				key:            serviceAccountKey(t, "team-project", testTeamEmail, googleTokenURI),
			},
		},
		"ClusterProviderConfig": {
			reason: "A ClusterProviderConfig configures the client with the Secret it names, whatever its key's token endpoint.",
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
			policy: allowTestTokenURI,
			want: want{err: cmpopts.AnyError, msg: []string{
				`cannot configure Google Cloud client from ProviderConfig "sneaky"`, "can only read Secrets in its own namespace",
			}},
		},
		"NamespacedStorageEndpoint": {
			reason: "A ProviderConfig with a storage endpoint the policy does not cover is refused.",
			ref:    &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "team-emulator"},
			policy: allowTestTokenURI,
			want: want{err: cmpopts.AnyError, msg: []string{
				`cannot configure Google Cloud client from ProviderConfig "team-emulator"`, `endpoint.storage "` + testEmulator + `" is not allowed`,
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
			k := kube(t)
			got, err := NewClients(k, k, tc.policy, nil).Connect(context.Background(), bucketUsing(tc.ref))
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

func TestConnectCache(t *testing.T) {
	teamConfig := &v1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-gcp"}}
	teamSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "gcp-creds"}}

	type want struct {
		same  bool // whether the second Connect returns the first's Config
		built int
		key   string // the second Config's
	}
	cases := map[string]struct {
		reason string
		change func(t *testing.T, kube client.Client) // between the two Connects
		want   want
	}{
		"NothingChanged": {
			reason: "A second Connect with nothing changed returns the Config built by the first, without building one.",
			want:   want{same: true, built: 1, key: serviceAccountKey(t, "team-project", testTeamEmail)},
		},
		"SecretUpdated": {
			reason: "An updated credentials Secret (a new resourceVersion) builds a new Config with the new key.",
			change: func(t *testing.T, kube client.Client) {
				update(t, kube, teamSecret.DeepCopy(), func(s *corev1.Secret) {
					s.Data["key.json"] = []byte(serviceAccountKey(t, "team-project", testRotatedEmail))
				})
			},
			want: want{built: 2, key: serviceAccountKey(t, "team-project", testRotatedEmail)},
		},
		"ConfigGenerationBumped": {
			reason: "A change of the config's spec (a new generation) builds a new Config.",
			change: func(t *testing.T, kube client.Client) {
				update(t, kube, teamConfig.DeepCopy(), func(pc *v1alpha1.ProviderConfig) {
					pc.Spec.ProjectNumber = "123"
					pc.Generation++
				})
			},
			want: want{built: 2, key: serviceAccountKey(t, "team-project", testTeamEmail)},
		},
		"ConfigMetadataChanged": {
			reason: "A change of the config that leaves its generation alone (a label) is not a reason to rebuild.",
			change: func(t *testing.T, kube client.Client) {
				update(t, kube, teamConfig.DeepCopy(), func(pc *v1alpha1.ProviderConfig) { pc.Labels = map[string]string{"team": "a"} })
			},
			want: want{same: true, built: 1, key: serviceAccountKey(t, "team-project", testTeamEmail)},
		},
		"ConfigReplaced": {
			reason: "A config deleted and created again under the same name (a new UID) builds a new Config.",
			change: func(t *testing.T, kube client.Client) {
				ctx := context.Background()
				pc := teamConfig.DeepCopy()
				if err := kube.Get(ctx, client.ObjectKeyFromObject(pc), pc); err != nil {
					t.Fatal(err)
				}
				if err := kube.Delete(ctx, pc); err != nil {
					t.Fatal(err)
				}
				pc.ResourceVersion, pc.UID = "", "team-gcp-uid-2"
				if err := kube.Create(ctx, pc); err != nil {
					t.Fatal(err)
				}
			},
			want: want{built: 2, key: serviceAccountKey(t, "team-project", testTeamEmail)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			ctx := context.Background()
			k := kube(t)
			c := NewClients(k, k, allowTestTokenURI, nil)
			first, err := c.Connect(ctx, bucketUsing(teamGCP))
			if err != nil {
				t.Fatalf("\n%s\nConnect(...): %v", tc.reason, err)
			}
			if tc.change != nil {
				tc.change(t, k)
			}
			second, err := c.Connect(ctx, bucketUsing(teamGCP))
			if err != nil {
				t.Fatalf("\n%s\nsecond Connect(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.same, first == second); diff != "" {
				t.Errorf("\n%s\nsecond Connect(...) returned the first Config: -want, +got:\n%s", tc.reason, diff)
			}
			live, built := c.Stats()
			if diff := cmp.Diff([2]int{1, tc.want.built}, [2]int{live, built}); diff != "" {
				t.Errorf("\n%s\nStats() [live, built]: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff([]string{"credentials"}, kinds(second.Options)); diff != "" {
				t.Fatalf("\n%s\nsecond Connect(...): -want option kinds, +got option kinds:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.key, string(credentials(second.Options[0]).JSON)); diff != "" {
				t.Errorf("\n%s\nsecond Connect(...): -want key, +got key:\n%s", tc.reason, diff)
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
	teamConfig := &v1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-gcp"}}
	teamSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "gcp-creds"}}

	type want struct {
		last bool // whether Connect returns the Config built before
		err  error
		msg  []string
	}
	cases := map[string]struct {
		reason    string
		connected bool // whether the resource connected before
		remove    func(t *testing.T, kube client.Client)
		deleting  bool
		want      want
	}{
		"DeletingConfigGone": {
			reason:    "A resource being deleted whose ProviderConfig is gone (its namespace is being deleted) gets the last Config built for it.",
			connected: true,
			remove:    remove(teamConfig),
			deleting:  true,
			want:      want{last: true},
		},
		"DeletingSecretGone": {
			reason:    "A resource being deleted whose credentials Secret is gone gets the last Config built for it.",
			connected: true,
			remove:    remove(teamSecret),
			deleting:  true,
			want:      want{last: true},
		},
		"LiveConfigGone": {
			reason:    "A live resource whose ProviderConfig is gone gets the error, not a Config of a config that no longer exists.",
			connected: true,
			remove:    remove(teamConfig),
			want:      want{err: cmpopts.AnyError, msg: []string{`cannot get ProviderConfig "team-gcp"`}},
		},
		"LiveSecretGone": {
			reason:    "A live resource whose credentials Secret is gone gets the error.",
			connected: true,
			remove:    remove(teamSecret),
			want:      want{err: cmpopts.AnyError, msg: []string{"cannot get credentials Secret team-a/gcp-creds"}},
		},
		"DeletingNeverConnected": {
			reason:   "A resource being deleted whose config is gone, and for which no Config was ever built, gets the error.",
			remove:   remove(teamConfig),
			deleting: true,
			want:     want{err: cmpopts.AnyError, msg: []string{`cannot get ProviderConfig "team-gcp"`}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			ctx := context.Background()
			k := kube(t)
			c := NewClients(k, k, allowTestTokenURI, nil)
			var before *Config
			if tc.connected {
				var err error
				if before, err = c.Connect(ctx, bucketUsing(teamGCP)); err != nil {
					t.Fatalf("\n%s\nConnect(...): %v", tc.reason, err)
				}
			}
			tc.remove(t, k)
			mg := bucketUsing(teamGCP)
			if tc.deleting {
				mg = deleting(mg)
			}
			got, err := c.Connect(ctx, mg)
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
	c := NewClients(k, k, allowTestTokenURI, nil)
	const n = 8
	got := make([]*Config, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg, err := c.Connect(ctx, bucketUsing(teamGCP))
			if err != nil {
				t.Errorf("Connect(...): %v", err)
				return
			}
			got[i] = cfg
			_ = cfg.ProviderConfigName // as a controller reads it, for labels
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

func TestProjectNumber(t *testing.T) {
	// crm answers Resource Manager's projects.get as status says, and
	// counts the requests.
	crm := func(t *testing.T, status int) (*httptest.Server, *atomic.Int32) {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			if r.URL.Path != "/v3/projects/my-project" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			if status == http.StatusOK {
				_, _ = w.Write([]byte(`{"name":"projects/4242","projectId":"my-project"}`))
				return
			}
			_, _ = w.Write([]byte(`{"error":{"code":403,"message":"denied"}}`))
		}))
		t.Cleanup(srv.Close)
		return srv, &calls
	}
	cases := map[string]struct {
		reason   string
		number   string
		endpoint *v1alpha1.Endpoint
		crm      int // status Resource Manager answers; 0 for no server
		want     string
		calls    int32 // to Resource Manager, over two ProjectNumber calls
	}{
		"SpecNumber": {
			reason: "The config's projectNumber is the number, without asking Resource Manager.",
			number: "123",
			want:   "123",
		},
		"SpecNumberWithEndpoint": {
			reason:   "The config's projectNumber is the number with an endpoint override too.",
			number:   "123",
			endpoint: &v1alpha1.Endpoint{Storage: testEmulator},
			want:     "123",
		},
		"EndpointWithoutNumber": {
			reason:   "An endpoint override (an emulator) without projectNumber has no number, and nothing is asked.",
			endpoint: &v1alpha1.Endpoint{Storage: testEmulator},
			want:     "",
		},
		"LearntOnce": {
			reason: "Without projectNumber, the number is learnt from Resource Manager once per Config.",
			crm:    http.StatusOK,
			want:   "4242",
			calls:  1,
		},
		"ResourceManagerRefuses": {
			reason: "A refusal (no resourcemanager.projects.get) is no number, and the check is skipped rather than the provider blocked.",
			crm:    http.StatusForbidden,
			want:   "",
			calls:  1,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := &Config{Spec: v1alpha1.ProviderConfigSpec{ProjectID: "my-project", ProjectNumber: tc.number, Endpoint: tc.endpoint}}
			var calls *atomic.Int32
			if tc.crm != 0 {
				var srv *httptest.Server
				srv, calls = crm(t, tc.crm)
				c.Options = []option.ClientOption{option.WithoutAuthentication(), option.WithEndpoint(srv.URL)}
			}
			for i := range 2 {
				if diff := cmp.Diff(tc.want, c.ProjectNumber(context.Background())); diff != "" {
					t.Errorf("\n%s\nProjectNumber(...) call %d: -want, +got:\n%s", tc.reason, i+1, diff)
				}
			}
			if calls != nil {
				if diff := cmp.Diff(tc.calls, calls.Load()); diff != "" {
					t.Errorf("\n%s\nProjectNumber(...): -want Resource Manager calls, +got:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

func TestFormatProjectNumber(t *testing.T) {
	cases := map[string]struct {
		reason string
		n      uint64
		want   string
	}{
		"Zero":    {reason: "GCS reports 0 when it does not say: no number.", n: 0, want: ""},
		"Number":  {reason: "A number is written in decimal.", n: 123456789012, want: "123456789012"},
		"Largest": {reason: "The largest number is written in full, never in exponent form.", n: 18446744073709551615, want: "18446744073709551615"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, FormatProjectNumber(tc.n)); diff != "" {
				t.Errorf("\n%s\nFormatProjectNumber(%d): -want, +got:\n%s", tc.reason, tc.n, diff)
			}
		})
	}
}

func TestStorageRateLimit(t *testing.T) {
	cases := map[string]struct {
		reason string
		limits apilimit.Limits
		key    bool
		// sent is how many of three buckets.get calls, each allowed
		// 200 ms, reach Cloud Storage.
		sent int32
	}{
		"NoLimits": {
			reason: "Without limits every call is sent.",
			sent:   3,
		},
		"Limited": {
			reason: "Once the burst is spent, a call that could not be sent before its deadline fails unsent, retries included.",
			limits: apilimit.Limits{"storage": {Rate: 0.001, Burst: 1}},
			sent:   1,
		},
		"LimitedWithKey": {
			reason: "The limit wraps the authenticated transport: calls still carry the key's token.",
			limits: apilimit.Limits{"storage": {Rate: 0.001, Burst: 2}},
			key:    true,
			sent:   2,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			var sent atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Path == "/token" {
					_, _ = w.Write([]byte(`{"access_token":"test-access-token","token_type":"Bearer","expires_in":3600}`))
					return
				}
				sent.Add(1)
				if want := "Bearer test-access-token"; tc.key && r.Header.Get("Authorization") != want {
					t.Errorf("\n%s\nAuthorization %q, want %q", tc.reason, r.Header.Get("Authorization"), want)
				}
				_, _ = w.Write([]byte(`{"kind":"storage#bucket","name":"b"}`))
			}))
			defer srv.Close()
			spec := v1alpha1.ProviderConfigSpec{
				ProjectID:   "my-project",
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
				Endpoint:    &v1alpha1.Endpoint{Storage: srv.URL + "/storage/v1/"},
			}
			var secret providerconfig.SecretKey
			if tc.key {
				spec.Credentials = v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("", "key.json")}
				secret.Data = []byte(serviceAccountKey(t, "my-project", testEmail, func(k map[string]string) { k["token_uri"] = srv.URL + "/token" }))
			}
			cfg, err := build(spec, secret)
			if err != nil {
				t.Fatalf("build(...): %v", err)
			}
			cfg.limits = tc.limits
			sc, err := cfg.Storage()
			if err != nil {
				t.Fatalf("Storage(): %v", err)
			}
			for range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				_, err := sc.Bucket("b").Attrs(ctx)
				cancel()
				if err != nil && !strings.Contains(err.Error(), "the provider's own storage request rate limit") {
					t.Errorf("\n%s\nAttrs(...): %v", tc.reason, err)
				}
			}
			if got := sent.Load(); got != tc.sent {
				t.Errorf("\n%s\nCloud Storage got %d calls, want %d", tc.reason, got, tc.sent)
			}
		})
	}
}

// TestSQLAdminAndRedisClients: each API's client is made once per config,
// at its endpoint, with the key's token, and its calls are counted under
// the API's own operation names.
func TestSQLAdminAndRedisClients(t *testing.T) {
	isolate(t)
	var paths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/token" {
			_, _ = w.Write([]byte(`{"access_token":"test-access-token","token_type":"Bearer","expires_in":3600}`))
			return
		}
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if want := "Bearer test-access-token"; r.Header.Get("Authorization") != want {
			t.Errorf("Authorization %q, want %q", r.Header.Get("Authorization"), want)
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}`))
	}))
	defer srv.Close()
	spec := v1alpha1.ProviderConfigSpec{
		ProjectID:   "my-project",
		Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("", "key.json")},
		Endpoint:    &v1alpha1.Endpoint{SQLAdmin: srv.URL + "/sql/", Redis: srv.URL + "/redis/"},
	}
	secret := providerconfig.SecretKey{Data: []byte(serviceAccountKey(t, "my-project", testEmail, func(k map[string]string) { k["token_uri"] = srv.URL + "/token" }))}
	cfg, err := build(spec, secret)
	if err != nil {
		t.Fatalf("build(...): %v", err)
	}
	sql1, err := cfg.SQLAdmin()
	if err != nil {
		t.Fatal(err)
	}
	sql2, _ := cfg.SQLAdmin()
	rds1, err := cfg.Redis()
	if err != nil {
		t.Fatal(err)
	}
	rds2, _ := cfg.Redis()
	if sql1 != sql2 || rds1 != rds2 {
		t.Error("a config made a second client of an API")
	}
	sqlBefore := cloudcall.Counted("sqladmin", "instances.get", "404")
	redisBefore := cloudcall.Counted("redis", "instances.get", "404")
	if _, err := sql1.Instances.Get("my-project", "db").Do(); err == nil {
		t.Error("instances.get: want the server's 404")
	}
	if _, err := rds1.Projects.Locations.Instances.Get("projects/my-project/locations/europe-west1/instances/cache").Do(); err == nil {
		t.Error("instances.get: want the server's 404")
	}
	want := []string{"/sql/v1/projects/my-project/instances/db", "/redis/v1/projects/my-project/locations/europe-west1/instances/cache"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("requests: -want, +got:\n%s", diff)
	}
	if got := cloudcall.Counted("sqladmin", "instances.get", "404") - sqlBefore; got != 1 {
		t.Errorf("sqladmin instances.get 404 counted %v times, want 1", got)
	}
	if got := cloudcall.Counted("redis", "instances.get", "404") - redisBefore; got != 1 {
		t.Errorf("redis instances.get 404 counted %v times, want 1", got)
	}
}

// TestWithTransport: the wrap given to Clients is around every API
// client's transport, Resource Manager's included, and sees each request
// before it is sent (a plan's read-only guard).
func TestWithTransport(t *testing.T) {
	isolate(t)
	var sent atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/token" {
			_, _ = w.Write([]byte(`{"access_token":"test-access-token","token_type":"Bearer","expires_in":3600}`))
			return
		}
		sent.Add(1)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	var mu sync.Mutex
	var seen []string
	wrap := func(service string, next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			seen = append(seen, service+" "+r.Method)
			mu.Unlock()
			return nil, errors.New("refused")
		})
	}
	spec := v1alpha1.ProviderConfigSpec{
		ProjectID:   "my-project",
		Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("", "key.json")},
		Endpoint:    &v1alpha1.Endpoint{SQLAdmin: srv.URL + "/sql/"},
	}
	secret := providerconfig.SecretKey{Data: []byte(serviceAccountKey(t, "my-project", testEmail, func(k map[string]string) { k["token_uri"] = srv.URL + "/token" }))}
	cfg, err := build(spec, secret)
	if err != nil {
		t.Fatalf("build(...): %v", err)
	}
	cfg.wrap = NewClients(nil, nil, allowTestTokenURI, nil, WithTransport(wrap)).wrap
	s, err := cfg.SQLAdmin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Instances.Delete("my-project", "db").Do(); err == nil {
		t.Error("instances.delete: want the wrap's refusal")
	}
	// Resource Manager is asked only without an endpoint override.
	cfg.Spec.Endpoint = nil
	if n := cfg.ProjectNumber(context.Background()); n != "" {
		t.Errorf("ProjectNumber() = %q, want none: the wrap refused the lookup", n)
	}
	if diff := cmp.Diff([]string{"sqladmin DELETE", "cloudresourcemanager GET"}, seen); diff != "" {
		t.Errorf("requests the wrap saw: -want, +got:\n%s", diff)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("the server got %d API requests, want none", n)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
