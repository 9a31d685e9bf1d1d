package readonly

import (
	"net/http"
)

// googleReadPOSTs are Google API requests that are POSTs but only read,
// by service and path. None of the calls the controllers' Observe makes is
// one today; a read that needs a POST is added here, by its exact path.
var googleReadPOSTs = map[string]bool{}

// Google wraps a Google API client's transport so that it refuses every
// request but a GET (and the POSTs googleReadPOSTs names) before it is
// authenticated or sent, and counts each in g. service names the API
// (storage, sqladmin, redis).
func (g *Guard) Google(service string, next http.RoundTripper) http.RoundTripper {
	return googleGuard{g: g, service: service, next: next}
}

type googleGuard struct {
	g       *Guard
	service string
	next    http.RoundTripper
}

func (t googleGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet && !(r.Method == http.MethodPost && googleReadPOSTs[t.service+" "+r.URL.Path]) {
		if r.Body != nil {
			_ = r.Body.Close() // A RoundTripper must close the body, even on error.
		}
		return nil, t.g.refuse(t.service + " " + r.Method + " " + r.URL.Path)
	}
	t.g.read()
	return t.next.RoundTrip(r)
}
