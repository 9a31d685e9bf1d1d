package awsquery

import (
	"context"
	"io"
	"log"
	"net/http"
)

// Handler runs one action and returns the value encoded inside
// <{Action}Result>, or an error (an *Error for API errors).
type Handler func(ctx context.Context, r *Request) (any, error)

// Service is one Query API: its XML namespace and its actions.
type Service struct {
	Namespace string
	Actions   map[string]Handler
}

// Endpoint serves several Query services on one HTTP endpoint, the way the
// SDK reaches them when every client shares a BaseEndpoint. It picks the
// service by the SigV4 signing name and falls back to the action, so
// unsigned tools and future services need no extra routing.
type Endpoint struct {
	// Authenticate checks the request's signature and returns the signing
	// name (e.g. "rds"). The body is passed because the signature covers it.
	Authenticate func(r *http.Request, body []byte) (service string, err error)
	// Services by signing name.
	Services map[string]Service
	// Logf receives internal errors, which clients see only as InternalFailure.
	Logf func(format string, args ...any)
}

// maxBody bounds what one request may send; Query calls are small forms.
const maxBody = 1 << 20

func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := NewRequestID()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		WriteError(w, "", id, Errorf(400, "MalformedQueryString", "cannot read the request body: %v", err))
		return
	}
	name, err := e.Authenticate(r, body)
	if err != nil {
		WriteError(w, e.Services[name].Namespace, id, err)
		return
	}
	req, err := Decode(r.URL.Query(), body)
	if err != nil {
		WriteError(w, e.Services[name].Namespace, id, err)
		return
	}
	svc, ok := e.Services[name]
	if !ok {
		svc = e.byAction(req.Action)
	}
	h, ok := svc.Actions[req.Action]
	if !ok {
		WriteError(w, svc.Namespace, id, InvalidAction(req.Action))
		return
	}
	result, err := h(r.Context(), req)
	if err != nil {
		if _, coded := asError(err); !coded {
			e.logf("request %s: %s failed: %v", id, req.Action, err)
		}
		WriteError(w, svc.Namespace, id, err)
		return
	}
	if err := WriteResult(w, svc.Namespace, req.Action, id, result); err != nil {
		e.logf("request %s: %v", id, err)
		WriteError(w, svc.Namespace, id, err)
	}
}

func (e *Endpoint) byAction(action string) Service {
	for _, s := range e.Services {
		if _, ok := s.Actions[action]; ok {
			return s
		}
	}
	return Service{}
}

func (e *Endpoint) logf(format string, args ...any) {
	if e.Logf != nil {
		e.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}
