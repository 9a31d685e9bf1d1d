package cloudsql_test

import (
	"context"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/gcptest"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

const (
	project = gcptest.Project
	account = gcptest.Account
)

type refusal = gcptest.Refusal

var refusalOf = gcptest.RefusalOf

// cloud is a local cloud and a Cloud SQL client with a service account
// key it trusts.
type cloud struct {
	*gcptest.Cloud
	sql *sqladmin.Service
}

func start(t *testing.T, dir string) *cloud {
	t.Helper()
	c := gcptest.Start(t, dir)
	svc, err := sqladmin.NewService(context.Background(), option.WithEndpoint(c.URL+"/"), option.WithAuthCredentialsJSON(option.ServiceAccount, c.Key))
	if err != nil {
		t.Fatalf("sqladmin.NewService: %v", err)
	}
	return &cloud{Cloud: c, sql: svc}
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

// pgConnect opens a session on host:5432 over TLS verified with pool.
func pgConnect(host, user, password, db string, pool *x509.CertPool) (*pgx.Conn, error) {
	cfg, err := localcloudtest.Postgres(host, 5432, user, password, db, pool)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return pgx.ConnectConfig(ctx, cfg)
}

// pgQuery runs one query on host:5432, over TLS verified with pool (the
// server's name is its address) unless pool is nil; from, if set, is the
// source address the client binds.
func pgQuery(host, user, password, db string, pool *x509.CertPool, from string, query string) (string, error) {
	cfg, err := localcloudtest.Postgres(host, 5432, user, password, db, pool)
	if err != nil {
		return "", err
	}
	if from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
		cfg.DialFunc = d.DialContext
	}
	return localcloudtest.PostgresQuery(cfg, query)
}
