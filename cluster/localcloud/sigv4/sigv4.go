// Package sigv4 checks AWS Signature Version 4 on incoming requests. It
// recomputes the signature with aws-sdk-go-v2's own signer over the headers
// the client said it signed and the body's hash, so the local cloud refuses
// exactly what AWS refuses: an unknown access key or a wrong secret.
package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Error is a refused signature. It carries the AWS error code and status so
// a protocol package can write it without knowing this one.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) ErrorMessage() string { return e.Message }

// HTTPStatus is 403 for every signature refusal, as on AWS.
func (e *Error) HTTPStatus() int { return http.StatusForbidden }

// Identity is what a valid signature proves.
type Identity struct {
	AccessKeyID string
	Region      string
	Service     string
}

// Verifier holds the accepted key pairs.
type Verifier struct {
	// Secrets maps access key id to secret access key.
	Secrets map[string]string
	// MaxSkew bounds the distance between the signing time and now; AWS
	// allows 15 minutes. Zero means 15 minutes.
	MaxSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

const (
	algorithm  = "AWS4-HMAC-SHA256"
	amzDate    = "X-Amz-Date"
	dateFormat = "20060102T150405Z"
)

// Verify checks r's Authorization header against body.
func (v *Verifier) Verify(r *http.Request, body []byte) (Identity, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return Identity{}, &Error{Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token"}
	}
	h, err := parseAuthorization(auth)
	if err != nil {
		return Identity{}, &Error{Code: "IncompleteSignature", Message: err.Error()}
	}
	id := Identity{AccessKeyID: h.accessKey, Region: h.region, Service: h.service}
	secret, ok := v.Secrets[h.accessKey]
	if !ok {
		return id, &Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid."}
	}
	signed, err := time.Parse(dateFormat, r.Header.Get(amzDate))
	if err != nil {
		return id, &Error{Code: "IncompleteSignature", Message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	}
	if skew := v.now().Sub(signed).Abs(); skew > v.maxSkew() {
		return id, &Error{Code: "SignatureDoesNotMatch", Message: fmt.Sprintf("Signature expired: %s is now earlier or later than the allowed 15 minutes.", signed.Format(dateFormat))}
	}
	want, err := v.sign(r, body, h, secret, signed)
	if err != nil {
		return id, &Error{Code: "IncompleteSignature", Message: err.Error()}
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(h.signature)) != 1 {
		return id, &Error{Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	}
	return id, nil
}

// sign rebuilds the request from only the headers the client signed, so the
// SDK signer produces the same canonical request, and returns its signature.
func (v *Verifier) sign(r *http.Request, body []byte, h header, secret string, at time.Time) (string, error) {
	c, err := http.NewRequest(r.Method, r.URL.String(), nil)
	if err != nil {
		return "", err
	}
	c.URL.Path, c.URL.RawPath = r.URL.Path, r.URL.RawPath
	c.Host = r.Host
	var token string
	for _, name := range h.signedHeaders {
		switch name {
		case "host":
		case "content-length":
			c.ContentLength = r.ContentLength
		default:
			c.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	if vals := c.Header.Values("X-Amz-Security-Token"); len(vals) > 0 {
		token = vals[0]
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: h.accessKey, SecretAccessKey: secret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, c, hex.EncodeToString(sum[:]), h.service, h.region, at); err != nil {
		return "", err
	}
	got, err := parseAuthorization(c.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	if got.signedHeadersRaw != h.signedHeadersRaw {
		return "", fmt.Errorf("signed headers %q are not the canonical list %q", h.signedHeadersRaw, got.signedHeadersRaw)
	}
	return got.signature, nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return 15 * time.Minute
}

type header struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signedHeadersRaw                 string
	signature                        string
}

// parseAuthorization reads
// AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/rds/aws4_request, SignedHeaders=a;b, Signature=hex
func parseAuthorization(s string) (header, error) {
	var h header
	rest, ok := strings.CutPrefix(s, algorithm+" ")
	if !ok {
		return h, fmt.Errorf("Authorization header must use %s", algorithm)
	}
	for _, part := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			f := strings.Split(val, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return h, fmt.Errorf("Credential should be scoped to a valid region and service: %q", val)
			}
			h.accessKey, h.date, h.region, h.service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			h.signedHeadersRaw = val
			h.signedHeaders = strings.Split(val, ";")
		case "Signature":
			h.signature = val
		}
	}
	if h.accessKey == "" || h.signedHeadersRaw == "" || h.signature == "" {
		return h, fmt.Errorf("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")
	}
	return h, nil
}
