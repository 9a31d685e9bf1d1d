package gcpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAPI(t *testing.T) {
	routes := map[string]Route{
		"GET /v1/projects/{project}/things/{thing}": func(r *http.Request) (int, any, error) {
			switch r.PathValue("thing") {
			case "missing":
				return 0, nil, Errorf(http.StatusNotFound, "thingDoesNotExist", "The thing does not exist.")
			case "broken":
				return 0, nil, errors.New("disk on fire")
			}
			return http.StatusOK, map[string]string{"name": r.PathValue("thing")}, nil
		},
	}
	check := func(r *http.Request) error {
		if r.PathValue("project") != "local-project" {
			return Errorf(http.StatusForbidden, "notAuthorized", "The client is not authorized to make this request.")
		}
		return nil
	}
	cases := map[string]struct {
		reason   string
		newer    bool
		path     string
		wantCode int
		wantBody string
	}{
		"Answers": {
			reason: "A route's answer is its JSON.", path: "/v1/projects/local-project/things/a",
			wantCode: 200, wantBody: `{"name":"a"}`,
		},
		"Refused": {
			reason: "Check refuses a call before its route runs.", path: "/v1/projects/other/things/a",
			wantCode: 403, wantBody: `{"error":{"code":403,"errors":[{"domain":"global","message":"The client is not authorized to make this request.","reason":"notAuthorized"}],"message":"The client is not authorized to make this request.","status":"PERMISSION_DENIED"}}`,
		},
		"RouteError": {
			reason: "A route's error is answered in Google's shape, with errors[] for a legacy API.", path: "/v1/projects/local-project/things/missing",
			wantCode: 404, wantBody: `{"error":{"code":404,"errors":[{"domain":"global","message":"The thing does not exist.","reason":"thingDoesNotExist"}],"message":"The thing does not exist.","status":"NOT_FOUND"}}`,
		},
		"NewerFrontEnd": {
			reason: "An API on the newer front end sends no errors[].", newer: true, path: "/v1/projects/local-project/things/missing",
			wantCode: 404, wantBody: `{"error":{"code":404,"message":"The thing does not exist.","status":"NOT_FOUND"}}`,
		},
		"NewerFrontEndInternal": {
			reason: "Any other error is a 500 INTERNAL quoting it.", newer: true, path: "/v1/projects/local-project/things/broken",
			wantCode: 500, wantBody: `{"error":{"code":500,"message":"Internal error encountered: disk on fire","status":"INTERNAL"}}`,
		},
		"NotServed": {
			reason: "A path no route serves is a 404 naming the API.", newer: true, path: "/v2/elsewhere",
			wantCode: 404, wantBody: `{"error":{"code":404,"message":"The local cloud's Things does not serve GET /v2/elsewhere.","status":"NOT_FOUND"}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			api := API{Name: "Things", Routes: routes, Check: check, NewerFrontEnd: tc.newer}
			w := httptest.NewRecorder()
			api.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, tc.path, nil))
			body, _ := io.ReadAll(w.Body)
			var got, want any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("\n%s\nthe answer is not JSON: %s", tc.reason, body)
			}
			_ = json.NewDecoder(strings.NewReader(tc.wantBody)).Decode(&want)
			if diff := cmp.Diff([]any{tc.wantCode, want}, []any{w.Code, got}); diff != "" {
				t.Errorf("\n%s\nGET %s: -want +got:\n%s", tc.reason, tc.path, diff)
			}
		})
	}
}
