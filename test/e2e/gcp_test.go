//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	redis "google.golang.org/api/redis/v1"
	sqladmin "google.golang.org/api/sqladmin/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/appinfra/provider-appinfra/cluster/local"
	"github.com/appinfra/provider-appinfra/test/probe"
)

var (
	cloudSQLInstance    = schema.GroupKind{Group: "sql.gcp.appinfra.io", Kind: "DatabaseInstance"}.String()
	memorystoreInstance = schema.GroupKind{Group: "redis.gcp.appinfra.io", Kind: "Instance"}.String()
)

// TestAppEnvironmentOnGCP: the bundle with cloud: gcp and no composition
// selector gets a GCS bucket, a Cloud SQL instance and a Memorystore
// cache, with the same database and cache keys in its Secret as on AWS:
// an application queries the database with DATABASE_URL, PINGs the cache
// over TLS with REDIS_PASSWORD and REDIS_CA_CERT, and puts and reads an
// object in the bucket. Deleting the claim leaves nothing in the local
// cloud.
func TestAppEnvironmentOnGCP(t *testing.T) {
	t.Parallel()
	ns := namespace(t, "team-shop-gcp")
	claim := example(t, "examples/platform/appenvironment-gcp.yaml")
	claim.SetNamespace(ns)
	if err := kube.Create(context.Background(), claim); err != nil {
		t.Fatal(err)
	}
	xr := compositeOf(t, claim)
	readiness(t, claim, xr, 8*time.Minute)
	if ref, _, _ := unstructured.NestedString(xr.Object, "spec", "compositionRef", "name"); ref != "appenvironment-by-cloud" {
		t.Errorf("the composite's composition is %q, want the default, appenvironment-by-cloud", ref)
	}
	mrs := composed(t, xr)
	kinds := byKind(t, mrs)
	for _, k := range []string{gcsBucket, cloudSQLInstance, memorystoreInstance} {
		if kinds[k] == nil {
			t.Fatalf("no %s composed; got %v", k, kinds)
		}
	}
	for _, k := range []string{s3Bucket, dbInstance, replicationGroup} {
		if kinds[k] != nil {
			t.Errorf("an AWS %s composed for a gcp claim", k)
		}
	}

	env := secretData(t, ns, "shop-gcp-env")
	for _, k := range []string{"DATABASE_URL", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD",
		"REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_CA_CERT", "BUCKET_NAME", "GCS_ENDPOINT", "GOOGLE_CLOUD_PROJECT"} {
		if env[k] == "" {
			t.Errorf("Secret shop-gcp-env has no %s", k)
		}
	}
	eventually(t, time.Minute, "query the database with DATABASE_URL", func() error {
		db, err := probe.Query(env["DATABASE_URL"])
		if err == nil && db != env["DATABASE_NAME"] {
			err = fmt.Errorf("connected to %q, want %q", db, env["DATABASE_NAME"])
		}
		return err
	})
	eventually(t, time.Minute, "PING the cache with REDIS_*", func() error {
		return probe.WithToken(env["REDIS_HOST"], env["REDIS_PORT"], env["REDIS_CA_CERT"], env["REDIS_PASSWORD"], probe.Ping)
	})
	ctx := context.Background()
	gcs, err := storage.NewClient(ctx, option.WithEndpoint(env["GCS_ENDPOINT"]), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer gcs.Close() //nolint:errcheck // Test client.
	obj := gcs.Bucket(env["BUCKET_NAME"]).Object("hello.txt")
	w := obj.NewWriter(ctx)
	if _, err := io.WriteString(w, "hello from the gcp environment"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("put an object in BUCKET_NAME: %v", err)
	}
	r, err := obj.NewReader(ctx)
	if err != nil {
		t.Fatalf("get the object back: %v", err)
	}
	got, _ := io.ReadAll(r)
	_ = r.Close()
	if string(got) != "hello from the gcp environment" {
		t.Errorf("read back %q", got)
	}
	// The bucket keeps what it holds: empty it, as its team would.
	if err := obj.Delete(ctx); err != nil {
		t.Fatal(err)
	}

	deleteClaim(t, claim, xr, mrs...)
	assertSecretGone(t, ns, "shop-gcp-env")
	sql, mem := googleClients(t)
	if _, err := sql.Instances.Get("local-project", externalName(kinds[cloudSQLInstance])).Do(); !isNotFound(err) {
		t.Errorf("Cloud SQL instance %s: want 404, got %v", externalName(kinds[cloudSQLInstance]), err)
	}
	name := "projects/local-project/locations/us-central1/instances/" + externalName(kinds[memorystoreInstance])
	if _, err := mem.Projects.Locations.Instances.Get(name).Do(); !isNotFound(err) {
		t.Errorf("Memorystore instance %s: want 404, got %v", name, err)
	}
	if _, err := gcs.Bucket(externalName(kinds[gcsBucket])).Attrs(ctx); !errors.Is(err, storage.ErrBucketNotExist) {
		t.Errorf("GCS bucket %s: want it gone, got %v", externalName(kinds[gcsBucket]), err)
	}
}

// googleClients are Cloud SQL Admin and Memorystore clients of the local
// cloud, signed in with the service account key it trusts, as the
// provider's default config is.
func googleClients(t *testing.T) (*sqladmin.Service, *redis.Service) {
	t.Helper()
	key, err := os.ReadFile(local.GCPKeyFile(stack.CloudCAFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts := []option.ClientOption{option.WithEndpoint(stack.Cloud.Endpoint + "/"), option.WithCredentialsJSON(key)} //nolint:staticcheck // The key is the local cloud's own.
	sql, err := sqladmin.NewService(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := redis.NewService(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return sql, mem
}

func isNotFound(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == http.StatusNotFound
}
