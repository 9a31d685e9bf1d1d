package gcpapi

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

const (
	email   = "deployer@local-project.iam.gserviceaccount.com"
	project = "local-project"
	scope   = "https://www.googleapis.com/auth/sqlservice.admin"
)

// authServer serves the token endpoint and one API that needs scope.
func authServer(t *testing.T, a *Auth) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+TokenPath, a.ServeToken)
	mux.Handle("/v1/", a.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"caller": Caller(r.Context())})
	}), scope, CloudPlatformScope))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// apiError reads a Google error body.
func apiError(t *testing.T, resp *http.Response) (int, string, string) {
	t.Helper()
	var body struct {
		Error struct {
			Code    int    `json:"code"`
			Status  string `json:"status"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	reason := ""
	if len(body.Error.Details) > 0 {
		reason = body.Error.Details[0].Reason
	}
	return body.Error.Code, body.Error.Status, reason
}

// Where the local cloud's sign-in knowingly differs from Google's (gaps):
//   - A trusted service account may do anything in the project: there is
//     no IAM, only the OAuth scopes are checked.
//   - Access tokens cannot be revoked, and self-signed JWTs (which
//     Google's APIs take in place of an access token) are refused.
//   - The token endpoint issues access tokens only, no ID tokens.

// TestTokenFlow: a key file the local cloud made works with
// golang.org/x/oauth2/google's service account flow, and the API refuses
// what Google refuses.
func TestTokenFlow(t *testing.T) {
	dir := t.TempDir()
	a, err := NewAuth(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := authServer(t, a)
	key, pub, err := NewServiceAccountKey(email, project, srv.URL+TokenPath)
	if err != nil {
		t.Fatal(err)
	}
	a.Trust(email, pub)
	other, _, err := NewServiceAccountKey("stranger@local-project.iam.gserviceaccount.com", project, srv.URL+TokenPath)
	if err != nil {
		t.Fatal(err)
	}
	// forged is the known account's key file with another private key.
	forged, _, err := NewServiceAccountKey(email, project, srv.URL+TokenPath)
	if err != nil {
		t.Fatal(err)
	}

	token := func(keyJSON []byte, scopes ...string) (*oauth2.Token, error) {
		conf, err := google.JWTConfigFromJSON(keyJSON, scopes...)
		if err != nil {
			t.Fatal(err)
		}
		return conf.TokenSource(context.Background()).Token()
	}
	get := func(header string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/projects/p/instances", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	good, err := token(key, scope)
	if err != nil {
		t.Fatalf("token for a known key: %v", err)
	}
	if resp := get("Bearer " + good.AccessToken); resp.StatusCode != http.StatusOK {
		t.Errorf("a valid token: %d", resp.StatusCode)
	} else {
		var body map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&body)
		if body["caller"] != email {
			t.Errorf("caller %q, want %q", body["caller"], email)
		}
	}

	for name, tc := range map[string]struct {
		reason string
		key    []byte
		want   string
	}{
		"UnknownAccount": {reason: "An account the local cloud does not know gets no token.", key: other, want: "account not found"},
		"ForgedKey":      {reason: "A known account's assertion signed with another key is refused.", key: forged, want: "Invalid JWT Signature."},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := token(tc.key, scope)
			// x/oauth2/jwt leaves RetrieveError's fields empty: the body says it.
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || !strings.Contains(string(re.Body), `"invalid_grant"`) || !strings.Contains(string(re.Body), tc.want) {
				t.Errorf("%s: %v, want invalid_grant %q", tc.reason, err, tc.want)
			}
		})
	}

	narrow, err := token(key, "https://www.googleapis.com/auth/devstorage.read_only")
	if err != nil {
		t.Fatal(err)
	}
	expired, err := a.sign(grant{Email: email, Scopes: []string{scope}, Expiry: time.Now().Add(-time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	type refusal struct {
		Code           int
		Status, Reason string
	}
	cases := map[string]struct {
		reason string
		header string
		want   refusal
	}{
		"Missing":     {reason: "No token is 401 CREDENTIALS_MISSING.", want: refusal{401, "UNAUTHENTICATED", "CREDENTIALS_MISSING"}},
		"Garbage":     {reason: "A token the local cloud did not issue is 401.", header: "Bearer ya29.not-ours", want: refusal{401, "UNAUTHENTICATED", "ACCESS_TOKEN_TYPE_UNSUPPORTED"}},
		"Tampered":    {reason: "A token whose payload was changed is 401.", header: "Bearer " + good.AccessToken[:len(good.AccessToken)-3] + "xyz", want: refusal{401, "UNAUTHENTICATED", "ACCESS_TOKEN_TYPE_UNSUPPORTED"}},
		"Expired":     {reason: "An expired token is 401 ACCESS_TOKEN_EXPIRED.", header: "Bearer " + expired, want: refusal{401, "UNAUTHENTICATED", "ACCESS_TOKEN_EXPIRED"}},
		"NarrowScope": {reason: "A token without the API's scopes is 403.", header: "Bearer " + narrow.AccessToken, want: refusal{403, "PERMISSION_DENIED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp := get(tc.header)
			code, status, reason := apiError(t, resp)
			if diff := cmp.Diff(tc.want, refusal{code, status, reason}); diff != "" {
				t.Errorf("%s -want +got:\n%s", tc.reason, diff)
			}
			if code == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("a 401 without a Bearer challenge: %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}

	// A token outlives a restart: the signing key is in the data dir.
	again, err := NewAuth(dir, map[string]*rsa.PublicKey{email: pub})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/x", nil)
	req.Header.Set("Authorization", "Bearer "+good.AccessToken)
	if _, err := again.Check(req, scope); err != nil {
		t.Errorf("a token issued before a restart: %v", err)
	}
}

func TestEnsureServiceAccountKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key.json")
	pub, err := EnsureServiceAccountKey(path, email, project, "http://127.0.0.1:1/localcloud/gcp/token")
	if err != nil {
		t.Fatal(err)
	}
	// A second start on another port keeps the key and moves token_uri.
	again, err := EnsureServiceAccountKey(path, email, project, "http://127.0.0.1:2/localcloud/gcp/token")
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(again) {
		t.Errorf("the key changed between starts")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var k ServiceAccountKey
	if err := json.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	if k.TokenURI != "http://127.0.0.1:2/localcloud/gcp/token" {
		t.Errorf("token_uri %q was not moved", k.TokenURI)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := EnsureServiceAccountKey(path, "other@local-project.iam.gserviceaccount.com", project, k.TokenURI); err == nil {
		t.Errorf("another account's key file was taken")
	}
}
