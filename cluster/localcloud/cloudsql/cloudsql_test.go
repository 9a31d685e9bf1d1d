package cloudsql_test

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/appinfra/provider-appinfra/cluster/localcloud/engines"
	"github.com/appinfra/provider-appinfra/cluster/localcloud/localcloudtest"
)

// Where the local cloud knowingly differs from Cloud SQL (gaps):
//   - POSTGRES_16 runs on the installed PostgreSQL 15 and MYSQL_8_0 on
//     MariaDB; databaseInstalledVersion is a label, and a maintenance
//     moves the label, not the server.
//   - sslMode TRUSTED_CLIENT_CERTIFICATE_REQUIRED (requireSsl) requires
//     TLS but checks no client certificate; the server certificate names
//     the instance's addresses, so clients may verify the host name.
//   - Users and databases calls answer an operation that is DONE already.
//   - Links (selfLink, targetLink) name sqladmin.googleapis.com, as Google
//     does, not the local cloud.
//   - int64 fields are read only as JSON strings (as Google's clients send
//     them), int32 only as numbers; Google takes both.
//   - Instance and operation lists come in one page; database flags are
//     kept but not applied to the engine.
//   - Messages of 400s marked "Invalid request:" follow Cloud SQL's form;
//     their exact texts are not all Google's (nor is the reason "invalid"
//     of the deletion-protection refusal checked against Google's).
//   - Users and databases lists are those made through the API and the
//     built-in ones, not read from the engine; MySQL users are all '%'.
//   - A deleted instance's name can be used again at once (Cloud SQL
//     keeps it for up to a week); one region serves all instances.
//   - A private network is any name: PRIVATE addresses (127.10.x.x)
//     admit every local source; only PRIMARY ones check authorized
//     networks. Changing the TLS requirement restarts the engine.

func pgInstance(name string) *sqladmin.DatabaseInstance {
	return &sqladmin.DatabaseInstance{
		Name:            name,
		DatabaseVersion: "POSTGRES_15",
		RootPassword:    "root-pass-1",
		Settings: &sqladmin.Settings{
			Tier:                      "db-custom-1-3840",
			DeletionProtectionEnabled: true,
			UserLabels:                map[string]string{"team": "shop"},
			BackupConfiguration:       &sqladmin.BackupConfiguration{Enabled: true, StartTime: "03:00", PointInTimeRecoveryEnabled: true},
			MaintenanceWindow:         &sqladmin.MaintenanceWindow{Day: 7, Hour: 4},
			IpConfiguration: &sqladmin.IpConfiguration{
				Ipv4Enabled:        true,
				SslMode:            "ENCRYPTED_ONLY",
				AuthorizedNetworks: []*sqladmin.AclEntry{{Name: "host", Value: "127.0.0.1/32"}},
			},
		},
	}
}

// TestPostgresInstance drives a POSTGRES_15 instance through its life with
// google.golang.org/api/sqladmin/v1: create, connect over TLS verified
// with serverCaCert, users and databases, resize, refusals, maintenance,
// automatic storage increase, a restart of the local cloud, and deletion
// protection.
func TestPostgresInstance(t *testing.T) {
	if _, err := (&engines.Postgres{}).Version(); err != nil {
		t.Skipf("PostgreSQL is not installed here: %v", err)
	}
	dir := localcloudtest.DataDir(t)
	lc := start(t, dir)
	api := lc.sql

	op, err := api.Instances.Insert(project, pgInstance("shop-pg")).Do()
	if err == nil && (op.OperationType != "CREATE" || op.TargetId != "shop-pg" || op.User != account) {
		t.Errorf("insert answered %+v", op)
	}
	if diff := cmp.Diff([]string{"PENDING_CREATE", "RUNNABLE"}, done(t, api, "insert", op, err)); diff != "" {
		t.Errorf("states while creating: -want +got:\n%s", diff)
	}
	in, err := api.Instances.Get(project, "shop-pg").Do()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"state": "RUNNABLE", "connectionName": project + ":us-central1:shop-pg", "settingsVersion": int64(1),
		"dataDiskSizeGb": int64(10), "storageAutoResize": true, "availabilityType": "ZONAL", "tier": "db-custom-1-3840",
		"installedMajor": true, "zone": "us-central1-a", "labels": "shop", "maintenanceDay": int64(7),
	}
	got := map[string]any{
		"state": in.State, "connectionName": in.ConnectionName, "settingsVersion": in.Settings.SettingsVersion,
		"dataDiskSizeGb": in.Settings.DataDiskSizeGb, "storageAutoResize": in.Settings.StorageAutoResize != nil && *in.Settings.StorageAutoResize,
		"availabilityType": in.Settings.AvailabilityType, "tier": in.Settings.Tier,
		"installedMajor": strings.HasPrefix(in.DatabaseInstalledVersion, "POSTGRES_15_"), "zone": in.GceZone,
		"labels": in.Settings.UserLabels["team"], "maintenanceDay": in.Settings.MaintenanceWindow.Day,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the created instance: -want +got:\n%s", diff)
	}
	host, pool := address(t, in, "PRIMARY"), caPool(t, in)

	if got, err := pgQuery(host, "postgres", "root-pass-1", "postgres", pool, "", "select ssl::text from pg_stat_ssl where pid = pg_backend_pid()"); err != nil || got != "true" {
		t.Fatalf("the root user over TLS verified with serverCaCert: %q, %v", got, err)
	}
	if _, err := pgQuery(host, "postgres", "root-pass-1", "postgres", nil, "", "select 1::text"); err == nil {
		t.Errorf("a plain connection to an ENCRYPTED_ONLY instance was served")
	}
	if _, err := pgQuery(host, "postgres", "root-pass-1", "postgres", pool, "127.0.50.1", "select 1::text"); err == nil {
		t.Errorf("a connection from outside the authorized networks was served")
	}

	// Users and databases.
	op, err = api.Users.Insert(project, "shop-pg", &sqladmin.User{Name: "app", Password: "app-pass-1"}).Do()
	done(t, api, "users.insert", op, err)
	op, err = api.Databases.Insert(project, "shop-pg", &sqladmin.Database{Name: "shop"}).Do()
	done(t, api, "databases.insert", op, err)
	if got, err := pgQuery(host, "app", "app-pass-1", "shop", pool, "", "select current_user || '@' || current_database()"); err != nil || got != "app@shop" {
		t.Errorf("the new user in the new database: %q, %v", got, err)
	}
	op, err = api.Users.Update(project, "shop-pg", &sqladmin.User{Password: "root-pass-2"}).Name("postgres").Do()
	done(t, api, "users.update", op, err)
	if _, err := pgQuery(host, "postgres", "root-pass-2", "postgres", pool, "", "select 1::text"); err != nil {
		t.Errorf("the root user's new password: %v", err)
	}
	if d, err := api.Databases.Get(project, "shop-pg", "shop").Do(); err != nil || d.Charset != "UTF8" || d.Instance != "shop-pg" {
		t.Errorf("databases.get: %+v, %v", d, err)
	}
	op, err = api.Databases.Insert(project, "shop-pg", &sqladmin.Database{Name: "scratch"}).Do()
	done(t, api, "databases.insert scratch", op, err)
	op, err = api.Databases.Delete(project, "shop-pg", "scratch").Do()
	done(t, api, "databases.delete", op, err)
	dbs, err := api.Databases.List(project, "shop-pg").Do()
	if err != nil {
		t.Fatal(err)
	}
	var dbNames []string
	for _, d := range dbs.Items {
		dbNames = append(dbNames, d.Name)
	}
	if diff := cmp.Diff([]string{"postgres", "shop"}, dbNames); diff != "" {
		t.Errorf("databases: -want +got:\n%s", diff)
	}
	if _, err := api.Databases.Get(project, "shop-pg", "scratch").Do(); refusalOf(err).Code != 404 {
		t.Errorf("a dropped database: %v, want 404", err)
	}
	users, err := api.Users.List(project, "shop-pg").Do()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users.Items {
		names = append(names, u.Name+"/"+u.Type)
	}
	if diff := cmp.Diff([]string{"postgres/BUILT_IN", "app/BUILT_IN"}, names); diff != "" {
		t.Errorf("users: -want +got:\n%s", diff)
	}
	op, err = api.Users.Insert(project, "shop-pg", &sqladmin.User{Name: "app", Password: "again"}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := wait(t, api, op); got.Error == nil || got.Error.Errors[0].Code != "ERROR_RDBMS" {
		t.Errorf("a second user of the same name: %+v, want an ERROR_RDBMS operation error", got.Error)
	}

	// A resize: a bigger disk and a bigger tier (the engine restarts: a
	// session open before it is cut).
	held, err := pgConnect(host, "app", "app-pass-1", "shop", pool)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(context.Background())
	in, _ = api.Instances.Get(project, "shop-pg").Do()
	op, err = api.Instances.Patch(project, "shop-pg", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{
		DataDiskSizeGb: 20, Tier: "db-custom-2-7680", SettingsVersion: in.Settings.SettingsVersion,
	}}).Do()
	if err == nil && op.OperationType != "UPDATE" {
		t.Errorf("patch answered a %s operation", op.OperationType)
	}
	// While it runs, another change is refused.
	_, busyErr := api.Instances.Patch(project, "shop-pg", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{UserLabels: map[string]string{"x": "y"}}}).Do()
	if diff := cmp.Diff(refusal{Code: 409, Status: "ABORTED", Reason: "operationInProgress"}, refusalOf(busyErr)); diff != "" {
		t.Errorf("a patch during a patch: -want +got:\n%s", diff)
	}
	done(t, api, "patch", op, err)
	in, _ = api.Instances.Get(project, "shop-pg").Do()
	if got := fmt.Sprintf("%d %s %d %s", in.Settings.DataDiskSizeGb, in.Settings.Tier, in.Settings.SettingsVersion, in.Settings.UserLabels["team"]); got != "20 db-custom-2-7680 2 shop" {
		t.Errorf("after the resize: disk, tier, settingsVersion, label = %s", got)
	}
	if _, err := pgQuery(host, "app", "app-pass-1", "shop", pool, "", "select 1::text"); err != nil {
		t.Errorf("after the tier change: %v", err)
	}
	if _, err := held.Exec(context.Background(), "select 1"); err == nil {
		t.Errorf("a session from before the tier change survived it: the engine did not restart")
	}

	refusals := map[string]struct {
		reason string
		call   func() error
		want   refusal
	}{
		"StaleSettingsVersion": {reason: "A patch naming an old settingsVersion is 412 staleData.", want: refusal{Code: 412, Status: "FAILED_PRECONDITION", Reason: "staleData"}, call: func() error {
			_, err := api.Instances.Patch(project, "shop-pg", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{DataDiskSizeGb: 30, SettingsVersion: 1}}).Do()
			return err
		}},
		"SmallerDisk": {reason: "A disk cannot shrink.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT", Reason: "invalid"}, call: func() error {
			_, err := api.Instances.Patch(project, "shop-pg", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{DataDiskSizeGb: 15}}).Do()
			return err
		}},
		"InvalidTier": {reason: "An unknown tier is 400 invalid.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT", Reason: "invalid"}, call: func() error {
			_, err := api.Instances.Patch(project, "shop-pg", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{Tier: "db-custom-3-3840"}}).Do()
			return err
		}},
		"UpdateWithoutVersion": {reason: "An update (PUT) must name the settingsVersion.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT", Reason: "invalid"}, call: func() error {
			_, err := api.Instances.Update(project, "shop-pg", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{Tier: "db-f1-micro"}}).Do()
			return err
		}},
		"AlreadyExists": {reason: "An instance name is taken: 409 instanceAlreadyExists.", want: refusal{Code: 409, Status: "ALREADY_EXISTS", Reason: "instanceAlreadyExists"}, call: func() error {
			_, err := api.Instances.Insert(project, pgInstance("shop-pg")).Do()
			return err
		}},
		"Protected": {reason: "Deletion protection refuses a delete.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT", Reason: "invalid"}, call: func() error {
			_, err := api.Instances.Delete(project, "shop-pg").Do()
			return err
		}},
	}
	for name, tc := range refusals {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if diff := cmp.Diff(tc.want, refusalOf(err)); diff != "" {
				t.Errorf("%s (%v) -want +got:\n%s", tc.reason, err, diff)
			}
		})
	}
	if _, err := api.Instances.Delete(project, "shop-pg").Do(); err == nil || !strings.Contains(err.Error(), "The instance is protected.") {
		t.Errorf("deleting a protected instance: %v", err)
	}

	// Maintenance: MAINTENANCE while the engine restarts on the next minor.
	before := in.DatabaseInstalledVersion
	lc.Event(t, "cloudsql", "shop-pg", "maintenance")
	ops, err := api.Operations.List(project).Instance("shop-pg").Do()
	if err != nil {
		t.Fatal(err)
	}
	if ops.Items[0].OperationType != "MAINTENANCE" {
		t.Fatalf("newest operation %s, want MAINTENANCE", ops.Items[0].OperationType)
	}
	if diff := cmp.Diff([]string{"MAINTENANCE", "RUNNABLE"}, done(t, api, "maintenance", ops.Items[0], nil)); diff != "" {
		t.Errorf("states during maintenance: -want +got:\n%s", diff)
	}
	in, _ = api.Instances.Get(project, "shop-pg").Do()
	if in.DatabaseInstalledVersion == before || !strings.HasPrefix(in.MaintenanceVersion, in.DatabaseInstalledVersion+".R") {
		t.Errorf("after maintenance: installed %s (was %s), maintenance version %s", in.DatabaseInstalledVersion, before, in.MaintenanceVersion)
	}

	// Storage runs low: the disk grows by 20/25+5 GB, and the settings
	// version moves on, so a patch made with the old one is stale.
	lc.Event(t, "cloudsql", "shop-pg", "storage-low")
	in, _ = api.Instances.Get(project, "shop-pg").Do()
	if in.Settings.DataDiskSizeGb != 25 || in.Settings.SettingsVersion != 3 {
		t.Errorf("after storage ran low: %d GB, settingsVersion %d; want 25 GB, 3", in.Settings.DataDiskSizeGb, in.Settings.SettingsVersion)
	}

	// Only more disk: no restart, a session open before goes on.
	held, err = pgConnect(host, "app", "app-pass-1", "shop", pool)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(context.Background())
	op, err = api.Instances.Patch(project, "shop-pg", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{DataDiskSizeGb: 30, SettingsVersion: 3}}).Do()
	done(t, api, "patch the disk", op, err)
	if _, err := held.Exec(context.Background(), "select 1"); err != nil {
		t.Errorf("a session across a disk increase: %v", err)
	}
	held.Close(context.Background())

	// The local cloud restarts: the instance, its data and its address stay.
	lc.Stop()
	lc = start(t, dir)
	api = lc.sql
	in, err = api.Instances.Get(project, "shop-pg").Do()
	if err != nil || in.State != "RUNNABLE" || address(t, in, "PRIMARY") != host || in.Settings.DataDiskSizeGb != 30 {
		t.Fatalf("after a restart: %+v, %v", in, err)
	}
	if got, err := pgQuery(host, "app", "app-pass-1", "shop", pool, "", "select current_database()"); err != nil || got != "shop" {
		t.Errorf("after a restart: %q, %v", got, err)
	}

	// Deletion protection off (false must be sent: Google's clients leave
	// false out otherwise), then the delete goes through.
	op, err = api.Instances.Patch(project, "shop-pg", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{
		DeletionProtectionEnabled: false, ForceSendFields: []string{"DeletionProtectionEnabled"},
	}}).Do()
	done(t, api, "patch deletion protection off", op, err)
	op, err = api.Instances.Delete(project, "shop-pg").Do()
	if diff := cmp.Diff([]string{"PENDING_DELETE"}, done(t, api, "delete", op, err)); diff != "" {
		t.Errorf("states while deleting: -want +got:\n%s", diff)
	}
	if _, err := api.Instances.Get(project, "shop-pg").Do(); refusalOf(err) != (refusal{Code: 404, Status: "NOT_FOUND", Reason: "instanceDoesNotExist"}) {
		t.Errorf("a deleted instance: %v", err)
	}
	if _, err := pgQuery(host, "app", "app-pass-1", "shop", pool, "", "select 1::text"); err == nil {
		t.Errorf("a deleted instance still answers")
	}
}

// TestMySQLInstance: a MYSQL_8_0 instance is a real MariaDB server reached
// over TLS at its address's port 3306, restartable.
func TestMySQLInstance(t *testing.T) {
	if _, err := (&engines.MariaDB{Engine: "mysql"}).Version(); err != nil {
		t.Skipf("MariaDB is not installed here: %v", err)
	}
	lc := start(t, localcloudtest.DataDir(t))
	api := lc.sql
	op, err := api.Instances.Insert(project, &sqladmin.DatabaseInstance{
		Name: "shop-my", DatabaseVersion: "MYSQL_8_0", RootPassword: "root-pass-1",
		Settings: &sqladmin.Settings{Tier: "db-f1-micro", IpConfiguration: &sqladmin.IpConfiguration{
			Ipv4Enabled: true, SslMode: "ENCRYPTED_ONLY", AuthorizedNetworks: []*sqladmin.AclEntry{{Value: "127.0.0.1"}},
		}},
	}).Do()
	done(t, api, "insert", op, err)
	in, err := api.Instances.Get(project, "shop-my").Do()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(in.DatabaseInstalledVersion, "MYSQL_8_0_") {
		t.Errorf("databaseInstalledVersion %s", in.DatabaseInstalledVersion)
	}
	if err := mysql.RegisterTLSConfig("shop-my", &tls.Config{RootCAs: caPool(t, in), ServerName: address(t, in, "PRIMARY"), MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatal(err)
	}
	query := func(db string) (string, error) {
		conn, err := sql.Open("mysql", fmt.Sprintf("root:root-pass-1@tcp(%s:3306)/%s?tls=shop-my&timeout=5s", address(t, in, "PRIMARY"), db))
		if err != nil {
			return "", err
		}
		defer conn.Close()
		var out string
		err = conn.QueryRowContext(context.Background(), "select concat(current_user(), ' ', ifnull(database(), '-'))").Scan(&out)
		return out, err
	}
	if got, err := query(""); err != nil || got != "root@% -" {
		t.Fatalf("root over TLS: %q, %v", got, err)
	}
	op, err = api.Databases.Insert(project, "shop-my", &sqladmin.Database{Name: "shop"}).Do()
	done(t, api, "databases.insert", op, err)
	op, err = api.Instances.Restart(project, "shop-my").Do()
	if diff := cmp.Diff([]string{"RUNNABLE"}, done(t, api, "restart", op, err)); diff != "" {
		t.Errorf("states during a restart: -want +got:\n%s", diff)
	}
	if got, err := query("shop"); err != nil || got != "root@% shop" {
		t.Errorf("after a restart: %q, %v", got, err)
	}
	// An update (PUT) replaces the settings: what the GET returned, changed.
	in, _ = api.Instances.Get(project, "shop-my").Do()
	in.Settings.Tier = "db-g1-small"
	op, err = api.Instances.Update(project, "shop-my", &sqladmin.DatabaseInstance{Settings: in.Settings}).Do()
	done(t, api, "update", op, err)
	after, _ := api.Instances.Get(project, "shop-my").Do()
	if after.Settings.Tier != "db-g1-small" || after.Settings.SettingsVersion != in.Settings.SettingsVersion+1 || address(t, after, "PRIMARY") != address(t, in, "PRIMARY") {
		t.Errorf("after an update: tier %s, settingsVersion %d", after.Settings.Tier, after.Settings.SettingsVersion)
	}
	if got, err := query("shop"); err != nil || got != "root@% shop" {
		t.Errorf("after an update: %q, %v", got, err)
	}
	op, err = api.Instances.Delete(project, "shop-my").Do()
	done(t, api, "delete", op, err)
}

// TestRefusals: errors that need no engine, in Google's shape.
func TestRefusals(t *testing.T) {
	lc := start(t, localcloudtest.DataDir(t))
	api := lc.sql
	anonymous, err := sqladmin.NewService(context.Background(), option.WithEndpoint(lc.URL+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		call   func() error
		want   refusal
	}{
		"Unauthenticated": {reason: "No access token is 401 UNAUTHENTICATED.", want: refusal{Code: 401, Status: "UNAUTHENTICATED", Reason: ""}, call: func() error {
			_, err := anonymous.Instances.List(project).Do()
			return err
		}},
		"OtherProject": {reason: "A project the local cloud does not serve is 403 notAuthorized.", want: refusal{Code: 403, Status: "PERMISSION_DENIED", Reason: "notAuthorized"}, call: func() error {
			_, err := api.Instances.List("someone-elses").Do()
			return err
		}},
		"NotFound": {reason: "An unknown instance is 404 instanceDoesNotExist.", want: refusal{Code: 404, Status: "NOT_FOUND", Reason: "instanceDoesNotExist"}, call: func() error {
			_, err := api.Instances.Get(project, "nope").Do()
			return err
		}},
		"BadName": {reason: "An instance name with capitals is refused.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT", Reason: "invalid"}, call: func() error {
			_, err := api.Instances.Insert(project, &sqladmin.DatabaseInstance{Name: "Shop", DatabaseVersion: "POSTGRES_15", Settings: &sqladmin.Settings{Tier: "db-f1-micro"}}).Do()
			return err
		}},
		"BadTier": {reason: "A custom tier with an odd CPU count is refused.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT", Reason: "invalid"}, call: func() error {
			_, err := api.Instances.Insert(project, &sqladmin.DatabaseInstance{Name: "shop", DatabaseVersion: "POSTGRES_15", Settings: &sqladmin.Settings{Tier: "db-custom-3-7680"}}).Do()
			return err
		}},
		"NoConnectivity": {reason: "No public and no private IP is refused.", want: refusal{Code: 400, Status: "INVALID_ARGUMENT", Reason: "invalid"}, call: func() error {
			_, err := api.Instances.Insert(project, &sqladmin.DatabaseInstance{Name: "shop", DatabaseVersion: "POSTGRES_15", Settings: &sqladmin.Settings{
				Tier: "db-f1-micro", IpConfiguration: &sqladmin.IpConfiguration{Ipv4Enabled: false, ForceSendFields: []string{"Ipv4Enabled"}},
			}}).Do()
			return err
		}},
		"UnknownOperation": {reason: "An unknown operation is 404.", want: refusal{Code: 404, Status: "NOT_FOUND", Reason: "operationDoesNotExist"}, call: func() error {
			_, err := api.Operations.Get(project, "5a1d0e46-0000-4000-8000-000000000000").Do()
			return err
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if diff := cmp.Diff(tc.want, refusalOf(err)); diff != "" {
				t.Errorf("%s (%v) -want +got:\n%s", tc.reason, err, diff)
			}
		})
	}
	// The same API under /sqladmin/, for clients with one endpoint per API.
	prefixed, err := sqladmin.NewService(context.Background(), option.WithEndpoint(lc.URL+"/sqladmin/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prefixed.Instances.List(project).Do(); refusalOf(err).Code != 401 {
		t.Errorf("under /sqladmin/: %v, want 401 (the route exists)", err)
	}
}
