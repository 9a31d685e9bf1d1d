package gcp

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/appinfra/provider-appinfra/internal/clients/errmsg"
)

// errorInfo is the type of the detail in which Google APIs give an
// error's machine-readable reason.
const errorInfo = "type.googleapis.com/google.rpc.ErrorInfo"

// WithoutTransportDetail is err's message with the Google API clients'
// transport detail replaced by the cloud's code and message: an API's
// refusal reads "<HTTP code> <reason or status>: <message>", without the
// details dump (debug info, request IDs) the client prints; a call that
// got no answer keeps its operation and cause, without the URL's query
// string or the local port; a token endpoint's refusal keeps its code and
// description, never the response body, which may echo what was sent.
// What is left stays the same from one attempt to the next, so Kubernetes
// folds repeated events and a condition changes only when the cause does.
// The result unwraps to err; other errors are returned as they are.
func WithoutTransportDetail(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if msg, ok := tidy(e); ok {
			return errmsg.Replace(err, e, msg)
		}
	}
	return err
}

// tidy is the message of one error of the types the Google clients return,
// or false for any other.
func tidy(err error) (string, bool) {
	switch e := err.(type) {
	case *googleapi.Error:
		return apiMessage(e), true
	case *url.Error:
		// The query string holds per-call values (preconditions, upload
		// IDs); the path says which resource.
		u, _, _ := strings.Cut(e.URL, "?")
		return e.Op + " " + strconv.Quote(u) + ": " + WithoutTransportDetail(e.Err).Error(), true
	case *oauth2.RetrieveError:
		return tokenMessage(e), true
	case *net.OpError:
		if e.Source == nil {
			return "", false
		}
		// The local address holds a new port for every connection.
		noSource := *e
		noSource.Source = nil
		return noSource.Error(), true
	}
	return "", false
}

// apiMessage is "<HTTP code> <reason or status>: <message>", with the
// messages of further errors the API listed.
func apiMessage(e *googleapi.Error) string {
	msg := e.Message
	if msg == "" && len(e.Errors) > 0 {
		msg = e.Errors[0].Message
	}
	s := strconv.Itoa(e.Code)
	if r := reason(e); r != "" {
		s += " " + r
	}
	if msg != "" {
		s += ": " + msg
	}
	for _, it := range e.Errors {
		if it.Message == "" || it.Message == msg {
			continue
		}
		s += "; "
		if it.Reason != "" {
			s += it.Reason + ": "
		}
		s += it.Message
	}
	return s
}

// reason is the most specific code the API gave: the reason of its
// errors list (the JSON APIs, such as Cloud Storage's), of its ErrorInfo
// detail, or its status (PERMISSION_DENIED, ...); else the HTTP status
// text, as for an answer that is not Google's JSON.
func reason(e *googleapi.Error) string {
	for _, it := range e.Errors {
		if it.Reason != "" {
			return it.Reason
		}
	}
	for _, d := range e.Details {
		m, _ := d.(map[string]any)
		if r, _ := m["reason"].(string); m["@type"] == errorInfo && r != "" {
			return r
		}
	}
	var body struct {
		Error struct {
			Status string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(e.Body), &body) == nil && body.Error.Status != "" {
		return body.Error.Status
	}
	return http.StatusText(e.Code)
}

// tokenMessage is a token endpoint's refusal: its HTTP status and RFC 6749
// error code and description. The service account flow leaves the body
// unparsed, so those are read from it; the rest of the body is left out.
func tokenMessage(e *oauth2.RetrieveError) string {
	code, desc := e.ErrorCode, e.ErrorDescription
	if code == "" {
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(e.Body, &body) == nil {
			code, desc = body.Error, body.Description
		}
	}
	s := "oauth2: cannot fetch token"
	switch {
	case e.Response != nil && code != "":
		s += ": " + strconv.Itoa(e.Response.StatusCode) + " " + code
	case e.Response != nil:
		s += ": " + strings.TrimSpace(strconv.Itoa(e.Response.StatusCode)+" "+http.StatusText(e.Response.StatusCode))
	case code != "":
		s += ": " + code
	}
	if desc != "" {
		s += ": " + desc
	}
	return s
}
