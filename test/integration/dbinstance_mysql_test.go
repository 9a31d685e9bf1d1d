//go:build integration

package integration

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"k8s.io/utils/ptr"

	"github.com/appinfra/provider-appinfra/apis/aws/rds/v1alpha1"
)

// queryMySQL connects with a connection Secret's keys and returns the
// database's name.
func queryMySQL(conn map[string]string) (string, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = conn["username"], conn["password"], "tcp", conn["host"]+":"+conn["port"], conn["database"]
	cfg.Timeout = 10 * time.Second
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return "", err
	}
	defer db.Close() //nolint:errcheck // Read-only query.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var name string
	err = db.QueryRowContext(ctx, "select database()").Scan(&name)
	return name, err
}

// TestDBInstanceMySQL runs a mysql instance (a real MariaDB server in the
// local cloud) to Ready and queries it through its connection Secret.
func TestDBInstanceMySQL(t *testing.T) {
	t.Parallel()
	const name = "it-mysql"
	cr := dbInstance(name, func(d *v1alpha1.DBInstance) {
		d.Spec.ForProvider.Engine = v1alpha1.EngineMySQL
		d.Spec.ForProvider.DBName = ptr.To("orders")
		d.Spec.ForProvider.SkipFinalSnapshot = true
	})
	create(t, cr)
	eventually(t, dbConverge, "instance Ready", func() error { return ready(cr) })
	conn := connSecret(t, name+"-conn")
	addCanary(conn["password"])
	if got, want := conn["url"], fmt.Sprintf("mysql://appadmin:%s@%s:%s/orders", conn["password"], conn["host"], conn["port"]); got != want {
		t.Errorf("url: got a different url than mysql://appadmin:<password>@host:port/orders")
	}
	if db, err := queryMySQL(conn); err != nil || db != "orders" {
		t.Fatalf("query through the connection Secret: %q, %v", db, err)
	}
}
