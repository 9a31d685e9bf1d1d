package sqlinstance

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1"
)

// TestSQLAdmin runs the adapter with the real client against a server
// that answers every call with an operation, and checks the requests as
// Cloud SQL receives them: methods, paths, queries and bodies.
func TestSQLAdmin(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q := r.URL.Query()
		q.Del("alt")
		q.Del("prettyPrint")
		line := r.Method + " " + r.URL.Path
		if len(q) > 0 {
			line += "?" + q.Encode()
		}
		if len(b) > 0 {
			line += " " + string(b)
		}
		mu.Lock()
		got = append(got, line)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"name":"op-1","status":"PENDING"}`)
	}))
	defer srv.Close()
	s, err := sqladmin.NewService(context.Background(), option.WithEndpoint(srv.URL+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	a := sqlAdmin{s: s}
	ctx := context.Background()
	calls := []func() error{
		func() error { _, err := a.GetInstance(ctx, "p", "db"); return err },
		func() error {
			_, err := a.InsertInstance(ctx, "p", &sqladmin.DatabaseInstance{Name: "db", RootPassword: "pw"})
			return err
		},
		func() error {
			_, err := a.PatchInstance(ctx, "p", "db", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{Tier: "db-f1-micro", SettingsVersion: 3}})
			return err
		},
		func() error { _, err := a.DeleteInstance(ctx, "p", "db"); return err },
		func() error { _, err := a.GetOperation(ctx, "p", "op-1"); return err },
		func() error { _, err := a.ListOperations(ctx, "p", "db"); return err },
		func() error {
			_, err := a.UpdateUser(ctx, "p", "db", "postgres", "", &sqladmin.User{Password: "pw"})
			return err
		},
		func() error {
			_, err := a.UpdateUser(ctx, "p", "db", "root", "%", &sqladmin.User{Password: "pw"})
			return err
		},
		func() error { _, err := a.GetDatabase(ctx, "p", "db", "app"); return err },
		func() error { _, err := a.InsertDatabase(ctx, "p", "db", &sqladmin.Database{Name: "app"}); return err },
	}
	for _, c := range calls {
		if err := c(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"GET /v1/projects/p/instances/db",
		`POST /v1/projects/p/instances {"name":"db","rootPassword":"pw"}`,
		`PATCH /v1/projects/p/instances/db {"settings":{"settingsVersion":"3","tier":"db-f1-micro"}}`,
		"DELETE /v1/projects/p/instances/db",
		"GET /v1/projects/p/operations/op-1",
		"GET /v1/projects/p/operations?instance=db&maxResults=20",
		`PUT /v1/projects/p/instances/db/users?name=postgres {"password":"pw"}`,
		`PUT /v1/projects/p/instances/db/users?host=%25&name=root {"password":"pw"}`,
		"GET /v1/projects/p/instances/db/databases/app",
		`POST /v1/projects/p/instances/db/databases {"name":"app"}`,
	}
	for i := range got {
		if len(got[i]) > 0 && got[i][len(got[i])-1] == '\n' {
			got[i] = got[i][:len(got[i])-1]
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests: -want, +got:\n%s", diff)
	}
}
