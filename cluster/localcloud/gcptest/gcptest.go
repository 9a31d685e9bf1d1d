// Package gcptest runs a local cloud for the tests of its Google Cloud
// services: behind httptest, with a service account key it trusts, whose
// token_uri is the cloud's token endpoint, for Google's API clients.
package gcptest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/appinfra/provider-appinfra/cluster/localcloud"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

// The project and the service account the tests use.
const (
	Project = "local-project"
	Account = "deployer@local-project.iam.gserviceaccount.com"
)

// Cloud is a running local cloud.
type Cloud struct {
	*localcloud.Cloud
	URL string
	// Key is a service account key file for Account.
	Key []byte
	// Stop ends the server and the cloud, as SIGTERM does; the test's
	// clean-up calls it too.
	Stop func()
}

// Start runs a local cloud on dir with a short Delay.
func Start(t *testing.T, dir string) *Cloud {
	t.Helper()
	c, err := localcloud.New(context.Background(), localcloud.Config{
		DataDir: dir, Credentials: map[string]string{"AKID": "secret"}, Delay: 200 * time.Millisecond, Logf: t.Logf, GCPProject: Project,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(c)
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		srv.Close()
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	t.Cleanup(stop)
	key, pub, err := gcpapi.NewServiceAccountKey(Account, Project, srv.URL+gcpapi.TokenPath)
	if err != nil {
		t.Fatal(err)
	}
	c.TrustGCPServiceAccount(Account, pub)
	return &Cloud{Cloud: c, URL: srv.URL, Key: key, Stop: stop}
}

// Event triggers what a service does on its own through the admin route.
func (c *Cloud) Event(t *testing.T, service, id, name string) {
	t.Helper()
	resp, err := http.Post(c.URL+"/localcloud/admin/"+service+"/"+id+"/"+name, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("event %s of %s %s: %d %s", name, service, id, resp.StatusCode, b)
	}
}

// Refusal is what a Google error says.
type Refusal struct {
	Code           int
	Status, Reason string
}

// RefusalOf reads a Google API client's error; Reason is the first of
// errors[], which only Cloud SQL sends.
func RefusalOf(err error) Refusal {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return Refusal{}
	}
	var body struct {
		Error struct {
			Status string `json:"status"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(ge.Body), &body)
	r := Refusal{Code: ge.Code, Status: body.Error.Status}
	if len(ge.Errors) > 0 {
		r.Reason = ge.Errors[0].Reason
	}
	return r
}
