package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"
)

var signedAt = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// signed returns a request as the SDK sends it: signed by the real signer,
// then received by a server (so Host and ContentLength are set as there).
func signed(t *testing.T, key, secret, body string, token string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Amz-Sdk-Invocation-Id", "abc")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.0")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "rds", "us-east-1", signedAt); err != nil {
		t.Fatal(err)
	}
	in := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	in.Host = "127.0.0.1:4566"
	in.Header = r.Header.Clone()
	// A proxy or client may change headers it did not sign.
	in.Header.Set("User-Agent", "something-else")
	return in
}

func TestVerify(t *testing.T) {
	v := &Verifier{Secrets: map[string]string{"AKID": "secret"}, Now: func() time.Time { return signedAt.Add(time.Minute) }}
	const body = "Action=DescribeDBInstances&Version=2014-10-31"
	cases := map[string]struct {
		reason   string
		req      func(t *testing.T) *http.Request
		body     string
		verifier *Verifier
		want     Identity
		wantCode string
	}{
		"Valid": {
			reason: "A request signed with a known pair passes and names its scope.",
			req:    func(t *testing.T) *http.Request { return signed(t, "AKID", "secret", body, "") },
			want:   Identity{AccessKeyID: "AKID", Region: "us-east-1", Service: "rds"},
		},
		"ValidWithSessionToken": {
			reason: "Temporary credentials sign X-Amz-Security-Token too.",
			req:    func(t *testing.T) *http.Request { return signed(t, "AKID", "secret", body, "token") },
			want:   Identity{AccessKeyID: "AKID", Region: "us-east-1", Service: "rds"},
		},
		"WrongSecret": {
			reason:   "A signature made with another secret does not match.",
			req:      func(t *testing.T) *http.Request { return signed(t, "AKID", "other", body, "") },
			want:     Identity{AccessKeyID: "AKID", Region: "us-east-1", Service: "rds"},
			wantCode: "SignatureDoesNotMatch",
		},
		"TamperedBody": {
			reason:   "The signature covers the body.",
			req:      func(t *testing.T) *http.Request { return signed(t, "AKID", "secret", body, "") },
			body:     body + "&DBInstanceIdentifier=other",
			want:     Identity{AccessKeyID: "AKID", Region: "us-east-1", Service: "rds"},
			wantCode: "SignatureDoesNotMatch",
		},
		"UnknownKey": {
			reason:   "An access key that is not configured is InvalidClientTokenId.",
			req:      func(t *testing.T) *http.Request { return signed(t, "AKIDOTHER", "secret", body, "") },
			want:     Identity{AccessKeyID: "AKIDOTHER", Region: "us-east-1", Service: "rds"},
			wantCode: "InvalidClientTokenId",
		},
		"Unsigned": {
			reason: "A request without Authorization is MissingAuthenticationToken.",
			req: func(t *testing.T) *http.Request {
				return httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			},
			wantCode: "MissingAuthenticationToken",
		},
		"Expired": {
			reason:   "A signature older than 15 minutes is refused.",
			req:      func(t *testing.T) *http.Request { return signed(t, "AKID", "secret", body, "") },
			verifier: &Verifier{Secrets: v.Secrets, Now: func() time.Time { return signedAt.Add(time.Hour) }},
			want:     Identity{AccessKeyID: "AKID", Region: "us-east-1", Service: "rds"},
			wantCode: "SignatureDoesNotMatch",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := tc.body
			if b == "" {
				b = body
			}
			ver := v
			if tc.verifier != nil {
				ver = tc.verifier
			}
			got, err := ver.Verify(tc.req(t), []byte(b))
			code := ""
			var e *Error
			if errors.As(err, &e) {
				code = e.Code
				if e.HTTPStatus() != http.StatusForbidden {
					t.Errorf("status %d, want 403", e.HTTPStatus())
				}
			}
			if diff := cmp.Diff(tc.wantCode, code); diff != "" {
				t.Errorf("%s\ncode: -want +got:\n%s (err %v)", tc.reason, diff, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nidentity: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
