//go:build integration

package integration

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"

	"github.com/appinfra/provider-appinfra/apis/common"
	"github.com/appinfra/provider-appinfra/apis/gcp/sql/v1alpha1"
	gcpv1alpha1 "github.com/appinfra/provider-appinfra/apis/gcp/v1alpha1"
	"github.com/appinfra/provider-appinfra/internal/clients/cloudcall"
	"github.com/appinfra/provider-appinfra/test/probe"
)

// Cloud SQL runs on the project's local cloud (cluster/localcloud/cloudsql):
// the provider's real sqladmin client, authenticated with a service
// account key whose token_uri is the local cloud's token endpoint (the
// JWT-bearer exchange Google's clients make), through a
// ClusterProviderConfig, against a real PostgreSQL or MariaDB per instance
// behind its own loopback address, serving TLS with the local cloud's CA.
//
// Where the local cloud differs from Cloud SQL, and how these tests live
// with each gap:
//   - POSTGRES_16 runs on PostgreSQL 15 and MYSQL_8_0 on MariaDB:
//     databaseInstalledVersion is a label. The tests use POSTGRES_15.
//   - users.update and databases.insert answer an operation that is DONE
//     already, so the "published once the operation is done" path for a
//     running UPDATE_USER is covered by unit tests; here the password is
//     published the poll it is set, and the test checks it never appears
//     before it works.
//   - The server certificate names the instance's addresses (Google's
//     names the instance): the tests verify it against ca.crt as a
//     PostgreSQL client with sslrootcert does (verify-ca), not the host.
//   - TRUSTED_CLIENT_CERTIFICATE_REQUIRED checks no client certificate;
//     the tests use ENCRYPTED_ONLY.
//   - A deleted instance's ID can be used again at once (Cloud SQL keeps
//     it up to a week), and one region (us-central1) serves every
//     instance, so region checks are unit-tested.
//   - Maintenance and automatic storage increases come only when a test
//     asks for them (the admin endpoint); Cloud SQL schedules its own.
//   - Final backups on delete (enableFinalBackup) are not served, and
//     the provider does not ask for them.

// sqlConverge bounds an instance's way to RUNNABLE or gone: a real
// PostgreSQL is initialised and started behind each.
const sqlConverge = 3 * time.Minute

// The project and region the local cloud serves.
const (
	sqlProject = "local-project"
	sqlRegion  = "us-central1"
)

var (
	sqlStore *sqladmin.Service // talks to the local cloud directly, behind the provider's back
	sqlCalls *sqlRecorder      // what the provider sent to Cloud SQL
)

// setupCloudSQL gives the provider the local cloud's service account key
// (token_uri pointing at the local cloud) through a ClusterProviderConfig,
// "cloudsql", whose Cloud SQL endpoint is a recording proxy in front of the
// local cloud; and the tests a client of their own.
func setupCloudSQL(ctx context.Context, cloudEndpoint, keyFile string) error {
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("the local cloud's service account key: %w", err)
	}
	if sqlStore, err = sqladmin.NewService(ctx, option.WithEndpoint(cloudEndpoint+"/"), option.WithAuthCredentialsJSON(option.ServiceAccount, key)); err != nil {
		return err
	}
	sqlCalls = &sqlRecorder{}
	front := sqlProxy(cloudEndpoint, sqlCalls)
	if err := kube.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "crossplane-system", Name: "gcp-localcloud-key"},
		Data:       map[string][]byte{"key.json": key},
	}); err != nil {
		return err
	}
	return kube.Create(ctx, &gcpv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "cloudsql"},
		Spec: gcpv1alpha1.ProviderConfigSpec{
			ProjectID: sqlProject,
			Credentials: gcpv1alpha1.Credentials{
				Source:    gcpv1alpha1.CredentialsSourceSecret,
				SecretRef: &common.SecretKeySelector{Namespace: "crossplane-system", Name: "gcp-localcloud-key", Key: "key.json"},
			},
			Endpoint: &gcpv1alpha1.Endpoint{SQLAdmin: front.URL + "/"},
		},
	})
}

// A sqlCall is one call the provider made to Cloud SQL.
type sqlCall struct {
	Instance string // "" for operations
	Op       string // instances.get, instances.patch, users.update...
	Code     int
}

type sqlRecorder struct {
	mu    sync.Mutex
	calls []sqlCall
}

func (r *sqlRecorder) of(instance string) []sqlCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []sqlCall
	for _, c := range r.calls {
		if c.Instance == instance {
			out = append(out, c)
		}
	}
	return out
}

// sqlProxy forwards to the local cloud and records each call, named as the
// Cloud SQL Admin API names it, with the instance it is about (an insert
// names it in its body).
func sqlProxy(target string, rec *sqlRecorder) *httptest.Server {
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := sqlCall{Op: cloudcall.SQLAdminOperation(r.Method, r.URL.Path)}
		if _, rest, ok := strings.Cut(r.URL.Path, "/instances/"); ok {
			c.Instance, _, _ = strings.Cut(rest, "/")
		}
		if c.Op == "instances.insert" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var in struct{ Name string }
			_ = json.Unmarshal(body, &in)
			c.Instance = in.Name
		}
		sw := &statusWriter{ResponseWriter: w}
		proxy.ServeHTTP(sw, r)
		c.Code = sw.status
		rec.mu.Lock()
		rec.calls = append(rec.calls, c)
		rec.mu.Unlock()
	}))
}

func sqlInstance(name string, mutate ...func(*v1alpha1.DatabaseInstance)) *v1alpha1.DatabaseInstance {
	d := &v1alpha1.DatabaseInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.DatabaseInstanceSpec{ForProvider: v1alpha1.DatabaseInstanceParameters{
			Region:          sqlRegion,
			DatabaseVersion: v1alpha1.DatabaseVersionPostgres15,
			Tier:            "db-custom-1-3840",
			DataDiskSizeGb:  ptr.To[int64](10),
			BackupConfiguration: &v1alpha1.BackupConfiguration{
				Enabled: ptr.To(true), StartTime: ptr.To("03:00"), PointInTimeRecoveryEnabled: ptr.To(true),
			},
			MaintenanceWindow:         &v1alpha1.MaintenanceWindow{Day: 7, Hour: 4},
			DeletionProtectionEnabled: ptr.To(false),
			IPConfiguration: &v1alpha1.IPConfiguration{
				IPv4Enabled: ptr.To(true),
				SSLMode:     ptr.To(v1alpha1.SSLModeEncryptedOnly),
				// The tests connect from the host, whose address the
				// local cloud's gate sees as 127.0.0.1.
				AuthorizedNetworks: []v1alpha1.AuthorizedNetwork{{Name: "host", Value: "127.0.0.1/32"}},
			},
			DatabaseFlags:           []v1alpha1.DatabaseFlag{{Name: "max_connections", Value: "50"}},
			UserLabels:              map[string]string{"team": "shop"},
			DatabaseName:            ptr.To("app"),
			MasterPasswordSecretRef: v1alpha1.LocalSecretKeySelector{Name: name + "-master", Key: "password"},
		}},
	}
	d.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "cloudsql"}
	d.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-conn"}
	for _, m := range mutate {
		m(d)
	}
	return d
}

// getInstance reads an instance straight from the local cloud.
func getInstance(name string) (*sqladmin.DatabaseInstance, error) {
	return sqlStore.Instances.Get(sqlProject, name).Context(context.Background()).Do()
}

func instanceGone(name string) error {
	_, err := getInstance(name)
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == http.StatusNotFound {
		return nil
	}
	return fmt.Errorf("instance %s still there (%v)", name, err)
}

// waitOperation waits for an operation the test started to be done.
func waitOperation(t *testing.T, op *sqladmin.Operation, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, sqlConverge, "operation "+op.OperationType+" done", func() error {
		got, err := sqlStore.Operations.Get(sqlProject, op.Name).Do()
		if err != nil {
			return err
		}
		if got.Status != "DONE" {
			return fmt.Errorf("operation %s", got.Status)
		}
		if got.Error != nil {
			t.Fatalf("operation %s failed: %+v", got.OperationType, got.Error.Errors[0])
		}
		return nil
	})
}

// sqlReadiness records the states a DatabaseInstance was seen in, and
// when it was Ready while Cloud SQL said it did not serve as usual: not
// RUNNABLE, or running an operation that may restart it.
type sqlReadiness struct {
	mu     sync.Mutex
	states []string
	ops    []string
	lies   []string
}

func watchSQLReadiness(t *testing.T, cr *v1alpha1.DatabaseInstance) *sqlReadiness {
	t.Helper()
	r := &sqlReadiness{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for ctx.Err() == nil {
			got := &v1alpha1.DatabaseInstance{}
			if err := kube.Get(ctx, client.ObjectKeyFromObject(cr), got); err == nil {
				at := got.Status.AtProvider
				ready := got.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue
				r.mu.Lock()
				if at.State != "" && (len(r.states) == 0 || r.states[len(r.states)-1] != at.State) {
					r.states = append(r.states, at.State)
				}
				if op := at.PendingOperation; op != nil && !slices.Contains(r.ops, op.OperationType) {
					r.ops = append(r.ops, op.OperationType)
				}
				if ready && at.State != "RUNNABLE" {
					r.lies = append(r.lies, at.State)
				}
				if ready && at.PendingOperation != nil && at.PendingOperation.OperationType == "UPDATE" {
					r.lies = append(r.lies, "RUNNABLE with an UPDATE running")
				}
				r.mu.Unlock()
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return r
}

func (r *sqlReadiness) seen() (states, ops, lies []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.states), slices.Clone(r.ops), slices.Clone(r.lies)
}

// withCA is a PostgreSQL URL of a connection Secret that verifies the
// server against ca (sslmode=require with a root certificate is
// verify-ca), as an application that mounts the Secret does.
func withCA(t *testing.T, u, ca string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(f, []byte(ca), 0o600); err != nil {
		t.Fatal(err)
	}
	return u + "&sslrootcert=" + url.QueryEscape(f)
}

// otherCA is a CA certificate that signed nothing the local cloud serves.
func otherCA(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "not the local cloud"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// onlyGets waits for three polls of instance name after its call start
// and fails if any of its calls was not instances.get.
func onlyGets(t *testing.T, name string, start int, what string) {
	t.Helper()
	eventually(t, 4*pollInterval+10*time.Second, "three polls", func() error {
		if n := len(sqlCalls.of(name)) - start; n < 3 {
			return fmt.Errorf("%d calls so far", n)
		}
		return nil
	})
	for _, c := range sqlCalls.of(name)[start:] {
		if c.Op != "instances.get" {
			t.Errorf("%s sent %s", what, c.Op)
		}
	}
}

// TestCloudSQLPostgres runs an instance's whole life against the local
// cloud and a real PostgreSQL: created with a generated password, Ready
// only once RUNNABLE, queried over TLS verified with the connection
// Secret's CA, resized (tier and disk), grown by Cloud SQL itself without
// the provider fighting it, drift corrected, its password rotated,
// protected from deletion, then deleted.
func TestCloudSQLPostgres(t *testing.T) {
	t.Parallel()
	const name = "it-sql-pg"
	cr := sqlInstance(name)
	create(t, cr)
	states := watchSQLReadiness(t, cr)
	eventually(t, sqlConverge, "instance Ready", func() error { return ready(cr) })

	seen, ops, lies := states.seen()
	if len(lies) > 0 {
		t.Errorf("Ready while Cloud SQL said %v", lies)
	}
	if !slices.Contains(seen, "PENDING_CREATE") {
		t.Errorf("states seen: %v; want PENDING_CREATE before RUNNABLE", seen)
	}
	// The insert's operation is polled as the provider's own, so that an
	// asynchronous failure is said: the status Create writes survives the
	// runtime's save of the annotations that follows it.
	if !slices.Contains(ops, "CREATE") {
		t.Errorf("operations seen: %v; want the insert's CREATE", ops)
	}

	// The generated password is in its Secret, and the connection Secret
	// follows the database contract.
	master := connSecret(t, name+"-master")
	addCanary(master["password"])
	if n := len(master["password"]); n < 32 {
		t.Errorf("generated password has %d characters, want at least 32", n)
	}
	conn := connSecret(t, name+"-conn")
	for _, k := range []string{"username", "password", "host", "port", "endpoint", "database", "engine", "url", "ca.crt", "connectionName", "project"} {
		if conn[k] == "" {
			t.Errorf("connection Secret lacks %q", k)
		}
	}
	in, err := getInstance(name)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"username": "postgres", "port": "5432", "database": "app", "engine": "postgres", "project": sqlProject,
		"connectionName": sqlProject + ":" + sqlRegion + ":" + name, "ca.crt": in.ServerCaCert.Cert, "host": in.IpAddresses[0].IpAddress,
	}
	for k, v := range want {
		if conn[k] != v {
			t.Errorf("connection Secret %s = %q, want %q", k, conn[k], v)
		}
	}
	if !strings.HasSuffix(conn["url"], "/app?sslmode=require") {
		t.Errorf("url should ask for TLS and name the database: got one ending %q", conn["url"][strings.LastIndex(conn["url"], "@"):])
	}
	if db, err := probe.Query(withCA(t, conn["url"], conn["ca.crt"])); err != nil || db != "app" {
		t.Fatalf("query through the connection Secret's url, TLS verified with its ca.crt: %q, %v", db, err)
	}
	if _, err := probe.Query(withCA(t, conn["url"], otherCA(t))); err == nil {
		t.Error("a connection verified against another CA succeeded: the server's certificate is not checked")
	}
	// What the provider set is what Cloud SQL has.
	st := in.Settings
	if st.UserLabels["team"] != "shop" || st.UserLabels["crossplane-uid"] != string(cr.GetUID()) || st.IpConfiguration.SslMode != "ENCRYPTED_ONLY" ||
		!st.BackupConfiguration.PointInTimeRecoveryEnabled || st.MaintenanceWindow.Day != 7 || len(st.DatabaseFlags) != 1 {
		t.Errorf("the instance's settings are not the spec's: %+v", st)
	}
	if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
		t.Fatal(err)
	}
	if at := cr.Status.AtProvider; at.State != "RUNNABLE" || !strings.HasPrefix(at.DatabaseInstalledVersion, "POSTGRES_15_") || at.ServerCACertExpirationTime == nil || at.SettingsVersion == 0 || at.DataDiskSizeGb != 10 || at.Database != "app" {
		t.Errorf("status.atProvider: %+v", at)
	}

	t.Run("SteadyStateOneGet", func(t *testing.T) {
		onlyGets(t, name, len(sqlCalls.of(name)), "an in-sync poll")
	})

	t.Run("Resize", func(t *testing.T) {
		edit(t, cr, "tier and disk raised", func(cr *v1alpha1.DatabaseInstance) {
			cr.Spec.ForProvider.Tier = "db-custom-2-7680"
			cr.Spec.ForProvider.DataDiskSizeGb = ptr.To[int64](20)
		})
		eventually(t, sqlConverge, "resized", func() error {
			in, err := getInstance(name)
			if err != nil {
				return err
			}
			if in.Settings.Tier != "db-custom-2-7680" || in.Settings.DataDiskSizeGb != 20 {
				return fmt.Errorf("tier %s, disk %d GB", in.Settings.Tier, in.Settings.DataDiskSizeGb)
			}
			return ready(cr)
		})
		_, ops, lies := states.seen()
		if !slices.Contains(ops, "UPDATE") {
			t.Errorf("operations seen: %v; want the UPDATE while the tier changed", ops)
		}
		if len(lies) > 0 {
			t.Errorf("Ready while Cloud SQL said %v", lies)
		}
		if db, err := probe.Query(withCA(t, connSecret(t, name+"-conn")["url"], conn["ca.crt"])); err != nil || db != "app" {
			t.Errorf("query after the resize: %q, %v", db, err)
		}
	})

	// Cloud SQL grows the disk by itself (storageAutoResize): a larger
	// disk is in sync, and the provider never sends the smaller spec.
	t.Run("GrownByCloudSQL", func(t *testing.T) {
		resp, err := http.Post(localCloudAdmin+"/cloudsql/"+name+"/storage-low", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("storage-low event: %s", resp.Status)
		}
		in, err := getInstance(name)
		if err != nil || in.Settings.DataDiskSizeGb <= 20 {
			t.Fatalf("the disk did not grow: %v, %v", in, err)
		}
		grown := in.Settings.DataDiskSizeGb
		eventually(t, withinPoll, "grown size in status", func() error {
			if err := kube.Get(context.Background(), client.ObjectKeyFromObject(cr), cr); err != nil {
				return err
			}
			if cr.Status.AtProvider.DataDiskSizeGb != grown {
				return fmt.Errorf("status says %d GB", cr.Status.AtProvider.DataDiskSizeGb)
			}
			return ready(cr)
		})
		onlyGets(t, name, len(sqlCalls.of(name)), "an instance grown by Cloud SQL")
		if got := ptr.Deref(cr.Spec.ForProvider.DataDiskSizeGb, 0); got != 20 {
			t.Errorf("the spec's disk size changed to %d", got)
		}
	})

	t.Run("DriftCorrected", func(t *testing.T) {
		eventually(t, sqlConverge, "Ready", func() error { return ready(cr) })
		in, err := getInstance(name)
		if err != nil {
			t.Fatal(err)
		}
		op, err := sqlStore.Instances.Patch(sqlProject, name, &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{
			SettingsVersion: in.Settings.SettingsVersion,
			BackupConfiguration: &sqladmin.BackupConfiguration{
				Enabled: true, StartTime: "05:00", PointInTimeRecoveryEnabled: true,
			},
			UserLabels: map[string]string{"added-by-hand": "x"},
		}}).Do()
		waitOperation(t, op, err)
		eventually(t, sqlConverge, "drift corrected", func() error {
			in, err := getInstance(name)
			if err != nil {
				return err
			}
			if got := in.Settings.BackupConfiguration.StartTime; got != "03:00" {
				return fmt.Errorf("backup start time %s, want 03:00", got)
			}
			if _, ok := in.Settings.UserLabels["added-by-hand"]; ok {
				return errors.New("the label added by hand is still there")
			}
			for _, e := range eventsOf(t, cr) {
				if e.Reason == "DriftDetected" && strings.Contains(e.Message, "backupConfiguration") && strings.Contains(e.Message, "userLabels") {
					return nil
				}
			}
			return errors.New("no DriftDetected event naming backupConfiguration and userLabels")
		})
	})

	t.Run("RotatePassword", func(t *testing.T) {
		eventually(t, sqlConverge, "Ready", func() error { return ready(cr) })
		old := connSecret(t, name+"-conn")["url"]
		const rotated = "rotated-Passw0rd-for-it-sql-01"
		addCanary(rotated)
		edit(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-master"}}, "password rotated", func(s *corev1.Secret) {
			s.Data["password"] = []byte(rotated)
		})
		// The connection Secret gets the new password only once Cloud SQL
		// has it: an application that reads it connects at once.
		eventually(t, sqlConverge, "new password published", func() error {
			u := connSecret(t, name+"-conn")["url"]
			if u == old {
				return errors.New("connection Secret still has the old password")
			}
			if !strings.Contains(u, rotated) {
				t.Fatalf("the connection Secret's url changed to something else than the rotated password")
			}
			if _, err := probe.Query(withCA(t, u, conn["ca.crt"])); err != nil {
				t.Errorf("the new password was published before it worked: %v", err)
			}
			return nil
		})
		if _, err := probe.Query(withCA(t, old, conn["ca.crt"])); err == nil {
			t.Error("the old password still works after rotation")
		}
		found := false
		for _, e := range eventsOf(t, cr) {
			found = found || (e.Reason == "DriftDetected" && strings.Contains(e.Message, "masterPassword"))
		}
		if !found {
			t.Error("no DriftDetected event naming masterPassword for the rotation")
		}
		var updates int
		for _, c := range sqlCalls.of(name) {
			if c.Op == "users.update" {
				updates++
			}
		}
		if updates != 1 {
			t.Errorf("users.update sent %d times for one rotation, want 1", updates)
		}
	})

	t.Run("DeletionProtection", func(t *testing.T) {
		eventually(t, sqlConverge, "Ready", func() error { return ready(cr) })
		edit(t, cr, "protection on", func(cr *v1alpha1.DatabaseInstance) { cr.Spec.ForProvider.DeletionProtectionEnabled = ptr.To(true) })
		eventually(t, sqlConverge, "protection on in Cloud SQL", func() error {
			in, err := getInstance(name)
			if err != nil {
				return err
			}
			if !in.Settings.DeletionProtectionEnabled {
				return errors.New("deletion protection still off")
			}
			return ready(cr)
		})
		if err := kube.Delete(context.Background(), cr); err != nil {
			t.Fatal(err)
		}
		eventually(t, converge, "deletion refused", func() error {
			return hasCondition(cr, xpv2.TypeSynced, corev1.ConditionFalse, "deletion protection is on")
		})
		for _, c := range sqlCalls.of(name) {
			if c.Op == "instances.delete" {
				t.Errorf("instances.delete was sent for a protected instance")
			}
		}
		if _, err := getInstance(name); err != nil {
			t.Fatalf("the protected instance: %v", err)
		}
		edit(t, cr, "protection off", func(cr *v1alpha1.DatabaseInstance) { cr.Spec.ForProvider.DeletionProtectionEnabled = ptr.To(false) })
		eventually(t, sqlConverge, "resource gone", func() error { return gone(cr) })
		if err := instanceGone(name); err != nil {
			t.Error(err)
		}
		// The password Secret the provider generated goes with it.
		eventually(t, converge, "generated password Secret gone", func() error {
			err := kube.Get(context.Background(), key(ns, name+"-master"), &corev1.Secret{})
			if kerrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("still there (%v)", err)
		})
	})
}

// TestCloudSQLImportObserveOnly: an instance made outside Crossplane is
// read into an Observe-only resource, and left alone when it goes; a
// resource that may write is refused it.
func TestCloudSQLImportObserveOnly(t *testing.T) {
	t.Parallel()
	const id = "it-sql-imported"
	const outside = "made-outside-Passw0rd-01"
	addCanary(outside)
	op, err := sqlStore.Instances.Insert(sqlProject, &sqladmin.DatabaseInstance{
		Name: id, Region: sqlRegion, DatabaseVersion: "POSTGRES_15", RootPassword: outside,
		Settings: &sqladmin.Settings{Tier: "db-f1-micro", UserLabels: map[string]string{"owner": "dba"}},
	}).Do()
	t.Cleanup(func() { _, _ = sqlStore.Instances.Delete(sqlProject, id).Do() })
	waitOperation(t, op, err)

	view := sqlInstance("it-sql-import-view", func(d *v1alpha1.DatabaseInstance) {
		d.Annotations = map[string]string{"crossplane.io/external-name": id}
		d.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
		d.Spec.ForProvider = v1alpha1.DatabaseInstanceParameters{
			Region: sqlRegion, DatabaseVersion: v1alpha1.DatabaseVersionPostgres15, Tier: "db-f1-micro",
			MasterPasswordSecretRef: v1alpha1.LocalSecretKeySelector{Name: "it-sql-import-view-master", Key: "password"},
		}
		d.Spec.WriteConnectionSecretToReference = nil
	})
	start := len(sqlCalls.of(id))
	create(t, view)
	eventually(t, converge, "observed", func() error {
		if err := ready(view); err != nil {
			return err
		}
		at := view.Status.AtProvider
		if at.State != "RUNNABLE" || at.ConnectionName == "" || len(at.IPAddresses) == 0 || at.UserLabels["owner"] != "dba" {
			return fmt.Errorf("status.atProvider not filled: %+v", at)
		}
		return nil
	})
	onlyGets(t, id, start, "an Observe-only resource")
	if err := kube.Get(context.Background(), key(ns, "it-sql-import-view-master"), &corev1.Secret{}); !kerrors.IsNotFound(err) {
		t.Errorf("an Observe-only resource made a password Secret: %v", err)
	}

	// A resource that may write is refused an instance made outside
	// Crossplane through a config that does not allow untagged adoption.
	taker := sqlInstance("it-sql-import-taker", func(d *v1alpha1.DatabaseInstance) {
		d.Annotations = map[string]string{"crossplane.io/external-name": id}
		d.Spec.ForProvider.Tier = "db-f1-micro"
		d.Spec.WriteConnectionSecretToReference = nil
	})
	create(t, taker)
	eventually(t, converge, "take-over refused", func() error {
		return hasCondition(taker, xpv2.TypeSynced, corev1.ConditionFalse, "carries none of the provider's crossplane- tags")
	})
	if err := kube.Delete(context.Background(), taker); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "refused resource gone", func() error { return gone(taker) })

	if err := kube.Delete(context.Background(), view); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "resource gone", func() error { return gone(view) })
	in, err := getInstance(id)
	if err != nil {
		t.Fatalf("an Observe-only resource's deletion removed the instance: %v", err)
	}
	if in.Settings.Tier != "db-f1-micro" || in.Settings.UserLabels["crossplane-uid"] != "" {
		t.Errorf("the imported instance was changed: tier %s, labels %v", in.Settings.Tier, in.Settings.UserLabels)
	}
	for _, c := range sqlCalls.of(id)[start:] {
		if c.Op != "instances.get" {
			t.Errorf("import, refusal and deletion sent %s", c.Op)
		}
	}
}

// TestCloudSQLBadSpecRefusedAtAdmission: what Cloud SQL would refuse, or
// cannot change, is refused before it reaches the provider.
func TestCloudSQLBadSpecRefusedAtAdmission(t *testing.T) {
	t.Parallel()
	p := func(f func(*v1alpha1.DatabaseInstanceParameters)) func(*v1alpha1.DatabaseInstance) {
		return func(d *v1alpha1.DatabaseInstance) { f(&d.Spec.ForProvider) }
	}
	expectRefused(t, map[string]refusal{
		"Version":     {reason: "a version the provider does not run", obj: sqlInstance("it-sql-bad-version", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.DatabaseVersion = "SQLSERVER_2019_STANDARD" })), want: "supported values"},
		"Tier":        {reason: "a tier Cloud SQL does not name so", obj: sqlInstance("it-sql-bad-tier", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.Tier = "db-t4g-micro" })), want: "spec.forProvider.tier"},
		"SmallDisk":   {reason: "Cloud SQL needs 10 GB at least", obj: sqlInstance("it-sql-bad-disk", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.DataDiskSizeGb = ptr.To[int64](5) })), want: "dataDiskSizeGb"},
		"DiskType":    {reason: "an unknown disk type", obj: sqlInstance("it-sql-bad-disktype", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.DataDiskType = ptr.To("PD_FAST") })), want: "supported values"},
		"StartTime":   {reason: "a backup start time that is not HH:MM", obj: sqlInstance("it-sql-bad-start", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.BackupConfiguration.StartTime = ptr.To("25:00") })), want: "startTime"},
		"PITR":        {reason: "point-in-time recovery without backups", obj: sqlInstance("it-sql-bad-pitr", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.BackupConfiguration.Enabled = ptr.To(false) })), want: "pointInTimeRecoveryEnabled needs enabled"},
		"Maintenance": {reason: "day 8", obj: sqlInstance("it-sql-bad-window", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.MaintenanceWindow.Day = 8 })), want: "maintenanceWindow.day"},
		"CIDR": {reason: "an authorized network that is not an IPv4 address or range", obj: sqlInstance("it-sql-bad-cidr", p(func(p *v1alpha1.DatabaseInstanceParameters) {
			p.IPConfiguration.AuthorizedNetworks[0].Value = "10.0.0.300/8"
		})), want: "authorizedNetworks[0].value"},
		"PostgresN1": {reason: "a db-n1 tier for PostgreSQL, which Cloud SQL refuses (only custom or shared-core)", obj: sqlInstance("it-sql-bad-pg-n1", p(func(p *v1alpha1.DatabaseInstanceParameters) {
			p.Tier = "db-n1-standard-2"
		})), want: "db-n1-* tiers are for MYSQL_* only"},
		"EnterprisePlusHDD": {reason: "an HDD with an Enterprise Plus tier, which stores on SSD only", obj: sqlInstance("it-sql-bad-plus-hdd", p(func(p *v1alpha1.DatabaseInstanceParameters) {
			p.Tier, p.DataDiskType = "db-perf-optimized-N-2", ptr.To("PD_HDD")
		})), want: "Enterprise Plus stores on PD_SSD only"},
		"SSLMode":     {reason: "an unknown TLS mode", obj: sqlInstance("it-sql-bad-ssl", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.IPConfiguration.SSLMode = ptr.To("REQUIRED") })), want: "supported values"},
		"NoAddress":   {reason: "no public address and no private network", obj: sqlInstance("it-sql-bad-ip", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.IPConfiguration.IPv4Enabled = ptr.To(false) })), want: "needs a public address"},
		"ReservedKey": {reason: "a label key the provider reserves", obj: sqlInstance("it-sql-bad-label", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.UserLabels = map[string]string{"crossplane-name": "x"} })), want: "crossplane- (reserved)"},
		"ResizeLimit": {reason: "an automatic resize limit below the disk", obj: sqlInstance("it-sql-bad-limit", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.StorageAutoResizeLimit = ptr.To[int64](5) })), want: "storageAutoResizeLimit must be 0"},
		"BadName":     {reason: "metadata.name is the default instance ID", obj: sqlInstance("it-sql-bad-", func(*v1alpha1.DatabaseInstance) {}), want: "default Cloud SQL instance ID"},
		"NameTooLong": {reason: "instance IDs are at most 98 characters", obj: sqlInstance("it-sql-"+strings.Repeat("x", 92), func(*v1alpha1.DatabaseInstance) {}), want: "at most 98 characters"},
		"BadFlagName": {reason: "a flag name Cloud SQL does not spell so", obj: sqlInstance("it-sql-bad-flag", p(func(p *v1alpha1.DatabaseInstanceParameters) {
			p.DatabaseFlags = []v1alpha1.DatabaseFlag{{Name: "Max Connections"}}
		})), want: "databaseFlags[0].name"},
		"BadDatabase": {reason: "a database name with a space", obj: sqlInstance("it-sql-bad-db", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.DatabaseName = ptr.To("my app") })), want: "databaseName"},
		"BadNetwork":  {reason: "a private network that is not a network's name", obj: sqlInstance("it-sql-bad-vpc", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.IPConfiguration.PrivateNetwork = ptr.To("default") })), want: "privateNetwork"},
		"BadRegion":   {reason: "a region Google does not spell so", obj: sqlInstance("it-sql-bad-region", p(func(p *v1alpha1.DatabaseInstanceParameters) { p.Region = "US Central" })), want: "spec.forProvider.region"},
		"NoPasswordRef": {reason: "the password's Secret is required", obj: sqlInstance("it-sql-bad-pw", p(func(p *v1alpha1.DatabaseInstanceParameters) {
			p.MasterPasswordSecretRef = v1alpha1.LocalSecretKeySelector{}
		})), want: "masterPasswordSecretRef.name"},
	})

	// What Cloud SQL cannot change is refused as a change, saying why.
	// Observe-only resources: nothing is created.
	observeOnly := func(name string) *v1alpha1.DatabaseInstance {
		return sqlInstance(name, func(d *v1alpha1.DatabaseInstance) {
			d.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
			d.Spec.ForProvider.DataDiskType = ptr.To("PD_SSD")
			d.Spec.ForProvider.DataDiskSizeGb = ptr.To[int64](20)
			d.Spec.ForProvider.IPConfiguration.PrivateNetwork = ptr.To("projects/local-project/global/networks/default")
		})
	}
	for field, tc := range map[string]struct {
		change func(*v1alpha1.DatabaseInstance)
		want   string
	}{
		"region": {func(d *v1alpha1.DatabaseInstance) { d.Spec.ForProvider.Region = "europe-west1" }, "region is immutable"},
		"version": {func(d *v1alpha1.DatabaseInstance) {
			d.Spec.ForProvider.DatabaseVersion = v1alpha1.DatabaseVersionPostgres16
		}, "databaseVersion is immutable"},
		"disktype": {func(d *v1alpha1.DatabaseInstance) { d.Spec.ForProvider.DataDiskType = ptr.To("PD_HDD") }, "dataDiskType is immutable"},
		"disk":     {func(d *v1alpha1.DatabaseInstance) { d.Spec.ForProvider.DataDiskSizeGb = ptr.To[int64](15) }, "dataDiskSizeGb cannot be lowered"},
		"database": {func(d *v1alpha1.DatabaseInstance) { d.Spec.ForProvider.DatabaseName = ptr.To("other") }, "databaseName is immutable"},
		"network": {func(d *v1alpha1.DatabaseInstance) {
			d.Spec.ForProvider.IPConfiguration.PrivateNetwork = ptr.To("projects/p/global/networks/other")
		}, "privateNetwork is immutable"},
		"networkremoved": {func(d *v1alpha1.DatabaseInstance) { d.Spec.ForProvider.IPConfiguration.PrivateNetwork = nil }, "privateNetwork cannot be removed"},
	} {
		o := observeOnly("it-sql-immutable-" + field)
		expectImmutable(t, o, func() { tc.change(o) }, tc.want)
	}
}

// TestCloudSQLMySQL runs a MYSQL_8_0 instance (a real MariaDB server in
// the local cloud) to Ready, queries it over TLS verified with the
// connection Secret's ca.crt, and rotates root's password.
func TestCloudSQLMySQL(t *testing.T) {
	t.Parallel()
	const name = "it-sql-mysql"
	cr := sqlInstance(name, func(d *v1alpha1.DatabaseInstance) {
		d.Spec.ForProvider.DatabaseVersion = v1alpha1.DatabaseVersionMySQL80
		d.Spec.ForProvider.DatabaseName = ptr.To("orders")
		d.Spec.ForProvider.DatabaseFlags = nil
	})
	create(t, cr)
	eventually(t, sqlConverge, "instance Ready", func() error { return ready(cr) })
	conn := connSecret(t, name+"-conn")
	addCanary(conn["password"])
	if got, want := conn["url"], fmt.Sprintf("mysql://root:%s@%s:3306/orders?ssl-mode=REQUIRED", conn["password"], conn["host"]); got != want {
		t.Errorf("url: got another url than mysql://root:<password>@host:3306/orders?ssl-mode=REQUIRED")
	}
	if db, err := queryMySQLTLS(conn, conn["password"]); err != nil || db != "orders" {
		t.Fatalf("query through the connection Secret over TLS verified with its ca.crt: %q, %v", db, err)
	}
	old := conn["password"]
	const rotated = "rotated-Passw0rd-for-it-mysql-1"
	addCanary(rotated)
	edit(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-master"}}, "password rotated", func(s *corev1.Secret) {
		s.Data["password"] = []byte(rotated)
	})
	eventually(t, sqlConverge, "new password published", func() error {
		c := connSecret(t, name+"-conn")
		if c["password"] != rotated {
			return errors.New("connection Secret still has the old password")
		}
		if _, err := queryMySQLTLS(c, rotated); err != nil {
			t.Errorf("the new password was published before it worked: %v", err)
		}
		return nil
	})
	if _, err := queryMySQLTLS(conn, old); err == nil {
		t.Error("root's old password still works after rotation")
	}
}

// queryMySQLTLS connects as a connection Secret says, with password,
// over TLS verified against its ca.crt, and returns the database's name.
func queryMySQLTLS(conn map[string]string, password string) (string, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(conn["ca.crt"])) {
		return "", errors.New("no CA certificate in the connection Secret")
	}
	tlsName := "cloudsql-" + conn["host"]
	// The local cloud's server certificates name the address (Google's
	// name the instance: a client there verifies the chain only).
	if err := mysql.RegisterTLSConfig(tlsName, &tls.Config{RootCAs: pool, ServerName: conn["host"], MinVersion: tls.VersionTLS12}); err != nil {
		return "", err
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = conn["username"], password, "tcp", conn["host"]+":"+conn["port"], conn["database"]
	cfg.TLSConfig, cfg.Timeout = tlsName, 10*time.Second
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
