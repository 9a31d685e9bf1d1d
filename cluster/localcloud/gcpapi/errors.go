// Package gcpapi is what the local cloud's Google Cloud services share:
// Google's JSON error shape, OAuth2 access tokens issued for service
// account keys (the JWT-bearer flow golang.org/x/oauth2/google and
// cloud.google.com/go/auth use) and checked on every call, JSON bodies,
// long-running operations (their names and the history a service keeps of
// them) and the loopback addresses resources are reached at.
package gcpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Error is an error as Google's JSON APIs answer it:
//
//	{"error":{"code":404,"message":"...","status":"NOT_FOUND",
//	  "errors":[{"message":"...","domain":"global","reason":"notFound"}]}}
//
// errors[] is the legacy list Cloud SQL still sends; APIs on the newer
// front end (Memorystore) send details instead, so it is left out when
// there is no Reason.
type Error struct {
	Code    int
	Status  string
	Message string
	// Reason and Domain ("global" when empty) fill errors[].
	Reason, Domain         string
	Location, LocationType string
	// Details are google.rpc details, each with its "@type".
	Details []map[string]any
	// Header is set on the response (WWW-Authenticate on a 401).
	Header http.Header
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Code, e.Status, e.Message) }

// Errorf makes an error with the canonical status of its HTTP code and,
// when reason is not empty, an errors[] entry.
func Errorf(code int, reason, format string, args ...any) *Error {
	return &Error{Code: code, Status: StatusOf(code), Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// WithStatus sets the canonical status, where Google answers another than
// the code's usual one (409 ABORTED, 400 FAILED_PRECONDITION...).
func (e *Error) WithStatus(status string) *Error { e.Status = status; return e }

// WithDetail adds a google.rpc detail.
func (e *Error) WithDetail(d map[string]any) *Error { e.Details = append(e.Details, d); return e }

// StatusOf is the canonical status Google's front end answers with an
// HTTP code.
func StatusOf(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "ALREADY_EXISTS"
	case http.StatusPreconditionFailed:
		return "FAILED_PRECONDITION"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusNotImplemented:
		return "UNIMPLEMENTED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	default:
		return "INTERNAL"
	}
}

type errorEntry struct {
	Message      string `json:"message"`
	Domain       string `json:"domain"`
	Reason       string `json:"reason"`
	Location     string `json:"location,omitempty"`
	LocationType string `json:"locationType,omitempty"`
}

type errorBody struct {
	Code    int              `json:"code"`
	Message string           `json:"message"`
	Errors  []errorEntry     `json:"errors,omitempty"`
	Status  string           `json:"status"`
	Details []map[string]any `json:"details,omitempty"`
}

// Body is the error's JSON object, as it appears under "error", and in a
// long-running operation's error.
func (e *Error) body() errorBody {
	b := errorBody{Code: e.Code, Message: e.Message, Status: e.Status, Details: e.Details}
	if e.Reason != "" {
		domain := e.Domain
		if domain == "" {
			domain = "global"
		}
		b.Errors = []errorEntry{{Message: e.Message, Domain: domain, Reason: e.Reason, Location: e.Location, LocationType: e.LocationType}}
	}
	return b
}

// WriteError answers err in Google's shape; an error that is not an
// *Error is a 500 INTERNAL whose message is err's.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = Errorf(http.StatusInternalServerError, "backendError", "Internal error encountered: %v", err)
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	WriteJSON(w, e.Code, map[string]any{"error": e.body()})
}

// WriteJSON answers v as JSON with status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// maxBody bounds a request body: the resources here are small.
const maxBody = 1 << 20

// ReadJSON decodes a request body into v; a body that is not JSON of v's
// shape is Google's 400 "Invalid JSON payload received.".
func ReadJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return Errorf(http.StatusBadRequest, "parseError", "Invalid JSON payload received. %v", err)
	}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return Errorf(http.StatusBadRequest, "parseError", "Invalid JSON payload received. %v", err)
	}
	return nil
}
