package gcpapi

import (
	"errors"
	"net/http"
)

// Route answers one call of an API: a status code and the JSON body, or
// an error, answered in Google's shape.
type Route func(*http.Request) (code int, body any, err error)

// API is one of Google's REST APIs as the local cloud serves it.
type API struct {
	// Name names the API in the answer to a path it does not serve.
	Name string
	// Routes are the calls it answers, by http.ServeMux pattern.
	Routes map[string]Route
	// Check runs before every route and may refuse the call: a project or
	// a location the local cloud does not serve.
	Check func(*http.Request) error
	// NewerFrontEnd is set for APIs that answer errors as Google's newer
	// front end does, with no legacy errors[] list (see Error).
	NewerFrontEnd bool
}

// Handler serves the routes; any other call is a 404. Checking the
// caller's token is Auth.Require's.
func (a API) Handler() http.Handler {
	mux := http.NewServeMux()
	for pattern, route := range a.Routes {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := a.Check(r); err != nil {
				a.writeError(w, err)
				return
			}
			code, body, err := route(r)
			if err != nil {
				a.writeError(w, err)
				return
			}
			WriteJSON(w, code, body)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, Errorf(http.StatusNotFound, "notFound", "The local cloud's %s does not serve %s %s.", a.Name, r.Method, r.URL.Path))
	})
	return mux
}

func (a API) writeError(w http.ResponseWriter, err error) {
	if !a.NewerFrontEnd {
		WriteError(w, err)
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		e = Errorf(http.StatusInternalServerError, "", "Internal error encountered: %v", err)
	}
	c := *e
	c.Reason = ""
	WriteError(w, &c)
}
