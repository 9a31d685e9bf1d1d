package gcpapi

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// TokenPath is where the local cloud's OAuth2 token endpoint listens; a
// service account key's token_uri names it.
const TokenPath = "/localcloud/gcp/token"

// JWTBearer is the grant type of a service account's signed assertion.
const JWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// CloudPlatformScope opens every API, as on Google.
const CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

// Token lifetimes: Google's access tokens last an hour; an assertion may
// ask for no more than an hour either, and clocks may differ a little.
const (
	tokenLifetime  = time.Hour
	assertionLimit = time.Hour
	clockSkew      = 5 * time.Minute
)

// tokenKeyFile holds the key that signs access tokens, so that a token
// outlives a restart of the local cloud as a Google token does.
const tokenKeyFile = "token.key"

// Auth is the local cloud's Google sign-in: it issues access tokens to
// service accounts whose keys it knows, for a signed assertion, and checks
// them on every API call. Tokens are opaque to clients, signed with a key
// kept in the data dir and hold the account, the scopes and the expiry,
// so nothing needs to remember them.
type Auth struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	key []byte

	mu       sync.RWMutex
	accounts map[string]*rsa.PublicKey
}

// NewAuth loads (or creates) the token signing key in dir and trusts the
// service accounts given, by email.
func NewAuth(dir string, accounts map[string]*rsa.PublicKey) (*Auth, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, tokenKeyFile)
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, key, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("cannot read the GCP token key: %w", err)
	}
	a := &Auth{key: key, accounts: map[string]*rsa.PublicKey{}}
	for email, pub := range accounts {
		a.Trust(email, pub)
	}
	return a, nil
}

// Trust adds a service account's public key.
func (a *Auth) Trust(email string, pub *rsa.PublicKey) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.accounts[email] = pub
}

func (a *Auth) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// tokenError is the token endpoint's error, as Google's OAuth2 server
// answers it: {"error":"invalid_grant","error_description":"..."}.
func tokenError(w http.ResponseWriter, code int, kind, description string) {
	WriteJSON(w, code, map[string]string{"error": kind, "error_description": description})
}

// ServeToken is the token endpoint: POST grant_type=JWT-bearer and an
// assertion a known service account signed (RS256); the answer is an
// access token for the scopes the assertion names.
func (a *Auth) ServeToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "Cannot parse the request body.")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != JWTBearer {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+gt)
		return
	}
	c, err := a.verifyAssertion(r.PostForm.Get("assertion"), r)
	if err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_grant", err.Error())
		return
	}
	expiry := a.now().Add(tokenLifetime)
	token, err := a.sign(grant{Email: c.Iss, Scopes: strings.Fields(c.Scope), Expiry: expiry.Unix()})
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "internal_failure", err.Error())
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	WriteJSON(w, http.StatusOK, map[string]any{"access_token": token, "expires_in": int(tokenLifetime/time.Second) - 1, "token_type": "Bearer"})
}

// claims are the assertion's claims that matter here.
type claims struct {
	Iss   string `json:"iss"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Sub   string `json:"sub"`
}

// verifyAssertion checks a JWT the way Google's token endpoint does; the
// error texts are Google's error_description.
func (a *Auth) verifyAssertion(assertion string, r *http.Request) (*claims, error) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return nil, errors.New("Invalid JWT: the assertion is not a signed JWT.")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodeSegment(parts[0], &header); err != nil || header.Alg != "RS256" {
		return nil, errors.New("Invalid JWT: the signing algorithm must be RS256.")
	}
	var c claims
	if err := decodeSegment(parts[1], &c); err != nil {
		return nil, errors.New("Invalid JWT: the claim set cannot be read.")
	}
	a.mu.RLock()
	pub, ok := a.accounts[c.Iss]
	a.mu.RUnlock()
	if !ok {
		return nil, errors.New("Invalid grant: account not found")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("Invalid JWT Signature.")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		return nil, errors.New("Invalid JWT Signature.")
	}
	if !audienceOK(c.Aud, r) {
		return nil, fmt.Errorf("Invalid JWT: audience %q is not this token endpoint.", c.Aud)
	}
	now := a.now()
	if c.Exp <= now.Add(-clockSkew).Unix() || c.Iat > now.Add(clockSkew).Unix() || c.Exp-c.Iat > int64(assertionLimit/time.Second) {
		return nil, errors.New("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
	}
	if c.Scope == "" {
		return nil, errors.New("Invalid JWT: the assertion names no scope; the local cloud issues access tokens only.")
	}
	return &c, nil
}

// audienceOK accepts Google's token URL and any URL of this endpoint's
// path: the local cloud may be reached by several addresses.
func audienceOK(aud string, r *http.Request) bool {
	if aud == "https://oauth2.googleapis.com/token" || aud == "https://www.googleapis.com/oauth2/v4/token" {
		return true
	}
	_, path, ok := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(aud, "http://"), "https://"), "/")
	return ok && "/"+path == r.URL.Path
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// grant is what an access token carries.
type grant struct {
	Email  string   `json:"e"`
	Scopes []string `json:"s"`
	Expiry int64    `json:"x"`
}

// tokenPrefix makes the tokens look like Google's opaque ones, and marks
// them as the local cloud's.
const tokenPrefix = "ya29.localcloud."

func (a *Auth) sign(g grant) (string, error) {
	b, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return tokenPrefix + payload + "." + base64.RawURLEncoding.EncodeToString(a.mac(payload)), nil
}

func (a *Auth) mac(payload string) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// The 401 messages Google's front end answers.
const (
	msgMissing = "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
	msgInvalid = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)

func unauthenticated(message, reason string, invalid bool) *Error {
	e := Errorf(http.StatusUnauthorized, "", "%s", message).WithDetail(map[string]any{
		"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com",
	})
	e.Header = http.Header{}
	challenge := `Bearer realm="https://accounts.google.com/"`
	if invalid {
		challenge += `, error="invalid_token"`
	}
	e.Header.Set("WWW-Authenticate", challenge)
	return e
}

// Check returns the account a request's bearer token was issued to, or
// Google's 401 for a missing, unknown or expired token, or its 403 for a
// token without any of the scopes the API accepts.
func (a *Auth) Check(r *http.Request, scopes ...string) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", unauthenticated(msgMissing, "CREDENTIALS_MISSING", false)
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	payload, mac, ok2 := strings.Cut(strings.TrimPrefix(token, tokenPrefix), ".")
	if !ok || !strings.HasPrefix(token, tokenPrefix) || !ok2 {
		return "", unauthenticated(msgInvalid, "ACCESS_TOKEN_TYPE_UNSUPPORTED", true)
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, a.mac(payload)) {
		return "", unauthenticated(msgInvalid, "ACCESS_TOKEN_TYPE_UNSUPPORTED", true)
	}
	var g grant
	if err := decodeSegment(payload, &g); err != nil {
		return "", unauthenticated(msgInvalid, "ACCESS_TOKEN_TYPE_UNSUPPORTED", true)
	}
	if a.now().Unix() >= g.Expiry {
		return "", unauthenticated(msgInvalid, "ACCESS_TOKEN_EXPIRED", true)
	}
	a.mu.RLock()
	_, known := a.accounts[g.Email]
	a.mu.RUnlock()
	if !known {
		return "", unauthenticated(msgInvalid, "ACCOUNT_STATE_INVALID", true)
	}
	if !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(g.Scopes, s) }) {
		return "", Errorf(http.StatusForbidden, "", "Request had insufficient authentication scopes.").WithDetail(map[string]any{
			"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain": "googleapis.com",
		})
	}
	return g.Email, nil
}

type callerKey struct{}

// Require serves next only to requests whose token Check accepts for one
// of scopes; the caller's email is in the request's context (Caller).
func (a *Auth) Require(next http.Handler, scopes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		email, err := a.Check(r, scopes...)
		if err != nil {
			WriteError(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, email)))
	})
}

// Caller is the service account a request was made with.
func Caller(ctx context.Context) string {
	email, _ := ctx.Value(callerKey{}).(string)
	return email
}
