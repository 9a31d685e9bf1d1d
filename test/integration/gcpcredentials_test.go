//go:build integration

package integration

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/common"
	"github.com/appinfra/provider-appinfra/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
)

// TestGCSBucketWithServiceAccountKey runs the Secret credential source end
// to end: a service account key in a Secret, whose token_uri points at a
// local token endpoint, makes the real client sign a JWT, exchange it for
// an access token, and send that token to Cloud Storage.
func TestGCSBucketWithServiceAccountKey(t *testing.T) {
	t.Parallel()

	const token = gcpToken
	var exchanged atomic.Int32
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Form.Get("assertion") == "" {
			http.Error(w, "want a JWT bearer grant", http.StatusBadRequest)
			return
		}
		exchanged.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"` + token + `","token_type":"Bearer","expires_in":3600}`))
	}))
	defer tokens.Close()

	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	key, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "appinfra-test", "private_key_id": "k1", "private_key": pemKey,
		"client_email": "provider@appinfra-test.iam.gserviceaccount.com", "client_id": "1", "token_uri": tokens.URL,
	})
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gcp-sa-key"}, Data: map[string][]byte{"key.json": key}})
	create(t, &gcpv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sa-key"},
		Spec: gcpv1alpha1.ProviderConfigSpec{
			ProjectID: "appinfra-test",
			Credentials: gcpv1alpha1.Credentials{
				Source:    gcpv1alpha1.CredentialsSourceSecret,
				SecretRef: &common.SecretKeySelector{Name: "gcp-sa-key", Key: "key.json"},
			},
			Endpoint: &gcpv1alpha1.Endpoint{Storage: gcsRecorder.Endpoint()},
		},
	})
	name := "it-gcs-sa-key"
	cr := gcsBucketCR(name, func(b *v1alpha1.Bucket) {
		b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "sa-key"}
	})
	create(t, cr)
	eventually(t, converge, "bucket Ready", func() error { return ready(cr) })

	// The token lives an hour: however many reconciles run meanwhile, it
	// is exchanged once (the token source is built once per config).
	time.Sleep(3 * pollInterval)
	if n := exchanged.Load(); n != 1 {
		t.Errorf("the token endpoint was asked for %d tokens over several polls, want 1", n)
	}
	reqs := gcsRecorder.Requests(name)
	if len(reqs) == 0 {
		t.Fatal("no requests recorded")
	}
	for _, r := range reqs {
		if r.Authorization != "Bearer "+token {
			t.Errorf("%s request sent Authorization %q, want the exchanged token", r.Method, r.Authorization)
		}
	}
	if strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Error("the service account key appears in the provider's logs")
	}
}
