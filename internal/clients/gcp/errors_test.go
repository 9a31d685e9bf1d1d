package gcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"

	"github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/providerconfig"
)

// googleAnswer is the error the Google API clients make of an answer with
// status code and body, as their generated code does: through
// googleapi.CheckResponse. The answer carries request ID id in a header.
func googleAnswer(code int, body string, id string) error {
	return googleapi.CheckResponse(&http.Response{
		StatusCode: code,
		Status:     fmt.Sprintf("%d %s", code, http.StatusText(code)),
		Header:     http.Header{"Content-Type": {"application/json; charset=UTF-8"}, "X-Guploader-Uploadid": {id}},
		Body:       io.NopCloser(strings.NewReader(body)),
	})
}

// Answers as Google APIs give them; %[1]s is where each attempt differs (a
// request ID, a trace in the debug info).
const (
	// Cloud Storage's JSON API: an errors list.
	storageConflict = `{"error":{"code":409,"message":"Your previous request to create the named bucket succeeded and you already own it.","errors":[{"message":"Your previous request to create the named bucket succeeded and you already own it.","domain":"global","reason":"conflict","debugInfo":"trace %[1]s"}]}}`
	// An errors list and details, with debug info and a request ID.
	withDetails = `{"error":{"code":403,"message":"x@p.iam.gserviceaccount.com does not have storage.buckets.get access to the Google Cloud Storage bucket.","errors":[{"message":"x@p.iam.gserviceaccount.com does not have storage.buckets.get access to the Google Cloud Storage bucket.","domain":"global","reason":"forbidden"}],"status":"PERMISSION_DENIED","details":[` +
		`{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED","domain":"storage.googleapis.com","metadata":{"permission":"storage.buckets.get"}},` +
		`{"@type":"type.googleapis.com/google.rpc.DebugInfo","stackEntries":["frame %[1]s"],"detail":"backend %[1]s"},` +
		`{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":"%[1]s","servingData":"%[1]s"}]}}`
	// The newer format: no errors list, the reason in an ErrorInfo detail.
	serviceDisabled = `{"error":{"code":403,"message":"Cloud Resource Manager API has not been used in project 123 before or it is disabled.","status":"PERMISSION_DENIED","details":[` +
		`{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED","domain":"googleapis.com","metadata":{"service":"cloudresourcemanager.googleapis.com"}},` +
		`{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":"%[1]s"}]}}`
	// A status and details of no ErrorInfo.
	invalidArgument = `{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT","details":[` +
		`{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"location","description":"unknown location"}]},` +
		`{"@type":"type.googleapis.com/google.rpc.DebugInfo","detail":"%[1]s"}]}}`
	// Several errors with their own messages.
	severalErrors = `{"error":{"code":400,"message":"Invalid argument.","errors":[{"message":"Invalid argument.","domain":"global","reason":"invalid"},{"message":"Required field location.","domain":"global","reason":"required","locationType":"parameter","location":"%[1]s"}]}}`
	// A proxy's answer, not Google's JSON.
	proxyPage = "<html><body><h1>502 Bad Gateway</h1><p>request %[1]s</p></body></html>"
)

// TestWithoutTransportDetail: two failures that differ only in request
// IDs, debug info, URLs and local ports read the same once tidied, with the
// cloud's code and message, and errors.As still finds what the client
// returned.
func TestWithoutTransportDetail(t *testing.T) {
	googleAPIError := func(t *testing.T, err error) {
		t.Helper()
		var ge *googleapi.Error
		if !errors.As(err, &ge) {
			t.Errorf("errors.As finds no *googleapi.Error in %v", err)
		}
	}
	urlError := func(t *testing.T, err error) {
		t.Helper()
		var ue *url.Error
		if !errors.As(err, &ue) {
			t.Errorf("errors.As finds no *url.Error in %v", err)
		}
	}
	retrieveError := func(t *testing.T, err error) {
		t.Helper()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) {
			t.Errorf("errors.As finds no *oauth2.RetrieveError in %v", err)
		}
	}
	cases := map[string]struct {
		reason string
		// err is the error of one attempt, whose request ID is id and
		// whose connection came from local port port.
		err   func(id string, port int) error
		want  string
		finds func(t *testing.T, err error)
		// same says the client's own message is already the same for
		// both attempts (the errors list holds no request ID).
		same bool
	}{
		"StorageErrorsList": {
			reason: "A Cloud Storage refusal reads as its code, its reason and its message.",
			err: func(id string, _ int) error {
				return xperrors.Wrap(googleAnswer(http.StatusConflict, fmt.Sprintf(storageConflict, id), id), "cannot create bucket")
			},
			want:  "cannot create bucket: 409 conflict: Your previous request to create the named bucket succeeded and you already own it.",
			finds: googleAPIError,
			same:  true,
		},
		"DebugInfoAndRequestID": {
			reason: "The details, with their debug info and request ID, are left out; the errors list's reason comes first.",
			err: func(id string, _ int) error {
				return xperrors.Wrap(googleAnswer(http.StatusForbidden, fmt.Sprintf(withDetails, id), id), "cannot get bucket")
			},
			want:  "cannot get bucket: 403 forbidden: x@p.iam.gserviceaccount.com does not have storage.buckets.get access to the Google Cloud Storage bucket.",
			finds: googleAPIError,
		},
		"ErrorInfoReason": {
			reason: "Without an errors list, the reason is the ErrorInfo detail's.",
			err: func(id string, _ int) error {
				return googleAnswer(http.StatusForbidden, fmt.Sprintf(serviceDisabled, id), id)
			},
			want:  "403 SERVICE_DISABLED: Cloud Resource Manager API has not been used in project 123 before or it is disabled.",
			finds: googleAPIError,
		},
		"Status": {
			reason: "Without a reason, the status says what went wrong.",
			err: func(id string, _ int) error {
				return googleAnswer(http.StatusBadRequest, fmt.Sprintf(invalidArgument, id), id)
			},
			want:  "400 INVALID_ARGUMENT: Request contains an invalid argument.",
			finds: googleAPIError,
		},
		"SeveralErrors": {
			reason: "Further errors with their own messages are kept, in the order given.",
			err: func(id string, _ int) error {
				return googleAnswer(http.StatusBadRequest, fmt.Sprintf(severalErrors, id), id)
			},
			want:  "400 invalid: Invalid argument.; required: Required field location.",
			finds: googleAPIError,
			same:  true,
		},
		"NotJSON": {
			reason: "An answer that is not Google's JSON reads as its HTTP status, without the page.",
			err: func(id string, _ int) error {
				return xperrors.Wrap(googleAnswer(http.StatusBadGateway, fmt.Sprintf(proxyPage, id), id), "cannot get bucket")
			},
			want:  "cannot get bucket: 502 Bad Gateway",
			finds: googleAPIError,
		},
		"RetriesExhausted": {
			reason: "The storage client's retry wrapping reads as before around the tidy answer.",
			err: func(id string, _ int) error {
				last := googleAnswer(http.StatusServiceUnavailable, fmt.Sprintf(`{"error":{"code":503,"message":"Backend Error","errors":[{"message":"Backend Error","domain":"global","reason":"backendError","debugInfo":"%s"}]}}`, id), id)
				return xperrors.Wrap(fmt.Errorf("storage: retry failed after 3 attempts; last error: %w", last), "cannot get bucket")
			},
			want:  "cannot get bucket: storage: retry failed after 3 attempts; last error: 503 backendError: Backend Error",
			finds: googleAPIError,
			same:  true,
		},
		"NoAnswer": {
			reason: "A call that got no answer keeps its operation, the URL's path and the cause, without the query string or the local port.",
			err: func(id string, port int) error {
				return xperrors.Wrap(&url.Error{
					Op:  "Patch",
					URL: "https://storage.googleapis.com/storage/v1/b/team-a?alt=json&ifMetagenerationMatch=" + id + "&prettyPrint=false&projection=full",
					Err: &net.OpError{
						Op: "read", Net: "tcp",
						Source: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: port},
						Addr:   &net.TCPAddr{IP: net.IPv4(142, 250, 1, 207), Port: 443},
						Err:    os.NewSyscallError("read", syscall.ECONNRESET),
					},
				}, "cannot update bucket")
			},
			want: `cannot update bucket: Patch "https://storage.googleapis.com/storage/v1/b/team-a": read tcp 142.250.1.207:443: read: connection reset by peer`,
			finds: func(t *testing.T, err error) {
				urlError(t, err)
				if !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("errors.Is finds no ECONNRESET in %v", err)
				}
			},
		},
		"TokenRefusedServiceAccount": {
			reason: "The service account flow leaves the token endpoint's body unparsed: its code and description are kept, not what else it echoes.",
			err: func(id string, _ int) error {
				return &url.Error{Op: "Get", URL: "https://storage.googleapis.com/storage/v1/b/team-a?alt=json", Err: &oauth2.RetrieveError{
					Response: &http.Response{StatusCode: http.StatusBadRequest, Status: "400 Bad Request"},
					Body:     fmt.Appendf(nil, `{"error":"invalid_grant","error_description":"Invalid JWT Signature.","assertion":"eyJhbGciOiJSUzI1NiJ9.%s"}`, id),
				}}
			},
			want:  `Get "https://storage.googleapis.com/storage/v1/b/team-a": oauth2: cannot fetch token: 400 invalid_grant: Invalid JWT Signature.`,
			finds: retrieveError,
		},
		"TokenRefusedParsed": {
			reason: "A refusal the oauth2 package parsed keeps its code and description.",
			err: func(id string, _ int) error {
				return &oauth2.RetrieveError{
					Response:         &http.Response{StatusCode: http.StatusUnauthorized, Status: "401 Unauthorized"},
					Body:             fmt.Appendf(nil, `{"error":"invalid_client","error_description":"The OAuth client was not found.","trace":"%s"}`, id),
					ErrorCode:        "invalid_client",
					ErrorDescription: "The OAuth client was not found.",
					ErrorURI:         "https://example.com/errors/" + id,
				}
			},
			want:  "oauth2: cannot fetch token: 401 invalid_client: The OAuth client was not found.",
			finds: retrieveError,
		},
		"TokenRefusedNotJSON": {
			reason: "A refusal that is not RFC 6749 JSON reads as its HTTP status, without the body.",
			err: func(id string, _ int) error {
				return &oauth2.RetrieveError{
					Response: &http.Response{StatusCode: http.StatusForbidden, Status: "403 Forbidden"},
					Body:     []byte("<html>denied, request " + id + "</html>"),
				}
			},
			want:  "oauth2: cannot fetch token: 403 Forbidden",
			finds: retrieveError,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			first, second := tc.err("req-0001", 51234), tc.err("req-0002", 51235)
			if !tc.same && first.Error() == second.Error() {
				t.Fatalf("the clients' messages are equal, so the test proves nothing: %q", first)
			}
			for _, err := range []error{first, second} {
				got := WithoutTransportDetail(err)
				if diff := cmp.Diff(tc.want, got.Error()); diff != "" {
					t.Errorf("\n%s\nWithoutTransportDetail(%q): -want +got:\n%s", tc.reason, err, diff)
				}
				tc.finds(t, got)
				if !errors.Is(got, err) {
					t.Errorf("\n%s\nWithoutTransportDetail(...) does not unwrap to the original error", tc.reason)
				}
			}
		})
	}

	t.Run("NotAGoogleError", func(t *testing.T) {
		err := xperrors.New("bucket \"b\" is in location EU, not US")
		if got := WithoutTransportDetail(err); got != err {
			t.Errorf("another error changed: %v", got)
		}
	})
	t.Run("NoLocalPort", func(t *testing.T) {
		// A dial error names no local address: nothing to take out.
		err := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		if got := WithoutTransportDetail(err); got != error(err) {
			t.Errorf("a dial error changed: %v", got)
		}
	})
}

// TestWithoutTransportDetailStorageClient: the provider's own Cloud Storage
// client, against a server and a token endpoint that answer as Google's
// do, each answer with a new request ID.
func TestWithoutTransportDetailStorageClient(t *testing.T) {
	isolate(t)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := fmt.Sprintf("req-%04d", n.Add(1))
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.Header().Set("X-GUploader-UploadID", id)
		if r.URL.Path == "/token" {
			// A token endpoint that echoes the signed assertion it got.
			_ = r.ParseForm()
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"Invalid JWT Signature.","assertion":%q,"id":%q}`, r.Form.Get("assertion"), id)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, withDetails, id)
	}))
	defer srv.Close()
	storageAt := func(t *testing.T, endpoint string, key bool) func(ctx context.Context) error {
		t.Helper()
		spec := v1alpha1.ProviderConfigSpec{
			ProjectID:   "my-project",
			Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
			Endpoint:    &v1alpha1.Endpoint{Storage: endpoint + "/storage/v1/"},
		}
		var secret providerconfig.SecretKey
		if key {
			spec.Credentials = v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef("", "key.json")}
			secret.Data = []byte(serviceAccountKey(t, "my-project", testEmail, func(k map[string]string) { k["token_uri"] = srv.URL + "/token" }))
		}
		cfg, err := build(spec, secret)
		if err != nil {
			t.Fatalf("build(...): %v", err)
		}
		sc, err := cfg.Storage()
		if err != nil {
			t.Fatalf("Storage(): %v", err)
		}
		// One call, one answer: the client would retry a refused
		// connection until the deadline.
		b := sc.Bucket("team-a").Retryer(storage.WithPolicy(storage.RetryNever))
		return func(ctx context.Context) error {
			return xperrors.Wrap(b.Create(ctx, "my-project", nil), "cannot create bucket")
		}
	}

	cases := map[string]struct {
		reason string
		create func(ctx context.Context) error
		want   string
		finds  any
	}{
		"Refused": {
			reason: "Cloud Storage's refusal reads as its code, reason and message, without the details.",
			create: storageAt(t, srv.URL, false),
			want:   "cannot create bucket: 403 forbidden: x@p.iam.gserviceaccount.com does not have storage.buckets.get access to the Google Cloud Storage bucket.",
			finds:  new(*googleapi.Error),
		},
		"TokenRefused": {
			reason: "The token endpoint's refusal reads as its code and description, without the assertion it echoed.",
			create: storageAt(t, srv.URL, true),
			want:   fmt.Sprintf(`cannot create bucket: Post %q: oauth2: cannot fetch token: 400 invalid_grant: Invalid JWT Signature.`, srv.URL+"/storage/v1/b"),
			finds:  new(*oauth2.RetrieveError),
		},
		"NoAnswer": {
			reason: "A call that got no answer reads as its operation, path and cause, without the query string.",
			create: storageAt(t, "http://127.0.0.1:1", false),
			want:   `cannot create bucket: Post "http://127.0.0.1:1/storage/v1/b": dial tcp 127.0.0.1:1: connect: connection refused`,
			finds:  new(*url.Error),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for range 2 {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := tc.create(ctx)
				cancel()
				if err == nil {
					t.Fatal("Create(...) succeeded")
				}
				tidy := WithoutTransportDetail(err)
				if diff := cmp.Diff(tc.want, tidy.Error()); diff != "" {
					t.Errorf("\n%s\nWithoutTransportDetail(%q): -want +got:\n%s", tc.reason, err, diff)
				}
				if !errors.As(tidy, tc.finds) {
					t.Errorf("\n%s\nerrors.As finds no %T in %v", tc.reason, tc.finds, tidy)
				}
				if strings.Contains(tidy.Error(), "req-") || strings.Contains(tidy.Error(), "eyJ") {
					t.Errorf("\n%s\nthe tidy message holds a request ID or the assertion: %q", tc.reason, tidy)
				}
				got = append(got, err.Error())
			}
			if name != "NoAnswer" && got[0] == got[1] {
				t.Errorf("the client's messages are equal, so the test proves nothing: %q", got[0])
			}
		})
	}
}
