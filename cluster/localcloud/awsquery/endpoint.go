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

// Service is one Query API: its XML namespace, the dialect it speaks and
// its actions.
type Service struct {
	Namespace string
	// Protocol chooses the response documents; the zero value is AWSQuery,
	// so RDS and ElastiCache need not name it.
	Protocol Protocol
	Actions  map[string]Handler
}

// Protocol is a dialect of the Query protocol. Requests are the same form
// in both; only the result and error documents differ.
type Protocol int

const (
	// AWSQuery is the awsQuery protocol of RDS and ElastiCache: the result
	// inside <{Action}Result>, errors in <ErrorResponse>.
	AWSQuery Protocol = iota
	// EC2Query is the ec2Query protocol of EC2: the result's members
	// directly inside <{Action}Response> after <requestId>, errors in
	// <Response><Errors>.
	EC2Query
)

func (s Service) writeResult(w http.ResponseWriter, action, requestID string, result any) error {
	if s.Protocol == EC2Query {
		return WriteEC2Result(w, s.Namespace, action, requestID, result)
	}
	return WriteResult(w, s.Namespace, action, requestID, result)
}

func (s Service) writeError(w http.ResponseWriter, requestID string, err error) {
	if s.Protocol == EC2Query {
		WriteEC2Error(w, requestID, err)
		return
	}
	WriteError(w, s.Namespace, requestID, err)
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
		// The signing name is known even when the signature is wrong, so
		// the client gets an error document it can parse.
		e.Services[name].writeError(w, id, err)
		return
	}
	req, err := Decode(r.URL.Query(), body)
	if err != nil {
		e.Services[name].writeError(w, id, err)
		return
	}
	svc, ok := e.Services[name]
	if !ok {
		svc = e.byAction(req.Action)
	}
	h, ok := svc.Actions[req.Action]
	if !ok {
		svc.writeError(w, id, InvalidAction(req.Action))
		return
	}
	result, err := h(r.Context(), req)
	if err != nil {
		if _, coded := asError(err); !coded {
			e.logf("request %s: %s failed: %v", id, req.Action, err)
		}
		svc.writeError(w, id, err)
		return
	}
	if err := svc.writeResult(w, req.Action, id, result); err != nil {
		e.logf("request %s: %v", id, err)
		svc.writeError(w, id, err)
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
