package cloudsql_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcpapi"
)

const (
	project = "local-project"
	account = "deployer@local-project.iam.gserviceaccount.com"
)

// cloud is a local cloud behind httptest and a Cloud SQL client with a
// service account key the cloud trusts.
type cloud struct {
	c   *localcloud.Cloud
	url string
	sql *sqladmin.Service
	// stop ends the server and the cloud, as SIGTERM does.
	stop func()
}

func start(t *testing.T, dir string) *cloud {
	t.Helper()
	c, err := localcloud.New(context.Background(), localcloud.Config{
		DataDir: dir, Credentials: map[string]string{"AKID": "secret"}, Delay: 200 * time.Millisecond, Logf: t.Logf, GCPProject: project,
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
	key, pub, err := gcpapi.NewServiceAccountKey(account, project, srv.URL+gcpapi.TokenPath)
	if err != nil {
		t.Fatal(err)
	}
	c.TrustGCPServiceAccount(account, pub)
	svc, err := sqladmin.NewService(context.Background(), option.WithEndpoint(srv.URL+"/"), option.WithAuthCredentialsJSON(option.ServiceAccount, key))
	if err != nil {
		t.Fatalf("sqladmin.NewService: %v", err)
	}
	return &cloud{c: c, url: srv.URL, sql: svc, stop: stop}
}

// wait polls an operation until it is DONE and returns it, with the
// instance states seen meanwhile.
func wait(t *testing.T, svc *sqladmin.Service, op *sqladmin.Operation) (*sqladmin.Operation, []string) {
	t.Helper()
	var states []string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got, err := svc.Operations.Get(project, op.Name).Do()
		if err != nil {
			t.Fatalf("Operations.Get: %v", err)
		}
		if in, err := svc.Instances.Get(project, op.TargetId).Do(); err == nil && (len(states) == 0 || states[len(states)-1] != in.State) {
			states = append(states, in.State)
		}
		if got.Status == "DONE" {
			return got, states
		}
	}
	t.Fatalf("operation %s (%s) is not DONE after 2 minutes", op.Name, op.OperationType)
	return nil, nil
}

// done runs a call answering an operation and waits for it, which must
// succeed.
func done(t *testing.T, svc *sqladmin.Service, what string, op *sqladmin.Operation, err error) []string {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got, states := wait(t, svc, op)
	if got.Error != nil {
		t.Fatalf("%s: the operation failed: %+v", what, got.Error.Errors[0])
	}
	return states
}

// refusal is what a Google error says.
type refusal struct {
	Code           int
	Status, Reason string
}

func refusalOf(err error) refusal {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return refusal{}
	}
	var body struct {
		Error struct {
			Status string `json:"status"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(ge.Body), &body)
	r := refusal{Code: ge.Code, Status: body.Error.Status}
	if len(ge.Errors) > 0 {
		r.Reason = ge.Errors[0].Reason
	}
	return r
}

// caPool trusts an instance's serverCaCert.
func caPool(t *testing.T, in *sqladmin.DatabaseInstance) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if in.ServerCaCert == nil || !pool.AppendCertsFromPEM([]byte(in.ServerCaCert.Cert)) {
		t.Fatalf("instance %s has no usable serverCaCert", in.Name)
	}
	return pool
}

func address(t *testing.T, in *sqladmin.DatabaseInstance, kind string) string {
	t.Helper()
	for _, a := range in.IpAddresses {
		if a.Type == kind {
			return a.IpAddress
		}
	}
	t.Fatalf("instance %s has no %s address: %+v", in.Name, kind, in.IpAddresses)
	return ""
}

// pgQuery runs one query on host:5432, over TLS verified with pool (the
// server's name is its address) unless pool is nil; from, if set, is the
// source address the client binds.
func pgQuery(host, user, password, db string, pool *x509.CertPool, from string, query string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=5432 user=%s dbname=%s sslmode=disable connect_timeout=5", host, user, db))
	if err != nil {
		return "", err
	}
	cfg.Password = password
	if pool != nil {
		cfg.TLSConfig = &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}
	}
	if from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
		cfg.DialFunc = d.DialContext
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var out string
	err = conn.QueryRow(ctx, query).Scan(&out)
	return out, err
}
