package gcpapi

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/statefile"
)

// ServiceAccountKey is a service account's JSON key file, as Google issues
// it and as golang.org/x/oauth2/google and cloud.google.com/go/auth read it.
type ServiceAccountKey struct {
	Type                    string `json:"type"`
	ProjectID               string `json:"project_id"`
	PrivateKeyID            string `json:"private_key_id"`
	PrivateKey              string `json:"private_key"`
	ClientEmail             string `json:"client_email"`
	ClientID                string `json:"client_id"`
	AuthURI                 string `json:"auth_uri"`
	TokenURI                string `json:"token_uri"`
	AuthProviderX509CertURL string `json:"auth_provider_x509_cert_url"`
	ClientX509CertURL       string `json:"client_x509_cert_url"`
	UniverseDomain          string `json:"universe_domain"`
}

// NewServiceAccountKey makes a key pair for service account email of
// project and returns its key file, whose token_uri is tokenURI (the local
// cloud's token endpoint), and the public key the local cloud trusts.
func NewServiceAccountKey(email, project, tokenURI string) ([]byte, *rsa.PublicKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	id := make([]byte, 20)
	if _, err := rand.Read(id); err != nil {
		return nil, nil, err
	}
	k := ServiceAccountKey{
		Type:                    "service_account",
		ProjectID:               project,
		PrivateKeyID:            hex.EncodeToString(id),
		PrivateKey:              string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		ClientEmail:             email,
		ClientID:                clientID(id),
		AuthURI:                 "https://accounts.google.com/o/oauth2/auth",
		TokenURI:                tokenURI,
		AuthProviderX509CertURL: "https://www.googleapis.com/oauth2/v1/certs",
		ClientX509CertURL:       "https://www.googleapis.com/robot/v1/metadata/x509/" + strings.ReplaceAll(email, "@", "%40"),
		UniverseDomain:          "googleapis.com",
	}
	b, err := json.MarshalIndent(k, "", "  ")
	return b, &priv.PublicKey, err
}

// clientID is a 21-digit number, as Google's client ids are.
func clientID(seed []byte) string {
	var sb strings.Builder
	sb.WriteByte('1')
	for i := 0; i < 20; i++ {
		sb.WriteByte('0' + seed[i%len(seed)]%10)
	}
	return sb.String()
}

// ParseServiceAccountKey reads a key file and returns the account's email
// and public key.
func ParseServiceAccountKey(b []byte) (string, *rsa.PublicKey, error) {
	var k ServiceAccountKey
	if err := json.Unmarshal(b, &k); err != nil {
		return "", nil, fmt.Errorf("not a service account key file: %w", err)
	}
	if k.Type != "service_account" || k.ClientEmail == "" {
		return "", nil, errors.New("not a service account key file: type must be service_account, with a client_email")
	}
	block, _ := pem.Decode([]byte(k.PrivateKey))
	if block == nil {
		return "", nil, errors.New("the key file's private_key is not PEM")
	}
	var priv any
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if priv, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return "", nil, fmt.Errorf("cannot parse the key file's private_key: %w", err)
		}
	}
	rk, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return "", nil, fmt.Errorf("the key file's private_key is a %T, not RSA", priv)
	}
	return k.ClientEmail, &rk.PublicKey, nil
}

// EnsureServiceAccountKey keeps a key file at path for email: it makes one
// the first time, and points an existing one's token_uri at tokenURI (the
// local cloud's address may change from run to run) while keeping its
// key. It returns the account's public key.
func EnsureServiceAccountKey(path, email, project, tokenURI string) (*rsa.PublicKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, pub, err := NewServiceAccountKey(email, project, tokenURI)
		if err != nil {
			return nil, err
		}
		return pub, statefile.Write(path, key, 0o600) // it holds a private key
	}
	if err != nil {
		return nil, err
	}
	var k ServiceAccountKey
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if k.ClientEmail != email {
		return nil, fmt.Errorf("%s is the key of %s, not %s: remove it to make a new one", path, k.ClientEmail, email)
	}
	_, pub, err := ParseServiceAccountKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if k.TokenURI == tokenURI && k.ProjectID == project {
		return pub, nil
	}
	k.TokenURI, k.ProjectID = tokenURI, project
	out, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return nil, err
	}
	return pub, statefile.Write(path, out, 0o600)
}
